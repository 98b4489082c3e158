#!/bin/bash
# Command line and config file: --help, --version, -n, and exit status 2 with
# a message naming the bad token (and the config line) for bad input.
. "$(dirname "$0")/../lib.sh"
t_init tunnel_cli
C=$BUILD/mpclient
S=$BUILD/mpserver
ver=$(cat "$(dirname "$0")/../../VERSION")

# expect_err NAME WANT_RC REGEX CMD...: exit status and a message on stderr
expect_err() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$re" "$T/err"; then
		t_ok "$name"
	else
		t_fail "$name (exit $rc, stderr: $(head -c 300 "$T/err"))"
	fi
}

printf '# mptunnel\n\nlocalhost 4001\nlocalhost 4002\n' >"$T/good.conf"
t_ports 4
LP=$PORT0	# a free local port: -n binds the listen address as start does
ARGS_mpclient="4000 $T/good.conf"
ARGS_mpserver="2000 localhost 6666"

for p in mpclient mpserver; do
	args=ARGS_$p
	t_expect "$p --help: usage on stdout, exit 0" eval '"$BUILD/$p" --help | grep -q "^usage: $p"'
	t_expect "$p --version: $p $ver" eval '[ "$("$BUILD/$p" --version)" = "$p $ver" ]'
	expect_err "$p: unknown option exits 2" 2 "unrecognized option '--frob'" "$BUILD/$p" --frob
	expect_err "$p: bad --window names it" 2 "bad --window '100'" "$BUILD/$p" --window 100 1 x y
	expect_err "$p: bad --keepalive names it" 2 "bad --keepalive '1x'" "$BUILD/$p" --keepalive 1x 1 x y
	expect_err "$p: keepalive above path timeout" 2 "path-timeout" \
		"$BUILD/$p" --keepalive 5s --path-timeout 2s ${!args}
done

t_expect "mpclient -n accepts the seed's config" eval '"$C" -n "$LP" "$T/good.conf" >/dev/null'
printf '# mptunnel\nlocalhost 4001\n\nlocalhost 40x2\n' >"$T/bad.conf"
expect_err "mpclient: bad port in config names file, line and token" 2 \
	"bad.conf:4: bad port '40x2'" "$C" -n "$LP" "$T/bad.conf"
printf 'localhost 4001 4002\n' >"$T/bad2.conf"
expect_err "mpclient: extra token in config" 2 "bad2.conf:1: unexpected '4002'" "$C" 4000 "$T/bad2.conf"
printf '# empty\n' >"$T/empty.conf"
expect_err "mpclient: config without bridges" 2 "no bridges" "$C" 4000 "$T/empty.conf"
expect_err "mpclient: missing config file" 2 "nonexistent.conf: No such file" \
	"$C" 4000 "$T/nonexistent.conf"
expect_err "mpclient: bad local port" 2 "bad local port '70000'" "$C" 70000 "$T/good.conf"
expect_err "mpclient: unresolvable bridge names the line" 2 "unres.conf:1: cannot resolve 'no-such-host.invalid'" \
	bash -c 'printf "no-such-host.invalid 4001\n" >"$1/unres.conf"; "$2" -n "$3" "$1/unres.conf"' _ "$T" "$C" "$LP"
expect_err "mpclient: only a config file (the English README's form) asks for PORT" 2 \
	"missing PORT before '.*good.conf'" "$C" "$T/good.conf"
expect_err "mpclient: too many arguments" 2 "unexpected argument" "$C" 4000 "$T/good.conf" extra
t_expect "mpclient --listen/--bridge form passes -n" \
	eval '"$C" -n --listen "127.0.0.1:$LP" --bridge localhost:4001 --bridge "[::1]:4002" >/dev/null'
expect_err "mpclient: bad --bridge" 2 "bad port 'x'" "$C" --listen 4000 --bridge localhost:x
expect_err "mpclient: MPTUNNEL_ENCRYPT=1 without a key" 2 "MPTUNNEL_ENCRYPT.*key" \
	env MPTUNNEL_ENCRYPT=1 "$C" 4000 "$T/good.conf"

t_expect "mpserver -n accepts the seed's form" eval '"$S" -n "$LP" localhost 6666 >/dev/null'
t_expect "mpserver -n accepts --listen/--target" eval '"$S" -n --listen "$LP" --target localhost:6666 >/dev/null'
expect_err "mpserver: bad target port" 2 "bad target port '66x'" "$S" 2000 localhost 66x
expect_err "mpserver: bad listen port" 2 "bad port '0'" "$S" 0 localhost 6666
expect_err "mpserver: missing target" 2 "no target" "$S" --listen 2000
expect_err "mpserver: bad --max-sessions" 2 "bad --max-sessions '0'" "$S" --max-sessions 0 2000 localhost 6666
expect_err "mpserver: unresolvable target" 2 "cannot resolve target 'no-such-host.invalid'" \
	"$S" -n 2000 no-such-host.invalid 6666

