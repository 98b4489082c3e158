#!/bin/bash
# tests/integration/udpdemo.sh - udpserver and udpclient on 127.0.0.1: the
# seed's ping-pong, measuring mode, several clients at once, malformed and
# foreign datagrams, the server's counters, and command-line errors.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

t_init udpdemo
CLI=$BUILD/udpclient
SRV=$BUILD/udpserver
t_need_built udpclient udpserver
t_ports 4 || { t_fail "no free ports"; t_done; }

# --- server -----------------------------------------------------------------
t_spawn srv "$SRV" --stats "$T/srv.json" "$PORT0"
t_expect "udpserver listens on $PORT0" t_wait_udp "$PORT0"

# --- the seed's ping-pong ---------------------------------------------------
timeout 30 "$CLI" --count 3 --interval 0.2 127.0.0.1 "$PORT0" >"$T/pp.out" 2>"$T/pp.err"
rc=$?
t_expect "ping-pong --count 3 exits 0" [ "$rc" = 0 ]
printf '2 hello srv\n3 hello srv\n4 hello srv\n' >"$T/pp.want"
if diff -u "$T/pp.want" "$T/pp.out" >"$T/pp.diff"; then
	t_ok "ping-pong shows 2, 3, 4 hello srv"
else
	cat "$T/pp.diff"
	t_fail "ping-pong shows 2, 3, 4 hello srv"
fi

# --- measuring: 1000 datagrams, nothing lost or duplicated ------------------
timeout 60 "$CLI" --count 1000 --json 127.0.0.1 "$PORT0" >"$T/m.json" 2>"$T/m.err"
rc=$?
t_expect "measuring exits 0" [ "$rc" = 0 ]
t_expect "measuring prints one JSON line" [ "$(wc -l <"$T/m.json")" = 1 ]
t_expect "measuring JSON starts with the documented keys" \
	grep -Eq '^\{"program":"udpclient","version":"[^"]*","time":"[^"]*","sent":[0-9]+,"received":[0-9]+,"lost":[0-9]+,"duplicates":[0-9]+,"foreign":[0-9]+,"malformed":[0-9]+,"loss_ratio":[0-9.]+,"rtt_min_ms":[0-9.]+,"rtt_p50_ms":[0-9.]+,"rtt_p99_ms":[0-9.]+,"rtt_max_ms":[0-9.]+,"elapsed_s":[0-9.]+' "$T/m.json"
t_expect "measuring: sent 1000" t_json_is "$T/m.json" sent 1000
t_expect "measuring: received 1000" t_json_is "$T/m.json" received 1000
t_expect "measuring: lost 0" t_json_is "$T/m.json" lost 0
t_expect "measuring: duplicates 0" t_json_is "$T/m.json" duplicates 0
t_expect "measuring: malformed 0" t_json_is "$T/m.json" malformed 0

# padded to a size, text report
timeout 60 "$CLI" --count 500 --rate 5000 --size 1400 127.0.0.1 "$PORT0" >"$T/t.out" 2>&1
rc=$?
t_expect "measuring --size 1400 exits 0" [ "$rc" = 0 ]
t_expect "text report: sent 500, received 500, lost 0" \
	grep -q '^sent 500, received 500, lost 0 (0.000%), duplicates 0, foreign 0, malformed 0' "$T/t.out"
t_expect "text report has RTT percentiles" grep -Eq '^rtt min/p50/p99/max [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms' "$T/t.out"

# --- several clients at once each get only their own replies ----------------
for c in c1 c2 c3; do
	t_spawn "$c" "$CLI" -q --count 3000 --rate 3000 --size 200 --json 127.0.0.1 "$PORT0"
done
for c in c1 c2 c3; do
	t_wait_pid "$(t_pid "$c")" 60
	rc=$?
	t_expect "client $c exits 0" [ "$rc" = 0 ]
	t_expect "client $c: received 3000" t_json_is "$T/$c.log" received 3000
	t_expect "client $c: foreign 0" t_json_is "$T/$c.log" foreign 0
	t_expect "client $c: duplicates 0, malformed 0" eval 't_json_is "$T/$c.log" duplicates 0 && t_json_is "$T/$c.log" malformed 0'
