# lab/lib/mptcp.sh - TRAFFIC=mptcp: the seeds' kernel-MPTCP lab beside the tunnel, on the same
# lossy paths (namespaces only).
#
# The bridge namespaces also route IP (forwarding on), so TCP can cross path i:
#   client c<i> 198.18.<i>.1 -> bridge i -> 198.19.<i>.1 s<i> server
# with a source rule per path on the client (from 198.18.<i>.1: via 198.18.<i>.2) and a route
# per path on the server. The scenario's kernel loss (KERNEL_<i>="loss P") drops P% of what
# arrives at bridge i from either side: UDP on the input hook (the tunnel's datagrams, as in
# every scenario) and every IPv4 packet on the forward hook (the routed TCP), so both see the
# same paths. Three TCP transfers of MPTCP_TIME seconds each, measured by the receiver
# (lab/tools/tcpgoodput.py, IPPROTO_MPTCP sockets, no LD_PRELOAD):
#   mptcp        one MPTCP connection to 198.19.1.1 with a subflow per path (ip mptcp endpoint
#                ... subflow on the client for 198.18.2.1 ...)
#   tcp          plain TCP over path 1 alone
#   openvpn-udp  plain TCP over OpenVPN (static key, UDP) carried by mptunnel over every path
# The report shows the three goodputs, MPTCP's joined subflows and each TCP's retransmissions.

mptcp_prepare() {
	local i
	for i in $(seq 1 "$PATHS"); do
		ip netns exec "${NS_BRIDGE[i]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 >/dev/null || return 1
		ip -n "${NS_BRIDGE[i]}" route add 198.19.0.0/16 via "${ADDR_S[i]}" 2>/dev/null
		ip -n "${NS_BRIDGE[i]}" route add 198.18.0.0/16 via "${ADDR_C[i]}" 2>/dev/null
		ip -n "$NS_CLIENT" rule add from "${ADDR_C[i]}" table $((100 + i)) || return 1
		ip -n "$NS_CLIENT" route add default via "${ADDR_BC[i]}" dev "${DEV_C[i]}" table $((100 + i)) || return 1
		ip -n "$NS_SERVER" route add "198.18.$i.0/24" via "${ADDR_BS[i]}" dev "${DEV_S[i]}" 2>/dev/null
		# the routed TCP meets the same loss as the tunnel's datagrams
		local v="KERNEL_$i" part verb arg
		IFS=';' read -ra parts <<<"${!v:-}"
		for part in "${parts[@]}"; do
			read -r verb arg <<<"$part"
			case $verb in
			loss) kimp_fwd "$i" "${DEV_BC[i]}" "$arg" && kimp_fwd "$i" "${DEV_BS[i]}" "$arg" || return 1 ;;
			loss-c2s) kimp_fwd "$i" "${DEV_BC[i]}" "$arg" || return 1 ;;
			loss-s2c) kimp_fwd "$i" "${DEV_BS[i]}" "$arg" || return 1 ;;
			esac
		done
	done
	ip -n "$NS_CLIENT" route add 198.19.0.0/16 via "${ADDR_BC[1]}" dev "${DEV_C[1]}" 2>/dev/null
	local ns
	for ns in "$NS_CLIENT" "$NS_SERVER" "${NS_BRIDGE[@]:1}"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.mptcp.enabled=1 >/dev/null 2>&1
	done
	ip -n "$NS_CLIENT" mptcp limits set subflow 8 add_addr_accepted 8 || { l_log "ip mptcp: no MPTCP here"; return 1; }
	ip -n "$NS_SERVER" mptcp limits set subflow 8 add_addr_accepted 8 || return 1
	for i in $(seq 2 "$PATHS"); do
		ip -n "$NS_CLIENT" mptcp endpoint add "${ADDR_C[i]}" dev "${DEV_C[i]}" subflow || return 1
	done
	meta mptcp_endpoints "$(ip -n "$NS_CLIENT" mptcp endpoint show | tr '\n' ';')"
	openvpn_prepare || return 1
	l_log "traffic: TCP goodput for ${MPTCP_TIME}s each: MPTCP over $PATHS paths, TCP over path 1, TCP over OpenVPN over mptunnel"
}

