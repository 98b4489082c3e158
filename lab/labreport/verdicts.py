"""labreport.verdicts - the scenario's expectations (EXPECT) checked against a report."""
from .common import fmt_s, lvl, num, pct
from .render import fmt_ms, sci

def link_extra(e):
    """The other two views of a link event's delay, when measured."""
    out = []
    if e.get("monitor_to_marked_ms") is not None:
        out.append(f"{e['monitor_to_marked_ms']:.3f} ms after ip monitor saw it")
    if e.get("cmd_to_marked_ms") is not None:
        out.append(f"{e['cmd_to_marked_ms']:.3f} ms after the ip command started")
    return ", ".join(out) or "no other view"


def verdicts(rep, expects, measured):
    out = []
    e2e = rep["end_to_end"]
    level = rep["level"]

    def add(name, ok, detail):
        out.append({"expectation": name, "ok": ok, "detail": detail})

    for ex in expects:
        w = ex.split()
        name, args = w[0], w[1:]
        if name in ("loss_in_ci", "steady_loss_in_ci"):
            src = e2e if name == "loss_in_ci" else rep.get("steady")
            th = e2e["theory_configured"]["round_trip"]
            which = "configured"
            if th is None:
                th, which = e2e["theory_measured"]["round_trip"], "measured"
            if not src or src.get("ci") is None or th is None:
                add(ex, None, "no data")
                continue
            lo, hi = src["ci"]
            loss = src.get("loss_ratio", src.get("loss"))
            ok = lo <= th <= hi
            add(ex, ok, f"theory ({which}) {pct(th, 3)} {'within' if ok else 'OUTSIDE'} "
                        f"{lvl(level)} Wilson interval [{pct(lo, 3)}, {pct(hi, 3)}] of measured {pct(loss, 3)}")
        elif name == "loss_max":
            lim = float(args[0])
            v = e2e.get("loss_ratio")
            add(ex, None if v is None else v <= lim, f"end-to-end loss {pct(v, 3)} (max {pct(lim, 3)})")
        elif name == "loss_ratio_within":
            f = float(args[0])
            th = e2e["theory_configured"]["round_trip"] or e2e["theory_measured"]["round_trip"]
            v = e2e.get("loss_ratio")
            ok = None if v is None or not th else (th / f <= v <= th * f)
            add(ex, ok, f"measured {pct(v, 3)} vs theory {pct(th, 3)} (within a factor {f})")
        elif name == "loss_below_single":
            best = None
            for i, d in measured.items():
                if d.get("c2s") is None or d.get("s2c") is None:
                    continue
                rt = 1 - (1 - d["c2s"]) * (1 - d["s2c"])
                best = rt if best is None else min(best, rt)
            v = e2e.get("loss_ratio")
            ok = None if v is None or best is None else v < best
            add(ex, ok, f"end-to-end {pct(v, 3)} vs best single path round trip {pct(best, 3)}")
        elif name == "counters_agree":
            dis = [f"path {p['path']} {dr}: " + "; ".join(d["disagreements"])
                   for p in rep["paths_detail"] for dr, d in p["directions"].items() if d["disagreements"]]
            srcs = sorted({s for p in rep["paths_detail"] for d in p["directions"].values() for s in d["sources"]
                           if s != "capture_all"})
            if dis and rep.get("capture_incomplete"):
                add(ex, None, "not comparable: tcpdump lost packets (see the notes); " + "; ".join(dis))
            elif rep["counters_agree"] is None or len(srcs) < 2:
                add(ex, None, f"fewer than two sources ({', '.join(srcs) or 'none'})")
            else:
                add(ex, not dis, ("the sources agree" if not dis else "; ".join(dis))
                    + f" (sources: {', '.join(srcs)})")
        elif name == "app_loss_in_ci":
            a = e2e.get("app")
            if not a or a.get("ci") is None:
                add(ex, None, (a or {}).get("error", "no application figure"))
                continue
            th, which = a.get("theory_configured"), "configured"
            if th is None:
                th, which = a.get("theory_measured"), "measured"
            lo, hi = a["ci"]
            ok = None if th is None else lo <= th <= hi
            add(ex, ok, f"{a['kind']} ({a['direction']}): {a['lost']}/{a['sent']} lost ({pct(a['loss'], 3)}), "
                        f"theory ({which}) {pct(th, 3)} {'within' if ok else 'OUTSIDE'} {lvl(level)} "
                        f"Wilson interval [{pct(lo, 3)}, {pct(hi, 3)}]")
        elif name in ("mptcp_subflows", "goodput_all"):
            gs = (e2e.get("app") or {}).get("goodput") or []
            if not gs:
                add(ex, None, "no TCP goodput measured")
                continue
            if name == "goodput_all":
                ok = all((g.get("goodput_bps") or 0) > 0 for g in gs)
                add(ex, ok, ", ".join(f"{g['kind']} {(g.get('goodput_bps') or 0) / 1e6:.2f} Mbit/s" for g in gs))
            else:
                want = int(args[0]) if args else max(1, rep["paths"] - 1)
                m = next((g for g in gs if g["kind"] == "mptcp"), {})
                j = m.get("subflows_joined")
                add(ex, None if j is None else j >= want, f"MPTCP joined {num(j)} extra subflows (want {want})")
        elif name == "isolation":
            # nothing a client may not reach got there: no reply to it, no target received more
            # than its own clients sent, and mpserver refused (target_denied) every datagram that
            # reached it: at least those sent after the warm-up, at most all of them
            iso = (e2e.get("app") or {}).get("isolation")
            if not iso or not iso.get("denied"):
                add(ex, None, "no isolation figures (TRAFFIC=clients or socks5)")
                continue
            den = iso.get("target_denied")
            sent = sum(d.get("sent") or 0 for d in iso["denied"])
            warm = sum(d.get("warmup_sent") or 0 for d in iso["denied"])
            replies = [d.get("replies") for d in iso["denied"]]
            beyond = {n: t.get("beyond_own") for n, t in iso.get("targets", {}).items()}
            if den is None or None in replies or None in beyond.values() or not sent:
                add(ex, None, f"missing figures (target_denied {num(den)}, replies {replies}, targets {beyond})")
                continue
            lo = sent if iso.get("exact", True) else 1
            ok = all(r == 0 for r in replies) and all(v == 0 for v in beyond.values()) and lo <= den <= sent + warm
            add(ex, ok, "; ".join(f"{d['client']} -> {d['target']}: {d['sent']} sent, {d['replies']} answered"
                                  for d in iso["denied"])
                + "; beyond their own clients' datagrams: "
                + ", ".join(f"{n} {num(v)}" for n, v in beyond.items())
                + f"; mpserver target_denied {den} (want {lo}..{sent + warm})")
        elif name == "direction_split":
            tot = e2e.get("loss_ratio")
            parts = [(d, e2e.get(f"{d}stream_loss"), e2e.get(f"{d}stream_ci")) for d in ("up", "down")]
            if tot is None or any(v is None or c is None for _, v, c in parts):
                add(ex, None, "no upstream/downstream split")
                continue
            if rep.get("capture_incomplete"):
                add(ex, None, "not measurable: tcpdump lost packets, so the server side's capture misses requests")
                continue
            ok = all(c[0] <= tot for _, _, c in parts)
            add(ex, ok, "; ".join(f"{d}stream {pct(v, 3)} (interval from {pct(c[0], 3)})" for d, v, c in parts)
                + f" {'each within' if ok else 'NOT within'} the end-to-end loss {pct(tot, 3)}")
        elif name == "fec_loss_bound":
            f = rep.get("fec") or {}
            v, b = f.get("residual"), f.get("bound")
            ok = None if v is None or b is None else v <= b
            add(ex, ok, f"fec:{f.get('k')}:{f.get('m')} round-trip loss {pct(v, 3)} (theory "
                        f"{sci(f.get('theory_round_trip'))}), 99.9% bound of {num(f.get('bound_blocks'))} "
                        f"blocks and {num(f.get('lone'))} lone datagrams {pct(b, 3)}")
        elif name == "auto_target":
            f = rep.get("fec") or {}
            v, t = f.get("residual"), f.get("target")
            add(ex, None if v is None or t is None else v <= t,
                f"auto: round-trip residual {pct(v, 3)} (target {sci(t)})")
        elif name == "auto_back_under_max":
            lim = float(args[0])
            evs = (rep.get("fec") or {}).get("events") or []
            if not evs:
                add(ex, None, "no event changed a path's loss during the traffic")
                continue
            bad = [e for e in evs if e.get("back_under_target_s") is None or e["back_under_target_s"] > lim]
            add(ex, not bad, "; ".join(f"{e['event']}: residual under target from "
                                       f"{fmt_s(e.get('back_under_target_s'))} after its first filter "
                                       f"({fmt_s(e.get('began_before_event_s'))} before the event's line)"
                                       for e in evs)
                + f" (max {lim}s)")
        elif name == "bytes_ratio_max":
            lim = float(args[0])
            f = rep.get("fec") or {}
            v = f.get("bytes_ratio")
            extra = ""
            if f.get("resent_c2s"):
                extra = (f"; {f['resent_c2s']} DATA resent after a path went quiet left out, "
                         f"{f['bytes_ratio_all']:.3f}x with them")
            add(ex, None if v is None else v <= lim,
                f"bytes on the wire client -> server {'-' if v is None else f'{v:.3f}'}x the data "
                f"(max {lim}; (k+m)/k = {f.get('bytes_ratio_theory')}{extra})")
        elif name == "lost_max":
            # an exact count: the datagrams udpclient sent and never got back
            lim = int(args[0])
            k, n = e2e.get("lost"), e2e.get("sent")
            add(ex, None if k is None else k <= lim, f"{num(k)} of {num(n)} lost end to end (max {lim})")
        elif name in ("link_down_within", "link_up_within"):
            # mpclient marked the path down (up) from the netlink event itself (its path_link
            # line carries the netlink read), within MS of reading it; the other figures (from
            # another listener's receipt, from the lab's ip command) are printed beside it
            lim = float(args[0])
            kind = "down" if name == "link_down_within" else "up"
            fs = [f for f in rep["faults"] if f["kind"].startswith("link down path") and f"link_{kind}" in f]
            if not fs:
                add(ex, None, f"no link {kind} event happened")
                continue
            parts, ok = [], True
            for f in fs:
                e = f[f"link_{kind}"]
                if not e.get("by_netlink"):
                    ok = False
                    parts.append(f"path {f['path']}: link {kind}: "
                                 + ("marked, but not from a netlink event (" + e.get("why", "") + ")"
                                    if e.get("marked") else "mpclient never marked it from a link event"))
                    continue
                ok = ok and e["read_to_marked_ms"] <= lim
                parts.append(f"path {f['path']}: link {kind}: marked {e['read_to_marked_ms']:.3f} ms after "
                             f"mpclient read the event ({link_extra(e)})")
            add(ex, ok, "; ".join(parts) + f" (max {lim:g} ms)")
        elif name == "mtu_found_within":
            # mpclient reported each black hole (its path_mtu "black hole" line, stamped when
            # seen) within S of the event, and at the end reports the path's MTU through the hole
            lim = float(args[0])
            fs = [f for f in rep["faults"] if f["kind"].startswith("mtu path")]
            if not fs:
                add(ex, None, "no mtu event happened")
                continue
            parts, ok = [], True
            for f in fs:
                m = f["mtu"]
                fin = m.get("final") or {}
                if not m.get("stamped"):
                    ok = False
                    parts.append(f"path {f['path']}: mpclient's log was not stamped")
                    continue
                if m["found_s"] is None:
                    ok = False
                    parts.append(f"path {f['path']}: black hole (IP above {m['limit_ip']} bytes) never found "
                                 f"(first black-hole line: {fmt_s(m.get('first_s'))})")
                    continue
                fits = fin.get("mtu") is not None and fin["mtu"] <= m["limit_udp"]
                ok = ok and m["found_s"] <= lim and fits
                parts.append(f"path {f['path']}: black hole (IP above {m['limit_ip']} bytes) found "
                             f"{m['found_s']:.2f} s after it appeared (none of the run's {num(m.get('seg'))}-byte datagrams "
                             f"sent on it from then on; its first black-hole line {fmt_s(m.get('first_s'))} after)"
                             + (f", settled at {m['settled_mtu']} bytes {m['settled_s']:.2f} s after" if "settled_mtu" in m else "")
                             + f"; at the end path MTU {num(fin.get('mtu'))} (payload {num(fin.get('payload_max'))}, "
                               f"limit {num(fin.get('mtu_limit'))}) {'within' if fits else 'NOT within'} the "
                               f"{m['limit_udp']} bytes that pass")
            add(ex, ok, "; ".join(parts) + f" (max {lim:g} s)")
        elif name == "rebind_within":
            # a NAT rebinding moved the path: datagrams left from a new source port, mpserver
            # challenged the new address and sent its replies there within one SRTT (+ MS) of
            # the challenge, and moved the path (path_moves); the time from the first datagram
            # from the new port and the replies the old mapping lost are printed beside it
            slack = float(args[0]) if args else 20.0
            fs = [f for f in rep["faults"] if f["kind"].startswith("nat rebind")]
            if not fs:
                add(ex, None, "no NAT rebinding happened")
                continue
            parts, ok = [], True
            for f in fs:
                r = f["rebind"]
                if r.get("new_port") is None:
                    ok = False
                    parts.append(f"path {f['path']}: no datagram left from a new source port "
                                 f"({r.get('error') or 'the NAT kept port ' + str(r.get('old_port'))})")
                    continue
                rc, srtt = r.get("reply_after_challenge_ms"), r.get("srtt_ms")
                good = rc is not None and srtt is not None and rc <= srtt + slack and (r.get("path_moves") or 0) >= 1
                ok = ok and good
                parts.append(f"path {f['path']}: source port {r['old_port']} -> {r['new_port']}; mpserver's "
                             f"challenge {fmt_ms(r.get('challenge_after_new_ms'))} after the first datagram from it, "
                             f"replies there {fmt_ms(rc)} after the challenge (SRTT {fmt_ms(srtt)}) and "
                             f"{fmt_ms(r.get('reply_after_new_ms'))} after that first datagram; path moves "
                             f"{num(r.get('path_moves'))}; {num(r.get('lost_no_port'))} replies lost to the old "
                             f"mapping (about {num(r.get('replies_per_rtt'))} per RTT)")
            add(ex, ok, "; ".join(parts) + f" (max SRTT + {slack:g} ms after the challenge)")
        elif name in ("handover_loss_in_ci", "handover_after_max"):
            h = rep.get("handover")
            if not h:
                add(ex, None, "no handover (bridgestep and linkup events) in the run")
                continue
            ph = {p["phase"]: p for p in h["phases"] if p["phase"] != "transition"}
            if name == "handover_loss_in_ci":
                # between the change and the new path's first datagram, path A alone: its new
                # configured round-trip loss within the Wilson interval of the measured loss
                p, th = ph.get("changed, before the new path"), h.get("theory_degraded")
                if not p or not p["sent"] or th is None:
                    add(ex, None, "no datagram sent between the change and the new path" if th is not None
                        else "no configured loss for the changed path")
                    continue
                lo, hi = p["ci"]
                ok = lo <= th <= hi
                add(ex, ok, f"path {h['degraded_path']} alone after its change: {p['lost']}/{p['sent']} lost "
                            f"({pct(p['loss'], 3)}), theory {pct(th, 3)} {'within' if ok else 'OUTSIDE'} "
                            f"{lvl(level)} Wilson interval [{pct(lo, 3)}, {pct(hi, 3)}]")
            else:
                lim = int(args[0])
                p = ph.get("with the new path")
                if not p:
                    add(ex, False if h.get("new_path") else None,
                        f"path {h.get('new_path')} never carried traffic after its link came back"
                        if h.get("new_path") else "no new path came up")
                    continue
                add(ex, p["lost"] <= lim, f"path {h['new_path']} in use {fmt_s(h.get('new_in_use_after_s'))} after "
                                          f"the lab's ip link set up started; from then on {p['lost']}/{p['sent']} lost (max {lim})")
        elif name == "no_duplicates":
            d = e2e.get("duplicates")
            add(ex, None if d is None else d == 0, f"duplicates {num(d)}")
        elif name == "recovery_max":
            lim = float(args[0])
            fs = [f for f in rep["faults"] if f["kind"].startswith("restart mp") or f["kind"] == "restart udpserver"]
            if not fs:
                add(ex, None, "no restart happened")
                continue
            bad = [f for f in fs if f.get("recovery_s") is None or f["recovery_s"] > lim]
            add(ex, not bad, "; ".join(f"{f['kind']}: recovered in {fmt_s(f.get('recovery_s'))}, "
                                      f"{num(f.get('lost'))} datagrams lost" for f in fs) + f" (max {lim}s)")
        elif name == "fault_lost_max":
            lim = int(args[0])
            fs = [f for f in rep["faults"] if "lost" in f]
            if not fs:
                add(ex, None, "no fault window measured")
                continue
            add(ex, all(f["lost"] <= lim for f in fs),
                "; ".join(f"{f['kind']}: {f['lost']} lost" for f in fs) + f" (max {lim})")
        elif name == "path_recovery_max":
            lim = float(args[0])
            fs = [f for f in rep["faults"] if "path" in f]
            if not fs:
                add(ex, None, "no path fault happened")
                continue
            bad = [f for f in fs if f.get("path_recovery_s") is None or f["path_recovery_s"] > lim]
            add(ex, not bad, "; ".join(f"{f['kind']}: path forwards again after {fmt_s(f.get('path_recovery_s'))}"
                                      for f in fs) + f" (max {lim}s)")
        elif name == "blackout_loss_in_ci":
            fs = [f for f in rep["faults"] if f["kind"].startswith("blackout") and f.get("window_ci")]
            if not fs:
                add(ex, None, "no blackout window measured")
                continue
            def inside(f, key):
                t = f.get(key)
                return t is not None and f["window_ci"][0] <= t <= f["window_ci"][1]
            # as for the whole run: the theory from the configured or from the measured
            # per-path losses must lie in the window's interval
            ok = all(inside(f, "theory_remaining_paths") or
                     inside(f, "theory_remaining_paths_measured") for f in fs)
            add(ex, ok, "; ".join(
                f"{f['kind']}: {f['window_lost']}/{f['window_sent']} lost, theory of the other paths "
                f"{pct(f['theory_remaining_paths'], 3)} (from measured "
                f"{pct(f.get('theory_remaining_paths_measured'), 3)}), "
                f"interval [{pct(f['window_ci'][0], 3)}, {pct(f['window_ci'][1], 3)}]"
                for f in fs))
        elif name == "path_down_within":
            # the daemons declared the blacked-out path down within its bound (max(3 SRTT +
            # 20 ms, 100 ms), from its last datagram) plus a slack for timers a load delays
            slack = float(args[0]) if args else 50.0
            fs = [f for f in rep["faults"] if f["kind"].startswith("blackout") and "down_ms" in f]
            if not fs:
                add(ex, None, "no blackout happened")
                continue
            parts, ok = [], True
            for f in fs:
                for d, v in f["down_ms"].items():
                    if v is None:
                        ok = False
                        parts.append(f"{f['kind']}: {d} never declared it down")
                    else:
                        ok = ok and v[0] <= v[1] + slack
                        parts.append(f"{f['kind']}: {d} after {v[0]} ms (bound {v[1]} ms)")
            add(ex, ok, "; ".join(parts) + f" (slack {slack:g} ms)")
        elif name == "backup_bytes_day_max":
            lim = float(args[0])
            bs = rep.get("backup") or []
            if not bs or any(b.get("bytes_per_day") is None for b in bs):
                add(ex, None, "no backup path measured (namespaces only)")
                continue
            add(ex, all(b["bytes_per_day"] <= lim for b in bs),
                "; ".join(f"backup path {b['path']}: {b['datagrams']} datagrams, {b['bytes']} bytes in "
                          f"{b['window_s']:.1f} s before the fault = {b['bytes_per_day'] / 1e6:.2f} MB/day"
                          for b in bs) + f" (max {lim / 1e6:g} MB/day)")
        else:
            add(ex, None, "unknown expectation")
    return out


