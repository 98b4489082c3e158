#!/usr/bin/env bash
# bench/bench.sh - `make bench`: throughput, loss, latency and CPU cost of the
# tunnel against baselines, on 127.0.0.1 only.
#
# For every configuration an offered-load sweep (1400- and 200-byte datagrams)
# is sent by build/mpt-load and received by it at the far end (one-way
# latency).  Each point records goodput, loss, latency percentiles and the
# CPU seconds per million delivered datagrams of every process we started
# (from /proc/PID/schedstat, or utime+stime, before and after the point).
#
# Configurations:
#   direct               load generator -> sink
#   socat, mpbridge      one relay
#   ref+ref              mpt-refrelay client -> N mpt-refrelay bridges -> mpt-refrelay server
#   ref+mpbridge/socat   the reference fan-out relay over mpbridge / socat bridges
#   ref1+...             the reference relay with one datagram per system call
#                        (what batching alone is worth)
#   refgso+...           the reference relay sending runs of equal-sized datagrams
#                        as UDP GSO messages (does GSO pay?)
#   tunnel+mpbridge/socat  mpclient -> N bridges -> mpserver
#   tunnel-enc+...       the same with --key-file (when this build can make a key)
#   tunnel-fec+..., tunnel-fec-enc+...  the same with mpclient --redundancy fec:20:20
#                        (BENCH_FEC: each datagram once on one path, 2x the bytes in
#                        parity), plain and with --key-file: `make bench-fec` runs them
#                        beside tunnel+ and tunnel-enc+ in one run
#   ...+mpbridge-cap:N   the same over mpbridge paths of finite capacity (each bridge a
#                        token bucket of BENCH_PATH_RATE, default 300mbit): what a link's
#                        bytes cost (unlimited loopback paths measure CPU only); `make
#                        bench-fec` runs tunnel-enc+ and tunnel-fec-enc+ over them too
#   tunnel-idle+...      the same with BENCH_IDLE_SESSIONS (10,000) idle sessions opened on
#                        mpserver first (bench/idle-sessions.py): the load runs beside them,
#                        and mpserver's CPU per datagram is compared with tunnel+... at the
#                        same rates (O(1) tables: the two should match)
#   iperf3               a second, well-known load through the tunnel (when installed)
#
# Environment:
#   BENCH_QUICK=1        under a minute: 1400 bytes, fewer rates and configurations
#   BENCH_DURATION=0.8   seconds of load per point (quick: 0.5)
#   BENCH_CONFIGS=...    only these configurations (space-separated NAME[:PATHS]; not
#                        in the default list: ref1+..., refgso+ref, refgso+socat)
#   BENCH_GSO=0          the load generator sends without UDP GSO
#   BENCH_IDLE_SESSIONS=10000  idle sessions of the tunnel-idle configurations
#   BENCH_WORKERS=0      without the mpserver --workers 1 against 2 step (bench/workers.sh)
#   BENCH_FAIRNESS=0     without the fairness under overload step (bench/fairness.sh)
#   BENCH_CPU_SESSIONS=0 without mpserver's CPU per datagram at 1 and 10,000 sessions
#                        (bench/cpu-sessions.sh, about 3 minutes)
#   BENCH_PATH_RATE=300mbit, BENCH_PATH_BURST=128kb  each bridge's token bucket in the
#                        mpbridge-cap configurations (mpbridge --rate R burst SIZE)
#   BENCH_TUNNEL_ARGS=   extra arguments for mpclient and mpserver (e.g. --rcvbuf 4194304)
#   BENCH_OUT=bench/results  where <timestamp>.json, .txt and .png go
#   BENCH_BASELINE=REV   also build REV's mpclient and mpserver (a temporary git worktree,
#                        removed at exit) and run every tunnel configuration with them
#                        beside the current build, point by point alternating (same
#                        bridges, same mpt-load); the baseline's points are named
#                        base/CONFIG, and the table ends with current/baseline ratios of
#                        max goodput below 1% loss and of mpserver's CPU per datagram
#                        (also under "baseline" in the JSON)
#   BENCH_PERF=CONFIG@MBIT[/SIZE]  instead of the sweep: load CONFIG (e.g.
#                        tunnel+mpbridge:3@300) for 4 x BENCH_DURATION under
#                        `perf record -g` and write each process's profile
#
# Exit status 0 when every configuration ran (whatever the figures), 1 otherwise.

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 0 ] && QUICK=
# quick Q F: Q in a quick bench (BENCH_QUICK), F otherwise
quick() { if [ -n "$QUICK" ]; then echo "$1"; else echo "$2"; fi; }
OUTDIR=${BENCH_OUT:-$ROOT/bench/results}
PATH_RATE=${BENCH_PATH_RATE:-300mbit}
PATH_BURST=${BENCH_PATH_BURST:-128kb}
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
ORIG_LO=170
ORIG_HI=200	# the original mptunnel's saturation, Mbit/s (shared NOTES.md)

if [ -n "$QUICK" ]; then
	DUR=${BENCH_DURATION:-0.5}
	DRAIN=0.15
	RATES_1400="50 200 500 1000 2000"
	RATES_200=""
	DEFAULT_CONFIGS="direct mpbridge ref+ref:3 ref+mpbridge:3 tunnel+mpbridge:1 tunnel+mpbridge:3 tunnel-idle+mpbridge:3 tunnel+socat:3 tunnel-enc+mpbridge:3"
else
	DUR=${BENCH_DURATION:-0.6}
	DRAIN=0.15
	RATES_1400="50 100 200 300 400 550 700 1000 1500 2500"
	RATES_200="10 25 50 100 150 250"
	# every path count for the tunnel; baselines at 3 paths (the seed's case);
	# BENCH_CONFIGS for more (e.g. ref+mpbridge:1 tunnel+socat:4)
	DEFAULT_CONFIGS="direct socat mpbridge ref+ref:3 ref+mpbridge:3 refgso+mpbridge:3 tunnel+mpbridge:1 tunnel+mpbridge:2 tunnel+mpbridge:3 tunnel+mpbridge:4 tunnel-idle+mpbridge:3 tunnel+socat:3 tunnel-enc+mpbridge:3 tunnel-enc+socat:3 tunnel-fec+mpbridge:3 tunnel-fec-enc+mpbridge:3 iperf3"
