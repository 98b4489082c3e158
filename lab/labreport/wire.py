"""labreport.wire - the tunnel's per-datagram overhead, read from the one place that defines it.

The lab needs the size of a tunnel datagram (to split GSO super-packets in path captures): the
application's datagram plus the clear header, plus the trailer: the AEAD tag when sealed, the
CRC32C otherwise (protocol v2). The lengths are read from lib/wire.h (WIRE_HDR_LEN,
WIRE_TAG_LEN, WIRE_CRC_LEN), so a new protocol version's sizes are picked up without touching
the lab.

    python3 -m labreport.wire [--sealed]     print the overhead in bytes
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WIRE_H = os.path.join(ROOT, "lib", "wire.h")


def constants(path=WIRE_H):
    """{NAME: int} of the numeric #defines of lib/wire.h (expressions of earlier ones too)."""
    out = {}
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return out
    for name, expr in re.findall(r"^#define\s+(WIRE_[A-Z0-9_]+)\s+([^/\n]+)", text, re.M):
        expr = expr.strip()
        for k, v in out.items():
            expr = re.sub(rf"\b{k}\b", str(v), expr)
        if re.fullmatch(r"[0-9+\-*() ]+", expr):
            try:
                out[name] = int(eval(expr, {"__builtins__": {}}))  # digits and + - * only
            except (SyntaxError, ValueError):
                pass
    return out


def overhead(sealed=False, path=WIRE_H):
    """Bytes a tunnel datagram adds to the application's datagram; None if lib/wire.h lacks them."""
    c = constants(path)
    if "WIRE_HDR_LEN" not in c:
        return None
    return c["WIRE_HDR_LEN"] + (c.get("WIRE_TAG_LEN", 0) if sealed else c.get("WIRE_CRC_LEN", 0))


def message_types(path=WIRE_H):
    """{name: value} of lib/wire.h's message types (WIRE_DATA = 1, ...)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return {}
    return {k: int(v) for k, v in re.findall(r"^\s*WIRE_([A-Z]+)\s*=\s*(\d+),", text, re.M)}


_ALONE = None


def sent_alone(payload):
    """True for a tunnel PING or PONG (version and type bytes): mpclient and mpserver send
    those one at a time, never in a GSO run, whatever their size (path MTU probes)."""
    global _ALONE
    if _ALONE is None:
        c, t = constants(), message_types()
        v = c.get("WIRE_VERSION")
        _ALONE = (v, {t[k] for k in ("PING", "PONG") if k in t}) if v is not None else (None, set())
    v, types = _ALONE
    return v is not None and len(payload) >= 2 and payload[0] == v and payload[1] in types


if __name__ == "__main__":
    o = overhead("--sealed" in sys.argv[1:])
    if o is None:
        sys.exit(f"labreport.wire: no WIRE_HDR_LEN in {WIRE_H}")
    print(o)
