# tests/pathns.sh - a client namespace joined to a server namespace by N veth pairs, for
# interface-bound paths (source after lib.sh; root only).
#
#   pn_need N      the script's start: as root pn_setup N, else (or when that fails) skip it
#   pn_setup N     namespaces $NSC (client) and $NSS (server), unique per run, removed by the
#                  EXIT trap; veth pair i: vc$i (198.18.1$i.1/24, in $NSC) <-> vs$i
#                  (198.18.1$i.2/24, in $NSS); mpserver's address $PN_SERVER (198.18.20.1, on
#                  $NSS's lo) is reached from $NSC by a route through every vc$i (metric 10+i),
#                  so without SO_BINDTODEVICE every path would leave by vc0
#   pn_veth I      add veth pair I later (a hot-plugged interface)
#   inc CMD...     run CMD in $NSC;  ins CMD...: in $NSS
#   pn_tx DEV      datagrams $NSC sent on DEV (its tx_packets)
#   pn_server      udpserver 127.0.0.1:$TP and mpserver $PN_SERVER:$SP -> it, in $NSS
#   pn_wait_ready  a datagram's round trip through mpclient 127.0.0.1:$CP in $NSC (bounded)

PN_SERVER=198.18.20.1

inc() { ip netns exec "$NSC" "$@"; }
ins() { ip netns exec "$NSS" "$@"; }

pn_tx() { inc cat "/sys/class/net/$1/statistics/tx_packets"; }

pn_veth() {
	local i=$1
	ip -n "$NSC" link add "vc$i" type veth peer name "vs$i" netns "$NSS" || return 1
	ip -n "$NSC" addr add "198.18.1$i.1/24" dev "vc$i"
	ip -n "$NSS" addr add "198.18.1$i.2/24" dev "vs$i"
	# no checksum offload: captures and GSO behave as on a wire
	inc ethtool -K "vc$i" tx off >/dev/null 2>&1
	ins ethtool -K "vs$i" tx off >/dev/null 2>&1
	ip -n "$NSC" link set "vc$i" up
	ip -n "$NSS" link set "vs$i" up
	ip -n "$NSC" route add "$PN_SERVER/32" via "198.18.1$i.2" dev "vc$i" metric $((10 + i))
}

pn_setup() {
	local n=$1 i
	NSC=mpt-pc-$$-$RANDOM NSS=mpt-ps-$$-$RANDOM
	ip netns add "$NSC" || return 1
	if ! ip netns add "$NSS"; then
		ip netns del "$NSC"
		return 1
	fi
	trap 't_cleanup; ip netns del "$NSC" 2>/dev/null; ip netns del "$NSS" 2>/dev/null' EXIT
	ip -n "$NSC" link set lo up
	ip -n "$NSS" link set lo up
	ip -n "$NSS" addr add "$PN_SERVER/32" dev lo
	for ns in "$NSC" "$NSS"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 >/dev/null
	done
	for i in $(seq 0 $((n - 1))); do
		pn_veth "$i" || return 1
	done
}

# pn_wait_udp NS PORT: a UDP socket bound to PORT exists in NS (bounded, 5 s)
pn_wait_udp() {
	local i
	for i in $(seq 1 100); do
		ip netns exec "$1" ss -Hlun "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# pn_need N: the script needs root and N veth pairs (pn_setup N); without them it is skipped
pn_need() {
	if [ "$(id -u)" != 0 ]; then
		t_skip "not root: no namespaces for the veth paths"
		t_done
	fi
	pn_setup "$1" || { t_skip "cannot create network namespaces and veths"; t_done; }
}

# pn_server: in $NSS, udpserver on 127.0.0.1:$TP and mpserver bound to $PN_SERVER:$SP (its
# --stats in $T/server.json) forwarding to it; a failure and the end if either does not start.
# Bound to its address: its replies come from the address the paths are connected to (on a
# wildcard address without IP_PKTINFO they would leave from each veth's own address).
pn_server() {
	t_spawn target ip netns exec "$NSS" "$BUILD/udpserver" --bind 127.0.0.1 "$TP"
	t_spawn server ip netns exec "$NSS" "$BUILD/mpserver" --no-control --stats "$T/server.json" \
		--listen "$PN_SERVER:$SP" --target "127.0.0.1:$TP"
	pn_wait_udp "$NSS" "$TP" && pn_wait_udp "$NSS" "$SP" || { t_fail "mpserver did not start"; t_done; }
}

# pn_wait_ready: until a datagram makes the round trip through mpclient on 127.0.0.1:$CP in
# $NSC (bounded: 20 tries of 250 ms; a loaded machine starts late); 1 if none did
pn_wait_ready() {
	local out
	for _ in $(seq 1 20); do
		out=$(inc "$BUILD/udpclient" --quiet --count 1 --timeout 250ms --json 127.0.0.1 "$CP" 2>/dev/null)
		case $out in *'"received":1'*) return 0 ;; esac
	done
	return 1
}
