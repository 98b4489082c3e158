#!/bin/bash
# bridge_batch.sh - mpbridge's batched I/O keeps every datagram intact and every
# decision: bursts through duplication without delay (copies held in the staging
# area), and delay + jitter + delayed duplicates (queue slots released by the timer
# and by new arrivals), with datagrams of mixed sizes; the sink checks every
# payload, no copy arrives more than twice, the counters balance, and the decision
# log and counters equal those of the same run with --pcap (sent one by one).
. "$(dirname "$0")/../lib.sh"
t_init bridge_batch
MPB=$BUILD/mpbridge

t_ports 3 || exit 1
LP=$PORT0
SP=$PORT1
CP=$PORT2

sinkv() { sed -n "s/.*$2 \([0-9]*\).*/\1/p" "$1"; }

# run TAG SENDARGS -- BRIDGEARGS: one seeded run into a fresh verifying sink
run() {
	local tag=$1 send=() sink
	shift
	while [ "$1" != -- ]; do send+=("$1"); shift; done
	shift
	sink="$T/$tag.sink"
	t_spawn "sink_$tag" python3 "$UDPTOOL" verify "$SP" --out "$sink"
	t_wait_udp "$SP" || return 1
	t_spawn "$tag" "$MPB" -l "127.0.0.1:$LP" -t "127.0.0.1:$SP" --seed 11 \
		--stats "$T/$tag.json" --decision-log "$T/$tag.dec" "$@"
	t_wait_udp "$LP" || return 1
	python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" "${send[@]}" >/dev/null
	t_bridge_settle "$tag" "$T/$tag.json" || t_fail "$tag: counters did not settle"
	t_stop "$tag" TERM
	# the sink has what was sent once its count stops at forwarded (bounded)
	for _ in $(seq 1 50); do
		[ "$(sinkv "$sink" received)" = "$(t_json_in "$T/$tag.json" c2s forwarded)" ] && break
		sleep 0.1
	done
	t_stop "sink_$tag" TERM
}

check() {	# TAG: sink and counters agree
	local tag=$1 f="$T/$1.json" s="$T/$1.sink"
	t_expect "$tag: the sink got every forwarded copy" \
		test "$(sinkv "$s" received)" = "$(t_json_in "$f" c2s forwarded)"
	t_expect "$tag: every datagram intact" test "$(sinkv "$s" intact)" = "$(sinkv "$s" received)"
	t_expect "$tag: no datagram more than twice" in_range "$(sinkv "$s" maxcopies)" 1 2
	t_expect "$tag: duplicates made" in_range "$(t_json_in "$f" c2s duplicated)" 1 100000
	t_expect "$tag: received + duplicated = forwarded + dropped" test \
		$(($(t_json_in "$f" c2s received) + $(t_json_in "$f" c2s duplicated))) = \
		$(($(t_json_in "$f" c2s forwarded) + $(t_json_in "$f" c2s dropped_queue) + \
		$(t_json_in "$f" c2s dropped_send) + $(t_json_in "$f" c2s dropped_exit)))
	t_expect "$tag: nothing failed to send" test "$(t_json_in "$f" c2s dropped_send)" = 0
}

same() {	# TAG1 TAG2: same decisions and counters (not reordered: timing)
	local k
	t_expect "$1 = $2: same decision log" cmp -s "$T/$1.dec" "$T/$2.dec"
	for k in received forwarded duplicated delayed bytes_forwarded dropped_queue; do
		t_expect "$1 = $2: same $k" test "$(t_json_in "$T/$1.json" c2s $k)" = "$(t_json_in "$T/$2.json" c2s $k)"
	done
}

# bursts, duplicates sent at once (the clean copy is staged), sizes 300, 299, 298
DUP=(--duplicate 40%)
run dup --count 1000 --size 300 --vary 3 -- "${DUP[@]}" || { t_fail "dup: did not start"; t_done; }
check dup
run dup_pcap --count 1000 --size 300 --vary 3 -- "${DUP[@]}" --pcap "$T/dup" ||
	{ t_fail "dup_pcap: did not start"; t_done; }
same dup dup_pcap

# delay, jitter (unordered: the delays do not depend on timing) and delayed
# duplicates: releases by the timer and by arrivals, one size and mixed sizes
DLY=(--delay 2ms 2ms unordered --duplicate 20% 1ms)
run delay --count 1500 --size 400 --vary 2 --interval 0.0002 -- "${DLY[@]}" ||
	{ t_fail "delay: did not start"; t_done; }
check delay
t_expect "delay: copies were delayed" in_range "$(t_json_in "$T/delay.json" c2s delayed)" 1500 100000
run delay_pcap --count 1500 --size 400 --vary 2 --interval 0.0002 -- "${DLY[@]}" \
	--pcap "$T/delay" || { t_fail "delay_pcap: did not start"; t_done; }
same delay delay_pcap
t_done
