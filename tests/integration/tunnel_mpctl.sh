#!/bin/bash
# Operating a running tunnel: control sockets (mode 0600), mpctl show / show
# --json / metrics (valid Prometheus exposition, merged over two daemons) /
# watch (a path going down is streamed) / reload, the HTTP metrics endpoint,
# SIGHUP no longer kills, a control socket already in use is refused.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_mpctl
MPCTL=$BUILD/mpctl

tun_ports
MPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tun_target && tun_server --control "$T/s.sock" && tun_bridges &&
	tun_client --control "$T/c.sock" --metrics "127.0.0.1:$MPORT" && tun_wait_ready ||
	{ t_fail "tunnel up"; t_done; }
t_ok "tunnel up with control sockets"
tun_measure warm --count 50 --rate 500 --timeout 1s

t_expect "control sockets are mode 0600" \
	eval '[ "$(stat -c %a "$T/c.sock")" = 600 ] && [ "$(stat -c %a "$T/s.sock")" = 600 ]'

"$MPCTL" -s "$T/c.sock" -s "$T/s.sock" show >"$T/show.txt" 2>&1
t_expect "mpctl show: mpclient's paths up and mpserver's session" \
	eval 'grep -q "^  path 0 localhost:$BRIDGE_BASE up" "$T/show.txt" && grep -q "^mpserver: .* 1 sessions" "$T/show.txt"'

"$MPCTL" -s "$T/c.sock" -s "$T/s.sock" show --json >"$T/show.json" 2>&1
t_expect "mpctl show --json: an array of both daemons' documents" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["program"] for x in d] == ["mpclient", "mpserver"], d
assert all(p["alive"] for p in d[0]["paths"])
' "$T/show.json"

"$MPCTL" -s "$T/c.sock" -s "$T/s.sock" metrics >"$T/metrics.txt" 2>&1
t_expect "mpctl metrics over two daemons is one valid exposition" python3 tests/prom_check.py "$T/metrics.txt"
t_expect "metrics: every mpclient path up, mpserver's sessions gauge" \
	eval '[ "$(grep -c "^mptunnel_path_up{daemon=\"mpclient:$CLIENT_PORT\",path=\"localhost:[0-9]*\"} 1$" "$T/metrics.txt")" = 3 ] &&
	      grep -q "^mptunnel_sessions{daemon=\"mpserver:$SERVER_PORT\"} 1$" "$T/metrics.txt"'

python3 - "$MPORT" >"$T/http.txt" 2>&1 <<'PY'
import sys, urllib.request
r = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5)
assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
sys.stdout.write(r.read().decode())
PY
t_expect "--metrics: GET /metrics over HTTP is a valid exposition" \
	eval 'python3 tests/prom_check.py "$T/http.txt" && grep -q "^mptunnel_info{daemon=\"mpclient:$CLIENT_PORT\"" "$T/http.txt"'

# watch: a bridge dies, the path-down event arrives on the stream
t_spawn watch "$MPCTL" -s "$T/c.sock" watch --json
tun_measure during --count 2000 --rate 500 --timeout 1s &
mp=$!
sleep 0.5		# scenario time: traffic on three paths, then one bridge dies
t_stop bridge1 KILL
for _ in $(seq 1 100); do grep -q '"event":"path_down"' "$T/watch.log" && break; sleep 0.1; done
t_expect "mpctl watch --json streams the path going down" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
down = [e for e in ev if e["event"] == "path_down"]
assert down and "path 1" in down[0]["message"] and down[0]["daemon"].startswith("mpclient:"), ev
' "$T/watch.log"
wait $mp
t_expect "no datagram lost while the path went down ($(json_get "$T/during.json" lost) lost)" \
	[ "$(json_get "$T/during.json" lost)" = 0 ]

# SIGHUP reloads (or says there is nothing to reload); it never kills
kill -HUP "$(t_pid client)" "$(t_pid server)"
sleep 0.2
t_expect "SIGHUP leaves both daemons running" \
	eval 'kill -0 "$(t_pid client)" && kill -0 "$(t_pid server)"'
t_expect "mpctl reload answers" eval '"$MPCTL" -s "$T/s.sock" reload 2>&1 | grep -Eq "^(reloaded|mpctl: .*nothing to reload)"'

# a second daemon cannot take a live control socket; mpctl without a daemon
FREE=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BUILD/mpserver" --control "$T/s.sock" "$FREE" localhost "$TARGET_PORT" >"$T/second.log" 2>&1
rc=$?
t_expect "a control socket in use is refused (exit $rc), naming it" \
	eval '[ $rc = 1 ] && grep -q "s.sock" "$T/second.log"'
"$MPCTL" -s "$T/none.sock" show >"$T/none.log" 2>&1
rc=$?
t_expect "mpctl on a missing socket exits 1 naming it" eval '[ $rc = 1 ] && grep -q none.sock "$T/none.log"'
t_stop client
t_expect "the control socket is removed at exit" eval '[ ! -e "$T/c.sock" ]'
t_done
