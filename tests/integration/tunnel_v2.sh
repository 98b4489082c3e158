#!/bin/bash
# Wire protocol v2 on real daemons (issue 16 items 2, 6, 9):
#  (a) unkeyed, one forged datagram with the live session and seq 2^64-1, to
#      mpserver and towards mpclient: traffic goes on, nothing else lost;
#  (b) unkeyed, mpbridge --corrupt 1% on one of three paths: no loss end to
#      end (the other paths are clean), the corrupted copies counted as
#      `checksum` drops;
#  (c) keyed mpclient, unkeyed mpserver, and a v1 peer each way: both ends say so;
#  (d) DATA with flow 0: dropped and counted (wire_flow).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_v2
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SEND="python3 $ROOT/tests/udpsend.py"

tun_ports
tun_target || { t_fail "udpserver did not start"; t_done; }
tun_server || { t_fail "mpserver did not start"; t_done; }
for i in 0 1 2; do
	extra=()
	[ "$i" = 1 ] && extra=(--corrupt 1% --seed 7)
	tun_mpbridge "$i" --pcap "$T/b$i" --stats "$T/b$i.json" "${extra[@]}" ||
		{ t_fail "mpbridge $i did not start"; t_done; }
done
tun_client || { t_fail "mpclient did not start"; t_done; }
tun_wait_ready || { t_fail "tunnel not ready"; t_done; }
SESSION=$(sed -n 's/.*session \([0-9a-f]\{16\}\) opened.*/\1/p' "$T/server.log" | head -n 1)
t_expect "mpserver names the session ($SESSION)" test -n "$SESSION"

# (b) corruption on path 1 while traffic flows both ways
tun_measure m1 --count 4000 --rate 2000 --size 500 --timeout 1s
lost=$(json_get "$T/m1.json" lost)
t_expect "(b) 4000 round trips with 1% corruption on one of three paths: $lost lost" [ "$lost" = 0 ]

# (a) seq 2^64-1 to mpserver (from a stranger's address: the CRC is right, the window is not)
$SEND "$SERVER_PORT" seq "0x$SESSION" 18446744073709551615 >/dev/null
# ... and towards mpclient, as mpserver through bridge 0 (needs a raw socket: root)
forged_c=skip
if [ "$(id -u)" = 0 ]; then
	kill -USR1 "$(t_pid bridge0)"
	t_wait_log bridge0 "." 1 >/dev/null
	sleep 0.2
	if python3 "$ROOT/tests/forge_s2c.py" "$T/b0-s2c.pcap" "$T/b0.json" "$SERVER_PORT" \
		18446744073709551615 >/dev/null 2>"$T/forge.err"; then
		forged_c=sent
	else
		forged_c=failed
	fi
fi
tun_measure m2 --count 2000 --rate 2000 --size 200 --timeout 1s
lost=$(json_get "$T/m2.json" lost)
t_expect "(a) after a forged seq 2^64-1 each way: 2000 round trips, $lost lost" [ "$lost" = 0 ]
sj=$(t_stats server "$T/server.json" jump)
t_expect "(a) mpserver counted the jump ($sj)" test "$sj" -ge 1
if [ "$forged_c" = skip ]; then
	t_skip "(a) forged datagram towards mpclient (needs root for a raw socket)"
else
	cj=$(t_stats client "$T/client.json" jump)
	t_expect "(a) mpclient counted the jump ($forged_c; $cj)" test "$cj" -ge 1
fi

# (d) DATA with flow 0 (a valid clear datagram otherwise)
before=$(t_stats server "$T/server.json" wire_flow)
$SEND "$SERVER_PORT" bytes "$(python3 -c "
import sys; sys.path.insert(0, '$ROOT/tests'); from udpsend import v2
print(v2(1, 0, 0, 0x$SESSION, 0x$SESSION, 5, b'no flow').hex())")" >/dev/null
after=$(t_stats server "$T/server.json" wire_flow)
t_expect "(d) DATA with flow 0 dropped and counted (wire_flow $before -> $after)" \
	test "$after" = $((before + 1))

# (b) the counts: every corrupted copy refused, nearly all as checksum
for i in 0 1 2; do t_stop "bridge$i" TERM; done
corrupted=$(python3 -c "
import json; d = json.load(open('$T/b1.json')); print(d['c2s']['corrupted'] + d['s2c']['corrupted'])")
ck_s=$(t_stats server "$T/server.json" wire_checksum)
ck_c=$(t_stats client "$T/client.json" wire_checksum)
t_expect "(b) corrupted copies $corrupted (about 1% of ~12,000); checksum drops $ck_s + $ck_c" \
	eval 'in_range "$corrupted" 40 300 && in_range $((ck_s + ck_c)) $((corrupted * 9 / 10)) "$corrupted"'
t_cleanup

# (c) keyed mpclient, unkeyed mpserver: both say it within 5 s
T=$(mktemp -d /tmp/mpt-tunnel_v2.XXXXXX)
tun_ports
(umask 077 && "$BUILD/mpclient" --genkey >"$T/k")
tun_target && tun_server && tun_bridges || { t_fail "(c) tunnel pieces did not start"; t_done; }
tun_client --key-file "$T/k" || { t_fail "(c) mpclient did not start"; t_done; }
t_expect "(c) unkeyed mpserver logs the keyed peer's address and a hint" \
	t_wait_log server "from 127.0.0.1:[0-9]*: sealed datagram.*--key-file" 5
t_expect "(c) keyed mpclient logs mpserver's NOTICE (unauthenticated, with the path)" \
	t_wait_log client "via path [0-9]+.*says, unauthenticated: we are keyed, the server is not" 5
# a v1 peer: named as such
v1=$(python3 -c "
import struct; print((struct.pack('>BBBBIQQQHH', 1, 2, 0, 0, 0, 7, 7, 1, 28, 0) + bytes(28)).hex())")
$SEND "$SERVER_PORT" bytes "$v1" >/dev/null
t_expect "(c) a v1 datagram: mpserver logs 'peer speaks protocol v1' with its address" \
	t_wait_log server "from 127.0.0.1:[0-9]*: peer speaks protocol v1: upgrade it" 5
n1=$(t_stats server "$T/server.json" wire_v1)
t_expect "(c) and counts it (wire_v1 $n1)" test "$n1" = 1
# a v1 mpserver (it answers every datagram with a v1 PONG): mpclient names it
t_ports 2
t_spawn v1server python3 -c "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $PORT0))
pong = struct.pack('>BBBBIQQQHH', 1, 3, 1, 0, 0, 7, 7, 1, 28, 0) + bytes(28)
while True:
    d, a = s.recvfrom(70000)
    s.sendto(pong, a)"
t_wait_udp "$PORT0" || t_fail "(c) the v1 mpserver did not start"
t_spawn c_v1 "$BUILD/mpclient" --listen "127.0.0.1:$PORT1" --bridge "127.0.0.1:$PORT0"
t_expect "(c) a v1 mpserver: mpclient logs 'mpserver speaks protocol v1' with the path" \
	t_wait_log c_v1 "path 0 .*: mpserver speaks protocol v1: upgrade it" 5
t_done
