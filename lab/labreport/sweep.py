"""labreport.sweep - the sweep's table, data and plot."""
import json
import os
import re
import sys

from . import figure
from .common import num, pct, read_json


def cmd_sweep(d):
    rows = []
    for name in sorted(os.listdir(d)):
        m = re.match(r"n(\d+)-p(\d+)$", name)
        if not m or not os.path.isdir(os.path.join(d, name)):
            continue
        rep = read_json(os.path.join(d, name, "report.json"))
        if not rep:
            continue
        e = rep["end_to_end"]
        n, p = int(m.group(1)), int(m.group(2)) / 100.0
        rows.append({"paths": n, "loss_per_path": p, "sent": e.get("sent"), "lost": e.get("lost"),
                     "loss": e.get("loss_ratio"), "ci": e.get("ci"),
                     "theory": e["theory_configured"]["round_trip"],
                     "theory_measured": e["theory_measured"]["round_trip"], "verdict": rep["verdict"],
                     "mode": rep["mode"]})
    rows.sort(key=lambda r: (r["paths"], r["loss_per_path"]))
    for r in rows:
        r["precise"] = precise(r)
    with open(os.path.join(d, "sweep.json"), "w") as f:
        json.dump(rows, f, indent=1)
    figure.markdown(
        d, "sweep", "Lab sweep: end-to-end (round-trip) loss against per-path loss",
        "Theory: 1-(1-p^n)^2 for n paths at loss p each way. Interval: Wilson score, 99%. Each point "
        "sends about 30/theory datagrams (2,000 to 30,000), so that its interval is within a factor of 2 "
        "of its value wherever theory is at least 0.1% (column 'factor 2').",
        ["paths", "loss per path", "sent", "lost", "measured", "interval", "theory", "theory (measured paths)",
         "factor 2", "verdict"], "rrrrrlrrll",
        [[r["paths"], pct(r["loss_per_path"], 0), num(r["sent"]), num(r["lost"]), pct(r["loss"], 3),
          f"[{pct((r['ci'] or [None])[0], 3)}, {pct((r['ci'] or [None, None])[1], 3)}]", pct(r["theory"], 3),
          pct(r["theory_measured"], 3), r["precise"], r["verdict"]] for r in rows],
        "Points without loss are drawn as their 99% upper bound (a downward arrow).")
    ns = sorted({r["paths"] for r in rows})
    with open(os.path.join(d, "sweep.dat"), "w") as f:
        # per number of paths two blocks: points with loss (x y lo hi), points without (x hi)
        for n in ns:
            f.write(f"# paths {n}: loss_per_path measured lo hi theory\n")
            for r in rows:
                if r["paths"] == n and r["loss"] and r["ci"]:
                    f.write(f"{r['loss_per_path']} {r['loss']} {max(r['ci'][0], 1e-7)} {r['ci'][1]} {r['theory']}\n")
            f.write("\n\n")
            f.write(f"# paths {n}: no loss: loss_per_path upper_bound\n")
            zero = [r for r in rows if r["paths"] == n and r["ci"] and not r["lost"]]
            for r in zero:   # side by side at x = 0, one per number of paths
                f.write(f"{r['loss_per_path'] + 0.007 * (n - (len(ns) + 1) / 2)} {r['ci'][1]}\n")
            if not zero:
                f.write("-1 1\n")   # an empty block would shift gnuplot's indices
            f.write("\n\n")
    plots = []
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    for k, n in enumerate(ns):
        c = colors[k % len(colors)]
        word = f"{n} path{'s' if n > 1 else ''}"
        plots.append(f"(x < 0 ? 1/0 : 1-(1-x**{n})**2) with lines lw 1.5 lc rgb '{c}' title 'theory, {word}'")
        plots.append(f"'sweep.dat' index {2 * k} using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '{c}' "
                     f"title 'measured, {word} (99% interval)'")
        plots.append(f"'sweep.dat' index {2 * k + 1} using 1:2:(0):($2*-0.6) with vectors nohead lw 1.5 "
                     f"lc rgb '{c}' notitle")
        plots.append(f"'sweep.dat' index {2 * k + 1} using 1:2 with points pt 11 ps 1.8 lc rgb '{c}' "
                     f"title 'no loss seen, {word}: 99% upper bound'")
    if not figure.png(d, "sweep", [
        "set logscale y",
        "set format y '%.0e'",
        "set xrange [-0.02:0.52]",
        "set yrange [1e-5:1]",
        "set xtics ('0%%' 0, '10%%' 0.1, '20%%' 0.2, '30%%' 0.3, '40%%' 0.4, '50%%' 0.5)",
        "set key outside right top vertical Left reverse spacing 1.2 box",
        "set grid xtics ytics mytics",
        "set xlabel 'loss per path, each direction (Bernoulli, mpbridge)'",
        "set ylabel 'end-to-end round-trip loss (udpclient)'",
        "set title 'mptunnel in the namespace lab: end-to-end loss vs theory 1-(1-p^n)^2'",
        "set samples 300"], plots):
        return 1
    bad = [r for r in rows if r["precise"] == "no"]
    for r in bad:
        print(f"not precise enough: {r['paths']} paths at {pct(r['loss_per_path'], 0)}: "
              f"interval {r['ci']} vs measured {r['loss']}", file=sys.stderr)
    return 0 if all(r["verdict"] == "PASS" for r in rows) and not bad else 1


def precise(r):
    """'yes' if the 99% interval is within a factor of 2 of the measured value, 'no' if not
    where theory expects >= 0.1%, '-' where theory is below (or nothing was lost)."""
    if not r["ci"] or not r["loss"]:
        return "-" if (r["theory"] or 0) < 0.001 else "no"
    ok = r["ci"][0] >= r["loss"] / 2 and r["ci"][1] <= r["loss"] * 2
    if ok:
        return "yes"
    return "no" if (r["theory"] or 0) >= 0.001 else "-"
