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

t_expect "mpclient -n accepts the seed's config" eval '"$C" -n 4000 "$T/good.conf" >/dev/null'
printf '# mptunnel\nlocalhost 4001\n\nlocalhost 40x2\n' >"$T/bad.conf"
expect_err "mpclient: bad port in config names file, line and token" 2 \
	"bad.conf:4: bad port '40x2'" "$C" -n 4000 "$T/bad.conf"
printf 'localhost 4001 4002\n' >"$T/bad2.conf"
expect_err "mpclient: extra token in config" 2 "bad2.conf:1: unexpected '4002'" "$C" 4000 "$T/bad2.conf"
printf '# empty\n' >"$T/empty.conf"
expect_err "mpclient: config without bridges" 2 "no bridges" "$C" 4000 "$T/empty.conf"
expect_err "mpclient: missing config file" 2 "nonexistent.conf: No such file" \
	"$C" 4000 "$T/nonexistent.conf"
expect_err "mpclient: bad local port" 2 "bad local port '70000'" "$C" 70000 "$T/good.conf"
expect_err "mpclient: unresolvable bridge names the line" 2 "unres.conf:1: cannot resolve 'no-such-host.invalid'" \
	bash -c 'printf "no-such-host.invalid 4001\n" >"$1/unres.conf"; "$2" -n 4000 "$1/unres.conf"' _ "$T" "$C"
expect_err "mpclient: only a config file (the English README's form) asks for PORT" 2 \
	"missing PORT before '.*good.conf'" "$C" "$T/good.conf"
expect_err "mpclient: too many arguments" 2 "unexpected argument" "$C" 4000 "$T/good.conf" extra
t_expect "mpclient --listen/--bridge form passes -n" \
	eval '"$C" -n --listen 127.0.0.1:4000 --bridge localhost:4001 --bridge "[::1]:4002" >/dev/null'
expect_err "mpclient: bad --bridge" 2 "bad port 'x'" "$C" --listen 4000 --bridge localhost:x
expect_err "mpclient: MPTUNNEL_ENCRYPT=1 without a key" 2 "MPTUNNEL_ENCRYPT.*key" \
	env MPTUNNEL_ENCRYPT=1 "$C" 4000 "$T/good.conf"

t_expect "mpserver -n accepts the seed's form" eval '"$S" -n 2000 localhost 6666 >/dev/null'
t_expect "mpserver -n accepts --listen/--target" eval '"$S" -n --listen 2000 --target localhost:6666 >/dev/null'
expect_err "mpserver: bad target port" 2 "bad target port '66x'" "$S" 2000 localhost 66x
expect_err "mpserver: bad listen port" 2 "bad port '0'" "$S" 0 localhost 6666
expect_err "mpserver: missing target" 2 "no target" "$S" --listen 2000
expect_err "mpserver: bad --max-sessions" 2 "bad --max-sessions '0'" "$S" --max-sessions 0 2000 localhost 6666
expect_err "mpserver: unresolvable target" 2 "cannot resolve target 'no-such-host.invalid'" \
	"$S" -n 2000 no-such-host.invalid 6666
t_done
