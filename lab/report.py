#!/usr/bin/env python3
"""lab/report.py - turn a lab run folder into report.json, report.md and a terminal table.

    report.py run RUN_DIR                   report of one run (exit 1 if an expectation fails)
    report.py sweep SWEEP_DIR               sweep.json, sweep.md, sweep.dat, sweep.png (gnuplot)
    report.py baseline RUN_DIR FILE         compare a run with a stored baseline (CI)
    report.py save-baseline RUN_DIR FILE    store a run's figures as a baseline

Confidence intervals are Wilson score intervals for a binomial proportion at the run's level
(meta "level", default 0.99). Theory for independent paths that each carry every datagram:
a direction loses a datagram when every path loses it, p_dir = prod_i p_i,dir, and udpdemo's loss
is round trip: p_rt = 1 - (1 - p_up)(1 - p_down).
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
from statistics import NormalDist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labreport import pcap as pcapmod  # noqa: E402
from labreport import wire  # noqa: E402

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
    return (max(0.0, c - h), min(1.0, c + h))


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


def read_meta(run):
    meta, multi = {}, {}
    try:
        with open(os.path.join(run, "meta.tsv")) as f:
            for line in f:
                line = line.rstrip("\n")
                if "\t" not in line:
                    continue
                k, v = line.split("\t", 1)
                meta[k] = v
                multi.setdefault(k, []).append(v)
    except OSError:
        pass
    return meta, multi


def read_events(run):
    ev = []
    try:
        with open(os.path.join(run, "events.tsv")) as f:
            for line in f:
                t, _, what = line.rstrip("\n").partition("\t")
                try:
                    ev.append((float(t), what.split()))
                except ValueError:
                    pass
    except OSError:
        pass
    return ev


# --- pcap ---------------------------------------------------------------------------------
def seg_sizes(meta):
    """Segment size of the lab's streams for splitting GSO super-packets: the demo's datagrams
    are SIZE bytes, the tunnel's SIZE plus its overhead (lab.sh wrote it as tunnel_seg)."""
    try:
        size = int(meta.get("size", 0))
    except ValueError:
        size = 0
    try:
        tseg = int(meta.get("tunnel_seg", ""))
    except ValueError:
        ov = wire.overhead()
        tseg = size + ov if size and ov is not None else None
    demo = {int(meta.get(k, 0) or 0) for k in ("mport", "uport")} - {0}

    def seg(r):
        if r.sport in demo or r.dport in demo:
            return size or None
        return tseg
    return seg


def pcap_udp(path, seg=None, stats=None):
    """[(ts, src, sport, dst, dport, payload)] of the IPv4 UDP datagrams of a capture, GSO
    super-packets split into their datagrams (labreport.pcap)."""
    dg = pcapmod.datagrams(path, seg, stats)
    if dg is None:
        return None
    return [(d.ts, d.src, d.sport, d.dst, d.dport, d.payload) for d in dg]


def demo_seq(payload):
    m = re.match(rb"(\d+) hello (cli|srv)", payload)
    if not m:
        return None, None
    return int(m.group(1)), m.group(2).decode()


def timeline(run, meta, t0):
    """Per request of the measured run: seq -> dict(sent, replied, server_seen)."""
    mode = meta.get("mode")
    mport = int(meta.get("mport", 0))
    uport = int(meta.get("uport", 0))
    seg = seg_sizes(meta)
    if mode == "ns":
        cl = pcap_udp(os.path.join(run, "pcap", "client-lo.pcap"), seg)
        sv = pcap_udp(os.path.join(run, "pcap", "server-lo.pcap"), seg)
    else:
        cl = pcap_udp(os.path.join(run, "pcap", "lo.pcap"), seg)
        sv = cl
    # udpclient's own trace says what was sent and answered, exactly as its
    # counters do; a capture can miss packets when tcpdump falls behind, which
    # would read as loss. The capture then only adds when mpserver's side saw
    # each request (the upstream/downstream split).
    req = trace_timeline(run)
    if req is None and not cl:
        return None
    if req is None:
        req = requests_from_capture(cl, t0, mport)
    if sv:
        for ts, _, sp, _, dp, pl in sv:
            if ts < t0 or dp != uport:
                continue
            seq, who = demo_seq(pl)
            r = req.get(seq) if who == "cli" else None
            if r is not None and r["server"] is None:
                r["server"] = ts
    return req


def requests_from_capture(cl, t0, mport):
    """Requests and replies as the client host's loopback capture saw them."""
    req = {}
    for ts, _, sp, _, dp, pl in cl:
        if ts < t0:
            continue
        seq, who = demo_seq(pl)
        if seq is None:
            continue
        if dp == mport and who == "cli":
            if seq not in req:
                req[seq] = {"sent": ts, "replied": None, "server": None}
        elif sp == mport and who == "srv":
            r = req.get(seq - 1)
            if r is not None and r["replied"] is None:
                r["replied"] = ts
    return req


def trace_timeline(run):
    """Without captures: udpclient's per-datagram trace, if it wrote one (lines
    'K SENT REPLIED', wall-clock seconds, REPLIED '-' when no reply came)."""
    req = {}
    try:
        with open(os.path.join(run, "udpclient.trace")) as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and w[0].isdigit():
                    req[int(w[0])] = {"sent": float(w[1]), "replied": None if w[2] == "-" else float(w[2]),
                                      "server": None}
    except (OSError, ValueError):
        return None
    return req or None


# --- configured losses ----------------------------------------------------------------------
def parse_pct(s):
    s = s.strip()
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    v = float(s)
    return v / 100.0 if v > 1 else v


