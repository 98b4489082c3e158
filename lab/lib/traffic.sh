# lab/lib/traffic.sh - the traffic a scenario runs through the tunnel (TRAFFIC=...).
#
#   udpclient  the seed's hello counter in measuring mode (COUNT, RATE, SIZE, TIMEOUT): round-trip
#              loss, duplicates, RTT; the default
#   iperf3     iperf3 -u from the client host to an iperf3 server on the server host, its UDP
#              data through the tunnel (IPERF_RATE, IPERF_TIME, IPERF_LEN, IPERF_ARGS): one-way
#              (c2s) loss as iperf3 counts it. iperf3's TCP control connection cannot go through
#              a UDP tunnel: a socat TCP forward on the client host (127.0.0.1:MPORT, the same
#              port as mpclient's UDP) carries it beside the tunnel, over the control link
#              (namespaces: client 198.18.255.1 - server 198.18.255.2) or loopback
#   openvpn    OpenVPN point-to-point with a static key (the seeds' setup) through the tunnel:
#              the client's OpenVPN talks to mpclient, mpserver to the server's OpenVPN; ping
#              over the VPN (PING_COUNT, PING_INTERVAL, PING_SIZE): round-trip loss as ping
#              counts it. Namespaces only (tun devices and their addresses need hosts of their
#              own): on loopback the scenario runs udpclient and says so
#   mptcp      see lab/lib/mptcp.sh
#   clients, socks5  see lab/lib/clients.sh
#
# Each writes RUN/app.json: {"kind", "direction" (c2s or round_trip), "sent", "lost", ...}; the
# report sets it beside the theory for that direction (expectation app_loss_in_ci).

VPN_C=198.18.254.1
VPN_S=198.18.254.2

traffic_duration() {
	case $TRAFFIC in
	udpclient) DUR=$(( (COUNT + RATE - 1) / RATE )) ;;
	iperf3) DUR=$IPERF_TIME; SIZE=$IPERF_LEN ;;
	openvpn) DUR=$(awk -v n="$PING_COUNT" -v i="$PING_INTERVAL" 'BEGIN{printf "%d", n*i + 1}') ;;
	mptcp) DUR=$((3 * MPTCP_TIME + 10)) ;;
	clients) DUR=$(( (COUNT + RATE - 1) / RATE )) ;;
	socks5) DUR=$(( 3 * COUNT / 500 + 3 )) ;;	# three destinations in turn, about 1 ms apart
	esac
}

traffic_check() {
	local need=()
	case $TRAFFIC in
	iperf3) need=(iperf3 socat) ;;
	openvpn) need=(openvpn ping) ;;
	mptcp) need=(openvpn ping nstat) ;;
	socks5) clients_socks_python ||
		{ echo "lab: TRAFFIC=socks5 needs PySocks (python3-socks: make deps)" >&2; return 1; } ;;
	esac
	local t
	for t in "${need[@]}"; do
		command -v "$t" >/dev/null || { echo "lab: TRAFFIC=$TRAFFIC needs $t (make deps)" >&2; return 1; }
	done
	if [ "$LAB_MODE" != ns ] && { [ "$TRAFFIC" = openvpn ] || [ "$TRAFFIC" = mptcp ]; }; then
		l_log "TRAFFIC=$TRAFFIC needs namespaces: this loopback run measures udpclient instead"
		meta app_skipped "$TRAFFIC needs namespaces (tun devices, routes of their own); udpclient measured instead"
		TRAFFIC=udpclient
		traffic_duration
	fi
	meta traffic "$TRAFFIC"
}

traffic_prepare() {
	case $TRAFFIC in
	udpclient) l_log "traffic: $COUNT datagrams of $SIZE bytes at $RATE/s (about ${DUR}s)" ;;
	iperf3) iperf3_prepare ;;
	openvpn) openvpn_prepare ;;
	mptcp) mptcp_prepare ;;
	clients|socks5) clients_prepare ;;
	esac
}

traffic_start() {
	case $TRAFFIC in
	udpclient)
		TRAFFIC_TAG=udpclient
		# a per-datagram trace (recovery without captures), where udpclient offers one
		local trace=()
		"$BUILD/udpclient" --help 2>&1 | grep -q -- '--trace' && trace=(--trace "$RUN/udpclient.trace")
		l_spawn udpclient "$NS_CLIENT" "$LIMIT" "$BUILD/udpclient" "$LOCAL_ADDR" "$MPORT" --count "$COUNT" \
			--rate "$RATE" --size "$SIZE" --timeout "$TIMEOUT" --json "${trace[@]}"
		;;
	iperf3)
		TRAFFIC_TAG=iperf3c
		# shellcheck disable=SC2086
		l_spawn iperf3c "$NS_CLIENT" "$LIMIT" iperf3 -4 -c "$LOCAL_ADDR" -p "$MPORT" -u -b "$IPERF_RATE" \
			-t "$IPERF_TIME" -l "$IPERF_LEN" -J --get-server-output $IPERF_ARGS
		;;
	openvpn)
		TRAFFIC_TAG=ping
		l_spawn ping "$NS_CLIENT" "$LIMIT" ping -n -q -c "$PING_COUNT" -i "$PING_INTERVAL" -s "$PING_SIZE" \
			-W 2 "$VPN_S"
		;;
	mptcp) mptcp_start ;;
	clients|socks5) clients_start ;;
	esac
}

