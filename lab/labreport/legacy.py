"""labreport.legacy - the lab's own reading of mpbridge's loss options, used ONLY when the
bridge could not print its effective settings (an mpbridge without `--check --json`); the
report says so. To be deleted once every mpbridge prints them."""


def parse_pct(s):
    s = s.strip()
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    v = float(s)
    return v / 100.0 if v > 1 else v


def bridge_loss(args, direction):
    """Configured loss of one direction from mpbridge settings: (value or None, note).
    Understands --dir, --loss P, --loss gemodel P R 1-H 1-K (stationary loss), --loss none,
    --clear; a timeline (--at, --timeline, --blackout, --flap) or another loss model leaves the
    theory to LOSS_i."""
    toks = args.split()
    loss = {"c2s": 0.0, "s2c": 0.0}
    dirs = ("c2s", "s2c")
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "--dir" and i + 1 < len(toks):
            dirs = ("c2s", "s2c") if toks[i + 1] == "both" else (toks[i + 1],)
            i += 2
            continue
        if t in ("--at", "--timeline", "--blackout", "--flap", "--down", "--profile"):
            return None, f"'{t}' changes the loss over time: set LOSS_i for the theory"
        if t == "--clear":
            for d in dirs:
                loss[d] = 0.0
        if t == "--loss" and i + 1 < len(toks):
            model = toks[i + 1]
            if model == "none":
                val, i = 0.0, i + 2
            elif model == "gemodel":
                vals = []
                j = i + 2
                while j < len(toks) and not toks[j].startswith("--") and len(vals) < 4:
                    vals.append(parse_pct(toks[j]))
                    j += 1
                # netem's defaults: R = 100%, 1-H = 100%, 1-K = 0%
                p, r, bad, good = (vals + [None, 1.0, 1.0, 0.0][len(vals):])[:4]
                if p is None:
                    return None, "gemodel without P"
                pib = p / (p + r) if p + r > 0 else 0.0
                val, i = pib * bad + (1 - pib) * good, j
            else:
                try:
                    val = parse_pct(model)
                except ValueError:
                    return None, f"loss model '{model}' not understood: set LOSS_i for the theory"
                i += 2
            for d in dirs:
                loss[d] = val   # a later --loss replaces the model, as in mpbridge
            continue
        i += 1
    return loss[direction], ""
