"""labreport.analyse - one run folder turned into a report (a dict, saved as report.json).

    analyse(run)   header, per path (three counts and their agreement), end to end (loss, its
                   direction split, theory), faults (recovery, fault windows), steady state,
                   expectations and verdict
"""
import os
import re

from .common import DIRS, num, read_json, wilson
from .fec import fec_report
from .handover import handover_of
from .links import link_event
from .nat import rebind_event
from .pmtu import mtu_event
from .readers import (bridge_counters, capture_counts, impair_drops, nl_diff, pcap_udp, read_events,
                      read_meta, seg_sizes, timeline, udp_mib)
from .theory import configured, theory
from .verdicts import verdicts


def header(run, meta, multi):
    """The report's head: scenario, mode, traffic, notes; also sets meta kernel.I (the loss
    verbs the kernel applied on each path, for the theory)."""
    paths = int(meta.get("paths", 0))
    level = float(meta.get("level", 0.99))
    mode = meta.get("mode", "?")
    rep = {"run": os.path.abspath(run), "scenario": meta.get("scenario"), "intent": meta.get("intent"),
           "mode": mode, "paths": paths, "level": level, "interval": "Wilson score",
           "bridge_kind": meta.get("bridge_kind"), "kernel_offers": meta.get("kernel_offers"),
           "traffic": {k: meta.get(k) for k in ("count", "rate", "size", "timeout", "seed")},
           "notes": []}
    if meta.get("app_skipped"):
        rep["notes"].append(f"application traffic not run: {meta['app_skipped']}")
    rep["traffic"]["kind"] = meta.get("traffic", "udpclient")
    if meta.get("control_route"):
        rep["notes"].append(f"control route beside the tunnel: {meta['control_route']}")
    if mode == "loopback":
        rep["notes"].append("LOOPBACK MODE: paths are ports on 127.0.0.1; no per-path kernel counters, no kernel impairments")
    for k, v in meta.items():
        if k.startswith("moved_to_kernel."):
            rep["notes"].append(f"path {k.split('.')[1]}: mpbridge not built, '{v}' applied by the kernel (nftables)")
        if k.startswith("not_applied."):
            rep["notes"].append(f"path {k.split('.')[1]}: mpbridge not built, '{v}' NOT applied")
        if k.startswith("kernel_skipped."):
            rep["notes"].append(f"path {k.split('.')[1]}: kernel impairment '{v}' not applied (loopback)")
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

    return rep

def path_report(run, meta, i, conf, cap, events):
    """Path i: per direction the bridge's, the capture's and the kernel's counts, whether they
    agree (or why they may not), and the measured loss. Returns (path dict, {dir: loss})."""
    mode = meta.get("mode", "?")
    level = float(meta.get("level", 0.99))
    measured = {i: {}}
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
    # a client link set down (events linkdown/linkup): what the bridge sent towards it while it
    # was down the kernel dropped on transmit, some counted (the veth's tx_dropped, one of them
    # maybe after the capture's tap saw it), some not at all; what reached the bridge still
    # agrees, so only the s2c forwarded and dropped counts are left out, and said so
    if any(w[:2] == ["linkdown", str(i)] for _, w in events):
        d = pr["directions"]["s2c"]
        if d["disagreements"] and all(x.startswith(("forwarded:", "dropped:")) for x in d["disagreements"]):
            txd = nl[devc]["tx_dropped"] if nl and devc in nl else None
            d["explained"] = (f"not compared: the client's link of this path was down for a while, and what the "
                              f"bridge sent to it meanwhile the kernel dropped on transmit ({num(txd)} counted "
                              f"as tx_dropped on {devc}, others with no counter): "
                              + "; ".join(d["disagreements"]))
            d["disagreements"] = []
            d["agree"] = None
    if mode == "loopback" and any(w and w[0] in ("blackout", "stop") and
                                  (w[1:2] == [str(i)] or w[1:2] == [f"bridge{i}"]) for _, w in events):
        for dr in DIRS:
            d = pr["directions"][dr]
            if d["disagreements"] and all(x.startswith(("in:", "dropped:")) for x in d["disagreements"]):
                d["explained"] = ("not checked: this path's bridge was stopped during the fault, and on loopback "
                                  "no per-namespace UDP counter tells the datagrams sent to its closed ports")
                d["disagreements"] = []
                d["agree"] = None
    return pr, measured[i]


def end_to_end(run, meta, conf, measured):
    """udpclient's loss and RTT, the upstream/downstream split (the timeline), the end hosts'
    socket overflows, and the theory from the configured and from the measured paths.
    Returns (end-to-end dict, per-request timeline or None)."""
    level = float(meta.get("level", 0.99))
    t0 = float(meta.get("t0", 0) or 0)
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
    app = app_result(run, level, e2e)
    if app:
        e2e["app"] = app
    return e2e, tl


