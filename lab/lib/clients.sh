# lab/lib/clients.sh - many clients and targets through one mpserver (issue 13):
#
#   TRAFFIC=clients  two mpclients with keys of their own (alice, bob) through one mpserver
#                    started with a config file (-c RUN/mpserver.conf: [client alice] target
#                    127.0.0.1:UPORT, [client bob] target 127.0.0.1:UPORT+1), each through its
#                    own mpbridges in the same bridge hosts (an mpbridge relays one client: bob's
#                    run beside the lab's, on links of their own (clients_links), with the same
#                    BRIDGE_i settings, seeds + 50): udpclient through alice's mpclient is the run's
#                    end-to-end figure (COUNT RATE SIZE TIMEOUT), bob's udpclient the
#                    application figure (app.json). Beside them, one mpclient per key names the
#                    *other* client's target (--target): CROSS_COUNT datagrams each; mpserver
#                    must refuse them all (drop target_denied) and deliver none (the targets'
#                    udpservers count what reached them; the cross clients get no reply). These
#                    cross clients reach mpserver directly (the control link in namespaces):
#                    the refusal is the point, not the paths.
#   TRAFFIC=socks5   mpclient --socks5 127.0.0.1:SOCKS_PORT, mpserver --allow the lab's target
#                    and a second one (UPORT+1); a real SOCKS5 client (PySocks, Debian's
#                    python3-socks, driven by tests/socks5_client.py) sends COUNT datagrams to
#                    each of the two allowed targets (echo servers, bridge/udptool.py) and to a
#                    third (UPORT+2, a sink that counts) that is not allowed. The allowed round trips are the application
#                    figure, beside the theory; the third must get 0 (counted target_denied).
#
# Both write app.json with an "isolation" object; the report adds mpserver's target_denied and
# what each target's udpserver received (stats at exit), expectation `isolation`.

SOCKS_PORT=1080

# a Python with PySocks (Debian's python3-socks is for /usr/bin/python3, which another python3
# first in the PATH may not see): SOCKS_PY
clients_socks_python() {
	local py
	for py in "$PYTHON" python3 /usr/bin/python3; do
		"$py" -c 'import socks' 2>/dev/null && { SOCKS_PY=$py; return 0; }
	done
	return 1
}

# clients_ports: the extra ports (namespaces: next to the lab's own; loopback: a free range)
clients_ports() {
	local i
	if [ "$LAB_MODE" = ns ]; then
		UPORT2=$((UPORT + 1)) UPORT3=$((UPORT + 2))
		MPORT2=$((MPORT + 1)) MPORT3=$((MPORT + 2)) MPORT4=$((MPORT + 3))
		for i in $(seq 1 "$PATHS"); do BPORT2[i]=${BPORT[i]}; done
	else
		topo_ports $((6 + PATHS)) || return 1
		UPORT2=$P0 UPORT3=$P1 MPORT2=$P2 MPORT3=$P3 MPORT4=$P4 SOCKS_PORT=$P5
		for i in $(seq 1 "$PATHS"); do local v="P$((5 + i))"; BPORT2[i]=${!v}; done
	fi
}

# clients_links: bob's paths (namespaces): a veth pair of their own from the client host to
# each bridge host and on to the server, 198.18.(100+i).0/24 and 198.19.(100+i).0/24, so the
# lab's path captures and kernel counters (c<i>, b<i>c, b<i>s, s<i>) hold alice's paths alone
# and the report compares them as in every scenario. Loopback: 127.0.0.1, ports of their own.
clients_links() {
	local i
	for i in $(seq 1 "$PATHS"); do
		if [ "$LAB_MODE" = ns ]; then
			BOB_BC[i]=198.18.$((100 + i)).2 BOB_S[i]=198.19.$((100 + i)).1
			topo_link "$NS_CLIENT" "c${i}b" "198.18.$((100 + i)).1" "${NS_BRIDGE[i]}" "b${i}cb" "${BOB_BC[i]}" &&
				topo_link "${NS_BRIDGE[i]}" "b${i}sb" "198.19.$((100 + i)).2" "$NS_SERVER" "s${i}b" "${BOB_S[i]}" ||
				return 1
		else
			BOB_BC[i]=$LOCAL_ADDR BOB_S[i]=$LOCAL_ADDR
		fi
	done
	[ "$LAB_MODE" != ns ] || topo_commit
}

