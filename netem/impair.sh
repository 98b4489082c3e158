#!/bin/bash
# netem/impair.sh - apply kernel impairments inside a network namespace, using what the kernel has.
#
#   impair.sh probe NS                    print what this kernel offers: "netem=yes|no nft=.. tbf=.."
#   impair.sh loss NS DEV PCT [HOOK [PROTO]]  drop PCT% (0-100, up to 2 decimals) of the IPv4
#                                         packets arriving on DEV: UDP (PROTO udp, the default)
#                                         or all (PROTO ip: routed TCP/MPTCP on the forward hook)
#   impair.sh mtu NS DEV BYTES            a black hole: drop the IPv4 packets longer than BYTES
#                                         arriving on DEV (nft, no ICMP error; counted as drops)
#   impair.sh nat NS DEV DPORT PORTS      masquerade UDP to DPORT leaving DEV, random source ports
#                                         in PORTS (LO-HI); nftables only
#   impair.sh rate NS DEV RATE [BURST]    limit what leaves DEV to RATE (tc syntax, e.g. 5mbit)
#   impair.sh clear NS DEV                remove this script's loss and rate from DEV
#   impair.sh stats NS DEV                JSON {"dev":..,"method":..,"dropped":..,"matched":..}
#
# Loss, in order of preference:
#   netem  tc netem on an ifb device fed by DEV's ingress (only where netem and mirred exist);
#   nft    nftables "numgen random mod 10000 < P*100 counter drop" on the input hook (HOOK=input,
#          the default: the receiver is a local process) or the forward hook (HOOK=forward, a
#          router namespace). Never the output hook: there the sender's sendto fails with EPERM,
#          which is not network loss.
# Rate: tbf (root qdisc of DEV).
# The method used is printed on stdout ("loss DEV 20% via nft/input") and kept in
# /run/mptlab-impair/NS.DEV.method so `stats` reads the right counters.
# Only namespaces the caller created should be given; nothing is done in the root namespace
# unless NS is "-" (then commands run in the caller's namespace).
set -u

STATE=${MPT_IMPAIR_STATE:-/run/mptlab-impair}
TABLE=mptlab

die() { echo "impair.sh: $*" >&2; exit 2; }

inns() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# pct_ok P: 0 <= P <= 100 with at most 2 decimals
pct_ok() { [[ $1 =~ ^([0-9]{1,3})(\.[0-9]{1,2})?$ ]] && awk -v p="$1" 'BEGIN{exit !(p>=0 && p<=100)}'; }
pct_to_bp() { awk -v p="$1" 'BEGIN{printf "%d", p*100 + 0.5}'; }	# basis points of 10000

chain_of() { echo "imp_$(echo "$1" | tr -c 'A-Za-z0-9_\n' '_')"; }

probe_netem() {
	local ns=$1 ok=no
	inns "$ns" ip link add mptprobe0 type veth peer name mptprobe9 2>/dev/null || { echo no; return; }
	if inns "$ns" tc qdisc add dev mptprobe0 root netem loss 1% 2>/dev/null; then
		ok=yes
	fi
	inns "$ns" ip link del mptprobe0 2>/dev/null
	echo $ok
}

probe_mirred() {
	local ns=$1 ok=no
	inns "$ns" ip link add mptprobe0 type veth peer name mptprobe9 2>/dev/null || { echo no; return; }
	inns "$ns" ip link add mptprobe1 type ifb 2>/dev/null || { inns "$ns" ip link del mptprobe0; echo no; return; }
	if inns "$ns" tc qdisc add dev mptprobe0 handle ffff: ingress 2>/dev/null &&
	   inns "$ns" tc filter add dev mptprobe0 parent ffff: protocol ip u32 match u32 0 0 \
		action mirred egress redirect dev mptprobe1 2>/dev/null; then
		ok=yes
	fi
	inns "$ns" ip link del mptprobe0 2>/dev/null
	inns "$ns" ip link del mptprobe1 2>/dev/null
	echo $ok
}

probe_nft() {
	local ns=$1
	if inns "$ns" nft -f - 2>/dev/null <<-EOF
		table inet mptprobe {
			chain c { type filter hook input priority 0; policy accept;
				meta l4proto udp udp dport 9 numgen random mod 100 < 0 counter drop; }
		}
		delete table inet mptprobe
	EOF
	then echo yes; else echo no; fi
}

