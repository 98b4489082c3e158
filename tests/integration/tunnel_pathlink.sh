#!/bin/bash
# tunnel_pathlink.sh - link events (lib/linkmon through tunnel/client_link.c): three paths leave
# the client's namespace by three veths (tests/pathns.sh) under 1000 datagrams/s; mid-run
# `ip link set vc1 down` marks path 1 down from the netlink event (not from silence: the path
# timeout is 3 s), mpclient stops sending on it, then `ip link set vc1 up` (and its route back,
# as a network manager would) brings it back and it is used again; then vc2 loses its address
# (path 2 down at once) and gets it back.  No datagram of the run is lost end to end.
# Figures (not asserted: wall-clock): the delay from mpclient's read of the netlink message to
# the path marked down (its event line), from another listener's receipt of the same event
# (`ip -ts monitor` in the namespace), and from the `ip` command's start (an upper bound that
# includes starting `ip`).
. "$(dirname "$0")/../lib.sh"
t_init tunnel_pathlink
t_need_built mpclient mpserver udpclient udpserver
. "$(dirname "$0")/../pathns.sh"
pn_need 3
SP=4000 TP=5000 CP=6000 RATE=1000 N=20000
S=$PN_SERVER:$SP
pn_server
t_spawn client ip netns exec "$NSC" "$BUILD/mpclient" --no-control --stats "$T/client.json" \
	--listen "127.0.0.1:$CP" --path "dev=vc0,bridge=$S" --path "dev=vc1,bridge=$S" \
	--path "dev=vc2,bridge=$S"
pn_wait_udp "$NSC" "$CP" || { t_fail "mpclient did not start"; t_done; }
pn_wait_ready

# path I's "sent" counter in mpclient's stats
psent() {
	t_stats client "$T/client.json" flows >/dev/null
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
print([p["sent"] for p in j["paths"] if p["index"] == int(sys.argv[2])][0])' "$T/client.json" "$1"
}
# what mpserver got on the path from 198.18.1I.1 (new or duplicate copies)
srecv() {
	t_stats server "$T/server.json" sessions_open >/dev/null
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
print(sum(p["received"] + p["duplicates"] for s in j["sessions"] for p in s["paths"] if p["peer"].startswith(sys.argv[2] + ":")))' \
		"$T/server.json" "198.18.1$1.1"
}
now() { date +%s.%N; }
# the event line of path I with KIND (link down / link up) after line LINE of client.log
event_after() { tail -n +"$3" "$T/client.log" | grep -m1 "path $1 .*: link $2: "; }
# the same, waited for (bounded: 200 looks 50 ms apart); empty if it never came
wait_event() {
	local ev
	for _ in $(seq 1 200); do ev=$(event_after "$@") && break; sleep 0.05; done
	echo "$ev"
}
figures() {	# figures WHAT LINE T0 MONITOR-REGEX
	local mark ms
	mark=$(echo "$2" | sed -n 's/.*marked \([0-9.]*\):.*/\1/p')
	ms=$(echo "$2" | sed -n 's/.*: +\([0-9.]*\) ms).*/\1/p')
	python3 - "$T/mon.log" "$4" "$3" "$mark" "$1" "$ms" <<'PY'
import datetime, re, sys
log, pat, t0, mark, what, ms = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4] or 0), sys.argv[5], sys.argv[6]
seen = None
for line in open(log, errors="replace"):
    m = re.match(r"\[([0-9T:.-]+)\] (.*)", line)
    if not m or not re.search(pat, m.group(2)):
        continue
    t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
    if t >= t0 - 0.001:
        seen = t
        break
mon = "%.3f ms" % ((mark - seen) * 1e3) if seen and mark else "?"
print("# figure: %s: mpclient read -> marked %s ms; ip monitor saw it -> marked %s; "
      "ip command start -> marked %.3f ms" % (what, ms or "?", mon, (mark - t0) * 1e3 if mark else -1))
PY
}