def app_result(run, level, e2e):
    """An application's own loss figure (iperf3, ping over OpenVPN: RUN/app.json) beside the
    theory for the direction it measures (iperf3 one way c2s, ping round trip)."""
    a = read_json(os.path.join(run, "app.json"))
    if not isinstance(a, dict):
        return None
    which = {"c2s": "up", "s2c": "down"}.get(a.get("direction"), "round_trip")
    a["theory_configured"] = e2e["theory_configured"][which]
    a["theory_measured"] = e2e["theory_measured"][which]
    if a.get("sent"):
        a["loss"] = a["lost"] / a["sent"]
        a["ci"] = list(wilson(a["lost"], a["sent"], level))
    if isinstance(a.get("isolation"), dict):
        isolation_counts(run, a["isolation"])
    return a


def isolation_counts(run, iso):
    """TRAFFIC=clients/socks5 (lab/lib/clients.sh): beside what the clients sent where they may
    not, mpserver's target_denied drops and what reached each target (its udpserver's stats at
    exit; the lab's target is udpserver.0). A target's datagrams beyond what its own client sent
    (warm-ups included) would be another's."""
    srv = read_json(os.path.join(run, "stats", "mpserver.0.json")) or {}
    iso["target_denied"] = (srv.get("drops") or {}).get("target_denied")
    for name, t in iso.get("targets", {}).items():
        cnt = os.path.join(run, "stats", name + ".count")  # bridge/udptool.py sink
        if os.path.exists(cnt):
            with open(cnt) as f:
                w = f.read().split()
            t["received"] = int(w[0]) if w and w[0].isdigit() else None
        else:
            st = read_json(os.path.join(run, "stats", ("udpserver.0" if name == "udpserver" else name) + ".json"))
            t["received"] = (st or {}).get("received")
        t["beyond_own"] = None if t["received"] is None else max(0, t["received"] - t["own_sent"])


def faults_of(run, meta, events, tl, conf, measured):
    """Restarts, blackouts and bridge restarts: when, how long, recovery, loss meanwhile."""
    mode = meta.get("mode", "?")
    level = float(meta.get("level", 0.99))
    t0 = float(meta.get("t0", 0) or 0)
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
        elif w[0] == "mtu" and len(w) >= 3:
            faults.append({"kind": f"mtu path {w[1]}", "path": int(w[1]), "at_s": ts - t0, "t": ts,
                           "mtu": mtu_event(run, int(w[1]), ts, int(w[2]),
                                            int(meta["tunnel_seg"]) if meta.get("tunnel_seg", "").isdigit() else None)})
        elif w[0] == "natflush" and len(w) >= 2:
            faults.append({"kind": f"nat rebind path {w[1]}", "path": int(w[1]), "at_s": ts - t0, "t": ts,
                           "rebind": rebind_event(run, meta, int(w[1]), ts)})
        elif w[0] == "linkdown":
            faults.append({"kind": f"link down path {w[1]}", "path": int(w[1]), "at_s": ts - t0, "t": ts})
        elif w[0] == "linkup":
            for f in reversed(faults):
                if f["kind"] == f"link down path {w[1]}" and "end" not in f:
                    f["end"] = ts
                    f["duration_s"] = ts - f["t"]
                    break
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
        # from the end of the fault: the restore, or the restarted bridge listening again (how
        # long the lab takes to stop and start a bridge on a busy machine is not the tunnel's)
        ref = end
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
        if f["kind"].startswith("blackout path"):
            f["down_ms"] = down_after(run, meta, f["path"])
        if f["kind"].startswith("link down path"):
            f["link_down"] = link_event(run, meta, f["path"], "down")
            if "end" in f:
                f["link_up"] = link_event(run, meta, f["path"], "up")
    for f in faults:
        f.pop("t", None)
        f.pop("end", None)
    return faults


# Events that change a path's conditions mid-run (the scenario's timed events, as logged in
# events.tsv): "loss I PCT" (a loss step), "loss-unsupported I PCT" (the same asked in loopback
# mode).  A new kind of mid-run change (a link set down, an MTU lowered, a delay changed) belongs
# here, so that no baseline compares a figure its timing sways.
CHANGING_EVENTS = ("loss", "loss-unsupported", "bridgestep")


def changes_of(events, meta, paths):
    """[{"what", "path", "at_s"}]: the timed events that changed a path's conditions mid-run,
    whatever the redundancy mode; "path" is the path number ("all" events are logged per path)."""
    t0 = float(meta.get("t0", 0) or 0)
    out = []
    for ts, w in events:
        if len(w) >= 2 and w[0] in CHANGING_EVENTS:
            targets = range(1, paths + 1) if w[1] == "all" else [int(w[1])] if w[1].isdigit() else []
            out += [{"what": " ".join(w), "path": i, "at_s": round(ts - t0, 3)} for i in targets]
    return out


DOWN_RE = {
    "mpclient": re.compile(r"path (\d+) \(.*\) down: nothing for (\d+) ms \(bound (\d+) ms\)"),
    "mpserver": re.compile(r"path (\d+) down: nothing for (\d+) ms \(bound (\d+) ms\)"),
}


