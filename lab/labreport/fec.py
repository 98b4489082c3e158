"""labreport.fec - a run whose mpclient used --redundancy fec:K:M: the residual loss beside
the Reed-Solomon theory (lab/theory_fec.py), its bound, and the bytes on the wire.

    fec_report(run, meta, conf, e2e)   None unless mpclient_args names fec:K:M

Theory per direction: theory_fec.block_residual(K, M, configured loss of each path, clumps);
the round trip 1 - (1 - up)(1 - down).  Bursts (a Gilbert-Elliott path: mean burst 1/r) hit
a block in clumps of theory_fec.clump(burst, --fec-depth) symbols.  A run with events that
change a path's loss (blackout I / restore I: that path loses everything meanwhile; loss I
PCT: PCT% more from then on) is cut into phases at the events; each phase's theory is
weighted by the datagrams sent in it (udpclient's trace), and so is its bound.  Losses come a
block at a time, so the measured residual is not binomial over datagrams: the bound is the
99.9% quantile of the data lost by the run's blocks (2 x sent / K, both directions;
theory_fec.lost_quantile, all paths at their mean loss), summed over the phases.  A lone
datagram (the first, or one after a pause) goes uncoded as min(ceil(M/K) + 1, paths) copies:
the daemons count them (tx_copies), each lost with the paths' mean loss to that power; the
theory and the bound (its 99.9% binomial quantile) add them.  Bytes: what the bridges received from the client (c2s bytes_received, every
instance) over the data datagrams sent once (udpclient's count x (size + 52 + trailer)).
"""
import os
import re
import sys

from .common import DIRS, read_json
from .theory import bridge_effective

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import theory_fec  # noqa: E402  (lab/theory_fec.py, the one theory)


