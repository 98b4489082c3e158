# tests/lib.sh - shared driver for integration scripts (source it).
#
#   t_init NAME            temp dir $T, cleanup trap, counters
#   t_spawn TAG CMD...     start CMD in the background, log in $T/TAG.log,
#                          PID remembered in PID_<TAG> (killed at exit)
#   t_stop TAG [SIG]       stop one started process (by PID) and wait for it
#   t_wait_udp PORT [S]    poll until something listens on UDP PORT (127.0.0.1)
#   t_ports N              set PORT0..PORT(N-1) to free UDP ports
#   t_ok / t_fail MSG      record a result ("[ OK ]" / "[FAIL]")
#   t_skip MSG             a check that cannot run here ("[SKIP]", not a pass)
#   t_expect MSG CMD...    t_ok if CMD succeeds, else t_fail
#   t_done                 print "N passed, N failed" and exit 0/1
#   t_need_cmd, t_need_built, t_need_valgrind   fail or skip the script early
#   t_echo_target TAG PORT bridge/udptool.py echo server on PORT
#   t_bridge_ports         LP, EP (an echo target), CP: an mpbridge test's three ports
#   json_get, t_json_is, t_json_in, t_bridge_settle   read the programs' --stats JSON
#   t_wait_pid PID S, t_renew   bounded wait for a PID; fresh $T for a second round
#
# $ROOT is the source tree, $UDPTOOL bridge/udptool.py (send, echo, ping, verify).
#
# Every wait is bounded; only processes started here are ever signalled.
#
# The helpers poll without starting processes (a fork and exec costs ~10 ms of CPU on
# the CI machine, and a poll every 50 ms that started three of them kept a core half
# busy): `sleep N` (seconds, a plain number) is a read with a timeout on a pipe nobody
# writes to, the ports are read from /proc/net/udp, the JSON with bash's regexps.

set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UDPTOOL=$ROOT/bridge/udptool.py
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
. "$ROOT/tests/ports.sh"
T_PASS=0
T_FAIL=0
T_SKIP=0
T_PIDS=()
T_TAGS=()

