#!/bin/bash
# lab_capture_gso.sh - the lab counts datagrams, not capture records, where UDP GSO is on.
#
# In a namespace of its own (root only), a sender bursts datagrams at mpbridge on the
# namespace's loopback; mpbridge forwards each burst to a sink with UDP GSO (lib/batch.c), so
# tcpdump on lo records a burst as one super-packet. The lab's reader (lab/labreport/pcap.py)
# must split them: the capture's datagram counts equal the bridge's counters, the sender's and
# the sink's counts, and the kernel's (the namespace's Udp InDatagrams, which counts segments);
# and the capture really held super-packets (records fewer than datagrams), so the check means
# something.
. "$(dirname "$0")/../lib.sh"
t_init lab_capture_gso
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MPB=$BUILD/mpbridge
N=6000 SIZE=200 BURST=24

if [ "$(id -u)" != 0 ] || ! command -v tcpdump >/dev/null; then
	t_skip "needs root and tcpdump (a namespace and a capture)"
	t_done
fi
NS=mpt-gso-$$
ip netns add "$NS" || { t_skip "cannot create a network namespace"; t_done; }
ip -n "$NS" link set lo up
trap 't_cleanup; ip netns del "$NS" 2>/dev/null' EXIT
inns() { ip netns exec "$NS" "$@"; }
BP=5000 SP=5001

mib() { inns cat /proc/net/snmp | awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) n[i] = $i; h = 1 } else for (i = 2; i <= NF; i++) print n[i], $i }'; }
mibv() { sed -n "s/^$2 //p" "$1"; }

t_spawn cap ip netns exec "$NS" tcpdump -i lo -n -U --immediate-mode -B 131072 -s 65535 -w "$T/lo.pcap" "udp port $BP or udp port $SP"
for _ in $(seq 1 100); do grep -q 'listening on' "$T/cap.log" && break; sleep 0.05; done
t_spawn sink ip netns exec "$NS" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
n, end = 0, None
while True:
    try:
        s.recv(65536)
    except socket.timeout:
        break
    n += 1
    s.settimeout(1.5)
print("received", n, flush=True)
' "$SP"
t_spawn bridge ip netns exec "$NS" "$MPB" --listen "127.0.0.1:$BP" --to "127.0.0.1:$SP" --seed 1 --stats "$T/bridge.json"
for _ in $(seq 1 100); do
	inns ss -Hlun "sport = :$BP" | grep -q . && inns ss -Hlun "sport = :$SP" | grep -q . && break
	sleep 0.05
done
mib >"$T/mib.start"
inns python3 -c '
import socket, sys, time
n, size, burst, port = map(int, sys.argv[1:5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", port))
sent = 0
while sent < n:
    for _ in range(min(burst, n - sent)):
        s.send(b"%08d" % sent + b"x" * (size - 8))
        sent += 1
    time.sleep(0.002)
print("sent", sent)
' "$N" "$SIZE" "$BURST" "$BP" >"$T/sender.out" 2>&1
sent=$(sed -n 's/^sent //p' "$T/sender.out")
# the sink exits 1.5 s after its last datagram
for _ in $(seq 1 100); do kill -0 "$(t_pid sink)" 2>/dev/null || break; sleep 0.1; done
mib >"$T/mib.end"
t_stop bridge TERM
t_stop cap INT
got=$(sed -n 's/^received //p' "$T/sink.log")

stat() { python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
d = j.get("c2s") or j.get("directions", {}).get("c2s")
print(d[sys.argv[2]])' "$T/bridge.json" "$1"; }
b_in=$(stat received)
b_fwd=$(stat forwarded)
counts=$(PYTHONPATH=$ROOT/lab python3 -c '
import sys
from labreport import pcap
recs = pcap.records(sys.argv[1])
sp = pcap.Split(int(sys.argv[2]))
dg = sp.split(recs)
bp, spp = int(sys.argv[3]), int(sys.argv[4])
print(sum(1 for r in recs if r.dport == spp), sum(1 for d in dg if d.dport == bp),
      sum(1 for d in dg if d.dport == spp), sp.supers, sp.odd, len(dg))
' "$T/lo.pcap" "$SIZE" "$BP" "$SP")
read -r rec_fwd cap_in cap_fwd supers odd cap_all <<<"$counts"
k_in=$(( $(mibv "$T/mib.end" InDatagrams) - $(mibv "$T/mib.start" InDatagrams) ))
k_err=$(( $(mibv "$T/mib.end" RcvbufErrors) - $(mibv "$T/mib.start" RcvbufErrors) ))
echo "# sent $sent; bridge in $b_in fwd $b_fwd; sink $got; capture in $cap_in fwd $cap_fwd (records to the sink $rec_fwd, $supers super-packets, $odd odd); kernel InDatagrams $k_in RcvbufErrors $k_err"
grep -i 'dropped by kernel' "$T/cap.log" | sed 's/^/# tcpdump: /'

lostcap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$T/cap.log")
if [ "${lostcap:-0}" != 0 ]; then
	# the machine was too busy for tcpdump: the capture cannot be compared, say so
	t_skip "tcpdump lost $lostcap packets (busy machine): capture not comparable"
	t_expect "kernel: Udp InDatagrams = bridge in + sink ($k_in, $b_in + $got)" test "$k_in" = $((b_in + got))
	t_done
fi
t_expect "GSO was used: the capture holds super-packets ($rec_fwd records for $cap_fwd datagrams to the sink)" \
	test "${supers:-0}" -gt 0 -a "${rec_fwd:-0}" -lt "${cap_fwd:-0}"
t_expect "every super-packet is a whole number of segments (odd: $odd)" test "${odd:-1}" = 0
t_expect "capture = bridge = sender into the bridge ($cap_in, $b_in, $sent)" \
	test "$cap_in" = "$b_in" -a "$b_in" = "$sent"
t_expect "capture = bridge = sink out of the bridge ($cap_fwd, $b_fwd, $got)" \
	test "$cap_fwd" = "$b_fwd" -a "$b_fwd" = "$got"
t_expect "kernel: Udp InDatagrams = captured datagrams ($k_in, $cap_all), no buffer overflow ($k_err)" \
	test "$k_in" = "$cap_all" -a "$k_err" = 0
t_done
