#!/bin/bash
# deploy/scale-out-daemons.sh - deploy/scale-out.md with the real daemons: two mpserver
# backends (--server-id 1 and 2, each with --workers 2) behind the balancer of
# deploy/scale-out-net.sh (nftables steering on the server id and, for first contact, the
# session id; direct return), loaded by bench/mpt-sessions from the client namespace:
# SESSIONS (1,000) sessions x 3 paths, each path from its own address (a bridge) and port,
# DATA on every path plus a PING per path every 100 ms; the server id of each session's
# last PONG goes back in its headers, as mpclient does.  As root; prints [ OK ]/[FAIL].
#
#   1. every path answered; while both backends run, no session on both (0 misrouted:
#      a datagram at the wrong backend would open its session there), every session
#      with its 3 paths on one backend, both backends used
#   2. backend 1 drained: its ids (and its share of first contact) mapped to backend 2
#      in one nft transaction, then backend 1 stopped; its sessions resume on backend 2
#      (unknown there: recovered as after a restart, a new epoch and server id 2) with
#      no session silent at the target for more than 1 s (the goal of issue 15; the
#      sink measures each session's longest silence), and every session answered by
#      one backend at the end
. "$(dirname "$0")/../tests/lib.sh"
t_init scale_out_daemons
if [ "$(id -u)" != 0 ]; then
	t_skip "scale-out lab needs root (network namespaces)"
	t_done
fi
t_need_cmd nft
t_need_built mpserver mpctl mpt-sessions
P=msd$$
C=${P}c LB=${P}lb B1=${P}b1 B2=${P}b2
VIP=198.18.0.100
PORT=2000
SINK=198.18.1.2:3000
N=${SCALE_SESSIONS:-1000}
RATE=${SCALE_RATE:-10000}	# datagrams/s in all: 10 a second per session
. "$ROOT/deploy/scale-out-net.sh"
so_net_up || { t_fail "namespaces, veths, routes"; t_done; }
t_expect "balancer ruleset (ids 1 and 2 to their backends, first contact by session hash)" \
	so_rules 1 2 "1, 1 : 2"

backend() {	# backend I: mpserver --server-id I in namespace B<I>
	local i=$1 ns
	ns=$([ "$i" = 1 ] && echo "$B1" || echo "$B2")
	t_spawn "b$i" ip netns exec "$ns" "$BUILD/mpserver" --server-id "$i" --workers 2 \
		--max-sessions "$N" --max-flows "$N" --listen "$VIP:$PORT" --target "$SINK" \
		--control "$T/b$i.sock" --stats "$T/b$i.json" --quiet
	for _ in $(seq 1 100); do
		in_ns "$ns" ss -Hlun "sport = :$PORT" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}
t_expect "backend 1 (--server-id 1 --workers 2) up" backend 1
t_expect "backend 2 (--server-id 2 --workers 2) up" backend 2

t_spawn load ip netns exec "$C" "$BUILD/mpt-sessions" --to "$VIP:$PORT" --sink "$SINK" \
	--bind 198.18.1.2,198.18.1.3,198.18.1.4 --sessions "$N" --paths 3 --rate "$RATE" \
	--duration 60 --ping 100ms --setup 20
t_wait_log load "paths answered" 30
echo "# $(grep 'paths answered' "$T/load.log")"
t_expect "every one of the $((3 * N)) paths answered" grep -q "^mpt-sessions: $((3 * N)) of $((3 * N)) paths" "$T/load.log"
sleep 1.5	# scenario time: load on both backends
"$BUILD/mpctl" -s "$T/b1.sock" show --json >"$T/pre1.json" 2>&1
"$BUILD/mpctl" -s "$T/b2.sock" show --json >"$T/pre2.json" 2>&1
t_expect "both backends running: 0 sessions on both (0 misrouted over $N sessions x 3 paths), \
each with its 3 paths on one backend, both used" python3 - "$T/pre1.json" "$T/pre2.json" "$N" <<'PY'
import json, sys
def load(f):
    d = json.load(open(f))
    return d[0] if isinstance(d, list) else d
b1, b2, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
s1 = {s["session"]: s for s in b1["sessions"]}
s2 = {s["session"]: s for s in b2["sessions"]}
both = set(s1) & set(s2)
print(f"# backend 1: {len(s1)} sessions, backend 2: {len(s2)}, on both: {len(both)}")
assert not both, sorted(both)[:5]
assert len(s1) + len(s2) == n, (len(s1), len(s2))
short = [k for k, s in {**s1, **s2}.items() if len(s["paths"]) != 3]
assert not short, short[:5]
assert s1 and s2
PY
# drain backend 1: its id and its share of first contact to backend 2, then stop it;
# SIGUSR1 tells the load the moment (it measures each session's silence around it)
kill -USR1 "$(t_pid load)"
t_expect "drain: id 1 and all first contact mapped to backend 2 (one nft transaction)" \
	so_rules 2 2 "2, 1 : 2"
t0=$(date +%s.%N)
t_stop b1
echo "# drained at $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s to stop backend 1; load still running: $(kill -0 "$(t_pid load)" 2>/dev/null && echo yes || echo NO)"
sleep 2	# scenario time: the drained sessions resume (the goal: within 1 s)
kill -TERM "$(t_pid load)"
t_wait_pid "$(t_pid load)" 30
[ -n "${SCALE_DEBUG:-}" ] && in_ns "$LB" nft list ruleset >"$T/nft.txt" && in_ns "$LB" ip -s route show table 102 >>"$T/nft.txt" && in_ns "$LB" nstat -a >>"$T/nft.txt" 2>&1
res=$(grep '^{' "$T/load.log")
echo "# load: $res"
"$BUILD/mpctl" -s "$T/b2.sock" show --json >"$T/post2.json" 2>&1
moved=$(json_get <(echo "$res") moved)
gap=$(json_get <(echo "$res") drain_gap_s)
resumed=$(json_get <(echo "$res") resumed)
pre1=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d=d[0] if isinstance(d,list) else d; print(d["sessions_open"])' "$T/pre1.json")
t_expect "drained: the $pre1 sessions of backend 1 moved to server id 2 ($moved)" [ "$moved" = "$pre1" ]
t_expect "drained: every session delivers again ($resumed of $N)" [ "$resumed" = "$N" ]
t_expect "drained: no session silent at the target for more than 1 s around the drain (longest $gap s)" \
	awk -v g="$gap" 'BEGIN { exit !(g != "" && g <= 1.0) }'
t_expect "after the drain every session's paths are answered by one backend (split 0), none unanswered" \
	[ "$(json_get <(echo "$res") split)/$(json_get <(echo "$res") unanswered)" = 0/0 ]
t_expect "backend 2 holds all $N sessions, each with its 3 paths" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d = d[0] if isinstance(d, list) else d
assert d["sessions_open"] == int(sys.argv[2]), d["sessions_open"]
assert all(len(s["paths"]) == 3 for s in d["sessions"])
assert all(w["misrouted"] == 0 for w in d["workers"]), d["workers"]
' "$T/post2.json" "$N"
echo "# lost during the drain: $(json_get <(echo "$res") lost) of $(json_get <(echo "$res") made) datagrams; load average $(cut -d' ' -f1-3 /proc/loadavg)"
t_done
