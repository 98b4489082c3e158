#!/usr/bin/env python3
"""udpsend.py - send crafted datagrams to a loopback port (test helper).

  udpsend.py PORT random N LEN        N random datagrams of LEN bytes (seeded)
  udpsend.py PORT flip N              N bit-flipped valid-looking v2 datagrams (clear, CRC32C)
  udpsend.py PORT sessions N          N valid clear v2 PINGs, each from a new session id
  udpsend.py PORT bytes HEX           one datagram
  udpsend.py PORT seq SESSION SEQ     one clear v2 DATA (flow 1) of that session with that seq
Prints how many datagrams came back within 0.3 s, NOTICEs aside (a NOTICE is
mpserver's rate-limited word to a misconfigured peer: 1 per source a second).
"""
import random
import socket
import struct
import sys
import time

def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t

_T = _crc32c_table()

def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF

def v2(typ, flags, flow, session, epoch, seq, payload, path=0, pseq=1, ext=b""):
    """A clear (suite 0) protocol v2 datagram: 52-byte header, the FEC extension
    (8 bytes, with flag 0x02) if given, payload, CRC32C."""
    d = struct.pack(">BBBBHBBIIQQQIIHH", 2, typ, flags, 0, 0, path, 0, 0, flow, session,
                    epoch, seq, pseq, 0, len(payload), 0) + ext + payload
    return d + struct.pack(">I", crc32c(d))

def fec_ext(block, index, k=0, m=0):
    """The 8-byte FEC extension: block, index, k, m, reserved."""
    return struct.pack(">IBBBB", block, index, k, m, 0)

def ping_body(redundancy=0, k=0, m=0, wait=0):
    """A PING payload (56 bytes): redundancy 0 keep, 1 broadcast, 2 fec (k, m, wait in 100 us)."""
    return struct.pack(">Q16sHBBBBHII16s", 1, bytes(16), 0, 0, redundancy, k, m, wait, 0, 0,
                       bytes(16))

PING_BODY = ping_body()

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
                d = bytearray(v2(1, 0, 1, 0x1111, 0x1111, i + 1, b"x" * rng.randrange(0, 64)))
                # distinct bits: flipping one bit twice would send it intact
                for bit in rng.sample(range(len(d) * 8), rng.randrange(1, 4)):
                    d[bit // 8] ^= 1 << (bit % 8)
                yield bytes(d)
        dgrams = gen()
    elif mode == "sessions":
        n = int(sys.argv[3])
        dgrams = (v2(2, 0, 0, sid, sid, 1, PING_BODY)
                  for sid in (rng.getrandbits(64) | 1 for _ in range(n)))
    elif mode == "seq":
        sid, seq = int(sys.argv[3], 0), int(sys.argv[4], 0)
        dgrams = [v2(1, 0, 1, sid, sid, seq, b"forged")]
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
            d = s.recv(70000)
            if not (len(d) >= 2 and d[0] == 2 and d[1] == 7):   # NOTICE
                back += 1
    except (socket.timeout, OSError):
        pass
    print(back)

if __name__ == "__main__":
    main()
