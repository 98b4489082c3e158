#!/bin/bash
# Socket buffers: every socket of mpserver (the tunnel port and each flow's
# socket towards the target) and of mpclient (paths, local port) gets what
# --sndbuf/--rcvbuf ask (default 1 MiB), past net.core.[rw]mem_max when the
# process has CAP_NET_ADMIN; without it the kernel's cap stays and one log
# line per kind of socket says so.  Read back from the kernel with ss -m.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_sockbuf
t_need_cmd ss
NBRIDGES=1

# skmem_of FILTER KEY: rb or tb of the one socket ss selects (what the kernel
# accounts: twice the size asked)
skmem_of() {
	ss -Hnuam "$1" | tr -s ' \t' '\n' | sed -n "s/.*[(,]$2\([0-9]*\)[,)].*/\1/p" | head -n 1
}

MAXR=$(cat /proc/sys/net/core/rmem_max)
MAXW=$(cat /proc/sys/net/core/wmem_max)
DEF=$((1 << 20))

round() {	# round TAG WRAPPER... : a tunnel whose daemons run under WRAPPER, ARGS from $BUFARGS
	tun_ports && tun_target || return 1
	t_spawn server "$@" "$BUILD/mpserver" --no-control $BUFARGS "$SERVER_PORT" localhost \
		"$TARGET_PORT" && t_wait_udp "$SERVER_PORT" && tun_bridges || return 1
	t_spawn client "$@" "$BUILD/mpclient" --no-control $BUFARGS "$CLIENT_PORT" "$CONF" &&
		t_wait_udp "$CLIENT_PORT" && tun_wait_ready
}

if [ "$(id -u)" != 0 ]; then
	t_skip "not root: SO_RCVBUFFORCE needs CAP_NET_ADMIN"
	t_done
fi

# 1. defaults, as root: 1 MiB everywhere, whatever rmem_max says
BUFARGS=
round || { t_fail "tunnel up (defaults)"; t_done; }
rb=$(skmem_of "dport = :$TARGET_PORT" rb); tb=$(skmem_of "dport = :$TARGET_PORT" tb)
t_expect "mpserver's socket to the target: rcvbuf $rb, sndbuf $tb (2 x 1 MiB; rmem_max $MAXR)" \
	[ "$rb/$tb" = $((2 * DEF))/$((2 * DEF)) ]
rb=$(skmem_of "sport = :$SERVER_PORT" rb)
t_expect "mpserver's tunnel port: rcvbuf $rb" [ "$rb" = $((2 * DEF)) ]
rb=$(skmem_of "dport = :$BRIDGE_BASE" rb)
t_expect "mpclient's path socket: rcvbuf $rb" [ "$rb" = $((2 * DEF)) ]
rb=$(skmem_of "sport = :$CLIENT_PORT" rb)
t_expect "mpclient's local port: rcvbuf $rb" [ "$rb" = $((2 * DEF)) ]
t_expect "no buffer warning with the defaults" \
	bash -c "! grep -q 'the kernel grants' '$T/server.log' '$T/client.log'"

# 2. more than net.core.[rw]mem_max: granted to root (SO_*BUFFORCE) ...
ASKR=$((MAXR + 65536)); ASKW=$((MAXW + 65536))
t_renew
BUFARGS="--rcvbuf $ASKR --sndbuf $ASKW"
round || { t_fail "tunnel up (past rmem_max)"; t_done; }
rb=$(skmem_of "dport = :$TARGET_PORT" rb); tb=$(skmem_of "dport = :$TARGET_PORT" tb)
t_expect "root, --rcvbuf $ASKR --sndbuf $ASKW: target socket $rb/$tb" \
	[ "$rb/$tb" = $((2 * ASKR))/$((2 * ASKW)) ]
t_expect "root: no buffer warning" bash -c "! grep -q 'the kernel grants' '$T/server.log' '$T/client.log'"

# 3. ... and capped without CAP_NET_ADMIN, with one warning per kind of socket
if ! setpriv --bounding-set=-net_admin true 2>/dev/null; then
	t_skip "setpriv cannot drop CAP_NET_ADMIN here"
	t_done
fi
t_renew
round setpriv --bounding-set=-net_admin || { t_fail "tunnel up (no CAP_NET_ADMIN)"; t_done; }
rb=$(skmem_of "dport = :$TARGET_PORT" rb)
t_expect "no CAP_NET_ADMIN: target socket capped at rmem_max ($rb = 2 x $MAXR)" \
	[ "$rb" = $((2 * MAXR)) ]
t_expect "mpserver says the target sockets are capped" \
	grep -q "target sockets: the kernel grants send/receive buffers of $MAXW/$MAXR bytes, not the $ASKW/$ASKR asked" "$T/server.log"
t_expect "mpserver says the tunnel port is capped" grep -q "tunnel port sockets: the kernel grants" "$T/server.log"
t_expect "mpclient says its path and local sockets are capped" \
	bash -c "grep -q 'path sockets: the kernel grants' '$T/client.log' && grep -q 'local port sockets: the kernel grants' '$T/client.log'"
t_expect "one line per kind of socket" [ "$(grep -c 'the kernel grants' "$T/client.log")" = 2 ]
t_done