kimp_fwd() {
	local out
	out=$("$NETEM" loss "${NS_BRIDGE[$1]}" "$2" "$3" forward ip) || return 1
	l_log "path $1: $out"
	meta "kernel_fwd.$1.$2" "$out"
}

mptcp_mib() { ip netns exec "$NS_SERVER" nstat -az 2>/dev/null | awk '/MPTcpExtMPJoinAckRx|MPTcpExtMPCapableSYNRX/ {print $1, $2}'; }

# one transfer: KIND HOST PORT [--mptcp]
mptcp_one() {
	local kind=$1 host=$2 port=$3 flag=${4:-} tool=$LAB_DIR/tools/tcpgoodput.py
	l_spawn "gp-$kind" "$NS_SERVER" "$LIMIT" "$PYTHON" "$tool" server "$port" $flag --limit $((MPTCP_TIME + 30))
	l_wait_tcp "gp-$kind" "$NS_SERVER" "$port" 10 || return 1
	mptcp_mib >"$RUN/kernel/mptcp.$kind.start"
	l_inns "$NS_CLIENT" timeout $((MPTCP_TIME + 40)) "$PYTHON" "$tool" client "$host" "$port" "$MPTCP_TIME" $flag \
		>"$RUN/goodput.$kind.client.json" 2>>"$RUN/logs/gp-$kind-client.log"
	wait "${L_PID[gp-$kind]}" 2>/dev/null
	unset "L_PID[gp-$kind]"
	mptcp_mib >"$RUN/kernel/mptcp.$kind.end"
	grep '^{' "$RUN/logs/gp-$kind.log" | tail -n 1 >"$RUN/goodput.$kind.server.json"
}

mptcp_start() {
	mptcp_one mptcp "${ADDR_S[1]}" 5301 --mptcp
	mptcp_one tcp "${ADDR_S[1]}" 5302
	mptcp_one openvpn-udp "$VPN_S" 5303
	TRAFFIC_TAG=mptcp-done
	l_spawn mptcp-done - 5 true
}

mptcp_finish() {
	"$PYTHON" - "$RUN" "$PATHS" <<-'PY'
		import json, sys
		run, paths = sys.argv[1], int(sys.argv[2])
		def j(p):
		    try:
		        return json.load(open(p))
		    except (OSError, ValueError):
		        return None
		def mib(kind, label):
		    out = {}
		    try:
		        for line in open(f"{run}/kernel/mptcp.{kind}.{label}"):
		            k, v = line.split()
		            out[k] = int(v)
		    except (OSError, ValueError):
		        pass
		    return out
		res = []
		what = {"mptcp": f"MPTCP, {paths} subflows wanted (kernel, path 1 + endpoints)",
		        "tcp": "TCP over path 1 alone",
		        "openvpn-udp": "TCP over OpenVPN (UDP) over mptunnel, all paths"}
		for kind in ("mptcp", "tcp", "openvpn-udp"):
		    s, c = j(f"{run}/goodput.{kind}.server.json"), j(f"{run}/goodput.{kind}.client.json")
		    a, b = mib(kind, "start"), mib(kind, "end")
		    joins = b.get("MPTcpExtMPJoinAckRx", 0) - a.get("MPTcpExtMPJoinAckRx", 0)
		    res.append({"kind": kind, "what": what[kind], "goodput_bps": (s or {}).get("goodput_bps"),
		                "bytes": (s or {}).get("bytes"), "seconds": (s or {}).get("seconds"),
		                "retransmits": (c or {}).get("total_retrans"),
		                "subflows_joined": joins if kind == "mptcp" else None})
		json.dump({"kind": "tcp goodput", "direction": "c2s", "goodput": res}, open(f"{run}/app.json", "w"))
	PY
}
