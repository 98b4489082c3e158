#!/bin/bash
# One mpserver for several clients (issue 13): mpserver -c FILE with two
# clients, each with its own key and target; -n and start refuse a bad file
# naming file, line and token (exit 2); each client reaches its own target
# only; a reload (mpctl reload) adds a client and removes one without a
# restart, all or nothing (a bad file is refused naming file and line, the
# running configuration kept).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_clients
t_need_built mpclient mpserver mpctl udpclient udpserver
MPCTL=$BUILD/mpctl

t_ports 6 || exit 1
TA=$PORT0 TB=$PORT1 SERVER_PORT=$PORT2 CA=$PORT3 CB=$PORT4 CC=$PORT5
umask 077
for k in alice bob carol; do "$BUILD/mpserver" --genkey >"$T/$k.key"; done
mkdir -p "$T/etc"
cp "$T/alice.key" "$T/bob.key" "$T/carol.key" "$T/etc/"

write_conf() {	# the clients given, each "NAME TARGETPORT"
	{
		echo "# mpserver for two targets"
		echo "listen 127.0.0.1:$SERVER_PORT"
		echo "max-sessions 16"
		for c in "$@"; do
			set -- $c
			echo "[client $1]"
			echo "key $1.key            # relative to this file's folder"
			echo "target 127.0.0.1:$2"
		done
	} >"$T/etc/mpserver.conf.tmp" && mv "$T/etc/mpserver.conf.tmp" "$T/etc/mpserver.conf"
}

# --- the file's errors: file, line and token, exit 2 ---
printf 'listen 127.0.0.1:%s\ntarget 127.0.0.1:%s\nallow 127.0.0.1:99999\n' "$SERVER_PORT" "$TA" >"$T/bad1.conf"
"$BUILD/mpserver" -n -c "$T/bad1.conf" >"$T/bad1.out" 2>&1
rc=$?
t_expect "a bad allow rule: exit $rc, names file, line and token ($(head -c 150 "$T/bad1.out"))" \
	eval '[ $rc = 2 ] && grep -q "bad1.conf:3: bad allow rule .127.0.0.1:99999." "$T/bad1.out"'
printf 'target 127.0.0.1:%s\n[client eve]\nkey nowhere.key\n' "$TA" >"$T/bad2.conf"
"$BUILD/mpserver" -n -c "$T/bad2.conf" --listen "$SERVER_PORT" >"$T/bad2.out" 2>&1
rc=$?
t_expect "a missing key file: exit $rc, names the client, its line and the file ($(head -c 150 "$T/bad2.out"))" \
	eval '[ $rc = 2 ] && grep -q "bad2.conf: client .eve. (line 2): key .nowhere.key." "$T/bad2.out"'
printf 'target 127.0.0.1:%s\nfrobnicate 3\n' "$TA" >"$T/bad3.conf"
"$BUILD/mpserver" -c "$T/bad3.conf" --listen "$SERVER_PORT" --no-control >"$T/bad3.out" 2>&1
rc=$?
t_expect "start refuses an unknown keyword like -n (exit $rc: $(head -c 120 "$T/bad3.out"))" \
	eval '[ $rc = 2 ] && grep -q "bad3.conf:2: unknown keyword .frobnicate." "$T/bad3.out"'

write_conf "alice $TA" "bob $TB"
"$BUILD/mpserver" -n -c "$T/etc/mpserver.conf" >"$T/check.out" 2>&1
t_expect "-n accepts the two-client file ($(head -c 150 "$T/check.out"))" \
	grep -q "configuration OK: listen 127.0.0.1:$SERVER_PORT, .*2 clients.*encrypted (2 keys)" "$T/check.out"

# --- two clients, two keys, two targets, one mpserver ---
t_spawn targetA "$BUILD/udpserver" --bind 127.0.0.1 --stats "$T/targetA.json" "$TA"
t_spawn targetB "$BUILD/udpserver" --bind 127.0.0.1 --stats "$T/targetB.json" "$TB"
t_wait_udp "$TA" && t_wait_udp "$TB" || { t_fail "targets up"; t_done; }
t_spawn server "$BUILD/mpserver" -c "$T/etc/mpserver.conf" --stats "$T/server.json" \
	--control "$T/s.sock"
