#!/bin/bash
# The keyed tunnel: --genkey, --key-file, MPTUNNEL_ENCRYPT; traffic flows
# sealed; strangers, wrong keys, plaintext and replays get nothing through.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_crypto
SEND="python3 $ROOT/tests/udpsend.py"

KEY=$T/tunnel.key
(umask 077 && "$BUILD/mpclient" --genkey >"$KEY")
t_expect "--genkey prints a 44-character base64 key and its suite" \
	eval '[ "$(head -n 1 "$KEY" | tr -d "\n" | wc -c)" = 44 ] && [ "$(wc -l <"$KEY")" = 2 ] &&
		grep -Eqx "suite (aes-256-gcm|chacha20-poly1305)" "$KEY"'
if grep -qw aes "/proc/cpuinfo" && grep -qw pclmulqdq /proc/cpuinfo; then want=aes-256-gcm
else want=chacha20-poly1305; fi
t_expect "--genkey's default suite follows the CPU ($want)" grep -qx "suite $want" "$KEY"
"$BUILD/mpclient" --genkey=chacha20-poly1305 >"$T/genkey.out"
t_expect "--genkey=chacha20-poly1305 names that suite" grep -qx "suite chacha20-poly1305" "$T/genkey.out"
"$BUILD/mpserver" --genkey=aes-128-cbc >/dev/null 2>"$T/err"
rc=$?
t_expect "--genkey with an unknown suite exits 2 naming it (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "aes-128-cbc" "$T/err"'
(umask 077 && "$BUILD/mpserver" --genkey >"$T/other.key")
t_expect "two --genkey runs differ" eval '! cmp -s "$KEY" "$T/other.key"'
cp "$KEY" "$T/open.key" && chmod 644 "$T/open.key"
"$BUILD/mpserver" -n --key-file "$T/open.key" 2000 localhost 6666 >/dev/null 2>"$T/err"
rc=$?
t_expect "a key file readable by others is refused with 'chmod 600' (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "chmod 600" "$T/err"'
printf 'not a key\n' >"$T/bad.key" && chmod 600 "$T/bad.key"
"$BUILD/mpclient" -n --key-file "$T/bad.key" --listen 4000 --bridge localhost:4001 >/dev/null 2>"$T/err"
rc=$?
t_expect "a malformed key file is refused without echoing it (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "bad.key" "$T/err" && ! grep -q "not a key" "$T/err"'

tun_ports
tun_target
tun_server --key-file "$KEY" --suite aes-256-gcm
tun_bridges
MPTUNNEL_ENCRYPT=1 tun_client --key-file "$KEY" --suite aes-256-gcm
t_expect "keyed tunnel up (MPTUNNEL_ENCRYPT=1 with a key file)" tun_wait_ready
tun_measure m --count 1000 --rate 2000 --size 500 --timeout 1s
t_expect "1000 sealed datagrams: $(json_get "$T/m.json" lost) lost, $(json_get "$T/m.json" duplicates) duplicates" \
	eval '[ "$(json_get "$T/m.json" lost)" = 0 ] && [ "$(json_get "$T/m.json" duplicates)" = 0 ]'
grep -q "no key" "$T/server.log"
t_expect "a keyed mpserver does not warn about unauthenticated traffic" [ $? != 0 ]

base=$(t_stats target "$T/target.json" received)
back=$($SEND "$SERVER_PORT" flip 3000)
back2=$($SEND "$SERVER_PORT" sessions 3000)
t_expect "forged and bit-flipped datagrams get no answer but NOTICEs ($back, $back2)" [ "$back$back2" = 00 ]
rcv=$(t_stats target "$T/target.json" received)
t_expect "none of them reached the target ($base -> $rcv)" [ "$rcv" = "$base" ]
open=$(t_stats server "$T/server.json" sessions_open)
t_expect "they created no session (open: $open)" [ "$open" = 1 ]

# a client with another key, one without a key and one with another suite:
# nothing gets through, and both ends say why within a few seconds
CLIENT_PORT_SAVE=$CLIENT_PORT
for variant in wrongkey nokey wrongsuite; do
	t_ports 1
	CLIENT_PORT=$PORT0
	case $variant in
	wrongkey) args=(--key-file "$T/other.key") ;;
	nokey) args=() ;;
	wrongsuite) args=(--key-file "$KEY" --suite chacha20-poly1305) ;;
	esac
	# straight to mpserver: a bridge keeps replying to the first client it learnt
	t_spawn "c_$variant" "$BUILD/mpclient" "${args[@]}" --listen "127.0.0.1:$CLIENT_PORT" \
		--bridge "127.0.0.1:$SERVER_PORT"
	t_wait_udp "$CLIENT_PORT"
	tun_measure "$variant" --count 50 --rate 100 --timeout 500ms
	t_expect "$variant client: 0 of 50 answered" [ "$(json_get "$T/$variant.json" received)" = 0 ]
	case $variant in
	wrongkey) want_c="unknown key id"; want_s="unknown key id" ;;
	nokey) want_c="we are unkeyed, the server is keyed"; want_s="unsealed datagram" ;;
	wrongsuite) want_c="cipher suite not accepted"; want_s="cipher suite not accepted" ;;
	esac
	t_expect "$variant: mpclient logs mpserver's NOTICE ('$want_c', unauthenticated, with the path)" \
		t_wait_log "c_$variant" "says, unauthenticated: $want_c"
	t_expect "$variant: mpserver logs '$want_s' with the peer's address" \
		t_wait_log server "from 127.0.0.1:[0-9]*: $want_s"
	t_stop "c_$variant"
done
CLIENT_PORT=$CLIENT_PORT_SAVE
rcv=$(t_stats target "$T/target.json" received)
t_expect "the target saw none of their datagrams ($base -> $rcv)" [ "$rcv" = "$base" ]
kid=$(t_stats server "$T/server.json" key_id)
plain=$(json_get "$T/server.json" plaintext)
suite=$(json_get "$T/server.json" suite)
notices=$(json_get "$T/server.json" notices)
t_expect "mpserver counted them: key_id $kid, plaintext $plain, suite $suite" \
	eval 'in_range "$kid" 50 100000 && in_range "$plain" 3050 100000 && in_range "$suite" 50 100000'
t_expect "NOTICEs rate-limited: $notices for ~6,000 refused datagrams from a few sources" \
	in_range "$notices" 3 60
t_done
