#!/bin/bash
# mpclient and mpserver under valgrind memcheck: a run with traffic, two
# flows, garbage and a clean exit must report no error and no leak.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_valgrind
t_need_valgrind
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=9"

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
for tag in client server; do
	pid=$(t_pid $tag)
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	t_expect "mp$tag exits cleanly under valgrind (status $rc, 9 = memcheck error)" [ "$rc" = 0 ]
done
t_done