t_wait_udp "$SERVER_PORT" || { t_fail "mpserver -c up"; t_done; }
client() { tun_direct "$1" "$2" "$SERVER_PORT" --key-file "$T/$3.key"; }	# TAG PORT KEY
run() { tun_count "$1" "$2" 200 400; }	# TAG PORT: 200 round trips, prints received
received() { t_stats "$1" "$T/$1.json" received; }

client alice "$CA" alice && client bob "$CB" bob || { t_fail "mpclients up"; t_done; }
tun_wait_ready "$CA" && tun_wait_ready "$CB"
t_expect "both clients' tunnels up through one mpserver" [ $? = 0 ]
a0=$(received targetA) b0=$(received targetB)
ra=$(run runA "$CA")
a1=$(received targetA) b1=$(received targetB)
rb=$(run runB "$CB")
a2=$(received targetA) b2=$(received targetB)
t_expect "alice's 200 round trips reach her target only (back $ra; target A +$((a1 - a0)), B +$((b1 - b0)))" \
	eval '[ "$ra" = 200 ] && [ $((a1 - a0)) = 200 ] && [ $((b1 - b0)) = 0 ]'
t_expect "bob's 200 round trips reach his target only (back $rb; target A +$((a2 - a1)), B +$((b2 - b1)))" \
	eval '[ "$rb" = 200 ] && [ $((a2 - a1)) = 0 ] && [ $((b2 - b1)) = 200 ]'

# --- reload: carol added, bob removed, without a restart ---
spid=$(t_pid server)
write_conf "alice $TA" "carol $TB"
"$MPCTL" -s "$T/s.sock" reload >"$T/r1.out" 2>&1
t_expect "reload: carol added, bob removed ($(head -c 200 "$T/r1.out"))" \
	grep -q "^reloaded: 2 keys: 1 added, 1 removed; 1 sessions closed; 2 clients" "$T/r1.out"
client carol "$CC" carol || { t_fail "carol's mpclient up"; t_done; }
tun_wait_ready "$CC"
t_expect "carol's tunnel up after the reload, mpserver not restarted" \
	eval '[ $? = 0 ] && kill -0 $spid && [ "$(t_pid server)" = $spid ]'
b0=$(received targetB)
rc_=$(run runC "$CC") rb=$(run runB2 "$CB") ra=$(run runA2 "$CA")
b1=$(received targetB)
t_expect "carol reaches her target ($rc_ of 200), alice still hers ($ra), bob nothing ($rb; target B +$((b1 - b0)))" \
	eval '[ "$rc_" = 200 ] && [ "$ra" = 200 ] && [ "$rb" = 0 ] && [ $((b1 - b0)) = 200 ]'
t_stats server "$T/server.json" sessions_open >/dev/null
t_expect "bob's datagrams are counted drops at mpserver (key_id: $(t_json_in "$T/server.json" drops key_id))" \
	eval '[ "$(t_json_in "$T/server.json" drops key_id)" -gt 0 ]'

# a bad reload is refused, naming file and line; the running clients stay
write_conf "alice $TA" "carol $TB"
echo "allow nonsense" >>"$T/etc/mpserver.conf"
"$MPCTL" -s "$T/s.sock" reload >"$T/r2.out" 2>&1
t_expect "a bad file refuses the whole reload ($(head -c 150 "$T/r2.out"))" \
	eval 'grep -q "mpserver.conf:[0-9]*: bad allow rule .nonsense." "$T/r2.out" && ! grep -q "^reloaded" "$T/r2.out"'
rc_=$(run runC2 "$CC")
t_expect "carol still served after the refused reload ($rc_ of 200)" [ "$rc_" = 200 ]
t_done
