#!/bin/bash
# The seed's sample on loopback: udpserver, mpserver, three bridges, mpclient,
# udpclient; with our mpbridge and with socat; hello exchange and 1000 hellos.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_seed

run_with() {
	local kind=$1 pp
	BRIDGE_KIND=$kind
	if ! tun_start_all; then
		t_fail "$kind: tunnel up"
		return
	fi
	t_ok "$kind: tunnel up (udpserver, mpserver, 3 bridges, mpclient)"

	# the seeds' own interval (1 s): a reply later than the interval means a resend,
	# which a loaded sanitizer build can cause at 100 ms
	pp=$("$BUILD/udpclient" --count 3 --interval 1s 127.0.0.1 "$CLIENT_PORT" 2>&1)
	t_expect "$kind: ping-pong shows 2, 3, 4 hello srv" \
		bash -c '[ "$(echo "$1" | grep -c "hello srv")" -ge 3 ] &&
			 echo "$1" | grep -q "^2 hello srv" && echo "$1" | grep -q "^4 hello srv"' _ "$pp"

	tun_measure m1000 --count 1000 --rate 2000 --size 200 --timeout 1s
	t_expect "$kind: 1000 hellos, 0 lost" [ "$(json_get "$T/m1000.json" lost)" = 0 ]
	t_expect "$kind: 1000 hellos, 0 duplicates delivered" \
		[ "$(json_get "$T/m1000.json" duplicates)" = 0 ]
	# the target saw each datagram once (plus the readiness and ping-pong ones)
	local rcv
	rcv=$(t_stats target "$T/target.json" received)
	t_expect "$kind: target received no duplicates ($rcv <= 1000 + 23)" \
		in_range "$rcv" 1003 1023

	# big datagrams go through intact (socat truncates above 8 KiB, so only mpbridge)
	if [ "$kind" = mpbridge ] && have_mpbridge; then
		tun_measure big --count 20 --rate 100 --size 60000 --timeout 1s
		t_expect "$kind: 60000-byte datagrams intact" \
			[ "$(json_get "$T/big.json" received)" = 20 ]
	fi
	t_cleanup
}

if have_mpbridge; then
	run_with mpbridge
else
	t_fail "mpbridge not built"
fi
t_renew
if command -v socat >/dev/null; then
	run_with socat
else
	echo "# socat not installed: socat run skipped"
fi
t_done