# clients_configure: before the daemons start (their options)
clients_configure() {
	case $TRAFFIC in clients|socks5) clients_ports || return 1 ;; esac
	[ "$TRAFFIC" != clients ] || clients_links || return 1
	case $TRAFFIC in
	clients)
		mkdir -p "$RUN/keys" || return 1
		local k
		for k in alice bob; do
			(umask 077; "$BUILD/mpclient" --genkey >"$RUN/keys/$k.key") || return 1
		done
		cat >"$RUN/mpserver.conf" <<-CONF
			# written by lab/lib/clients.sh: two clients, each with its key and its target
			[client alice]
			key keys/alice.key
			target $LOCAL_ADDR:$UPORT

			[client bob]
			key keys/bob.key
			target $LOCAL_ADDR:$UPORT2
		CONF
		MPSERVER_ARGS="${MPSERVER_ARGS:+$MPSERVER_ARGS }-c $RUN/mpserver.conf"
		MPCLIENT_ARGS="${MPCLIENT_ARGS:+$MPCLIENT_ARGS }--key-file $RUN/keys/alice.key"
		meta clients "alice -> $LOCAL_ADDR:$UPORT, bob -> $LOCAL_ADDR:$UPORT2 (mpserver -c mpserver.conf)"
		;;
	socks5)
		MPCLIENT_ARGS="${MPCLIENT_ARGS:+$MPCLIENT_ARGS }--socks5 $LOCAL_ADDR:$SOCKS_PORT"
		MPSERVER_ARGS="${MPSERVER_ARGS:+$MPSERVER_ARGS }--allow $LOCAL_ADDR:$UPORT --allow $LOCAL_ADDR:$UPORT2"
		meta socks5 "mpclient --socks5 $LOCAL_ADDR:$SOCKS_PORT; allowed $LOCAL_ADDR:$UPORT and :$UPORT2, not :$UPORT3"
		;;
	esac
}

# an extra udpserver (TAG PORT): a target that answers and counts what reached it
clients_target() {
	l_spawn "$1" "$NS_SERVER" "$LIMIT" "$BUILD/udpserver" "$2" --bind "$LOCAL_ADDR" --stats "$RUN/stats/$1.json"
	l_wait_udp "$1" "$NS_SERVER" "$2"
}

# the address a cross client sends to: mpserver itself, beside the paths
clients_direct() { if [ "$LAB_MODE" = ns ]; then echo "$CTL_S:$SPORT"; else echo "$LOCAL_ADDR:$SPORT"; fi; }

# clients_mpclient TAG PORT KEY BRIDGE... [-- OPTIONS]
clients_mpclient() {
	local tag=$1 port=$2 key=$3 args=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=(--bridge "$1"); shift; done
	[ "${1:-}" = -- ] && shift
	l_spawn "$tag" "$NS_CLIENT" "$LIMIT" "$BUILD/mpclient" --listen "$LOCAL_ADDR:$port" "${args[@]}" \
		--key-file "$key" --stats "$RUN/stats/$tag.json" --no-control "$@"
	l_wait_udp "$tag" "$NS_CLIENT" "$port"
}

# warm a client up: its keyed session's first datagrams wait for the cookie round trip
clients_warm() {
	l_inns "$NS_CLIENT" timeout 10 "$BUILD/udpclient" "$LOCAL_ADDR" "$1" --count 5 --rate 50 --size 32 \
		--timeout 1 --json >"$RUN/warmup.$2.json" 2>>"$RUN/logs/warmup.log" || true
}

