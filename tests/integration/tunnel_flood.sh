#!/bin/bash
# Table exhaustion, unkeyed (issue 16): a stranger who can reach mpserver's or
# mpclient's port floods its session or flow table; a new mpclient and a new
# application still get through, and traffic that was flowing before the
# flood keeps flowing.  Each flood is first shown to have filled the table.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_flood
FLOOD="python3 $(dirname "$0")/../flood.py"

fresh() {	# a new temp dir and ports after t_cleanup
	t_cleanup
	T=$(mktemp -d /tmp/mpt-tunnel_flood.XXXXXX)
}

# wait_stat TAG FILE KEY MIN [SECS]: poll counters until KEY >= MIN; prints KEY
wait_stat() {
	local tag=$1 file=$2 key=$3 min=$4 secs=${5:-6} i v=
	for i in $(seq 1 $((secs * 5))); do
		v=$(t_stats "$tag" "$file" "$key")
		[ -n "$v" ] && [ "${v%.*}" -ge "$min" ] && break
		sleep 0.2
	done
	echo "${v:-0}"
}

# lost_ok JSON MAX: received + lost counted and lost <= MAX
lost_of() { json_get "$T/$1.json" lost; }

# client_b PORT: a second mpclient straight to mpserver (no bridge; the
# bridges carry client A), with its own stats
client_b() {
	t_spawn clientb "$BUILD/mpclient" --stats "$T/clientb.json" --listen "127.0.0.1:$1" \
		--bridge "127.0.0.1:$SERVER_PORT" --bridge "[::1]:$SERVER_PORT"
	t_wait_udp "$1"
}
# b_run: client B up on port PB, ok=1 once its tunnel answers, then 200 round trips
# through it at 200/s (b.json)
b_run() {
	client_b "$PB"
	ok=0
	tun_wait_ready "$PB" && ok=1
	tun_count b "$PB" 200 200 >/dev/null
}

# --- 1, 2: mpserver's session table (64) held by session ids from 1 or 64 sources
for socks in 1 64; do
	fresh
	tun_start_all || { t_fail "setup"; continue; }
	t_ports 1
	PB=$PORT0
	# client A talks all along
	"$BUILD/udpclient" --quiet --json --count 1200 --rate 200 --timeout 1s 127.0.0.1 \
		"$CLIENT_PORT" >"$T/live.json" 2>/dev/null &
	live=$!
	t_spawn flood python3 "$(dirname "$0")/../flood.py" "$SERVER_PORT" sessions 100 100 12 "$socks"
	full=$(wait_stat server "$T/server.json" sessions_open 64)
	b_run
	t_expect "sessions from $socks source(s): the table was full ($full of 64) and a new mpclient still gets through ($(lost_of b) of 200 lost)" \
		eval '[ "$full" -ge 64 ] && [ $ok = 1 ] && in_range "$(lost_of b)" 0 10'
	wait $live
	t_expect "sessions from $socks source(s): the session talking before the flood kept going ($(lost_of live) of 1200 lost)" \
		in_range "$(lost_of live)" 0 10
done

# --- 3: mpserver's flow table (256, shared by all sessions) filled by one session
fresh
tun_start_all || t_fail "setup"
t_ports 1
PB=$PORT0
"$BUILD/udpclient" --quiet --json --count 800 --rate 200 --timeout 1s 127.0.0.1 \
	"$CLIENT_PORT" >"$T/live.json" 2>/dev/null &
live=$!
t_spawn flood python3 "$(dirname "$0")/../flood.py" "$SERVER_PORT" flows 300 600 1
open=$(wait_stat server "$T/server.json" flows_open 256)
b_run
t_expect "300 flow ids of one session filled the flow table ($open of 256) and a new mpclient still gets through ($(lost_of b) of 200 lost)" \
	eval '[ "$open" -ge 256 ] && [ $ok = 1 ] && in_range "$(lost_of b)" 0 10'
wait $live
t_expect "the flow talking before the flood kept going ($(lost_of live) of 800 lost)" \
	in_range "$(lost_of live)" 0 10

# --- 4: mpclient's flow table (256) filled from 300 source ports
fresh
tun_start_all || t_fail "setup"
"$BUILD/udpclient" --quiet --json --count 1000 --rate 200 --timeout 1s 127.0.0.1 \
	"$CLIENT_PORT" >"$T/live.json" 2>/dev/null &
live=$!
t_spawn flood python3 "$(dirname "$0")/../flood.py" "$CLIENT_PORT" sources 300 600 4
nf=$(wait_stat client "$T/client.json" flows 256)
ok=0
tun_wait_ready && ok=1
tun_measure m --count 200 --rate 200 --timeout 1s
t_expect "300 source ports filled mpclient's flow table ($nf of 256) and a new application still gets through ($(lost_of m) of 200 lost)" \
	eval '[ "$nf" -ge 256 ] && [ $ok = 1 ] && in_range "$(lost_of m)" 0 10'
wait $live
t_expect "the application talking before the flood kept going ($(lost_of live) of 1000 lost)" \
	in_range "$(lost_of live)" 0 10
t_done
