"""labreport.common - shared figures and formatting: Wilson intervals, percentages, JSON files."""
import json
import math
from statistics import NormalDist

DIRS = ("c2s", "s2c")


# --- small helpers ------------------------------------------------------------------------
def z_of(level):
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def wilson(k, n, level):
    """Wilson score interval for k successes out of n."""
    if n <= 0:
        return (0.0, 1.0)
    z = z_of(level)
    p = min(1.0, max(0.0, k / n))
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    lo = 0.0 if k <= 0 else max(0.0, c - h)     # exact bounds where rounding would leave 1e-19
    hi = 1.0 if k >= n else min(1.0, c + h)
    return (lo, hi)


def lvl(level):
    return f"{100 * level:g}%"


def pct(x, nd=2):
    if x is None:
        return "n/a"
    return f"{100 * x:.{nd}f}%"


def num(x):
    return "n/a" if x is None else str(x)


def read_json(path):
    try:
        with open(path) as f:
            txt = f.read().strip()
        if not txt:
            return None
        return json.loads(txt)
    except (OSError, ValueError):
        return None




def fmt_s(x):
    return "n/a" if x is None else f"{x:.2f}s"