def bridge_loss(args, direction):
    """Configured loss of one direction from mpbridge settings: (value or None, note).
    Understands --dir, --loss P, --loss gemodel P R 1-H 1-K (stationary loss), --loss none,
    --clear; a timeline (--at, --timeline, --blackout, --flap) or another loss model leaves the
    theory to LOSS_i."""
    toks = args.split()
    loss = {"c2s": 0.0, "s2c": 0.0}
    dirs = ("c2s", "s2c")
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "--dir" and i + 1 < len(toks):
            dirs = ("c2s", "s2c") if toks[i + 1] == "both" else (toks[i + 1],)
            i += 2
            continue
        if t in ("--at", "--timeline", "--blackout", "--flap", "--down", "--profile"):
            return None, f"'{t}' changes the loss over time: set LOSS_i for the theory"
        if t == "--clear":
            for d in dirs:
                loss[d] = 0.0
        if t == "--loss" and i + 1 < len(toks):
            model = toks[i + 1]
            if model == "none":
                val, i = 0.0, i + 2
            elif model == "gemodel":
                vals = []
                j = i + 2
                while j < len(toks) and not toks[j].startswith("--") and len(vals) < 4:
                    vals.append(parse_pct(toks[j]))
                    j += 1
                # netem's defaults: R = 100%, 1-H = 100%, 1-K = 0%
                p, r, bad, good = (vals + [None, 1.0, 1.0, 0.0][len(vals):])[:4]
                if p is None:
                    return None, "gemodel without P"
                pib = p / (p + r) if p + r > 0 else 0.0
                val, i = pib * bad + (1 - pib) * good, j
            else:
                try:
                    val = parse_pct(model)
                except ValueError:
                    return None, f"loss model '{model}' not understood: set LOSS_i for the theory"
                i += 2
            for d in dirs:
                loss[d] = val   # a later --loss replaces the model, as in mpbridge
            continue
        i += 1
    return loss[direction], ""


def configured(meta, paths):
    """{i: {dir: p or None}} and notes."""
    conf, notes = {}, []
    for i in range(1, paths + 1):
        d = {}
        for dr in DIRS:
            key = f"loss_{dr}.{i}"
            if key in meta:
                d[dr] = parse_pct(meta[key])
            elif f"loss.{i}" in meta:
                d[dr] = parse_pct(meta[f"loss.{i}"])
            else:
                b = meta.get(f"bridge.{i}", "")
                if f"moved_to_kernel.{i}" in meta or f"not_applied.{i}" in meta:
                    b = meta.get(f"bridge.{i}", "")  # still the configured figure
                v, note = bridge_loss(b, dr)
                if note and f"path {i}: {note}" not in notes:
                    notes.append(f"path {i}: {note}")
                # kernel impairments applied (not those moved from the bridge: already counted)
                if v is not None and f"moved_to_kernel.{i}" not in meta:
                    kspec = meta.get(f"kernel.{i}", "")
                    for part in kspec.split(";"):
                        w = part.split()
                        if len(w) == 2 and (w[0] == "loss" or w[0] == "loss-" + dr):
                            v = 1 - (1 - v) * (1 - parse_pct(w[1]))
                d[dr] = v
        conf[i] = d
    return conf, notes


def theory(per_path, paths_used=None):
    """Round-trip loss from {i: {dir: p}}; None if a figure is missing."""
    up, down = 1.0, 1.0
    for i, d in per_path.items():
        if paths_used is not None and i not in paths_used:
            continue
        if d.get("c2s") is None or d.get("s2c") is None:
            return None, None, None
        up *= d["c2s"]
        down *= d["s2c"]
    return up, down, 1 - (1 - up) * (1 - down)


# --- bridge and kernel counters -----------------------------------------------------------------
def pick(obj, names):
    for n in names:
        if isinstance(obj.get(n), (int, float)):
            return obj[n]
    return None


def bridge_dir(stats, dr):
    """received/forwarded/dropped of one direction from mpbridge's stats, whatever its layout."""
    obj = stats.get(dr)
    if obj is None and isinstance(stats.get("directions"), dict):
        obj = stats["directions"].get(dr)
    if not isinstance(obj, dict):
        return None
    rec = pick(obj, ("received", "in", "rx", "packets_in"))
    fwd = pick(obj, ("forwarded", "out", "sent", "tx", "packets_out"))
    drops = {k: v for k, v in obj.items() if k.startswith("dropped") and isinstance(v, (int, float))}
    if "dropped" in drops and len(drops) > 1:
        dropped = drops["dropped"]
    else:
        dropped = sum(drops.values()) if drops else None
    return {"received": rec, "forwarded": fwd, "dropped": dropped,
            "detail": {k: v for k, v in drops.items() if k != "dropped"}}


def bridge_counters(run, i):
    tot = {dr: None for dr in DIRS}
    k = 0
    found = False
    while True:
        st = read_json(os.path.join(run, "stats", f"bridge{i}.{k}.json"))
        path = os.path.join(run, "stats", f"bridge{i}.{k}.json")
        if st is None and not os.path.exists(path):
            break
        k += 1
        if not isinstance(st, dict):
            continue
        found = True
        for dr in DIRS:
            b = bridge_dir(st, dr)
            if b is None:
                continue
            if tot[dr] is None:
                tot[dr] = {"received": 0, "forwarded": 0, "dropped": 0, "detail": {}}
            for key in ("received", "forwarded", "dropped"):
                if b[key] is None or tot[dr][key] is None:
                    tot[dr][key] = None
                else:
                    tot[dr][key] += b[key]
            for key, v in b["detail"].items():
                tot[dr]["detail"][key] = tot[dr]["detail"].get(key, 0) + v
    return (tot if found else None), k


def nl_diff(run, i, devs):
    s = read_json(os.path.join(run, "kernel", f"nl.{i}.start.json"))
    e = read_json(os.path.join(run, "kernel", f"nl.{i}.end.json"))
    if not s or not e:
        return None
    def index(j):
        return {l["name"]: l for l in j.get("links", [])}
    si, ei = index(s), index(e)
    out = {}
    for d in devs:
        if d in si and d in ei:
            out[d] = {k: ei[d][k] - si[d][k] for k in ei[d] if isinstance(ei[d][k], int) and k != "ifindex"}
            out[d]["qdiscs"] = ei[d].get("qdiscs", [])
    return out


def impair_drops(run, i):
    """{dev: (matched, dropped, method)} summed over the rule sets a run went through."""
    out = {}
    try:
        with open(os.path.join(run, "kernel", f"impair.{i}.jsonl")) as f:
            for line in f:
                j = json.loads(line)
                if "dev" not in j:
                    continue
                m, d, meth = out.get(j["dev"], (0, 0, set()))
                if j.get("method", "none") != "none":
                    meth.add(j["method"])
                out[j["dev"]] = (m + j.get("matched", 0), d + j.get("dropped", 0), meth)
    except (OSError, ValueError):
        pass
    return out


def udp_mib(run, i):
    """Diff of the bridge namespace's Udp MIB (NoPorts, RcvbufErrors...) over the run."""
    def read(label):
        try:
            with open(os.path.join(run, "kernel", f"snmp.{i}.{label}.txt")) as f:
                lines = [l.split() for l in f if l.startswith("Udp:")]
        except OSError:
            return None
        if len(lines) < 2:
            return None
        return {k: int(v) for k, v in zip(lines[0][1:], lines[1][1:])}
    a, b = read("start"), read("end")
    if not a or not b:
        return None
    return {k: b[k] - a.get(k, 0) for k in b}


