"""labreport.readers - what a run folder holds, read: meta.tsv, events.tsv, captures (in
datagrams), udpclient's trace, every program's stats, the kernel's counters."""
import json
import os
import re

from . import pcap as pcapmod
from . import wire
from .common import DIRS, read_json

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
    # with FEC (fec:K:M or auto) a tunnel stream mixes plain DATA (copies), coded DATA (+8: the FEC extension)
    # and PARITY (+24: the extension and the 16-byte coded form's header): a super-packet is
    # a run of one of them
    if tseg and re.search(r"--redundancy[= ](fec:|auto)", meta.get("mpclient_args", "")):
        tseg = (tseg + 8, tseg + 24, tseg)

    def seg(r):
        if r.sport in demo or r.dport in demo:
            return size or None
        return tseg
    return seg


def pcap_udp(path, seg=None, stats=None):
    """[(ts, src, sport, dst, dport, payload)] of the IPv4 UDP datagrams of a capture, GSO
    super-packets split into their datagrams (labreport.pcap)."""
    dg = pcapmod.datagrams(path, seg, stats, wire.sent_alone)
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
                # veths in the namespaces refuse GSO: a path capture holds single datagrams
                # (splitting there took a padded PING, an MTU probe, for several datagrams);
                # on loopback, PINGs and PONGs are still never split (wire.sent_alone)
                sp = pcapmod.Split(0 if mode == "ns" and name.startswith("path") else seg,
                                   wire.sent_alone)
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
        abc = abc.strip("[]")   # an IPv6 path: [ADDR]:PORT
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