# sleep SECONDS: as sleep(1), without a process (see above); any other argument
# goes to sleep(1)
exec {T_SLEEP_FD}<> <(:)
sleep() {
	if [ $# = 1 ] && [[ $1 =~ ^[0-9]*\.?[0-9]+$ ]]; then
		read -r -t "$1" -u "$T_SLEEP_FD" _
		return 0
	fi
	command sleep "$@"
}

t_cleanup() {
	local pid i
	for pid in "${T_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		# bounded wait, then force
		for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
	done
	T_PIDS=()
	if [ -n "${T:-}" ] && [ -d "$T" ] && [ -z "${T_KEEP:-}" ]; then
		rm -rf "$T"
	fi
}

t_init() {
	T_NAME=$1
	T=$(mktemp -d "/tmp/mpt-$T_NAME.XXXXXX")
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
	echo "# $T_NAME"
}

t_spawn() {
	local tag=$1
	shift
	"$@" >>"$T/$tag.log" 2>&1 &
	local pid=$!
	T_PIDS+=("$pid")
	T_TAGS+=("$tag")
	printf -v "PID_$tag" '%s' "$pid"
}

t_pid() { local v="PID_$1"; echo "${!v:-}"; }

t_stop() {
	local tag=$1 sig=${2:-TERM} pid i v="PID_$1"
	pid=${!v:-}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	return 0
}

# t_udp_bound PORT: an unconnected UDP socket (IPv4 or IPv6) is bound to PORT in this
# network namespace (what `ss -Hlun sport = :PORT` lists: state 07 in /proc/net/udp*)
t_udp_bound() {
	local hex f line re
	printf -v hex '%04X' "$1"
	re="^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 07 "
	for f in /proc/net/udp /proc/net/udp6; do
		[ -r "$f" ] || continue
		while IFS= read -r line; do
			[[ $line =~ $re ]] && return 0
		done <"$f"
	done
	return 1
}

# t_wait_udp PORT [SECONDS]: a UDP socket bound to PORT exists
t_wait_udp() {
	local port=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		t_udp_bound "$port" && return 0
		sleep 0.05
	done
	echo "# nothing listens on udp port $port after ${secs}s" >&2
	return 1
}

# t_wait_log TAG REGEX [SECONDS]
t_wait_log() {
	local tag=$1 re=$2 secs=${3:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq "$re" "$T/$tag.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# t_port_free PORT: no UDP or TCP socket uses PORT as its local port (what
# `ss -Haun sport = :PORT` and `ss -Hatn sport = :PORT` list), from /proc/net
t_port_free() {
	local hex f line re
	printf -v hex '%04X' "$1"
	re="^ *[0-9]+: [0-9A-F]+:$hex "
	for f in /proc/net/udp /proc/net/udp6 /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] || continue
		while IFS= read -r line; do
			[[ $line =~ $re ]] && return 1
		done <"$f"
	done
	return 0
}

# t_ports N: PORT0.. consecutive free ports (UDP and TCP) from a random base
t_ports() {
	port_range "$1" PORT t_port_free && return 0
	echo "# no free port range" >&2
	return 1
}

t_ok() { T_PASS=$((T_PASS + 1)); printf '[ OK ] %s\n' "$*"; }
t_skip() { T_SKIP=$((T_SKIP + 1)); printf '[SKIP] %s\n' "$*"; }
t_fail() {
	T_FAIL=$((T_FAIL + 1))
	printf '[FAIL] %s\n' "$*"
	if [ -n "${T:-}" ]; then
		local f
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "#   --- $(basename "$f") (last lines)"
			tail -n 15 "$f" | sed 's/^/#   /'
		done
	fi
}

t_expect() {
	local msg=$1
	shift
	if "$@"; then t_ok "$msg"; else t_fail "$msg"; fi
}

# in_range VALUE LO HI: VALUE is an integer with LO <= VALUE <= HI
in_range() {
	[[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

t_done() {
	if [ "$T_SKIP" -gt 0 ]; then
		echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	else
		echo "$T_PASS passed, $T_FAIL failed"
	fi
	[ "$T_FAIL" = 0 ]
	exit $?
}

# t_stats TAG FILE KEY: SIGUSR1 to TAG, wait for FILE to be rewritten, print KEY
t_stats() {
	local tag=$1 file=$2 key=$3 i
	local v="PID_$1"
	rm -f "$file"
	kill -USR1 "${!v:-}" 2>/dev/null || return 1
	for ((i = 0; i < 100; i++)); do
		[ -s "$file" ] && break
		sleep 0.02
	done
	json_get "$file" "$key"
}

# json_get FILE KEY: a top-level number from a flat JSON object (the first line
# holding KEY, its last "KEY": on that line)
json_get() {
	local line re=".*\"$2\"[[:space:]]*:[[:space:]]*([-0-9.eE+]*)"
	[ -r "$1" ] || { echo "json_get: cannot read $1" >&2; return 0; }
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ $re ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	done <"$1"
	return 0
}

# --- shared preamble pieces ---------------------------------------------------

# t_need_cmd CMD [WHY]: CMD must be installed, else one failure and the end
t_need_cmd() {
	command -v "$1" >/dev/null && return 0
	t_fail "$1 not installed${2:+ ($2)}"
	t_done
}

# t_need_valgrind: skip the script (not a pass) without valgrind or in a
# sanitizer build, whose binaries valgrind cannot run
t_need_valgrind() {
	case $BUILD in *-san) t_skip "sanitizer build: valgrind does not run ASan binaries"; t_done ;; esac
	command -v valgrind >/dev/null && return 0
	t_skip "valgrind not installed (make deps installs it)"
	t_done
}

# t_need_built PROG...: the programs exist in $BUILD, else one failure and the end
t_need_built() {
	local p
	for p in "$@"; do
		[ -x "$BUILD/$p" ] && continue
		t_fail "$BUILD/$p is not built"
		t_done
	done
}

# t_echo_target TAG PORT: bridge/udptool.py echoing on 127.0.0.1:PORT
t_echo_target() {
	t_spawn "$1" python3 "$UDPTOOL" echo "$2"
	t_wait_udp "$2" || { t_fail "echo target $1 did not start"; t_done; }
}

# t_bridge_ports: LP (an mpbridge's listen port), EP (with a udptool echo target on it) and CP
# (the sender's source port), three free ports
t_bridge_ports() {
	t_ports 3 || exit 1
	LP=$PORT0
	EP=$PORT1
	CP=$PORT2
	t_echo_target echo "$EP"
}

# t_json_is FILE KEY VALUE: json_get FILE KEY prints VALUE
t_json_is() { [ "$(json_get "$1" "$2")" = "$3" ]; }

# t_json_in FILE OBJ KEY: a number from the line of FILE holding "OBJ":{ (mpbridge
# writes one line per direction: t_json_in stats.json c2s forwarded)
t_json_in() {
	local line re=".*\"$3\":([0-9]*)"
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line == *"\"$2\":{"* && $line =~ $re ]] && echo "${BASH_REMATCH[1]}"
	done <"$1"
	return 0
}

# t_bridge_settle TAG FILE: SIGUSR1 to the mpbridge TAG until its --stats FILE
# stops changing with nothing queued in either direction (bounded: 6 s)
t_bridge_settle() {
	local prev="" cur i pid line v="PID_$1"
	pid=${!v:-}
	for ((i = 0; i < 60; i++)); do
		kill -USR1 "$pid" 2>/dev/null || return 1
		sleep 0.1
		cur=""	# its lines of both directions
		while IFS= read -r line || [ -n "$line" ]; do
			[[ $line =~ \"(c2s|s2c)\": ]] && cur+=$line$'\n'
		done 2>/dev/null <"$2"
		if [ -n "$cur" ] && [ "$cur" = "$prev" ] && [ "$(t_json_in "$2" c2s queued)" = 0 ] &&
			[ "$(t_json_in "$2" s2c queued)" = 0 ]; then
			return 0
		fi
		prev=$cur
	done
	return 1
}

# t_wait_pid PID SECONDS: bounded wait for a process this script started (killed
# when it outlives SECONDS: status 124); returns its status
t_wait_pid() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# t_renew: stop what was started, and a fresh temporary directory $T (for a
# script that runs the same scenario several times)
t_renew() {
	t_cleanup
	T=$(mktemp -d "/tmp/mpt-$T_NAME.XXXXXX")
}