# --- setups that -n must catch, and what start does with them (issue 16)
start_rc() {	# start_rc CMD...: exit status of a start, 124 if it was still running after 3 s
	timeout 3 "$@" >"$T/out" 2>"$T/err"
}
mkfifo "$T/fifo.conf"
timeout 5 "$C" -n "$LP" "$T/fifo.conf" >"$T/out" 2>"$T/err"
rc=$?
t_expect "mpclient: a FIFO as config is refused at once (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "fifo.conf: not a regular file" "$T/err"'
expect_err "mpclient: a directory as config is refused" 2 "not a regular file" "$C" -n "$LP" "$T"

for b in 255.255.255.255:4001 224.0.0.1:4001 0.0.0.0:4001 '[ff02::1]:4001'; do
	expect_err "mpclient -n: bridge $b is not a usable unicast address" 2 \
		"bridge .*not a unicast address" "$C" -n --listen "127.0.0.1:$LP" --bridge "$b"
done
expect_err "mpclient -n: bridge [fe80::1%lo]:4001 cannot be reached" 2 \
	"bridge \[fe80::1%lo\]:4001: .*unreachable" "$C" -n --listen "127.0.0.1:$LP" --bridge '[fe80::1%lo]:4001'
start_rc "$C" --listen "127.0.0.1:$LP" --bridge 255.255.255.255:4001
rc=$?
t_expect "mpclient: starting with bridge 255.255.255.255 exits 2 (exit $rc)" [ $rc = 2 ]
start_rc "$C" --listen "127.0.0.1:$LP" --bridge '[fe80::1%lo]:4001'
rc=$?
t_expect "mpclient: starting with bridge fe80::1%lo exits 2 (exit $rc)" [ $rc = 2 ]
expect_err "mpclient -n: --listen on a foreign address" 2 "cannot listen on 198.18.5.5:$LP" \
	"$C" -n --listen "198.18.5.5:$LP" --bridge localhost:4001
start_rc "$C" --listen "198.18.5.5:$LP" --bridge localhost:4001
rc=$?
t_expect "mpclient: starting on a foreign address exits 2 (exit $rc)" [ $rc = 2 ]
expect_err "mpserver -n: --listen on a foreign address" 2 "cannot listen on 198.18.5.5:$LP" \
	"$S" -n --listen "198.18.5.5:$LP" --target localhost:6666
start_rc "$S" --listen "198.18.5.5:$LP" --target localhost:6666
rc=$?
t_expect "mpserver: starting on a foreign address exits 2 (exit $rc)" [ $rc = 2 ]
expect_err "mpserver -n: target 255.255.255.255 is not a unicast address" 2 \
	"target .*not a unicast address" "$S" -n --listen "$LP" --target 255.255.255.255:6666
python3 -c 'import socket,time,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",int(sys.argv[1]))); time.sleep(4)' "$PORT1" &
busy=$!
t_wait_udp "$PORT1"
expect_err "mpclient -n: the listen port is taken" 2 "cannot listen on 127.0.0.1:$PORT1: Address already in use" \
	"$C" -n --listen "127.0.0.1:$PORT1" --bridge localhost:4001
kill $busy 2>/dev/null; wait $busy 2>/dev/null

expect_err "mpclient -n: --stats in a missing folder" 2 "nodir/s.json" \
	"$C" -n --stats "$T/nodir/s.json" "$LP" "$T/good.conf"
start_rc "$C" --stats "$T/nodir/s.json" "$LP" "$T/good.conf"
rc=$?
t_expect "mpclient: --stats in a missing folder fails at start (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "nodir/s.json" "$T/err"'
start_rc "$S" --stats "$T/nodir/s.json" "$LP" localhost 6666
rc=$?
t_expect "mpserver: --stats in a missing folder fails at start (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "nodir/s.json" "$T/err"'

printf 'localhost 4001\n# the same bridge again\n127.0.0.1 4001\n' >"$T/same.conf"
expect_err "mpclient: two lines resolving to one bridge are refused, naming both" 2 \
	"same.conf:3: bridge '127.0.0.1:4001' is the same address as line 1 'localhost:4001'" "$C" -n "$LP" "$T/same.conf"
