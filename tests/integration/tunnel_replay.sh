#!/bin/bash
# Keyed tunnel against a recording attacker: datagrams captured from a live
# tunnel and sent again are never delivered, neither to the running mpserver
# nor to a restarted one; a restarted keyed mpserver still resumes at once;
# a marker sent through the tunnel never appears in a capture (and does
# without a key, so the check can fail).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_replay
PCAP="python3 $(dirname "$0")/../pcap_replay.py"
MARKER=MPTUNNEL-MARKER-7f3a9c

send_marker() {	# send_marker N: N datagrams holding the marker to mpclient
	python3 - "$CLIENT_PORT" "$MARKER" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(("%d hello cli %s" % (i + 1, sys.argv[2])).encode(), ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.002)
PY
}

start() {	# start [mpserver/mpclient args]: tunnel with bridge 0 capturing
	tun_ports
	tun_target
	tun_server "$@"
	t_spawn bridge0 "$BUILD/mpbridge" --listen "$BRIDGE_BASE" --to "localhost:$SERVER_PORT" \
		--pcap "$T/path0"
	t_wait_udp "$BRIDGE_BASE"
	tun_bridge 1
	tun_bridge 2
	tun_client "$@"
	tun_wait_ready
}

# without a key the marker is in the capture: the check below can fail
start
send_marker 20
t_stop bridge0
hits=$($PCAP "$T/path0-c2s.pcap" grep "$MARKER")
t_expect "without a key the marker is visible in the capture ($hits records)" in_range "$hits" 1 1000
t_renew
KEY=$T/key
(umask 077 && "$BUILD/mpclient" --genkey >"$KEY")

start --key-file "$KEY" || { t_fail "keyed tunnel up"; t_done; }
t_ok "keyed tunnel up"
started=$(date +%s%N)
send_marker 100
tun_measure m --count 300 --rate 500 --timeout 1s
t_stop bridge0		# flush the capture
t_spawn bridge0b "$BUILD/mpbridge" --listen "$BRIDGE_BASE" --to "localhost:$SERVER_PORT"
t_wait_udp "$BRIDGE_BASE"
n=$($PCAP "$T/path0-c2s.pcap" count)
t_expect "path 0 captured the tunnel's datagrams ($n forwarded)" in_range "$n" 300 100000
hits=0
for f in "$T"/path0-*.pcap; do hits=$((hits + $($PCAP "$f" grep "$MARKER"))); done
t_expect "the marker never appears in any capture of the keyed path ($hits)" [ "$hits" = 0 ]

# for --path-timeout (3 s) after a path's first contact, a duplicate of it
# from another address draws a path challenge (the first-contact race,
# PROTOCOL.md "Paths"; tunnel_paths.sh tests it): replay after that
left=$((3500 - ($(date +%s%N) - started) / 1000000))
[ "$left" -le 0 ] || sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
base=$(t_stats target "$T/target.json" received)
back=$($PCAP "$T/path0-c2s.pcap" send "$SERVER_PORT")
rcv=$(t_stats target "$T/target.json" received)
t_expect "replayed to the running mpserver: nothing delivered ($base -> $rcv), no answer ($back)" \
	eval '[ "$rcv" = "$base" ] && [ "$back" = 0 ]'

# 100,000 forged datagrams: random bytes, and captured ones with bits flipped
spid=$(t_pid server)
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$spid/status")
back=$(python3 "$ROOT/tests/udpsend.py" "$SERVER_PORT" random 40000 80)
back2=$($PCAP "$T/path0-c2s.pcap" flip "$SERVER_PORT" 60000)
rcv=$(t_stats target "$T/target.json" received)
open=$(t_stats server "$T/server.json" sessions_open)
rss2=$(awk '/VmRSS/ {print $2}' "/proc/$spid/status")
t_expect "100,000 random and bit-flipped datagrams: no answer ($back, $back2), nothing delivered ($base -> $rcv)" \
	eval '[ "$back$back2" = 00 ] && [ "$rcv" = "$base" ]'
t_expect "no session created (open: $open), memory bounded (${rss1} kB -> ${rss2} kB)" \
	eval '[ "$open" = 1 ] && in_range "$rss2" 0 $((rss1 + 512))'
bt=$(json_get "$T/server.json" bad_tag)
t_expect "the flipped ones were refused by authentication or the window (bad_tag $bt)" in_range "$bt" 1000 60000
tun_measure still --count 200 --rate 500 --timeout 1s
t_expect "the tunnel still works: $(json_get "$T/still.json" lost) of 200 lost" \
	[ "$(json_get "$T/still.json" lost)" = 0 ]

# restart mpserver: it forgets everything, yet replays still get nowhere
t_stop server KILL
tun_server --key-file "$KEY"
# resuming takes the cookie round trip; how fast is the lab's and the bench's
# figure (restart-mpserver), not a test's: here it must resume, then lose nothing
t_expect "a restarted keyed mpserver resumes (a round trip within 20 tries)" tun_wait_ready
tun_measure after --count 200 --rate 200 --timeout 1s
t_expect "then: $(json_get "$T/after.json" lost) of 200 lost" \
	[ "$(json_get "$T/after.json" lost)" = 0 ]
base=$(t_stats target "$T/target.json" received)
back=$($PCAP "$T/path0-c2s.pcap" send "$SERVER_PORT")
rcv=$(t_stats target "$T/target.json" received)
t_expect "replayed to a restarted mpserver: nothing delivered ($base -> $rcv)" [ "$rcv" = "$base" ]
# COOKIEs answer only an authenticated PING of an unknown session, at most one
# per session a second (PROTOCOL.md): the replay of one session's capture,
# sent in well under a second, gets at most 2
t_expect "and at most 2 answers to the replayer ($back; a COOKIE per session per second)" in_range "$back" 0 2
open=$(t_stats server "$T/server.json" sessions_open)
t_expect "and no session opened by the replay (open: $open)" [ "$open" = 1 ]
nc=$(json_get "$T/server.json" no_cookie)
t_expect "replays counted as no_cookie ($nc)" in_range "$nc" 1 1000000

# the replay alone, against a fresh mpserver that never saw the session
t_stop client KILL
t_stop server KILL
tun_server --key-file "$KEY"
base=$(t_stats target "$T/target.json" received)
back=$($PCAP "$T/path0-c2s.pcap" send "$SERVER_PORT")
rcv=$(t_stats target "$T/target.json" received)
open=$(t_stats server "$T/server.json" sessions_open)
nc=$(json_get "$T/server.json" no_cookie)
t_expect "replayed to a fresh mpserver: nothing delivered ($base -> $rcv), no session ($open), all refused (no_cookie $nc)" \
	eval '[ "$rcv" = "$base" ] && [ "$open" = 0 ] && in_range "$nc" 300 1000000'
ck=$(json_get "$T/server.json" cookies)
t_expect "replayed ($n datagrams) to a fresh mpserver: at most 2 answers ($back), COOKIEs sent $ck" \
	eval 'in_range "$back" 0 2 && in_range "$ck" 0 2'
t_done