probe_tbf() {
	local ns=$1 ok=no
	inns "$ns" ip link add mptprobe0 type veth peer name mptprobe9 2>/dev/null || { echo no; return; }
	if inns "$ns" tc qdisc add dev mptprobe0 root tbf rate 1mbit burst 10kb latency 50ms 2>/dev/null; then
		ok=yes
	fi
	inns "$ns" ip link del mptprobe0 2>/dev/null
	echo $ok
}

save_method() {
	mkdir -p "$STATE"
	echo "$3" >"$STATE/$1.$2.method"
}

loss_nft() {
	local ns=$1 dev=$2 pct=$3 hook=$4 proto=${5:-udp} ch bp rule
	ch=$(chain_of "$dev")
	bp=$(pct_to_bp "$pct")
	if [ "$bp" -ge 10000 ]; then
		rule="counter name drop_$ch drop"
	else
		rule="numgen random mod 10000 < $bp counter name drop_$ch drop"
	fi
	# shellcheck disable=SC2086
	nft_dev_rule "$ns" "$dev" "$hook" "$proto" $rule || return 1
	save_method "$ns" "$dev" "nft/$hook"
	echo "loss $dev ${pct}% via nft/$hook (numgen random mod 10000 < $bp)"
}

# mtu_nft NS DEV N: a black hole: IPv4 packets longer than N bytes arriving on DEV are dropped
# (no ICMP error: a router that drops what it cannot forward and says nothing), counted as drops
mtu_nft() {
	local ns=$1 dev=$2 n=$3 ch
	ch=$(chain_of "$dev")
	nft_dev_rule "$ns" "$dev" input udp ip length gt "$n" counter name "drop_$ch" drop || return 1
	save_method "$ns" "$dev" "nft/input"
	echo "mtu $dev $n via nft/input (IPv4 packets above $n bytes dropped, no ICMP)"
}

# nft_dev_rule NS DEV HOOK PROTO RULE...: DEV's chain holds RULE (and nothing else)
nft_dev_rule() {
	local ns=$1 dev=$2 hook=$3 proto=$4 ch match
	shift 4
	ch=$(chain_of "$dev")
	# one base chain per hook; one regular chain per device, flushed on every change; the
	# counters are named objects, so they survive the flush and count the whole run
	inns "$ns" nft -f - <<-EOF || return 1
		table inet $TABLE {
			counter seen_$ch { }
			counter drop_$ch { }
			chain $hook { type filter hook $hook priority -10; policy accept; }
			chain $ch { }
		}
		flush chain inet $TABLE $ch
	EOF
	if ! inns "$ns" nft list chain inet $TABLE "$hook" 2>/dev/null | grep -q "jump $ch"; then
		match="meta l4proto udp"
		[ "$proto" = ip ] && match=""
		# shellcheck disable=SC2086
		inns "$ns" nft add rule inet $TABLE "$hook" iifname "\"$dev\"" meta nfproto ipv4 \
			$match counter name "seen_$ch" jump "$ch" || return 1
	fi
	inns "$ns" nft add rule inet $TABLE "$ch" "$@"
}

loss_netem() {
	local ns=$1 dev=$2 pct=$3 ifb
	ifb="ifb_$(echo "$dev" | tail -c 10)"
	inns "$ns" ip link show "$ifb" >/dev/null 2>&1 || {
		inns "$ns" ip link add "$ifb" type ifb || return 1
		inns "$ns" ip link set "$ifb" up || return 1
		inns "$ns" tc qdisc add dev "$dev" handle ffff: ingress || return 1
		inns "$ns" tc filter add dev "$dev" parent ffff: protocol ip u32 match u32 0 0 \
			action mirred egress redirect dev "$ifb" || return 1
	}
	inns "$ns" tc qdisc replace dev "$ifb" root netem loss "${pct}%" || return 1
	save_method "$ns" "$dev" "netem/$ifb"
	echo "loss $dev ${pct}% via netem on $ifb (ingress of $dev redirected)"
}

cmd=${1:-}
[ -n "$cmd" ] || { sed -n '2,20p' "$0"; exit 2; }
shift
case $cmd in
probe)
	[ $# = 1 ] || die "usage: probe NS"
	n=$(probe_netem "$1"); m=no
	[ "$n" = yes ] && m=$(probe_mirred "$1")
	echo "netem=$n mirred=$m nft=$(probe_nft "$1") tbf=$(probe_tbf "$1")"
	;;
loss)
	[ $# -ge 3 ] || die "usage: loss NS DEV PCT [input|forward]"
	ns=$1 dev=$2 pct=${3%\%} hook=${4:-input} proto=${5:-udp}
	case $proto in udp|ip) ;; *) die "bad protocol '$proto' (udp or ip)" ;; esac
	pct_ok "$pct" || die "bad loss percentage '$3'"
	case $hook in input|forward) ;; output) die "the output hook makes sendto fail with EPERM: use input or forward" ;; *) die "bad hook '$hook'" ;; esac
	if [ "${MPT_IMPAIR_METHOD:-auto}" != nft ] && [ "$hook" = input ] && [ "$proto" = udp ] && [ "$(probe_netem "$ns")" = yes ] && [ "$(probe_mirred "$ns")" = yes ]; then
		loss_netem "$ns" "$dev" "$pct" && exit 0
		echo "impair.sh: netem failed, falling back to nft" >&2
	fi
	loss_nft "$ns" "$dev" "$pct" "$hook" "$proto" || die "could not apply loss on $dev in $ns"
	;;
