#!/bin/bash
# Sending honours path state (issue 12, PROTOCOL.md Paths "Sending"): round
# trips at 1000 a second through three mpbridge paths; 2 s in, bridge 1 stops
# forwarding without a word (SIGSTOP: no link event, its socket just fills),
# 1.5 s later it goes on (SIGCONT).  Checked, in broadcast and with
# --redundancy fec:4:2 (symbols striped over the up paths):
#   - both ends declare path 1 down by the fast rule; the time it took
#     ("nothing for X ms", from its last datagram, bound max(3 SRTT + 20 ms,
#     100 ms)) is printed, not asserted (a loaded machine delays timers);
#   - while it is down neither end sends traffic on it: its sent counter grows
#     by the probes only (at most 3 in the 0.5 s window, or under 1% of path
#     0's when the snapshots stretch it), the other paths' by hundreds;
#   - after SIGCONT it is up again at both ends and carries traffic again (at
#     least a quarter of what path 0 carries meanwhile: its share is a third);
#   - end-to-end loss: none in broadcast (the other paths carry every
#     datagram); with FEC at most the datagrams sent while the path was
#     silent and not yet down (in flight: rate x detection time).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_pathdown
have_mpbridge || { t_fail "mpbridge not built"; t_done; }
N=10000	# 10 s: the four snapshots (a second each on a loaded machine, more with sanitizers) end before the traffic
RATE=1000

round() {
	local label=$1 mode=$2 cx sx cb sb lost
	tun_ports
	tun_target
	tun_server
	tun_bridges || { t_fail "$label: bridges"; return; }
	tun_client --control "$T/c.sock" ${mode:+--redundancy "$mode"}
	t_expect "$label: tunnel up" tun_wait_ready || return
	tun_measure run --count $N --rate $RATE --timeout 2s &
	local mp=$!
	sleep 2		# scenario time: traffic on the three paths first
	kill -STOP "$(t_pid bridge1)"
	sleep 1		# path 1 is down at both ends by now (bound ~100 ms)
	tun_snap down1
	sleep 0.5
	tun_snap down2
	kill -CONT "$(t_pid bridge1)"
	sleep 1
	tun_snap up1
	sleep 0.5
	tun_snap up2
	t_wait_pid $mp 40
	lost=$(json_get "$T/run.json" lost)

	cx=$(sed -n 's/.*path 1 (.*) down: nothing for \([0-9]*\) ms (bound \([0-9]*\) ms).*/\1 \2/p' \
		"$T/client.log" | head -1)
	sx=$(sed -n 's/.*path 1 down: nothing for \([0-9]*\) ms (bound \([0-9]*\) ms).*/\1 \2/p' \
		"$T/server.log" | head -1)
	echo "# $label: path 1 down after (ms, bound ms): mpclient ${cx:-never}, mpserver ${sx:-never}; load $(cut -d' ' -f1 /proc/loadavg)"
	t_expect "$label: path 1 declared down at both ends by the fast rule (mpclient ${cx:-never}, mpserver ${sx:-never})" \
		eval '[ -n "$cx" ] && [ -n "$sx" ]'
	local c1 c0 s1 s0
	c1=$(tun_grew down1 down2 c 1)
	c0=$(tun_grew down1 down2 c 0)
	s1=$(tun_grew down1 down2 s 1)
	s0=$(tun_grew down1 down2 s 0)
	# probes: a PING a keepalive, the down path's own (at once, then 100 ms
	# doubling); the window is 0.5 s plus what the snapshots take
	t_expect "$label: while down, path 1 carries probes only: mpclient sent $c1 on it ($c0 on path 0), mpserver $s1 ($s0)" \
		eval '[ "$c0" -ge 100 ] && [ "$s0" -ge 100 ] &&
		      { [ "$c1" -le 3 ] || [ $((c1 * 100)) -le "$c0" ]; } &&
		      { [ "$s1" -le 3 ] || [ $((s1 * 100)) -le "$s0" ]; }'
	t_expect "$label: up again at both ends after SIGCONT" \
		eval 'grep -q "path 1 (.*) up again" "$T/client.log" && grep -q "path 1 up again" "$T/server.log"'
	c1=$(tun_grew up1 up2 c 1)
	s1=$(tun_grew up1 up2 s 1)
	c0=$(tun_grew up1 up2 c 0)
	s0=$(tun_grew up1 up2 s 0)
	t_expect "$label: then it carries traffic again (mpclient sent $c1 on it, $c0 on path 0; mpserver $s1, $s0)" \
		eval '[ "$c0" -ge 100 ] && [ "$s0" -ge 100 ] &&
		      [ $((c1 * 4)) -ge "$c0" ] && [ $((s1 * 4)) -ge "$s0" ]'
	if [ -z "$mode" ]; then
		t_expect "$label: nothing lost end to end ($lost of $N)" [ "${lost:-x}" = 0 ]
	else
		# in flight: what was sent while the path was silent and not yet down
		cb=${cx% *}
		local bound=$(( RATE * ${cb:-0} / 1000 + 1 ))
		t_expect "$label: lost $lost of $N, at most the datagrams in flight ($bound)" \
			eval '[ -n "$lost" ] && [ "$lost" -le "$bound" ]'
	fi
}

round broadcast ""
t_renew
round fec:4:2 fec:4:2
t_done
