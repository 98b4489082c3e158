"""labreport.theory - what the configured paths should lose, and the multipath theory.

The configured loss of a path is mpbridge's own figure: lab.sh asks every bridge for its
effective settings (`mpbridge --check --json ARGS`, saved as RUN/bridge/effective.I.json) and the
theory takes each direction's `loss.mean` from there; it never reads the bridge's options itself.
JSON layout (mpbridge's contract):

    {"directions": {"c2s": DIR, "s2c": DIR},
     "timeline": [{"at": s, "until": s|null, "c2s": DIR, "s2c": DIR}, ...]}
    DIR = {"loss": {"model": str, "params": {...}, "mean": 0..1}, "delay_ms": .., "rate_bps": .., ...}

A bridge whose settings change over time (a timeline step) has no single figure: the scenario
gives LOSS_I (or LOSS_C2S_I / LOSS_S2C_I) instead. Kernel loss on the path (KERNEL_I, nftables
in the bridge's namespace) is independent of the bridge's: 1 - (1 - bridge)(1 - kernel).

Theory for independent paths that each carry every datagram: a direction loses a datagram when
every path loses it, p_dir = prod_i p_i,dir; udpdemo's loss is round trip:
p_rt = 1 - (1 - p_up)(1 - p_down).
"""
import os

from .common import DIRS, read_json


def parse_fraction(s):
    """A LOSS_I value of a scenario: "20%" or a fraction "0.2"."""
    s = s.strip()
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    v = float(s)
    if not 0 <= v <= 1:
        raise ValueError(f"'{s}' is not a fraction 0..1 (write 20% for a percent)")
    return v


def dir_mean(d):
    """Mean loss of one DIR object of mpbridge's JSON (None if it has none)."""
    if not isinstance(d, dict):
        return None
    if d.get("down") is True or d.get("link") == "down":
        return 1.0
    loss = d.get("loss")
    if loss is None:
        return 0.0
    if isinstance(loss, dict):
        m = loss.get("mean")
        if isinstance(m, (int, float)):
            return float(m)
        if loss.get("model") in (None, "none"):
            return 0.0
        return None
    if isinstance(loss, (int, float)):
        return float(loss)
    return None


def bridge_effective(run, i):
    """mpbridge's effective settings of path i as it printed them, or None."""
    j = read_json(os.path.join(run, "bridge", f"effective.{i}.json"))
    return j if isinstance(j, dict) and isinstance(j.get("directions"), dict) else None


def bridge_mean(eff, direction):
    """(mean loss of one direction, note): None with a note where the settings change over time."""
    steps = [s for s in eff.get("timeline") or [] if isinstance(s, dict)]
    base = dir_mean(eff["directions"].get(direction))
    if base is None:
        return None, f"mpbridge gives no mean loss for {direction}"
    for s in steps:
        m = dir_mean(s.get(direction))
        if m is not None and abs(m - base) > 1e-12:
            return None, f"the bridge's loss changes over time ({direction}: {base:g} then {m:g} " \
                         f"from {s.get('at')} s): set LOSS_i for the theory"
    return base, ""


def schedule(eff, direction):
    """The bridge's loss over time in one direction: [(from_s, until_s or None, mean)], the
    starting settings first (from 0), then every timeline step (mean None where mpbridge gives
    none)."""
    out = [(0.0, None, dir_mean(eff["directions"].get(direction)))]
    for s in eff.get("timeline") or []:
        if isinstance(s, dict) and direction in s:
            out.append((s.get("at"), s.get("until"), dir_mean(s.get(direction))))
    return out


def kernel_loss(meta, i, direction):
    """Loss the kernel adds on path i in one direction (the loss verbs lab.sh applied)."""
    v = 0.0
    for part in meta.get(f"kernel.{i}", "").split(";"):
        w = part.split()
        if len(w) == 2 and (w[0] == "loss" or w[0] == "loss-" + direction):
            v = 1 - (1 - v) * (1 - float(w[1]) / 100.0)
    return v


def configured(meta, run, paths):
    """{i: {dir: p or None}} and notes: what each path should lose per direction."""
    conf, notes = {}, []
    for i in range(1, paths + 1):
        d = {}
        eff = bridge_effective(run, i)
        for dr in DIRS:
            over = meta.get(f"loss_{dr}.{i}", meta.get(f"loss.{i}"))
            if over is not None:
                d[dr] = parse_fraction(over)
                continue
            if meta.get("bridge_kind") == "socat" or not meta.get(f"bridge.{i}", "").strip():
                v, note = 0.0, ""          # a plain relay: only the kernel impairs
            elif eff is not None:
                v, note = bridge_mean(eff, dr)
            else:
                v, note = None, f"mpbridge's effective settings (bridge/effective.{i}.json) missing"
            if note and f"path {i}: {note}" not in notes:
                notes.append(f"path {i}: {note}")
            if v is not None:
                v = 1 - (1 - v) * (1 - kernel_loss(meta, i, dr))
            d[dr] = v
        conf[i] = d
    return conf, notes


def theory(per_path, paths_used=None):
    """Round-trip loss from {i: {dir: p}}: (up, down, round trip); None where a figure is missing."""
    up, down = 1.0, 1.0
    for i, d in per_path.items():
        if paths_used is not None and i not in paths_used:
            continue
        if d.get("c2s") is None or d.get("s2c") is None:
            return None, None, None
        up *= d["c2s"]
        down *= d["s2c"]
    return up, down, 1 - (1 - up) * (1 - down)
