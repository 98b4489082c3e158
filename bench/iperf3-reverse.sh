#!/usr/bin/env bash
# bench/iperf3-reverse.sh - iperf3 -u -R (the server sends, the client receives)
# directly and through the tunnel (mpclient -> 3 mpbridge -> mpserver), on
# 127.0.0.1, clean paths. Prints the receiver's loss and the kernel's UDP
# RcvbufErrors during each run (an application's socket buffer overflowing).
#
#   bench/iperf3-reverse.sh [RATE=100M] [SECONDS=5] [RUNS=3]
#   IPERF_LEN=1400   datagram size;  TUNNEL_ARGS=...  extra mpclient/mpserver args
#   PACED=0          without the third run of each round, "paced": mpclient --pace-delivery
#   PIN=0            do not pin the two hosts to their own CPU (see below)
#   KEEP=1           keep the work folder (the daemons' and iperf3's logs of the last run)
#
# iperf3's control connection goes beside the tunnel through socat, with TCP_NODELAY on
# both sides: without it, Nagle's algorithm held iperf3's second small control message
# (TEST_RUNNING) for the first one's delayed ACK (up to 40 ms on loopback) while the server
# already sent, and the client, which reads data only once it is running, lost ~270
# datagrams at the start of every tunnel run (RcvbufErrors): the bench's loss, not the
# tunnel's.
#
# The two hosts: on one machine every process of the tunnel (mpserver, three
# bridges, mpclient) would compete for the CPUs with the application, where
# in a deployment the application shares its host with mpclient alone.  With
# two or more CPUs (and taskset), host A (the iperf3 client and mpclient) runs
# on CPU 0 and host B with the network (the iperf3 server, mpserver, the
# bridges, the control relay) on CPU 1, in the direct runs as in the tunnel.
#
# A measurement, not a test: the figures depend on the machine's load; it
# exits 0 whatever they are (1 if something could not start). Issue 15's goal:
# loss through the tunnel <= direct + 0.1%.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RATE=${1:-100M}
SECS=${2:-5}
RUNS=${3:-3}
LEN=${IPERF_LEN:-1400}
TARGS=${TUNNEL_ARGS:-}
HOST_A=() HOST_B=()
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	HOST_A=(taskset -c 0) HOST_B=(taskset -c 1)
fi
command -v iperf3 >/dev/null || { echo "iperf3-reverse: iperf3 not installed (make deps)" >&2; exit 1; }
command -v socat >/dev/null || { echo "iperf3-reverse: socat not installed (make deps)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/mpt-iperf3r.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
spawn() { local log=$WORK/$1.log; shift; "$@" >"$log" 2>&1 & PIDS+=($!); }
port() { echo $((20000 + RANDOM % 30000)); }
wait_tcp() { local i; for i in $(seq 1 100); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.05; done; return 1; }
wait_udp() { local i; for i in $(seq 1 100); do ss -Hlun "sport = :$1" | grep -q . && return 0; sleep 0.05; done; return 1; }
rcvbuf_errors() { awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }' /proc/net/snmp; }

# run NAME CLIENT_PORT: one iperf3 -R run against the server on SPORT; prints a line
run() {
	local name=$1 cport=$2 before after out lost
	out=$WORK/$name.json
	before=$(rcvbuf_errors)
	timeout $((SECS + 15)) "${HOST_A[@]}" iperf3 -c 127.0.0.1 -p "$cport" -u -R -b "$RATE" -l "$LEN" -t "$SECS" -J >"$out" 2>/dev/null
	after=$(rcvbuf_errors)
	lost=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["end"]["sum"]; print("%.3f %d %d %.1f" % (s["lost_percent"], s["lost_packets"], s["packets"], s["bits_per_second"]/1e6))' "$out" 2>/dev/null) ||
		lost="error: $(grep -o '"error":[^,]*' "$out" | head -n 1)"
	printf '%-8s loss%% lost packets Mbit/s: %s   RcvbufErrors +%s\n' "$name" "$lost" $((after - before))
}

# tunnel NAME [MPCLIENT ARGS...]: one run through the tunnel: the control connection
# beside it (socat), the data through it
tunnel() {
	local name=$1
	shift
	SPORT=$(port); ENTRY=$(port); SRV=$(port); B1=$(port); B2=$(port); B3=$(port)
	spawn iperf3s "${HOST_B[@]}" iperf3 -s -1 -B 127.0.0.1 -p "$SPORT"
	# shellcheck disable=SC2086
	spawn mpserver "${HOST_B[@]}" "$BUILD/mpserver" -q $TARGS --listen "127.0.0.1:$SRV" --target "127.0.0.1:$SPORT"
	for b in $B1 $B2 $B3; do spawn "bridge$b" "${HOST_B[@]}" "$BUILD/mpbridge" --listen "127.0.0.1:$b" --to "127.0.0.1:$SRV"; done
	# shellcheck disable=SC2086
	spawn mpclient "${HOST_A[@]}" "$BUILD/mpclient" -q $TARGS "$@" --listen "127.0.0.1:$ENTRY" --bridge "127.0.0.1:$B1" \
		--bridge "127.0.0.1:$B2" --bridge "127.0.0.1:$B3"
	spawn tcpfwd "${HOST_B[@]}" socat "tcp-listen:$ENTRY,bind=127.0.0.1,reuseaddr,nodelay" "tcp:127.0.0.1:$SPORT,nodelay"
	wait_tcp "$SPORT" && wait_tcp "$ENTRY" && wait_udp "$ENTRY" || { echo "tunnel did not start" >&2; tail "$WORK"/*.log >&2; exit 1; }
	sleep 0.3
	run "$name" "$ENTRY"
	cleanup
}

echo "iperf3 -u -R -b $RATE -l $LEN -t $SECS, $RUNS runs each; hosts ${HOST_A[*]:-unpinned} / ${HOST_B[*]:-unpinned}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$RUNS"); do
	# direct
	SPORT=$(port)
	spawn iperf3s "${HOST_B[@]}" iperf3 -s -1 -B 127.0.0.1 -p "$SPORT"
	wait_tcp "$SPORT" || { echo "iperf3 server did not start" >&2; exit 1; }
	run direct "$SPORT"
	cleanup
	tunnel tunnel
	[ "${PACED:-1}" = 1 ] && tunnel paced --pace-delivery
done
