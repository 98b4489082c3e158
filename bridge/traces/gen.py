#!/usr/bin/env python3
"""bridge/traces/gen.py - generate mpbridge's shipped rate traces (Mahimahi format).

    python3 bridge/traces/gen.py [OUTDIR]           (default: bridge/traces)
    python3 bridge/traces/gen.py --constant MBITS SECONDS FILE

A trace is one line per delivery opportunity of 1500 bytes, the line being the
millisecond at which it occurs; repeated lines are several opportunities in
that millisecond; the trace repeats with the period of its last line. Every
trace here is drawn from a fixed seed, so the files are reproducible; where
the figures come from is in bridge/traces/README.md.
"""
import math
import random
import sys

MTU_BITS = 1500 * 8


def write(path, opportunities):
    """opportunities: list of per-millisecond counts, index = ms (from 1). The
    period is the last line; when the last millisecond has no opportunity, one
    line is added there to mark it (one extra opportunity per period)."""
    with open(path, "w") as f:
        last = 0
        for ms, k in enumerate(opportunities, start=1):
            for _ in range(k):
                f.write("%d\n" % ms)
                last = ms
        if last != len(opportunities):
            f.write("%d\n" % len(opportunities))   # the period: a last line at the end


def from_rates(rates_bps):
    """Per-millisecond opportunity counts for a per-millisecond rate, carrying the
    fractional part so the mean is exact."""
    out, carry = [], 0.0
    for r in rates_bps:
        carry += r / 1000.0 / MTU_BITS
        k = int(carry)
        carry -= k
        out.append(k)
    return out


def lte(seed=1, seconds=60):
    """A variable cellular link: the capacity follows a log-normal random walk
    updated every 20 ms, bounded to 0.5-40 Mbit/s, mean near 10 Mbit/s, with
    short fades (capacity near 0 for 50-300 ms, about once every 10 s)."""
    rnd = random.Random(seed)
    rates, level = [], math.log(10e6)
    fade_left = 0
    for ms in range(seconds * 1000):
        if ms % 20 == 0:
            level += rnd.gauss(0, 0.12) + 0.02 * (math.log(10e6) - level)
            level = min(max(level, math.log(0.5e6)), math.log(40e6))
            if fade_left == 0 and rnd.random() < 0.002:     # per 20 ms: ~1 per 10 s
                fade_left = rnd.randint(50, 300)
        if fade_left > 0:
            fade_left -= 1
            rates.append(0.0)
        else:
            rates.append(math.exp(level))
    return from_rates(rates)


def starlink(seed=2, seconds=30):
    """A LEO satellite link: the capacity is re-drawn at every 15 s
    reconfiguration (12, 27, 42, 57 s past the minute; here every 15 s from
    12 s into the trace), uniform in 30-70 Mbit/s, with per-second wander of
    +-10%; around each reconfiguration the link is out for 100-250 ms."""
    rnd = random.Random(seed)
    rates = []
    level = rnd.uniform(30e6, 70e6)
    wander = 1.0
    outage = 0
    for ms in range(seconds * 1000):
        if ms >= 12000 and (ms - 12000) % 15000 == 0:
            level = rnd.uniform(30e6, 70e6)
            outage = rnd.randint(100, 250)
        if ms % 1000 == 0:
            wander = rnd.uniform(0.9, 1.1)
        if outage > 0:
            outage -= 1
            rates.append(0.0)
        else:
            rates.append(level * wander)
    return from_rates(rates)


def wifi(seed=3, seconds=10):
    """A busy Wi-Fi link: delivery in aggregated bursts (A-MPDU / TXOP), one burst
    every 2-4 ms of 8-16 frames of 1500 bytes, and one burst in 20 deferred by a
    further 5-15 ms of contention: about 40 Mbit/s on average."""
    rnd = random.Random(seed)
    counts = [0] * (seconds * 1000)
    t = 1
    while t <= len(counts):
        counts[t - 1] += rnd.randint(8, 16)
        gap = rnd.randint(2, 4)
        if rnd.random() < 0.05:
            gap += rnd.randint(5, 15)
        t += gap
    return counts


def main(argv):
    if len(argv) == 5 and argv[1] == "--constant":
        mbits, secs, path = float(argv[2]), float(argv[3]), argv[4]
        write(path, from_rates([mbits * 1e6] * int(secs * 1000)))
        return 0
    if len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1] if len(argv) == 2 else "bridge/traces"
    for name, counts in (("lte", lte()), ("starlink", starlink()), ("wifi", wifi())):
        write("%s/%s.trace" % (out, name), counts)
        mean = sum(counts) * MTU_BITS / (len(counts) / 1000.0) / 1e6
        print("%s/%s.trace: %d opportunities over %d s, mean %.2f Mbit/s"
              % (out, name, sum(counts), len(counts) // 1000, mean))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
