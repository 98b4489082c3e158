"""labreport.baselines - a run's loss figures stored (lab/baselines/) and compared (CI)."""
import json
import math
import os
import sys
from statistics import NormalDist

from .common import pct, read_json

def figures(rep):
    """The loss figures a baseline keeps: name -> (lost, n). Figures a fault's timing sways are
    left out: the end-to-end loss across an mpserver/mpclient restart (the steady state stays),
    the path that was blacked out or restarted, and a path whose loss a timed event changed
    mid-run (`loss I PCT`: its figure is a mix weighted by when the event ran, which a loaded
    machine delays by seconds; any timed event analyse.CHANGING_EVENTS lists, whatever the
    redundancy mode), with the end-to-end loss of such a run; and the end-to-end loss of a run
    whose blackouts took every primary path at once (BACKUP), and its steady-state loss: what
    was in flight until the backup took over, a count the detection time and the blackouts'
    spacing set, not a binomial sample."""
    out = {}
    e = rep["end_to_end"]
    outage = any(f["kind"].startswith("restart mp") for f in rep["faults"])
    faulty = {f["path"] for f in rep["faults"] if "path" in f}
    changed = False
    backups = {b["path"] for b in rep.get("backup") or [] if "path" in b}
    blacked = {f["path"] for f in rep["faults"]
               if f["kind"].startswith("blackout") and "path" in f}
    if blacked and blacked | backups >= {p["path"] for p in rep["paths_detail"]}:
        outage = changed = True	# the steady state holds that loss too
    for c in rep.get("changes") or []:
        faulty.add(int(c["path"]))
        outage = changed = True
    if e.get("sent") and not outage:
        out["end-to-end loss"] = (e["lost"], e["sent"])
    # the steady state (outside restart outages) mixes the phases of a change too
    if rep.get("steady") and not changed:
        out["steady-state loss"] = (rep["steady"]["lost"], rep["steady"]["sent"])
    # a handover's phases (labreport.handover): each a binomial sample of its own loss, whatever
    # when the events ran (requests whose reply crossed a change are left out, as transition)
    for ph in (rep.get("handover") or {}).get("phases", []):
        if ph["phase"] != "transition" and ph["sent"]:
            out[f"handover {ph['phase']} loss"] = (ph["lost"], ph["sent"])
    for p in rep["paths_detail"]:
        if p["path"] in faulty:
            continue
        for dr, d in p["directions"].items():
            s = d["sources"].get("capture") or d["sources"].get("bridge")
            if s and s.get("in") and s.get("forwarded") is not None:
                out[f"path {p['path']} {dr} loss"] = (s["in"] - s["forwarded"], s["in"])
    return out


def cmd_save_baseline(run, path):
    rep = read_json(os.path.join(run, "report.json"))
    if not rep:
        print(f"no report.json in {run}", file=sys.stderr)
        return 2
    base = {"scenario": rep["scenario"], "mode": rep["mode"], "bridge_kind": rep["bridge_kind"],
            "traffic": rep["traffic"], "figures": {k: {"lost": a, "n": b} for k, (a, b) in figures(rep).items()},
            "faults": [{k: f.get(k) for k in ("kind", "recovery_s", "lost", "path_recovery_s")} for f in rep["faults"]]}
    with open(path, "w") as f:
        json.dump(base, f, indent=1)
        f.write("\n")
    print(f"baseline written: {path}")
    return 0


def cmd_baseline(run, path, level=None):
    """Each loss figure must sit within z standard errors of the baseline's (pooled two-proportion
    test). A run and its baseline are two independent binomial samples of one loss probability
    when the loss is not seeded (the kernel's numgen random in kernel-3path draws afresh every run;
    a seeded mpbridge repeats its draws, but the tunnel's keepalives shift which datagram meets
    which draw): under "nothing changed" the difference is normal with that standard error. The
    figures of a run are tested together, so z is Bonferroni's for a false alarm of at most
    1 - LEVEL (LAB_LEVEL, 0.999 in CI) for the whole set: z = Phi^-1(1 - (1 - LEVEL) / (2 m))."""
    rep = read_json(os.path.join(run, "report.json"))
    base = read_json(path)
    if not rep or not base:
        print(f"[FAIL] baseline {os.path.basename(path)}: missing report or baseline")
        return 1
    if level is None:
        level = float(os.environ.get("LAB_LEVEL", "0.999"))
    m = sum(1 for name in base["figures"] if name in figures(rep))
    if m == 0:
        print(f"[ OK ] {rep['scenario']}: no loss figure to compare with the baseline (each is swayed "
              f"by a fault's or an event's timing; the scenario's expectations check the run)")
        return 0
    z = NormalDist().inv_cdf(1 - (1 - level) / (2 * m))
    now = figures(rep)
    bad = 0
    for name, b in base["figures"].items():
        if name not in now:
            continue
        k1, n1 = b["lost"], b["n"]
        k2, n2 = now[name]
        p1, p2 = k1 / n1, k2 / n2
        pp = (k1 + k2) / (n1 + n2)
        se = math.sqrt(max(pp * (1 - pp), 1.0 / (n1 + n2)) * (1 / n1 + 1 / n2))
        tol = z * se
        if abs(p2 - p1) > tol:
            bad += 1
            print(f"[FAIL] {rep['scenario']}: {name} moved from {pct(p1, 3)} ({k1}/{n1}) to {pct(p2, 3)} ({k2}/{n2}), "
                  f"tolerance ±{pct(tol, 3)} (z {z:.2f})")
    if not bad:
        print(f"[ OK ] {rep['scenario']}: {m} loss figures within tolerance of the baseline "
              f"(z {z:.2f}: {m} figures at family level {level:g})")
    return 1 if bad else 0


