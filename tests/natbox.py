#!/usr/bin/env python3
"""natbox.py - a one-client UDP NAT on loopback that can rebind (test helper).

  natbox.py LISTEN_PORT TO_PORT
        relays datagrams from its client (the first source it hears) to
        127.0.0.1:TO_PORT from an outside socket, and the answers back.
        SIGUSR1 rebinds: a new outside socket (a new source port), the old
        one closed, as a NAT does when its mapping times out.  Prints each
        outside port it uses on stdout.
"""
import os
import select
import signal
import socket
import sys

rebind = False


def on_usr1(signum, frame):
    global rebind
    rebind = True


def outside():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1], flush=True)
    return s


def main():
    global rebind
    lport, to = int(sys.argv[1]), ("127.0.0.1", int(sys.argv[2]))
    inside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    inside.bind(("127.0.0.1", lport))
    out = outside()
    client = None
    signal.signal(signal.SIGUSR1, on_usr1)
    while True:
        if rebind:
            rebind = False
            out.close()
            out = outside()
        try:
            r, _, _ = select.select([inside, out], [], [], 0.1)
        except InterruptedError:
            continue
        for s in r:
            try:
                d, peer = s.recvfrom(70000)
            except OSError:
                continue
            try:
                if s is inside:
                    client = peer
                    out.sendto(d, to)
                elif client and peer == to:
                    inside.sendto(d, client)
            except OSError:
                pass


if __name__ == "__main__":
    main()
