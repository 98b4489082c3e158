# lab/lib/topo.sh - the lab's topology: namespaces and veths (as root) or loopback ports.
#
#   topo_setup N    build it for N paths; sets the variables below
#   topo_teardown   delete the namespaces this run created (the EXIT trap calls it)
#
# Namespace mode (LAB_MODE=ns):
#
#   client ns              bridge ns i                        server ns
#   udpclient, mpclient    mpbridge i                         mpserver, udpserver
#   c<i> 198.18.<i>.1 ---- b<i>c 198.18.<i>.2
#                          b<i>s 198.19.<i>.2 ---------------- s<i> 198.19.<i>.1
#
# Each bridge is an application-level relay, so no forwarding or routing is needed: every link
# is a directly connected /24. IPv6 is off and neighbours are static, so the kernel's link
# counters hold the lab's UDP datagrams and nothing else (no ARP, ND or MLD). Transmit checksum
# offload is off on every veth so captures show valid checksums.
#
# Loopback mode (LAB_MODE=loopback): every "host" is 127.0.0.1, paths differ by port.

NS_CLIENT=-
NS_SERVER=-
NS_BRIDGE=()
DEV_C=() DEV_BC=() DEV_BS=() DEV_S=()
ADDR_C=() ADDR_BC=() ADDR_BS=() ADDR_S=()
BPORT=()
L_NETNS=()

topo_ns_add() {
	local ns=$1
	ip netns add "$ns" || return 1
	L_NETNS+=("$ns")
	if [ "${IPV6:-0}" = 1 ]; then
		# IPv6 paths: no link-local addresses, no duplicate address detection, no router
		# solicitations; the MLD reports of joining the addresses' groups all go at once (10 ms
		# apart, before the captures start), so the links carry the lab's datagrams alone
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.addr_gen_mode=1 \
			net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.mldv2_unsolicited_report_interval=10 \
			net.ipv6.conf.default.mldv1_unsolicited_report_interval=10 >/dev/null 2>&1
		return 0
	fi
	# IPv6 off before any link exists (the "default" applies to links created later)
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
}

# The links are built by a few `ip -batch` runs (one per namespace) instead of a dozen
# commands per link: on a busy 2-core machine every process costs tens of milliseconds.
# topo_link queues one link; topo_commit builds every queued link.
declare -A TOPO_BATCH=()	# namespace -> ip commands run there (ip -n NS -batch)
declare -A TOPO_OFFLOAD=()	# namespace -> devices whose transmit checksum offload goes off
TOPO_NSORDER=()
TOPO_MACS=0

topo_q() { [ -n "${TOPO_BATCH[$1]+x}" ] || TOPO_NSORDER+=("$1"); TOPO_BATCH[$1]+="$2"$'\n'; }

# topo_link NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B: a veth pair with static neighbours (the MAC
# addresses are chosen here, locally administered, so each side knows the other's)
topo_link() {
	local na=$1 da=$2 aa=$3 nb=$4 db=$5 ab=$6 ma mb
	TOPO_MACS=$((TOPO_MACS + 1))
	printf -v ma '02:6d:70:74:%02x:01' "$TOPO_MACS"
	printf -v mb '02:6d:70:74:%02x:02' "$TOPO_MACS"
	topo_q "$na" "link add $da address $ma type veth peer name $db address $mb netns $nb"
	local len=24 flags=
	case $aa in *:*) len=64 flags=nodad ;; esac
	topo_q "$na" "addr add $aa/$len dev $da $flags"
	topo_q "$na" "link set $da up"
	topo_q "$na" "neigh replace $ab lladdr $mb dev $da nud permanent"
	TOPO_OFFLOAD[$na]+=" $da"
	TOPO_LATER[$nb]+="addr add $ab/$len dev $db $flags"$'\n'"link set $db up"$'\n'"neigh replace $aa lladdr $ma dev $db nud permanent"$'\n'
	TOPO_OFFLOAD[$nb]+=" $db"
}
declare -A TOPO_LATER=()	# commands for the peer ends, run once the pairs exist

topo_commit() {
	local ns d
	# first every namespace that creates pairs, then the peers' addresses
	for ns in "${TOPO_NSORDER[@]}"; do
		printf 'link set lo up\n%s' "${TOPO_BATCH[$ns]}" | ip -n "$ns" -batch - || return 1
	done
	for ns in "${!TOPO_LATER[@]}"; do
		[ -n "${TOPO_BATCH[$ns]+x}" ] || printf 'link set lo up\n' | ip -n "$ns" -batch - || return 1
		printf '%s' "${TOPO_LATER[$ns]}" | ip -n "$ns" -batch - || return 1
	done
	for ns in "${!TOPO_OFFLOAD[@]}"; do
		# shellcheck disable=SC2086
		ip netns exec "$ns" sh -c 'for d; do ethtool -K "$d" tx off >/dev/null 2>&1; done' - ${TOPO_OFFLOAD[$ns]}
	done
	TOPO_BATCH=() TOPO_LATER=() TOPO_OFFLOAD=() TOPO_NSORDER=()
}

