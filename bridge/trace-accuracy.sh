#!/bin/bash
# bridge/trace-accuracy.sh - how exactly mpbridge plays a rate trace, on loopback.
#
#   bridge/trace-accuracy.sh [MBITS...]        (default: 100 1000; or a .trace file)
#
# For each rate, a constant Mahimahi trace of that rate (bridge/traces/gen.py
# --constant), or the given trace file, drives the c2s direction; the project's
# C load generator (build/mpt-load: paced sendmmsg batches, its receiving thread
# the bridge's sink) sends 1500-byte datagrams 30% faster than the trace's mean
# for SECONDS_RUN (default 3) into a drop-tail queue of 1000 packets. Two runs
# per trace:
#   timing:      with the bridge's own captures (--pcap: arrival and departure
#                times, IP ID = arrival number) and decision log (each copy's
#                scheduled departure): departure - scheduled departure,
#                p50 / p99 / max. With --pcap mpbridge sends each copy at once
#                and writes two records per datagram, so this is the slower mode.
#   throughput:  the bridge as in production (batched sends, no captures): the
#                sink's delivery rate from its first to its last receipt
#                (mpt-load's rx_span_s) against the trace's mean; with the bridge's
#                own received / queue-drop counters.
# The machine's load average is printed before and after. Not a test: the
# figures depend on the load (the CI-like machine has 2 cores shared with other
# jobs; a loaded machine makes them pessimistic). Targets: p99 <= 1 ms,
# throughput within 2% of the trace's mean.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
MPB=$BUILD/mpbridge
LOAD=$BUILD/mpt-load
SECONDS_RUN=${SECONDS_RUN:-3}
[ -x "$MPB" ] && [ -x "$LOAD" ] || { echo "build first: make" >&2; exit 2; }
T=$(mktemp -d /tmp/mpb-trace-acc.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# bridge RUN_ARGS...: start mpbridge on the trace, the load through it, stop it; the load's JSON
# is $T/load.json
through_bridge() {
	local mp _
	LP=$(port)
	SP=$(port)
	"$MPB" -q -l "127.0.0.1:$LP" -t "127.0.0.1:$SP" --seed 1 --dir c2s --trace "$trace" \
		--limit 1000 --stats "$T/stats" "$@" &
	mp=$!
	PIDS+=("$mp")
	for _ in $(seq 1 100); do ss -Hlun "sport = :$LP" | grep -q . && break; sleep 0.05; done
	# 1500-byte datagrams at 1.3 x the trace's mean; mpt-load's own thread is the bridge's sink
	"$LOAD" --to "127.0.0.1:$LP" --sink "127.0.0.1:$SP" --size 1500 --rate "$mbit" \
		--duration "${SECONDS_RUN}s" --drain 300ms --json >"$T/load.json"
	kill -TERM "$mp"
	wait "$mp" 2>/dev/null
}

one() {
	local spec=$1 trace label LP SP mbit
	if [ -f "$spec" ]; then
		trace=$spec
		label=$(basename "$spec")
	else
		trace=$T/const-$spec.trace
		python3 "$ROOT/bridge/traces/gen.py" --constant "$spec" 10 "$trace"
		label="constant $spec Mbit/s"
	fi
	mbit=$(python3 -c 'import sys; l = open(sys.argv[1]).read().split(); print(1.3 * len(l) * 1500 * 8 / (int(l[-1]) / 1000.0) / 1e6)' "$trace")

	# 1. timing: the bridge's captures (it then sends each copy at once) and decision log
	through_bridge --pcap "$T/cap" --decision-log "$T/dec"
	python3 - "$T/cap-c2s.pcap" "$T/dec" "$label" <<'PY'
import struct, sys
cap, dec, label = sys.argv[1:4]
# arrivals in order: arrival n (from 1) is the n-th arrival record; a forwarded record's IP ID is
# its arrival number mod 65536, and copies leave in arrival order (FIFO), so its full number is
# the next one after the previous departure's with that remainder
arr, errs, last, nfwd = [None], [], 0, 0
delay = {}
with open(dec) as f:
    for line in f:
        p = line.split()
        if len(p) == 6 and p[1] == "c2s" and p[2] == "pass":
            delay[int(p[0])] = float(p[5]) / 1000.0
with open(cap, "rb") as f:
    f.read(24)
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        ts, tu, incl, _ = struct.unpack("<IIII", h)
        pkt = f.read(incl)
        t = ts + tu / 1e6
        tos, ipid = pkt[1], struct.unpack("!H", pkt[4:6])[0]
        if not tos & 0x80:
            arr.append(t)
            continue
        nfwd += 1
        n = last + 1 + ((ipid - (last + 1)) % 65536)
        last = n
        if n < len(arr) and n in delay:
            errs.append(t - (arr[n] + delay[n]))
errs.sort()
q = lambda p: errs[min(len(errs) - 1, int(p * len(errs)))] * 1e3
if errs:
    print("%-22s timing      departures %7d  error p50 %.3f ms  p99 %.3f ms  max %.3f ms  (with --pcap)"
          % (label, nfwd, q(0.5), q(0.99), errs[-1] * 1e3))
else:
    print("%-22s timing      no departures matched" % label)
PY
	rm -f "$T"/cap-* "$T/dec"

	# 2. throughput: the bridge as in production (batched sends, no captures); the delivery rate
	# while data flowed, from the sink's first to its last receipt
	through_bridge
	python3 - "$T/load.json" "$T/stats" "$trace" "$label" <<'PY'
import json, sys
load, stats, trace, label = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
c2s = json.load(open(stats)).get("c2s", {})
lines = [int(x) for x in open(trace).read().split()]
mean = len(lines) * 1500 * 8 / (lines[-1] / 1000.0)
n, span = load["received"], load.get("rx_span_s")
got = (n - 1) * load["size"] * 8 / span if n > 1 and span else float("nan")
print("%-22s throughput  %.2f Mbit/s, trace mean %.2f, ratio %.4f  (offered %.0f Mbit/s, sent %d, "
      "bridge received %s, queue drops %s, delivered %d)"
      % (label, got / 1e6, mean / 1e6, got / mean, load["offered_mbps"], load["sent"],
         c2s.get("received"), c2s.get("dropped_queue"), n))
PY
}

echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
for spec in "${@:-100 1000}"; do
	for s in $spec; do one "$s"; done
done
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
