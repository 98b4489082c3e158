#!/bin/bash
# Forged ICMP errors (issue 16): ICMP port-unreachable is unauthenticated, so
# a keyed mpserver must treat it as a hint only (counted, logged at a bounded
# rate) and never drop a path for it.  300 forged errors a second, each
# quoting a datagram from mpserver's port to one of the bridges, must leave
# the downstream loss within the binomial interval of a run without them.
# Raw sockets need root.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_icmp
if [ "$(id -u)" != 0 ]; then
	t_skip "forged ICMP needs a raw socket (root)"
	t_done
fi
N=2000
RATE=400

STREAM="python3 $(dirname "$0")/../stream.py"

KEY=$T/key
(umask 077 && "$BUILD/mpclient" --genkey >"$KEY")
tun_ports
# the target streams N datagrams back for one request: a downstream-heavy flow
t_spawn target $STREAM serve "$TARGET_PORT"
t_wait_udp "$TARGET_PORT"
tun_server --key-file "$KEY"
tun_bridges
tun_client --key-file "$KEY"
ok=0
for _ in 1 2 3 4 5; do
	read -r got _ < <($STREAM get "$CLIENT_PORT" 10 100)
	[ "$got" = 10 ] && { ok=1; break; }
done
t_expect "keyed tunnel up, a stream flows downstream" [ $ok = 1 ]

# the bridges' addresses as mpserver sees them (its return paths)
peers=$(tun_server_peers 3)
t_expect "mpserver knows the 3 bridges' addresses ($peers)" \
	eval '[ "$(echo "$peers" | tr , "\n" | grep -c .)" = 3 ]'

read -r got0 _ < <($STREAM get "$CLIENT_PORT" "$N" "$RATE")
down0=$((N - got0))
lines0=$(grep -c "ICMP\|unreachable" "$T/server.log")
secs=$(((N + RATE - 1) / RATE + 1))
t_spawn forge python3 "$(dirname "$0")/../icmp_forge.py" "$SERVER_PORT" "$peers" 300 "$secs"
read -r got1 _ < <($STREAM get "$CLIENT_PORT" "$N" "$RATE")
down1=$((N - got1))
t_wait_log forge '^[0-9]+$' $((secs + 5))
forged=$(grep -E '^[0-9]+$' "$T/forge.log")
# upper end of a 99.9% interval for the losses of the second run, from the
# first run's rate (at least 1 in N)
bound=$(python3 -c '
import math, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
p = max(k, 1) / n
print(int(n * p + 3.3 * math.sqrt(n * p * (1 - p)) + 1))' "$N" "$down0")
t_expect "$forged forged ICMP port-unreachable at 300/s: downstream lost $down1 of $N (without: $down0; bound $bound)" \
	eval 'in_range "$forged" 100 100000 && in_range "$down1" 0 "$bound"'
open=$(t_stats server "$T/server.json" sessions_open)
hints=$(json_get "$T/server.json" icmp_errors)
t_expect "the ICMP errors were counted as hints ($hints), the paths kept" \
	eval 'in_range "$hints" 100 100000'
lines=$(($(grep -c "ICMP\|unreachable" "$T/server.log") - lines0))
t_expect "the log about them is rate-limited ($lines lines for $forged errors in ${secs}s)" \
	in_range "$lines" 0 $((secs + 10))
t_done
