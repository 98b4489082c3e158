#!/usr/bin/env python3
"""socks5_client.py - a SOCKS5 UDP client for mpclient --socks5's tests.

  socks5_client.py PROXY_PORT --lib pysocks|own --to HOST:PORT [--to ...] [--count N]

Opens one UDP association through the SOCKS5 server on 127.0.0.1:PROXY_PORT
(--lib pysocks: Debian's python3-socks, PySocks; --lib own: this file's own
RFC 1928 client, which also sends to domain names: --to NAME:PORT, the port ignored by mpclient), sends N
numbered datagrams to each destination in turn (about 1 ms apart, reading the replies
that arrived meanwhile), then counts the replies that came back intact from their
destination (each once) (an echo target answers with the same bytes).  Prints one JSON object: {"DEST": {"sent": N, "received": R}, ...}.
Bounded: each reply is waited for at most --timeout seconds of silence.
"""
import argparse
import ipaddress
import json
import select
import socket
import struct
import sys
import time


def addr_bytes(host, port):
    """The SOCKS address of (host, port): ATYP, address, port."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode()
        return bytes([3, len(name)]) + name + struct.pack(">H", port)
    if ip.version == 4:
        return bytes([1]) + ip.packed + struct.pack(">H", port)
    return bytes([4]) + ip.packed + struct.pack(">H", port)


def read_addr(b, off):
    atyp = b[off]
    if atyp == 1:
        return str(ipaddress.ip_address(b[off + 1:off + 5])), struct.unpack(">H", b[off + 5:off + 7])[0], off + 7
    if atyp == 4:
        return str(ipaddress.ip_address(b[off + 1:off + 17])), struct.unpack(">H", b[off + 17:off + 19])[0], off + 19
    n = b[off + 1]
    return b[off + 2:off + 2 + n].decode(), struct.unpack(">H", b[off + 2 + n:off + 4 + n])[0], off + 4 + n


class Own:
    """A minimal RFC 1928 UDP ASSOCIATE client."""

    def __init__(self, proxy, timeout):
        self.ctl = socket.create_connection(proxy, timeout=5)
        self.ctl.sendall(b"\x05\x01\x00")
        if self.ctl.recv(2) != b"\x05\x00":
            raise SystemExit("socks5: method refused")
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.ctl.sendall(b"\x05\x03\x00" + addr_bytes("127.0.0.1", self.udp.getsockname()[1]))
        rep = self.ctl.recv(64)
        if len(rep) < 10 or rep[1] != 0:
            raise SystemExit("socks5: UDP ASSOCIATE refused: %r" % rep)
        host, port, _ = read_addr(rep, 3)
        self.relay = (host, port)
        self.udp.settimeout(timeout)

    def sendto(self, data, dest):
        self.udp.sendto(b"\x00\x00\x00" + addr_bytes(*dest) + data, self.relay)

    def fileno(self):
        return self.udp.fileno()

    def recvfrom(self):
        b, _ = self.udp.recvfrom(70000)
        host, port, off = read_addr(b, 3)
        return b[off:], (host, port)


class Py:
    """PySocks (Debian python3-socks)."""

    def __init__(self, proxy, timeout):
        import socks
        self.s = socks.socksocket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.set_proxy(socks.SOCKS5, proxy[0], proxy[1], rdns=True)
        self.s.bind(("127.0.0.1", 0))
        self.s.settimeout(timeout)

    def sendto(self, data, dest):
        self.s.sendto(data, dest)

    def fileno(self):
        return self.s.fileno()

    def recvfrom(self):
        return self.s.recvfrom(70000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("proxy_port", type=int)
    ap.add_argument("--lib", choices=("pysocks", "own"), default="own")
    ap.add_argument("--to", action="append", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=0.5)
    a = ap.parse_args()
    cli = (Py if a.lib == "pysocks" else Own)(("127.0.0.1", a.proxy_port), a.timeout)
    out = {}
    want = {}   # datagram sent -> (its destination's key, host, port), until its reply came back

    def take(data, frm):
        w = want.get(data)
        # from the destination (a name comes back as itself, port 0)
        if w and frm[0] == w[1] and frm[1] in (w[2], 0):
            del want[data]
            out[w[0]]["received"] += 1

    for dest in a.to:
        host, port = dest.rsplit(":", 1)
        host = host.strip("[]")
        port = int(port)
        out[dest] = {"sent": a.count, "received": 0}
        for i in range(a.count):
            msg = b"socks5 %s %d" % (dest.encode(), i)
            want[msg] = (dest, host, port)
            cli.sendto(msg, (host, port))
            # the replies so far (without waiting): a long run would overflow our socket
            while select.select([cli.fileno()], [], [], 0)[0]:
                try:
                    take(*cli.recvfrom())
                except (socket.timeout, BlockingIOError):
                    break
            time.sleep(0.001)
    # the rest of the replies, until --timeout of silence (bounded: at most count + 100 reads
    # per destination)
    for _ in range(len(a.to) * (a.count + 100)):
        if not want:
            break
        try:
            take(*cli.recvfrom())
        except (socket.timeout, BlockingIOError):
            break
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
