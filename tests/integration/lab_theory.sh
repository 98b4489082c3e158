#!/bin/bash
# lab_theory.sh - the lab report's theory for every loss model is mpbridge's own figure.
#
# For each loss model (Bernoulli, Gilbert-Elliott with 1 to 4 parameters, 4-state Markov with 1
# and 5, every Nth, per-direction settings, a flapping and a downed link, a blackout and a
# timeline step) mpbridge prints its
# effective settings (`--check --json`); a run folder holding them, as lab.sh writes it, is read
# by the report's theory (lab/labreport/theory.py): its configured loss per direction, and for
# settings that change over time each step's loss, must equal mpbridge's `loss.mean` (1e-9),
# and the closed form worked out by hand below (1e-7); the end-to-end theory of three such paths
# must be 1 - (1 - p^3)^2.
. "$(dirname "$0")/../lib.sh"
t_init lab_theory
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MPB=$BUILD/mpbridge

# mpbridge's JSON is the only source of the lab's theory (there is no fallback): no JSON is a failure
if ! "$MPB" --check --json --listen 127.0.0.1:9 --to 127.0.0.1:9 --loss 10% >"$T/probe.json" 2>"$T/probe.err" ||
	! python3 -c 'import json,sys; json.load(open(sys.argv[1]))["directions"]' "$T/probe.json" 2>/dev/null; then
	t_fail "mpbridge prints no effective settings as JSON ($(head -c 120 "$T/probe.err"))"
	t_done
fi

# settings|c2s|s2c: the long-run mean loss worked out by hand (closed form, stationary
# distribution of the Markov chain; "-" where the settings change over time), so a wrong figure
# on either side (mpbridge's lossmodel.c or the report) fails here.
#   gemodel P R 1-H 1-K: pi_bad = P/(P+R), loss = pi_bad(1-H) + (1-pi_bad)(1-K); R defaults to 1-P
#   state P13 P31 P32 P23 P14: pi2 = pi3 P32/P23, pi3 (P31+P32) = pi1 P13 + pi2 P23, pi4 = pi1 P14;
#     loss = pi3 + pi4 (5%,30%,10%,20%,1%: pi3 = pi1/6, pi2 = pi1/12, pi1 = 1/1.26: 0.1402116)
#   flap UP DOWN: DOWN/(UP+DOWN) down, the rest Bernoulli
MODELS=(
	"--loss 20%|0.2|0.2"
	"--loss gemodel 20%|0.2|0.2"
	"--loss gemodel 5% 20%|0.2|0.2"
	"--loss gemodel 5% 20% 80%|0.16|0.16"
	"--loss gemodel 5% 20% 80% 1%|0.168|0.168"
	"--loss state 5%|0.05|0.05"
	"--loss state 5% 30% 10% 20% 1%|0.14021164|0.14021164"
	"--loss nth 10|0.1|0.1"
	"--dir c2s --loss 10% --dir s2c --loss gemodel 3% 30% 70% 2%|0.1|0.08181818"
	"--loss none|0|0"
	"--loss 10% --flap 3 1|0.325|0.325"
	"--loss 10% --down|1|1"
	"--loss 10% --blackout 2 4|-|-"
	"--loss 10% --at 3 --loss 40%|-|-"
)
k=0
for entry in "${MODELS[@]}"; do
	IFS='|' read -r m hand_c2s hand_s2c <<<"$entry"
	k=$((k + 1))
	run=$T/run$k
	mkdir -p "$run/bridge"
	# shellcheck disable=SC2086
	if ! "$MPB" --check --json --listen 127.0.0.1:9 --to 127.0.0.1:9 $m >"$run/bridge/effective.1.json" 2>"$run/err"; then
		t_fail "mpbridge refused '$m': $(cat "$run/err")"
		continue
	fi
	printf 'paths\t1\nbridge_kind\tmpbridge\nbridge.1\t%s\n' "$m" >"$run/meta.tsv"
	out=$(PYTHONPATH=$ROOT/lab python3 - "$run" "$hand_c2s" "$hand_s2c" <<-'PY'
		import json, sys
		from labreport import theory
		from labreport.readers import read_meta
		run = sys.argv[1]
		meta, _ = read_meta(run)
		eff = json.load(open(f"{run}/bridge/effective.1.json"))
		conf, notes = theory.configured(meta, run, 1)
		bad, said = [], []
		changes = any(isinstance(s, dict) for s in eff.get("timeline") or [])
		for d in ("c2s", "s2c"):
		    want = eff["directions"][d]["loss"]["mean"] if "loss" in eff["directions"][d] else 0.0
		    steps = theory.schedule(eff, d)
		    if abs(steps[0][2] - want) > 1e-9:
		        bad.append(f"{d}: report {steps[0][2]} vs mpbridge {want}")
		    for (at, until, m), s in zip(steps[1:], [s for s in eff["timeline"] if d in s]):
		        w = s[d]["loss"]["mean"] if "loss" in s[d] else (1.0 if s[d].get("down") else 0.0)
		        if m is None or abs(m - w) > 1e-9:
		            bad.append(f"{d} from {at}s: report {m} vs mpbridge {w}")
		    varies = len({round(x[2] or 0, 12) for x in steps}) > 1
		    c = conf[1][d]
		    if varies and c is not None:
		        bad.append(f"{d}: a single figure {c} for settings that change over time")
		    if not varies and (c is None or abs(c - want) > 1e-9):
		        bad.append(f"{d}: configured {c} vs mpbridge {want}")
		    hand = sys.argv[2 if d == "c2s" else 3]
		    if hand != "-" and abs(want - float(hand)) > 1e-7:
		        bad.append(f"{d}: mpbridge {want} vs the closed form {hand}")
		    said.append(f"{d} {want:.6g}" + (f" then {', '.join(f'{x[2]:.6g}@{x[0]}s' for x in steps[1:])}" if changes else ""))
		    # three such paths, end to end
		if not changes:
		    per = {i: conf[1] for i in (1, 2, 3)}
		    up, down, rt = theory.theory(per)
		    pu, pd = eff["directions"]["c2s"]["loss"]["mean"], eff["directions"]["s2c"]["loss"]["mean"]
		    if abs(rt - (1 - (1 - pu ** 3) * (1 - pd ** 3))) > 1e-9:
		        bad.append(f"3 paths: theory {rt}")
		print(("BAD " + "; ".join(bad)) if bad else "OK " + ", ".join(said))
		PY
	)
	case $out in
	OK*) t_ok "$m: ${out#OK }" ;;
	*) t_fail "$m: ${out#BAD }" ;;
	esac