fi
CONFIGS=${BENCH_CONFIGS:-$DEFAULT_CONFIGS}
IDLE_SESSIONS=${BENCH_IDLE_SESSIONS:-10000}
TUNNEL_ARGS=${BENCH_TUNNEL_ARGS:-}
# the load generator sends its batches as UDP GSO messages (half its CPU cost);
# BENCH_GSO=0 for one sendmmsg entry per datagram
LOAD_GSO=--gso
[ "${BENCH_GSO:-1}" = 0 ] && LOAD_GSO=
# 200-byte sweeps only where they tell something (and time allows)
SMALL_CONFIGS=" direct mpbridge ref+ref:3 ref+mpbridge:3 tunnel+mpbridge:3 tunnel+socat:3 tunnel-enc+mpbridge:3 "

for p in mpt-load mpt-refrelay mpt-aead mpclient mpserver mpbridge; do
	[ -x "$BUILD/$p" ] || { echo "bench: $BUILD/$p missing (run make)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/mpt-bench.XXXXXX)
PIDS=()		# every process this script started, in start order
CUR=()		# tag=pid of the current configuration
FAILED=0
BASELINE=${BENCH_BASELINE:-}
BASE_WT=	# the baseline's git worktree (removed at exit)

stop_pids() {
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "$@"; do
		for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

cleanup() {
	[ ${#PIDS[@]} -gt 0 ] && stop_pids "${PIDS[@]}"
	if [ -n "$BASE_WT" ]; then
		git -C "$ROOT" worktree remove --force "$BASE_WT" 2>/dev/null
		rm -rf "$BASE_WT"
		git -C "$ROOT" worktree prune 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# spawn TAG CMD...: background, output in $WORK/TAG.log
spawn() {
	local tag=$1
	shift
	"$@" >"$WORK/$tag.log" 2>&1 &
	PIDS+=("$!")
	CUR+=("$tag=$!")
}

stop_config() {
	local e pids=()
	for e in "${CUR[@]}"; do pids+=("${e#*=}"); done
	[ ${#pids[@]} -gt 0 ] && stop_pids "${pids[@]}"
	CUR=()
}

# ports and readiness: tests/lib.sh (t_wait_udp, t_port_free: UDP and TCP, t_ports)
. "$ROOT/tests/lib.sh"
wait_udp() { t_wait_udp "$1" 5; }

# pick_ports N: P[0..N-1] consecutive free ports
pick_ports() {
	local i v
	t_ports "$1" || return 1
	P=()
	for i in $(seq 0 $(($1 - 1))); do
		v=PORT$i
		P+=("${!v}")
	done
}

# cpu_ns PID: CPU time of the (single-threaded) process in ns: /proc/PID/schedstat
# (ns resolution) or utime+stime from /proc/PID/stat (ticks); 0 if gone.  The
# kernel here does not set softirq time apart (no IRQ_TIME_ACCOUNTING), so
# the loopback delivery a process's send triggers is counted in its time.
cpu_ns() {
	local s
	if s=$(cat "/proc/$1/schedstat" 2>/dev/null) && [ -n "$s" ]; then
		echo "${s%% *}"
		return
	fi
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	set -- $s
	echo $(( (${12} + ${13}) * 1000000000 / HZ ))
}

jget() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1" | head -n 1; }

# ---- encryption ----

ENC=
ENC_WHY=
KEY=$WORK/bench.key
if ! "$BUILD/mpclient" --help 2>&1 | grep -q -- --key-file; then
	ENC_WHY="mpclient --help does not mention --key-file"
elif ! (umask 077; "$BUILD/mpclient" --genkey >"$KEY" 2>"$WORK/genkey.err"); then
	ENC_WHY="mpclient --genkey: $(head -n 1 "$WORK/genkey.err")"
else
	chmod 600 "$KEY"
	ENC=1
fi

# ---- the tunnel's programs: this build, or BENCH_BASELINE's ----

# TUN_CLIENT, TUN_SERVER: the mpclient and mpserver setup starts; TUN_Q their quiet
# option; TUN_KEY the key file they read (tunnel_use current|baseline)
CUR_Q=(-q)
BASE_DIR=
BASE_Q=()
BASE_KEY=
BASE_DESC=
tunnel_use() {
	if [ "$1" = baseline ]; then
		TUN_CLIENT=$BASE_DIR/mpclient TUN_SERVER=$BASE_DIR/mpserver TUN_KEY=$BASE_KEY
		TUN_Q=("${BASE_Q[@]}")
	else
		TUN_CLIENT=$BUILD/mpclient TUN_SERVER=$BUILD/mpserver TUN_KEY=$KEY
		TUN_Q=("${CUR_Q[@]}")
	fi
}
tunnel_use current

# build_baseline REV: REV's mpclient and mpserver in a detached worktree (same
# compiler and flags as make's defaults); sets BASE_DIR, BASE_Q, BASE_KEY
build_baseline() {
	local rev=$1 sha help opt
	sha=$(git -C "$ROOT" rev-parse --verify --quiet "$rev^{commit}") ||
		{ echo "bench: BENCH_BASELINE=$rev: not a commit" >&2; return 1; }
	BASE_WT=$WORK/baseline
	git -C "$ROOT" worktree add --detach "$BASE_WT" "$sha" >"$WORK/baseline-worktree.log" 2>&1 ||
		{ echo "bench: git worktree add $rev: $(tail -n 2 "$WORK/baseline-worktree.log")" >&2; return 1; }
	echo "bench: building the baseline $rev ($sha) in $BASE_WT" >&2
	# BUILD on the command line: the environment's BUILD is this build's
	if ! nice make -C "$BASE_WT" -j2 BUILD=build build/mpclient build/mpserver \
		>"$WORK/baseline-build.log" 2>&1; then
		echo "bench: the baseline $rev does not build:" >&2
		tail -n 15 "$WORK/baseline-build.log" >&2
		return 1
	fi
	BASE_DIR=$BASE_WT/build
	BASE_DESC=$rev
	[ "$rev" = "${sha:0:${#rev}}" ] || BASE_DESC+=" = ${sha:0:9}"
	BASE_DESC+=" ($(git -C "$ROOT" log -1 --format=%s "$sha" | cut -c1-60))"
	# its command line may lack newer options: pass only what its --help names
	help=$("$BASE_DIR/mpserver" --help 2>&1; "$BASE_DIR/mpclient" --help 2>&1)
	for opt in --listen --target --bridge --max-sessions; do
		grep -q -- "$opt" <<<"$help" ||
			{ echo "bench: the baseline's --help has no $opt: cannot run it here" >&2; return 1; }
	done
	BASE_Q=()
	grep -qE -- '(^|[ ,])-q([ ,]|$)|--quiet' <<<"$help" && BASE_Q=(-q)
	for opt in $TUNNEL_ARGS; do
		case $opt in --*) ;; *) continue ;; esac
		grep -q -- "${opt%%=*}" <<<"$help" ||
			{ echo "bench: BENCH_TUNNEL_ARGS: the baseline's --help has no ${opt%%=*}" >&2; return 1; }
	done
	BASE_KEY=
	if [ -n "$ENC" ] && grep -q -- --key-file <<<"$help" &&
		(umask 077; "$BASE_DIR/mpclient" --genkey >"$WORK/base.key" 2>/dev/null); then
		BASE_KEY=$WORK/base.key
	fi
	return 0
}

# CTX_<SLOT>_*: the globals of a running configuration, to run two side by side
ctx_save() {
	local v
	for v in ENTRY SINK SRC; do printf -v "CTX_$1_$v" '%s' "${!v}"; done
	eval "CTX_$1_COMPS=(\"\${COMPS[@]}\")"
	eval "CTX_$1_CUR=(\"\${CUR[@]}\")"
	CUR=()
}
ctx_load() {
	local v n
	for v in ENTRY SINK SRC; do n=CTX_$1_$v; printf -v "$v" '%s' "${!n}"; done
	eval "COMPS=(\"\${CTX_$1_COMPS[@]}\")"
	eval "CUR=(\"\${CTX_$1_CUR[@]}\")"
}

# ---- configurations ----

# setup NAME: start the pieces; sets ENTRY (where the load goes), SINK (where
# it must arrive), SRC (fixed source port of the load), COMPS (tags whose CPU
# is measured).  Returns non-zero if it cannot.
setup() {
	local name=$1 kind=${1%%:*} n=1 i via bridges=() enc_args=() srv_args=() cli_args=()
	case $1 in *:*) n=${1##*:} ;; esac
	via=${kind#*+}
	local refopt=()
	[ "${kind%%+*}" = refgso ] && refopt=(--gso)
	[ "${kind%%+*}" = ref1 ] && refopt=(--single)
	pick_ports $((4 + n)) || return 1
	SRC=${P[0]}
	SINK=${P[1]}
	ENTRY=${P[2]}
	local srv=${P[3]}
	COMPS=()
	case $kind in
	direct)
		ENTRY=$SINK
		return 0
		;;
	socat)
		spawn relay socat "udp-listen:$ENTRY,bind=127.0.0.1" "udp4:127.0.0.1:$SINK"
		COMPS=(relay)
		wait_udp "$ENTRY"
		return
		;;
	mpbridge)
		spawn relay "$BUILD/mpbridge" -q --listen "127.0.0.1:$ENTRY" --to "127.0.0.1:$SINK"
		COMPS=(relay)
		wait_udp "$ENTRY"
		return
		;;
	esac
	case $kind in
	tunnel-enc+*)
		[ -n "$ENC" ] && [ -n "$TUN_KEY" ] || return 3
		enc_args=(--key-file "$TUN_KEY")
		;;
	tunnel-fec-enc+*)
		[ -n "$ENC" ] && [ -n "$TUN_KEY" ] || return 3
		enc_args=(--key-file "$TUN_KEY")
		cli_args=(--redundancy "${BENCH_FEC:-fec:20:20}")
		;;
	tunnel-fec+*)
		cli_args=(--redundancy "${BENCH_FEC:-fec:20:20}")
		;;
	tunnel-idle+*)
		srv_args=(--max-sessions $((IDLE_SESSIONS + 64)))
		;;
	esac
	# far end first
	case $kind in
	ref+* | refgso+* | ref1+*)
		spawn server "$BUILD/mpt-refrelay" server "${refopt[@]}" --listen "127.0.0.1:$srv" \
			--target "127.0.0.1:$SINK"
		;;
	tunnel*)
		# shellcheck disable=SC2086
		spawn server "$TUN_SERVER" "${TUN_Q[@]}" $TUNNEL_ARGS "${enc_args[@]}" "${srv_args[@]}" \
			--listen "127.0.0.1:$srv" --target "127.0.0.1:$SINK"
		;;
	esac
	COMPS+=(server)
	wait_udp "$srv" || return 1
	if [ ${#srv_args[@]} -gt 0 ]; then
		local opened
		opened=$(python3 "$ROOT/bench/idle-sessions.py" "127.0.0.1:$srv" "$IDLE_SESSIONS")
		# (a baseline with another wire format opens none: that configuration fails)
		echo "bench: $name: $opened idle sessions opened on mpserver" >&2
		[ "$opened" = "$IDLE_SESSIONS" ] || return 1
	fi
	for i in $(seq 0 $((n - 1))); do
		local bp=${P[$((4 + i))]}
		case $via in
		mpbridge) spawn "bridge$i" "$BUILD/mpbridge" -q --listen "127.0.0.1:$bp" \
				--to "127.0.0.1:$srv" ;;
		mpbridge-cap) spawn "bridge$i" "$BUILD/mpbridge" -q --listen "127.0.0.1:$bp" \
				--to "127.0.0.1:$srv" --rate "$PATH_RATE" burst "$PATH_BURST" ;;
		socat) spawn "bridge$i" socat "udp-listen:$bp,bind=127.0.0.1" "udp4:127.0.0.1:$srv" ;;
		ref) spawn "bridge$i" "$BUILD/mpt-refrelay" bridge --listen "127.0.0.1:$bp" \
				--to "127.0.0.1:$srv" ;;
		esac
		COMPS+=("bridge$i")
		bridges+=("127.0.0.1:$bp")
		wait_udp "$bp" || return 1
	done
	case $kind in
	ref+* | refgso+* | ref1+*)
		local args=()
		for i in "${bridges[@]}"; do args+=(--path "$i"); done
		spawn client "$BUILD/mpt-refrelay" client "${refopt[@]}" --listen "127.0.0.1:$ENTRY" "${args[@]}"
		;;
	tunnel*)
		local args=()
		for i in "${bridges[@]}"; do args+=(--bridge "$i"); done
		# shellcheck disable=SC2086
		spawn client "$TUN_CLIENT" "${TUN_Q[@]}" $TUNNEL_ARGS "${enc_args[@]}" "${cli_args[@]}" \
			--listen "127.0.0.1:$ENTRY" "${args[@]}"
		;;
	esac
	COMPS=(client "${COMPS[@]}")
	wait_udp "$ENTRY" || return 1
	# the first datagrams make the path (bounded): a short probe until one arrives
	for i in $(seq 1 20); do
		out=$("$BUILD/mpt-load" --json --to "127.0.0.1:$ENTRY" --sink "127.0.0.1:$SINK" \
			--bind "127.0.0.1:$SRC" --pps 200 --duration 0.05 --drain 0.1 2>/dev/null)
		[ "$(jget "$out" received)" -gt 0 ] 2>/dev/null && return 0
	done
	echo "bench: $name: nothing arrives through it" >&2
	return 1
}

