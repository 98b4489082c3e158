#!/usr/bin/env python3
"""lab_fec.py - the FEC scenarios and the redundancy sweep, on loopback.

Each run starts three mpbridge paths (seeded loss models, c2s only), sends
one direction of traffic through them with mpt-fecpipe in one redundancy
mode, and records the residual loss (data datagrams neither received nor
recovered), the bytes on the wire from the bridges' own counters (bytes
received by the bridges / bytes of the data datagrams sent once), and the
theory beside it (lab/theory_fec.py: p^N for copies, the block formula for
RS).  Writes DIR/report.json and DIR/fec-sweep.png (gnuplot), prints a table.

    fec/lab_fec.py [--quick] [--out DIR] [--build DIR]

Not network namespaces: loopback, mpbridge as the impairment (the lab's
namespaces give the same loss models; this keeps the sweep to a few minutes).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "lab"))
import theory_fec  # noqa: E402

GE_10_5 = ["--loss", "gemodel", "2.2222%", "20%"]  # mean loss 10%, mean burst 5

SCENARIOS = {
    "iid-10": {"paths": [["--loss", "10%"]] * 3, "p": [0.1] * 3},
    "iid-30": {"paths": [["--loss", "30%"]] * 3, "p": [0.3] * 3},
    "ge-10-burst5": {"paths": [GE_10_5] * 3, "p": [0.1] * 3, "burst": 5},
    "clean": {"paths": [["--loss", "none"]] * 3, "p": [0.0] * 3},
    "blackout": {"paths": [["--loss", "1%"], ["--loss", "1%"],
                           ["--loss", "1%", "--at", "1.5", "--dir", "c2s", "--down",
                            "--at", "4.5", "--dir", "c2s", "--up"]],
                 "p": [0.01, 0.01, 0.01]},
    "step-1-20": {"paths": [["--loss", "1%", "--at", "3", "--dir", "c2s", "--loss", "20%"]] * 3,
                  "p": [0.2] * 3, "step_at": 3.0},
}

# (scenario, mode, extra fecpipe args)
RUNS = [
    ("iid-10", "broadcast", []), ("iid-10", "fec:20:10", []), ("iid-10", "auto", []),
    ("iid-30", "broadcast", []), ("iid-30", "fec:20:20", []), ("iid-30", "fec:10:20", []),
    ("iid-30", "fec:32:32", []), ("iid-30", "auto", []),
    ("ge-10-burst5", "broadcast", []), ("ge-10-burst5", "fec:20:10", []),
    ("ge-10-burst5", "fec:20:10", ["--fec-depth", "1"]), ("ge-10-burst5", "auto", []),
    ("clean", "broadcast", []), ("clean", "auto", []),
    ("blackout", "broadcast", []), ("blackout", "auto", []),
    ("step-1-20", "auto", ["--window", "0.25"]),
]


def theory(sc, mode, depth):
    p = sc["p"]
    if mode == "broadcast":
        return theory_fec.copies_residual(p), float(len(p))
    if mode.startswith("fec:"):
        k, m = (int(x) for x in mode.split(":")[1:])
        c = [theory_fec.clump(sc.get("burst", 1), depth)] * len(p)
        return theory_fec.block_residual(k, m, p, c), (k + m) / k
    return None, None


def run(build, sc_name, mode, extra, count, rate, target, wait, tmp, port0):
    sc = SCENARIOS[sc_name]
    procs, stats = [], []
    for i, args in enumerate(sc["paths"]):
        st = os.path.join(tmp, f"b{i}.json")
        stats.append(st)
        procs.append(subprocess.Popen(
            [os.path.join(build, "mpbridge"), "-q", "-l", f"127.0.0.1:{port0 + 1 + i}",
             "-t", f"127.0.0.1:{port0}", "--seed", str(11 + i), "--stats", st, "--dir", "c2s"]
            + args))
    time.sleep(0.3)
    out = os.path.join(tmp, "r.json")
    depth = 10
    if "--fec-depth" in extra:
        depth = int(extra[extra.index("--fec-depth") + 1])
    cmd = [os.path.join(build, "mpt-fecpipe"), "--listen", f"127.0.0.1:{port0}",
           "--redundancy", mode, "--count", str(count), "--rate", str(rate),
           "--fec-wait", wait, "--target-loss", str(target), "--drain", "1", "--json", out]
    for i in range(len(sc["paths"])):
        cmd += ["--path", f"127.0.0.1:{port0 + 1 + i}"]
    subprocess.run(cmd + extra, check=True, stdout=subprocess.DEVNULL)
    for pr in procs:
        pr.terminate()
    for pr in procs:
        pr.wait()
    r = json.load(open(out))
    wire = sum(find_bytes(json.load(open(st))) for st in stats)
    r["bridge_bytes"] = wire
    r["bridge_ratio"] = wire / r["data_datagram_bytes"] if r["data_datagram_bytes"] else None
    th, cost = theory(sc, mode, depth)
    res = {"scenario": sc_name, "mode": mode, "args": extra, "residual": r["residual"],
           "lost": r["lost"], "sent": r["sent"], "recovered": r["recovered"],
           "bytes_ratio": r["bridge_ratio"], "pipe_bytes_ratio": r["bytes_ratio"],
           "theory_residual": th, "theory_cost": cost,
           "interval99": theory_fec.binomial_interval(r["lost"], r["sent"]),
           "recovery_ms_mean": r["recovery_ms_mean"], "rx": r["rx"], "tx": r["tx"],
           "choices": r.get("choices", [])[-1:] if mode == "auto" else None}
    if "windows" in r:
        res["windows"] = r["windows"]
        if "step_at" in sc:
            res["back_under_target_s"] = back_under(r["windows"], sc["step_at"], target)
    return res


def find_bytes(b):
    """bytes received c2s from mpbridge's stats JSON, whatever its nesting."""
    if isinstance(b, dict):
        if "c2s" in b and isinstance(b["c2s"], dict) and "bytes_received" in b["c2s"]:
            return b["c2s"]["bytes_received"]
        for v in b.values():
            x = find_bytes(v)
            if x:
                return x
    return 0


