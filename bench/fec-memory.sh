#!/bin/bash
# bench/fec-memory.sh [N] - mpserver's memory per idle session, with and without FEC.
#
# For each case a fresh mpserver (clear, loopback, an echo target) gets N
# sessions from bench/idle-sessions.py, and its VmRSS (/proc/PID/status) is
# read before (one session), just after, and FEC_MEMORY_IDLE seconds later (default 5:
# coders idle for 1 s are freed by the 1 s housekeeping, open blocks after
# the 2 s hold).  Per session = (RSS after - RSS before) / N.
#
#   broadcast      N sessions, PINGs only (the default mode)
#   bcast-data     N sessions that each send 4 DATA (one flow each) answered by the echo
#                  target: what a flow adds
#   fec-mode       N sessions whose PINGs ask for fec:20:20 (no data)
#   fec-data       N sessions asking fec:20:20 that each send 4 coded DATA
#                  (mpserver's decoder set up) answered by the echo target
#                  (mpserver's coder set up), then fall idle
#
# MPSERVER=path measures another build (an older one, to compare). Needs
# ulimit -n above N (one socket per flow on mpserver in fec-data).
# Prints one line per case and a JSON line per case on stdout.
set -u
N=${1:-10000}
IDLE=${FEC_MEMORY_IDLE:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
. "$ROOT/tests/lib.sh"
MPSERVER=${MPSERVER:-$BUILD/mpserver}
t_init fec-memory
ulimit -n $((N + 1024)) 2>/dev/null || echo "fec-memory: ulimit -n $((N + 1024)) refused: fec-data may run out of sockets" >&2

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

t_ports 2
t_echo_target echo "$PORT1"
run_case() {
	local name=$1
	shift
	local pid before after idle i
	local tag=srv_${name//-/_}
	t_spawn "$tag" "$MPSERVER" -q --no-control --listen "127.0.0.1:$PORT0" \
		--target "127.0.0.1:$PORT1" --max-sessions $((N + 64)) --max-flows $((N + 64))
	pid=$(t_pid "$tag")
	# ready: one session answers (bounded)
	for i in $(seq 1 50); do
		python3 "$ROOT/bench/idle-sessions.py" "127.0.0.1:$PORT0" 1 1 --base 0x1d1f000000000000 \
			>/dev/null 2>&1 && break
		sleep 0.1
	done
	before=$(rss_kib "$pid")
	opened=$(python3 "$ROOT/bench/idle-sessions.py" "127.0.0.1:$PORT0" "$N" 4 "$@")
	after=$(rss_kib "$pid")
	sleep "$IDLE"
	idle=$(rss_kib "$pid")
	t_stop "$tag"
	awk -v n="$name" -v o="$opened" -v N="$N" -v b="$before" -v a="$after" -v i="$idle" -v w="$IDLE" 'BEGIN {
		printf "%-10s %6d sessions  RSS %7d -> %7d KiB (%6.2f KiB/session) -> %7d KiB after %ss idle (%6.2f KiB/session)\n",
			n, o, b, a, (a - b) / N, i, w, (i - b) / N > "/dev/stderr"
		printf "{\"case\": \"%s\", \"sessions\": %d, \"rss_before_kib\": %d, \"rss_after_kib\": %d, \"rss_idle_kib\": %d, \"kib_per_session\": %.3f, \"kib_per_idle_session\": %.3f}\n",
			n, o, b, a, i, (a - b) / N, (i - b) / N }'
}
echo "fec-memory: $MPSERVER, N=$N, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run_case broadcast
run_case bcast-data --data 4
run_case fec-mode --fec 20:20
run_case fec-data --fec 20:20 --data 4
