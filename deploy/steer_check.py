#!/usr/bin/env python3
"""steer_check.py - datagrams for the scale-out steering lab (deploy/scale-out-lab.sh).

  steer_check.py sink PORT OUT          record (session, server id, path) of each datagram
                                        received on PORT (any address) into OUT, one line each,
                                        until SIGTERM
  steer_check.py send VIP PORT SRC1,SRC2,SRC3 SESSIONS SEED MODE
                                        SESSIONS sessions x 3 paths, each path from its own
                                        source address (a bridge) and a fresh source port;
                                        each datagram a protocol-v2-shaped header (52 bytes:
                                        version 2, server id at 4, path at 6, session at 16)
                                        MODE: zero (server id 0: first contact),
                                        ids (server id 1 or 2 by session, from SEED),
                                        only1 (server id 1 for all)
Prints "sent N" and writes the session ids with the server id sent in OUTDIR/sessions-MODE.txt.
  steer_check.py check EXPECT B1 FROM1 B2 FROM2
                                        compare what backend 1 (file B1 from line FROM1) and
                                        backend 2 received with EXPECT: prints
                                        "received N split S misrouted M b1 X b2 Y" where split
                                        counts sessions whose paths reached both backends and
                                        misrouted datagrams with server id k not at backend k
"""
import os
import random
import signal
import socket
import struct
import sys


def header(server, path, session):
    return struct.pack(">BBBBHBBIIQQQIIHH", 2, 1, 0, 0, server, path, 0, 0, 1, session,
                       session, 1, 1, 0, 0, 0) + bytes(4)


def sink(port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", port))
    f = open(out, "w", buffering=1)

    def stop(*_):
        f.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        d, _ = s.recvfrom(2048)
        if len(d) >= 24:
            server, path = struct.unpack(">H", d[4:6])[0], d[6]
            session = struct.unpack(">Q", d[16:24])[0]
            f.write("%016x %d %d\n" % (session, server, path))


def send(vip, port, srcs, n, seed, mode, outdir):
    rng = random.Random(seed)
    sent = 0
    expect = open(os.path.join(outdir, "sessions-%s.txt" % mode), "w")
    for _ in range(n):
        session = rng.getrandbits(64) | 1
        sid = {"zero": 0, "only1": 1}.get(mode) or rng.choice((1, 2))
        expect.write("%016x %d\n" % (session, sid))
        for path, src in enumerate(srcs):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((src, 0))
            s.sendto(header(sid, path, session), (vip, port))
            s.close()
            sent += 1
    expect.close()
    print("sent %d" % sent)


def check(expect, b1, from1, b2, from2):
    want = {}
    for line in open(expect):
        sess, sid = line.split()
        want[sess] = int(sid)
    where = {}
    received = misrouted = 0
    count = [0, 0]
    for b, (path, start) in enumerate(((b1, from1), (b2, from2))):
        for i, line in enumerate(open(path)):
            if i < start:
                continue
            sess, sid, _ = line.split()
            if sess not in want:
                continue
            received += 1
            count[b] += 1
            where.setdefault(sess, set()).add(b)
            if int(sid) and int(sid) != b + 1:
                misrouted += 1
    split = sum(1 for v in where.values() if len(v) > 1)
    print("received %d split %d misrouted %d b1 %d b2 %d" %
          (received, split, misrouted, count[0], count[1]))


def main():
    if sys.argv[1] == "sink":
        sink(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","), int(sys.argv[5]),
             int(sys.argv[6]), sys.argv[7], sys.argv[8] if len(sys.argv) > 8 else ".")
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