expect_err "mpclient: --bridge repeating a config line's address is refused" 2 \
	"same address" "$C" -n --listen "$LP" --config "$T/good.conf" --bridge 127.0.0.1:4002
expect_err "mpclient: the extra argument is named" 2 "unexpected argument 'extra'" \
	"$C" -n 42000 "$T/good.conf" extra
expect_err "mpserver: the extra argument is named" 2 "unexpected argument 'extra'" \
	"$S" -n 2000 localhost 6666 extra
printf 'b\xc3\xbccher.invalid 4001\n' >"$T/utf8.conf"
expect_err "mpclient: a UTF-8 host name is resolved, not called a control byte" 2 \
	"utf8.conf:1: cannot resolve 'b.*cher.invalid'" "$C" -n "$LP" "$T/utf8.conf"
printf 'b\xc3cher.invalid 4001\n' >"$T/latin1.conf"
expect_err "mpclient: a byte that is not UTF-8 is named as such" 2 \
	"latin1.conf:1: invalid UTF-8 byte 0xc3" "$C" -n "$LP" "$T/latin1.conf"
printf 'localhost 4001 # \xc3\xa9t\xc3\xa9\n' >"$T/utf8c.conf"
t_expect "mpclient: UTF-8 in a comment is fine" eval '"$C" -n "$LP" "$T/utf8c.conf" >/dev/null'

# a config of exactly 1 MiB is allowed, one byte more is not
python3 - "$T/mib.conf" 1048576 <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
head = b"localhost 4001\n"
line = b"#" + b"x" * 62 + b"\n"
body = head + line * ((size - len(head)) // len(line))
body += b"#" * (size - len(body) - 1) + b"\n" if size > len(body) else b""
assert len(body) == size, len(body)
open(path, "wb").write(body)
PY
t_expect "mpclient: a config of exactly 1 MiB is accepted" eval '"$C" -n "$LP" "$T/mib.conf" >/dev/null 2>"$T/err"'
printf '#' >>"$T/mib.conf"
expect_err "mpclient: a config of 1 MiB + 1 byte is refused" 2 "mib.conf: file too large \(at most 1 MiB\)" \
	"$C" -n "$LP" "$T/mib.conf"

# a key file owned by another user (not root) is refused, as ssh does
if [ "$(id -u)" = 0 ]; then
	"$C" --genkey >"$T/other.key" && chmod 600 "$T/other.key" && chown 65534 "$T/other.key"
	expect_err "mpclient: a key file owned by another user is refused" 2 \
		"other.key: .*owned by uid 65534" "$C" -n --key-file "$T/other.key" "$LP" "$T/good.conf"
	expect_err "mpserver: a key file owned by another user is refused" 2 \
		"other.key: .*owned by uid 65534" "$S" -n --key-file "$T/other.key" "$LP" localhost 6666
else
	t_skip "key file owned by another user (needs root to chown)"
fi

# IPv6 bridges are named with brackets
t_spawn v6 "$C" --listen "127.0.0.1:$LP" --bridge "[::1]:$PORT2" --bridge "127.0.0.1:$PORT2"
t_wait_udp "$LP"
kill -USR1 "$(t_pid v6)"
t_wait_log v6 "path 1 " 3
t_stop v6
t_expect "mpclient: an IPv6 bridge is logged as [::1]:$PORT2" \
	eval 'grep -q "\[::1\]:$PORT2" "$T/v6.log" && ! grep -q "[^[]::1:$PORT2" "$T/v6.log"'

# the default listen address does not invite strangers: loopback only
t_spawn deflt "$C" "$LP" "$T/good.conf"
t_wait_udp "$LP"
socks=$(ss -Hlun "sport = :$LP" | awk '{print $4}' | sort | paste -sd' ' -)
t_stop deflt
t_expect "mpclient PORT CONFIG listens on loopback only ($socks)" \
	eval 'echo "$socks" | grep -q "127.0.0.1:$LP" && echo "$socks" | grep -q "\[::1\]:$LP" &&
	      ! echo "$socks" | grep -Eq "(0.0.0.0|\*|\[::\]):$LP"'
grep -q "all addresses" "$T/deflt.log"
t_expect "and does not warn about it" [ $? != 0 ]
for any in 0.0.0.0 "[::]"; do
	t_spawn any "$C" --listen "$any:$LP" --config "$T/good.conf"
	t_wait_log any "listening" 3
	t_stop any
	t_expect "mpclient --listen $any:PORT works and warns that anyone can send through it" \
		grep -q "listening on all addresses.*--listen 127.0.0.1:$LP" "$T/any.log"
	rm -f "$T/any.log"
done
t_done