t_spawn mon ip netns exec "$NSC" ip -ts monitor link address
t_spawn run ip netns exec "$NSC" "$BUILD/udpclient" --quiet --json --count "$N" --rate "$RATE" \
	--timeout 2s 127.0.0.1 "$CP"
sleep 2
# --- vc1 down ---
line=$(($(wc -l <"$T/client.log") + 1))
t0=$(now)
ip -n "$NSC" link set vc1 down
ev=$(wait_event 1 down "$line")
if [ -n "$ev" ] && echo "$ev" | grep -q "vc1 down (netlink read"; then
	t_ok "vc1 down: path 1 marked down from the netlink event"
	figures "vc1 down" "$ev" "$t0" "vc1.*state DOWN"
else
	t_fail "no link-down event for path 1: $(tail -n 3 "$T/client.log")"
fi
s1=$(psent 1)
st=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
p=[p for p in j["paths"] if p["index"]==1][0]; print(p.get("state"), p.get("link"))' "$T/client.json")
[ "$st" = "down down" ] && t_ok "path 1 reported down (state and link) while vc1 is down" ||
	t_fail "path 1 while vc1 is down: state, link = $st"
sleep 1
s2=$(psent 1)
if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then
	t_ok "nothing sent on path 1 while vc1 is down ($s1 before and 1 s later)"
else
	t_fail "path 1 sent ${s1:-?} then ${s2:-?} while down"
fi
# --- vc1 up, its route back ---
line=$(($(wc -l <"$T/client.log") + 1))
r1=$(srecv 1)
ip -n "$NSC" link set vc1 up
ip -n "$NSC" route replace "$PN_SERVER/32" via 198.18.11.2 dev vc1 metric 11
ev=$(wait_event 1 up "$line")
[ -n "$ev" ] && t_ok "vc1 up: path 1 up again ($(echo "$ev" | sed 's/.*: link up: //'))" ||
	t_fail "no link-up event for path 1: $(tail -n 3 "$T/client.log")"
for _ in $(seq 1 10); do	# bounded: 10 looks, about 5 s on a loaded machine
	sleep 0.3
	r2=$(srecv 1)
	[ "${r2:-0}" -gt $((${r1:-0} + 200)) ] && break
done
if [ "${r2:-0}" -gt $((${r1:-0} + 200)) ]; then
	t_ok "path 1 used again after up (mpserver got $((r2 - r1)) more on it)"
else
	t_fail "path 1 not used again: mpserver received ${r1:-?} then ${r2:-?}"
fi
# --- vc2 loses its address, gets it back ---
line=$(($(wc -l <"$T/client.log") + 1))
t0=$(now)
ip -n "$NSC" addr del 198.18.12.1/24 dev vc2
ev=$(wait_event 2 down "$line")
if [ -n "$ev" ] && echo "$ev" | grep -q "vc2 lost 198.18.12.1"; then
	t_ok "vc2's address removed: path 2 marked down from the netlink event"
	figures "vc2 address removed" "$ev" "$t0" "Deleted.*vc2.*inet 198"
else
	t_fail "no down event for path 2: $(tail -n 3 "$T/client.log")"
fi
line=$(($(wc -l <"$T/client.log") + 1))
ip -n "$NSC" addr add 198.18.12.1/24 dev vc2
ip -n "$NSC" route replace "$PN_SERVER/32" via 198.18.12.2 dev vc2 metric 12
ev=$(wait_event 2 up "$line")
[ -n "$ev" ] && t_ok "vc2's address back: path 2 up again" ||
	t_fail "no up event for path 2: $(tail -n 3 "$T/client.log")"

t_wait_pid "$(t_pid run)" 30
got=$(json_get "$T/run.log" received)
sent=$(json_get "$T/run.log" sent)
if [ "${sent:-0}" = "$N" ] && [ "${got:-0}" = "$N" ]; then
	t_ok "zero loss end to end: $got of $N at $RATE/s across the link changes"
else
	t_fail "received ${got:-?} of ${sent:-?} ($(head -c 300 "$T/run.log"))"
fi
t_done
