#!/bin/bash
# Live key rotation (issue 16 item 7; README "Rotating keys"): round trips at
# 200 a second through three mpbridge paths while the key changes by the
# documented procedure: (1) the new key file into mpserver's --key-dir and
# reload; (2) mpclient's key file replaced and reload; (3) the old key file
# removed from mpserver's folder and reload.  Nothing is lost or duplicated
# (udpclient's sequence numbers; the target counts what reaches it), the
# session moves to the new key without restarting, a reload with a bad key
# file is refused naming file and line (the running keys kept), and after
# mpclient's --key-grace the old key is refused: the third bridge holds its
# replies back 3 s, so copies sealed under the old key reach mpclient after
# the grace period and must be counted drops (key_id).  ROTATE=restart
# rotates by restarting both ends instead (what was possible before): it fails.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_rotate
t_need_built mpclient mpserver mpbridge mpctl udpclient udpserver
MPCTL=$BUILD/mpctl

tun_ports
umask 077
mkdir -p "$T/keys"
"$BUILD/mpclient" --genkey=chacha20-poly1305 >"$T/old.key"
"$BUILD/mpclient" --genkey=chacha20-poly1305 >"$T/new.key"
cp "$T/old.key" "$T/keys/old.key"
cp "$T/old.key" "$T/client.key"

tun_target || { t_fail "target up"; t_done; }
tun_server --key-dir "$T/keys" --control "$T/s.sock" || { t_fail "mpserver up"; t_done; }
for i in 0 1 2; do
	extra=()
	# the third path's replies come 3 s late: old-key copies outlive the grace period
	[ "$i" = 2 ] && extra=(--dir s2c --delay 3s)
	tun_mpbridge "$i" --stats "$T/bridge$i.json" "${extra[@]}" || { t_fail "bridge $i up"; t_done; }
done
tun_client --key-file "$T/client.key" --key-grace 1s --control "$T/c.sock" && tun_wait_ready ||
	{ t_fail "keyed tunnel up"; t_done; }
t_ok "keyed tunnel up (mpserver --key-dir, three paths, one with replies 3 s late)"

# a reload with a bad key file is refused, naming the file and line; the keys stay
printf 'not a key\n' >"$T/keys/bad.key"
"$MPCTL" -s "$T/s.sock" reload >"$T/bad.out" 2>&1
t_expect "a bad key file refuses the whole reload, naming file and line" \
	eval 'grep -q "bad.key: line 1" "$T/bad.out" && ! grep -q "^reloaded" "$T/bad.out"'
"$BUILD/mpserver" -n --key-dir "$T/keys" --no-control "$((SERVER_PORT + 1000))" localhost \
	"$TARGET_PORT" >"$T/check.out" 2>&1
rc=$?
t_expect "mpserver -n checks every key file (exit $rc, naming bad.key)" \
	eval '[ $rc = 2 ] && grep -q "bad.key: line 1" "$T/check.out"'
rm -f "$T/keys/bad.key"
tun_measure after_bad --count 200 --rate 500 --timeout 1s
t_expect "the running key still serves after the refused reload" \
	[ "$(json_get "$T/after_bad.json" received)" = 200 ]
t_stats target "$T/target.json" received >/dev/null
base=$(json_get "$T/target.json" received)

# traffic both ways, 200 a second for 14 s, while the key rotates
N=2800
tun_measure rotate --count $N --rate 200 --timeout 5s &
mp=$!
sleep 2		# scenario time: traffic under the old key first
if [ "${ROTATE:-reload}" = restart ]; then
	# the way before live rotation (ROTATE=restart shows this test failing):
	# restart both ends with the new key
	cp "$T/new.key" "$T/keys/new.key" && rm -f "$T/keys/old.key"
	t_stop server TERM
	tun_server --key-dir "$T/keys" --control "$T/s.sock"
	cp "$T/new.key" "$T/client.key"
	t_stop client TERM
	tun_client --key-file "$T/client.key" --key-grace 1s --control "$T/c.sock"
