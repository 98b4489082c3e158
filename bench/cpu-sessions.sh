#!/bin/bash
# bench/cpu-sessions.sh [SESSIONS] [RATE] [SECONDS] [RUNS] - mpserver's CPU per datagram with
# one session against SESSIONS sessions (default 10,000) x 3 paths held, the same traffic
# (issue 13's goal: within 10%). Each run starts a fresh mpserver and one bench/mpt-sessions:
# every session opened and answered on its 3 paths first (set-up, not measured), then 2 s of
# silence (--settle: the held sessions idle, as between keepalives; mpserver's per-path
# measurement visits only sessions heard within the last second), then RATE datagrams/s in
# all (default 20,000), each on every path, for SECONDS (default 5), no PINGs during the load
# (--ping 60s). mpserver's CPU seconds (user + system, /proc/PID/stat, read by
# mpt-sessions at the start and at the end of the load: CPU time, not wall time, so a loaded
# machine slows the run without inflating the figure much) over the datagrams sent. Cases:
#
#   one        1 session carries the traffic
#   held       SESSIONS sessions held (their 3 paths each answered), the first carries the
#              same traffic: what holding them costs per datagram (the goal's comparison)
#   spread100  the traffic round robin over 100 sessions, each with its own flow
#   spreadN    the traffic round robin over all SESSIONS: every session active, the tables
#              walked all over (the cache's worst case), one datagram per flow per batch
#
# one/held and spread100/spreadN are the two ratios printed (spreading the traffic over more
# flows also changes its shape: mpserver forwards a batch to the target as one message per
# flow, so one flow batches where 10,000 do not). Cases alternate, RUNS times each (default
# 3); medians, ratios and the load average; the last line is JSON. A benchmark: exit 0
# whatever the figures. The clock tick is 10 ms: a run costs mpserver about 0.5-1 s.
set -u
. "$(dirname "$0")/sessions-lib.sh"
bs_init 10000 20000 5 3 "$@"
ulimit -n $((SESSIONS + 5000)) 2>/dev/null ||
	{ echo "bench/cpu-sessions.sh: ulimit -n $((SESSIONS + 5000)) refused" >&2; exit 1; }
declare -A per
CASES="one held spread100 spreadN"
for run in $(seq 1 "$RUNS"); do
	for c in $CASES; do
		case $c in
		one) args=(--sessions 1) ;;
		held) args=(--sessions "$SESSIONS" --active 1) ;;
		spread100) args=(--sessions 100) ;;
		spreadN) args=(--sessions "$SESSIONS") ;;
		esac
		t_spawn "srv${c}_$run" "$BUILD/mpserver" --max-sessions $((SESSIONS + 64)) \
			--max-flows $((SESSIONS + 64)) --no-control --quiet --listen "127.0.0.1:$PORT0" \
			--target "127.0.0.1:$PORT1" --rcvbuf 16777216
		t_wait_udp "$PORT0" || exit 1
		pid=$(t_pid "srv${c}_$run")
		"$BUILD/mpt-sessions" --to "127.0.0.1:$PORT0" --sink "127.0.0.1:$PORT1" "${args[@]}" --paths 3 \
			--rate "$RATE" --duration "$SECS" --ping 60s --setup 60s --settle 2s --cpu-pid "$pid" --sockets 1000 \
			>"$T/run$c.$run.json" 2>"$T/run$c.$run.err"
		t_stop "srv${c}_$run"
		read -r us line < <(python3 - "$T/run$c.$run.json" "$c" "$run" <<-'PY'
			import json, sys
			r = json.load(open(sys.argv[1]))
			print(r["cpu_us_per_datagram"], f"run {sys.argv[3]}, {sys.argv[2]} ({r['sessions']} sessions): "
			      f"{r['made']} datagrams (x3 paths), {r['lost']} lost, {r['unanswered']} sessions "
			      f"unanswered; mpserver CPU {r['cpu_s']} s, {r['cpu_us_per_datagram']:.3f} us per datagram")
		PY
		)
		echo "$line"
		per[$c]+="$us "
	done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$SESSIONS" "$RATE" "$SECS" "$RUNS" "$LOAD0" "$LOAD1" "${per[one]}" "${per[held]}" \
	"${per[spread100]}" "${per[spreadN]}" <<'PY'
import json, statistics, sys
n, rate, secs, runs, l0, l1 = sys.argv[1:7]
cases = dict(zip(("one", "held", "spread100", "spreadN"),
                 ([float(x) for x in a.split()] for a in sys.argv[7:11])))
med = {k: statistics.median(v) for k, v in cases.items()}
r_held = med["held"] / med["one"] if med["one"] else None
r_spread = med["spreadN"] / med["spread100"] if med["spread100"] else None
print(f"cpu-sessions: {rate} datagrams/s x 3 paths for {secs} s, mpserver us per datagram (medians of "
      f"{len(cases['one'])}): 1 session {med['one']:.3f}, {n} held {med['held']:.3f} (ratio {r_held:.3f}, "
      f"goal <= 1.10); spread over 100 {med['spread100']:.3f}, over {n} {med['spreadN']:.3f} (ratio "
      f"{r_spread:.3f}); load average {l0} before, {l1} after")
print(json.dumps({"sessions": int(n), "rate": float(rate), "seconds": float(secs), "runs": int(runs),
                  "us_per_datagram": med, "ratio_held": r_held, "ratio_spread": r_spread, "all": cases,
                  "loadavg_before": l0, "loadavg_after": l1}))
PY
