#!/usr/bin/env python3
"""flood.py - table-exhaustion floods against mpserver and mpclient (test helper).

  flood.py PORT sessions N RATE SECS [SOCKS]
        well-formed clear v2 PINGs of N session ids, in turn, RATE a second for SECS
        seconds, from SOCKS sockets (default 1; session i goes out of socket
        i % SOCKS): holds N sessions open on an unkeyed mpserver
  flood.py PORT flows N RATE SECS
        DATA of one session with N flow ids, in turn: fills mpserver's flow table
  flood.py PORT sources N RATE SECS
        one datagram from each of N sockets (source ports), in turn, to an
        mpclient's local port: fills its flow table
Datagrams are built as udpsend.py builds them (the tunnel's wire format).
Prints the number of datagrams sent.  Paced with a monotonic clock.
"""
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from udpsend import v2, PING_BODY  # noqa: E402  (one builder of the wire format for every helper)

PING = 2
DATA = 1


def main():
    port, mode, n, rate, secs = (int(sys.argv[1]), sys.argv[2], int(sys.argv[3]),
                                 float(sys.argv[4]), float(sys.argv[5]))
    rng = random.Random(20261127)
    nsocks = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    if mode == "sources":
        nsocks = n
    socks = []
    for _ in range(nsocks):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        socks.append(s)
    sids = [rng.getrandbits(64) | 1 for _ in range(n)]
    seqs = [0] * n
    flow_sid = rng.getrandbits(64) | 1
    start = time.monotonic()
    sent = 0
    i = 0
    while True:
        now = time.monotonic()
        if now - start >= secs:
            break
        due = start + sent / rate
        if due > now:
            time.sleep(min(due - now, 0.05))
            continue
        k = i % n
        if mode == "sessions":
            seqs[k] += 1
            d = v2(PING, 0, 0, sids[k], sids[k], seqs[k], PING_BODY, pseq=seqs[k])
            s = socks[k % nsocks]
        elif mode == "flows":
            d = v2(DATA, 0, k + 1, flow_sid, flow_sid, i + 1, b"flood %d" % k, pseq=i + 1)
            s = socks[0]
        elif mode == "sources":
            d = b"flood %d" % k
            s = socks[k]
        else:
            sys.exit("bad mode")
        try:
            s.sendto(d, ("127.0.0.1", port))
        except OSError:
            pass
        sent += 1
        i += 1
    print(sent)


if __name__ == "__main__":
    main()
