#!/bin/bash
# bridge_peer.sh - who gets the replies (issue 16 item 5, bridge/README.md
# "The client"): a stranger sending 1-byte datagrams to the bridge's port
# while real round trips run gets no reply and costs the real flow nothing
# (with --learn any, the old rule, it steals replies: the check can fail);
# a client that really moved is re-learned; --lock keeps the first client.
. "$(dirname "$0")/../lib.sh"
t_init bridge_peer
UDPTOOL="$(cd "$(dirname "$0")/../.." && pwd)/bridge/udptool.py"
MPB=$BUILD/mpbridge

t_ports 5 || exit 1
LP=$PORT0	# bridge listen
EP=$PORT1	# echo target
C1=$PORT2	# the client
C2=$PORT3	# the client after it moved
SP=$PORT4	# the stranger

# the driver: client round trips (sequence-numbered, 200/s) from one or two
# source ports, and a stranger's 1-byte datagrams (500/s); prints JSON counts
cat >"$T/drive.py" <<'PY'
import json, select, socket, struct, sys, time
lp, c1, c2, sp, mode = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
dst = ("127.0.0.1", lp)
def sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.setblocking(False)
    return s
a, b, st = sock(c1), sock(c2), sock(sp)
dur = 3.0
stranger = mode in ("steal", "lock")
moving = mode in ("move", "lock")
sent = {a: 0, b: 0}
got = {a: set(), b: set()}
first_b = None              # when the moved client got its first reply
stolen = 0
t0 = time.monotonic()
nxt, nxs, seq = t0, t0, 0
while True:
    now = time.monotonic()
    if now - t0 > dur + 0.5:
        break
    if now - t0 < dur and now >= nxt:
        # moving: the client sends from c1 for 1 s, then from c2 only
        s = b if moving and now - t0 >= 1.0 else a
        s.sendto(struct.pack("!I", seq) + b"x" * 60, dst)
        sent[s] += 1
        seq += 1
        nxt += 0.005
    if stranger and now - t0 < dur and now >= nxs:
        st.sendto(b"!", dst)
        nxs += 0.002
    r, _, _ = select.select([a, b, st], [], [], 0.001)
    for s in r:
        while True:
            try:
                d, _ = s.recvfrom(2048)
            except BlockingIOError:
                break
            if s is st:
                stolen += 1
            elif len(d) >= 4:
                got[s].add(struct.unpack("!I", d[:4])[0])
                if s is b and first_b is None:
                    first_b = time.monotonic() - t0
print(json.dumps({"sent_a": sent[a], "got_a": len(got[a]), "sent_b": sent[b],
                  "got_b": len(got[b]), "stolen": stolen, "first_b": first_b}))
PY

t_spawn echo python3 "$UDPTOOL" echo "$EP"
t_wait_udp "$EP" || { t_fail "echo target did not start"; t_done; }

# run NAME MODE BRIDGE-OPTIONS...: one bridge, one drive, results in $T/NAME.*
run() {
	local name=$1 mode=$2
	shift 2
	t_spawn "b_$name" "$MPB" -l "127.0.0.1:$LP" -t "127.0.0.1:$EP" --stats "$T/$name.stats" "$@"
	t_wait_udp "$LP" || { t_fail "$name: mpbridge did not start"; return 1; }
	python3 "$T/drive.py" "$LP" "$C1" "$C2" "$SP" "$mode" >"$T/$name.json"
	t_stop "b_$name" TERM
	cat "$T/$name.json" >&2
}
get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/$1.json" "$2"; }
stat() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$T/$1.stats" | head -1; }

run steal steal
t_expect "default rule: the stranger got no reply ($(get steal stolen))" test "$(get steal stolen)" = 0
t_expect "default rule: every round trip answered ($(get steal got_a) of $(get steal sent_a))" \
	test "$(get steal got_a)" = "$(get steal sent_a)"
t_expect "default rule: client never changed, stranger's datagrams counted ($(stat steal stranger_datagrams))" \
	sh -c "[ '$(stat steal client_changes)' = 0 ] && [ '$(stat steal stranger_datagrams)' -gt 1000 ]"

# the same with the old rule: the stranger takes replies, the flow loses them
run any steal --learn any
t_expect "control (--learn any, the old rule): the stranger steals replies ($(get any stolen))" \
	test "$(get any stolen)" -gt 0
t_expect "control: round trips lost ($(get any got_a) of $(get any sent_a) answered)" \
	test "$(get any got_a)" -lt "$(get any sent_a)"

# a client that moved: c1 for 1 s then c2 only; c2 learned once c1 has been
# quiet for the required time (200 ms at least, 1.5 x its longest recent gap:
# here 5 ms, so 200 ms) and c2 has sent 3 datagrams within 1 s
run move move
fb=$(get move first_b)
t_expect "moved client re-learned (first reply to the new port at ${fb}s, moved at 1 s)" \
	python3 -c "import sys; f = $( [ "$fb" = None ] && echo None || echo "$fb" ); sys.exit(not (f is not None and 1.0 < f < 1.6))"
t_expect "moved client: replies lost only while it was being learned ($(get move got_b) of $(get move sent_b))" \
	test "$(get move got_b)" -ge "$(( $(get move sent_b) - 80 ))"
t_expect "moved client: one client change" test "$(stat move client_changes)" = 1

# --lock: the first client stays; the stranger and the moved port are ignored
run lock lock --lock
t_expect "--lock: the stranger got no reply" test "$(get lock stolen)" = 0
t_expect "--lock: the moved port is not learned (0 of $(get lock sent_b) answered)" \
	test "$(get lock got_b)" = 0
t_expect "--lock: other sources ignored ($(stat lock stranger_ignored)) and not forwarded" \
	sh -c "[ '$(stat lock stranger_ignored)' -gt 1000 ] && [ '$(stat lock client_changes)' = 0 ]"
t_done