def capture_counts(run, meta):
    """{path: {key: datagrams}} counted in the captures (labreport.pcap splits GSO
    super-packets): per direction, UDP into the bridge and out of it ("_udp"), and every IPv4
    packet, to compare with the kernel's link counters ("_all", namespaces only)."""
    out = {}
    paths = int(meta.get("paths", 0) or 0)
    seg = seg_sizes(meta)
    mode = meta.get("mode")
    cache = {}

    def dgs(name):
        if name not in cache:
            recs = pcapmod.records(os.path.join(run, "pcap", name))
            if recs is None:
                cache[name] = None
            else:
                sp = pcapmod.Split(seg)
                udp = sp.split(recs)
                other = [r for r in recs if r.proto != 17]
                cache[name] = (udp, other)
        return cache[name]

    def n(name, pred, udp_only=True):
        d = dgs(name)
        if d is None:
            return None
        udp, other = d
        k = sum(1 for x in udp if pred(x))
        if not udp_only:
            k += sum(1 for x in other if pred(x))
        return k

    sport = int(meta.get("sport", 0) or 0)
    for i in range(1, paths + 1):
        w = meta.get(f"path.{i}", "").split()
        if len(w) < 5:
            continue
        abc, bport = w[2].rsplit(":", 1)
        bport, abs_ = int(bport), w[4]
        c = out.setdefault(i, {})
        if mode == "ns":
            f, g = f"path{i}-c.pcap", f"path{i}-s.pcap"
            c["c2s_in_udp"] = n(f, lambda x: x.dst == abc and x.dport == bport)
            c["c2s_in_all"] = n(f, lambda x: x.dst == abc, False)
            c["s2c_out_udp"] = n(f, lambda x: x.src == abc and x.sport == bport)
            c["s2c_out_all"] = n(f, lambda x: x.src == abc, False)
            c["c2s_out_udp"] = n(g, lambda x: x.src == abs_)
            c["c2s_out_all"] = n(g, lambda x: x.src == abs_, False)
            c["s2c_in_udp"] = n(g, lambda x: x.dst == abs_)
            c["s2c_in_all"] = n(g, lambda x: x.dst == abs_, False)
        else:
            f = "lo.pcap"
            c["c2s_in_udp"] = n(f, lambda x: x.dport == bport)
            c["s2c_out_udp"] = n(f, lambda x: x.sport == bport)
            try:
                with open(os.path.join(run, "kernel", f"upports.{i}")) as fh:
                    ups = {int(x) for x in fh.read().split() if x.isdigit()}
            except OSError:
                ups = set()
            if ups:
                c["c2s_out_udp"] = n(f, lambda x: x.sport in ups and x.dport == sport)
                c["s2c_in_udp"] = n(f, lambda x: x.dport in ups and x.sport == sport)
    return out


