"""labreport.render - a report as the terminal table, as Markdown, and as one summary line."""
from .common import fmt_s, lvl, num, pct


def sci(v):
    """A small ratio in scientific notation ('-' when unknown)."""
    return "-" if v is None else "0" if v == 0 else f"{v:.2g}"

def times(r):
    """A bytes ratio as 1.234 ('-' when unknown), for "...x the data"."""
    return "-" if r is None else f"{r:.3f}"

def per_end(f, line):
    """line(who, counters) for each end whose FEC counters the report holds, mpserver first."""
    return [line(who, f[who]) for who in ("mpserver", "mpclient") if f.get(who)]

def fmt_src(d, key):
    vals = []
    for s in ("bridge", "capture", "kernel"):
        v = d["sources"].get(s, {}).get(key) if s in d["sources"] else None
        vals.append("-" if v is None else str(v))
    return "/".join(vals)


def table_lines(rep):
    L = []
    e = rep["end_to_end"]
    L.append(f"== {rep['scenario']} ({rep['mode']} mode, bridge: {rep['bridge_kind']}) — {rep['intent']}")
    for n in rep["notes"]:
        L.append(f"   note: {n}")
    if rep.get("kernel_offers"):
        L.append(f"   kernel offers: {rep['kernel_offers']}")
    for k in rep.get("kernel_impairments", []):
        L.append(f"   kernel: {k}")
    L.append("")
    L.append("path dir  configured  in (bridge/capture/kernel)  forwarded (b/c/k)   dropped (b/c/k)   measured loss  agree")
    for p in rep["paths_detail"]:
        for dr, d in p["directions"].items():
            ag = {True: "yes", False: "NO", None: "-"}[d["agree"]]
            L.append(f"{p['path']:>4} {dr}  {pct(p['configured'].get(dr), 1):>10}  {fmt_src(d, 'in'):>26}  "
                     f"{fmt_src(d, 'forwarded'):>17}  {fmt_src(d, 'dropped'):>16}  {pct(d['measured_loss']):>13}  {ag}")
            if d.get("explained"):
                L.append(f"            ({d['explained']})")
            kd = d["sources"].get("kernel", {}).get("input_hook_drops")
            if kd:
                L.append(f"            (kernel: {kd} dropped by the input hook, {', '.join(p['kernel_methods'])})")
    L.append("")
    ci = e.get("ci")
    if e.get('sent') is not None:
        L.append(f"end to end: sent {num(e.get('sent'))}  received {num(e.get('received'))}  lost {num(e.get('lost'))} "
                 f"({pct(e.get('loss_ratio'), 3)})  duplicates {num(e.get('duplicates'))}"
                 + (f"  upstream {pct(e.get('upstream_loss'), 3)}  downstream {pct(e.get('downstream_loss'), 3)}"
                + (" (capture incomplete: not a measurement)" if rep.get("capture_incomplete") else "")
                    if "upstream_loss" in e else ""))
    tc, tm = e["theory_configured"], e["theory_measured"]
    L.append(f"theory:     configured {pct(tc['round_trip'], 3)} (up {pct(tc['up'], 3)}, down {pct(tc['down'], 3)})   "
             f"from measured paths {pct(tm['round_trip'], 3)}"
             + (f"   measured {lvl(rep['level'])} Wilson interval [{pct(ci[0], 3)}, {pct(ci[1], 3)}]" if ci else ""))
    f = rep.get("fec")
    if f and f.get("mode") == "auto":
        L.append(f"auto: round-trip residual {sci(f.get('residual'))} (target {sci(f.get('target'))}); bytes c2s "
                 f"{times(f.get('bytes_ratio'))}x the data")
        for ev in f.get("events") or []:
            L.append(f"  after {ev['event']}: residual of the rest under target from "
                     f"{fmt_s(ev.get('back_under_target_s'))}")
        L += per_end(f, lambda who, d: f"  {who}: {num(d.get('tx_data'))} coded, {num(d.get('tx_parity'))} parity, "
                     f"{num(d.get('tx_copies'))} copies sent; {num(d.get('recovered'))} recovered; "
                     f"{num(d.get('auto_changes'))} code changes")
        f = None
    if f:
        L.append(f"fec:{f['k']}:{f['m']}: round-trip residual {sci(f.get('residual'))} beside theory "
                 f"{sci(f.get('theory_round_trip'))} (up {sci(f.get('theory_up'))}, down "
                 f"{sci(f.get('theory_down'))}; 99.9% bound {sci(f.get('bound'))}); bytes c2s "
                 f"{times(f.get('bytes_ratio'))}x the data (theory {(f['k'] + f['m']) / f['k']:.2f}x + headers)")
        for ph in f.get("phases") or []:
            L.append(f"  phase from {ph['from']}: {ph['share']:.0%} of the datagrams, path loss "
                     + ", ".join(f"{i} {pct(v.get('c2s'), 1)}" for i, v in ph["loss"].items()))
        L += per_end(f, lambda who, d: f"  {who} decoded: {num(d.get('recovered'))} recovered, "
                     f"{num(d.get('unrecoverable'))} unrecoverable; blocks {num(d.get('blocks_complete'))} whole, "
                     f"{num(d.get('blocks_decoded'))} decoded, {num(d.get('blocks_failed'))} failed")
    a = e.get("app")
    if a:
        if a.get("ci"):
            extra = "".join(f"  {k} {a[k]:.3g}" for k in ("jitter_ms", "rtt_avg_ms") if a.get(k) is not None)
            if a.get("bits_per_second"):
                extra += f"  {a['bits_per_second'] / 1e6:.2f} Mbit/s"
            L.append(f"{a['kind']}: {a['direction']} lost {a['lost']}/{a['sent']} ({pct(a['loss'], 3)}), "
                     f"its own count{extra}; theory {pct(a['theory_configured'], 3)} "
                     f"(from measured paths {pct(a['theory_measured'], 3)}), {lvl(rep['level'])} interval "
                     f"[{pct(a['ci'][0], 3)}, {pct(a['ci'][1], 3)}]")
        elif a.get("goodput"):
            L.append("TCP goodput over the same lossy paths (receiver's count):")
            for g in a["goodput"]:
                gp = g.get("goodput_bps")
                L.append(f"  {g['kind']:<12} {'n/a' if gp is None else f'{gp / 1e6:8.2f} Mbit/s'}  "
                         f"retransmits {num(g.get('retransmits'))}"
                         + (f"  subflows joined {g['subflows_joined']}" if g.get("subflows_joined") is not None else "")
                         + f"   ({g['what']})")
        else:
            L.append(f"{a['kind']}: {a.get('error', 'no figure')}")
    if e.get("rtt_p50_ms") is not None:
        L.append(f"rtt:        p50 {e['rtt_p50_ms']:.2f} ms  p99 {e['rtt_p99_ms']:.2f} ms  max {e['rtt_max_ms']:.2f} ms")
    hu = e.get("host_udp", {})
    over = {h: v["rcvbuf_errors"] for h, v in hu.items() if v["rcvbuf_errors"]}
    if over:
        L.append("hosts:      socket buffer overflows (a stalled reader, not network loss): "
                 + ", ".join(f"{h} namespace {n}" for h, n in over.items()))
    if rep.get("steady"):
        s = rep["steady"]
        L.append(f"steady state (outside fault windows): {s['lost']}/{s['sent']} lost ({pct(s['loss'], 3)})")
    for f in rep["faults"]:
        parts = [f"{f['kind']} at {f['at_s']:.2f}s"]
        if "duration_s" in f:
            parts.append(f"lasting {f['duration_s']:.2f}s")
        if "recovery_s" in f:
            parts.append(f"end-to-end recovery {f['recovery_s']:.2f}s, {f['lost']} datagrams lost")
        if "path_recovery_s" in f:
            parts.append(f"path forwards again after {f['path_recovery_s']:.2f}s")
        if "window_sent" in f:
            parts.append(f"{f['window_lost']}/{f['window_sent']} lost meanwhile "
                         f"(theory of the other paths {pct(f.get('theory_remaining_paths'), 3)})")
        if "rebind" in f:
            r = f["rebind"]
            parts.append(f"source port {r.get('old_port')} -> {r.get('new_port')}, first reply to it "
                         f"{fmt_ms(r.get('reply_after_new_ms'))} after its first datagram "
                         f"({fmt_ms(r.get('reply_after_challenge_ms'))} after the challenge; SRTT {fmt_ms(r.get('srtt_ms'))}), "
                         f"{r.get('lost_no_port')} replies lost to the old mapping, path moves {r.get('path_moves')}")
        if "mtu" in f:
            m = f["mtu"]
            parts.append(f"black hole above {m['limit_ip']} IP bytes "
                         + ("never found" if m.get("found_s") is None else f"found after {m['found_s']:.2f}s"))
        for kind in ("down", "up"):
            e = f.get(f"link_{kind}")
            if e is None:
                continue
            if e.get("by_netlink"):
                parts.append(f"marked {kind} {e['read_to_marked_ms']:.3f} ms after mpclient read the netlink event"
                             + (f" ({e['monitor_to_marked_ms']:.3f} ms after ip monitor)"
                                if e.get("monitor_to_marked_ms") is not None else ""))
            else:
                parts.append(f"not marked {kind} by a link event")
        L.append("fault:      " + ", ".join(parts))
    h = rep.get("handover")
    if h:
        L.append(f"handover:   path {h['degraded_path']} changed at {h['step_at_s']:.2f}s"
                 + (f", path {h['new_path']} up at {h['new_up_at_s']:.2f}s, in use "
                    f"{fmt_s(h.get('new_in_use_after_s'))} after the ip command started" if h.get("new_path") else "")
                 + "; " + "; ".join(f"{p['phase']}: {p['lost']}/{p['sent']} lost ({pct(p['loss'], 3)})"
                                    for p in h["phases"])
                 + f" (theory of the changed path alone {pct(h.get('theory_degraded'), 3)})")
    L.append("")
    for x in rep["expectations"]:
        tag = {True: "[ OK ]", False: "[FAIL]", None: "[SKIP]"}[x["ok"]]
        L.append(f"{tag} {x['expectation']}: {x['detail']}")
    L.append(f"verdict: {rep['verdict']}   ({rep['run']})")
    return L