def parse_code(args):
    m = re.search(r"--redundancy[= ]fec:(\d+):(\d+)", args or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def bridge_bytes(run, i):
    tot, k = 0, 0
    while True:
        path = os.path.join(run, "stats", f"bridge{i}.{k}.json")
        if not os.path.exists(path):
            break
        st = read_json(path)
        c = (st or {}).get("c2s") or {}
        if isinstance(c.get("bytes_received"), (int, float)):
            tot += c["bytes_received"]
        else:
            return None
        k += 1
    return tot if k else None


def daemon_fec(run, who):
    st = read_json(os.path.join(run, "stats", f"{who}.0.json"))
    if not isinstance(st, dict):
        return None
    f = st.get("fec") or (st.get("counters") or {}).get("fec")
    return f if isinstance(f, dict) else None


def binom_quantile(n, p, q):
    """Smallest L with P(Binomial(n, p) <= L) >= q."""
    acc = 0.0
    for i, x in enumerate(theory_fec.binom_pmf(n, p)):
        acc += x
        if acc >= q:
            return i
    return n


def parse_depth(args):
    m = re.search(r"--fec-depth[= ](\d+)", args or "")
    return int(m.group(1)) if m else 4


def path_bursts(run, paths):
    """{i: {dir: mean burst length}}: 1/r of a Gilbert-Elliott loss model, else 1."""
    out = {}
    for i in paths:
        eff = bridge_effective(run, i) or {}
        d = {}
        for dr in DIRS:
            loss = ((eff.get("directions") or {}).get(dr) or {}).get("loss") or {}
            r = (loss.get("params") or {}).get("r") if loss.get("model") == "gemodel" else None
            d[dr] = 1.0 / r if isinstance(r, (int, float)) and r > 0 else 1.0
        out[i] = d
    return out


def phases(conf, events, tl):
    """[(weight, {i: {dir: p}}, label)]: the run cut at the events that change a path's loss,
    each weighted by the share of datagrams sent in it (one phase, weight 1, without events)."""
    cuts = []
    for ts, w in events:
        if len(w) >= 2 and w[0] in ("blackout", "restore") and w[1].isdigit():
            cuts.append((ts, w[0], int(w[1]), None))
        elif len(w) >= 3 and w[0] == "loss" and w[1].isdigit():
            cuts.append((ts, "loss", int(w[1]), float(w[2]) / 100.0))
    sends = sorted(r["sent"] for r in (tl or {}).values() if r.get("sent") is not None)
    if not cuts or not sends:
        return [(1.0, conf, "whole run")]
    cur = {i: dict(d) for i, d in conf.items()}
    extra = {i: 0.0 for i in conf}
    dark = set()
    out, start = [], None

    def state():
        st = {}
        for i, d in conf.items():
            st[i] = {dr: (1.0 if i in dark else None if d.get(dr) is None
                          else 1 - (1 - d[dr]) * (1 - extra[i])) for dr in DIRS}
        return st

    def count(a, b):
        return sum(1 for t in sends if (a is None or t >= a) and (b is None or t < b))

    cur = state()
    label = "start"
    for ts, what, i, v in sorted(cuts):
        n = count(start, ts)
        if n:
            out.append((n / len(sends), cur, label))
        if what == "blackout":
            dark.add(i)
        elif what == "restore":
            dark.discard(i)
        else:
            extra[i] = v
        cur, start, label = state(), ts, f"{what} {i}" + (f" {v:.0%}" if v is not None else "")
    n = count(start, None)
    if n:
        out.append((n / len(sends), cur, label))
    return out


def resent_c2s(run, meta):
    """DATA mpclient sent again because a path left the paths FEC symbols go on (tx_resent):
    their count and bytes on the wire (the coded DATA: header, extension, trailer)."""
    keyed = "--key-file" in (meta.get("mpclient_args") or "")
    size = int(meta.get("size", 0) or 0)
    n = (daemon_fec(run, "mpclient") or {}).get("tx_resent") or 0
    return n, n * (size + 52 + 8 + (16 if keyed else 4))


def wire_ratio(run, meta, conf, sent, out=None):
    """Bytes the bridges received from the client over the data datagrams sent once, less the
    DATA sent again after a path went quiet (an outage's repair, not the code's cost: a bridge
    a loaded machine stalls for 100 ms or more looks like an outage); out gets both figures."""
    keyed = "--key-file" in (meta.get("mpclient_args") or "")
    size = int(meta.get("size", 0) or 0)
    byts = [bridge_bytes(run, i) for i in sorted(conf)]
    if sent and all(b is not None for b in byts):
        data = sent * (size + 52 + (16 if keyed else 4))
        n, rb = resent_c2s(run, meta)
        if out is not None:
            out["resent_c2s"], out["bytes_resent_c2s"] = n, rb
            out["bytes_ratio_all"] = sum(byts) / data
        return sum(byts), (sum(byts) - rb) / data
    return None, None


def back_under(tl, at, target, step=0.25):
    """Seconds after `at` from which the rest of the run's residual stays at or under target:
    the least X (a multiple of step) with lost / sent <= target over every later window start."""
    recs = sorted((r["sent"], r["replied"] is None) for r in (tl or {}).values()
                  if r.get("sent") is not None and r["sent"] >= at)
    if not recs:
        return None
    x = 0.0
    end = recs[-1][0]
    while at + x <= end:
        rest = [lost for t, lost in recs if t >= at + x]
        if rest and sum(rest) / len(rest) <= target:
            return x
        x += step
    return x


def auto_report(run, meta, conf, e2e, events, tl):
    """--redundancy auto: the residual against --target-loss, the bytes, and after each event
    that changes a path's loss, how long until the residual of the rest of the run holds the
    target."""
    args = meta.get("mpclient_args") or ""
    mt = re.search(r"--target-loss[= ]([0-9.eE+-]+)", args)
    target = float(mt.group(1)) if mt else 1e-3
    sent, lost = e2e.get("sent"), e2e.get("lost")
    out = {"mode": "auto", "target": target, "residual": None if not sent else lost / sent}
    out["bytes_wire_c2s"], out["bytes_ratio"] = wire_ratio(run, meta, conf, sent, out)
    steps = []
    for ts, w in events:
        if w and w[0] in ("blackout", "restore", "loss"):
            # from when the path's first filter went in (the event is written after the last)
            key = {"loss": "stepstart", "blackout": "faultstart"}.get(w[0])
            try:
                start = min(ts, float(meta.get(f"{key}.{w[1]}"))) if key and len(w) > 1 else ts
            except (TypeError, ValueError):
                start = ts
            steps.append({"event": " ".join(w), "back_under_target_s": back_under(tl, start, target),
                          "began_before_event_s": round(ts - start, 3),
                          "back_under_logged_s": back_under(tl, ts, target)})
    if steps:
        out["events"] = steps
    for who in ("mpserver", "mpclient"):
        f = daemon_fec(run, who)
        if f:
            out[who] = {key: f.get(key) for key in ("tx_data", "tx_parity", "tx_copies", "recovered",
                                                     "unrecoverable", "blocks_failed", "auto_changes")}
    return out


def fec_report(run, meta, conf, e2e, events=(), tl=None):
    if re.search(r"--redundancy[= ]auto\b", meta.get("mpclient_args") or ""):
        return auto_report(run, meta, conf, e2e, events, tl)
    code = parse_code(meta.get("mpclient_args"))
    if not code:
        return None
    k, m = code
    depth = parse_depth(meta.get("mpclient_args"))
    out = {"k": k, "m": m, "depth": depth}
    bursts = path_bursts(run, sorted(conf))
    ph = phases(conf, events, tl)
    th = {}
    for dr in DIRS:
        c = [theory_fec.clump(bursts[i][dr], depth) for i in sorted(conf)]
        tot = 0.0
        for w, pc, _ in ph:
            ps = [pc[i].get(dr) for i in sorted(pc)]
            if any(p is None for p in ps):
                tot = None
                break
            tot += w * theory_fec.block_residual(k, m, ps, c)
        th[dr] = tot
        out[f"clumps_{dr}"] = c
    up, down = th.get("c2s"), th.get("s2c")
    out["theory_up"], out["theory_down"] = up, down
    out["theory_round_trip"] = None if up is None or down is None else 1 - (1 - up) * (1 - down)
    if len(ph) > 1:
        out["phases"] = [{"from": lab, "share": w,
                          "loss": {str(i): pc[i] for i in sorted(pc)}} for w, pc, lab in ph]
    sent, lost = e2e.get("sent"), e2e.get("lost")
    out["residual"] = None if not sent else lost / sent
    # lone datagrams: uncoded copies
    copies = min(-(-m // k) + 1, len(conf))
    lone = sum((daemon_fec(run, who) or {}).get("tx_copies") or 0 for who in ("mpclient", "mpserver"))
    ps_all = [pc[i].get(d) for _, pc, _ in ph for i in pc for d in DIRS]
    p_lone = None
    if all(p is not None for p in ps_all) and ps_all:
        p_lone = (sum(w * sum(pc[i][d] for i in pc for d in DIRS) / (2 * len(pc))
                      for w, pc, _ in ph)) ** copies
    out["lone"], out["lone_copies"] = lone, copies
    if sent and p_lone is not None and out["theory_round_trip"] is not None:
        out["theory_round_trip"] = min(1.0, out["theory_round_trip"] + lone * p_lone / sent)
    if sent and all(pc[i].get(d) is not None for _, pc, _ in ph for i in pc for d in DIRS):
        out["bound_blocks"] = 2 * (sent // k)
        out["bound_lost"] = 0
        for w, pc, _ in ph:
            ps = [pc[i][d] for i in pc for d in DIRS]
            blocks = max(1, round(w * out["bound_blocks"]))
            out["bound_lost"] += theory_fec.lost_quantile(k, m, sum(ps) / len(ps), blocks, 0.999)
        if lone and p_lone:
            out["bound_lost"] += binom_quantile(lone, p_lone, 0.999)
        out["bound"] = out["bound_lost"] / sent
    out["bytes_wire_c2s"], out["bytes_ratio"] = wire_ratio(run, meta, conf, sent, out)
    if out["bytes_ratio"] is not None:
        out["bytes_ratio_theory"] = (k + m) / k
    for who in ("mpserver", "mpclient"):
        f = daemon_fec(run, who)
        if f:
            out[who] = {key: f.get(key) for key in ("recovered", "unrecoverable", "blocks_complete",
                                                     "blocks_decoded", "blocks_failed", "tx_parity")}
    return out
