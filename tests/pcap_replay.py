#!/usr/bin/env python3
"""pcap_replay.py - read UDP payloads from an mpbridge capture (test helper).

  pcap_replay.py [--seg N|auto] FILE count      datagrams forwarded (TOS bit 0x80)
  pcap_replay.py [--seg N|auto] FILE send PORT  send every forwarded payload again to
                                                127.0.0.1:PORT from a new socket; prints
                                                how many datagrams came back in 0.3 s
                                                (NOTICEs aside: mpserver's rate-limited word
                                                to a misconfigured peer)
  pcap_replay.py [--seg N|auto] FILE grep TEXT  how many datagrams contain TEXT
  pcap_replay.py [--seg N|auto] FILE flip PORT N
                                                send N forwarded payloads with 1-3 random
                                                bits flipped (seeded) to 127.0.0.1:PORT

Captures are read by the lab's reader (lab/labreport/pcap.py), which counts datagrams, not
records: a UDP GSO super-packet (one record on loopback) is split into its segments of N bytes
(--seg auto: each stream's most common size). mpbridge's --pcap files hold one record per
datagram, so the default is not to split (--seg 0).
"""
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
from labreport import pcap  # noqa: E402


def datagrams(path, seg):
    dg = pcap.datagrams(path, seg)
    if dg is None:
        sys.exit(f"pcap_replay: cannot read {path}")
    return [(d.tos, d.payload) for d in dg]


def main(argv):
    seg = 0
    if len(argv) >= 2 and argv[0] == "--seg":
        seg = None if argv[1] == "auto" else int(argv[1])
        argv = argv[2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    path, mode = argv[0], argv[1]
    recs = datagrams(path, seg)
    if mode == "count":
        print(sum(1 for tos, _ in recs if tos & 0x80))
    elif mode == "grep":
        needle = argv[2].encode()
        print(sum(1 for _, p in recs if needle in p))
    elif mode in ("send", "flip"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", int(argv[2])))
        n = 0
        payloads = [p for tos, p in recs if tos & 0x80]
        if mode == "send":
            todo = payloads
        else:
            rng = random.Random(20261122)
            total = int(argv[3])

            def flipped():
                for i in range(total):
                    d = bytearray(payloads[i % len(payloads)])
                    for _ in range(rng.randrange(1, 4)):
                        bit = rng.randrange(len(d) * 8)
                        d[bit // 8] ^= 1 << (bit % 8)
                    yield bytes(d)
            todo = flipped()
        for p in todo:
            try:
                s.send(p)
            except OSError:
                pass
            n += 1
            if n % 20 == 0:
                time.sleep(0.001)
        s.settimeout(0.3)
        back = 0
        try:
            while True:
                d = s.recv(70000)
                if not (len(d) >= 2 and d[0] == 2 and d[1] == 7):   # a NOTICE is not data
                    back += 1
        except (socket.timeout, OSError):
            pass
        print(back)
    else:
        sys.exit("bad mode")


if __name__ == "__main__":
    main(sys.argv[1:])
