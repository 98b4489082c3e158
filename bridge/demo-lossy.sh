#!/bin/bash
# bridge/demo-lossy.sh - the seed's sample over three lossy mpbridge paths.
#
#   bridge/demo-lossy.sh [LOSS] [COUNT] [RATE]     (defaults 30% 10000 2000)
#
# udpserver <- mpserver <- 3 x mpbridge (--loss LOSS both ways, seeds 1..3)
# <- mpclient <- udpclient measuring COUNT round trips at RATE/s.  Prints the
# loss each bridge applied per direction and the end-to-end round-trip loss
# next to the independent-paths prediction 1 - (1 - p^3)^2.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/tunnel-lib.sh"
LOSS=${1:-30%}
COUNT=${2:-10000}
RATE=${3:-2000}
t_init demo-lossy
tun_ports
tun_target || { echo "udpserver did not start"; exit 1; }
tun_server || { echo "mpserver did not start"; exit 1; }
for i in 0 1 2; do
	port=$((BRIDGE_BASE + i))
	echo "\$ mpbridge --listen $port --to localhost:$SERVER_PORT --seed $((i + 1)) --loss $LOSS"
	t_spawn "bridge$i" "$BUILD/mpbridge" --listen "$port" --to "localhost:$SERVER_PORT" \
		--seed $((i + 1)) --loss "$LOSS" --stats "$T/bridge$i.json"
	t_wait_udp "$port" || { echo "mpbridge $i did not start"; exit 1; }
done
tun_client || { echo "mpclient did not start"; exit 1; }
tun_wait_ready || { echo "tunnel did not come up"; exit 1; }
# the readiness probes went through the bridges too: count from here on
for i in 0 1 2; do kill -USR1 "$(t_pid "bridge$i")"; done
sleep 0.2
for i in 0 1 2; do cp "$T/bridge$i.json" "$T/bridge$i.before.json"; done
echo "\$ udpclient --count $COUNT --rate $RATE --json 127.0.0.1 $CLIENT_PORT"
tun_measure e2e --count "$COUNT" --rate "$RATE" --timeout 2s
for i in 0 1 2; do kill -USR1 "$(t_pid "bridge$i")"; done
sleep 0.3

field() { grep "\"$2\":{" "$1" | sed -n "s/.*\"$3\":\([0-9]*\).*/\1/p"; }
printf '\n%-8s %-4s %9s %9s %8s\n' path dir received lost loss
for i in 0 1 2; do
	for d in c2s s2c; do
		r=$(($(field "$T/bridge$i.json" $d received) - $(field "$T/bridge$i.before.json" $d received)))
		l=$(($(field "$T/bridge$i.json" $d dropped_loss) - $(field "$T/bridge$i.before.json" $d dropped_loss)))
		awk -v p="bridge$i" -v d=$d -v r=$r -v l=$l \
			'BEGIN { printf "%-8s %-4s %9d %9d %7.2f%%\n", p, d, r, l, r ? 100 * l / r : 0 }'
	done
done
sent=$(sed -n 's/.*"sent":\([0-9]*\).*/\1/p' "$T/e2e.json")
recv=$(sed -n 's/.*"received":\([0-9]*\).*/\1/p' "$T/e2e.json")
awk -v s="$sent" -v r="$recv" -v L="$LOSS" 'BEGIN {
	p = L; sub(/%$/, "", p); if (L ~ /%$/) p /= 100
	printf "\nend to end (round trip): sent %d, received %d, loss %.2f%%\n", s, r, s ? 100 * (s - r) / s : 0
	printf "independent paths predict 1 - (1 - p^3)^2 = %.2f%% (one way p^3 = %.2f%%)\n",
		100 * (1 - (1 - p^3)^2), 100 * p^3
}'
echo "# full udpclient report: $(cat "$T/e2e.json")"
t_done >/dev/null
