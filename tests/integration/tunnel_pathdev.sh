#!/bin/bash
# tunnel_pathdev.sh - interface- and source-bound paths (mpclient --path dev=IF,src=ADDR,bridge=
# HOST:PORT, the same in the config file).
#
# Without root: every bad token is an exit 2 naming it (command line and FILE:LINE); an
# interface that does not exist is a warning (hot-plug), and -n still says OK.
# As root, in two namespaces joined by veths (tests/pathns.sh): mpserver's one address is routed
# through all of them, so only SO_BINDTODEVICE can make the paths leave by vc0, vc1 and vc2, and
# only bind() can give a path the source 198.18.12.1 while the route says vc0; every datagram of
# a measured run arrives; and a path naming an interface that does not exist yet starts down and
# carries traffic once the interface is created (no restart).
. "$(dirname "$0")/../lib.sh"
t_init tunnel_pathdev
t_need_built mpclient mpserver udpclient udpserver
MPC=$BUILD/mpclient

# --- bad tokens: exit 2, the token named ---
t_ports 2 || exit 1
bad() {	# bad WHAT EXPECTED-MESSAGE ARGS...
	local what=$1 msg=$2 rc
	shift 2
	"$MPC" -n --no-control --listen "127.0.0.1:$PORT0" "$@" >"$T/bad.out" 2>&1
	rc=$?
	if [ $rc = 2 ] && grep -qF -- "$msg" "$T/bad.out"; then
		t_ok "$what: exit 2, '$msg'"
	else
		t_fail "$what: exit $rc, expected 2 and '$msg': $(head -c 300 "$T/bad.out")"
	fi
}
B=127.0.0.1:$PORT1
bad "bad interface name" "bad interface name 'a/b'" --path "dev=a/b,bridge=$B"
bad "no bridge" "path without bridge=HOST:PORT" --path "dev=lo"
bad "bad source address" "bad source address '1.2.3'" --path "src=1.2.3,bridge=$B"
bad "unknown item" "unknown path item 'via=x'" --path "dev=lo,via=x,bridge=$B"
bad "item twice" "'dev=' given twice" --path "dev=lo,dev=lo,bridge=$B"
bad "source family" "source address '::1' is IPv6 but bridge '127.0.0.1' is IPv4" \
	--path "src=::1,bridge=$B"
printf 'localhost %s\ndev=lo via=x bridge=%s\n' "$PORT1" "$B" >"$T/bad.conf"
bad "config file line" "bad.conf:2: unknown path item 'via=x'" --config "$T/bad.conf"
bad "duplicate path" "duplicate bridge 'lo 127.0.0.1" --path "dev=lo,bridge=$B" --path "bridge=$B,dev=lo"

# an interface that does not exist (yet): a warning, not an error
"$MPC" -n --no-control --listen "127.0.0.1:$PORT0" --path "dev=mpt-nosuch0,bridge=$B" \
	>"$T/hot.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "mpt-nosuch0.*interface.*stays down until it can be opened" "$T/hot.out" &&
	grep -q "configuration OK" "$T/hot.out"; then
	t_ok "-n: a missing interface is a warning (hot-plug), configuration OK"
else
	t_fail "-n with a missing interface: exit $rc: $(head -c 300 "$T/hot.out")"
fi
# the original command line and config file still work, beside a path line
printf 'localhost %s\ndev=lo,bridge=127.0.0.1:%s\n' "$PORT1" "$PORT1" >"$T/ok.conf"
if "$MPC" -n --no-control "$PORT0" "$T/ok.conf" >"$T/ok.out" 2>&1 &&
	grep -q "2 bridges" "$T/ok.out"; then
	t_ok "positional PORT CONFIG with a path line: 2 paths"
else
	t_fail "positional PORT CONFIG: $(head -c 300 "$T/ok.out")"
fi

