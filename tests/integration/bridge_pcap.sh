#!/bin/bash
# bridge_pcap.sh - a seeded lossy run through mpbridge with --pcap: tcpdump -r
# of the captures reproduces every counter of --stats, checksums verify, and
# the same seed and input give the same decision log.
. "$(dirname "$0")/../lib.sh"
t_init bridge_pcap
MPB=$BUILD/mpbridge
t_need_cmd tcpdump

t_bridge_ports

# stats_line DIR: that direction's JSON object (one line per direction)
num() { t_json_in "$T/stats.json" "$@"; }

run_bridge() {	# TAG: one seeded run, 600 small + 60 oversize datagrams
	local tag=$1
	t_spawn "$tag" "$MPB" -l "127.0.0.1:$LP" -t "127.0.0.1:$EP" --seed 5 \
		--stats "$T/stats.json" --pcap "$T/$tag" --decision-log "$T/$tag.dec" \
		--loss 20% --duplicate 5% --corrupt 2% --truncate 1% 16 --mtu 1000 \
		--dir s2c --loss gemodel 5% 40% --delay 5ms 2ms unordered
	t_wait_udp "$LP" || return 1
	PID_bridge=$(t_pid "$tag")
	python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" --count 600 --size 200 \
		--interval 0.001 >/dev/null
	python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" --count 60 --size 1200 \
		--interval 0.001 >/dev/null
	t_bridge_settle bridge "$T/stats.json" || t_fail "$tag: counters did not settle"
	t_stop "$tag" TERM
}

run_bridge run1 || { t_fail "mpbridge did not start"; t_done; }
t_expect "stats written" test -s "$T/stats.json"
cp "$T/stats.json" "$T/stats1.json"

count() {	# FILE FILTER
	tcpdump -nr "$1" "$2" 2>/dev/null | wc -l | tr -d ' '
}

check_dir() {
	local d=$1 main="$T/run1-$1.pcap" drop="$T/run1-$1-drop.pcap" k v want got
	t_expect "$d: received = arrivals in the capture" \
		test "$(count "$main" 'ip[1] & 0x80 = 0')" = "$(num "$d" received)"
	t_expect "$d: forwarded = departures in the capture" \
		test "$(count "$main" 'ip[1] & 0x80 != 0')" = "$(num "$d" forwarded)"
	for k in loss:1 queue:2 mtu:3 blackout:4 noclient:5 send:6 exit:7; do
		v=${k#*:}
		want=$(num "$d" "dropped_${k%:*}")
		got=$(count "$drop" "ip[1] & 7 = $v")
		t_expect "$d: dropped_${k%:*} = $want in the drop capture" test "$got" = "$want"
	done
	for k in duplicated:0x08 corrupted:0x10 truncated:0x20; do
		want=$(num "$d" "${k%:*}")
		got=$(($(count "$main" "ip[1] & 0x80 != 0 and ip[1] & ${k#*:} != 0") + \
			$(count "$drop" "ip[1] & ${k#*:} != 0")))
		t_expect "$d: ${k%:*} = $want from the captures" test "$got" = "$want"
	done
	want=$(num "$d" reordered)
	t_expect "$d: reordered = $want from the capture" \
		test "$(count "$main" 'ip[1] & 0xc0 = 0xc0')" = "$want"
	t_expect "$d: no bad checksums (tcpdump -vv)" \
		sh -c "! tcpdump -vvnr '$main' 2>/dev/null | grep -qi 'bad'"
	t_expect "$d: received + duplicated = forwarded + dropped" test \
		$(($(num "$d" received) + $(num "$d" duplicated))) = \
		$(($(num "$d" forwarded) + $(num "$d" dropped_loss) + $(num "$d" dropped_queue) + \
		$(num "$d" dropped_mtu) + $(num "$d" dropped_blackout) + \
		$(num "$d" dropped_noclient) + $(num "$d" dropped_send) + $(num "$d" dropped_exit)))
}
check_dir c2s
check_dir s2c
t_expect "c2s: loss happened (seeded 20%)" test "$(num c2s dropped_loss)" -gt 60
t_expect "c2s: the 60 oversize datagrams were dropped by the MTU cap" \
	test "$(num c2s dropped_mtu)" = 60
t_expect "s2c: jitter reordered some" test "$(num s2c reordered)" -gt 0
t_expect "c2s: forwarded records carry the real addresses" \
	sh -c "tcpdump -nr '$T/run1-c2s.pcap' 'ip[1] & 0x80 != 0' 2>/dev/null | head -1 | grep -q '> 127.0.0.1.$EP:'"

# the same seed and the same input: the same decisions (c2s has no timing in it)
run_bridge run2 || t_fail "second run did not start"
t_expect "same seed, same c2s decision log" \
	sh -c "grep ' c2s ' '$T/run1.dec' | cut -d' ' -f1-5 > '$T/a'; grep ' c2s ' '$T/run2.dec' | cut -d' ' -f1-5 > '$T/b'; cmp -s '$T/a' '$T/b' && test -s '$T/a'"
t_done
