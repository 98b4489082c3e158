#!/usr/bin/env python3
"""stream.py - a downstream-heavy flow (test helper).

  stream.py serve PORT
        target: on each datagram "N RATE" from a client, send it N numbered
        datagrams back at RATE a second (one stream at a time)
  stream.py get PORT N RATE
        application: ask 127.0.0.1:PORT for N datagrams at RATE; print how
        many distinct ones arrived (and duplicates) as "received dups"
"""
import socket
import sys
import time


def serve(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        req, peer = s.recvfrom(2048)
        try:
            n, rate = (int(x) for x in req.split())
        except ValueError:
            continue
        start = time.monotonic()
        for i in range(n):
            due = start + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            try:
                s.sendto(b"%d " % i + b"x" * 200, peer)
            except OSError:
                pass


def get(port, n, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.sendto(b"%d %d" % (n, rate), ("127.0.0.1", port))
    seen = set()
    dups = 0
    deadline = time.monotonic() + n / rate + 2.0
    s.settimeout(0.5)
    while time.monotonic() < deadline and len(seen) < n:
        try:
            d = s.recv(4096)
        except socket.timeout:
            if seen:
                continue
            s.sendto(b"%d %d" % (n, rate), ("127.0.0.1", port))	# request lost: ask again
            continue
        k = int(d.split(b" ", 1)[0])
        if k in seen:
            dups += 1
        seen.add(k)
    print(len(seen), dups)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        get(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