else
	cp "$T/new.key" "$T/keys/new.key"
	"$MPCTL" -s "$T/s.sock" reload >"$T/r1.out" 2>&1
	sleep 2
	cp "$T/new.key" "$T/client.key.tmp" && mv "$T/client.key.tmp" "$T/client.key"
	"$MPCTL" -s "$T/c.sock" reload >"$T/r2.out" 2>&1
	sleep 2
	rm -f "$T/keys/old.key"
	"$MPCTL" -s "$T/s.sock" reload >"$T/r3.out" 2>&1
fi
t_wait_pid $mp 40
t_expect "step 1: mpserver takes the new key beside the old ($(head -c 120 "$T/r1.out"))" \
	grep -q "^reloaded: 2 keys: 1 added, 0 removed; 0 sessions closed" "$T/r1.out"
t_expect "step 2: mpclient seals with the new key ($(head -c 120 "$T/r2.out"))" \
	grep -q "^reloaded: key [0-9a-f]* replaces [0-9a-f]*" "$T/r2.out"
t_expect "step 3: mpserver drops the old key, no session closed ($(head -c 120 "$T/r3.out"))" \
	grep -q "^reloaded: 1 keys: 0 added, 1 removed; 0 sessions closed" "$T/r3.out"

sent=$(json_get "$T/rotate.json" sent)
lost=$(json_get "$T/rotate.json" lost)
dups=$(json_get "$T/rotate.json" duplicates)
t_stats target "$T/target.json" received >/dev/null
up=$(( $(json_get "$T/target.json" received) - base ))
t_expect "no round trip lost during the rotation (sent $sent, lost $lost)" \
	eval '[ "$sent" = $N ] && [ "$lost" = 0 ]'
t_expect "no duplicate either way (replies $dups, target got $up of $sent)" \
	eval '[ "$dups" = 0 ] && [ "$up" = "$sent" ]'

"$MPCTL" -s "$T/c.sock" -s "$T/s.sock" show --json >"$T/show.json" 2>&1
t_expect "one session throughout; it moved to the new key; the old key refused after the grace period" python3 - "$T/show.json" <<'PY'
import json, sys
c, s = json.load(open(sys.argv[1]))
cc, sc = c, s
print("client key_changes", cc["key_changes"], "drops", cc["drops"],
      "server key_changes", sc["key_changes"], "key_closed", sc["key_closed"], "sessions", s.get("sessions_open"))
assert cc["key_changes"] == 1, cc
assert sc["key_changes"] == 1 and sc["key_closed"] == 0, sc
# copies sealed under the old key arrived on the late path after the grace period
assert cc["drops"].get("key_id", 0) >= 50, cc["drops"]
assert cc["drops"].get("bad_tag", 0) == 0 and sc["drops"].get("bad_tag", 0) == 0
PY

# after the old key is gone from mpserver, a client still holding it is refused (counted)
"$BUILD/mpclient" --key-file "$T/old.key" --no-control --stats "$T/stale.json" \
	"$((CLIENT_PORT + 1000))" "$CONF" >"$T/stale.log" 2>&1 &
stale=$!
t_wait_udp "$((CLIENT_PORT + 1000))"
"$BUILD/udpclient" --quiet --json --count 20 --rate 100 --timeout 500ms 127.0.0.1 \
	"$((CLIENT_PORT + 1000))" >"$T/stale_run.json" 2>/dev/null
kill -TERM $stale
t_wait_pid $stale 5
"$MPCTL" -s "$T/s.sock" show --json >"$T/show2.json" 2>&1
t_expect "a client under the removed key gets nothing through (key_id drops at mpserver)" python3 - "$T/show2.json" "$T/stale_run.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
if isinstance(s, list):
    s = s[0]
run = json.load(open(sys.argv[2]))
assert run["received"] == 0, run
assert s["drops"].get("key_id", 0) > 0, s["drops"]
PY
t_done