def back_under(windows, step_at, target):
    """Seconds after the step until every later window's residual is <= target
    (windows of sent datagrams: [start s, sent, lost])."""
    last_bad = None
    for start, n, lost in windows:
        if start >= step_at and n and lost / n > target:
            last_bad = start
    if last_bad is None:
        return 0.0
    w = windows[1][0] - windows[0][0] if len(windows) > 1 else 0.25
    return last_bad + w - step_at


def plot(results, path):
    data = os.path.splitext(path)[0] + ".dat"
    with open(data, "w") as f:
        for i, r in enumerate(results):
            if r["bytes_ratio"] is None:
                continue
            res = max(r["residual"], 1e-6)
            th = r["theory_residual"]
            f.write(f"{r['bytes_ratio']:.4f} {res:.6g} {th if th else 'NaN'} "
                    f"{r['theory_cost'] if r['theory_cost'] else 'NaN'} "
                    f"\"{r['scenario']} {r['mode']}{' d1' if r['args'][:1] == ['--fec-depth'] else ''}\"\n")
    gp = f"""set terminal png size 1100,700
set output '{path}'
set logscale y
set xlabel 'bytes on the wire / data bytes (bridges counters)'
set ylabel 'residual loss (0 plotted at 1e-6)'
set key outside right
set grid
plot '{data}' using 1:2:5 with labels point pt 7 offset 0.5,0.5 font ',7' title 'measured', \\
     '{data}' using 4:3 with points pt 6 ps 2 title 'theory'
"""
    subprocess.run(["gnuplot"], input=gp.encode(), check=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "lab", "runs", "fec-" + time.strftime("%Y%m%d-%H%M%S")))
    ap.add_argument("--build", default=os.path.join(ROOT, os.environ.get("BUILD", "build")))
    ap.add_argument("--count", type=int, default=15000)
    ap.add_argument("--rate", type=int, default=2500)
    ap.add_argument("--wait", default="100ms")
    ap.add_argument("--target", type=float, default=1e-3)
    ap.add_argument("--only", default="")
    ap.add_argument("--port", type=int, default=47300)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    results = []
    print(f"{'scenario':14} {'mode':10} {'args':14} {'residual':>9} {'99% interval':>21} "
          f"{'theory':>9} {'bytes':>6} {'theory':>6}  recovered  notes")
    for sc, mode, extra in RUNS:
        if a.only and a.only not in sc:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            r = run(a.build, sc, mode, extra, a.count, a.rate, a.target, a.wait, tmp, a.port)
        results.append(r)
        lo, hi = r["interval99"]
        note = ""
        if "back_under_target_s" in r:
            note = f"back under target {r['back_under_target_s']:.2f} s after the step"
        if r["choices"]:
            c = r["choices"][0]
            note += f" last choice: {'copies x%d' % c['n'] if c['copies'] else 'fec:%d:%d' % (c['k'], c['m'])} paths {c['paths']}"
        th = r["theory_residual"]
        ths = "%9.2e" % th if th is not None else "        -"
        tcs = "%6.2f" % r["theory_cost"] if r["theory_cost"] else "     -"
        print(f"{sc:14} {mode:10} {' '.join(extra):14} {r['residual']:9.2e} [{lo:9.2e},{hi:9.2e}] "
              f"{ths} {r['bytes_ratio']:6.3f} {tcs}  {r['recovered']:9d}  {note}", flush=True)
    rep = {"count": a.count, "rate": a.rate, "wait": a.wait, "target": a.target,
           "runs": results}
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
    plot(results, os.path.join(a.out, "fec-sweep.png"))
    print(f"report: {a.out}/report.json, plot: {a.out}/fec-sweep.png")


if __name__ == "__main__":
    main()
