#!/bin/bash
# bridge_valgrind.sh - one impaired run of mpbridge under valgrind (delay queue,
# duplicates, corruption, rate, timeline, capture, stats, SIGUSR1, SIGTERM), with
# --pcap (sent one by one) and without (batched sends): no memory errors, no
# leaks, clean exit.
. "$(dirname "$0")/../lib.sh"
t_init bridge_valgrind
t_need_valgrind

t_bridge_ports
# vg_run TAG [ARGS]: one impaired run under valgrind
vg_run() {
	local tag=$1 pid rc
	shift
	t_spawn "$tag" valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --log-file="$T/$tag.vg" \
		"$BUILD/mpbridge" -l "127.0.0.1:$LP" -t "127.0.0.1:$EP" --seed 3 --limit 200 \
		--stats "$T/$tag.json" --decision-log "$T/$tag.dec" "$@" \
		--loss gemodel 5% 30% --delay 20ms 5ms unordered --duplicate 10% 5ms --corrupt 5% \
		--truncate 5% --reorder 10% --rate 2mbit burst 4kb --mtu 1300 \
		--at 0.5s --dir c2s --down --at 0.8s --dir c2s --up --profile lossy-wifi \
		--dir s2c --duplicate 30%
	pid=$(t_pid "$tag")
	t_wait_udp "$LP" 20 || { t_fail "$tag: mpbridge did not start under valgrind"; return; }
	python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" --count 300 --size 600 \
		--interval 0.005 >/dev/null
	python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" --count 20 --size 1400 >/dev/null
	kill -USR1 "$pid"
	t_wait_log "$tag" "c2s: received=" 10 || true
	# exit while datagrams are still held (dropped_exit path)
	python3 "$UDPTOOL" send "127.0.0.1:$LP" --sport "$CP" --count 50 --size 600 >/dev/null
	kill -TERM "$pid"
	for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	wait "$pid"
	rc=$?
	t_expect "$tag: mpbridge exited cleanly under valgrind (rc $rc)" test "$rc" = 0
	t_expect "$tag: valgrind reported nothing" test ! -s "$T/$tag.vg"
	t_expect "$tag: stats written" grep -q '"dropped_exit"' "$T/$tag.json"
	[ -s "$T/$tag.vg" ] && sed 's/^/#   /' "$T/$tag.vg" | head -40
}

# with captures (each copy sent at once), and without (sends batched)
vg_run capture --pcap "$T/cap"
vg_run batched
t_done
