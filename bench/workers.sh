#!/bin/bash
# bench/workers.sh [SESSIONS] [RATE] [SECONDS] [RUNS] - mpserver --workers 1 against
# --workers 2 with SESSIONS active sessions (default 100) x 3 paths from
# bench/mpt-sessions (protocol v2, clear mode, each datagram on every path, 200-byte
# payloads), offered RATE datagrams/s in all (default 300000: more than either
# serves here), SECONDS each (default 3), RUNS alternating runs each (default 3).
# Prints each run's goodput (datagrams/s delivered once at the target, measured by
# the sink from first to last receipt), loss and mpserver's CPU seconds, then the
# medians and their ratio, with the load average before and after; the last line is
# JSON. Issue 15's goal: 2 workers >= 1.6x one worker on an idle 2-core machine.
# The generator and its sink run on the same machine and take CPU too: on 2 cores
# they compete with the workers. A benchmark: exit 0 whatever the figures.
set -u
. "$(dirname "$0")/sessions-lib.sh"
bs_init 100 300000 3 3 "$@"

cpu_s() {	# user + system seconds of a PID
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null
}

declare -A good cpu
for run in $(seq 1 "$RUNS"); do
	for nw in 1 2; do
		t_spawn "s${nw}_$run" "$BUILD/mpserver" --workers "$nw" --max-sessions $((SESSIONS + 64)) \
			--no-control --quiet --listen "127.0.0.1:$PORT0" --target "127.0.0.1:$PORT1"
		t_wait_udp "$PORT0" || exit 1
		pid=$(t_pid "s${nw}_$run")
		c0=$(cpu_s "$pid")
		out=$("$BUILD/mpt-sessions" --to "127.0.0.1:$PORT0" --sink "127.0.0.1:$PORT1" \
			--sessions "$SESSIONS" --paths 3 --rate "$RATE" --duration "$SECS" 2>/dev/null)
		c1=$(cpu_s "$pid")
		t_stop "s${nw}_$run"
		g=$(json_get <(echo "$out") goodput_dps)
		made=$(json_get <(echo "$out") made)
		lost=$(json_get <(echo "$out") lost)
		c=$(echo "$c1 - $c0" | bc -l)
		good[$nw]+="$g "
		cpu[$nw]+="$c "
		printf 'run %s, %s worker(s): goodput %s datagrams/s, lost %s of %s, mpserver CPU %.2f s\n' \
			"$run" "$nw" "$g" "$lost" "$made" "$c"
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
g1=$(echo "${good[1]}" | median)
g2=$(echo "${good[2]}" | median)
ratio=$(echo "scale=2; $g2 / $g1" | bc -l)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "workers: $SESSIONS sessions x 3 paths, 200 B, offered $RATE/s: 1 worker $g1/s, 2 workers $g2/s" \
	"(medians of $RUNS), ratio $ratio; load average $LOAD0 before, $LOAD1 after, $(nproc) CPUs"
printf '{"sessions":%s,"rate":%s,"seconds":%s,"runs":%s,"goodput_1":%s,"goodput_2":%s,"ratio":%s,"loadavg_before":"%s","loadavg_after":"%s","cpus":%s}\n' \
	"$SESSIONS" "$RATE" "$SECS" "$RUNS" "$g1" "$g2" "$ratio" "$LOAD0" "$LOAD1" "$(nproc)"
