#!/bin/bash
# deploy/scale-out-lab.sh - the steering of deploy/scale-out.md in namespaces, checked
# with protocol-v2-shaped datagrams (no daemons): a client namespace with three
# "bridge" addresses, a balancer namespace (nftables + policy routing, direct return),
# two backends holding the service address. As root; prints [ OK ]/[FAIL] and
# "N passed, N failed".
#
#   1. first contact (server id 0): 1,000 sessions x 3 paths, each path from its own
#      address and port: every session's paths reach one backend, both backends used
#   2. known server ids 1 and 2: 0 datagrams at the wrong backend
#   3. backend 1 drained (id 1 mapped to backend 2 in one nft transaction): every
#      datagram for id 1 reaches backend 2
. "$(dirname "$0")/../tests/lib.sh"
t_init scale_out_lab
CHECK="python3 $ROOT/deploy/steer_check.py"
if [ "$(id -u)" != 0 ]; then
	t_skip "scale-out lab needs root (network namespaces)"
	t_done
fi
t_need_cmd nft
P=mso$$
C=${P}c LB=${P}lb B1=${P}b1 B2=${P}b2
VIP=198.18.0.100
PORT=2000
N=${SCALE_SESSIONS:-1000}
. "$ROOT/deploy/scale-out-net.sh"
so_net_up || { t_fail "namespaces, veths, routes"; t_done; }

t_expect "balancer ruleset loads (server id at payload offset 4, session at 16)" so_rules 1 2 "1, 1 : 2"

t_spawn sink1 ip netns exec "$B1" python3 "$ROOT/deploy/steer_check.py" sink "$PORT" "$T/b1.txt"
t_spawn sink2 ip netns exec "$B2" python3 "$ROOT/deploy/steer_check.py" sink "$PORT" "$T/b2.txt"
up=0
for _ in $(seq 1 100); do
	in_ns "$B1" ss -Hlun "sport = :$PORT" | grep -q . && in_ns "$B2" ss -Hlun "sport = :$PORT" | grep -q . && { up=1; break; }
	sleep 0.05
done
t_expect "both backends listening" [ "$up" = 1 ]

lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# phase MODE: send N sessions x 3 paths, wait for them, print the check line
phase() {
	local mode=$1 f1 f2 want i
	f1=$(lines "$T/b1.txt")
	f2=$(lines "$T/b2.txt")
	in_ns "$C" python3 "$ROOT/deploy/steer_check.py" send "$VIP" "$PORT" \
		198.18.1.2,198.18.1.3,198.18.1.4 "$N" "$RANDOM" "$mode" "$T" >/dev/null
	want=$((f1 + f2 + 3 * N))
	for i in $(seq 1 100); do
		[ $(($(lines "$T/b1.txt") + $(lines "$T/b2.txt"))) -ge "$want" ] && break
		sleep 0.05
	done
	$CHECK check "$T/sessions-$mode.txt" "$T/b1.txt" "$f1" "$T/b2.txt" "$f2"
}
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

r=$(phase zero)
echo "# first contact: $r"
t_expect "first contact: all $((3 * N)) datagrams arrive" [ "$(field "$r" received)" = $((3 * N)) ]
t_expect "first contact: no session split over backends" [ "$(field "$r" split)" = 0 ]
# both used: binomial(N, 1/2), 5 standard deviations below the mean
lo=$((N / 2 - 5 * $(awk -v n="$N" 'BEGIN { printf "%d", sqrt(n) / 2 + 1 }')))
t_expect "first contact: both backends get sessions (each >= $((lo * 3)) datagrams)" \
	eval '[ "$(field "$r" b1)" -ge $((lo * 3)) ] && [ "$(field "$r" b2)" -ge $((lo * 3)) ]'

r=$(phase ids)
echo "# server ids 1 and 2: $r"
t_expect "known server ids: all $((3 * N)) datagrams arrive" [ "$(field "$r" received)" = $((3 * N)) ]
t_expect "known server ids: 0 datagrams misrouted" [ "$(field "$r" misrouted)" = 0 ]

t_expect "drain backend 1: id 1 mapped to backend 2, new sessions to backend 2" so_rules 2 2 "2, 1 : 2"
r=$(phase only1)
echo "# backend 1 drained, server id 1 (misrouted = id != backend: all of them now, as intended): $r"
t_expect "drained: all $((3 * N)) datagrams for id 1 reach backend 2" \
	eval '[ "$(field "$r" b2)" = $((3 * N)) ] && [ "$(field "$r" b1)" = 0 ]'
t_done
