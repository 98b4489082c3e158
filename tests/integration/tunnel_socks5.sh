#!/bin/bash
# SOCKS5 on mpclient (issue 13): mpclient --socks5 serves RFC 1928 UDP
# ASSOCIATE; each datagram's destination becomes its flow's target, which
# mpserver forwards only where this client is allowed.  A real SOCKS5
# client (Debian's python3-socks, PySocks) and our own (tests/socks5_client.py,
# which also names a domain mpserver maps; its port is ignored, the map gives it) reach two allowed targets through
# one mpclient and get nothing through to a third that is not allowed (a
# sink there counts 0); mpserver counts those target_denied and mpclient
# logs its NOTICE.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_socks5
t_need_built mpclient mpserver
N=${N:-100}
PY=
for py in python3 /usr/bin/python3; do
	"$py" -c 'import socks' 2>/dev/null && { PY=$py; break; }
done
[ -n "$PY" ] || { t_fail "PySocks (python3-socks) is not installed: make deps"; t_done; }

t_ports 6 || exit 1
T1=$PORT0 T2=$PORT1 T3=$PORT2 SP=$PORT3 CP=$PORT4 SOCKS=$PORT5
umask 077
"$BUILD/mpserver" --genkey >"$T/k.key"
t_echo_target echo1 "$T1"
t_echo_target echo2 "$T2"
t_spawn sink3 python3 "$UDPTOOL" sink "$T3" --out "$T/sink3.count"
t_wait_udp "$T3" || { t_fail "sink up"; t_done; }
cat >"$T/mpserver.conf" <<CONF
listen 127.0.0.1:$SP
key k.key
allow 127.0.0.1:$T1
allow 127.0.0.1:$T2
map echo 127.0.0.1:$T2
CONF
t_spawn server "$BUILD/mpserver" -c "$T/mpserver.conf" --stats "$T/server.json" --no-control
t_wait_udp "$SP" || { t_fail "mpserver up"; t_done; }
t_spawn client "$BUILD/mpclient" --listen "127.0.0.1:$CP" --bridge "127.0.0.1:$SP" \
	--key-file "$T/k.key" --socks5 "127.0.0.1:$SOCKS" --stats "$T/client.json" --no-control
for _ in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$SOCKS") 2>/dev/null && break
	sleep 0.1
done
t_expect "mpclient serves SOCKS5 on TCP 127.0.0.1:$SOCKS" grep -q "SOCKS5 (UDP ASSOCIATE) on 127.0.0.1:$SOCKS" "$T/client.log"

# the first datagram of a new session waits for the cookie round trip: warm up
"$PY" "$ROOT/tests/socks5_client.py" "$SOCKS" --lib own --to "127.0.0.1:$T1" --count 5 >/dev/null 2>&1

check() {	# LIB DESTS...: each allowed one gets N of N back, the third none
	local lib=$1 out
	shift
	out=$("$PY" "$ROOT/tests/socks5_client.py" "$SOCKS" --lib "$lib" --count "$N" "$@" 2>"$T/$lib.err")
	echo "$out" >"$T/$lib.json"
	echo "$out"
}
own=$(check own --to "127.0.0.1:$T1" --to "127.0.0.1:$T2" --to "echo:9" --to "127.0.0.1:$T3")
t_expect "own client: two allowed targets and a mapped name reach all $N, the third 0 ($own)" \
	python3 - "$T/own.json" "$T1" "$T2" "$T3" "$N" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t1, t2, t3, n = sys.argv[2:6]
n = int(n)
assert r["127.0.0.1:" + t1]["received"] == n, r
assert r["127.0.0.1:" + t2]["received"] == n, r
assert r["echo:9"]["received"] == n, r
assert r["127.0.0.1:" + t3]["received"] == 0, r
PY
py=$(check pysocks --to "127.0.0.1:$T1" --to "127.0.0.1:$T2" --to "127.0.0.1:$T3")
t_expect "PySocks: two allowed targets reach all $N, the third 0 ($py; $(head -c 200 "$T/pysocks.err"))" \
	python3 - "$T/pysocks.json" "$T1" "$T2" "$T3" "$N" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t1, t2, t3, n = sys.argv[2:6]
n = int(n)
assert r["127.0.0.1:" + t1]["received"] == n, r
assert r["127.0.0.1:" + t2]["received"] == n, r
assert r["127.0.0.1:" + t3]["received"] == 0, r
PY
t_stop sink3 TERM
t_expect "nothing reached the target not allowed (sink: $(cat "$T/sink3.count" 2>/dev/null))" \
	eval '[ "$(cat "$T/sink3.count" 2>/dev/null)" = 0 ] || [ ! -s "$T/sink3.count" ]'
t_stats server "$T/server.json" sessions_open >/dev/null
den=$(t_json_in "$T/server.json" drops target_denied)
t_expect "mpserver counted the $((2 * N)) datagrams to it target_denied ($den)" [ "${den:-0}" = $((2 * N)) ]
t_expect "mpclient logs mpserver's NOTICE for the SOCKS5 flow" \
	grep -q "mpserver says (authenticated): flow [0-9]* from 127.0.0.1:[0-9]*: target 127.0.0.1:$T3 not allowed" "$T/client.log"

# a command other than UDP ASSOCIATE is refused (reply 7), the server lives
rep=$(python3 - "$SOCKS" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"\x05\x01\x00")
assert s.recv(2) == b"\x05\x00"
s.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50")     # CONNECT 127.0.0.1:80
print(s.recv(64).hex())
PY
)
t_expect "CONNECT is refused with reply 7, command not supported ($rep)" \
	eval '[ "${rep:0:4}" = 0507 ] && kill -0 $(t_pid client)'
t_done