clients_prepare() {
	case $TRAFFIC in
	clients)
		clients_target udpserver-bob $UPORT2 || return 1
		local i bridges=() extra
		for i in $(seq 1 "$PATHS"); do
			extra=$(bridge_args "$i")
			# shellcheck disable=SC2086
			l_spawn "bobbridge$i" "${NS_BRIDGE[i]}" "$LIMIT" "$BUILD/mpbridge" \
				--listen "${BOB_BC[i]}:${BPORT2[i]}" --to "${BOB_S[i]}:$SPORT" \
				--seed $((SEED * 100 + 50 + i)) --stats "$RUN/stats/bobbridge$i.json" $extra
			l_wait_udp "bobbridge$i" "${NS_BRIDGE[i]}" "${BPORT2[i]}" || return 1
			bridges+=("${BOB_BC[i]}:${BPORT2[i]}")
		done
		clients_mpclient mpclient-bob $MPORT2 "$RUN/keys/bob.key" "${bridges[@]}" || return 1
		clients_mpclient cross-alice $MPORT3 "$RUN/keys/alice.key" "$(clients_direct)" -- \
			--target "$LOCAL_ADDR:$UPORT2" || return 1
		clients_mpclient cross-bob $MPORT4 "$RUN/keys/bob.key" "$(clients_direct)" -- \
			--target "$LOCAL_ADDR:$UPORT" || return 1
		clients_warm $MPORT2 bob
		clients_warm $MPORT3 cross-alice
		clients_warm $MPORT4 cross-bob
		l_log "traffic: alice and bob $COUNT datagrams each at $RATE/s, each through its own bridges; $CROSS_COUNT each to the other's target"
		;;
	socks5)
		# the SOCKS5 client wants its datagrams echoed (udpserver answers only the hello
		# counter's): bridge/udptool.py echoes on the two allowed targets, and counts on the
		# third (a sink)
		l_stop udpserver
		local tool=$ROOT/bridge/udptool.py
		l_spawn echo1 "$NS_SERVER" "$LIMIT" "$PYTHON" "$tool" echo "$UPORT"
		l_wait_udp echo1 "$NS_SERVER" "$UPORT" || return 1
		l_spawn echo2 "$NS_SERVER" "$LIMIT" "$PYTHON" "$tool" echo "$UPORT2"
		l_wait_udp echo2 "$NS_SERVER" "$UPORT2" || return 1
		l_spawn sink-denied "$NS_SERVER" "$LIMIT" "$PYTHON" "$tool" sink --out "$RUN/stats/sink-denied.count" "$UPORT3"
		l_wait_udp sink-denied "$NS_SERVER" "$UPORT3" || return 1
		local i
		for i in $(seq 1 50); do
			l_inns "$NS_CLIENT" bash -c "exec 3<>/dev/tcp/$LOCAL_ADDR/$SOCKS_PORT" 2>/dev/null && break
			sleep 0.1
		done
		l_log "traffic: PySocks, $COUNT datagrams to each of two allowed targets and one that is not"
		;;
	esac
}

clients_start() {
	case $TRAFFIC in
	clients)
		TRAFFIC_TAG=udpclient
		l_spawn udpclient "$NS_CLIENT" "$LIMIT" "$BUILD/udpclient" "$LOCAL_ADDR" "$MPORT" --count "$COUNT" \
			--rate "$RATE" --size "$SIZE" --timeout "$TIMEOUT" --json --trace "$RUN/udpclient.trace"
		l_spawn udpclient-bob "$NS_CLIENT" "$LIMIT" "$BUILD/udpclient" "$LOCAL_ADDR" $MPORT2 \
			--count "$COUNT" --rate "$RATE" --size "$SIZE" --timeout "$TIMEOUT" --json
		local r=$(( CROSS_COUNT * RATE / COUNT ))
		[ "$r" -ge 1 ] || r=1
		l_spawn udpclient-cross-alice "$NS_CLIENT" "$LIMIT" "$BUILD/udpclient" "$LOCAL_ADDR" $MPORT3 \
			--count "$CROSS_COUNT" --rate "$r" --size "$SIZE" --timeout "$TIMEOUT" --json
		l_spawn udpclient-cross-bob "$NS_CLIENT" "$LIMIT" "$BUILD/udpclient" "$LOCAL_ADDR" $MPORT4 \
			--count "$CROSS_COUNT" --rate "$r" --size "$SIZE" --timeout "$TIMEOUT" --json
		;;
	socks5)
		TRAFFIC_TAG=socks5
		l_spawn socks5 "$NS_CLIENT" "$LIMIT" "$SOCKS_PY" "$ROOT/tests/socks5_client.py" "$SOCKS_PORT" --lib pysocks \
			--count "$COUNT" --timeout "$TIMEOUT" --to "$LOCAL_ADDR:$UPORT" --to "$LOCAL_ADDR:$UPORT2" \
			--to "$LOCAL_ADDR:$UPORT3"
		;;
	esac
}

