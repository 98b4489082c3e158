#!/bin/bash
# lab/ci.sh - the fast lab suite (run by tests/run and `make test`; under 3 minutes on 2 cores).
#
#   lab/ci.sh                      run the CI scenarios, check expectations and baselines
#   lab/ci.sh --update-baselines   run them and store their figures in lab/baselines/
#   lab/ci.sh SCENARIO...          only these
#
# For each scenario: every expectation of the scenario is one [ OK ]/[FAIL] line (end-to-end loss
# inside the Wilson interval of theory at LAB_LEVEL=0.999, counters agreeing, recovery bounds for
# the fault scenarios...), and one line for the comparison with lab/baselines/SCENARIO.json: a
# loss figure that moved further than z pooled binomial standard errors from its baseline (z for
# a false alarm of at most 1 - LAB_LEVEL over the scenario's figures, Bonferroni) is printed as
# "moved from X to Y". Closing line: "N passed, N failed".
# As root the lab runs in network namespaces; otherwise on loopback (said in the output).
set -u
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LAB_DIR/.." && pwd)
cd "$ROOT" || exit 2
export BUILD=${BUILD:-build}
export LAB_LEVEL=${LAB_LEVEL:-0.999}
# the bridges batch their sends as in production (their own captures would send one by one)
export LAB_BRIDGE_PCAP=${LAB_BRIDGE_PCAP:-0}
PYTHON=${PYTHON:-python3}

# Each scenario checks something the others do not (the seed's Bernoulli paths, kernel loss and
# its counters, unequal paths, a blackout, each kind of restart). paths-1-30 ... paths-4-30 and
# ge-burst run the same checks as seed-3path on other figures, and the application scenarios
# (iperf3-3path, openvpn-3path, mptcp-3path) need their programs and take long: they stay runnable
# (`lab/ci.sh paths-2-30`, `make lab-all`) but are not in the default set, which keeps the lab part
# of `make test` under 3 minutes on the 2-core CI machine.
# fec-ge and fec-blackout: Reed-Solomon through the tunnel (mpclient --redundancy fec:K:M)
# against bursts and a blackout, each beside its theory and bound; fec-step (a loss step) runs
# the same checks and stays out of the default set for time (the lab part took 189 s with it on
# the CI machine, over the 3-minute budget).
# link-down: an interface-bound path's link set down and up (netlink events, issue 12): exact
# checks (marked from the event within 10 ms of its read, 0 lost), short (4 s of traffic). The
# other scenarios of issue 12 (handover, nat-rebind, mtu-blackhole) have baselines but stay out
# of the default set for time (45-80 s a run each on the loaded CI machine): `lab/ci.sh handover`.
# two-clients, socks5, ipv6-paths (issue 13: two mpclients with keys and targets of their own
# through one mpserver -c, none reaching the other's target; PySocks through mpclient --socks5;
# seed-3path over IPv6 links) stay out for time: `lab/ci.sh two-clients socks5 ipv6-paths`
# (about 70, 90 and 40 s at load 10-13).
CI_SCENARIOS=(seed-3path kernel-3path unequal blackout restart-mpserver restart-mpclient restart-bridge
	fec-ge fec-blackout link-down)

update=0
list=()
for a in "$@"; do
	case $a in
	--update-baselines) update=1 ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) list+=("$a") ;;
	esac
done
[ ${#list[@]} -gt 0 ] || list=("${CI_SCENARIOS[@]}")

pass=0
fail=0
ok() { pass=$((pass + 1)); printf '[ OK ] %s\n' "$*"; }
ko() { fail=$((fail + 1)); printf '[FAIL] %s\n' "$*"; }

RUNS=$(mktemp -d /tmp/mptlab-ci.XXXXXX)
cleanup() {
	if [ "$fail" = 0 ] && [ -z "${LAB_KEEP:-}" ]; then
		rm -rf "$RUNS"
	else
		echo "# run folders kept in $RUNS"
	fi
}
trap cleanup EXIT

echo "# lab CI: ${list[*]} (level $LAB_LEVEL, $( [ "$(id -u)" = 0 ] && echo namespaces || echo loopback))"
t_start=$(date +%s)
for s in "${list[@]}"; do
	run=$RUNS/$s
	t0=$(date +%s)
	LAB_OUT=$run timeout --kill-after=10 300 "$LAB_DIR/lab.sh" run "$s" >"$RUNS/$s.out" 2>&1
	rc=$?
	if [ ! -f "$run/report.json" ]; then
		ko "$s: no report (lab.sh exit $rc)"
		tail -n 25 "$RUNS/$s.out" | sed 's/^/#   /'
		continue
	fi
	echo "# $s ($(( $(date +%s) - t0 ))s): $(sed -n '/^end to end:/p' "$RUNS/$s.out")"
	sed -n '/^theory:/p; /^fault:/p' "$RUNS/$s.out" | sed 's/^/#   /'
	# one line per expectation: OK / FAIL / SKIP (a missing measurement fails)
	while IFS=$'\t' read -r verdict text; do
		case $verdict in
		OK) ok "$s: $text" ;;
		SKIP) echo "[SKIP] $s: $text (loopback)" ;;
		*) ko "$s: $text" ;;
		esac
	done < <("$PYTHON" - "$run/report.json" <<-'EOF'
		import json, sys
		rep = json.load(open(sys.argv[1]))
		# a figure that could not be measured fails in namespaces (everything is there), and is
		# skipped on loopback without root (no captures, no kernel counters per path)
		missing = "SKIP" if rep["mode"] == "loopback" else "FAIL"
		for x in rep["expectations"]:
		    v = {True: "OK", False: "FAIL", None: missing}[x["ok"]]
		    d = x["detail"] if x["ok"] is not None else "not measured: " + x["detail"]
		    print(f"{v}\t{x['expectation']}: {d}")
		EOF
	)
	base=$LAB_DIR/baselines/$s.json
	if [ $update = 1 ]; then
		"$PYTHON" "$LAB_DIR/report.py" save-baseline "$run" "$base" && ok "$s: baseline stored"
	elif [ -f "$base" ]; then
		out=$("$PYTHON" "$LAB_DIR/report.py" baseline "$run" "$base")
		brc=$?
		while IFS= read -r line; do
			case $line in
			"[ OK ] "*) ok "${line#\[ OK \] }" ;;
			"[FAIL] "*) ko "${line#\[FAIL\] }" ;;
			*) echo "# $line" ;;
			esac
		done <<<"$out"
		[ $brc = 0 ] || [ -n "$out" ] || ko "$s: baseline comparison failed"
	else
		ko "$s: no baseline lab/baselines/$s.json (lab/ci.sh --update-baselines)"
	fi
done
echo "# lab CI took $(( $(date +%s) - t_start ))s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
