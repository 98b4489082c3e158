"""labreport.nat - a NAT rebinding on a path (KERNEL_I="nat", event natflush I): from the path's
capture between the bridge and mpserver (pcap/pathI-s.pcap, after the NAT), the old and the new
source port, when the first datagram from the new one left, when mpserver's first reply
(DATA) went to it; the replies the old mapping lost (the bridge namespace's Udp NoPorts: they
reached no socket); mpserver's path moves and its RTT of the path."""
import glob
import os

from .common import read_json
from .pmtu import stamped
from .readers import pcap_udp, udp_mib

WIRE_DATA, WIRE_PING = 1, 2	# lib/wire.h enum wire_type


def rebind_event(run, meta, i, ts):
    pinfo = meta.get(f"path.{i}", "").split()
    baddr = pinfo[4] if len(pinfo) > 4 else None
    cmd = [float(x) for x in (meta.get(f"natcmd.{i}") or "").split()]
    out = {"old_port": None, "new_port": None, "moved_s": None, "reply_after_new_ms": None}
    pk = pcap_udp(os.path.join(run, "pcap", f"path{i}-s.pcap"))
    if pk is None or not cmd or not baddr:
        out["error"] = "no capture of the path" if pk is None else "no flush time"
        return out
    t_flush = cmd[0]
    c2s = [(p[0], p[2]) for p in pk if p[1] == baddr]
    s2c = [(p[0], p[4], p[5]) for p in pk if p[3] == baddr]
    before = [port for t, port in c2s if t < t_flush]
    if before:
        out["old_port"] = before[-1]
    new = [(t, port) for t, port in c2s if t >= t_flush and port != out["old_port"]]
    if new:
        t_new, out["new_port"] = new[0]
        out["new_after_flush_ms"] = round((t_new - t_flush) * 1e3, 3)
        to_new = [(t, pl) for t, port, pl in s2c if port == out["new_port"] and t >= t_new]
        # mpserver's challenge (a PING to the new address), sent once a datagram from it was
        # accepted: a duplicate of a copy another path delivered first draws none (outside the
        # first contact), so on the slower path that is its next PING or FEEDBACK
        chal = [t for t, pl in to_new if len(pl) > 1 and pl[1] == WIRE_PING]
        data = [t for t, pl in to_new if len(pl) > 1 and pl[1] == WIRE_DATA]
        if chal:
            out["challenge_after_new_ms"] = round((chal[0] - t_new) * 1e3, 3)
        if data:
            out["reply_after_new_ms"] = round((data[0] - t_new) * 1e3, 3)
            if chal and chal[0] <= data[0]:
                out["reply_after_challenge_ms"] = round((data[0] - chal[0]) * 1e3, 3)
    # what mpserver still sent to the old mapping after the flush
    out["to_old_after_flush"] = sum(1 for t, port, _ in s2c if port == out["old_port"] and t >= cmd[-1])
    mib = udp_mib(run, i)
    out["lost_no_port"] = mib.get("NoPorts") if mib else None
    # mpserver: path moves, the path's RTT and s2c rate (replies per RTT: those in flight)
    st = sorted(glob.glob(os.path.join(run, "stats", "mpserver.*.json")))
    j = read_json(st[-1]) if st else None
    out["path_moves"] = (j or {}).get("path_moves")
    out["challenges"] = (j or {}).get("challenges")
    for s in (j or {}).get("sessions", []):
        for p in s.get("paths", []):
            if p.get("index") == i - 1:
                out["srtt_ms"] = p.get("srtt_ms")
    # the replies in flight: mpserver's DATA on the path per RTT, over the second before the flush
    n = sum(1 for t, port, pl in s2c if t_flush - 1 <= t < t_flush and len(pl) > 1 and pl[1] == WIRE_DATA)
    if out.get("srtt_ms"):
        out["replies_per_rtt"] = round(n * out["srtt_ms"] / 1e3, 1)
    for t, line in stamped(run, "mpserver"):
        if t >= t_flush and f"path {i - 1} moved from" in line:
            out["moved_s"] = round(t - t_flush, 3)
            out["moved_line"] = line.split(": ", 1)[-1]
            break
    return out
