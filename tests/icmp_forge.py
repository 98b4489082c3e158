#!/usr/bin/env python3
"""icmp_forge.py - forge ICMP port-unreachable errors on loopback (test helper, root).

  icmp_forge.py SPORT DPORT[,DPORT...] RATE SECS
        ICMP type 3 code 3 from 127.0.0.1 to 127.0.0.1, each quoting a UDP
        datagram 127.0.0.1:SPORT -> 127.0.0.1:DPORT (the DPORTs in turn), as
        if the host of DPORT had refused what SPORT's owner sent it; RATE a
        second for SECS seconds.  Prints the number sent.
"""
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def icmp_unreach(sport, dport):
    lo = socket.inet_aton("127.0.0.1")
    udp_len = 8 + 64
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0x1234, 0x4000, 64, 17, 0, lo, lo)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0)
    body = ip + udp + bytes(64)
    hdr = struct.pack("!BBHI", 3, 3, 0, 0)
    return struct.pack("!BBHI", 3, 3, csum(hdr + body), 0) + body


def main():
    sport, dports = int(sys.argv[1]), [int(p) for p in sys.argv[2].split(",")]
    rate, secs = float(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    pkts = [icmp_unreach(sport, d) for d in dports]
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < secs:
        due = start + sent / rate
        now = time.monotonic()
        if due > now:
            time.sleep(min(due - now, 0.05))
            continue
        try:
            s.sendto(pkts[sent % len(pkts)], ("127.0.0.1", 0))
        except OSError:
            pass
        sent += 1
    print(sent)


if __name__ == "__main__":
    main()