def markdown(rep):
    e = rep["end_to_end"]
    M = [f"# Lab report: {rep['scenario']}", "", f"{rep['intent']}", "",
         f"- mode: **{rep['mode']}**, bridge: {rep['bridge_kind']}, paths: {rep['paths']}",
         "- traffic: udpclient {count} datagrams of {size} bytes at {rate}/s, timeout {timeout}s; "
         "bridge seeds SEED*100+i with SEED={seed}".format(**{k: v if v is not None else "?" for k, v in rep["traffic"].items()}),
         f"- kernel offers: {rep.get('kernel_offers') or 'n/a'}"]
    for k in rep.get("kernel_impairments", []):
        M.append(f"- kernel impairment: {k}")
    for n in rep["notes"]:
        M.append(f"- note: {n}")
    M += ["", "## Per path", "",
          "Counts are bridge / capture / kernel (`-` where a source is missing). The bridge's *in* includes what the "
          "kernel's input hook dropped before it; the kernel column counts every IP packet on the veths and is "
          "compared with the capture's count of every IP packet.", "",
          "| path | dir | configured | in | forwarded | dropped | measured loss | agree |",
          "|---:|---|---:|---|---|---|---:|---|"]
    for p in rep["paths_detail"]:
        for dr, d in p["directions"].items():
            ag = {True: "yes", False: "**no**", None: "-"}[d["agree"]]
            M.append(f"| {p['path']} | {dr} | {pct(p['configured'].get(dr), 1)} | {fmt_src(d, 'in')} | "
                     f"{fmt_src(d, 'forwarded')} | {fmt_src(d, 'dropped')} | {pct(d['measured_loss'])} | {ag} |")
            kd = d["sources"].get("kernel", {}).get("input_hook_drops")
            extra = [f"kernel: {kd} dropped by the input hook ({', '.join(p['kernel_methods'])})"] if kd else []
            for dis in d["disagreements"] + ([d["explained"]] if d.get("explained") else []) + extra:
                M.append(f"|  |  |  | {dis} |  |  |  |  |")
    tc, tm = e["theory_configured"], e["theory_measured"]
    ci = e.get("ci")
    M += ["", "## End to end", "",
          "| figure | value |", "|---|---:|",
          f"| sent | {num(e.get('sent'))} |", f"| received | {num(e.get('received'))} |",
          f"| lost | {num(e.get('lost'))} ({pct(e.get('loss_ratio'), 3)}) |",
          f"| duplicates | {num(e.get('duplicates'))} |"]
    if "upstream_loss" in e:
        M += [f"| upstream loss (server capture) | {pct(e['upstream_loss'], 3)} |",
              f"| downstream loss | {pct(e.get('downstream_loss'), 3)} |"]
    M += [f"| theory, configured: up / down / round trip | {pct(tc['up'], 3)} / {pct(tc['down'], 3)} / {pct(tc['round_trip'], 3)} |",
          f"| theory, from measured paths | {pct(tm['up'], 3)} / {pct(tm['down'], 3)} / {pct(tm['round_trip'], 3)} |"]
    f = rep.get("fec")
    if f and f.get("mode") == "auto":
        M.append(f"| auto: round-trip residual / target / bytes | {sci(f.get('residual'))} / {sci(f.get('target'))} / "
                 f"{times(f.get('bytes_ratio'))}x |")
        f = None
    if f:
        M += [f"| fec:{f['k']}:{f['m']}: round-trip residual / theory / 99.9% bound | {sci(f.get('residual'))} / "
              f"{sci(f.get('theory_round_trip'))} / {sci(f.get('bound'))} |",
              f"| bytes on the wire c2s / data datagrams | {times(f.get('bytes_ratio'))}x |"]
    a = e.get("app")
    if a and a.get("ci"):
        M.append(f"| {a['kind']}: {a['direction']} loss, its own count | {a['lost']}/{a['sent']} ({pct(a['loss'], 3)}), "
                 f"theory {pct(a['theory_configured'], 3)}, interval [{pct(a['ci'][0], 3)}, {pct(a['ci'][1], 3)}] |")
    for g in (a or {}).get("goodput") or []:
        gp = g.get("goodput_bps")
        M.append(f"| TCP goodput: {g['what']} | {'n/a' if gp is None else f'{gp / 1e6:.2f} Mbit/s'}, "
                 f"retransmits {num(g.get('retransmits'))}"
                 + (f", subflows joined {g['subflows_joined']}" if g.get("subflows_joined") is not None else "") + " |")
    if ci:
        M.append(f"| {lvl(rep['level'])} Wilson interval of the measured loss | [{pct(ci[0], 3)}, {pct(ci[1], 3)}] |")
    if e.get("rtt_p50_ms") is not None:
        M.append(f"| RTT p50 / p99 / max | {e['rtt_p50_ms']:.2f} ms / {e['rtt_p99_ms']:.2f} ms / {e['rtt_max_ms']:.2f} ms |")
    for h, v in e.get("host_udp", {}).items():
        M.append(f"| {h} namespace: UDP socket buffer overflows / to a closed port | {v['rcvbuf_errors']} / {v['no_port']} |")
    if rep.get("steady"):
        s = rep["steady"]
        M.append(f"| steady state (outside fault windows) | {s['lost']}/{s['sent']} ({pct(s['loss'], 3)}) |")
    if rep["faults"]:
        M += ["", "## Faults", "", "| fault | at | recovery | lost | path recovery | window |", "|---|---:|---:|---:|---:|---|"]
        for f in rep["faults"]:
            M.append(f"| {f['kind']} | {f['at_s']:.2f}s | {fmt_s(f.get('recovery_s'))} | {num(f.get('lost'))} | "
                     f"{fmt_s(f.get('path_recovery_s'))} | "
                     + (f"{f['window_lost']}/{f['window_sent']} lost, theory of other paths {pct(f.get('theory_remaining_paths'), 3)}"
                        if "window_sent" in f else "") + " |")
    M += ["", "## Expectations", "", "| | expectation | detail |", "|---|---|---|"]
    for x in rep["expectations"]:
        tag = {True: "OK", False: "**FAIL**", None: "skip"}[x["ok"]]
        M.append(f"| {tag} | `{x['expectation']}` | {x['detail']} |")
    M += ["", f"**Verdict: {rep['verdict']}**", ""]
    return "\n".join(M)


def fmt_ms(x):
    return "-" if x is None else f"{x:.1f} ms"


def summary_line(rep):
    """One line for a summary: end-to-end loss, theory, and the faults' recovery."""
    e = rep["end_to_end"]
    th = e["theory_configured"]["round_trip"]
    out = f"loss {pct(e.get('loss_ratio'), 3)} (theory {pct(th, 3)})"
    for f in rep["faults"]:
        if "recovery_s" in f:
            out += f", {f['kind']}: recovery {fmt_s(f['recovery_s'])}, {f['lost']} lost"
        elif "path_recovery_s" in f:
            out += f", {f['kind']}: path back after {fmt_s(f['path_recovery_s'])}"
            if f.get("window_sent"):
                out += (f", meanwhile {pct(f['window_lost'] / f['window_sent'], 2)} lost "
                        f"(theory of the other paths {pct(f.get('theory_remaining_paths'), 2)})")
    if rep.get("steady") and any("recovery_s" in f for f in rep["faults"]):
        out += f", steady state {pct(rep['steady']['loss'], 3)}"
    return out