pid_of() {
	local e
	for e in "${CUR[@]}"; do [ "${e%%=*}" = "$1" ] && { echo "${e#*=}"; return; }; done
}

POINTS=$WORK/points.tsv		# one line per point, for the sweep's stop rule and gnuplot
JSONL=$WORK/points.jsonl	# the same points in full, for bench/summary.py
: >"$POINTS"
: >"$JSONL"

# machine_ns: "BUSY TOTAL" CPU time of the whole machine in ns (/proc/stat)
machine_ns() {
	local user nice sys idle iowait irq softirq steal
	read -r _ user nice sys idle iowait irq softirq steal _ </proc/stat
	echo "$(( (user + nice + sys + irq + softirq + steal) * 1000000000 / HZ )) $(( (user + nice + sys + idle + iowait + irq + softirq + steal) * 1000000000 / HZ ))"
}

# ksoftirqd_ns: CPU time of the softirq threads (loopback delivery deferred
# there is work of the pipeline too, though no process of ours pays for it)
KSOFTIRQD=$(pgrep '^ksoftirqd/' 2>/dev/null | tr '\n' ' ')
ksoftirqd_ns() {
	local p t=0
	for p in $KSOFTIRQD; do t=$((t + $(cpu_ns "$p"))); done
	echo $t
}

