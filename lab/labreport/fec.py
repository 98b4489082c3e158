"""labreport.fec - a run whose mpclient used --redundancy fec:K:M: the residual loss beside
the Reed-Solomon theory (lab/theory_fec.py), its bound, and the bytes on the wire.

    fec_report(run, meta, conf, e2e)   None unless mpclient_args names fec:K:M

Theory per direction: theory_fec.block_residual(K, M, configured loss of each path); the
round trip 1 - (1 - up)(1 - down).  Losses come a block at a time, so the measured residual
is not binomial over datagrams: the bound is the 99.9% quantile of the data lost by the run's
blocks (2 x sent / K, both directions; theory_fec.lost_quantile, all paths at their mean
loss).  Bytes: what the bridges received from the client (c2s bytes_received, every
instance) over the data datagrams sent once (udpclient's count x (size + 52 + trailer)).
"""
import os
import re
import sys

from .common import DIRS, read_json

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


def fec_report(run, meta, conf, e2e):
    code = parse_code(meta.get("mpclient_args"))
    if not code:
        return None
    k, m = code
    out = {"k": k, "m": m}
    th = {}
    for dr in DIRS:
        ps = [conf[i].get(dr) for i in sorted(conf)]
        th[dr] = None if any(p is None for p in ps) else theory_fec.block_residual(k, m, ps)
    up, down = th.get("c2s"), th.get("s2c")
    out["theory_up"], out["theory_down"] = up, down
    out["theory_round_trip"] = None if up is None or down is None else 1 - (1 - up) * (1 - down)
    sent, lost = e2e.get("sent"), e2e.get("lost")
    out["residual"] = None if not sent else lost / sent
    ps = [conf[i].get(d) for i in conf for d in DIRS]
    if sent and all(p is not None for p in ps):
        pmean = sum(ps) / len(ps)
        out["bound_blocks"] = 2 * (sent // k)
        out["bound_lost"] = theory_fec.lost_quantile(k, m, pmean, out["bound_blocks"], 0.999)
        out["bound"] = out["bound_lost"] / sent
    keyed = "--key-file" in (meta.get("mpclient_args") or "")
    size = int(meta.get("size", 0) or 0)
    byts = [bridge_bytes(run, i) for i in sorted(conf)]
    if sent and all(b is not None for b in byts):
        data = sent * (size + 52 + (16 if keyed else 4))
        out["bytes_wire_c2s"] = sum(byts)
        out["bytes_ratio"] = sum(byts) / data
        out["bytes_ratio_theory"] = (k + m) / k
    for who in ("mpserver", "mpclient"):
        f = daemon_fec(run, who)
        if f:
            out[who] = {key: f.get(key) for key in ("recovered", "unrecoverable", "blocks_complete",
                                                     "blocks_decoded", "blocks_failed", "tx_parity")}
    return out
