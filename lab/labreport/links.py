"""labreport.links - what a client link set down or up (events linkdown/linkup) did: when
mpclient marked the path (its path_link_down/up line, which carries its own netlink read and
mark times), against when another netlink listener saw the event (`ip -ts monitor link` in the
client's namespace, logs/linkmon.log) and when the lab's `ip` command ran (meta linkcmd.I.*)."""
import datetime
import os
import re

# mpclient: "path 1 (NAME): link down: c2 down (netlink read R, marked M: +X ms)"
LINK_RE = re.compile(r"path (\d+) \(.*?\): link (down|up): (.*?)"
                     r"(?: \(netlink read ([0-9.]+), marked ([0-9.]+): \+([0-9.]+) ms\))?$")
MON_RE = re.compile(r"^\[([0-9T:.-]+)\] (?:\d+: )?(\S+?)(?:@\S+)?: <([^>]*)>")


def _lines(run, name, start=0):
    try:
        with open(os.path.join(run, "logs", name), errors="replace") as fh:
            return fh.read().splitlines()[start:]
    except OSError:
        return []


def monitor_times(run, dev):
    """(time, up) of each link message about DEV that `ip -ts monitor link` printed; up: the
    flags hold UP (administratively up)."""
    out = []
    for line in _lines(run, "linkmon.log"):
        m = MON_RE.match(line)
        if not m or m.group(2) != dev:
            continue
        try:
            t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
        except ValueError:
            continue
        out.append((t, "UP" in m.group(3).split(",")))
    return out


def link_event(run, meta, i, kind):
    """The link `kind` (down|up) of lab path i (mpclient's path i - 1): a dict with
    marked (mpclient's line seen), by_netlink (the line carries a netlink read: marked from the
    event, not from a later look), read_to_marked_ms (mpclient's own figure), cmd_to_marked_ms
    (from before the lab's `ip` command started: an upper bound with the command's start-up),
    monitor_to_marked_ms (from another listener's receipt of the same kernel event), why."""
    key = "logline" if kind == "down" else "loglineup"
    try:
        start = int(meta.get(f"{key}.{i}.mpclient", "0"))
    except ValueError:
        start = 0
    cmd = (meta.get(f"linkcmd.{i}.{kind}") or "").split()
    out = {"marked": False, "by_netlink": False}
    for line in _lines(run, "mpclient.log", start):
        m = LINK_RE.search(line)
        if not m or int(m.group(1)) != i - 1 or m.group(2) != kind:
            continue
        out["marked"] = True
        out["why"] = m.group(3)
        if m.group(4):
            out["by_netlink"] = True
            mark = float(m.group(5))
            out["read_to_marked_ms"] = float(m.group(6))
            if cmd:
                out["cmd_to_marked_ms"] = round((mark - float(cmd[0])) * 1e3, 3)
            dev = f"c{i}"  # the client's end of path i (lab/lib/topo.sh)
            want_up = kind == "up"
            seen = [t for t, up in monitor_times(run, dev)
                    if up == want_up and cmd and t >= float(cmd[0]) - 0.001]
            if seen:
                out["monitor_to_marked_ms"] = round((mark - min(seen)) * 1e3, 3)
        break
    return out
