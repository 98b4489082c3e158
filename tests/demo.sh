#!/bin/bash
# make demo: the seed's sample on loopback, with mpbridge bridges.
#   udpserver 6666; mpserver 2000 localhost 6666; 3 bridges 4001-4003 -> 2000;
#   mpclient 4000 client.mpclient.conf; udpclient localhost 4000
# Ports are shifted if the seed's are busy.  Shows the hello exchange, a
# 1000-datagram measurement, and each daemon's counters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tunnel-lib.sh"
T_KEEP=
t_init demo
if t_port_free 6666 && t_port_free 2000 && t_port_free 4000 && t_port_free 4001 &&
	t_port_free 4002 && t_port_free 4003; then
	TARGET_PORT=6666 SERVER_PORT=2000 CLIENT_PORT=4000 BRIDGE_BASE=4001
	CONF=$T/client.mpclient.conf
	printf '# mptunnel\n\nlocalhost 4001\nlocalhost 4002\nlocalhost 4003\n' >"$CONF"
else
	tun_ports
	echo "# the seed's ports are busy: using $TARGET_PORT/$SERVER_PORT/$CLIENT_PORT/$BRIDGE_BASE.."
fi
echo "\$ udpserver $TARGET_PORT"
tun_target
echo "\$ mpserver $SERVER_PORT localhost $TARGET_PORT"
tun_server
for i in 0 1 2; do
	echo "\$ mpbridge --listen $((BRIDGE_BASE + i)) --to localhost:$SERVER_PORT"
done
tun_bridges
echo "\$ cat client.mpclient.conf"
cat "$CONF"
echo "\$ mpclient $CLIENT_PORT client.mpclient.conf"
tun_client
tun_wait_ready || { echo "tunnel did not come up"; exit 1; }
echo "\$ udpclient localhost $CLIENT_PORT --count 5 --interval 200ms"
"$BUILD/udpclient" --count 5 --interval 200ms localhost "$CLIENT_PORT"
echo "\$ udpclient localhost $CLIENT_PORT --count 1000 --rate 1000"
"$BUILD/udpclient" --count 1000 --rate 1000 --timeout 1s localhost "$CLIENT_PORT"
echo
echo "# counters (SIGUSR1):"
for tag in client server; do
	kill -USR1 "$(t_pid $tag)"
done
t_wait_log server "drops:" 2
t_wait_log client "drops:" 2
sed -n '/^mpclient: session/,/drops:/p' "$T/client.log"
sed -n '/^mpserver: listening on .*target/,/drops:/p' "$T/server.log"
