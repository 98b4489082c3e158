#!/usr/bin/env python3
"""pcap_replay.py - read UDP payloads from an mpbridge capture (test helper).

  pcap_replay.py FILE count                  datagrams forwarded (TOS bit 0x80)
  pcap_replay.py FILE send PORT              send every forwarded payload again to
                                             127.0.0.1:PORT from a new socket; prints
                                             how many datagrams came back in 0.3 s
  pcap_replay.py FILE grep TEXT              how many records contain TEXT
  pcap_replay.py FILE flip PORT N            send N forwarded payloads with 1-3 random
                                             bits flipped (seeded) to 127.0.0.1:PORT
"""
import random
import socket
import struct
import sys
import time


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        if not pkt or pkt[0] >> 4 != 4:
            continue
        ihl = (pkt[0] & 15) * 4
        yield pkt[1], pkt[ihl + 8:]


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "count":
        print(sum(1 for tos, _ in records(path) if tos & 0x80))
    elif mode == "grep":
        needle = sys.argv[3].encode()
        print(sum(1 for _, p in records(path) if needle in p))
    elif mode in ("send", "flip"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", int(sys.argv[3])))
        n = 0
        payloads = [p for tos, p in records(path) if tos & 0x80]
        if mode == "send":
            todo = payloads
        else:
            rng = random.Random(20261122)
            total = int(sys.argv[4])
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
                s.recv(70000)
                back += 1
        except (socket.timeout, OSError):
            pass
        print(back)
    else:
        sys.exit("bad mode")


if __name__ == "__main__":
    main()
