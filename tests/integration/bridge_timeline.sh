#!/bin/bash
# bridge_timeline.sh - a timeline blackout ("c2s goes dark at 1 s, back at 2 s")
# and a --blackout window, seen in the captures at the right times: every
# blackout drop lies inside the window, every forwarded datagram outside.  Then a
# step on request: SIGUSR2 applies the next timeline step at once (c2s goes dark
# mid-stream although the step is planned for 100000 s), and a second SIGUSR2
# with no step left changes nothing.
. "$(dirname "$0")/../lib.sh"
t_init bridge_timeline
MPB=$BUILD/mpbridge
t_need_cmd tcpdump

t_bridge_ports

printf '# c2s dark from 1 s to 2 s\n1s --dir c2s --down\n2s --dir c2s --up\n' >"$T/tl"
# The traffic starts first, so that it covers the bridge's first seconds however
# long Python takes to start on a loaded machine: one datagram every 10 ms for 5 s,
# the bridge started once the sender's socket is bound (datagrams sent before the
# bridge listens are simply lost: the socket is unconnected, no ICMP reaches it).
t_spawn sender python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" --count 500 --size 100 \
	--interval 0.01
t_wait_udp "$CP" 20 || { t_fail "sender did not start"; t_done; }
t_spawn bridge "$MPB" -l "127.0.0.1:$LP" -t "127.0.0.1:$EP" --seed 1 \
	--stats "$T/stats.json" --pcap "$T/cap" --timeline "$T/tl" \
	--dir s2c --blackout 2.5s 3s
t_wait_udp "$LP" || { t_fail "mpbridge did not start"; t_done; }
{ wait "$(t_pid sender)"; } 2>/dev/null
t_stop bridge TERM

start=$(sed -n 's/.*"start":\([0-9.]*\).*/\1/p' "$T/stats.json")
num() { t_json_in "$T/stats.json" "$@"; }
t_expect "stats have the start time" test -n "$start"
t_expect "both timeline steps applied" grep -q '"timeline_steps_applied":2' "$T/stats.json"

# relative times (seconds after start) of the records matching FILTER
rel() {
	tcpdump -tt -nr "$1" "$2" 2>/dev/null | awk -v s="$start" '{ printf "%.6f\n", $1 - s }'
}
# all_in FILE LO HI: every time in [LO, HI) (1 us slack for the printed start)
all_in() { awk -v lo="$2" -v hi="$3" '$1 < lo - 2e-6 || $1 >= hi + 2e-6 { bad = 1 } END { exit bad }' "$1"; }
none_in() { awk -v lo="$2" -v hi="$3" '$1 >= lo + 2e-6 && $1 < hi - 2e-6 { bad = 1 } END { exit bad }' "$1"; }

rel "$T/cap-c2s-drop.pcap" 'ip[1] & 7 = 4' >"$T/c2s-dark"
rel "$T/cap-c2s.pcap" 'ip[1] & 0x80 != 0' >"$T/c2s-fwd"
t_expect "c2s: blackout drops counted ($(num c2s dropped_blackout))" \
	test "$(wc -l <"$T/c2s-dark")" = "$(num c2s dropped_blackout)"
t_expect "c2s: about a second of drops (>= 50 datagrams)" test "$(wc -l <"$T/c2s-dark")" -ge 50
t_expect "c2s: every blackout drop inside [1 s, 2 s)" all_in "$T/c2s-dark" 1 2
t_expect "c2s: nothing forwarded inside [1 s, 2 s)" none_in "$T/c2s-fwd" 1 2
t_expect "c2s: traffic forwarded before and after" \
	sh -c "awk '\$1 < 1 { a = 1 } \$1 >= 2 { b = 1 } END { exit !(a && b) }' '$T/c2s-fwd'"

rel "$T/cap-s2c-drop.pcap" 'ip[1] & 7 = 4' >"$T/s2c-dark"
rel "$T/cap-s2c.pcap" 'ip[1] & 0x80 != 0' >"$T/s2c-fwd"
t_expect "s2c: --blackout drops inside [2.5 s, 3 s)" all_in "$T/s2c-dark" 2.5 3
t_expect "s2c: some drops in the window" test "$(wc -l <"$T/s2c-dark")" -ge 20
t_expect "s2c: nothing forwarded inside [2.5 s, 3 s)" none_in "$T/s2c-fwd" 2.5 3
# (an echo of a datagram sent just before 1 s may come back just after it:
# allow the echo target 50 ms, which a sanitizer build can need)
t_expect "s2c: no echoes while c2s was dark" \
	sh -c "! awk '\$1 >= 1.05 && \$1 < 2' '$T/s2c-fwd' | grep -q ."

# --- SIGUSR2: the next step now ---
t_spawn sender2 python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" --count 400 --size 100 \
	--interval 0.01
t_wait_udp "$CP" 20 || { t_fail "sender did not start"; t_done; }
t_spawn bridge2 "$MPB" -l "127.0.0.1:$LP" -t "127.0.0.1:$EP" --stats "$T/stats2.json" \
	--at 100000s --dir c2s --down
t_wait_udp "$LP" || { t_fail "mpbridge did not start"; t_done; }
fwd=0
for _ in $(seq 1 50); do	# bounded: until it forwarded 50 (a loaded machine starts Python late)
	fwd=$(t_stats bridge2 "$T/stats2.json" timeline_steps_applied >/dev/null; t_json_in "$T/stats2.json" c2s forwarded)
	[ "${fwd:-0}" -ge 50 ] && break
	sleep 0.1
done
kill -USR2 "$(t_pid bridge2)"
for _ in $(seq 1 100); do grep -q 'SIGUSR2, planned at 100000s' "$T/bridge2.log" && break; sleep 0.05; done
kill -USR2 "$(t_pid bridge2)"
for _ in $(seq 1 100); do grep -q 'SIGUSR2: no timeline step left' "$T/bridge2.log" && break; sleep 0.05; done
{ wait "$(t_pid sender2)"; } 2>/dev/null
t_stop bridge2 TERM
t_expect "SIGUSR2: the step planned at 100000 s applied at once (timeline_steps_applied 1)" \
	grep -q '"timeline_steps_applied":1' "$T/stats2.json"
t_expect "SIGUSR2: forwarded before it ($(t_json_in "$T/stats2.json" c2s forwarded) >= 50), dark after it ($(t_json_in "$T/stats2.json" c2s dropped_blackout) blackout drops)" \
	sh -c "[ '$(t_json_in "$T/stats2.json" c2s forwarded)' -ge 50 ] && [ '$(t_json_in "$T/stats2.json" c2s dropped_blackout)' -ge 50 ]"
t_expect "a second SIGUSR2 with no step left: logged, nothing else" grep -q 'SIGUSR2: no timeline step left' "$T/bridge2.log"
t_done
