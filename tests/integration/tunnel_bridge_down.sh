#!/bin/bash
# Lose whole bridges mid-run: nothing is lost while one path still works.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_bridge_down

for kind in mpbridge socat; do
	command -v socat >/dev/null || [ $kind = mpbridge ] || continue
	BRIDGE_KIND=$kind
	tun_start_all || { t_fail "$kind: tunnel up"; continue; }
	t_ok "$kind: tunnel up"
	tun_measure run --count 1500 --rate 500 --timeout 1s &
	mp=$!
	sleep 1			# scenario time: 1 s of traffic on 3 paths
	t_stop bridge0 KILL
	sleep 1			# 1 s on 2 paths
	t_stop bridge1 KILL
	wait $mp		# the rest on 1 path
	t_expect "$kind: two of three bridges killed mid-run: $(json_get "$T/run.json" lost) of 1500 lost" \
		eval '[ "$(json_get "$T/run.json" lost)" = 0 ] && [ "$(json_get "$T/run.json" duplicates)" = 0 ]'
	t_renew
done
# a bridge restarted (mpbridge, new upstream port): mpserver forgets the old
# address on the ICMP port unreachable instead of sending into the void
BRIDGE_KIND=mpbridge
tun_start_all || { t_fail "restart: tunnel up"; t_done; }
tun_measure run --count 1500 --rate 500 --timeout 1s &
mp=$!
sleep 1			# scenario time: 1 s of traffic on 3 paths
t_stop bridge0 KILL
tun_bridge 0		# same listen port, new upstream port
wait $mp
t_expect "bridge restarted mid-run: $(json_get "$T/run.json" lost) of 1500 lost" \
	[ "$(json_get "$T/run.json" lost)" = 0 ]
unr=$(t_stats server "$T/server.json" unreachable)
t_expect "mpserver forgot the dead path on ICMP (unreachable $unr)" in_range "$unr" 1 10
tun_measure after --count 300 --rate 500 --timeout 1s
t_stats server "$T/server.json" unreachable >/dev/null
paths=$(grep -o '"peer"' "$T/server.json" | wc -l)
t_expect "and learnt the restarted bridge's new address (3 paths: $paths)" [ "$paths" = 3 ]
t_done