# point NAME PATHS SIZE RATE: one measurement; prints the loss
# POINTS columns: 1 name 2 paths 3 size 4 rate 5 sent_pps 6 goodput_mbps
# 7 goodput_pps 8 loss 9 p50 10 p99 11-13 cpu s/Mdgram client server bridge
# (mean per bridge, or the single relay) 14 ksoftirqd 15 load generator
# 16 the whole pipeline (all of ours + ksoftirqd + generator) 17 share of the
# machine busy with other work (background) 18 machine busy share
point() {
	local name=$1 paths=$2 size=$3 rate=$4 t before=() after=() out i cpujson=""
	local k0 k1 m0 m1
	for t in "${COMPS[@]}"; do before+=("$(cpu_ns "$(pid_of "$t")")"); done
	k0=$(ksoftirqd_ns)
	m0=$(machine_ns)
	out=$("$BUILD/mpt-load" --json --to "127.0.0.1:$ENTRY" --sink "127.0.0.1:$SINK" \
		--bind "127.0.0.1:$SRC" --rate "$rate" --size "$size" --duration "$DUR" \
		--drain "$DRAIN" $LOAD_GSO 2>"$WORK/load.err")
	m1=$(machine_ns)
	k1=$(ksoftirqd_ns)
	for t in "${COMPS[@]}"; do after+=("$(cpu_ns "$(pid_of "$t")")"); done
	if [ -z "$out" ]; then
		echo "bench: $name: mpt-load failed: $(head -n 2 "$WORK/load.err")" >&2
		echo 1
		return 1
	fi
	local rcv gp gpps loss p50 p99 sent_pps bsum=0 nb=0 ccpu=- scpu=- bcpu=- ours=0 v
	rcv=$(jget "$out" received)
	gp=$(jget "$out" goodput_mbps)
	gpps=$(jget "$out" goodput_pps)
	loss=$(jget "$out" loss)
	p50=$(jget "$out" lat_p50_us)
	p99=$(jget "$out" lat_p99_us)
	sent_pps=$(jget "$out" sent_pps)
	# CPU seconds per million delivered datagrams
	per_m() { awk -v d="$1" -v r="$rcv" 'BEGIN { printf "%.2f", (r > 0 ? d / 1e9 / (r / 1e6) : 0) }'; }
	for i in "${!COMPS[@]}"; do
		local d=$((after[i] - before[i]))
		ours=$((ours + d))
		v=$(per_m "$d")
		cpujson+="${cpujson:+,}\"${COMPS[i]}\":$v"
		case ${COMPS[i]} in
		client) ccpu=$v ;;
		server) scpu=$v ;;
		relay) bcpu=$v ;;
		bridge*) bsum=$((bsum + d)); nb=$((nb + 1)) ;;
		esac
	done
	[ $nb -gt 0 ] && bcpu=$(per_m $((bsum / nb)))
	local kd=$((k1 - k0)) load_ns busy tot bg all ksoft lcpu
	load_ns=$(awk -v c="$(jget "$out" load_cpu_s)" 'BEGIN { printf "%d", c * 1e9 }')
	set -- $m0
	busy=$1 tot=$2
	set -- $m1
	busy=$(($1 - busy)) tot=$(($2 - tot))
	ksoft=$(per_m "$kd")
	lcpu=$(per_m "$load_ns")
	all=$(per_m $((ours + kd + load_ns)))
	bg=$(awk -v b="$busy" -v o="$((ours + kd + load_ns))" -v t="$tot" \
		'BEGIN { v = t > 0 ? (b - o) / t : 0; printf "%.2f", (v < 0 ? 0 : v) }')
	busy=$(awk -v b="$busy" -v t="$tot" 'BEGIN { printf "%.2f", (t > 0 ? b / t : 0) }')
	cpujson+="${cpujson:+,}\"ksoftirqd\":$ksoft,\"load_generator\":$lcpu,\"pipeline\":$all"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$paths" \
		"$size" "$rate" "$sent_pps" "$gp" "$gpps" "$loss" "$p50" "$p99" "$ccpu" "$scpu" "$bcpu" \
		"$ksoft" "$lcpu" "$all" "$bg" "$busy" >>"$POINTS"
	printf '{"config":"%s","paths":%s,"rate_mbps":%s,"cpu_s_per_mdgram":{%s},"machine_busy":%s,"background_busy":%s,"load":%s}\n' \
		"$name" "$paths" "$rate" "$cpujson" "$busy" "$bg" "$out" >>"$JSONL"
	printf '  %-18s %dp %4dB  offered %5s  goodput %7.1f Mbit/s %7.0f/s  loss %6.2f%%  p50 %5s p99 %6s us  cpu s/Mdgram c %s s %s b %s ksoft %s gen %s all %s  bg %s\n' \
		"$name" "$paths" "$size" "$rate" "$gp" "$gpps" "$(awk -v l="$loss" 'BEGIN { print l * 100 }')" \
		"$p50" "$p99" "$ccpu" "$scpu" "$bcpu" "$ksoft" "$lcpu" "$all" "$bg" >&2
	echo "$loss"
}

