#!/usr/bin/env python3
"""bench/summary.py - the summary table and the results JSON of `make bench`.

bench.sh measures; this reads its points (one JSON object per line: config,
paths, rate_mbps, cpu_s_per_mdgram, machine_busy, background_busy and "load",
mpt-load's own report) and prints, per configuration and datagram size:

  max goodput and the offered rate it was reached at, the highest lossless
  offered rate, latency at the lowest offered rate (median of the repeated
  runs there) and what it adds to sending directly, CPU seconds per million
  delivered datagrams of each process at the max-goodput point, the capacity
  those costs imply, and ratios against the baselines of the same run.

    summary.py --points points.jsonl --json OUT.json [--iperf iperf.jsonl]
               [--meta KEY=VALUE]... [--cpus N] [--lat-repeat N]
               [--original LO HI] [--attach KEY=FILE]... [--baseline DESC]

The table goes to stdout; OUT.json holds the run facts, every point, the
summary rows and iperf3's results. A value that was not measured (no
datagram arrived, no baseline to compare with) is null in JSON and "-" in
the table.
"""

import argparse
import datetime
import json
import os
import sys

LAT_RATE = {1400: 50, 200: 10}	# the sweeps' lowest offered rates (bench.sh)


def num(v):
    """A number from a point, or None (null, missing, not a number)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def median_low(vals):
    """The lower median (the one bench.sh always used), None if no values."""
    v = sorted(x for x in vals if x is not None)
    if not v:
        return None
    return v[(len(v) + 1) // 2 - 1]


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def sub(a, b):
    return None if a is None or b is None else a - b


def read_points(path):
    pts = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                pts.append(json.loads(line))
            except ValueError as e:
                sys.exit(f"summary.py: {path}:{n}: {e}")
    return pts


def point_row(p):
    """The figures of one point that the summary uses."""
    load = p.get("load") or {}
    cpu = p.get("cpu_s_per_mdgram") or {}
    bridges = [num(v) for k, v in cpu.items() if k.startswith("bridge")]
    bridges = [b for b in bridges if b is not None]
    if bridges:
        bcpu = sum(bridges) / len(bridges)
    else:
        bcpu = num(cpu.get("relay"))
    return {
        "name": p["config"], "paths": int(p["paths"]), "size": int(load.get("size", 0)),
        "rate": num(p.get("rate_mbps")), "goodput": num(load.get("goodput_mbps")),
        "goodput_pps": num(load.get("goodput_pps")), "loss": num(load.get("loss")),
        "p50": num(load.get("lat_p50_us")), "p99": num(load.get("lat_p99_us")),
        "cpu_client": num(cpu.get("client")), "cpu_server": num(cpu.get("server")),
        "cpu_bridge": bcpu, "cpu_ksoftirqd": num(cpu.get("ksoftirqd")),
        "cpu_pipeline": num(cpu.get("pipeline")), "background": num(p.get("background_busy")),
    }


def summarise(points, ncpu, orig):
    """One row per (configuration, paths, size), in the order first measured."""
    groups = {}
    for p in points:
        r = point_row(p)
        k = (r["name"], r["paths"], r["size"])
        g = groups.setdefault(k, {"best": None, "lossless": None, "low": r["rate"],
                                  "low_loss": r["loss"], "p50s": [], "p99s": []})
        if r["goodput"] is not None and r["goodput"] > (g["best"]["goodput"] if g["best"] else 0):
            g["best"] = r
        if r["loss"] is not None and r["loss"] < 0.001 and r["rate"] is not None and \
                r["rate"] > (g["lossless"] or 0):
            g["lossless"] = r["rate"]
        if r["rate"] == g["low"]:
            g["p50s"].append(r["p50"])
            g["p99s"].append(r["p99"])
            if r["loss"] is not None and (g["low_loss"] is None or r["loss"] > g["low_loss"]):
                g["low_loss"] = r["loss"]

    def best_of(k, field="goodput"):
        g = groups.get(k)
        return g["best"][field] if g and g["best"] else None

    rows = []
    for (name, paths, size), g in groups.items():
        b = g["best"] or {}
        via = name.split("+", 1)[1] if "+" in name else ""
        tunnel = name.startswith("tunnel")
        best = b.get("goodput")
        p50, p99 = median_low(g["p50s"]), median_low(g["p99s"])
        dk = ("direct", 1, size)
        refk = (f"ref+{via}", paths, size)
        direct = groups.get(dk)
        added50 = added99 = None
        if direct and name != "direct" and g["low"] == direct["low"]:
            added50 = sub(p50, median_low(direct["p50s"]))
            added99 = sub(p99, median_low(direct["p99s"]))
        allcpu = b.get("cpu_pipeline")
        cap = ncpu * size * 8 / allcpu if allcpu else None
        ref_all = best_of(refk, "cpu_pipeline")
        rows.append({
            "config": name, "paths": paths, "size": size,
            "max_goodput_mbps": best, "max_goodput_pps": b.get("goodput_pps"),
            "at_offered_mbps": b.get("rate"), "lossless_up_to_mbps": g["lossless"],
            "loss_at_low": g["low_loss"], "low_rate_mbps": g["low"],
            "lat_p50_us": p50, "lat_p99_us": p99, "added_p50_us": added50, "added_p99_us": added99,
            "cpu_client": b.get("cpu_client"), "cpu_server": b.get("cpu_server"),
            "cpu_bridge": b.get("cpu_bridge"), "cpu_ksoftirqd": b.get("cpu_ksoftirqd"),
            "cpu_pipeline": allcpu, "background_busy": b.get("background"),
            "loss_at_max": b.get("loss"), "cpu_capacity_mbps": cap,
            "vs_ref_same_bridges": ratio(best, best_of(refk)) if tunnel else None,
            "cpu_capacity_vs_ref": ratio(ref_all, allcpu) if tunnel and ref_all else None,
            "vs_ref_ref3": ratio(best, best_of(("ref+ref", 3, size))) if name != "direct" else None,
            "vs_direct": ratio(best, best_of(dk)),
            "vs_original": [best / orig[1], best / orig[0]]
            if size == 1400 and tunnel and best is not None else None,
        })
    return rows


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def table(rows, ncpu, nrep, orig):
    out = []
    head = "%-24s %2s %4s | %8s %8s %8s | %8s %6s %6s %6s %6s | %6s %6s %6s %6s %6s %4s %6s | %6s %6s %6s %6s %8s"
    out.append("")
    out.append(head % ("configuration", "p", "size", "max", "kdgram", "lossless", "loss@low", "p50",
                       "p99", "+p50", "+p99", "cpu c", "cpu s", "cpu b", "ksoft", "all", "bg", "cap",
                       "vs ref", "cap vs", "vs r+r", "vs dir", "vs orig"))
    out.append(head % ("", "", "B", "Mbit/s", "/s", "Mbit/s", "(%)", "us", "us", "added", "added",
                       "s/Mdg", "s/Mdg", "s/Mdg", "s/Mdg", "s/Mdg", "cpu", "Mbit/s", "same b", "ref",
                       "3p", "", "170-200"))
    for r in rows:
        vo = r["vs_original"]
        out.append(head % (
            r["config"], r["paths"], r["size"], fmt(r["max_goodput_mbps"], "%.1f"),
            fmt(r["max_goodput_pps"] / 1e3 if r["max_goodput_pps"] is not None else None, "%.1f"),
            fmt(r["lossless_up_to_mbps"], "%g") if r["lossless_up_to_mbps"] else "none",
            fmt(r["loss_at_low"] * 100 if r["loss_at_low"] is not None else None, "%.3f"),
            fmt(r["lat_p50_us"], "%.0f"), fmt(r["lat_p99_us"], "%.0f"),
            fmt(r["added_p50_us"], "%.0f"), fmt(r["added_p99_us"], "%.0f"),
            fmt(r["cpu_client"]), fmt(r["cpu_server"]), fmt(r["cpu_bridge"]),
            fmt(r["cpu_ksoftirqd"]), fmt(r["cpu_pipeline"]),
            fmt(r["background_busy"] * 100 if r["background_busy"] is not None else None, "%.0f%%"),
            fmt(r["cpu_capacity_mbps"], "%.0f"), fmt(r["vs_ref_same_bridges"]),
            fmt(r["cpu_capacity_vs_ref"]), fmt(r["vs_ref_ref3"]), fmt(r["vs_direct"]),
            "%.1f-%.1fx" % tuple(vo) if vo else "-"))
    out.append("")
    out.append("max goodput: best point of the sweep (offered rates in Mbit/s of UDP payload); "
               "lossless: highest offered rate with loss < 0.1%;")
    out.append(f"latency: one-way, us, at the lowest offered rate ({LAT_RATE[1400]} Mbit/s for 1400 B, "
               f"{LAT_RATE[200]} for 200 B), median of {nrep} runs (1400 B); added = minus direct; "
               "loss@low: worst of those runs;")
    out.append("cpu: CPU seconds per million delivered datagrams at the max-goodput point: c mpclient/ref "
               "client, s mpserver/ref server, b per bridge (or the relay),")
    out.append("     ksoft the ksoftirqd threads, all = every process of the pipeline + ksoftirqd + the "
               "load generator; bg: share of the machine busy with other work;")
    out.append(f"cap: the CPU-bound capacity those costs imply, {ncpu} CPUs / all (steadier than max "
               "goodput on a busy machine);")
    out.append("vs ref: tunnel / reference fan-out relay over the same bridges and paths (cap vs ref: the "
               "same for cap); vs r+r: / reference relay with its own minimal bridges, 3 paths;")
    out.append(f"vs orig: / the original mptunnel saturation ({orig[0]}-{orig[1]} Mbit/s, three socat "
               "bridges, NOTES.md).")
    return out


def encryption_lines(rows):
    best = {(r["config"], r["paths"], r["size"]): r["max_goodput_mbps"] for r in rows}
    out = []
    for (name, paths, size), g in best.items():
        if not name.startswith("tunnel-enc+"):
            continue
        plain = name.replace("-enc", "", 1)
        pg = best.get((plain, paths, size))
        if g is not None and pg:
            out.append("encrypted/plain %s %s paths %s B: %.2f (%.1f / %.1f Mbit/s)"
                       % (plain, paths, size, g / pg, g, pg))
    return out


def fec_lines(rows):
    """FEC (tunnel-fec+, tunnel-fec-enc+) against broadcast of the same keying: max goodput."""
    best = {(r["config"], r["paths"], r["size"]): r["max_goodput_mbps"] for r in rows}
    out = []
    for (name, paths, size), g in best.items():
        if not name.startswith("tunnel-fec"):
            continue
        bcast = name.replace("-fec", "", 1)
        bg = best.get((bcast, paths, size))
        if g is not None and bg:
            out.append("fec/broadcast %s %s paths %s B: %.2f (%.1f / %.1f Mbit/s)"
                       % (name, paths, size, g / bg, g, bg))
    return out


def idle_sessions(points, n):
    """mpserver's CPU per datagram beside n idle sessions (tunnel-idle+...)
    against one session (tunnel+...), at each offered rate both ran below 5% loss."""
    one, idle = {}, {}
    for p in points:
        r = point_row(p)
        if r["cpu_server"] is None or r["loss"] is None or r["loss"] >= 0.05:
            continue
        if r["name"].startswith("tunnel-idle+"):
            base, dest = r["name"].replace("-idle", "", 1), idle
        elif r["name"].startswith("tunnel+"):
            base, dest = r["name"], one
        else:
            continue
        dest.setdefault((base, r["paths"], r["size"], r["rate"]), []).append(r["cpu_server"])
    out, lines = [], []
    for k in sorted(set(one) & set(idle), key=lambda k: (k[0], k[1], k[2], k[3])):
        a, b = median_low(idle[k]), median_low(one[k])
        out.append({"config": k[0], "paths": k[1], "size": k[2], "rate_mbps": k[3],
                    "idle_sessions": n, "cpu_server_idle": a, "cpu_server_one": b,
                    "ratio": ratio(a, b)})
        lines.append("idle sessions: %s %dp %dB at %s Mbit/s: mpserver %s s/Mdgram beside %d idle "
                     "sessions, %s with one session (ratio %s)"
                     % (k[0], k[1], k[2], fmt(k[3], "%g"), fmt(a), n, fmt(b), fmt(ratio(a, b))))
    return out, lines


BASE = "base/"     # bench.sh names the baseline's points base/CONFIG (BENCH_BASELINE)
BASE_MAX_LOSS = 0.01


def baseline(points, desc):
    """This build against BENCH_BASELINE's, per configuration, paths and size both ran:
    max goodput among the points below 1% loss, and mpserver's CPU per datagram at
    each offered rate both ran below 1% loss (median of repeats), with the median of
    the per-rate ratios."""
    runs = {}
    for p in points:
        r = point_row(p)
        cur = not r["name"].startswith(BASE)
        name = r["name"] if cur else r["name"][len(BASE):]
        g = runs.setdefault((name, r["paths"], r["size"]), {True: [], False: []})
        g[cur].append(r)
    out, lines = [], []
    for (name, paths, size), g in runs.items():
        if not g[True] or not g[False]:
            continue
        ok = {c: [r for r in g[c] if r["loss"] is not None and r["loss"] < BASE_MAX_LOSS]
              for c in (True, False)}
        best = {c: max((r["goodput"] for r in ok[c] if r["goodput"] is not None), default=None)
                for c in (True, False)}
        cpu = {}
        for c in (True, False):
            by_rate = {}
            for r in ok[c]:
                if r["cpu_server"] is not None and r["rate"] is not None:
                    by_rate.setdefault(r["rate"], []).append(r["cpu_server"])
            cpu[c] = {k: median_low(v) for k, v in by_rate.items()}
        per_rate = []
        for rate in sorted(set(cpu[True]) & set(cpu[False])):
            per_rate.append({"rate_mbps": rate, "cpu_server": cpu[True][rate],
                             "cpu_server_baseline": cpu[False][rate],
                             "ratio": ratio(cpu[True][rate], cpu[False][rate])})
        cpu_ratio = median_low([x["ratio"] for x in per_rate])
        row = {"config": name, "paths": paths, "size": size,
               "max_goodput_below_1pct_loss_mbps": best[True],
               "max_goodput_below_1pct_loss_mbps_baseline": best[False],
               "goodput_ratio": ratio(best[True], best[False]),
               "cpu_server_ratio": cpu_ratio, "cpu_server_by_rate": per_rate}
        out.append(row)
        lines.append("baseline: %s %dp %dB: max goodput below 1%% loss %s / %s Mbit/s = %s; "
                     "mpserver s/Mdgram current/baseline %s (median over %d rates: %s)"
                     % (name, paths, size, fmt(best[True], "%.1f"), fmt(best[False], "%.1f"),
                        fmt(row["goodput_ratio"], "%.3f"), fmt(cpu_ratio, "%.3f"), len(per_rate),
                        ", ".join("%s: %s" % (fmt(x["rate_mbps"], "%g"), fmt(x["ratio"]))
                                  for x in per_rate) or "none"))
    if lines:
        lines.insert(0, "baseline %s (its mpclient and mpserver, alternating point by point "
                     "with this build's): current / baseline" % desc)
    return {"rev": desc, "comparisons": out}, lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", required=True, help="points, one JSON object per line")
    ap.add_argument("--json", required=True, help="where to write the results JSON")
    ap.add_argument("--iperf", help="iperf3 results, one JSON object per line")
    ap.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                    help="a run fact for the JSON, as a string (empty: null)")
    ap.add_argument("--meta-num", action="append", default=[], metavar="KEY=NUMBER",
                    help="a run fact for the JSON, as a number")
    ap.add_argument("--meta-bool", action="append", default=[], metavar="KEY=true|false",
                    help="a run fact for the JSON, as true or false")
    ap.add_argument("--attach", action="append", default=[], metavar="KEY=FILE",
                    help="a JSON file to include in the results under KEY (null if unreadable)")
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--lat-repeat", type=int, default=3)
    ap.add_argument("--original", type=float, nargs=2, default=(170, 200), metavar=("LO", "HI"))
    ap.add_argument("--encryption", action="store_true",
                    help="print the encrypted/plain ratios")
    ap.add_argument("--idle-sessions", type=int, default=10000,
                    help="idle sessions of the tunnel-idle configurations")
    ap.add_argument("--baseline", metavar="DESC",
                    help="the points named base/CONFIG are BENCH_BASELINE's (DESC): "
                    "print and store the current/baseline ratios")
    a = ap.parse_args(argv)

    points = read_points(a.points)
    orig = (a.original[0], a.original[1])
    rows = summarise(points, a.cpus, orig)
    lines = table(rows, a.cpus, a.lat_repeat, (int(orig[0]), int(orig[1])))
    if a.encryption:
        lines += encryption_lines(rows)
    lines += fec_lines(rows)
    idle, idle_lines = idle_sessions(points, a.idle_sessions)
    lines += idle_lines
    base = None
    if a.baseline:
        base, base_lines = baseline(points, a.baseline)
        lines += base_lines
    print("\n".join(lines))

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(root, "VERSION")) as f:
            version = f.read().strip()
    except OSError:
        version = None
    doc = {"program": "mpt-bench", "version": version,
           "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
           .replace("+00:00", "Z"),
           "format": 2, "cpus": a.cpus}
    for kv in a.meta:
        k, _, v = kv.partition("=")
        doc[k] = v if v else None
    for kv in a.meta_num:
        k, _, v = kv.partition("=")
        doc[k] = num(v)
    for kv in a.meta_bool:
        k, _, v = kv.partition("=")
        doc[k] = v == "true"
    doc["original_saturation_mbps"] = list(orig)
    doc["points"] = points
    doc["summary"] = rows
    doc["idle_sessions"] = idle
    doc["baseline"] = base
    doc["iperf3"] = read_points(a.iperf) if a.iperf and os.path.exists(a.iperf) else []
    for kv in a.attach:
        k, _, path = kv.partition("=")
        try:
            with open(path) as f:
                doc[k] = json.load(f)
        except (OSError, ValueError):
            doc[k] = None
    tmp = a.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    os.replace(tmp, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
