#!/bin/bash
# tunnel_pmtu.sh - path MTU discovery (lib/plpmtud: padded PINGs, PROTOCOL.md "probe size")
# over three mpbridge paths that drop datagrams above 1400, 1400 and 1000 bytes (mpbridge --mtu:
# a black hole, no ICMP).
#
# mpclient finds each path's limit as far as its datagrams need (reported in the stats and as
# path_mtu events; times printed as figures against the goal of 5 s); application datagrams that fit
# some paths go on those only (none into the 1000-byte hole: its c2s mtu drops do not grow) and
# all arrive; datagrams too large for every path are dropped as path_mtu, counted and logged
# with the largest payload a path carries; small ones use every path.  Then a black hole
# appears mid-run (mpbridge --at 3s --mtu 1100 on path 1 under 1256-byte datagrams): found by
# the confirmations (figure: the time from the change to the event), and nothing of the
# stream is lost.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_pmtu
t_need_built mpclient mpserver mpbridge udpclient udpserver
NBRIDGES=3
tun_ports || exit 1
tun_target && tun_server || { t_fail "target or mpserver did not start"; t_done; }
MTU=(1400 1400 1000)
for i in 0 1 2; do
	tun_mpbridge "$i" --stats "$T/b$i.json" --mtu "${MTU[$i]}" || { t_fail "bridge $i"; t_done; }
done
# mpclient's log lines with the time each was seen (mpclient's own lines carry no time)
: >"$T/client.log"
t_spawn stamp python3 -u -c '
import sys, time
f = open(sys.argv[1], errors="replace")
end = time.time() + 600
while time.time() < end:
    l = f.readline()
    if l:
        print("%.3f %s" % (time.time(), l), end="")
    else:
        time.sleep(0.01)
' "$T/client.log"
# stamped LINE-REGEX: the time of the first matching line (bounded wait, 20 s)
stamped() {
	local t
	for _ in $(seq 1 200); do
		t=$(grep -m1 -E "$1" "$T/stamp.log" | cut -d' ' -f1)
		[ -n "$t" ] && { echo "$t"; return 0; }
		sleep 0.1
	done
	return 1
}
start=$(date +%s.%N)
tun_client || { t_fail "mpclient did not start"; t_done; }
tun_wait_ready || { t_fail "no round trip through the tunnel"; t_done; }

# path 2's limit (below base: found by the first probes, beside their control) from the start;
# paths 0 and 1 are searched only as far as needed: once larger datagrams go (below)
for _ in $(seq 1 200); do
	grep -q 'path 2 .*path MTU' "$T/client.log" && break
	sleep 0.1
done
if grep -q 'path 2 .*path MTU 99[3-9] bytes.*above 100[0-7] bytes are lost' "$T/client.log"; then
	t_ok "path 2's 1000-byte limit found from the start: $(grep -m1 -o 'path 2 .*path MTU.*' "$T/client.log")"
	at=$(stamped 'path 2 .*path MTU')
	echo "# figure: found $(python3 -c "print('%.2f' % ($at - $start))") s after mpclient's start (goal: 5 s; load $(cut -d' ' -f1 /proc/loadavg))"
else
	t_fail "path 2's limit: $(grep 'path MTU' "$T/client.log")"
fi
pathfig() {	# pathfig I KEY
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
p=[p for p in j["paths"] if p["index"]==int(sys.argv[2])][0]; print(p[sys.argv[3]])' "$T/client.json" "$1" "$2"
}
c2s_mtu() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["c2s"]["dropped_mtu"])' "$T/b$1.json"; }
bstats() { local i; for i in 0 1 2; do kill -USR1 "$(t_pid "bridge$i")"; done; sleep 0.3; }
psent() { t_stats client "$T/client.json" flows >/dev/null; pathfig "$1" sent; }

# 1200-byte payloads: 1256-byte datagrams fit paths 0 and 1, not path 2
bstats
h2=$(c2s_mtu 2) s2=$(psent 2)
big=$(date +%s.%N)
tun_measure fit --count 500 --rate 500 --size 1200 --timeout 2s
got=$(json_get "$T/fit.json" received)
bstats
d2=$(($(c2s_mtu 2) - h2)) n2=$(($(psent 2) - s2))
[ "${got:-0}" = 500 ] && t_ok "500 datagrams of 1200 bytes: all arrived (over paths 0 and 1)" ||
	t_fail "1200-byte datagrams: ${got:-?} of 500 came back"
if [ "$d2" = 0 ] && [ "$n2" -lt 100 ]; then
	t_ok "none went into path 2's 1000-byte hole (its bridge's mtu drops +$d2, path 2 sent +$n2: probes and keepalives)"
else
	t_fail "path 2 got them: bridge mtu drops +$d2, path 2 sent +$n2"
