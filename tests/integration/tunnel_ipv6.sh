#!/bin/bash
# IPv6 through the tunnel (issue 13): mpserver listening on [::] serves an
# IPv6 path and an IPv4 path alike (one dual-stack socket, IPV6_V6ONLY off);
# mpclient names an IPv6 target (--target [::1]:PORT) that mpserver allows
# (--allow [::1]:PORT) and reaches it over an IPv6 path; an IPv4 client
# through the same socket reaches the IPv4 default target; an IPv6 target
# not allowed gets nothing.  On loopback ::1 (skipped when the host has no
# IPv6 loopback).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_ipv6
t_need_built mpclient mpserver udpclient udpserver
if ! python3 -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
	t_skip "no IPv6 loopback on this host"
	t_done
fi

t_ports 6 || exit 1
T4=$PORT0 T6=$PORT1 T6B=$PORT2 SP=$PORT3 C6=$PORT4 C4=$PORT5
umask 077
"$BUILD/mpserver" --genkey >"$T/k.key"
t_spawn target4 "$BUILD/udpserver" --bind 127.0.0.1 --stats "$T/target4.json" "$T4"
t_spawn target6 "$BUILD/udpserver" --bind ::1 --stats "$T/target6.json" "$T6"
t_spawn target6b "$BUILD/udpserver" --bind ::1 --stats "$T/target6b.json" "$T6B"
t_wait_udp "$T4" && t_wait_udp "$T6" && t_wait_udp "$T6B" || { t_fail "targets up"; t_done; }
t_spawn server "$BUILD/mpserver" --listen "[::]:$SP" --target "127.0.0.1:$T4" \
	--allow "[::1]:$T6" --key-file "$T/k.key" --stats "$T/server.json" --no-control
t_wait_udp "$SP" || { t_fail "mpserver on [::] up"; t_done; }
t_spawn c6 "$BUILD/mpclient" --listen "127.0.0.1:$C6" --bridge "[::1]:$SP" \
	--target "[::1]:$T6" --key-file "$T/k.key" --stats "$T/c6.json" --no-control
t_spawn c4 "$BUILD/mpclient" --listen "127.0.0.1:$C4" --bridge "127.0.0.1:$SP" \
	--key-file "$T/k.key" --stats "$T/c4.json" --no-control
t_wait_udp "$C6" && t_wait_udp "$C4" || { t_fail "mpclients up"; t_done; }
run() {	# TAG PORT COUNT: round trips once the tunnel is up (bounded), prints received
	tun_wait_ready "$2"
	tun_count "$1" "$2" "$3" 500
}
got() { t_stats "$1" "$T/$1.json" received; }
r6=$(run r6 "$C6" 200)
t_expect "an IPv6 path to mpserver on [::] and an allowed IPv6 target: $r6 of 200 round trips (target [::1] got $(got target6))" \
	eval '[ "$r6" = 200 ] && [ "$(got target6)" -ge 200 ]'
r4=$(run r4 "$C4" 200)
t_expect "an IPv4 path into the same dual-stack socket, the IPv4 default target: $r4 of 200 (target got $(got target4))" \
	eval '[ "$r4" = 200 ] && [ "$(got target4)" -ge 200 ]'
t_stats server "$T/server.json" sessions_open >/dev/null
t_expect "mpserver saw both paths, one IPv6, one IPv4 (v4-mapped)" \
	eval 'grep -q "\"peer\":\"\[::1\]:" "$T/server.json" && grep -q "\"peer\":\"\[::ffff:127.0.0.1\]:\|\"peer\":\"127.0.0.1:" "$T/server.json"'
# an IPv6 target not allowed
t_stop c4 TERM
t_spawn c6b "$BUILD/mpclient" --listen "127.0.0.1:$C4" --bridge "[::1]:$SP" \
	--target "[::1]:$T6B" --key-file "$T/k.key" --stats "$T/c6b.json" --no-control
t_wait_udp "$C4" || { t_fail "mpclient up"; t_done; }
"$BUILD/udpclient" --quiet --json --count 200 --rate 500 --timeout 1s 127.0.0.1 "$C4" \
	>"$T/r6b.json" 2>/dev/null
t_expect "an IPv6 target not allowed: 0 of 200 back, its target got $(got target6b)" \
	eval '[ "$(json_get "$T/r6b.json" received)" = 0 ] && [ "$(got target6b)" = 0 ]'
t_done