# --- one run --------------------------------------------------------------------------------
def analyse(run):
    meta, multi = read_meta(run)
    paths = int(meta.get("paths", 0))
    level = float(meta.get("level", 0.99))
    mode = meta.get("mode", "?")
    rep = {"run": os.path.abspath(run), "scenario": meta.get("scenario"), "intent": meta.get("intent"),
           "mode": mode, "paths": paths, "level": level, "interval": "Wilson score",
           "bridge_kind": meta.get("bridge_kind"), "kernel_offers": meta.get("kernel_offers"),
           "traffic": {k: meta.get(k) for k in ("count", "rate", "size", "timeout", "seed")},
           "notes": []}
    if mode == "loopback":
        rep["notes"].append("LOOPBACK MODE: paths are ports on 127.0.0.1; no per-path kernel counters, no kernel impairments")
    for k, v in meta.items():
        if k.startswith("moved_to_kernel."):
            rep["notes"].append(f"path {k.split('.')[1]}: mpbridge not built, '{v}' applied by the kernel (nftables)")
        if k.startswith("not_applied."):
            rep["notes"].append(f"path {k.split('.')[1]}: mpbridge not built, '{v}' NOT applied")
        if k.startswith("kernel_skipped."):
            rep["notes"].append(f"path {k.split('.')[1]}: kernel impairment '{v}' not applied (loopback)")
    kmeth = [v for k, v in meta.items() if k.startswith("kernel.") and k.count(".") >= 3]
    rep["kernel_impairments"] = [v for k, vs in multi.items() if k.startswith("kernel.") and k.count(".") >= 3 for v in vs]
    # configured spec per path for the theory (kernel.i = applied loss verbs)
    for i in range(1, paths + 1):
        spec = []
        for k, vs in multi.items():
            m = re.match(rf"kernel\.{i}\.(\S+)\.loss$", k)
            if m:
                for v in sorted(set(vs)):
                    mm = re.search(r"loss (\S+) ([0-9.]+)%", v)
                    if mm:
                        dev = mm.group(1)
                        spec.append(("loss-c2s" if dev.endswith("c") else "loss-s2c") + " " + mm.group(2))
        meta[f"kernel.{i}"] = ";".join(spec)
    del kmeth
    conf, cnotes = configured(meta, paths)
    rep["notes"] += cnotes
    cap = capture_counts(run, meta)
    t0 = float(meta.get("t0", 0) or 0)
    events = read_events(run)

    # per path
    prs = []
    measured = {}
    all_agree = True
    for i in range(1, paths + 1):
        pinfo = meta.get(f"path.{i}", "").split()
        devc = pinfo[1] if len(pinfo) > 1 else None
        devs = pinfo[3] if len(pinfo) > 3 else None
        br, inst = bridge_counters(run, i)
        nl = nl_diff(run, i, [d for d in (devc, devs) if d]) if mode == "ns" else None
        imp = impair_drops(run, i)
        c = cap.get(i, {})
        pr = {"path": i, "bridge_options": meta.get(f"bridge.{i}", ""), "bridge_instances": inst,
              "kernel_methods": sorted({m for v in imp.values() for m in v[2]}),
              "configured": conf[i], "directions": {}}
        measured[i] = {}
        for dr in DIRS:
            indev, outdev = (devc, devs) if dr == "c2s" else (devs, devc)
            kd = imp.get(indev, (0, 0, set()))[1] if indev else 0
            b = br.get(dr) if br else None
            src = {}
            # bridge: what reached the host = bridge received + kernel input drops
            if b:
                src["bridge"] = {"in": None if b["received"] is None else b["received"] + kd,
                                 "forwarded": b["forwarded"],
                                 "dropped": None if b["dropped"] is None else b["dropped"] + kd,
                                 "detail": b["detail"]}
            cin, cout = c.get(f"{dr}_in_udp"), c.get(f"{dr}_out_udp")
            if cin is not None or cout is not None:
                src["capture"] = {"in": cin, "forwarded": cout,
                                  "dropped": None if cin is None or cout is None else cin - cout}
            if nl and indev in nl and outdev in nl:
                kin, kout = nl[indev]["rx_packets"], nl[outdev]["tx_packets"]
                src["kernel"] = {"in": kin, "forwarded": kout, "dropped": kin - kout,
                                 "input_hook_drops": kd,
                                 "link_drops": nl[indev]["rx_dropped"] + nl[outdev]["tx_dropped"]}
                # the kernel counts every IP packet: compare it with the capture's "all"
                ca, co = c.get(f"{dr}_in_all"), c.get(f"{dr}_out_all")
                if ca is not None and co is not None:
                    src["capture_all"] = {"in": ca, "forwarded": co, "dropped": ca - co}
            # agreement: bridge vs capture (UDP), kernel vs capture (all IP)
            dis = []
            for key in ("in", "forwarded", "dropped"):
                if "bridge" in src and "capture" in src:
                    a, bb = src["bridge"][key], src["capture"][key]
                    if a is not None and bb is not None and a != bb:
                        dis.append(f"{key}: bridge {a} vs capture {bb}")
                if "kernel" in src and "capture_all" in src:
                    a, bb = src["kernel"][key], src["capture_all"][key]
                    if a != bb:
                        dis.append(f"{key}: kernel {a} vs capture {bb}")
            nsrc = sum(1 for k in ("bridge", "capture", "kernel") if k in src)
            agree = (not dis) if nsrc >= 2 else None
            if agree is False:
                all_agree = False
            # measured loss of the direction: capture first, then bridge
            base = src.get("capture") or src.get("bridge") or src.get("kernel")
            loss = None
            if base and base["in"] and base["forwarded"] is not None:
                loss = 1 - base["forwarded"] / base["in"]
            measured[i][dr] = loss
            pr["directions"][dr] = {"sources": src, "agree": agree, "disagreements": dis,
                                    "measured_loss": loss,
                                    "measured_ci": list(wilson(base["in"] - base["forwarded"], base["in"], level))
                                    if base and base["in"] and base["forwarded"] is not None else None}
        # datagrams that reached the bridge's host but no socket (bridge down: Udp NoPorts) or
        # overflowed its socket buffer (RcvbufErrors) are in the capture, not in the bridge's
        # counters: if they account for the whole difference, the counts agree
        mib = udp_mib(run, i) if mode == "ns" else None
        if mib:
            nosock = mib.get("NoPorts", 0) + mib.get("RcvbufErrors", 0)
            pr["kernel_udp"] = {"no_port": mib.get("NoPorts", 0), "rcvbuf_errors": mib.get("RcvbufErrors", 0)}
            diffs = []
            for dr in DIRS:
                sr = pr["directions"][dr]["sources"]
                if "bridge" in sr and "capture" in sr and None not in (sr["bridge"]["in"], sr["capture"]["in"]):
                    diffs.append(sr["capture"]["in"] - sr["bridge"]["in"])
            only_in = all(not x.startswith("forwarded") and "kernel" not in x
                          for dr in DIRS for x in pr["directions"][dr]["disagreements"])
            # a stopped bridge also takes the datagrams still queued in its socket with it:
            # allow a few per stop of this path's bridge, and say how many
            stops = sum(1 for _, w in events if w[:2] == ["stop", f"bridge{i}"])
            rest = sum(diffs) - nosock if diffs else None
            if nosock and diffs and min(diffs) >= 0 and only_in and 0 <= rest <= 16 * stops:
                for dr in DIRS:
                    d = pr["directions"][dr]
                    if d["disagreements"]:
                        d["explained"] = (f"{nosock} datagrams on this path reached no socket "
                                          f"(kernel Udp NoPorts {mib.get('NoPorts', 0)}, RcvbufErrors "
                                          f"{mib.get('RcvbufErrors', 0)}): the bridge was down or full"
                                          + (f"; {rest} more were still queued in the socket of the "
                                             f"bridge when it was stopped" if rest else ""))
                        d["disagreements"] = []
                        d["agree"] = True
        if mode == "loopback" and any(w and w[0] in ("blackout", "stop") and
                                      (w[1:2] == [str(i)] or w[1:2] == [f"bridge{i}"]) for _, w in events):
            for dr in DIRS:
                d = pr["directions"][dr]
                if d["disagreements"] and all(x.startswith(("in:", "dropped:")) for x in d["disagreements"]):
                    d["explained"] = ("not checked: this path's bridge was stopped during the fault, and on loopback "
                                      "no per-namespace UDP counter tells the datagrams sent to its closed ports")
                    d["disagreements"] = []
                    d["agree"] = None
        prs.append(pr)
    all_agree = all(d["agree"] is not False for p in prs for d in p["directions"].values()) \
        if any(d["agree"] is not None for p in prs for d in p["directions"].values()) else None
    rep["paths_detail"] = prs
    rep["counters_agree"] = all_agree

    # end to end
    u = read_json(os.path.join(run, "udpclient.json")) or {}
    e2e = {k: u.get(k) for k in ("sent", "received", "lost", "duplicates", "foreign", "malformed",
                                  "loss_ratio", "rtt_min_ms", "rtt_p50_ms", "rtt_p99_ms", "rtt_max_ms", "elapsed_s")}
    sent, lost = u.get("sent"), u.get("lost")
    if sent:
        e2e["ci"] = list(wilson(lost, sent, level))
    tl = timeline(run, meta, t0) if t0 else None
    if tl:
        n = len(tl)
        ups = sum(1 for r in tl.values() if r["server"] is None)
        have_srv = any(r["server"] is not None for r in tl.values())
        downs = sum(1 for r in tl.values() if r["server"] is not None and r["replied"] is None)
        e2e["capture"] = {"requests": n, "replied": sum(1 for r in tl.values() if r["replied"])}
        if have_srv and n:
            e2e["upstream_loss"] = ups / n
            e2e["downstream_loss"] = downs / (n - ups) if n > ups else None
            e2e["upstream_ci"] = list(wilson(ups, n, level))
            e2e["downstream_ci"] = list(wilson(downs, n - ups, level)) if n > ups else None
    # datagrams the end hosts' kernels dropped because a socket buffer was full (a stalled
    # reader): not network loss, reported apart
    hosts = {}
    for h in ("client", "server"):
        m = udp_mib(run, h)
        if m:
            hosts[h] = {"rcvbuf_errors": m.get("RcvbufErrors", 0), "no_port": m.get("NoPorts", 0),
                        "in_errors": m.get("InErrors", 0)}
    if hosts:
        e2e["host_udp"] = hosts
    cu, cd, crt = theory(conf)
    mu, md, mrt = theory(measured)
    e2e["theory_configured"] = {"up": cu, "down": cd, "round_trip": crt}
    e2e["theory_measured"] = {"up": mu, "down": md, "round_trip": mrt}
    rep["end_to_end"] = e2e

    # faults
    faults = []
    for ts, w in events:
        if not w:
            continue
        if w[0] == "stop" and len(w) >= 2 and w[1] in ("mpserver", "mpclient", "udpserver"):
            f = {"kind": f"restart {w[1]}", "at_s": ts - t0, "t": ts}
            if tl:
                rec = outage(tl, ts)
                if rec:
                    f.update(rec)
            faults.append(f)
        elif w[0] == "stop" and len(w) >= 2 and w[1].startswith("bridge"):
            faults.append({"kind": f"restart {w[1]}", "path": int(w[1][6:]), "at_s": ts - t0, "t": ts})
        elif w[0] == "blackout":
            faults.append({"kind": f"blackout path {w[1]}", "path": int(w[1]), "at_s": ts - t0, "t": ts})
        elif w[0] == "restore" and faults:
            for f in reversed(faults):
                if f["kind"] == f"blackout path {w[1]}" and "end" not in f:
                    f["end"] = ts
                    f["duration_s"] = ts - f["t"]
                    break
        elif w[0] == "ready" and len(w) >= 2 and w[1].startswith("bridge"):
            for f in reversed(faults):
                if f["kind"] == f"restart {w[1]}" and "end" not in f:
                    f["end"] = ts
                    f["duration_s"] = ts - f["t"]
                    break
    for f in faults:
        if "path" not in f:
            continue
        i = f["path"]
        # path recovery: first datagram the bridge forwards after the fault ends
        end = f.get("end")
        pk = None
        if mode == "ns":
            pk = pcap_udp(os.path.join(run, "pcap", f"path{i}-s.pcap"), seg_sizes(meta))
            pinfo = meta.get(f"path.{i}", "").split()
            addr = pinfo[4] if len(pinfo) > 4 else None
            fwd = [p[0] for p in (pk or []) if p[1] == addr]
        else:
            pk = pcap_udp(os.path.join(run, "pcap", "lo.pcap"), seg_sizes(meta))
            bport = int(meta.get(f"path.{i}", "- - 0:0").split()[2].rsplit(":", 1)[1])
            fwd = [p[0] for p in (pk or []) if p[2] == bport]
        # a blackout ends by design at the restore: count from there; a restart from its start
        ref = end if f["kind"].startswith("blackout") else f["t"]
        if end is not None and pk is not None:
            nxt = [t for t in fwd if t >= end]
            if nxt:
                f["path_recovery_s"] = min(nxt) - ref
        if tl and end is not None:
            win = [r for r in tl.values() if f["t"] <= r["sent"] < end]
            f["window_sent"] = len(win)
            f["window_lost"] = sum(1 for r in win if r["replied"] is None)
            others = [j for j in conf if j != i]
            _, _, trem = theory(conf, others) if others else (None, None, 1.0)
            f["theory_remaining_paths"] = trem
            # the same from the other paths' measured losses (what this run's paths
            # really lost; a few datagrams either way move a 3-second window)
            _, _, trem_m = theory(measured, others) if others else (None, None, 1.0)
            f["theory_remaining_paths_measured"] = trem_m
            if win:
                f["window_ci"] = list(wilson(f["window_lost"], len(win), level))
    for f in faults:
        f.pop("t", None)
        f.pop("end", None)
    rep["faults"] = faults

    # steady state: outside every fault window
    if tl and faults:
        wins = [f["window"] for f in faults if "window" in f]
        st = [r for r in tl.values() if not any(a <= r["sent"] < b for a, b in wins)]
        if st:
            k = sum(1 for r in st if r["replied"] is None)
            rep["steady"] = {"sent": len(st), "lost": k, "loss": k / len(st),
                             "ci": list(wilson(k, len(st), level))}

    # a capture that lost records (tcpdump could not keep up) cannot be compared
    for name in sorted(os.listdir(os.path.join(run, "logs"))) if os.path.isdir(os.path.join(run, "logs")) else []:
        if name.startswith("cap"):
            try:
                with open(os.path.join(run, "logs", name)) as f:
                    m = re.search(r"(\d+) packets? dropped by kernel", f.read())
            except OSError:
                m = None
            if m and int(m.group(1)):
                rep["notes"].append(f"capture {name[:-4]}: tcpdump lost {m.group(1)} packets (kernel buffer full)")
    expects = list(multi.get("expect", []))
    # every run whose loss splits by direction checks the split: each direction's loss, less its
    # own interval, is not above the end-to-end loss
    if "upstream_loss" in e2e and "direction_split" not in expects:
        expects.append("direction_split")
    rep["expectations"] = verdicts(rep, expects, measured)
    rep["verdict"] = "PASS" if all(x["ok"] is not False for x in rep["expectations"]) else "FAIL"
    if meta.get("status") == "not-run":
        rep["verdict"] = "NOT RUN"
    return rep


