#!/usr/bin/env python3
"""theory_fec.py - residual loss of broadcast copies and Reed-Solomon blocks.

The same formulas as lib/fec_ctl.c (see the comment at the top of
lib/fec_ctl.h); tests/unit/test_fec_ctl.c runs `theory_fec.py --table` and
checks the two agree.

A block of n = k + m symbols goes round robin over s paths: path j gets
n_j = n // s + (j < n % s) symbols, k_j = k // s + (j < k % s) of them data.
Losses come in clumps of c_j symbols (c_j = max(1, round(burst_j / depth)));
path j's share is u_j = ceil(n_j / c_j) units lost independently with
probability p_j.  A data symbol is lost for good when its unit is lost and
the block lost more than m symbols:

    residual = (1/k) sum_j k_j p_j P(L_(-j) >= m - c_j + 1)

L_(-j) = sum_i c_i U_i over all units but one of path j.  With c = 1 and one
p this is sum_{i>m} C(n,i) p^i (1-p)^(n-i) i/n.  Copies on c paths: prod p.

Usage:
  theory_fec.py --table            the cases the unit test compares
  theory_fec.py K M P [P ...]      residual of fec:K:M over paths with losses P
  theory_fec.py --residual K M P [P ...]   the number alone
  theory_fec.py --block-failure K M P [P ...]   P(a block loses more than M symbols)
  theory_fec.py --lost-quantile K M P BLOCKS Q  the Q-quantile of the data datagrams
                                   BLOCKS blocks lose for good (iid loss P per symbol)
"""
import math
import sys

N_MAX = 128
LMAX = 2 * N_MAX + 2


def clump(burst, depth):
    depth = max(1, depth)
    c = math.floor(burst / depth + 0.5)
    if not c >= 1:
        return 1
    return min(int(c), N_MAX)


def binom_pmf(u, p):
    if p <= 0:
        return [1.0] + [0.0] * u
    if p >= 1:
        return [0.0] * u + [1.0]
    return [math.exp(math.lgamma(u + 1) - math.lgamma(i + 1) - math.lgamma(u - i + 1)
                     + i * math.log(p) + (u - i) * math.log1p(-p)) for i in range(u + 1)]


def lost_dist(u, p, c):
    dist = [0.0] * LMAX
    dist[0] = 1.0
    for ui, pi, ci in zip(u, p, c):
        pmf = binom_pmf(ui, pi)
        nxt = [0.0] * LMAX
        for a, da in enumerate(dist):
            if da == 0:
                continue
            for b, pb in enumerate(pmf):
                nxt[min(a + b * ci, LMAX - 1)] += da * pb
        dist = nxt
    return dist