done
tags=$(sed -n 's/.*"tag":"\([0-9a-f]*\)".*/\1/p' "$T"/c[123].log | sort -u | wc -l)
t_expect "each run has its own tag" [ "$tags" = 3 ]

# --- a measuring client counts foreign and malformed datagrams -------------
t_spawn fm "$CLI" -q --count 300 --rate 150 --json --bind "127.0.0.1:$PORT2" 127.0.0.1 "$PORT0"
if t_wait_udp "$PORT2"; then
	printf 'junk' >"/dev/udp/127.0.0.1/$PORT2"
	printf '2 hello srv 0123456789abcdef 0' >"/dev/udp/127.0.0.1/$PORT2"
	printf '2 hello srv' >"/dev/udp/127.0.0.1/$PORT2"
fi
t_wait_pid "$(t_pid fm)" 60
rc=$?
t_expect "client with --bind exits 0" [ "$rc" = 0 ]
t_expect "foreign replies counted (2)" t_json_is "$T/fm.log" foreign 2
t_expect "malformed replies counted (1)" t_json_is "$T/fm.log" malformed 1
t_expect "and its own replies all came" t_json_is "$T/fm.log" lost 0

# --- nothing listens: all lost, still exit 0 --------------------------------
timeout 30 "$CLI" --count 20 --rate 1000 --timeout 0.2 --json 127.0.0.1 "$PORT3" >"$T/dead.json" 2>&1
rc=$?
t_expect "measuring without a server exits 0" [ "$rc" = 0 ]
t_expect "without a server: lost 20, loss_ratio 1" \
	eval 't_json_is "$T/dead.json" lost 20 && t_json_is "$T/dead.json" loss_ratio 1.000000'
t_expect "without a server: RTTs are null" grep -q '"rtt_min_ms":null' "$T/dead.json"

# --- ping-pong resends the same number until answered ----------------------
if command -v socat >/dev/null 2>&1; then
	t_spawn sink socat -u "UDP4-RECV:$PORT1,bind=127.0.0.1" STDOUT
	t_wait_udp "$PORT1" || t_fail "socat sink listens"
	t_spawn pp2 "$CLI" --count 40 --interval 0.1 127.0.0.1 "$PORT1"
	n=0
	for _ in $(seq 1 100); do
		n=$(grep -o '1 hello cli' "$T/sink.log" 2>/dev/null | wc -l)
		[ "$n" -ge 3 ] && break
		sleep 0.05
	done
	t_expect "unanswered ping-pong resends '1 hello cli' ($n times)" [ "$n" -ge 3 ]
	t_expect "and does not move on to 2" eval '! grep -q "2 hello cli" "$T/sink.log"'
	t_stop sink
	t_spawn srv2 "$SRV" -q "$PORT1"
	t_wait_udp "$PORT1" || t_fail "second udpserver listens"
	t_wait_pid "$(t_pid pp2)" 30
	rc=$?
	t_expect "resending ping-pong exits 0" [ "$rc" = 0 ]
	t_expect "its first reply is 2 hello srv" [ "$(grep 'hello srv' "$T/pp2.log" | head -n 1)" = "2 hello srv" ]
	t_expect "and it goes on counting" grep -q '^5 hello srv$' "$T/pp2.log"
	t_stop srv2
else
	echo "# socat not installed: resend test skipped"
fi