def verdicts(rep, expects, measured):
    out = []
    e2e = rep["end_to_end"]
    level = rep["level"]

    def add(name, ok, detail):
        out.append({"expectation": name, "ok": ok, "detail": detail})

    for ex in expects:
        w = ex.split()
        name, args = w[0], w[1:]
        if name in ("loss_in_ci", "steady_loss_in_ci"):
            src = e2e if name == "loss_in_ci" else rep.get("steady")
            th = e2e["theory_configured"]["round_trip"]
            which = "configured"
            if th is None:
                th, which = e2e["theory_measured"]["round_trip"], "measured"
            if not src or src.get("ci") is None or th is None:
                add(ex, None, "no data")
                continue
            lo, hi = src["ci"]
            loss = src.get("loss_ratio", src.get("loss"))
            ok = lo <= th <= hi
            add(ex, ok, f"theory ({which}) {pct(th, 3)} {'within' if ok else 'OUTSIDE'} "
                        f"{lvl(level)} Wilson interval [{pct(lo, 3)}, {pct(hi, 3)}] of measured {pct(loss, 3)}")
        elif name == "loss_max":
            lim = float(args[0])
            v = e2e.get("loss_ratio")
            add(ex, None if v is None else v <= lim, f"end-to-end loss {pct(v, 3)} (max {pct(lim, 3)})")
        elif name == "loss_ratio_within":
            f = float(args[0])
            th = e2e["theory_configured"]["round_trip"] or e2e["theory_measured"]["round_trip"]
            v = e2e.get("loss_ratio")
            ok = None if v is None or not th else (th / f <= v <= th * f)
            add(ex, ok, f"measured {pct(v, 3)} vs theory {pct(th, 3)} (within a factor {f})")
        elif name == "loss_below_single":
            best = None
            for i, d in measured.items():
                if d.get("c2s") is None or d.get("s2c") is None:
                    continue
                rt = 1 - (1 - d["c2s"]) * (1 - d["s2c"])
                best = rt if best is None else min(best, rt)
            v = e2e.get("loss_ratio")
            ok = None if v is None or best is None else v < best
            add(ex, ok, f"end-to-end {pct(v, 3)} vs best single path round trip {pct(best, 3)}")
        elif name == "counters_agree":
            dis = [f"path {p['path']} {dr}: " + "; ".join(d["disagreements"])
                   for p in rep["paths_detail"] for dr, d in p["directions"].items() if d["disagreements"]]
            srcs = sorted({s for p in rep["paths_detail"] for d in p["directions"].values() for s in d["sources"]
                           if s != "capture_all"})
            if rep["counters_agree"] is None or len(srcs) < 2:
                add(ex, None, f"fewer than two sources ({', '.join(srcs) or 'none'})")
            else:
                add(ex, not dis, ("the sources agree" if not dis else "; ".join(dis))
                    + f" (sources: {', '.join(srcs)})")
        elif name == "direction_split":
            tot = e2e.get("loss_ratio")
            parts = [(d, e2e.get(f"{d}stream_loss"), e2e.get(f"{d}stream_ci")) for d in ("up", "down")]
            if tot is None or any(v is None or c is None for _, v, c in parts):
                add(ex, None, "no upstream/downstream split")
                continue
            ok = all(c[0] <= tot for _, _, c in parts)
            add(ex, ok, "; ".join(f"{d}stream {pct(v, 3)} (interval from {pct(c[0], 3)})" for d, v, c in parts)
                + f" {'each within' if ok else 'NOT within'} the end-to-end loss {pct(tot, 3)}")
        elif name == "no_duplicates":
            d = e2e.get("duplicates")
            add(ex, None if d is None else d == 0, f"duplicates {num(d)}")
        elif name == "recovery_max":
            lim = float(args[0])
            fs = [f for f in rep["faults"] if f["kind"].startswith("restart mp") or f["kind"] == "restart udpserver"]
            if not fs:
                add(ex, None, "no restart happened")
                continue
            bad = [f for f in fs if f.get("recovery_s") is None or f["recovery_s"] > lim]
            add(ex, not bad, "; ".join(f"{f['kind']}: recovered in {fmt_s(f.get('recovery_s'))}, "
                                      f"{num(f.get('lost'))} datagrams lost" for f in fs) + f" (max {lim}s)")
        elif name == "fault_lost_max":
            lim = int(args[0])
            fs = [f for f in rep["faults"] if "lost" in f]
            if not fs:
                add(ex, None, "no fault window measured")
                continue
            add(ex, all(f["lost"] <= lim for f in fs),
                "; ".join(f"{f['kind']}: {f['lost']} lost" for f in fs) + f" (max {lim})")
        elif name == "path_recovery_max":
            lim = float(args[0])
            fs = [f for f in rep["faults"] if "path" in f]
            if not fs:
                add(ex, None, "no path fault happened")
                continue
            bad = [f for f in fs if f.get("path_recovery_s") is None or f["path_recovery_s"] > lim]
            add(ex, not bad, "; ".join(f"{f['kind']}: path forwards again after {fmt_s(f.get('path_recovery_s'))}"
                                      for f in fs) + f" (max {lim}s)")
        elif name == "blackout_loss_in_ci":
            fs = [f for f in rep["faults"] if f["kind"].startswith("blackout") and f.get("window_ci")]
            if not fs:
                add(ex, None, "no blackout window measured")
                continue
            def inside(f, key):
                t = f.get(key)
                return t is not None and f["window_ci"][0] <= t <= f["window_ci"][1]
            # as for the whole run: the theory from the configured or from the measured
            # per-path losses must lie in the window's interval
            ok = all(inside(f, "theory_remaining_paths") or
                     inside(f, "theory_remaining_paths_measured") for f in fs)
            add(ex, ok, "; ".join(
                f"{f['kind']}: {f['window_lost']}/{f['window_sent']} lost, theory of the other paths "
                f"{pct(f['theory_remaining_paths'], 3)} (from measured "
                f"{pct(f.get('theory_remaining_paths_measured'), 3)}), "
                f"interval [{pct(f['window_ci'][0], 3)}, {pct(f['window_ci'][1], 3)}]"
                for f in fs))
        else:
            add(ex, None, "unknown expectation")
    return out


