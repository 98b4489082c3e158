#!/bin/bash
# bridge/bench.sh - forwarding rate of mpbridge vs socat on loopback, no impairment.
# Not a test: prints figures and the mpbridge/socat ratio.
#
#   bridge/bench.sh [COUNT] [SIZE...]     (defaults: 200000 datagrams; 100 and 1400 bytes)
#
# One Python blaster sends COUNT datagrams as fast as it can through the bridge
# to a Python counter; the rate is what reached the counter, from its first to
# its last datagram.  Each bridge is measured REPEAT times (default 3), best kept.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MPB=$BUILD/mpbridge
UDPTOOL=bridge/udptool.py
COUNT=${1:-200000}
shift || true
SIZES=${*:-100 1400}
REPEAT=${REPEAT:-3}
[ -x "$MPB" ] || { echo "bench: build $MPB first (make)" >&2; exit 1; }
command -v socat >/dev/null || { echo "bench: socat not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 not installed" >&2; exit 1; }

PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; PIDS=(); }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Haun "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}
wait_udp() {
	for _ in $(seq 1 100); do
		ss -Hlun "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# one_run KIND SIZE: prints the forwarded rate (datagrams/s)
one_run() {
	local kind=$1 size=$2 lp sp out bp cp
	lp=$(free_port) && sp=$(free_port) || return 1
	out=$(mktemp)
	python3 "$UDPTOOL" count "$sp" --timeout 1.0 >"$out" &
	cp=$!
	PIDS+=("$cp")
	if [ "$kind" = socat ]; then
		socat -b 65536 "udp-listen:$lp,bind=127.0.0.1" "udp4:127.0.0.1:$sp" 2>/dev/null &
	else
		"$MPB" -q -l "127.0.0.1:$lp" -t "127.0.0.1:$sp" 2>/dev/null &
	fi
	bp=$!
	PIDS+=("$bp")
	wait_udp "$sp" && wait_udp "$lp" || { echo 0; return 1; }
	python3 "$UDPTOOL" blast "127.0.0.1:$lp" --count "$COUNT" --size "$size" >/dev/null
	wait "$cp"
	kill "$bp" 2>/dev/null
	wait "$bp" 2>/dev/null
	PIDS=()
	sed -n 's/^received \([0-9]*\) rate \([0-9]*\).*/\1 \2/p' "$out"
	rm -f "$out"
}

best() {	# KIND SIZE -> "received rate" of the best run
	local i r b_rate=0 b_line="0 0"
	for i in $(seq 1 "$REPEAT"); do
		r=$(one_run "$1" "$2")
		if [ -n "$r" ] && [ "${r#* }" -gt "$b_rate" ]; then
			b_rate=${r#* }
			b_line=$r
		fi
	done
	echo "$b_line"
}

echo "# mpbridge vs socat, loopback, no impairment, $COUNT datagrams per run, best of $REPEAT"
printf '%-6s %-10s %12s %14s\n' size bridge delivered rate/s
for size in $SIZES; do
	s=$(best socat "$size")
	m=$(best mpbridge "$size")
	printf '%-6s %-10s %12s %14s\n' "$size" socat "${s% *}" "${s#* }"
	printf '%-6s %-10s %12s %14s\n' "$size" mpbridge "${m% *}" "${m#* }"
	if [ "${s#* }" -gt 0 ]; then
		awk -v a="${m#* }" -v b="${s#* }" -v z="$size" \
			'BEGIN { printf "size %s: mpbridge/socat rate ratio %.2f\n", z, a / b }'
	fi
done
