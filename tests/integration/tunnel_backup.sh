#!/bin/bash
# Backup paths (issue 12, PROTOCOL.md Paths "Sending", README "Backup
# paths"): two primary bridges and one marked `backup` in the config file
# (the original's "HOST PORT" line with the word backup after it).  Round
# trips at 500 a second.  Checked:
#   - while the primaries are up (and lose nothing) the backup carries
#     probes only: a PING every 5 keepalives (5 s at the defaults), so
#     mpclient sends at most 2 datagrams on it in 3 s, mpserver as many
#     PONGs, against ~1500 on each primary; both ends report its role;
#   - both primaries' bridges stop forwarding (SIGSTOP): the backup takes
#     the traffic at both ends; what is lost end to end is at most the
#     datagrams in flight while the primaries were silent but not yet down
#     (rate x their detection time, printed);
#   - the primaries come back (SIGCONT): traffic returns to them, the
#     backup is back to probes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_backup
have_mpbridge || { t_fail "mpbridge not built"; t_done; }
N=6000
RATE=500

tun_ports
sed -i "s/^localhost $((BRIDGE_BASE + 2))\$/& backup/" "$CONF"
t_expect "the config marks bridge 2 a backup ($(grep backup "$CONF"))" grep -q "^localhost $((BRIDGE_BASE + 2)) backup$" "$CONF"
tun_target
tun_server
tun_bridges || { t_fail "bridges"; t_done; }
tun_client --control "$T/c.sock"
t_expect "tunnel up" tun_wait_ready
tun_measure run --count $N --rate $RATE --timeout 2s &
mp=$!
# the scenario first (snapshots only: a python start takes seconds on a
# loaded machine), the checks after
sleep 2		# scenario time: traffic on the primaries
tun_snap a
sleep 3
tun_snap b
kill -STOP "$(t_pid bridge0)" "$(t_pid bridge1)"
sleep 1		# the primaries are down by now (bound ~100 ms)
tun_snap c
sleep 0.5
tun_snap d
kill -CONT "$(t_pid bridge0)" "$(t_pid bridge1)"
sleep 1
tun_snap e
sleep 1
tun_snap f
b2=$(tun_grew a b c 2)
b0=$(tun_grew a b c 0)
s2=$(tun_grew a b s 2)
s0=$(tun_grew a b s 0)
t_expect "primaries up: the backup carries probes only (mpclient sent $b2 on it, $b0 on path 0; mpserver $s2, $s0)" \
	eval '[ "$b2" -le 2 ] && [ "$s2" -le 2 ] && [ "$b0" -ge 1000 ] && [ "$s0" -ge 1000 ]'
t_expect "both ends report its role" python3 - "$T/c.b.json" "$T/s.b.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c = c[0] if isinstance(c, list) else c
s = json.load(open(sys.argv[2]))
roles = lambda paths: {p["index"]: p["role"] for p in paths}
want = {0: "primary", 1: "primary", 2: "backup"}
assert roles(c["paths"]) == want, roles(c["paths"])
assert roles(s["sessions"][0]["paths"]) == want, roles(s["sessions"][0]["paths"])
EOF
b2=$(tun_grew c d c 2)
s2=$(tun_grew c d s 2)
t_expect "primaries silent: the backup carries the traffic (mpclient sent $b2 on it in 0.5 s, mpserver $s2)" \
	eval '[ "$b2" -ge 150 ] && [ "$s2" -ge 150 ]'
b2=$(tun_grew e f c 2)
b0=$(tun_grew e f c 0)
s2=$(tun_grew e f s 2)
t_expect "primaries back: traffic returns to them, the backup to probes (mpclient $b0 on path 0, $b2 on the backup; mpserver $s2 on it)" \
	eval '[ "$b0" -ge 300 ] && [ "$b2" -le 2 ] && [ "$s2" -le 2 ]'
t_wait_pid $mp 40
lost=$(json_get "$T/run.json" lost)
cx=$(sed -n 's/.*path [01] (.*) down: nothing for \([0-9]*\) ms.*/\1/p' "$T/client.log" | sort -n | tail -1)
echo "# primaries down at mpclient after ${cx:-?} ms; lost $lost of $N; load $(cut -d' ' -f1 /proc/loadavg)"
bound=$(( RATE * ${cx:-0} / 1000 + RATE / 10 ))
t_expect "lost $lost of $N: at most the datagrams in flight until the primaries were down ($bound: rate x ${cx:-?} ms, plus one RTT's worth at 100 ms)" \
	eval '[ -n "$lost" ] && [ "$lost" -le "$bound" ]'
t_done
