"""labreport.fecsweep - the redundancy sweep (lab/lab.sh fec-sweep): residual loss against the
bytes on the wire, for broadcast and several fec:K:M, at each per-path loss, beside theory.

    cmd_fec_sweep(DIR)   DIR/report.json, fec-sweep.md, fec-sweep.dat, fec-sweep.png (gnuplot)

Each point is a lab run DIR/p<LOSS>-<MODE>/ (3 paths at LOSS% each way; mpclient --redundancy
MODE for both directions, through the tunnel).  Measured: the round-trip residual (udpclient)
with its 99% Wilson interval, and the bytes the bridges received from the client over the bytes
of the data datagrams sent once (the bridges' own counters).  Theory: broadcast 1-(1-p^N)^2 at
N x the bytes; fec:K:M 1-(1-r)^2 with r = lab/theory_fec.py's block residual (the binomial
block-failure formula, the symbols striped over the paths) at (K+M)/K x, plus the lone
datagrams the daemons sent as copies (labreport.fec).
"""
import json
import os
import re
import sys

from . import figure
from .common import num, pct, read_json
from .fec import bridge_bytes

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import theory_fec  # noqa: E402


def theory_point(mode, p, n):
    """(round-trip residual, bytes ratio) of MODE over n paths at loss p each way."""
    if mode == "broadcast":
        one = p ** n
        return 1 - (1 - one) ** 2, float(n)
    m = re.match(r"fec:(\d+):(\d+)$", mode)
    if not m:
        return None, None
    k, mm = int(m.group(1)), int(m.group(2))
    r = theory_fec.block_residual(k, mm, [p] * n)
    return 1 - (1 - r) ** 2, (k + mm) / k


