#!/bin/bash
# mpclient and mpserver under valgrind memcheck: a run with traffic, two
# flows, garbage and a clean exit must report no error and no leak.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_valgrind
t_need_valgrind
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=9"

# vg_exits LABEL: mpclient then mpserver stopped (TERM), each must exit 0 (9: a memcheck error)
vg_exits() {
	local tag pid rc
	for tag in client server; do
		pid=$(t_pid $tag)
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
		t_expect "${1}mp$tag exits cleanly under valgrind (status $rc, 9 = memcheck error)" [ "$rc" = 0 ]
	done
}

NBRIDGES=2
tun_ports
tun_target
t_spawn server $VG "$BUILD/mpserver" "$SERVER_PORT" localhost "$TARGET_PORT"
t_wait_udp "$SERVER_PORT" 20
tun_bridges
t_spawn client $VG "$BUILD/mpclient" "$CLIENT_PORT" "$CONF"
t_wait_udp "$CLIENT_PORT" 20
tun_wait_ready || { t_fail "tunnel up under valgrind"; t_done; }
tun_measure a --count 300 --rate 300 --size 1000 --timeout 1s &
mp=$!
tun_measure b --count 300 --rate 300 --size 100 --timeout 1s
wait $mp
python3 "$ROOT/tests/udpsend.py" "$SERVER_PORT" random 200 40 >/dev/null
t_expect "traffic through valgrind'd daemons: $(json_get "$T/a.json" received) + $(json_get "$T/b.json" received) of 600" \
	eval '[ "$(json_get "$T/a.json" received)" = 300 ] && [ "$(json_get "$T/b.json" received)" = 300 ]'
vg_exits ""
t_cleanup
t_renew

# FEC both ways (fec:8:4) over two bridges losing 10% each way: coding, parity
# timers, decoding and recovery under memcheck
tun_ports
tun_target
t_spawn server $VG "$BUILD/mpserver" --stats "$T/server.json" "$SERVER_PORT" localhost "$TARGET_PORT"
t_wait_udp "$SERVER_PORT" 20
for i in 0 1; do
	t_spawn "bridge$i" "$BUILD/mpbridge" -q --listen "127.0.0.1:$((BRIDGE_BASE + i))" \
		--to "127.0.0.1:$SERVER_PORT" --seed "$((i + 5))" --loss 10%
	t_wait_udp "$((BRIDGE_BASE + i))"
done
t_spawn client $VG "$BUILD/mpclient" --redundancy fec:8:4 --fec-wait 50ms "$CLIENT_PORT" "$CONF"
t_wait_udp "$CLIENT_PORT" 20
tun_wait_ready || { t_fail "FEC tunnel up under valgrind"; t_done; }
tun_measure f --count 300 --rate 200 --size 500 --timeout 1s
t_expect "FEC through valgrind'd daemons at 10% loss: $(json_get "$T/f.json" received) of 300 (>= 290)" \
	in_range "$(json_get "$T/f.json" received)" 290 300
vg_exits "FEC: "
t_expect "FEC: mpserver recovered datagrams" grep -q '"recovered":[1-9]' "$T/server.json"
t_done
