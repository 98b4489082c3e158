# lab/lib/proc.sh - processes the lab starts: spawn under timeout, stop by PID, poll readiness.
#
#   l_spawn TAG NS LIMIT CMD...   start CMD (in namespace NS, or "-" for this one) under
#                                 `timeout LIMIT`; output in $RUN/logs/TAG.log; PID in L_PID[TAG]
#   l_stop TAG [SIG]              signal that process (and only it), bounded wait, then KILL
#   l_stop_all SIG TAG...         the same for several at once (all signalled, then each waited)
#   l_alive TAG                   it is still running
#   l_wait_udp TAG NS PORT [S]    poll until a UDP socket is bound to PORT in NS (fails early if
#                                 TAG died)
#   l_wait_log TAG REGEX [S]      poll until TAG's log matches
#   l_cleanup                     stop everything started here (the EXIT trap calls it)
#
# Only PIDs recorded here are ever signalled: no pkill, no killall.

declare -A L_PID=()
L_ALL_PIDS=()

l_log() { printf '[lab] %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

l_inns() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

l_spawn() {
	local tag=$1 ns=$2 limit=$3
	shift 3
	mkdir -p "$RUN/logs"
	echo "# $(date +%s.%N) start: $*" >>"$RUN/logs/$tag.log"
	if [ "$ns" = - ]; then
		timeout --kill-after=3 "$limit" "$@" >>"$RUN/logs/$tag.log" 2>&1 &
	else
		timeout --kill-after=3 "$limit" ip netns exec "$ns" "$@" >>"$RUN/logs/$tag.log" 2>&1 &
	fi
	L_PID[$tag]=$!
	L_ALL_PIDS+=("$!")
}

l_alive() {
	local pid=${L_PID[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# the program itself is the child of our `timeout` (ip netns exec execs it)
l_child() { pgrep -P "$1" 2>/dev/null | head -n 1; }

l_signal_pid() {
	local pid=$1 sig=$2 child
	child=$(l_child "$pid")
	if [ -n "$child" ]; then
		kill -"$sig" "$child" 2>/dev/null
	fi
	# timeout forwards TERM/INT itself; for KILL it must survive to be reaped below
	[ "$sig" = KILL ] || [ -n "$child" ] || kill -"$sig" "$pid" 2>/dev/null
}

l_stop_pid() {
	local pid=$1 sig=${2:-TERM}
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	l_signal_pid "$pid" "$sig"
	l_reap_pid "$pid"
}

# l_reap_pid PID: wait (bounded) for a signalled process to exit, else KILL it
l_reap_pid() {
	local pid=$1 i
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		l_signal_pid "$pid" KILL
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

l_stop() {
	local tag=$1 sig=${2:-TERM} pid=${L_PID[$1]:-}
	[ -n "$pid" ] || return 0
	echo "# $(date +%s.%N) stop ($sig)" >>"$RUN/logs/$tag.log"
	l_stop_pid "$pid" "$sig"
	unset "L_PID[$tag]"
}

l_stop_all() {
	local sig=$1 tag pid
	shift
	for tag in "$@"; do
		pid=${L_PID[$tag]:-}
		[ -n "$pid" ] || continue
		echo "# $(date +%s.%N) stop ($sig)" >>"$RUN/logs/$tag.log"
		kill -0 "$pid" 2>/dev/null && l_signal_pid "$pid" "$sig"
	done
	for tag in "$@"; do
		pid=${L_PID[$tag]:-}
		[ -n "$pid" ] || continue
		l_reap_pid "$pid"
		unset "L_PID[$tag]"
	done
}

l_cleanup_procs() {
	local pid
	for pid in "${L_ALL_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && l_signal_pid "$pid" TERM
	done
	for pid in "${L_ALL_PIDS[@]}"; do
		l_stop_pid "$pid" TERM
	done
	L_ALL_PIDS=()
	L_PID=()
}

l_wait_udp() {
	local tag=$1 ns=$2 port=$3 secs=${4:-5} i
	for i in $(seq 1 $((secs * 20))); do
		if l_inns "$ns" ss -Hlun "sport = :$port" 2>/dev/null | grep -q .; then
			return 0
		fi
		if ! l_alive "$tag"; then
			l_log "$tag exited before it listened on udp port $port (see logs/$tag.log)"
			return 1
		fi
		sleep 0.05
	done
	l_log "$tag: nothing listens on udp port $port after ${secs}s"
	return 1
}

l_wait_log() {
	local tag=$1 re=$2 secs=${3:-5} i
	for i in $(seq 1 $((secs * 20))); do
		grep -Eq "$re" "$RUN/logs/$tag.log" 2>/dev/null && return 0
		l_alive "$tag" || return 1
		sleep 0.05
	done
	return 1
}

now() { date +%s.%N; }

l_wait_tcp() {
	local tag=$1 ns=$2 port=$3 secs=${4:-5} i
	for i in $(seq 1 $((secs * 20))); do
		l_inns "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		l_alive "$tag" || { l_log "$tag exited before it listened on tcp port $port"; return 1; }
		sleep 0.05
	done
	l_log "$tag: nothing listens on tcp port $port after ${secs}s"
	return 1
}
