"""labreport.sweep - the sweep's table, data and plot."""
import json
import os
import re
import shutil
import subprocess
import sys

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
    with open(os.path.join(d, "sweep.json"), "w") as f:
        json.dump(rows, f, indent=1)
    M = ["# Lab sweep: end-to-end (round-trip) loss against per-path loss", "",
         "Theory: 1-(1-p^n)^2 for n paths at loss p each way. Interval: Wilson score, 99%.", "",
         "| paths | loss per path | sent | lost | measured | interval | theory | theory (measured paths) | verdict |",
         "|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for r in rows:
        ci = r["ci"] or [None, None]
        M.append(f"| {r['paths']} | {pct(r['loss_per_path'], 0)} | {num(r['sent'])} | {num(r['lost'])} | "
                 f"{pct(r['loss'], 3)} | [{pct(ci[0], 3)}, {pct(ci[1], 3)}] | {pct(r['theory'], 3)} | "
                 f"{pct(r['theory_measured'], 3)} | {r['verdict']} |")
    M += ["", "Points with no loss are not drawn on the log scale.", "", "![sweep](sweep.png)", ""]
    with open(os.path.join(d, "sweep.md"), "w") as f:
        f.write("\n".join(M))
    print("\n".join(M[4:len(M) - 4]))
    with open(os.path.join(d, "sweep.dat"), "w") as f:
        for n in sorted({r["paths"] for r in rows}):
            f.write(f"# paths {n}: loss_per_path measured lo hi theory\n")
            for r in rows:
                if r["paths"] == n and r["loss"] and r["ci"]:
                    f.write(f"{r['loss_per_path']} {r['loss']} {max(r['ci'][0], 1e-6)} {r['ci'][1]} {r['theory']}\n")
            f.write("\n\n")
    ns = sorted({r["paths"] for r in rows})
    if not shutil.which("gnuplot"):
        print("gnuplot not installed: no sweep.png", file=sys.stderr)
        return 0 if all(r["verdict"] == "PASS" for r in rows) else 1
    plots = []
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    for k, n in enumerate(ns):
        c = colors[k % len(colors)]
        plots.append(f"1-(1-x**{n})**2 with lines lc rgb '{c}' title 'theory, {n} path{'s' if n > 1 else ''}'")
        plots.append(f"'sweep.dat' index {k} using 1:2:3:4 with yerrorbars pt 7 lc rgb '{c}' "
                     f"title 'measured, {n} path{'s' if n > 1 else ''}'")
    gp = "\n".join([
        "set terminal pngcairo size 900,600 noenhanced" if _has_cairo() else "set terminal png size 900,600",
        "set output 'sweep.png'",
        "set logscale y",
        "set format y '%g'",
        "set xrange [0:0.52]",
        "set yrange [1e-5:1]",
        "set key left top",
        "set grid",
        "set xlabel 'loss per path, each direction'",
        "set ylabel 'end-to-end round-trip loss'",
        "set title 'mptunnel: measured end-to-end loss vs theory 1-(1-p^n)^2 (99% Wilson intervals)'",
        "set samples 200",
        "plot " + ", \\\n     ".join(plots),
    ]) + "\n"
    with open(os.path.join(d, "sweep.gp"), "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", "sweep.gp"], cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        print("gnuplot failed: " + r.stderr, file=sys.stderr)
        return 1
    print(f"plot: {os.path.join(d, 'sweep.png')}")
    return 0 if all(r["verdict"] == "PASS" for r in rows) else 1


def _has_cairo():
    try:
        r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True, timeout=10)
        return "pngcairo" in (r.stdout + r.stderr)
    except (OSError, subprocess.SubprocessError):
        return False