done
# GSO splitting of captures (labreport.pcap): a tunnel PING or PONG is one datagram whatever its
# size (a 1200-byte path MTU probe is not fifteen 80-byte keepalives, which it divides), while a
# run of DATA is still split into its segments
split=$(PYTHONPATH=$ROOT/lab python3 -c '
from labreport import pcap, wire
R = pcap.Record
ping = bytes([2, 2]) + bytes(84)
data = bytes([2, 1]) + bytes(84)
recs = [R(i, "a", 1, "b", 2, 17, ping, 80, 0) for i in range(20)]
recs += [R(30, "a", 1, "b", 2, 17, ping, 1200, 0), R(31, "a", 1, "b", 2, 17, data, 768, 0)]
seg = lambda r: 256
print(len(pcap.Split(seg, wire.sent_alone).split(recs)), len(pcap.Split(seg).split(recs)))')
t_expect "capture split: 20 keepalives + 1 MTU probe + a GSO run of 3 DATA = 24 datagrams ($split; without the PING rule the probe counts 15)" \
	[ "$split" = "24 38" ]
# Baselines (labreport.baselines.figures) leave out the figures a timed event sways, whatever
# the redundancy mode: a broadcast run whose path 2 took a loss step ("loss 2 20" in
# events.tsv) keeps path 1 and 3 and drops path 2 and the end-to-end loss; with no event, all four
kept=$(PYTHONPATH=$ROOT/lab python3 -c '
from labreport import analyse, baselines
ev = [(100.0, ["start"]), (105.0, ["loss", "2", "20"])]
d = {"directions": {"c2s": {"sources": {"bridge": {"in": 100, "forwarded": 80}}}}}
rep = {"end_to_end": {"sent": 100, "lost": 1}, "faults": [],
       "paths_detail": [dict(d, path=i) for i in (1, 2, 3)]}
out = []
for events in (ev, ev[:1]):
    rep["changes"] = analyse.changes_of(events, {"t0": "100"}, 3)
    out.append(",".join(sorted(baselines.figures(rep))))
print(" | ".join(out))')
t_expect "baseline figures without those a loss step sways ($kept)" \
	[ "$kept" = "path 1 c2s loss,path 3 c2s loss | end-to-end loss,path 1 c2s loss,path 2 c2s loss,path 3 c2s loss" ]
t_done
