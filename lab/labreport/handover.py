"""labreport.handover - a handover (Wi-Fi -> LTE): path A's conditions change (event
`bridgestep A`: its mpbridge's next timeline step, e.g. more delay and loss) and path B comes
up (event `linkup B`, its link down since `linkdown B`). The run is cut at the step and at the
moment path B carries traffic (its bridge's first forwarded datagram after the link came back:
the time to use the new path); per phase, what udpclient sent and lost, by send time, and the
theory of the phase between: path A alone at its new configured loss (mpbridge's effective
timeline step, bridge/effective.A.json)."""
import json
import os

from .common import wilson
from .readers import pcap_udp


def _step(run, i):
    """Path i's first timeline step (mpbridge's own figures): (round-trip loss or None, its
    longest round trip in seconds: both directions' delay plus jitter)."""
    try:
        with open(os.path.join(run, "bridge", f"effective.{i}.json")) as f:
            eff = json.load(f)
        st = (eff.get("timeline") or [])[0]
        pc, ps = st["c2s"]["loss"]["mean"], st["s2c"]["loss"]["mean"]
        rtt = sum((st[d].get("delay_ms") or 0) + (st[d].get("jitter_ms") or 0) for d in ("c2s", "s2c")) / 1e3
    except (OSError, ValueError, IndexError, KeyError, TypeError):
        return None, 0.0
    if pc is None or ps is None:
        return None, rtt
    return 1 - (1 - pc) * (1 - ps), rtt


def handover_of(run, meta, events, tl):
    step = next(((ts, int(w[1])) for ts, w in events if w[:1] == ["bridgestep"] and len(w) > 1), None)
    if not step or not tl:
        return None
    up = next(((ts, int(w[1])) for ts, w in events if w[:1] == ["linkup"] and len(w) > 1 and ts >= step[0]), None)
    level = float(meta.get("level", 0.99))
    t0 = float(meta.get("t0", 0) or 0)
    th, rtt = _step(run, step[1])
    # a request sent within one round trip before a cut has its reply cross it: such requests
    # are counted apart (transition), not in the phase on either side
    guard = rtt + 0.05
    out = {"degraded_path": step[1], "step_at_s": round(step[0] - t0, 3), "theory_degraded": th,
           "guard_s": round(guard, 3)}
    t_use = None
    if up:
        out["new_path"] = up[1]
        out["new_up_at_s"] = round(up[0] - t0, 3)
        pinfo = meta.get(f"path.{up[1]}", "").split()
        addr = pinfo[4] if len(pinfo) > 4 else None
        pk = pcap_udp(os.path.join(run, "pcap", f"path{up[1]}-s.pcap")) or []
        # from the start of the lab's `ip link set up` (an upper bound: it includes starting ip;
        # the event is logged once the command returned)
        cmd = (meta.get(f"linkcmd.{up[1]}.up") or "").split()
        ref = float(cmd[0]) if cmd else up[0]
        fwd = [p[0] for p in pk if p[1] == addr and p[0] >= ref]
        if fwd:
            t_use = min(fwd)
            out["new_in_use_after_s"] = round(t_use - ref, 3)
            out["new_in_use_at_s"] = round(t_use - t0, 3)
    cuts = [("before the change", None, step[0] - guard), ("transition", step[0] - guard, step[0])]
    if t_use is None:
        cuts.append(("changed, before the new path", step[0], None))
    else:
        cuts += [("changed, before the new path", step[0], t_use - guard), ("transition", t_use - guard, t_use),
                 ("with the new path", t_use, None)]
    phases = []
    for name, a, b in cuts:
        if a is not None and b is not None and b <= a:
            continue
        rs = [r for r in tl.values() if (a is None or r["sent"] >= a) and (b is None or r["sent"] < b)]
        k = sum(1 for r in rs if r["replied"] is None)
        ph = {"phase": name, "sent": len(rs), "lost": k, "loss": k / len(rs) if rs else None,
              "ci": list(wilson(k, len(rs), level)) if rs else None}
        phases.append(ph)
    out["phases"] = phases
    return out