traffic_finish() {
	wait "${L_PID[$TRAFFIC_TAG]}" 2>/dev/null
	meta "${TRAFFIC_TAG}_rc" "$?"
	unset "L_PID[$TRAFFIC_TAG]"
	case $TRAFFIC in
	udpclient) grep '^{' "$RUN/logs/udpclient.log" | tail -n 1 >"$RUN/udpclient.json" ;;
	iperf3)
		# the JSON document is the log after the spawn line
		sed -n '/^{/,$p' "$RUN/logs/iperf3c.log" >"$RUN/iperf3.json"
		"$PYTHON" - "$RUN/iperf3.json" "$RUN/app.json" <<-'PY'
			import json, sys
			try:
			    j = json.load(open(sys.argv[1]))
			    s = j["end"]["sum"]
			    out = {"kind": "iperf3", "direction": "c2s", "sent": s["packets"], "lost": s["lost_packets"],
			           "lost_percent": s["lost_percent"], "jitter_ms": s.get("jitter_ms"),
			           "bits_per_second": s.get("bits_per_second"), "seconds": s.get("seconds")}
			except (OSError, ValueError, KeyError, TypeError) as e:
			    out = {"kind": "iperf3", "direction": "c2s", "error": f"no iperf3 result: {e}"}
			json.dump(out, open(sys.argv[2], "w"))
		PY
		;;
	openvpn)
		"$PYTHON" - "$RUN/logs/ping.log" "$RUN/app.json" <<-'PY'
			import json, re, sys
			t = open(sys.argv[1]).read()
			m = re.search(r"(\d+) packets transmitted, (\d+) received", t)
			r = re.search(r"= [\d.]+/([\d.]+)/[\d.]+/", t)
			out = {"kind": "openvpn ping", "direction": "round_trip"}
			if m:
			    out.update(sent=int(m.group(1)), lost=int(m.group(1)) - int(m.group(2)))
			    out["rtt_avg_ms"] = float(r.group(1)) if r else None
			else:
			    out["error"] = "no ping summary"
			json.dump(out, open(sys.argv[2], "w"))
		PY
		;;
	mptcp) mptcp_finish ;;
	clients|socks5) clients_finish ;;
	esac
}

# --- iperf3 -----------------------------------------------------------------------------------
iperf3_prepare() {
	# the UDP target port goes to iperf3's server: no udpserver
	l_stop udpserver
	local fwd_to=$LOCAL_ADDR:$UPORT
	[ "$LAB_MODE" = ns ] && fwd_to=$CTL_S:$UPORT
	local once=(-1)
	[ "${LAB_UP:-0}" = 1 ] && once=()
	l_spawn iperf3s "$NS_SERVER" "$LIMIT" iperf3 -4 -s -p "$UPORT" "${once[@]}"
	l_wait_tcp iperf3s "$NS_SERVER" "$UPORT" || return 1
	# iperf3's TCP control connection, beside the tunnel
	l_spawn ctlfwd "$NS_CLIENT" "$LIMIT" socat "TCP-LISTEN:$MPORT,bind=$LOCAL_ADDR,reuseaddr,fork" "TCP:$fwd_to"
	l_wait_tcp ctlfwd "$NS_CLIENT" "$MPORT" || return 1
	meta control_route "TCP $LOCAL_ADDR:$MPORT -> $fwd_to (socat, beside the tunnel)"
	l_log "traffic: iperf3 -u $IPERF_RATE for ${IPERF_TIME}s, ${IPERF_LEN}-byte datagrams; control: TCP $LOCAL_ADDR:$MPORT -> $fwd_to"
}

# --- OpenVPN ----------------------------------------------------------------------------------
openvpn_prepare() {
	l_stop udpserver
	local key=$RUN/openvpn.key common
	openvpn --genkey secret "$key" >/dev/null 2>&1 || openvpn --genkey --secret "$key" >/dev/null 2>&1 ||
		{ l_log "openvpn --genkey failed"; return 1; }
	common=(--dev tun --proto udp --cipher AES-256-CBC --auth SHA256 --verb 3 --ping 1 --ping-restart 0)
	l_spawn ovpns "$NS_SERVER" "$LIMIT" openvpn "${common[@]}" --secret "$key" 0 \
		--local "$LOCAL_ADDR" --lport "$UPORT" --ifconfig "$VPN_S" "$VPN_C"
	l_wait_udp ovpns "$NS_SERVER" "$UPORT" 10 || return 1
	l_spawn ovpnc "$NS_CLIENT" "$LIMIT" openvpn "${common[@]}" --secret "$key" 1 \
		--remote "$LOCAL_ADDR" "$MPORT" --nobind --ifconfig "$VPN_C" "$VPN_S"
	l_wait_log ovpnc 'Initialization Sequence Completed' 20 && l_wait_log ovpns 'Initialization Sequence Completed' 20 ||
		{ l_log "OpenVPN did not come up through the tunnel (logs/ovpnc.log, logs/ovpns.log)"; return 1; }
	meta vpn "$VPN_C -> $VPN_S (OpenVPN static key, AES-256-CBC/SHA256, through the tunnel)"
	l_log "traffic: ping $VPN_S over OpenVPN, $PING_COUNT x $PING_SIZE bytes every ${PING_INTERVAL}s"
}