def block_residual(k, m, p, c=None):
    """Residual loss of a (k, m) block striped over len(p) paths."""
    s = len(p)
    n = k + m
    if k < 1 or s < 1 or s > 16 or n > N_MAX:
        return 1.0
    c = [ci if ci and ci >= 1 else 1 for ci in (c or [1] * s)]
    u = [((n // s + (1 if j < n % s else 0)) + c[j] - 1) // c[j] for j in range(s)]
    res = 0.0
    for j in range(s):
        kj = k // s + (1 if j < k % s else 0)
        if kj == 0 or p[j] <= 0:
            continue
        u2 = list(u)
        u2[j] -= 1
        dist = lost_dist(u2, p, c)
        need = max(0, m - c[j] + 1)
        res += kj * min(p[j], 1.0) * sum(dist[need:])
    return min(res / k, 1.0)


def block_failure(k, m, p):
    """Probability that a (k, m) block striped over len(p) paths loses more than m symbols."""
    s = len(p)
    n = k + m
    u = [n // s + (1 if j < n % s else 0) for j in range(s)]
    return sum(lost_dist(u, p, [1] * s)[m + 1:])


def block_lost_pmf(k, m, p):
    """Distribution of the data symbols a (k, m) block loses for good under iid
    loss p per symbol: j of the n = k + m symbols lost (binomial); a block with
    j > m erasures keeps none of its j lost data, which are hypergeometric
    (k data among n symbols, j drawn); j <= m: nothing lost."""
    n = k + m
    out = [0.0] * (k + 1)
    for j, pj in enumerate(binom_pmf(n, p)):
        if j <= m:
            out[0] += pj
            continue
        for d in range(max(0, j - m), min(k, j) + 1):
            out[d] += pj * math.comb(k, d) * math.comb(m, j - d) / math.comb(n, j)
    return out


def lost_quantile(k, m, p, blocks, q):
    """Smallest L with P(data lost in `blocks` independent blocks <= L) >= q.
    F blocks fail (binomial, blocks and P(a block loses data)); given F = f,
    the loss is the f-fold convolution of a failed block's loss."""
    one = block_lost_pmf(k, m, p)
    fail = 1.0 - one[0]
    if fail <= 0:
        return 0
    cond = [0.0] + [x / fail for x in one[1:]]
    pf = binom_pmf(blocks, fail)
    cdf_target = q
    # P(total <= L) for L = 0, 1, ...: sum over f of P(F = f) P(S_f <= L)
    lmax = k * blocks
    conv = [1.0]                        # S_0
    totals = [0.0] * (lmax + 1)
    mass = 0.0
    for f, pff in enumerate(pf):
        if f > 0:
            nxt = [0.0] * (len(conv) + k)
            for a, pa in enumerate(conv):
                if pa:
                    for d in range(1, k + 1):
                        nxt[a + d] += pa * cond[d]
            conv = nxt
        for lost, pl in enumerate(conv):
            totals[lost] += pff * pl
        mass += pff
        if 1.0 - mass < (1.0 - q) * 1e-3:
            break
    acc = 0.0
    for lost, pl in enumerate(totals):
        acc += pl
        if acc >= cdf_target:
            return lost
    return lmax


def copies_residual(p):
    r = 1.0
    for x in p:
        r *= min(max(x, 0.0), 1.0)
    return r


def binomial_interval(lost, total, z=2.576):
    """Wilson interval (99% by default) for a measured loss ratio."""
    if total == 0:
        return (0.0, 1.0)
    ph = lost / total
    d = 1 + z * z / total
    centre = (ph + z * z / (2 * total)) / d
    half = z * math.sqrt(ph * (1 - ph) / total + z * z / (4 * total * total)) / d
    return (max(0.0, centre - half), min(1.0, centre + half))


# (k, m, [p...], [c...]) compared with the C code by tests/unit/test_fec_ctl.c
TABLE = [
    (20, 20, [0.3, 0.3, 0.3], [1, 1, 1]),
    (10, 20, [0.3, 0.3, 0.3], [1, 1, 1]),
    (32, 32, [0.3, 0.3, 0.3], [1, 1, 1]),
    (20, 10, [0.1, 0.1, 0.1], [1, 1, 1]),
    (20, 10, [0.1, 0.1, 0.1], [2, 2, 2]),
    (20, 10, [0.1, 0.1, 0.1], [5, 5, 5]),
    (4, 2, [0.05], [1]),
    (1, 2, [0.2, 0.2, 0.2], [1, 1, 1]),
    (7, 3, [0.01, 0.2, 1.0], [1, 3, 1]),
    (64, 64, [0.5, 0.4], [1, 1]),
    (20, 4, [0.0, 0.0, 0.0], [1, 1, 1]),
    (16, 8, [0.02, 0.05, 0.1, 0.3], [1, 2, 1, 4]),
]


def main(argv):
    if argv[1:] == ["--table"]:
        for k, m, p, c in TABLE:
            print(k, m, len(p), " ".join(f"{x:.17g}" for x in p), " ".join(str(x) for x in c),
                  f"{block_residual(k, m, p, c):.17g}")
        return 0
    if len(argv) >= 5 and argv[1] == "--block-failure":
        print(f"{block_failure(int(argv[2]), int(argv[3]), [float(x) for x in argv[4:]]):.6g}")
        return 0
    if len(argv) == 7 and argv[1] == "--lost-quantile":
        print(lost_quantile(int(argv[2]), int(argv[3]), float(argv[4]), int(argv[5]),
                            float(argv[6])))
        return 0
    if len(argv) >= 5 and argv[1] == "--residual":
        print(f"{block_residual(int(argv[2]), int(argv[3]), [float(x) for x in argv[4:]]):.6g}")
        return 0
    if len(argv) >= 4:
        k, m = int(argv[1]), int(argv[2])
        p = [float(x) for x in argv[3:]]
        print(f"fec:{k}:{m} over {len(p)} paths: residual {block_residual(k, m, p):.6g}, "
              f"bytes {(k + m) / k:.3f}x; broadcast: {copies_residual(p):.6g} at {len(p)}x")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
