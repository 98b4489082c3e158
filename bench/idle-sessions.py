#!/usr/bin/env python3
"""bench/idle-sessions.py HOST:PORT N [SOCKETS] [--fec K:M] [--data D] [--base B] - open
N idle sessions on an mpserver (clear mode) by sending one PING for each of N
distinct session ids, from a few sockets, and counting the PONGs.  Prints the
number of sessions that answered; exit status 0 when all did.

--fec K:M: the PINGs ask for fec:K:M (5 ms wait) in the server -> client
direction.  --data D: then each answered session sends D DATA of flow 1 (100 bytes; with
--fec, with the FEC extension: block 1, data symbols 0..D-1): mpserver
sets up its decoder, forwards them to its target and, if the target answers,
codes the replies (bench/fec-memory.sh measures what that holds).  --base B:
session ids from B (default 0x1d1e000000000000), so that two runs open
distinct sessions.

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
from udpsend import v2, ping_body, fec_ext  # noqa: E402

# the v2 header up to the session id: version, type, flags, suite, server, path,
# reserved, key id, flow, session
HDR = struct.Struct(">BBBBHBBIIQ")
ROUND = 500


BODY = ping_body()


def ping(session, seq, path):
    return v2(2, 0, 0, session, session, seq, BODY, path=path, pseq=seq)


def main():
    global BODY
    args, opts = [], {}
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a in ("--fec", "--data", "--base"):
            if not argv:
                sys.exit("idle-sessions.py: %s needs a value" % a)
            opts[a] = argv.pop(0)
        else:
            args.append(a)
    if len(args) < 2:
        sys.exit("usage: idle-sessions.py HOST:PORT N [SOCKETS] [--fec K:M] [--data D] [--base B]")
    host, port = args[0].rsplit(":", 1)
    n = int(args[1])
    nsock = int(args[2]) if len(args) > 2 else 4
    if "--fec" in opts:
        k, m = (int(x) for x in opts["--fec"].split(":"))
        BODY = ping_body(2, k, m, 50)
    ndata = int(opts.get("--data", "0"))
    base = int(opts.get("--base", "0x1d1e000000000000"), 0)
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
    pending = {base + i + 1: 0 for i in range(n)}
    sids = list(pending)
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
    if ndata:
        # coded DATA of flow 1 after the PINGs (seq 10..), paced in rounds
        for start in range(0, len(sids), ROUND):
            for k, sid in enumerate(sids[start:start + ROUND]):
                if sid in pending:
                    continue
                for d in range(ndata):
                    coded = "--fec" in opts
                    socks[k % nsock].sendto(v2(1, 0x02 if coded else 0, 1, sid, sid, 10 + d,
                                               bytes(100), path=k % nsock, pseq=10 + d,
                                               ext=fec_ext(1, d) if coded else b""), dest)
            time.sleep(0.05)
            for key, _ in sel.select(timeout=0):	# replies: drained, not counted
                while True:
                    try:
                        key.fileobj.recv(2048)
                    except BlockingIOError:
                        break
    print(answered)
    return 0 if answered == n else 1


if __name__ == "__main__":
    sys.exit(main())
