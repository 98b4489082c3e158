#!/bin/bash
# The target map (issue 13): mpclient --target names its flows' target (a
# name mpserver maps, or an address it allows this client; PROTOCOL.md's
# TARGET descriptor); mpserver forwards only there.  Without --target, the
# single-target behaviour is unchanged.  N datagrams of a client whose
# target is not allowed: 0 reach it, N counted target_denied at mpserver,
# and mpclient logs a clear line from mpserver's NOTICE (keyed: sealed;
# unkeyed: in the clear).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_targets
t_need_built mpclient mpserver udpclient udpserver
N=${N:-1000}

t_ports 10 || exit 1
T0=$PORT0 T1=$PORT1 T2=$PORT2 SP=$PORT3 SP2=$PORT4 C0=$PORT5 C1=$PORT6 C2=$PORT7 C3=$PORT8 C4=$PORT9
umask 077
"$BUILD/mpserver" --genkey >"$T/k.key"
for i in 0 1 2; do
	p=$(eval echo "\$T$i")
	t_spawn "target$i" "$BUILD/udpserver" --bind 127.0.0.1 --stats "$T/target$i.json" "$p"
	t_wait_udp "$p" || { t_fail "target $i up"; t_done; }
done
cat >"$T/mpserver.conf" <<CONF
listen 127.0.0.1:$SP
key k.key
target 127.0.0.1:$T0          # flows that name no target
allow 127.0.0.1:$T1           # an address clients may name
map echo 127.0.0.1:$T1        # a name clients may use
CONF
t_spawn server "$BUILD/mpserver" -c "$T/mpserver.conf" --stats "$T/server.json" --no-control
t_wait_udp "$SP" || { t_fail "mpserver up"; t_done; }

got() { t_stats "target$1" "$T/target$1.json" received; }

tun_direct c0 "$C0" "$SP" --key-file "$T/k.key" &&
tun_direct c1 "$C1" "$SP" --key-file "$T/k.key" --target "127.0.0.1:$T1" &&
tun_direct c2 "$C2" "$SP" --key-file "$T/k.key" --target echo &&
tun_direct c3 "$C3" "$SP" --key-file "$T/k.key" --target "127.0.0.1:$T2" ||
	{ t_fail "mpclients up"; t_done; }
tun_wait_ready "$C0" && tun_wait_ready "$C1" && tun_wait_ready "$C2"
t_expect "three clients' tunnels up (default target, an allowed address, a mapped name)" [ $? = 0 ]

g0=$(got 0) g1=$(got 1) g2=$(got 2)
r0=$(tun_count r0 "$C0" 200 1000)
h0=$(got 0) h1=$(got 1)
t_expect "no --target: the default target, as before ($r0 of 200 back; target0 +$((h0 - g0)), target1 +$((h1 - g1)))" \
	eval '[ "$r0" = 200 ] && [ $((h0 - g0)) = 200 ] && [ $((h1 - g1)) = 0 ]'
r1=$(tun_count r1 "$C1" 200 1000)
i0=$(got 0) i1=$(got 1)
t_expect "--target ADDR:PORT allowed: reaches it only ($r1 of 200; target1 +$((i1 - h1)), target0 +$((i0 - h0)))" \
	eval '[ "$r1" = 200 ] && [ $((i1 - h1)) = 200 ] && [ $((i0 - h0)) = 0 ]'
r2=$(tun_count r2 "$C2" 200 1000)
j0=$(got 0) j1=$(got 1)
t_expect "--target NAME mapped by mpserver: reaches it ($r2 of 200; target1 +$((j1 - i1)), target0 +$((j0 - i0)))" \
	eval '[ "$r2" = 200 ] && [ $((j1 - i1)) = 200 ] && [ $((j0 - i0)) = 0 ]'

# a target not allowed: 0 of N reach it, N counted, the client told
d0=$(t_stats server "$T/server.json" sessions_open >/dev/null; t_json_in "$T/server.json" drops target_denied)
r3=$(tun_count r3 "$C3" "$N" 1000)
k0=$(got 0) k1=$(got 1) k2=$(got 2)
t_stats server "$T/server.json" sessions_open >/dev/null
d1=$(t_json_in "$T/server.json" drops target_denied)
t_expect "--target not allowed: 0 of $N reach any target (back $r3; target2 +$((k2 - g2)), target0 +$((k0 - j0)), target1 +$((k1 - j1)))" \
	eval '[ "$r3" = 0 ] && [ $((k2 - g2)) = 0 ] && [ $((k0 - j0)) = 0 ] && [ $((k1 - j1)) = 0 ]'
t_expect "mpserver counts each of them target_denied (${d0:-0} -> $d1)" \
	eval '[ $((d1 - ${d0:-0})) -ge $N ]'
t_stats c3 "$T/c3.json" notices >/dev/null
n3=$(json_get "$T/c3.json" notices)
t_expect "mpclient got the sealed NOTICE ($n3) and logs a clear line, rate-limited ($(grep -c 'not allowed' "$T/c3.log") lines)" \
	eval '[ "${n3:-0}" -ge 1 ] && grep -q "mpserver says (authenticated): flow [0-9]* from 127.0.0.1:[0-9]*: target 127.0.0.1:$T2 not allowed" "$T/c3.log" && [ "$(grep -c "not allowed" "$T/c3.log")" -le 20 ]'

# unkeyed, --allow on the command line: the same rules, a NOTICE in the clear
t_spawn server2 "$BUILD/mpserver" --listen "127.0.0.1:$SP2" --target "127.0.0.1:$T0" \
	--allow "127.0.0.1:$T1-$T1" --no-control --stats "$T/server2.json"
t_wait_udp "$SP2" || { t_fail "mpserver --allow up"; t_done; }
tun_direct c4 "$C4" "$SP2" --target "localhost:$T2" || { t_fail "unkeyed mpclient up"; t_done; }
l2=$(got 2)
r4=$(tun_count r4 "$C4" 300 1000)
m2=$(got 2)
t_expect "unkeyed, --allow: 0 of 300 reach a target not allowed (back $r4; target2 +$((m2 - l2)))" \
	eval '[ "$r4" = 0 ] && [ $((m2 - l2)) = 0 ]'
t_expect "and mpclient logs mpserver's NOTICE, marked unauthenticated" \
	grep -q "mpserver says (unauthenticated): flow [0-9]* from .*target 127.0.0.1:$T2 not allowed" "$T/c4.log"
t_done