# sweep NAME PATHS SIZE RATES...: the first (lowest) rate LAT_REPEAT times
# for 1400-byte datagrams (its latency is the median of those runs: one run's
# p99 is at the mercy of whatever else the machine does), then up the rates;
# stop once past saturation: loss above 30%, or above 5% with no more goodput
# than the best point so far.
LAT_REPEAT=${BENCH_LAT_REPEAT:-3}
sweep() {
	local name=$1 paths=$2 size=$3 rate loss best=0 gp
	shift 3
	if [ "$size" = 1400 ]; then
		for _ in $(seq 2 "$LAT_REPEAT"); do
			point "$name" "$paths" "$size" "$1" >/dev/null || return 1
		done
	fi
	for rate in "$@"; do
		loss=$(point "$name" "$paths" "$size" "$rate") || return 1
		gp=$(tail -n 1 "$POINTS" | cut -f 6)
		awk -v l="$loss" -v g="$gp" -v b="$best" \
			'BEGIN { exit !(l > 0.30 || (l > 0.05 && g <= b * 1.02)) }' && break
		best=$(awk -v g="$gp" -v b="$best" 'BEGIN { print (g > b ? g : b) }')
	done
	return 0
}

# sweep_pair NAME PATHS SIZE RATES...: sweep the configurations saved as CTX_A
# (this build) and CTX_B (the baseline, points named base/NAME) point by point
# alternating, so both meet the same machine; each stops by sweep's rule
sweep_pair() {
	local name=$1 paths=$2 size=$3 rate loss gp slot n
	local -A best=([A]=0 [B]=0) done_=([A]= [B]=)
	shift 3
	if [ "$size" = 1400 ]; then
		for _ in $(seq 2 "$LAT_REPEAT"); do
			for slot in A B; do
				n=$name
				[ $slot = B ] && n=base/$name
				ctx_load $slot
				point "$n" "$paths" "$size" "$1" >/dev/null || return 1
			done
		done
	fi
	for rate in "$@"; do
		for slot in A B; do
			[ -z "${done_[$slot]}" ] || continue
			n=$name
			[ $slot = B ] && n=base/$name
			ctx_load $slot
			loss=$(point "$n" "$paths" "$size" "$rate") || return 1
			gp=$(tail -n 1 "$POINTS" | cut -f 6)
			awk -v l="$loss" -v g="$gp" -v b="${best[$slot]}" \
				'BEGIN { exit !(l > 0.30 || (l > 0.05 && g <= b * 1.02)) }' && done_[$slot]=1
			best[$slot]=$(awk -v g="$gp" -v b="${best[$slot]}" 'BEGIN { print (g > b ? g : b) }')
		done
		[ -n "${done_[A]}" ] && [ -n "${done_[B]}" ] && break
	done
	return 0
}

