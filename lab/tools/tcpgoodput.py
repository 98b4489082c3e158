#!/usr/bin/env python3
"""tcpgoodput.py - TCP or MPTCP goodput between two lab hosts, without LD_PRELOAD.

    tcpgoodput.py server PORT [--mptcp] [--limit S]     accept one connection, count what
                                                        arrives until EOF, print JSON
    tcpgoodput.py client HOST PORT SECONDS [--mptcp]    send for SECONDS, print JSON

--mptcp opens the socket with IPPROTO_MPTCP (262), as `mptcpize` would make an application do
(an MPTCP listener also accepts plain TCP). The receiver's count is the goodput; the client adds
its TCP_INFO retransmissions where the kernel gives them (plain TCP).
"""
import json
import socket
import struct
import sys
import time

IPPROTO_MPTCP = 262


def sock(mptcp):
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP if mptcp else 0)


def server(port, mptcp, limit):
    s = sock(mptcp)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1)
    s.settimeout(limit)
    c, peer = s.accept()
    c.settimeout(limit)
    n, t0, last = 0, time.monotonic(), None
    buf = bytearray(1 << 16)
    while True:
        try:
            k = c.recv_into(buf)
        except socket.timeout:
            break
        if not k:
            break
        n += k
        last = time.monotonic()
    dur = (last or t0) - t0
    print(json.dumps({"role": "server", "mptcp": mptcp, "peer": peer[0], "bytes": n, "seconds": round(dur, 3),
                      "goodput_bps": round(8 * n / dur) if dur > 0 else 0}), flush=True)


def client(host, port, seconds, mptcp):
    s = sock(mptcp)
    s.settimeout(30)
    s.connect((host, port))
    data = b"\0" * (1 << 16)
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        n += s.send(data)
    retrans = None
    try:
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        retrans = struct.unpack_from("I", info, 100)[0]   # tcpi_total_retrans
    except OSError:
        pass
    s.shutdown(socket.SHUT_WR)
    try:
        s.recv(1)
    except OSError:
        pass
    s.close()
    print(json.dumps({"role": "client", "mptcp": mptcp, "bytes": n, "seconds": round(time.monotonic() - t0, 3),
                      "total_retrans": retrans}), flush=True)


def main(a):
    mptcp = "--mptcp" in a
    a = [x for x in a if x != "--mptcp"]
    limit = 60.0
    if "--limit" in a:
        i = a.index("--limit")
        limit = float(a[i + 1])
        del a[i:i + 2]
    if len(a) == 2 and a[0] == "server":
        return server(int(a[1]), mptcp, limit)
    if len(a) == 4 and a[0] == "client":
        return client(a[1], int(a[2]), float(a[3]), mptcp)
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