topo_setup() {
	local n=$1 i base
	if [ "$LAB_MODE" = ns ]; then
		base="mptlab-$$"
		NS_CLIENT="$base-client"
		NS_SERVER="$base-server"
		topo_ns_add "$NS_CLIENT" || return 1
		topo_ns_add "$NS_SERVER" || return 1
		for i in $(seq 1 "$n"); do
			NS_BRIDGE[i]="$base-bridge$i"
			topo_ns_add "${NS_BRIDGE[i]}" || return 1
			DEV_C[i]="c$i" DEV_BC[i]="b${i}c" DEV_BS[i]="b${i}s" DEV_S[i]="s$i"
			if [ "${IPV6:-0}" = 1 ]; then	# 2001:2::/48, RFC 5180's benchmarking range
				ADDR_C[i]="2001:2:0:$i::1" ADDR_BC[i]="2001:2:0:$i::2"
				ADDR_BS[i]="2001:2:1:$i::2" ADDR_S[i]="2001:2:1:$i::1"
			else
				ADDR_C[i]="198.18.$i.1" ADDR_BC[i]="198.18.$i.2"
				ADDR_BS[i]="198.19.$i.2" ADDR_S[i]="198.19.$i.1"
			fi
			topo_link "$NS_CLIENT" "${DEV_C[i]}" "${ADDR_C[i]}" \
				"${NS_BRIDGE[i]}" "${DEV_BC[i]}" "${ADDR_BC[i]}" || return 1
			topo_link "${NS_BRIDGE[i]}" "${DEV_BS[i]}" "${ADDR_BS[i]}" \
				"$NS_SERVER" "${DEV_S[i]}" "${ADDR_S[i]}" || return 1
			BPORT[i]=5000
		done
		topo_commit || return 1
		MPORT=4000 SPORT=6000 UPORT=7000
		LOCAL_ADDR=127.0.0.1
		SERVER_LISTEN=0.0.0.0
		if [ "${IPV6:-0}" = 1 ]; then SERVER_LISTEN="[::]"; fi	# dual-stack: the control link too
	else
		topo_ports $((n + 3)) || return 1
		MPORT=$P0 SPORT=$P1 UPORT=$P2
		for i in $(seq 1 "$n"); do
			NS_BRIDGE[i]=-
			DEV_C[i]=lo DEV_BC[i]=lo DEV_BS[i]=lo DEV_S[i]=lo
			ADDR_C[i]=127.0.0.1 ADDR_BC[i]=127.0.0.1 ADDR_BS[i]=127.0.0.1 ADDR_S[i]=127.0.0.1
			local v="P$((i + 2))"
			BPORT[i]=${!v}
		done
		LOCAL_ADDR=127.0.0.1
		SERVER_LISTEN=127.0.0.1
	fi
}

# hp ADDR PORT: ADDR:PORT, or [ADDR]:PORT for an IPv6 address
hp() { case $1 in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac; }

# port_range N PREFIX FREE (shared with tests/lib.sh)
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/ports.sh"

topo_port_free() { ! ss -Haun "sport = :$1" 2>/dev/null | grep -q .; }

# topo_ports N: P0..P(N-1), consecutive free UDP ports from a random base below the ephemeral range
topo_ports() {
	port_range "$1" P topo_port_free && return 0
	l_log "no free range of $1 UDP ports"
	return 1
}

# topo_reap: delete namespaces an earlier lab run left behind when it was killed (SIGKILL skips
# its trap): named mptlab-<pid>-*, that pid gone, no process left inside
topo_reap() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^mptlab-[0-9]+-'); do
		pid=${ns#mptlab-}
		pid=${pid%%-*}
		[ "$pid" = $$ ] && continue
		kill -0 "$pid" 2>/dev/null && continue
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || continue
		ip netns del "$ns" 2>/dev/null && l_log "removed $ns, left behind by a killed run"
	done
}

topo_teardown() {
	local ns
	for ns in "${L_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
		rm -f "${MPT_IMPAIR_STATE:-/run/mptlab-impair}/$ns".* 2>/dev/null
	done
	L_NETNS=()
}

# topo_control_link: a direct, unimpaired link between the client and the server hosts
# (namespaces only), beside the tunnel: for what a UDP tunnel cannot carry, such as iperf3's TCP
# control connection. client ctlc 198.18.255.1 ---- ctls 198.18.255.2 server
CTL_C=198.18.255.1
CTL_S=198.18.255.2
topo_control_link() {
	topo_link "$NS_CLIENT" ctlc "$CTL_C" "$NS_SERVER" ctls "$CTL_S" && topo_commit
}