. "$(dirname "$0")/../pathns.sh"
pn_need 3
SP=4000 TP=5000 CP=6000
S=$PN_SERVER:$SP
pn_server
t_spawn client ip netns exec "$NSC" "$MPC" --no-control --stats "$T/client.json" \
	--listen "127.0.0.1:$CP" --keepalive 200ms \
	--path "dev=vc0,bridge=$S" --path "dev=vc1,src=198.18.11.1,bridge=$S" \
	--path "bridge=$S,dev=vc2" --path "src=198.18.12.1,bridge=$S" --path "dev=vc3,bridge=$S"
pn_wait_udp "$NSC" "$CP" || { t_fail "mpclient did not start: $(cat "$T/client.log")"; t_done; }
if grep -q "vc3.*stays down" "$T/client.log"; then
	t_ok "a path on an interface not there yet: warned, mpclient runs"
else
	t_fail "no warning about vc3: $(head -c 400 "$T/client.log")"
fi

tx0=$(pn_tx vc0) tx1=$(pn_tx vc1) tx2=$(pn_tx vc2)
N=2000
inc "$BUILD/udpclient" --quiet --json --count "$N" --rate 1000 --timeout 2s 127.0.0.1 "$CP" \
	>"$T/run.json" 2>"$T/run.err"
got=$(json_get "$T/run.json" received)
if [ "${got:-0}" = "$N" ]; then
	t_ok "all $N datagrams of the run came back"
else
	t_fail "received ${got:-?} of $N: $(cat "$T/run.json" "$T/run.err" | head -c 300)"
fi
d0=$(($(pn_tx vc0) - tx0)) d1=$(($(pn_tx vc1) - tx1)) d2=$(($(pn_tx vc2) - tx2))
# vc0 carries path 0 and the source-bound path 3 (the route's choice), vc1 and vc2 one each
if [ "$d0" -ge $((2 * N)) ] && [ "$d1" -ge "$N" ] && [ "$d2" -ge "$N" ] &&
	[ "$d1" -lt $((2 * N)) ] && [ "$d2" -lt $((2 * N)) ]; then
	t_ok "each path leaves by its interface (tx vc0 $d0, vc1 $d1, vc2 $d2 for $N datagrams)"
else
	t_fail "tx per interface: vc0 $d0 vc1 $d1 vc2 $d2 (expected >= $((2 * N)), $N, $N)"
fi
t_stats server "$T/server.json" sessions_open >/dev/null
peers=$(grep -o '"peer":"198\.18\.[0-9.]*:[0-9]*"' "$T/server.json" | sed 's/"peer":"//; s/:[0-9]*"$//' |
	sort | paste -sd, -)
if [ "$peers" = "198.18.10.1,198.18.11.1,198.18.12.1,198.18.12.1" ]; then
	t_ok "mpserver sees the paths from 198.18.10.1, .11.1 and .12.1 twice (dev vc2, src-bound)"
else
	t_fail "mpserver's paths come from: $peers"
fi
t_stats client "$T/client.json" flows >/dev/null
if grep -q '"dev":"vc3","src":null,"link":"down"' "$T/client.json"; then
	t_ok "the vc3 path is reported with link down"
else
	t_fail "vc3 path not reported down: $(grep -o '"index":4[^}]*' "$T/client.json")"
fi

# hot-plug: the interface appears, the path opens (retried every second) and carries traffic
pn_veth 3
ok=0
for _ in $(seq 1 50); do
	inc "$BUILD/udpclient" --quiet --count 20 --rate 200 --timeout 200ms 127.0.0.1 "$CP" \
		>/dev/null 2>&1
	t_stats server "$T/server.json" sessions_open >/dev/null
	grep -q '"peer":"198\.18\.13\.1:' "$T/server.json" && { ok=1; break; }
done
if [ $ok = 1 ] && [ "$(pn_tx vc3)" -gt 0 ]; then
	t_ok "vc3 created later: its path opened and carries traffic ($(pn_tx vc3) datagrams)"
else
	t_fail "vc3's path never reached mpserver: $(tail -n 5 "$T/client.log")"
fi
t_done