# --- the server: malformed datagrams, counters on SIGUSR1 and at exit -------
printf 'junk' >"/dev/udp/127.0.0.1/$PORT0"
printf '1 hello srv' >"/dev/udp/127.0.0.1/$PORT0"	# never answered: no loops
printf '18446744073709551615 hello cli' >"/dev/udp/127.0.0.1/$PORT0"
printf '\0\377\001 hello cli\0binary' >"/dev/udp/127.0.0.1/$PORT0"
# a ping-pong after them: the server read them first (one socket, in order)
timeout 30 "$CLI" -q --count 1 --interval 2 127.0.0.1 "$PORT0" >"$T/pp3.out" 2>&1
rm -f "$T/srv.json"
kill -USR1 "$(t_pid srv)"
for _ in $(seq 1 100); do [ -s "$T/srv.json" ] && break; sleep 0.05; done
t_expect "SIGUSR1 writes the stats file" [ -s "$T/srv.json" ]
t_expect "server counted 4 malformed" t_json_is "$T/srv.json" malformed 4
t_expect "SIGUSR1 prints the counters" t_wait_log srv 'received [0-9]+, replied [0-9]+, malformed 4'
rcv=$(json_get "$T/srv.json" received)
rep=$(json_get "$T/srv.json" replied)
t_expect "received = replied + malformed ($rcv = $rep + 4)" [ "$rcv" = $((rep + 4)) ]
t_expect "server still answers" grep -q '^2 hello srv$' "$T/pp3.out"

rm -f "$T/srv.json"
kill -TERM "$(t_pid srv)"
t_wait_pid "$(t_pid srv)" 10
rc=$?
t_expect "SIGTERM: server exits 0" [ "$rc" = 0 ]
t_expect "stats file written at exit" t_json_is "$T/srv.json" malformed 4

# --- command line -----------------------------------------------------------
"$CLI" --rate abc 127.0.0.1 "$PORT0" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
t_expect "bad --rate exits 2" [ "$rc" = 2 ]
t_expect "and names the token: udpclient: bad --rate 'abc'" grep -q "^udpclient: bad --rate 'abc'" "$T/bad.err"
"$CLI" --frobnicate 127.0.0.1 "$PORT0" >/dev/null 2>"$T/bad2.err"
rc=$?
t_expect "unknown option exits 2 naming it" eval '[ "$rc" = 2 ] && grep -q "'"'"'--frobnicate'"'"'" "$T/bad2.err"'
"$CLI" 127.0.0.1 70000 >/dev/null 2>"$T/bad3.err"
rc=$?
t_expect "bad port exits 2 naming it" eval '[ "$rc" = 2 ] && grep -q "'"'"'70000'"'"'" "$T/bad3.err"'
"$CLI" --size 1400 127.0.0.1 "$PORT0" >/dev/null 2>"$T/bad4.err"
rc=$?
t_expect "measuring without --count exits 2" eval '[ "$rc" = 2 ] && grep -q -- "--count" "$T/bad4.err"'
"$CLI" --count 100000001 --measure 127.0.0.1 "$PORT0" >/dev/null 2>"$T/bad5.err"
rc=$?
t_expect "--count above the cap exits 2" eval '[ "$rc" = 2 ] && grep -q "100000001" "$T/bad5.err"'
"$SRV" --stats >/dev/null 2>"$T/bad6.err"
rc=$?
t_expect "udpserver option without its argument exits 2" [ "$rc" = 2 ]
"$SRV" 0x50 >/dev/null 2>"$T/bad7.err"
rc=$?
t_expect "udpserver bad port exits 2 naming it" eval '[ "$rc" = 2 ] && grep -q "'"'"'0x50'"'"'" "$T/bad7.err"'
"$CLI" --help >"$T/help.out" 2>&1
rc=$?
t_expect "udpclient --help exits 0 with usage" eval '[ "$rc" = 0 ] && grep -q "^usage: udpclient" "$T/help.out"'
"$SRV" --help >"$T/help2.out" 2>&1
rc=$?
t_expect "udpserver --help exits 0 with usage" eval '[ "$rc" = 0 ] && grep -q "^usage: udpserver" "$T/help2.out"'
ver=$(cat "$(dirname "${BASH_SOURCE[0]}")/../../VERSION" 2>/dev/null)
t_expect "--version prints $ver" eval '[ "$("$CLI" --version)" = "udpclient $ver" ] && [ "$("$SRV" --version)" = "udpserver $ver" ]'

t_done
