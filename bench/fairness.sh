#!/bin/bash
# bench/fairness.sh [SESSIONS] [RATE] [SECONDS] [RUNS] - fairness under overload (issue 13):
# SESSIONS sessions (default 100) x 3 paths from bench/mpt-sessions, each sending the same
# share of RATE datagrams/s in all (default 300000: more than one mpserver forwards on this
# machine), SECONDS each (default 3), RUNS runs (default 3), through one mpserver to the
# generator's own sink. Per run: each session's share (delivered / sent of its datagrams),
# Jain's index over the shares ((sum x)^2 / (n sum x^2): 1 when equal; issue 13's goal
# >= 0.95), the smallest and largest share, the loss, where it was lost (mpserver's own drops
# against the kernel's UDP RcvbufErrors: a socket buffer overflowing), mpserver's CPU seconds,
# and the load average. Last line: JSON (median and lowest index). A benchmark: exit 0 whatever
# the figures. The generator and its sink share the machine's cores with mpserver.
set -u
. "$(dirname "$0")/sessions-lib.sh"
bs_init 100 300000 3 3 "$@"
rcvbuf_errors() { awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp; }
jains=""
for run in $(seq 1 "$RUNS"); do
	t_spawn "srv$run" "$BUILD/mpserver" --max-sessions $((SESSIONS + 64)) --max-flows $((SESSIONS + 64)) \
		--no-control --quiet --listen "127.0.0.1:$PORT0" --target "127.0.0.1:$PORT1" --stats "$T/srv$run.json"
	t_wait_udp "$PORT0" || exit 1
	pid=$(t_pid "srv$run")
	e0=$(rcvbuf_errors)
	out=$("$BUILD/mpt-sessions" --to "127.0.0.1:$PORT0" --sink "127.0.0.1:$PORT1" --sessions "$SESSIONS" \
		--paths 3 --rate "$RATE" --duration "$SECS" --cpu-pid "$pid" --per-session "$T/per-session.$run" 2>/dev/null)
	e1=$(rcvbuf_errors)
	t_stop "srv$run"
	echo "$out" >"$T/run$run.json"
	python3 - "$T/run$run.json" "$T/srv$run.json" "$run" "$((e1 - e0))" <<-'PY'
		import json, sys
		r = json.load(open(sys.argv[1]))
		try:
		    drops = sum((json.load(open(sys.argv[2])).get("drops") or {}).values())
		except (OSError, ValueError, AttributeError):
		    drops = None
		print(f"run {sys.argv[3]}: {r['sessions']} sessions, jain {r['jain']:.4f}, share min {r['share_min']:.3f} "
		      f"max {r['share_max']:.3f} mean {r['share_mean']:.3f}; delivered {r['received']} of {r['made']} "
		      f"(goodput {r['goodput_dps']}/s); mpserver drops {drops}, kernel RcvbufErrors {sys.argv[4]} "
		      f"(copies: 3 per datagram); mpserver CPU {r.get('cpu_s')} s")
	PY
	jains+="$(json_get "$T/run$run.json" jain) "
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$SESSIONS" "$RATE" "$SECS" "$RUNS" "$LOAD0" "$LOAD1" $jains <<'PY'
import json, statistics, sys
s, rate, secs, runs, l0, l1 = sys.argv[1:7]
j = [float(x) for x in sys.argv[7:]]
med = statistics.median(j) if j else None
print(f"fairness: {s} sessions x 3 paths, offered {rate}/s for {secs} s: Jain's index median {med:.4f}, "
      f"lowest {min(j):.4f} of {len(j)} runs (goal >= 0.95); load average {l0} before, {l1} after")
print(json.dumps({"sessions": int(s), "rate": float(rate), "seconds": float(secs), "runs": int(runs),
                  "jain_median": med, "jain_min": min(j), "jain": j, "loadavg_before": l0, "loadavg_after": l1}))
PY