clients_finish() {
	case $TRAFFIC in
	clients)
		local t
		for t in udpclient-bob udpclient-cross-alice udpclient-cross-bob; do
			wait "${L_PID[$t]}" 2>/dev/null
			unset "L_PID[$t]"
			grep '^{' "$RUN/logs/$t.log" | tail -n 1 >"$RUN/$t.json"
		done
		grep '^{' "$RUN/logs/udpclient.log" | tail -n 1 >"$RUN/udpclient.json"
		"$PYTHON" - "$RUN" <<-'PY'
			import json, sys
			run = sys.argv[1]
			def j(name):
			    try:
			        return json.load(open(f"{run}/{name}.json"))
			    except (OSError, ValueError):
			        return {}
			def warm(name):
			    return j(f"warmup.{name}").get("sent", 0)
			b = j("udpclient-bob")
			out = {"kind": "udpclient through bob's mpclient", "direction": "round_trip"}
			if b.get("sent"):
			    out.update(sent=b["sent"], lost=b["sent"] - b.get("received", 0))
			else:
			    out["error"] = "no result from bob's udpclient"
			iso = {"denied": [], "targets": {}}
			for who, target in (("alice", "udpserver-bob"), ("bob", "udpserver")):
			    c = j(f"udpclient-cross-{who}")
			    iso["denied"].append({"client": who, "target": target, "sent": c.get("sent"),
			                          "warmup_sent": warm(f"cross-{who}"), "replies": c.get("received")})
			# what each target may receive: its own client's datagrams (warm-ups included)
			# (the lab's own warm-up through alice's mpclient: at most 5 tries of 10)
			iso["targets"]["udpserver"] = {"own_sent": (j("udpclient").get("sent") or 0) + 50}
			iso["targets"]["udpserver-bob"] = {"own_sent": (b.get("sent") or 0) + warm("bob")}
			out["isolation"] = iso
			json.dump(out, open(f"{run}/app.json", "w"))
		PY
		;;
	socks5)	# (traffic_finish waited for it)
		"$PYTHON" - "$RUN" "$LOCAL_ADDR" "$UPORT" "$UPORT2" "$UPORT3" <<-'PY'
			import json, sys
			run, host = sys.argv[1], sys.argv[2]
			ports = [int(x) for x in sys.argv[3:6]]
			r = {}
			try:
			    for line in open(f"{run}/logs/socks5.log"):
			        if line.startswith("{"):
			            r = json.loads(line)
			except (OSError, ValueError):
			    pass
			out = {"kind": "PySocks through mpclient --socks5, two allowed targets", "direction": "round_trip"}
			ok = [r.get(f"{host}:{ports[i]}") for i in (0, 1)]
			bad = r.get(f"{host}:{ports[2]}")
			if all(ok) and bad:
			    sent = sum(x["sent"] for x in ok)
			    out.update(sent=sent, lost=sent - sum(x["received"] for x in ok),
			               per_target={f"{host}:{ports[i]}": ok[i] for i in (0, 1)})
			else:
			    out["error"] = "no result from the SOCKS5 client (logs/socks5.log)"
			out["isolation"] = {"exact": False, "denied": [{"client": "socks5", "target": "sink-denied",
			                                "sent": (bad or {}).get("sent"), "warmup_sent": 0,
			                                "replies": (bad or {}).get("received")}],
			                    "targets": {"sink-denied": {"own_sent": 0}}}
			json.dump(out, open(f"{run}/app.json", "w"))
		PY
		;;
	esac
}
