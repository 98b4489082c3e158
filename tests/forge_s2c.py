#!/usr/bin/env python3
"""forge_s2c.py - inject, as mpserver, one datagram towards mpclient (test helper, root).

  forge_s2c.py CAPTURE BRIDGE_STATS SERVER_PORT SEQ

Takes the last datagram mpbridge forwarded towards mpclient (CAPTURE: its
-s2c.pcap; the live session and mpserver epoch), sets its seq to SEQ
(recomputing the CRC32C of a clear datagram) and sends it with a raw socket
from 127.0.0.1:SERVER_PORT to the bridge's upstream socket (read from
BRIDGE_STATS), which accepts only what comes from mpserver's address.
Prints the seq it replaced.
"""
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labreport import pcap  # noqa: E402
from udpsend import crc32c  # noqa: E402


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main(argv):
    cap, stats, sport, seq = argv[0], argv[1], int(argv[2]), int(argv[3], 0)
    fwd = [d.payload for d in pcap.datagrams(cap, 0) if d.tos & 0x80]
    d = bytearray(next(p for p in reversed(fwd) if p[0] == 2 and p[1] == 1))
    old = struct.unpack(">Q", d[32:40])[0]
    d[32:40] = struct.pack(">Q", seq)
    if d[3] == 0:
        d[-4:] = struct.pack(">I", crc32c(bytes(d[:-4])))
    up = json.load(open(stats))["upstream"]
    uport = int(up.rsplit(":", 1)[1])
    src, dst = socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1")
    udp = struct.pack("!HHHH", sport, uport, 8 + len(d), 0) + bytes(d)
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp, ("127.0.0.1", 0))
    print(old)


if __name__ == "__main__":
    main(sys.argv[1:])
