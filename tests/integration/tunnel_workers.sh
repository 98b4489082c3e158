#!/bin/bash
# mpserver --workers (issue 15; tunnel/workers.h): the kernel steers every
# path of a session to one worker (lib/steer), traffic through 2 workers
# loses nothing more than through 1, and one report (mpctl show, show json,
# metrics, --stats) sums the workers with a line per worker; events from the
# workers reach mpctl watch; keyed sessions get their cookie from their own
# worker and a reload gives every worker the new keys.
#
# The load is bench/mpt-sessions: N sessions x 3 paths speaking protocol v2
# (clear mode) straight to mpserver, each path from a socket of its own, and
# the target's sink in the same process (it counts every (session, seq) once).
# If steering failed, a session's paths would reach several workers, each
# opening the session on its own: the session would show in the report more
# than once, with fewer paths, the sink would see duplicates and the workers
# would count datagrams of other workers' sessions (misrouted).
. "$(dirname "$0")/../lib.sh"
t_init tunnel_workers
t_need_built mpserver mpclient mpctl udpclient udpserver mpt-sessions
MPCTL=$BUILD/mpctl
N=60		# sessions
RATE=6000	# datagrams/s in all, each on 3 paths
t_ports 10 || { t_fail "free ports"; t_done; }
SP=$PORT0	# mpserver
TP=$PORT1	# the sink (mpserver's target)

for nw in 1 2; do
	t_spawn "server$nw" "$BUILD/mpserver" --workers "$nw" --max-sessions 128 \
		--control "$T/s$nw.sock" --stats "$T/s$nw.json" --listen "127.0.0.1:$SP" \
		--target "127.0.0.1:$TP"
	t_wait_udp "$SP" || { t_fail "mpserver --workers $nw up"; t_done; }
	[ "$nw" = 2 ] && t_spawn watch "$MPCTL" -s "$T/s2.sock" watch --json
	for _ in $(seq 1 50); do [ "$nw" = 1 ] || [ -s "$T/watch.log" ] ||
		"$MPCTL" -s "$T/s2.sock" show >/dev/null 2>&1 && break; sleep 0.1; done
	"$BUILD/mpt-sessions" --to "127.0.0.1:$SP" --sink "127.0.0.1:$TP" --sessions $N --paths 3 \
		--rate $RATE --duration 2 >"$T/load$nw.json" 2>"$T/load$nw.err"
	"$MPCTL" -s "$T/s$nw.sock" show >"$T/show$nw.txt" 2>&1
	"$MPCTL" -s "$T/s$nw.sock" show --json >"$T/show$nw.json" 2>&1
	"$MPCTL" -s "$T/s$nw.sock" metrics >"$T/metrics$nw.txt" 2>&1
	t_stop "server$nw"
done
t_stop watch
echo "# 1 worker:  $(cat "$T/load1.json")"
echo "# 2 workers: $(cat "$T/load2.json")"
made1=$(json_get "$T/load1.json" made); lost1=$(json_get "$T/load1.json" lost)
made2=$(json_get "$T/load2.json" made); lost2=$(json_get "$T/load2.json" lost)
t_expect "every path of the $N sessions answered, both runs" \
	[ "$(json_get "$T/load1.json" unanswered)/$(json_get "$T/load2.json" unanswered)" = 0/0 ]
# nothing more lost through 2 workers than through 1: at most 0.5% of the run more
# (a loaded machine may lose a few in the kernel's buffers either way)
t_expect "2 workers lose no more than 1: $lost2 of $made2 against $lost1 of $made1" \
	[ "$lost2" -le $((lost1 + made2 / 200)) ]
t_expect "no duplicates at the target (a session split over workers would deliver twice)" \
	[ "$(json_get "$T/load1.json" duplicates)/$(json_get "$T/load2.json" duplicates)" = 0/0 ]

t_expect "mpctl show json: each of the $N sessions once, on one worker, with its 3 paths; \
the workers' counts sum to the whole; no datagram misrouted" python3 - "$T/show2.json" "$N" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d = d[0] if isinstance(d, list) else d	# mpctl: one document per daemon
n = int(sys.argv[2])
ids = [s["session"] for s in d["sessions"]]
assert len(ids) == n and len(set(ids)) == n, (len(ids), len(set(ids)))
assert all(len(s["paths"]) == 3 and s["worker"] in (0, 1) for s in d["sessions"]), d["sessions"][:3]
w = d["workers"]
assert len(w) == 2, w
assert [x["misrouted"] for x in w] == [0, 0], w
assert sum(x["sessions"] for x in w) == d["sessions_open"] == n, w
# both hold some: all 60 on one worker has probability 2^-59
assert all(x["sessions"] > 0 for x in w), w
for i in (0, 1):
    mine = [s for s in d["sessions"] if s["worker"] == i]
    assert len(mine) == w[i]["sessions"], (i, len(mine), w[i])
    assert sum(p["received"] for s in mine for p in s["paths"]) == w[i]["received"], (i, w[i])
