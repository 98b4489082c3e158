"""labreport.pmtu - a path MTU black hole (event `mtu I N`): when mpclient found it (its
path_mtu lines, stamped by lab/tools/stamp.py since mpclient's own lines carry no time) and what
it reported for the path at the end (its stats: mtu, payload_max, mtu_limit)."""
import glob
import os
import re

from .common import read_json

# "path 1 (NAME): black hole: 1472-byte datagrams stopped passing; datagrams above 1471 bytes are
# not sent on it (searching below)" and "path 1 (NAME): path MTU 1167 bytes (payload 1111):
# datagrams above 1173 bytes are lost on it (a black hole), not sent on it"
HOLE_RE = re.compile(r"path (\d+) \(.*?\): black hole: (\d+)-byte datagrams stopped passing; "
                     r"datagrams above (\d+) bytes")
SETTLED_RE = re.compile(r"path (\d+) \(.*?\): path MTU (\d+) bytes \(payload (\d+)\): datagrams above (\d+) bytes")


def stamped(run, daemon):
    """[(epoch, line)] of logs/stamp-DAEMON.log."""
    out = []
    try:
        with open(os.path.join(run, "logs", f"stamp-{daemon}.log"), errors="replace") as fh:
            for line in fh:
                t, _, rest = line.rstrip("\n").partition(" ")
                try:
                    out.append((float(t), rest))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def mtu_event(run, i, ts, limit, seg):
    """Lab path i (mpclient's path i - 1) got a black hole for IPv4 packets above `limit` bytes
    at epoch ts, under the lab's tunnel datagrams of `seg` bytes: first_s (from the event to
    mpclient's first black-hole line about the path, whatever size it names: its search may
    have been probing above the traffic), found_s (to the first path_mtu line after which it
    sends none of the run's datagrams on the path: the hole is found and reported; its limit
    is the largest size not known to fail, within the search's 8-byte steps of the hole), the MTU it settled on and when, and the path's figures in mpclient's
    last stats (mtu and payload_max: the tunnel datagram and the application payload it
    carries). None where never."""
    out = {"limit_ip": limit, "limit_udp": limit - 28, "seg": seg, "first_s": None, "found_s": None}
    lines = stamped(run, "mpclient")
    out["stamped"] = bool(lines)
    for t, line in lines:
        if t < ts:
            continue
        m = HOLE_RE.search(line) or SETTLED_RE.search(line)
        if not m or int(m.group(1)) != i - 1:
            continue
        cap = int(m.group(4) if m.re is SETTLED_RE else m.group(3))
        if m.re is HOLE_RE and out["first_s"] is None:
            out["first_s"] = round(t - ts, 3)
        if out["found_s"] is None and cap < (seg or limit - 27):
            out["found_s"] = round(t - ts, 3)
            out["found_line"] = line
        if m.re is SETTLED_RE and out["found_s"] is not None and "settled_s" not in out:
            out["settled_s"] = round(t - ts, 3)
            out["settled_mtu"] = int(m.group(2))
    stats = sorted(glob.glob(os.path.join(run, "stats", "mpclient.*.json")))
    j = read_json(stats[-1]) if stats else None
    for p in (j or {}).get("paths", []):
        if p.get("index") == i - 1:
            out["final"] = {k: p.get(k) for k in ("mtu", "payload_max", "mtu_limit", "pmtud")}
    return out
