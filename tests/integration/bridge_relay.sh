#!/bin/bash
# bridge_relay.sh - mpbridge as a plain relay: both ways, 60000-byte datagrams,
# survives the target going away (ICMP errors), re-learns the client's port,
# clean exit with counters, bad command lines exit 2 naming the token.
. "$(dirname "$0")/../lib.sh"
t_init bridge_relay
MPB=$BUILD/mpbridge

t_ports 4 || exit 1
LP=$PORT0	# bridge listen
EP=$PORT1	# echo target
C1=$PORT2	# client source ports
C2=$PORT3

t_echo_target echo "$EP"
# --learn any: every datagram's source becomes the client at once (the default
# rule, which makes a new source wait, is tested in bridge_peer.sh)
t_spawn bridge "$MPB" -l "127.0.0.1:$LP" -t "127.0.0.1:$EP" --stats "$T/stats.json" --learn any
t_wait_udp "$LP" || { t_fail "mpbridge did not start"; t_done; }

ping() { python3 "$UDPTOOL" ping "127.0.0.1:$LP" "$@" >>"$T/ping.log" 2>&1; }

t_expect "relays both ways (20 small datagrams echoed)" ping --count 20 --size 100 --sport "$C1"
t_expect "a 60000-byte datagram arrives intact" ping --count 3 --size 60000 --sport "$C1"
t_expect "a 65507-byte datagram arrives intact" ping --count 1 --size 65507 --sport "$C1"

# the target goes away: ICMP port unreachable comes back; socat would exit here
t_stop echo
ping --count 5 --size 50 --sport "$C1" --timeout 0.3
t_expect "mpbridge survives ICMP errors from a closed target" kill -0 "$PID_bridge"
t_spawn echo2 python3 "$UDPTOOL" echo "$EP"
t_wait_udp "$EP" || t_fail "echo target did not restart"
t_expect "relays again after the target restarts" ping --count 10 --size 200 --sport "$C1"

# a new client source port is learned from its first datagram (--learn any)
t_expect "a new client source port is re-learned" ping --count 10 --size 80 --sport "$C2"
t_expect "and the old one again" ping --count 5 --size 80 --sport "$C1"

t_stop bridge TERM
t_expect "stats written at exit" test -s "$T/stats.json"
c2s=$(grep '"c2s"' "$T/stats.json")
s2c=$(grep '"s2c"' "$T/stats.json")
num() { echo "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }
t_expect "icmp errors counted" test "$(num "$c2s" icmp_errors)" -ge 1
t_expect "client changes counted" test "$(sed -n 's/.*"client_changes":\([0-9]*\).*/\1/p' "$T/stats.json")" -ge 2
t_expect "received = forwarded (no impairment)" test "$(num "$c2s" received)" = "$(num "$c2s" forwarded)"
t_expect "s2c forwarded every echo" test "$(num "$s2c" received)" = "$(num "$s2c" forwarded)"
t_expect "counters printed at exit" grep -q 'c2s: received=' "$T/bridge.log"

# bad command lines: exit 2 and the message names the token
bad() {
	local tok=$1 out rc
	shift
	out=$("$MPB" "$@" 2>&1)
	rc=$?
	[ "$rc" = 2 ] && echo "$out" | grep -qF -- "$tok"
}
t_expect "bad port is named" bad "abc" -l abc -t 127.0.0.1:1
t_expect "bad target is named" bad "nohostport" -l 1 -t nohostport
t_expect "unknown option is named" bad "--frobnicate" -l 1 -t 127.0.0.1:1 --frobnicate
t_expect "missing --to" bad "--to" -l 1
t_expect "--check validates and exits 0" "$MPB" -n -l 1 -t 127.0.0.1:1
t_expect "--version prints MPT_VERSION" sh -c "'$MPB' --version | grep -q '$(cat "$(dirname "$0")/../../VERSION")'"
t_expect "--help exits 0" sh -c "'$MPB' --help >/dev/null"
t_done