nat)
	# a NAT on the way out of DEV: what leaves it for UDP port DPORT gets DEV's address and a
	# random source port in PORTS (a new one for every new mapping: flushing the namespace's
	# conntrack table, lab/tools/ctflush.py, rebinds every flow, as a NAT whose mapping expired)
	[ $# = 4 ] || die "usage: nat NS DEV DPORT PORTS"
	ns=$1 dev=$2 dport=$3 ports=$4
	[[ $dport =~ ^[0-9]+$ ]] || die "bad port '$dport'"
	[[ $ports =~ ^[0-9]+-[0-9]+$ ]] || die "bad port range '$ports' (LO-HI)"
	command -v nft >/dev/null || die "nat needs nftables (nft not found)"
	inns "$ns" nft -f - <<-EOF || die "nftables refused the NAT (no nf_nat in this kernel?)"
		table ip mptnat {
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "$dev" udp dport $dport masquerade to :$ports random
			}
		}
	EOF
	echo "nat $dev: UDP to port $dport masqueraded, source ports $ports (random)"
	;;
mtu)
	[ $# = 3 ] || die "usage: mtu NS DEV BYTES"
	[[ $3 =~ ^[0-9]+$ ]] && [ "$3" -ge 68 ] && [ "$3" -le 65535 ] || die "bad MTU '$3' (68-65535 bytes)"
	mtu_nft "$1" "$2" "$3" || die "could not set a black hole on $2 in $1"
	;;
rate)
	[ $# -ge 3 ] || die "usage: rate NS DEV RATE [BURST]"
	ns=$1 dev=$2 rate=$3 burst=${4:-32kb}
	inns "$ns" tc qdisc replace dev "$dev" root tbf rate "$rate" burst "$burst" latency 200ms ||
		die "tbf not available for $dev in $ns"
	echo "rate $dev $rate via tbf (burst $burst, latency 200ms)"
	;;
clear)
	[ $# = 2 ] || die "usage: clear NS DEV"
	ns=$1 dev=$2
	inns "$ns" nft flush chain inet $TABLE "$(chain_of "$dev")" 2>/dev/null
	inns "$ns" tc qdisc del dev "$dev" root 2>/dev/null
	ifb="ifb_$(echo "$dev" | tail -c 10)"
	inns "$ns" tc qdisc del dev "$ifb" root 2>/dev/null
	echo "clear $dev"
	;;
stats)
	[ $# = 2 ] || die "usage: stats NS DEV"
	ns=$1 dev=$2
	method=$(cat "$STATE/$ns.$dev.method" 2>/dev/null || echo none)
	matched=0 dropped=0
	case $method in
	nft/*)
		# named counters: every UDP packet that arrived on DEV, and those dropped
		ch=$(chain_of "$dev")
		matched=$(inns "$ns" nft list counter inet $TABLE "seen_$ch" 2>/dev/null | sed -n 's/.*packets \([0-9]*\).*/\1/p' | head -n 1)
		dropped=$(inns "$ns" nft list counter inet $TABLE "drop_$ch" 2>/dev/null | sed -n 's/.*packets \([0-9]*\).*/\1/p' | head -n 1)
		;;
	netem/*)
		ifb=${method#netem/}
		out=$(inns "$ns" tc -s qdisc show dev "$ifb" 2>/dev/null)
		matched=$(echo "$out" | sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' | head -n 1)
		dropped=$(echo "$out" | sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -n 1)
		matched=$(( ${matched:-0} + ${dropped:-0} ))
		;;
	esac
	printf '{"dev":"%s","method":"%s","matched":%s,"dropped":%s}\n' "$dev" "$method" "${matched:-0}" "${dropped:-0}"
	;;
*)
	die "unknown command '$cmd' (probe, loss, mtu, nat, rate, clear, stats)"
	;;
esac