def outage(tl, ts, before=0.2, after=10.0):
    """The fault's outage: the longest run of consecutive unanswered requests sent from shortly
    before the fault on; recovery is the send time of the first answered request after it."""
    reqs = sorted((r["sent"], r["replied"] is not None) for r in tl.values()
                  if ts - before <= r["sent"] <= ts + after)
    if not reqs:
        return None
    best, best_start, run, run_start = 0, None, 0, None
    for k, (s, ok) in enumerate(reqs):
        if not ok:
            if run == 0:
                run_start = k
            run += 1
            if run > best:
                best, best_start = run, run_start
        else:
            run = 0
    if best == 0:
        return {"recovery_s": 0.0, "lost": 0, "window": [ts, ts]}
    end = best_start + best
    if end >= len(reqs):
        return {"recovery_s": None, "lost": best, "window": [reqs[best_start][0], reqs[-1][0]],
                "note": "no answer after the outage"}
    return {"recovery_s": max(0.0, reqs[end][0] - ts), "lost": best,
            "window": [reqs[best_start][0], reqs[end][0]]}


def fmt_s(x):
    return "n/a" if x is None else f"{x:.2f}s"


# --- output ---------------------------------------------------------------------------------
def fmt_src(d, key):
    vals = []
    for s in ("bridge", "capture", "kernel"):
        v = d["sources"].get(s, {}).get(key) if s in d["sources"] else None
        vals.append("-" if v is None else str(v))
    return "/".join(vals)