fi
# the 1256-byte datagrams made paths 0 and 1 search further (up to twice their size)
for _ in $(seq 1 100); do
	[ "$(grep -c 'path [01] .*path MTU 1[34][0-9][0-9] bytes.*lost' "$T/client.log")" -ge 2 ] && break
	sleep 0.1
done
t_stats client "$T/client.json" flows >/dev/null
ok=1
for i in 0 1 2; do
	m=$(pathfig "$i" mtu) cap=$(pathfig "$i" mtu_limit) pl=$(pathfig "$i" payload_max)
	echo "# path $i: mtu $m payload_max $pl mtu_limit $cap (bridge drops above ${MTU[$i]})"
	if ! [ "$m" -le "${MTU[$i]}" ] 2>/dev/null || [ "$m" -le $((MTU[i] - 8)) ] ||
		! [ "$cap" -ge "$m" ] 2>/dev/null || [ "$cap" -ge $((MTU[i] + 8)) ] || [ "$pl" != $((m - 56)) ]; then
		ok=0
	fi
done
[ $ok = 1 ] && t_ok "reported per path: mtu within 8 bytes under each bridge's limit, payload = mtu - 56" ||
	t_fail "per-path MTU figures off: $(grep -o '"index":[0-9][^}]*' "$T/client.json")"
for i in 0 1; do
	at=$(stamped "path $i .*path MTU 1[34][0-9][0-9] bytes")
	echo "# figure: path $i's 1400-byte limit found $(python3 -c "print('%.2f' % (${at:-0} - $big))") s after the first 1256-byte datagram"
done

# 1380-byte payloads: 1436 bytes, larger than every path carries
t_stats client "$T/client.json" flows >/dev/null
before=$(t_json_in "$T/client.json" drops path_mtu)
tun_measure big --count 100 --rate 500 --size 1380 --timeout 500ms
t_stats client "$T/client.json" flows >/dev/null
after=$(t_json_in "$T/client.json" drops path_mtu)
if [ "$((after - before))" = 100 ] &&
	grep -q "datagram of 1380 bytes dropped (path_mtu): larger than any path carries; the largest payload is 134[0-9] bytes" "$T/client.log"; then
	t_ok "1380-byte datagrams: all 100 dropped as path_mtu, logged with the largest payload (1344)"
else
	t_fail "path_mtu drops $before -> $after; log: $(grep -m1 'path_mtu' "$T/client.log")"
fi
[ "$(grep -c 'dropped (path_mtu)' "$T/client.log")" -le 5 ] && t_ok "the path_mtu log line is rate-limited" ||
	t_fail "$(grep -c 'dropped (path_mtu)' "$T/client.log") path_mtu log lines for 100 drops"

# small datagrams use every path
s2=$(psent 2)
tun_measure small --count 300 --rate 500 --size 500 --timeout 2s
n2=$(($(psent 2) - s2))
[ "$(json_get "$T/small.json" received)" = 300 ] && [ "$n2" -ge 300 ] &&
	t_ok "500-byte datagrams: all arrived, path 2 carried them too (+$n2)" ||
	t_fail "500-byte datagrams: $(json_get "$T/small.json" received) of 300, path 2 +$n2"

# a black hole appears on path 1 mid-run: its bridge drops above 1100 from 3 s on
t_stop bridge1
line=$(($(wc -l <"$T/client.log") + 1))
t_before=$(date +%s.%N)
tun_mpbridge 1 --stats "$T/b1.json" --mtu 1400 --at 3s --mtu 1100 || { t_fail "bridge 1 again"; t_done; }
t_after=$(date +%s.%N)
t_spawn hole "$BUILD/udpclient" --quiet --json --count 2000 --rate 200 --size 1200 --timeout 2s \
	127.0.0.1 "$CLIENT_PORT"
ev=
for _ in $(seq 1 300); do
	ev=$(tail -n +"$line" "$T/client.log" | grep -m1 "path 1 .*path MTU .*(a black hole)") && break
	sleep 0.05
done
seen=$(stamped "path 1 .*: black hole: 1[0-9]*-byte datagrams stopped passing")
if [ -n "$ev" ] && echo "$ev" | grep -q "path MTU 1[01][0-9][0-9] bytes"; then
	t_ok "the black hole on path 1 was found: ${ev#*: }"
	echo "# figure: black hole found $(python3 -c "print('%.2f-%.2f' % ($seen - $t_after - 3, $seen - $t_before - 3))") s after the bridge's change (goal: 5 s; confirmations every 1 s while busy, 3 tries of 200 ms)"
else
	t_fail "no black-hole event for path 1 (or a wrong MTU): $ev $(tail -n +"$line" "$T/client.log" | head -5)"
fi
t_wait_pid "$(t_pid hole)" 30
cp "$T/hole.log" "$T/hole.json"
got=$(json_get "$T/hole.json" received)
[ "${got:-0}" = 2000 ] && t_ok "nothing of the 2000-datagram stream was lost to it" ||
	t_fail "stream across the black hole: ${got:-?} of 2000"
t_done