# ---- iperf3: UDP data through the tunnel, its TCP control connection beside it ----
IPERF_NOTE=
run_iperf3() {
	local name=tunnel+mpbridge:3 rate out bps lost cfg=$WORK/iperf.json
	if ! command -v iperf3 >/dev/null; then
		IPERF_NOTE="iperf3 not installed: skipped"
		return 0
	fi
	setup "$name" || { stop_config; IPERF_NOTE="tunnel did not start"; return 1; }
	# mpserver delivers to SINK: iperf3's server listens there (TCP control and UDP
	# data share the port number); the control connection reaches it by a socat TCP
	# forward on ENTRY's number while the UDP data goes through the tunnel.
	spawn iperf3s iperf3 -s -1 -B 127.0.0.1 -p "$SINK"
	spawn tcpfwd socat "tcp-listen:$ENTRY,bind=127.0.0.1,reuseaddr" "tcp:127.0.0.1:$SINK"
	for _ in $(seq 1 100); do
		ss -Hltn "sport = :$ENTRY" 2>/dev/null | grep -q . &&
			ss -Hltn "sport = :$SINK" 2>/dev/null | grep -q . && break
		sleep 0.05
	done
	for rate in ${IPERF_RATES:-100M 500M}; do
		timeout 20 iperf3 -c 127.0.0.1 -p "$ENTRY" -u -b "$rate" -l 1400 -t "${IPERF_T:-2}" \
			-J >"$cfg" 2>/dev/null
		bps=$(awk '/"sum":/ { s = 1 } s && /"bits_per_second"/ { gsub(/[,]/, ""); v = $2 } END { print v + 0 }' "$cfg")
		lost=$(awk '/"lost_percent"/ { gsub(/[,]/, ""); v = $2 } END { print v + 0 }' "$cfg")
		if ! grep -q '"end"' "$cfg" || grep -q '"error"' "$cfg"; then
			IPERF_NOTE+="iperf3 -b $rate: $(sed -n 's/.*"error":[[:space:]]*"\([^"]*\)".*/\1/p' "$cfg" | head -n 1); "
			break
		fi
		IPERF_NOTE+="iperf3 -u -b $rate -l 1400 through $name: $(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }') Mbit/s received, ${lost}% lost; "
		printf '{"config":"iperf3 via %s","paths":3,"offered":"%s","received_mbps":%.3f,"lost_percent":%s}\n' \
			"$name" "$rate" "$(awk -v b="$bps" 'BEGIN { print b / 1e6 }')" "$lost" >>"$WORK/iperf.jsonl"
		# -1: the server exits after one test; start it again for the next rate
		stop_config
		setup "$name" || break
		spawn iperf3s iperf3 -s -1 -B 127.0.0.1 -p "$SINK"
		spawn tcpfwd socat "tcp-listen:$ENTRY,bind=127.0.0.1,reuseaddr" "tcp:127.0.0.1:$SINK"
		for _ in $(seq 1 100); do
			ss -Hltn "sport = :$SINK" 2>/dev/null | grep -q . && break
			sleep 0.05
		done
	done
	stop_config
}


# ---- BENCH_PERF=CONFIG@MBIT[/SIZE]: profile the processes of one configuration ----
run_perf() {
	local spec=$1 cfg rate size=1400 t pids=() out
	cfg=${spec%@*}
	rate=${spec#*@}
	case $rate in */*) size=${rate#*/}; rate=${rate%/*} ;; esac
	command -v perf >/dev/null || { echo "bench: perf not installed" >&2; return 1; }
	setup "$cfg" || { echo "bench: $cfg did not start" >&2; stop_config; return 1; }
	for t in "${COMPS[@]}"; do pids+=("$(pid_of "$t")"); done
	local pdur
	pdur=$(awk -v d="$DUR" 'BEGIN { print d * 4 }')
	# one recording per process (perf report's --pid filter of a shared
	# recording gives inconsistent relative percentages)
	local perfpids=() perfpid
	for t in "${COMPS[@]}"; do
		perf record -q -g -o "$WORK/perf-$t.data" -p "$(pid_of "$t")" -- sleep "$pdur" \
			>"$WORK/perf-$t.log" 2>&1 &
		perfpids+=("$!")
		PIDS+=("$!")
	done
	sleep 0.3
	out=$("$BUILD/mpt-load" --json --to "127.0.0.1:$ENTRY" --sink "127.0.0.1:$SINK" \
		--bind "127.0.0.1:$SRC" --rate "$rate" --size "$size" --duration "$(awk -v d="$pdur" 'BEGIN { print d - 0.6 }')" \
		--drain "$DRAIN")
	echo "load: $out" >&2
	for perfpid in "${perfpids[@]}"; do wait "$perfpid"; done
	for t in "${COMPS[@]}"; do
		local pid f
		pid=$(pid_of "$t")
		f=$OUTDIR/$STAMP-perf-${cfg//[:+]/_}-$t.txt
		{
			echo "# $cfg at $rate Mbit/s, $size B: $t (pid $pid)"
			echo "# time by object (self):"
			perf report -i "$WORK/perf-$t.data" --no-children --percentage relative \
				--sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 8
			echo "# time under each system call and user-space function (inclusive):"
			perf report -i "$WORK/perf-$t.data" --children --percentage relative \
				--sort symbol --stdio -g none --percent-limit 0.5 2>/dev/null |
				grep -E '__x64_sys_|\[\.\]' | head -n 30
			echo "# self time by symbol (with this machine's cpu-clock sampling, time spent with"
			echo "# interrupts off lands on the next irq-enable point: _raw_spin_unlock_irqrestore,"
			echo "# finish_task_switch; read those as 'softirq/scheduler work')"
			perf report -i "$WORK/perf-$t.data" --no-children --percentage relative \
				--sort dso,symbol --stdio -g none --percent-limit 0.7 2>/dev/null |
				grep -E '^ +[0-9]' | head -n 30
		} >"$f"
		echo "perf: $f" >&2
		sed -n '1,45p' "$f" >&2
	done
	# system calls per delivered datagram, by process
	local ev=raw_syscalls:sys_enter sc
	for sc in epoll_wait poll recvfrom recvmsg recvmmsg sendto sendmsg sendmmsg; do
		perf list 2>/dev/null | grep -q "syscalls:sys_enter_$sc " && ev+=",syscalls:sys_enter_$sc"
	done
	perf stat --per-thread -x, -e "$ev" -p "$(IFS=,; echo "${pids[*]}")" -o "$WORK/stat.txt" \
		-- sleep "$pdur" >/dev/null 2>"$WORK/stat.err" &
	perfpid=$!
	PIDS+=("$perfpid")
	sleep 0.3
	out=$("$BUILD/mpt-load" --json --to "127.0.0.1:$ENTRY" --sink "127.0.0.1:$SINK" \
		--bind "127.0.0.1:$SRC" --rate "$rate" --size "$size" --duration "$(awk -v d="$pdur" 'BEGIN { print d - 0.6 }')" \
		--drain "$DRAIN")
	wait "$perfpid"
	local rcv
	rcv=$(jget "$out" received)
	f=$OUTDIR/$STAMP-perf-${cfg//[:+]/_}-syscalls.txt
	{
		echo "# $cfg at $rate Mbit/s, $size B: system calls per delivered datagram ($rcv delivered)"
		for t in "${COMPS[@]}"; do
			local pid
			pid=$(pid_of "$t")
			awk -F, -v p="$pid" -v t="$t" -v r="$rcv" '
				$1 ~ "-" p "$" && $2 + 0 > 0 { sub(/.*:sys_enter_?/, "", $4); n = $4 == "" ? "all" : $4; printf "%s%s %.3f", (c++ ? ", " : t ": "), n, $2 / r }
				END { if (c) print "" }' "$WORK/stat.txt"
		done
	} >"$f"
	echo "perf: $f" >&2
	cat "$f" >&2
	stop_config
}

# ---- run ----

mkdir -p "$OUTDIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
COMMIT=$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
echo "mptunnel bench $STAMP, commit $COMMIT, $(nproc) CPUs, $(uname -r), load average $LOADAVG${QUICK:+ (quick)}" >&2
awk -v l="${LOADAVG%% *}" 'BEGIN { exit !(l > 0.5) }' &&
	echo "bench: warning: the machine is busy (load average $LOADAVG): figures will be low and noisy" >&2
echo "bench: $DUR s per point; encryption: ${ENC:+on (tunnel-enc runs)}${ENC_WHY:+skipped: $ENC_WHY}" >&2

if [ -n "${BENCH_PERF:-}" ]; then
	run_perf "$BENCH_PERF"
	exit $?
fi

if [ -n "$BASELINE" ]; then
	build_baseline "$BASELINE" || exit 1
	echo "bench: baseline $BASE_DESC: its mpclient and mpserver run beside this build's, alternating${BASE_KEY:+; encryption: on}" >&2
fi

# the cipher alone: seal + open per datagram of each AEAD candidate (bench/mpt-aead.c,
# CPU time of its thread, best of 3 rounds)
echo "bench: AEAD seal+open per datagram (mpt-aead, thread CPU time):" >&2
"$BUILD/mpt-aead" --rounds 3 --ms 150 | tee "$WORK/aead.txt" >&2
"$BUILD/mpt-aead" --json --rounds 3 --ms 150 --sizes 200,1400 >"$WORK/aead.json" ||
	echo '[]' >"$WORK/aead.json"

# run_pair CFG NAME PATHS: CFG with this build and with the baseline, side by side
run_pair() {
	local cfg=$1 name=$2 paths=$3 rc ok=0
	tunnel_use current
	setup "$cfg"
	rc=$?
	ctx_save A
	tunnel_use baseline
	if [ $rc = 0 ]; then
		setup "$cfg"
		rc=$?
		[ $rc = 0 ] || echo "bench: $cfg: the baseline's did not start" >&2
	fi
	ctx_save B
	tunnel_use current
	if [ $rc = 3 ]; then
		SKIPPED+="$cfg (no encryption in this build or the baseline); "
		ok=1
	elif [ $rc != 0 ]; then
		echo "bench: $cfg: could not start; logs:" >&2
		tail -n 5 "$WORK"/*.log >&2 2>/dev/null
	else
		ok=1
		# shellcheck disable=SC2086
		sweep_pair "$name" "$paths" 1400 $RATES_1400 || ok=0
		if [ -n "$RATES_200" ] && [[ $SMALL_CONFIGS == *" $cfg "* ]]; then
			# shellcheck disable=SC2086
			sweep_pair "$name" "$paths" 200 $RATES_200 || ok=0
		fi
	fi
	ctx_load A
	stop_config
	ctx_load B
	stop_config
	[ $ok = 1 ]
}

SKIPPED=
for cfg in $CONFIGS; do
	name=${cfg%%:*}
	paths=1
	case $cfg in *:*) paths=${cfg##*:} ;; esac
	if [ "$cfg" = iperf3 ]; then
		run_iperf3 || FAILED=1
		continue
	fi
	if [ -n "$BASELINE" ] && [[ $cfg == tunnel* ]]; then
		run_pair "$cfg" "$name" "$paths" || FAILED=1
		continue
	fi
	setup "$cfg"
	rc=$?
	if [ $rc = 3 ]; then
		SKIPPED+="$cfg (no encryption in this build); "
		stop_config
		continue
	elif [ $rc != 0 ]; then
		echo "bench: $cfg: could not start; logs:" >&2
		tail -n 5 "$WORK"/*.log >&2 2>/dev/null
		FAILED=1
		stop_config
		continue
	fi
	# shellcheck disable=SC2086
	sweep "$name" "$paths" 1400 $RATES_1400 || FAILED=1
	if [ -n "$RATES_200" ] && [[ $SMALL_CONFIGS == *" $cfg "* ]]; then
		# shellcheck disable=SC2086
		sweep "$name" "$paths" 200 $RATES_200 || FAILED=1
	fi
	stop_config
done

# sub_bench NAME ARGS...: bench/NAME.sh ARGS, its output in $WORK/NAME.txt; all but its last
# line (JSON) to stderr, its "NAME:" line in SUB_LINE; FAILED=1 when it fails
sub_bench() {
	local name=$1
	shift
	BUILD=$BUILD "$ROOT/bench/$name.sh" "$@" >"$WORK/$name.txt" 2>&1 || FAILED=1
	sed '$d' "$WORK/$name.txt" >&2
	SUB_LINE=$(grep "^$name:" "$WORK/$name.txt")
}

# ---- mpserver --workers 1 against 2, 100 active sessions (bench/workers.sh) ----
WORKERS_LINE=
if [ "${BENCH_WORKERS:-1}" != 0 ]; then
	echo "bench: mpserver --workers 1 against 2, 100 sessions x 3 paths (bench/workers.sh):" >&2
	sub_bench workers 100 300000 "$(quick 1 3)" "$(quick 1 3)"
	WORKERS_LINE=$SUB_LINE
fi

# ---- fairness under overload, 100 sessions (bench/fairness.sh) ----
FAIRNESS_LINE=
if [ "${BENCH_FAIRNESS:-1}" != 0 ]; then
	echo "bench: fairness under overload, 100 sessions x 3 paths (bench/fairness.sh):" >&2
	sub_bench fairness 100 300000 "$(quick 1 3)" "$(quick 1 3)"
	FAIRNESS_LINE=$SUB_LINE
fi

# ---- mpserver's CPU per datagram, 1 session against 10,000 held (bench/cpu-sessions.sh) ----
CPU_SESSIONS_LINE=
if [ "${BENCH_CPU_SESSIONS:-1}" != 0 ]; then
	echo "bench: mpserver CPU per datagram, 1 session against 10,000 x 3 paths (bench/cpu-sessions.sh):" >&2
	sub_bench cpu-sessions "$(quick 1000 10000)" 20000 "$(quick 2 5)" "$(quick 1 3)"
	CPU_SESSIONS_LINE=$SUB_LINE
fi

# ---- summary: the table, the JSON, the plot ----

JSON=$OUTDIR/$STAMP.json
python3 "$ROOT/bench/summary.py" --points "$JSONL" --iperf "$WORK/iperf.jsonl" --json "$JSON" \
	--cpus "$(nproc)" --lat-repeat "$LAT_REPEAT" --original "$ORIG_LO" "$ORIG_HI" \
	--idle-sessions "$IDLE_SESSIONS" ${BASELINE:+--baseline "$BASE_DESC"} \
	${ENC:+--encryption} --meta timestamp="$STAMP" --meta commit="$COMMIT" \
	--meta kernel="$(uname -r)" --meta loadavg="$LOADAVG" \
	--meta-bool quick="$(quick true false)" --meta-num duration_s="$DUR" \
	--meta encryption="${ENC:+on}${ENC_WHY:+skipped: $ENC_WHY}" --meta tunnel_args="$TUNNEL_ARGS" \
	--meta skipped="$SKIPPED" --meta iperf3_note="$IPERF_NOTE" --attach aead="$WORK/aead.json" |
	tee "$WORK/table.txt"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "bench: bench/summary.py failed" >&2; FAILED=1; }
[ -n "$ENC" ] || echo "encryption: skipped ($ENC_WHY)" | tee -a "$WORK/table.txt"
[ -n "$SKIPPED" ] && echo "skipped: $SKIPPED" | tee -a "$WORK/table.txt"
[ -n "$IPERF_NOTE" ] && echo "iperf3: $IPERF_NOTE" | tee -a "$WORK/table.txt"
[ -n "$WORKERS_LINE" ] && echo "$WORKERS_LINE" | tee -a "$WORK/table.txt"
[ -n "$FAIRNESS_LINE" ] && echo "$FAIRNESS_LINE" | tee -a "$WORK/table.txt"
[ -n "$CPU_SESSIONS_LINE" ] && echo "$CPU_SESSIONS_LINE" | tee -a "$WORK/table.txt"
{ echo "AEAD seal+open per datagram (mpt-aead, thread CPU time):"; cat "$WORK/aead.txt"; } >>"$WORK/table.txt"
cp "$WORK/table.txt" "$OUTDIR/$STAMP.txt"
echo "results: $JSON" >&2

# plot: goodput against offered load, one panel per datagram size
if command -v gnuplot >/dev/null; then
	PNG=$OUTDIR/$STAMP.png
	plots() {
		local size=$1 first=1 k
		for k in $(awk -F'\t' -v s="$size" '$3 == s { print $1 ":" $2 }' "$POINTS" | awk '!seen[$0]++'); do
			awk -F'\t' -v s="$size" -v n="${k%:*}" -v p="${k##*:}" \
				'$3 == s && $1 == n && $2 == p && !seen[$4]++ { print $4, $6 }' "$POINTS" >"$WORK/plot-$size-${k//[^A-Za-z0-9-]/_}.dat"
			[ $first = 1 ] || printf ', '
			first=0
			local style="lw 1 dt 3"
			case $k in tunnel*) style="lw 2.5" ;; ref*) style="lw 1.5 dt 2" ;; esac
			printf "'%s' using 1:2 with linespoints %s title '%s'" "$WORK/plot-$size-${k//[^A-Za-z0-9-]/_}.dat" \
				"$style" "${k%:*} ${k##*:}p"
		done
		printf ", x with lines dashtype 2 lc rgb 'gray' title 'offered'\n"
	}
	{
		echo "set terminal pngcairo size 1600,700 noenhanced font ',10'"
		echo "set output '$PNG'"
		if [ -n "$RATES_200" ]; then echo "set multiplot layout 1,2"; fi
		echo "set key outside right top vertical font ',8'"
		echo "set grid; set logscale xy; set xlabel 'offered load (Mbit/s of UDP payload)'; set ylabel 'goodput (Mbit/s)'"
		echo "set title 'mptunnel bench $STAMP ($COMMIT): 1400-byte datagrams'"
		echo "plot $(plots 1400)"
		if [ -n "$RATES_200" ] && awk -F'\t' '$3 == 200 { f = 1 } END { exit !f }' "$POINTS"; then
			echo "set title '200-byte datagrams'"
			echo "plot $(plots 200)"
			echo "unset multiplot"
		fi
	} >"$WORK/plot.gp"
	if gnuplot "$WORK/plot.gp" 2>"$WORK/gnuplot.err"; then
		echo "plot: $PNG" >&2
	else
		sed -n 1,3p "$WORK/gnuplot.err" >&2
	fi
else
	echo "bench: gnuplot not installed: no plot" >&2
fi
exit $FAILED
