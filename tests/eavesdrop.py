#!/usr/bin/env python3
"""eavesdrop.py - an on-path eavesdropper on loopback (test helper, root).

  eavesdrop.py WATCH_PORT SEND_PORT SECS
        captures (AF_PACKET on lo) every UDP datagram sent to 127.0.0.1:WATCH_PORT
        and sends its payload at once to 127.0.0.1:SEND_PORT from its own
        socket (a new address), for SECS seconds; prints "capturing" once
        its capture is open, then at the end
        "resent replies challenges": how many it re-sent, how many datagrams
        came back to its socket in all, and how many of those were wire v2
        PINGs from mpserver (path challenges, byte 1 = 2, flag SERVER).
        SIGUSR1 ends it early (same report).
"""
import select
import signal
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def main():
    watch, dst, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    cap.bind(("lo", ETH_P_IP))
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out.bind(("127.0.0.1", 0))
    resent = replies = challenges = 0
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
    print("capturing", flush=True)
    end = time.monotonic() + secs
    while not stop:
        left = end - time.monotonic()
        if left <= 0:
            break
        try:
            r, _, _ = select.select([cap, out], [], [], min(left, 0.1))
        except InterruptedError:
            continue
        if out in r:
            try:
                d = out.recv(70000)
                replies += 1
                if len(d) > 2 and d[0] == 2 and d[1] == 2 and d[2] & 1:
                    challenges += 1
            except OSError:
                pass
        if cap in r:
            pkt, addr = cap.recvfrom(70000)
            if addr[2] == socket.PACKET_OUTGOING:
                continue	# loopback shows each packet twice
            if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17:
                continue
            ihl = (pkt[0] & 15) * 4
            dport = struct.unpack("!H", pkt[ihl + 2:ihl + 4])[0]
            if dport != watch:
                continue
            try:
                out.sendto(pkt[ihl + 8:], ("127.0.0.1", dst))
                resent += 1
            except OSError:
                pass
    print(resent, replies, challenges, flush=True)


if __name__ == "__main__":
    main()
