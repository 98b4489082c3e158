# deploy/scale-out-net.sh - the network of deploy/scale-out.md in namespaces, for the
# scale-out labs (source it after tests/lib.sh, with P, C, LB, B1, B2, VIP and PORT set):
#
#   C  (client): 198.18.1.2-4 ("bridges"), the route to VIP via the balancer
#   LB (balancer): forwards; one routing table per backend chosen by the mark
#      nftables sets (so_rules); a blackhole route for unmarked datagrams
#   B1, B2 (backends): VIP on lo (direct return), default route via LB
#
#   so_net_up               create it (the EXIT trap deletes the namespaces)
#   so_rules R1 R2 HASHMAP  replace the balancer's ruleset in one nft transaction:
#                           server id 1 -> mark R1, 2 -> mark R2, first contact
#                           (server id 0) by jhash of the session bytes: "0 : a, 1 : b"
#   in_ns NS CMD...         run CMD in namespace NS
ns_cleanup() {
	local n
	for n in "$C" "$LB" "$B1" "$B2"; do ip netns del "$n" 2>/dev/null; done
}
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

so_net_up() {
	trap 'ns_cleanup; t_cleanup' EXIT
	(
	set -e
	for n in "$C" "$LB" "$B1" "$B2"; do
		ip netns add "$n"
		in_ns "$n" ip link set lo up
		in_ns "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	done
	ip link add "${P}a" netns "$C" type veth peer name "${P}A" netns "$LB"
	ip link add "${P}b" netns "$LB" type veth peer name "${P}B" netns "$B1"
	ip link add "${P}d" netns "$LB" type veth peer name "${P}D" netns "$B2"
	in_ns "$C" ip addr add 198.18.1.2/24 dev "${P}a"
	in_ns "$C" ip addr add 198.18.1.3/24 dev "${P}a"
	in_ns "$C" ip addr add 198.18.1.4/24 dev "${P}a"
	in_ns "$LB" ip addr add 198.18.1.1/24 dev "${P}A"
	in_ns "$LB" ip addr add 198.18.2.1/24 dev "${P}b"
	in_ns "$LB" ip addr add 198.18.3.1/24 dev "${P}d"
	in_ns "$B1" ip addr add 198.18.2.2/24 dev "${P}B"
	in_ns "$B2" ip addr add 198.18.3.2/24 dev "${P}D"
	for pair in "$C:${P}a" "$LB:${P}A" "$LB:${P}b" "$LB:${P}d" "$B1:${P}B" "$B2:${P}D"; do
		in_ns "${pair%%:*}" ip link set "${pair#*:}" up
	done
	in_ns "$C" ip route add "$VIP/32" via 198.18.1.1
	# backends: the service address on lo (direct return: replies leave with it as source)
	in_ns "$B1" ip addr add "$VIP/32" dev lo
	in_ns "$B2" ip addr add "$VIP/32" dev lo
	in_ns "$B1" ip route add default via 198.18.2.1
	in_ns "$B2" ip route add default via 198.18.3.1
	# balancer: forward, one routing table per backend, chosen by the mark nftables sets
	in_ns "$LB" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$LB" ip route add blackhole "$VIP/32"
	in_ns "$LB" ip route add "$VIP/32" via 198.18.2.2 table 101
	in_ns "$LB" ip route add "$VIP/32" via 198.18.3.2 table 102
	in_ns "$LB" ip rule add fwmark 1 table 101
	in_ns "$LB" ip rule add fwmark 2 table 102
	)
}

# so_rules ROUTE1 ROUTE2 HASHMAP: the balancer's ruleset (deploy/scale-out.md), replaced whole
so_rules() {
	in_ns "$LB" nft -f - <<NFT
table ip mptlb
delete table ip mptlb
table ip mptlb {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip daddr $VIP udp dport $PORT notrack
		ip daddr $VIP udp dport $PORT @th,96,16 0 meta mark set jhash @th,192,64 mod 2 seed 0x6d7074 map { 0 : $3 } counter
		ip daddr $VIP udp dport $PORT @th,96,16 != 0 meta mark set @th,96,16 map { 1 : $1, 2 : $2 } counter
	}
}
NFT
}