def table_lines(rep):
    L = []
    e = rep["end_to_end"]
    L.append(f"== {rep['scenario']} ({rep['mode']} mode, bridge: {rep['bridge_kind']}) — {rep['intent']}")
    for n in rep["notes"]:
        L.append(f"   note: {n}")
    if rep.get("kernel_offers"):
        L.append(f"   kernel offers: {rep['kernel_offers']}")
    for k in rep.get("kernel_impairments", []):
        L.append(f"   kernel: {k}")
    L.append("")
    L.append("path dir  configured  in (bridge/capture/kernel)  forwarded (b/c/k)   dropped (b/c/k)   measured loss  agree")
    for p in rep["paths_detail"]:
        for dr, d in p["directions"].items():
            ag = {True: "yes", False: "NO", None: "-"}[d["agree"]]
            L.append(f"{p['path']:>4} {dr}  {pct(p['configured'].get(dr), 1):>10}  {fmt_src(d, 'in'):>26}  "
                     f"{fmt_src(d, 'forwarded'):>17}  {fmt_src(d, 'dropped'):>16}  {pct(d['measured_loss']):>13}  {ag}")
            if d.get("explained"):
                L.append(f"            ({d['explained']})")
            kd = d["sources"].get("kernel", {}).get("input_hook_drops")
            if kd:
                L.append(f"            (kernel: {kd} dropped by the input hook, {', '.join(p['kernel_methods'])})")
    L.append("")
    ci = e.get("ci")
    L.append(f"end to end: sent {num(e.get('sent'))}  received {num(e.get('received'))}  lost {num(e.get('lost'))} "
             f"({pct(e.get('loss_ratio'), 3)})  duplicates {num(e.get('duplicates'))}"
             + (f"  upstream {pct(e.get('upstream_loss'), 3)}  downstream {pct(e.get('downstream_loss'), 3)}"
                if "upstream_loss" in e else ""))
    tc, tm = e["theory_configured"], e["theory_measured"]
    L.append(f"theory:     configured {pct(tc['round_trip'], 3)} (up {pct(tc['up'], 3)}, down {pct(tc['down'], 3)})   "
             f"from measured paths {pct(tm['round_trip'], 3)}"
             + (f"   measured {lvl(rep['level'])} Wilson interval [{pct(ci[0], 3)}, {pct(ci[1], 3)}]" if ci else ""))
    if e.get("rtt_p50_ms") is not None:
        L.append(f"rtt:        p50 {e['rtt_p50_ms']:.2f} ms  p99 {e['rtt_p99_ms']:.2f} ms  max {e['rtt_max_ms']:.2f} ms")
    hu = e.get("host_udp", {})
    over = {h: v["rcvbuf_errors"] for h, v in hu.items() if v["rcvbuf_errors"]}
    if over:
        L.append("hosts:      socket buffer overflows (a stalled reader, not network loss): "
                 + ", ".join(f"{h} namespace {n}" for h, n in over.items()))
    if rep.get("steady"):
        s = rep["steady"]
        L.append(f"steady state (outside fault windows): {s['lost']}/{s['sent']} lost ({pct(s['loss'], 3)})")
    for f in rep["faults"]:
        parts = [f"{f['kind']} at {f['at_s']:.2f}s"]
        if "duration_s" in f:
            parts.append(f"lasting {f['duration_s']:.2f}s")
        if "recovery_s" in f:
            parts.append(f"end-to-end recovery {f['recovery_s']:.2f}s, {f['lost']} datagrams lost")
        if "path_recovery_s" in f:
            parts.append(f"path forwards again after {f['path_recovery_s']:.2f}s")
        if "window_sent" in f:
            parts.append(f"{f['window_lost']}/{f['window_sent']} lost meanwhile "
                         f"(theory of the other paths {pct(f.get('theory_remaining_paths'), 3)})")
        L.append("fault:      " + ", ".join(parts))
    L.append("")
    for x in rep["expectations"]:
        tag = {True: "[ OK ]", False: "[FAIL]", None: "[SKIP]"}[x["ok"]]
        L.append(f"{tag} {x['expectation']}: {x['detail']}")
    L.append(f"verdict: {rep['verdict']}   ({rep['run']})")
    return L