def down_after(run, meta, i):
    """How long each daemon took to declare lab path i (mpclient's path id i - 1) down once its
    fault began: the first path_state line after the log line lab.sh noted at the fault,
    {daemon: [ms since its last datagram, the bound in ms]} (None: never declared)."""
    out = {}
    for d, rx in DOWN_RE.items():
        out[d] = None
        try:
            start = int(meta.get(f"logline.{i}.{d}", "0"))
            with open(os.path.join(run, "logs", f"{d}.log"), errors="replace") as fh:
                lines = fh.read().splitlines()[start:]
        except (OSError, ValueError):
            continue
        for line in lines:
            m = rx.search(line)
            if m and int(m.group(1)) == i - 1:
                out[d] = [int(m.group(2)), int(m.group(3))]
                break
    return out


def backup_cost(run, meta, events, paths):
    """Per backup path (BACKUP, 1-based), what its probes cost before the first fault: the
    datagrams and bytes on the wire (IP length, both directions, from the capture on the
    client's side of its bridge), per second and times a day."""
    backups = [int(b) for b in meta.get("backup", "").split() if b.isdigit()]
    if not backups or meta.get("mode") != "ns":
        return None
    t0 = float(meta.get("t0", 0) or 0)
    # the faults' beginnings: as lab.sh began them (the events are written once they are in
    # place, which a loaded machine delays by a second or more), else the events
    starts = [float(v) for k, v in meta.items() if k.startswith("faultstart.")] or \
        [ts for ts, w in events if w and w[0] in ("blackout", "stop")]
    out = []
    for b in backups:
        from . import pcap as pcapmod
        recs = pcapmod.records(os.path.join(run, "pcap", f"path{b}-c.pcap"))
        if recs is None:
            out.append({"path": b, "error": "no capture"})
            continue
        udp = [r for r in recs if r.proto == 17]
        lo = t0 + 1.0
        hi = min(starts) if starts else (max(r.ts for r in udp) if udp else lo)
        win = [r for r in udp if lo <= r.ts < hi]
        byts = sum(r.length + 28 for r in win)
        span = hi - lo
        out.append({"path": b, "window_s": span, "datagrams": len(win), "bytes": byts,
                    "bytes_per_s": byts / span if span > 0 else None,
                    "bytes_per_day": byts / span * 86400 if span > 0 else None})
    return out


def steady_of(tl, faults, level):
    """Loss outside every fault window (None without faults)."""
    if tl and faults:
        wins = [f["window"] for f in faults if "window" in f]
        st = [r for r in tl.values() if not any(a <= r["sent"] < b for a, b in wins)]
        if st:
            k = sum(1 for r in st if r["replied"] is None)
            return {"sent": len(st), "lost": k, "loss": k / len(st), "ci": list(wilson(k, len(st), level))}
    return None


def capture_notes(run):
    """A capture that lost records (tcpdump could not keep up) cannot be compared: say so."""
    notes = []
    logs = os.path.join(run, "logs")
    for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else []:
        if name.startswith("cap"):
            try:
                with open(os.path.join(logs, name)) as f:
                    m = re.search(r"(\d+) packets? dropped by kernel", f.read())
            except OSError:
                m = None
            if m and int(m.group(1)):
                notes.append(f"capture {name[:-4]}: tcpdump lost {m.group(1)} packets (kernel buffer full)")
    return notes


def analyse(run):
    meta, multi = read_meta(run)
    rep = header(run, meta, multi)
    paths, level = rep["paths"], rep["level"]
    conf, cnotes = configured(meta, run, paths)
    rep["notes"] += cnotes
    cap = capture_counts(run, meta)
    events = read_events(run)
    prs, measured = [], {}
    for i in range(1, paths + 1):
        pr, measured[i] = path_report(run, meta, i, conf, cap, events)
        if meta.get("traffic") == "mptcp":
            # the bridges also routed TCP: every count mixes it in, nothing to compare
            for d in pr["directions"].values():
                d["agree"], d["disagreements"], d["measured_loss"] = None, [], None
        prs.append(pr)
    if meta.get("traffic") == "mptcp":
        rep["notes"].append("TRAFFIC=mptcp: the bridge namespaces also route the TCP transfers, so the per-path "
                            "counts mix tunnel datagrams and TCP segments and are not compared")
    dirs = [d for p in prs for d in p["directions"].values()]
    rep["paths_detail"] = prs
    rep["counters_agree"] = all(d["agree"] is not False for d in dirs) \
        if any(d["agree"] is not None for d in dirs) else None
    e2e, tl = end_to_end(run, meta, conf, measured)
    rep["end_to_end"] = e2e
    rep["faults"] = faults_of(run, meta, events, tl, conf, measured)
    ho = handover_of(run, meta, events, tl)
    if ho:
        rep["handover"] = ho
    rep["changes"] = changes_of(events, meta, paths)
    bc = backup_cost(run, meta, events, paths)
    if bc:
        rep["backup"] = bc
    fec = fec_report(run, meta, conf, e2e, events, tl)
    if fec:
        rep["fec"] = fec
    steady = steady_of(tl, rep["faults"], level)
    if steady:
        rep["steady"] = steady
    cn = capture_notes(run)
    rep["notes"] += cn
    rep["capture_incomplete"] = bool(cn)
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


