#!/usr/bin/env python3
"""udptool.py - tiny UDP endpoints for mpbridge's tests and benchmark (loopback only).

  udptool.py echo PORT                       echo every datagram back to its sender
  udptool.py ping HOST:PORT [--size N] [--count K] [--sport P] [--timeout S]
        send K datagrams of N bytes (numbered pattern), wait for the echoes;
        prints "sent K received R intact I"; exit 0 when all K came back intact
  udptool.py send HOST:PORT [--size N] [--count K] [--interval S] [--sport P] [--vary V]
        send K numbered datagrams, paced by S seconds (no replies expected);
        datagram i is N - i % V bytes (default V 1: all N)
  udptool.py blast HOST:PORT [--size N] [--count K]   send K datagrams as fast as possible
  udptool.py count PORT [--timeout S]       count datagrams until S seconds of silence;
        prints "received K rate R/s" (R from first to last datagram)
  udptool.py sink PORT --out FILE            count datagrams; write the count to FILE
        (rewritten every 100 datagrams, after 50 ms without one, and at SIGTERM)
  udptool.py verify PORT --out FILE          like sink, and checks every datagram is the
        numbered pattern of its length; FILE: "received R intact I distinct D maxcopies M"
Every wait is bounded by --timeout (default 2 s of silence).
"""
import argparse
import os
import signal
import socket
import struct
import sys
import time


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def payload(i, size):
    head = struct.pack("!I", i)
    body = bytes((i + k) & 0xFF for k in range(max(0, size - 4)))
    return (head + body)[:size]


def sock(sport=0, rcvbuf=1 << 22):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", sport))
    return s


def cmd_echo(a):
    s = sock(a.port)
    while True:
        d, src = s.recvfrom(70000)
        s.sendto(d, src)


def cmd_ping(a):
    s = sock(a.sport)
    dst = hostport(a.dest)
    got, intact = 0, 0
    want = {}
    for i in range(a.count):
        m = payload(i, a.size)
        want[i] = m
        s.sendto(m, dst)
        # one outstanding at a time keeps the test independent of buffer sizes
        s.settimeout(a.timeout)
        try:
            d, _ = s.recvfrom(70000)
        except socket.timeout:
            continue
        got += 1
        if len(d) >= 4:
            j = struct.unpack("!I", d[:4])[0]
            if want.get(j) == d:
                intact += 1
    print("sent %d received %d intact %d" % (a.count, got, intact))
    return 0 if intact == a.count else 1


def cmd_send(a):
    s = sock(a.sport)
    dst = hostport(a.dest)
    t0 = time.monotonic()
    for i in range(a.count):
        if a.interval > 0:
            delay = t0 + i * a.interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        s.sendto(payload(i, a.size - i % a.vary), dst)
    print("sent %d" % a.count)
    return 0


def cmd_blast(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = hostport(a.dest)
    m = payload(0, a.size)
    t0 = time.monotonic()
    for _ in range(a.count):
        s.sendto(m, dst)
    dt = time.monotonic() - t0
    print("sent %d rate %.0f/s" % (a.count, a.count / dt if dt > 0 else 0))
    return 0


def cmd_count(a):
    s = sock(a.port, 1 << 24)
    s.settimeout(a.timeout)
    n, t0, t1 = 0, None, None
    try:
        while True:
            s.recv(70000)
            t1 = time.monotonic()
            if t0 is None:
                t0 = t1
            n += 1
    except socket.timeout:
        pass
    rate = n / (t1 - t0) if n > 1 and t1 > t0 else 0
    print("received %d rate %.0f/s" % (n, rate))
    return 0


# sink and verify also write their counts after this many seconds without a datagram,
# so a test polling the file sees the final count without stopping them
IDLE_DUMP = 0.05


def serve_counts(port, dump, count, take):
    """The sinks' loop on port: take(d) each datagram; dump() at once, on SIGTERM (then
    exit), every 100 datagrams, and after IDLE_DUMP seconds without one if count() moved."""
    s = sock(port)

    def stop(*_):
        dump()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    dump()
    s.settimeout(IDLE_DUMP)
    dumped = 0
    while True:
        try:
            d, _ = s.recvfrom(70000)
        except socket.timeout:
            if dumped != count():
                dumped = count()
                dump()
            continue
        take(d)
        if count() % 100 == 0:
            dumped = count()
            dump()


def cmd_sink(a):
    n = [0]

    def dump():
        with open(a.out, "w") as f:
            f.write("%d\n" % n[0])

    def take(_):
        n[0] += 1

    serve_counts(a.port, dump, lambda: n[0], take)


def cmd_verify(a):
    """A sink that checks each datagram is payload(i, its length), counting copies."""
    st = {"n": 0, "intact": 0}
    copies = {}

    def dump():
        with open(a.out + ".tmp", "w") as f:
            f.write("received %d intact %d distinct %d maxcopies %d\n" % (
                st["n"], st["intact"], len(copies), max(copies.values(), default=0)))
        os.replace(a.out + ".tmp", a.out)

    def take(d):
        st["n"] += 1
        if len(d) >= 4:
            i = struct.unpack("!I", d[:4])[0]
            if payload(i, len(d)) == d:
                st["intact"] += 1
                copies[i] = copies.get(i, 0) + 1

    serve_counts(a.port, dump, lambda: st["n"], take)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("echo")
    e.add_argument("port", type=int)
    for name in ("ping", "send", "blast"):
        q = sub.add_parser(name)
        q.add_argument("dest")
        q.add_argument("--size", type=int, default=64)
        q.add_argument("--count", type=int, default=10)
        q.add_argument("--sport", type=int, default=0)
        q.add_argument("--timeout", type=float, default=2.0)
        q.add_argument("--interval", type=float, default=0.0)
        q.add_argument("--vary", type=int, default=1,
                       help="send: datagram i is SIZE - i %% VARY bytes")
    c = sub.add_parser("count")
    c.add_argument("port", type=int)
    c.add_argument("--timeout", type=float, default=1.0)
    k = sub.add_parser("sink")
    k.add_argument("port", type=int)
    k.add_argument("--out", required=True)
    v = sub.add_parser("verify")
    v.add_argument("port", type=int)
    v.add_argument("--out", required=True)
    a = p.parse_args()
    return {"echo": cmd_echo, "ping": cmd_ping, "send": cmd_send, "blast": cmd_blast,
            "count": cmd_count, "sink": cmd_sink, "verify": cmd_verify}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
