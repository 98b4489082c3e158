# tests/tunnel-lib.sh - start the pieces of a loopback tunnel (source after lib.sh).
#
#   tun_ports              PORT0 target, PORT1 mpserver, PORT2 mpclient, PORT3.. bridges
#   tun_target             udpserver on $TARGET_PORT
#   tun_server [ARGS]      mpserver $SERVER_PORT -> target
#   tun_bridge I [KIND]    bridge I (0-based) of KIND mpbridge|socat (default $BRIDGE_KIND)
#   tun_mpbridge I ARGS    bridge I, an mpbridge with ARGS
#   tun_client [ARGS]      mpclient $CLIENT_PORT with a config of all bridges
#   tun_measure TAG ARGS   udpclient measuring run through the tunnel, JSON in $T/TAG.json
#   tun_wait_ready [PORT]  a round trip through the tunnel (bounded)
#   tun_direct TAG PORT SP ARGS   an mpclient straight to mpserver 127.0.0.1:SP
#   tun_count TAG PORT N RATE     N round trips through 127.0.0.1:PORT, prints received
#   tun_snap TAG           both ends' paths now: $T/c.TAG.json (mpctl -s $T/c.sock), $T/s.TAG.json
#   tun_grew T1 T2 END I   how much path I's sent counter grew from snapshot T1 to T2 at END (c|s)

BRIDGE_KIND=${BRIDGE_KIND:-mpbridge}
NBRIDGES=${NBRIDGES:-3}

tun_ports() {
	t_ports $((3 + NBRIDGES)) || exit 1
	TARGET_PORT=$PORT0
	SERVER_PORT=$PORT1
	CLIENT_PORT=$PORT2
	BRIDGE_BASE=$PORT3
	CONF=$T/client.mpclient.conf
	{
		echo "# mptunnel"
		echo
		for i in $(seq 0 $((NBRIDGES - 1))); do
			echo "localhost $((BRIDGE_BASE + i))"
		done
	} >"$CONF"
}

tun_target() {
	t_spawn target "$BUILD/udpserver" --bind 127.0.0.1 --stats "$T/target.json" "$TARGET_PORT"
	t_wait_udp "$TARGET_PORT"
}

tun_server() {
	t_spawn server "$BUILD/mpserver" --stats "$T/server.json" "$@" \
		"$SERVER_PORT" localhost "$TARGET_PORT"
	t_wait_udp "$SERVER_PORT"
}

have_mpbridge() { [ -x "$BUILD/mpbridge" ]; }

tun_bridge() {
	local i=$1 kind=${2:-$BRIDGE_KIND} port=$((BRIDGE_BASE + $1))
	if [ "$kind" = mpbridge ] && have_mpbridge; then
		tun_mpbridge "$i"
		return
	fi
	t_spawn "bridge$i" socat "udp-listen:$port" "udp4:localhost:$SERVER_PORT"
	t_wait_udp "$port"
}

# tun_mpbridge I ARGS...: bridge I, an mpbridge to mpserver with ARGS (impairments,
# --pcap, --stats ...), listening (bounded wait)
tun_mpbridge() {
	local i=$1
	shift
	t_spawn "bridge$i" "$BUILD/mpbridge" --listen "$((BRIDGE_BASE + i))" \
		--to "localhost:$SERVER_PORT" "$@"
	t_wait_udp "$((BRIDGE_BASE + i))"
}

tun_bridges() {
	local i
	for i in $(seq 0 $((NBRIDGES - 1))); do
		tun_bridge "$i" "$@" || return 1
	done
}

tun_client() {
	t_spawn client "$BUILD/mpclient" --stats "$T/client.json" "$@" "$CLIENT_PORT" "$CONF"
	t_wait_udp "$CLIENT_PORT"
}

# tun_wait_ready [PORT]: wait until a datagram makes the round trip through the
# mpclient on 127.0.0.1:PORT (default $CLIENT_PORT); bounded: 20 tries of 250 ms
tun_wait_ready() {
	local i out port=${1:-$CLIENT_PORT}
	for i in $(seq 1 20); do
		out=$("$BUILD/udpclient" --quiet --count 1 --timeout 250ms --json 127.0.0.1 \
			"$port" 2>/dev/null)
		case $out in *'"received":1'*) return 0 ;; esac
	done
	return 1
}

# tun_direct TAG PORT SERVERPORT ARGS...: an mpclient TAG on 127.0.0.1:PORT whose one
# path goes straight to mpserver on 127.0.0.1:SERVERPORT (no bridge), --stats in
# $T/TAG.json, no control socket
tun_direct() {
	local tag=$1 port=$2 sp=$3
	shift 3
	t_spawn "$tag" "$BUILD/mpclient" --listen "127.0.0.1:$port" --bridge "127.0.0.1:$sp" \
		--stats "$T/$tag.json" --no-control "$@"
	t_wait_udp "$port"
}

# tun_count TAG PORT COUNT RATE: COUNT round trips at RATE a second through the
# mpclient on 127.0.0.1:PORT (1 s for the last), JSON in $T/TAG.json; prints received
tun_count() {
	"$BUILD/udpclient" --quiet --json --count "$3" --rate "$4" --timeout 1s 127.0.0.1 "$2" \
		>"$T/$1.json" 2>/dev/null
	json_get "$T/$1.json" received
}

# mpserver's return addresses (the bridges as it sees them), comma-separated,
# once it knows N of them; a path whose first datagrams came before the
# session existed (keyed: the cookie round trip) is learnt at mpclient's next
# datagram on it: polled, bounded (5 s). Prints what it has; 1 if short.
tun_server_peers() {
	local n=$1 peers=
	for _ in $(seq 1 50); do
		t_stats server "$T/server.json" sessions_open >/dev/null
		peers=$(grep -o '"peer":"127.0.0.1:[0-9]*"' "$T/server.json" | sed 's/.*://; s/"//' |
			sort -u | paste -sd, -)
		[ "$(echo "$peers" | tr , "\n" | grep -c .)" = "$n" ] && break
		sleep 0.1
	done
	echo "$peers"
	[ "$(echo "$peers" | tr , "\n" | grep -c .)" = "$n" ]
}

tun_measure() {
	local tag=$1
	shift
	"$BUILD/udpclient" --quiet --json "$@" 127.0.0.1 "$CLIENT_PORT" >"$T/$tag.json" 2>"$T/$tag.err"
}

tun_start_all() {
	tun_ports && tun_target && tun_server && tun_bridges && tun_client && tun_wait_ready
}

# tun_snap TAG: mpclient's paths (mpctl on the control socket $T/c.sock) in
# $T/c.TAG.json and mpserver's (--stats) in $T/s.TAG.json
tun_snap() {
	"$BUILD/mpctl" -s "$T/c.sock" show --json >"$T/c.$1.json" 2>&1
	t_stats server "$T/server.json" sessions_open >/dev/null
	cp "$T/server.json" "$T/s.$1.json"
}

# tun_grew TAG1 TAG2 END PATH: how much path PATH's sent counter grew at END (c|s)
# between the snapshots TAG1 and TAG2
tun_grew() {
	python3 - "$T/$3.$1.json" "$T/$3.$2.json" "$4" <<'EOF'
import json, sys
def sent(f, i):
    d = json.load(open(f))
    d = d[0] if isinstance(d, list) else d
    paths = d["paths"] if "paths" in d else d["sessions"][0]["paths"]
    return {p["index"]: p["sent"] for p in paths}[i]
print(sent(sys.argv[2], int(sys.argv[3])) - sent(sys.argv[1], int(sys.argv[3])))
EOF
}
