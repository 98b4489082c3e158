#!/usr/bin/env python3
"""udpsend.py - send crafted datagrams to a loopback port (test helper).

  udpsend.py PORT random N LEN        N random datagrams of LEN bytes (seeded)
  udpsend.py PORT flip N              N bit-flipped valid-looking v1 datagrams
  udpsend.py PORT sessions N          N valid v1 PINGs, each from a new session id
  udpsend.py PORT bytes HEX           one datagram
Prints how many datagrams came back within 0.3 s (they should not).
"""
import random
import socket
import struct
import sys
import time

def v1(typ, flags, flow, session, epoch, seq, payload):
    return struct.pack(">BBBBIQQQHH", 1, typ, flags, 0, flow, session, epoch, seq,
                       len(payload), 0) + payload

def main():
    port = int(sys.argv[1])
    mode = sys.argv[2]
    rng = random.Random(20261122)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    dgrams = []
    if mode == "random":
        n, ln = int(sys.argv[3]), int(sys.argv[4])
        dgrams = (bytes(rng.getrandbits(8) for _ in range(ln)) for _ in range(n))
    elif mode == "flip":
        n = int(sys.argv[3])
        def gen():
            for i in range(n):
                d = bytearray(v1(1, 0, 1, 0x1111, 0x1111, i + 1, b"x" * rng.randrange(0, 64)))
                for _ in range(rng.randrange(1, 4)):
                    bit = rng.randrange(len(d) * 8)
                    d[bit // 8] ^= 1 << (bit % 8)
                yield bytes(d)
        dgrams = gen()
    elif mode == "sessions":
        n = int(sys.argv[3])
        dgrams = (v1(2, 0, 0, sid, sid, 1, struct.pack(">HHQ", 0, 0, 1) + bytes(16))
                  for sid in (rng.getrandbits(64) | 1 for _ in range(n)))
    elif mode == "bytes":
        dgrams = [bytes.fromhex(sys.argv[3])]
    else:
        sys.exit("bad mode")
    sent = 0
    for d in dgrams:
        try:
            s.send(d)
        except OSError:
            pass
        sent += 1
        if sent % 20 == 0:
            time.sleep(0.001)	# pace: stay within the receiver's socket buffer
    s.settimeout(0.3)
    back = 0
    try:
        while True:
            s.recv(70000)
            back += 1
    except (socket.timeout, OSError):
        pass
    print(back)

if __name__ == "__main__":
    main()
