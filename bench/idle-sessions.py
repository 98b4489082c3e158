#!/usr/bin/env python3
"""bench/idle-sessions.py HOST:PORT N [SOCKETS] - open N idle sessions on an
mpserver (clear mode) by sending one PING for each of N distinct session ids,
from a few sockets, and counting the PONGs.  Prints the number of sessions
that answered; exit status 0 when all did.

Protocol version 2 (tunnel/PROTOCOL.md), clear mode: a 52-byte header
(version 2, type 2 PING, flow 0, session, epoch = session, seq, path id and
path seq), the 56-byte PING body and the CRC32C trailer, built by
tests/udpsend.py (one builder of the wire format for every helper).  Sent in
rounds of a few hundred so the server's socket buffer is not overrun; a
session without a PONG is pinged again (next seq) up to 5 times.
"""
import os
import selectors
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from udpsend import v2, PING_BODY  # noqa: E402

# the v2 header up to the session id: version, type, flags, suite, server, path,
# reserved, key id, flow, session
HDR = struct.Struct(">BBBBHBBIIQ")
ROUND = 500


def ping(session, seq, path):
    return v2(2, 0, 0, session, session, seq, PING_BODY, path=path, pseq=seq)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: idle-sessions.py HOST:PORT N [SOCKETS]")
    host, port = sys.argv[1].rsplit(":", 1)
    n = int(sys.argv[2])
    nsock = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    dest = (host, int(port))
    socks = []
    sel = selectors.DefaultSelector()
    for _ in range(nsock):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    # session ids far from mpclient's random ones: a fixed high prefix
    pending = {0x1d1e000000000000 + i + 1: 0 for i in range(n)}
    answered = 0
    for attempt in range(1, 6):
        todo = [sid for sid, a in pending.items() if a < attempt]
        for start in range(0, len(todo), ROUND):
            chunk = todo[start:start + ROUND]
            for k, sid in enumerate(chunk):
                socks[k % nsock].sendto(ping(sid, attempt, k % nsock), dest)
                pending[sid] = attempt
            deadline = time.monotonic() + 0.5
            want = len(chunk)
            got = 0
            while got < want and time.monotonic() < deadline:
                for key, _ in sel.select(timeout=0.05):
                    while True:
                        try:
                            data = key.fileobj.recv(2048)
                        except BlockingIOError:
                            break
                        if len(data) < HDR.size:
                            continue
                        f = HDR.unpack_from(data)
                        if f[0] == 2 and f[1] == 3 and f[9] in pending:	# a PONG of ours
                            del pending[f[9]]
                            answered += 1
                            got += 1
        if not pending:
            break
    print(answered)
    return 0 if answered == n else 1


if __name__ == "__main__":
    sys.exit(main())