def cmd_fec_sweep(d):
    rows = []
    for name in sorted(os.listdir(d)):
        mt = re.match(r"p(\d+)-(.+)$", name)
        run = os.path.join(d, name)
        if not mt or not os.path.isdir(run):
            continue
        rep = read_json(os.path.join(run, "report.json"))
        if not rep:
            continue
        p, mode = int(mt.group(1)) / 100.0, mt.group(2).replace("_", ":")
        e = rep["end_to_end"]
        n = rep["paths"]
        sent = e.get("sent")
        size = int((rep.get("traffic") or {}).get("size") or 0)
        byts = [bridge_bytes(run, i) for i in range(1, n + 1)]
        ratio = None
        if sent and size and all(b is not None for b in byts):
            keyed = False
            ratio = sum(byts) / (sent * (size + 52 + (16 if keyed else 4)))
        th, th_bytes = theory_point(mode, p, n)
        f = rep.get("fec") or {}
        if f.get("theory_round_trip") is not None:
            th = f["theory_round_trip"]     # the same block theory, plus the lone datagrams' copies
        rows.append({"loss_per_path": p, "paths": n, "mode": mode, "sent": sent, "lost": e.get("lost"),
                     "residual": e.get("loss_ratio"), "ci": e.get("ci"), "bytes_ratio": ratio,
                     "theory": th, "theory_bytes_ratio": th_bytes,
                     "fec_bound": f.get("bound"), "lone": f.get("lone"), "verdict": rep["verdict"]})
    rows.sort(key=lambda r: (r["loss_per_path"], r["theory_bytes_ratio"] or 0, r["mode"]))
    doc = {"sweep": "redundancy", "points": rows}
    with open(os.path.join(d, "report.json"), "w") as f:
        json.dump(doc, f, indent=1)
    figure.markdown(
        d, "fec-sweep", "Redundancy sweep: round-trip residual loss against bytes on the wire",
        "3 paths at the loss shown each way (mpbridge, Bernoulli), through the tunnel (mpclient "
        "--redundancy MODE, both directions). Bytes: what the bridges received from the client over "
        "the data datagrams sent once. Theory: broadcast 1-(1-p^3)^2 at 3x; fec:K:M 1-(1-r)^2 with r "
        "the binomial block residual (lab/theory_fec.py) at (K+M)/K, plus the lone datagrams sent as "
        "copies. Interval: Wilson, 99%.",
        ["loss per path", "mode", "sent", "lost", "residual", "interval", "theory", "bytes", "theory bytes",
         "verdict"], "rlrrrlrrrl",
        [[pct(r["loss_per_path"], 0), r["mode"], num(r["sent"]), num(r["lost"]), sci(r["residual"]),
          f"[{sci((r['ci'] or [None])[0])}, {sci((r['ci'] or [None, None])[1])}]", sci(r["theory"]),
          fx(r["bytes_ratio"]), fx(r["theory_bytes_ratio"]), r["verdict"]] for r in rows],
        "Points without loss are drawn at their 99% upper bound (open symbols).")
    losses = sorted({r["loss_per_path"] for r in rows})
    with open(os.path.join(d, "fec-sweep.dat"), "w") as f:
        # per loss three blocks: measured with loss (x y lo hi), without loss (x upper), theory (x y)
        for p in losses:
            pts = [r for r in rows if r["loss_per_path"] == p and r["bytes_ratio"] and r["ci"]]
            f.write(f"# loss {p}: bytes measured lo hi mode\n")
            for r in pts:
                if r["lost"]:
                    f.write(f"{r['bytes_ratio']} {r['residual']} {max(r['ci'][0], 1e-9)} {r['ci'][1]} "
                            f"{r['mode']}\n")
            f.write("-1 1 1 1 none\n\n\n")
            f.write(f"# loss {p}: no loss: bytes upper_bound mode\n")
            for r in pts:
                if not r["lost"]:
                    f.write(f"{r['bytes_ratio']} {r['ci'][1]} {r['mode']}\n")
            f.write("-1 1 none\n\n\n")
            f.write(f"# loss {p}: theory bytes residual mode\n")
            for r in rows:
                if r["loss_per_path"] == p and r["theory"] is not None:
                    f.write(f"{r['theory_bytes_ratio']} {max(r['theory'], 1e-12)} {r['mode']}\n")
            f.write("-1 1 none\n\n\n")
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    plots = []
    for k, p in enumerate(losses):
        c = colors[k % len(colors)]
        w = f"3 x {p:.0%}"
        plots.append(f"'fec-sweep.dat' index {3 * k + 2} using 1:2 with points pt 4 ps 2 lw 1.5 lc rgb '{c}' "
                     f"title 'theory, {w}'")
        plots.append(f"'fec-sweep.dat' index {3 * k + 2} using 1:2:3 with labels offset 0,1.2 tc rgb '{c}' "
                     f"font ',9' notitle")
        plots.append(f"'fec-sweep.dat' index {3 * k} using 1:2:3:4 with yerrorbars pt 7 ps 1.3 lw 1.5 "
                     f"lc rgb '{c}' title 'measured, {w} (99% interval)'")
        plots.append(f"'fec-sweep.dat' index {3 * k + 1} using 1:2:(0):($2*-0.6) with vectors nohead lw 1.5 "
                     f"lc rgb '{c}' notitle")
        plots.append(f"'fec-sweep.dat' index {3 * k + 1} using 1:2 with points pt 11 ps 1.8 lc rgb '{c}' "
                     f"title 'no loss seen, {w}: 99% upper bound'")
    if not figure.png(d, "fec-sweep", [
        "set logscale y",
        "set format y '%.0e'",
        "set xrange [1:3.4]",
        "set yrange [1e-7:1]",
        "set key outside right top vertical Left reverse spacing 1.2 box",
        "set grid xtics ytics",
        "set xlabel 'bytes on the wire client -> server / data datagrams sent once (from the bridges counters)'",
        "set ylabel 'round-trip residual loss (udpclient)'",
        "set title 'mptunnel redundancy: residual loss against bytes, broadcast and fec:K:M, beside theory'"],
            plots):
        return 1
    return 0 if all(r["verdict"] == "PASS" for r in rows) else 1


def sci(v):
    return "-" if v is None else "0" if v == 0 else f"{v:.2g}"


def fx(v):
    return "-" if v is None else f"{v:.2f}"