def markdown(rep):
    e = rep["end_to_end"]
    M = [f"# Lab report: {rep['scenario']}", "", f"{rep['intent']}", "",
         f"- mode: **{rep['mode']}**, bridge: {rep['bridge_kind']}, paths: {rep['paths']}",
         "- traffic: udpclient {count} datagrams of {size} bytes at {rate}/s, timeout {timeout}s; "
         "bridge seeds SEED*100+i with SEED={seed}".format(**{k: v if v is not None else "?" for k, v in rep["traffic"].items()}),
         f"- kernel offers: {rep.get('kernel_offers') or 'n/a'}"]
    for k in rep.get("kernel_impairments", []):
        M.append(f"- kernel impairment: {k}")
    for n in rep["notes"]:
        M.append(f"- note: {n}")
    M += ["", "## Per path", "",
          "Counts are bridge / capture / kernel (`-` where a source is missing). The bridge's *in* includes what the "
          "kernel's input hook dropped before it; the kernel column counts every IP packet on the veths and is "
          "compared with the capture's count of every IP packet.", "",
          "| path | dir | configured | in | forwarded | dropped | measured loss | agree |",
          "|---:|---|---:|---|---|---|---:|---|"]
    for p in rep["paths_detail"]:
        for dr, d in p["directions"].items():
            ag = {True: "yes", False: "**no**", None: "-"}[d["agree"]]
            M.append(f"| {p['path']} | {dr} | {pct(p['configured'].get(dr), 1)} | {fmt_src(d, 'in')} | "
                     f"{fmt_src(d, 'forwarded')} | {fmt_src(d, 'dropped')} | {pct(d['measured_loss'])} | {ag} |")
            kd = d["sources"].get("kernel", {}).get("input_hook_drops")
            extra = [f"kernel: {kd} dropped by the input hook ({', '.join(p['kernel_methods'])})"] if kd else []
            for dis in d["disagreements"] + ([d["explained"]] if d.get("explained") else []) + extra:
                M.append(f"|  |  |  | {dis} |  |  |  |  |")
    tc, tm = e["theory_configured"], e["theory_measured"]
    ci = e.get("ci")
    M += ["", "## End to end", "",
          "| figure | value |", "|---|---:|",
          f"| sent | {num(e.get('sent'))} |", f"| received | {num(e.get('received'))} |",
          f"| lost | {num(e.get('lost'))} ({pct(e.get('loss_ratio'), 3)}) |",
          f"| duplicates | {num(e.get('duplicates'))} |"]
    if "upstream_loss" in e:
        M += [f"| upstream loss (server capture) | {pct(e['upstream_loss'], 3)} |",
              f"| downstream loss | {pct(e.get('downstream_loss'), 3)} |"]
    M += [f"| theory, configured: up / down / round trip | {pct(tc['up'], 3)} / {pct(tc['down'], 3)} / {pct(tc['round_trip'], 3)} |",
          f"| theory, from measured paths | {pct(tm['up'], 3)} / {pct(tm['down'], 3)} / {pct(tm['round_trip'], 3)} |"]
    if ci:
        M.append(f"| {lvl(rep['level'])} Wilson interval of the measured loss | [{pct(ci[0], 3)}, {pct(ci[1], 3)}] |")
    if e.get("rtt_p50_ms") is not None:
        M.append(f"| RTT p50 / p99 / max | {e['rtt_p50_ms']:.2f} ms / {e['rtt_p99_ms']:.2f} ms / {e['rtt_max_ms']:.2f} ms |")
    for h, v in e.get("host_udp", {}).items():
        M.append(f"| {h} namespace: UDP socket buffer overflows / to a closed port | {v['rcvbuf_errors']} / {v['no_port']} |")
    if rep.get("steady"):
        s = rep["steady"]
        M.append(f"| steady state (outside fault windows) | {s['lost']}/{s['sent']} ({pct(s['loss'], 3)}) |")
    if rep["faults"]:
        M += ["", "## Faults", "", "| fault | at | recovery | lost | path recovery | window |", "|---|---:|---:|---:|---:|---|"]
        for f in rep["faults"]:
            M.append(f"| {f['kind']} | {f['at_s']:.2f}s | {fmt_s(f.get('recovery_s'))} | {num(f.get('lost'))} | "
                     f"{fmt_s(f.get('path_recovery_s'))} | "
                     + (f"{f['window_lost']}/{f['window_sent']} lost, theory of other paths {pct(f.get('theory_remaining_paths'), 3)}"
                        if "window_sent" in f else "") + " |")
    M += ["", "## Expectations", "", "| | expectation | detail |", "|---|---|---|"]
    for x in rep["expectations"]:
        tag = {True: "OK", False: "**FAIL**", None: "skip"}[x["ok"]]
        M.append(f"| {tag} | `{x['expectation']}` | {x['detail']} |")
    M += ["", f"**Verdict: {rep['verdict']}**", ""]
    return "\n".join(M)


def cmd_run(run):
    rep = analyse(run)
    with open(os.path.join(run, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
    with open(os.path.join(run, "report.md"), "w") as f:
        f.write(markdown(rep))
    print("\n".join(table_lines(rep)))
    return 0 if rep["verdict"] == "PASS" else 1


# --- baselines ------------------------------------------------------------------------------
def figures(rep):
    """The loss figures a baseline keeps: name -> (lost, n). Figures a fault's timing sways are
    left out: the end-to-end loss across an mpserver/mpclient restart (the steady state stays),
    and the path that was blacked out or restarted."""
    out = {}
    e = rep["end_to_end"]
    outage = any(f["kind"].startswith("restart mp") for f in rep["faults"])
    faulty = {f["path"] for f in rep["faults"] if "path" in f}
    if e.get("sent") and not outage:
        out["end-to-end loss"] = (e["lost"], e["sent"])
    if rep.get("steady"):
        out["steady-state loss"] = (rep["steady"]["lost"], rep["steady"]["sent"])
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


def cmd_baseline(run, path, z=3.29):
    """Each loss figure must sit within z standard errors of the baseline's (pooled two-proportion)."""
    rep = read_json(os.path.join(run, "report.json"))
    base = read_json(path)
    if not rep or not base:
        print(f"[FAIL] baseline {os.path.basename(path)}: missing report or baseline")
        return 1
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
                  f"tolerance ±{pct(tol, 3)}")
    if not bad:
        print(f"[ OK ] {rep['scenario']}: {len(base['figures'])} loss figures within tolerance of the baseline")
    return 1 if bad else 0


# --- sweep ----------------------------------------------------------------------------------
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


def cmd_line(run):
    """One line for a summary: end-to-end loss, theory, and the faults' recovery."""
    rep = read_json(os.path.join(run, "report.json"))
    if not rep:
        print("no report")
        return 1
    e = rep["end_to_end"]
    th = e["theory_configured"]["round_trip"]
    out = f"loss {pct(e.get('loss_ratio'), 3)} (theory {pct(th, 3)})"
    for f in rep["faults"]:
        if "recovery_s" in f:
            out += f", {f['kind']}: recovery {fmt_s(f['recovery_s'])}, {f['lost']} lost"
        elif "path_recovery_s" in f:
            out += f", {f['kind']}: path back after {fmt_s(f['path_recovery_s'])}"
            if f.get("window_sent"):
                out += (f", meanwhile {pct(f['window_lost'] / f['window_sent'], 2)} lost "
                        f"(theory of the other paths {pct(f.get('theory_remaining_paths'), 2)})")
    if rep.get("steady") and any("recovery_s" in f for f in rep["faults"]):
        out += f", steady state {pct(rep['steady']['loss'], 3)}"
    print(out)
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "line":
        return cmd_line(argv[1])
    if len(argv) >= 2 and argv[0] == "run":
        return cmd_run(argv[1])
    if len(argv) >= 2 and argv[0] == "sweep":
        return cmd_sweep(argv[1])
    if len(argv) >= 3 and argv[0] == "baseline":
        return cmd_baseline(argv[1], argv[2])
    if len(argv) >= 3 and argv[0] == "save-baseline":
        return cmd_save_baseline(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