assert sum(x["received"] for x in w) == d["total"]["received"], (w, d["total"])
assert sum(x["flows"] for x in w) == d["flows_open"] == n, w
print("# workers:", [(x["sessions"], x["received"]) for x in w])
PY
t_expect "mpctl show: the sum and a line per worker" eval \
	'grep -q "^mpserver: .* $N sessions, $N flows" "$T/show2.txt" &&
	 grep -q "^  worker 0: [0-9]* sessions, .* misrouted 0$" "$T/show2.txt" &&
	 grep -q "^  worker 1: [0-9]* sessions, .* misrouted 0$" "$T/show2.txt"'
t_expect "mpctl show with 1 worker: no worker lines (as before workers)" \
	bash -c "grep -q '^mpserver: .* $N sessions' '$T/show1.txt' && ! grep -q 'worker' '$T/show1.txt'"
t_expect "metrics: a valid exposition; the sessions gauge is the sum of the workers'" eval \
	'python3 "$ROOT/tests/prom_check.py" "$T/metrics2.txt" &&
	 grep -q "^mptunnel_sessions{daemon=\"mpserver:$SP\"} $N$" "$T/metrics2.txt" &&
	 [ "$(sed -n "s/^mptunnel_worker_sessions{.*} //p" "$T/metrics2.txt" | paste -sd+ - | bc)" = $N ]'
t_expect "--stats at exit holds the workers too" \
	grep -q '"workers":\[{"worker":0' "$T/s2.json"
opened=$(grep -c '"event":"session_open"' "$T/watch.log")
t_expect "mpctl watch: the workers' $N session_open events reach the stream ($opened)" [ "$opened" = $N ]

# keyed: cookies per worker, keys replaced on every worker by a reload
umask 077
mkdir -p "$T/keys"
"$BUILD/mpclient" --genkey >"$T/k1.key"
"$BUILD/mpclient" --genkey >"$T/k2.key"
cp "$T/k1.key" "$T/keys/"
t_spawn target "$BUILD/udpserver" --bind 127.0.0.1 "$PORT1"
t_wait_udp "$PORT1" || { t_fail "udpserver up"; t_done; }
t_spawn skey "$BUILD/mpserver" --workers 2 --key-dir "$T/keys" --control "$T/k.sock" \
	--listen "127.0.0.1:$SP" --target "127.0.0.1:$PORT1"
t_wait_udp "$SP" || { t_fail "keyed mpserver --workers 2 up"; t_done; }
NC=6
ok=0
for i in $(seq 1 $NC); do
	port=$((PORT3 + i))
	t_spawn "c$i" "$BUILD/mpclient" --no-control --key-file "$T/k1.key" \
		--listen "127.0.0.1:$port" --bridge "127.0.0.1:$SP"
	t_wait_udp "$port" || continue
	"$BUILD/udpclient" --quiet --json --count 100 --rate 500 --timeout 2s 127.0.0.1 "$port" \
		>"$T/kc$i.json" 2>&1
	[ "$(json_get "$T/kc$i.json" received)" = 100 ] && ok=$((ok + 1))
done
"$MPCTL" -s "$T/k.sock" show --json >"$T/kshow.json"
t_expect "keyed, 2 workers: $ok of $NC clients got all 100 round trips (each session's cookie from its worker)" \
	[ "$ok" = $NC ]
t_expect "keyed: $NC sessions, cookies sent by the workers, none misrouted" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d = d[0] if isinstance(d, list) else d
assert d["sessions_open"] == int(sys.argv[2]), d["sessions_open"]
assert d["cookies"] >= int(sys.argv[2]), d["cookies"]
assert all(w["misrouted"] == 0 for w in d["workers"]), d["workers"]
' "$T/kshow.json" "$NC"
# sessions closed by every worker for their key ("removed; N sessions closed" per worker)
closed_sum() { grep -o 'removed; [0-9]* sessions closed' <<<"$1" | awk '{ n += $2 } END { print n + 0 }'; }
cp "$T/k2.key" "$T/keys/"
out=$("$MPCTL" -s "$T/k.sock" reload 2>&1)
echo "# $out"
t_expect "reload adds the key on every worker" eval \
	'[[ "$out" == "reloaded: "*"2 workers; worker 0: 2 keys: 1 added, 0 removed; 0 sessions closed"*"; worker 1: 2 keys: 1 added, 0 removed; 0 sessions closed"* ]]'
rm "$T/keys/k1.key"
out=$("$MPCTL" -s "$T/k.sock" reload 2>&1)
echo "# $out"
t_expect "reload removes the old key: the workers close their $NC sessions under it ($(closed_sum "$out"))" \
	eval '[[ "$out" == "reloaded: "*"worker 1: 1 keys: 0 added, 1 removed"* ]] && [ "$(closed_sum "$out")" = $NC ]'
t_done
