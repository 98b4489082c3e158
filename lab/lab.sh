#!/bin/bash
# lab/lab.sh - run multipath scenarios on lossy paths and report their loss against theory.
#
#   lab/lab.sh run [SCENARIO|FILE] [VAR=VALUE...]   one scenario (default seed-3path)
#   lab/lab.sh all                                  every scenario in lab/scenarios/
#   lab/lab.sh sweep                                per-path loss 0-50% x 1-4 paths, PNG plot
#   lab/lab.sh fec-sweep                            residual loss against bytes: broadcast and fec:K:M
#   lab/lab.sh list                                 the scenarios and their intent
#   lab/lab.sh up [SCENARIO] [VAR=VALUE...]         build it and keep it running (interactive)
#   lab/lab.sh exec client|server|bridgeI CMD...    run a command on a host of the lab that is up
#   lab/lab.sh down                                 stop it
#
# Environment: LAB_MODE=ns|loopback (default: ns as root, loopback otherwise), LAB_RUNS (where
# run folders go, default lab/runs), LAB_OUT (exact run folder), LAB_LEVEL (confidence level of
# the interval, default 0.99), BUILD (default build). VAR=VALUE arguments override the
# scenario's variables (e.g. COUNT=500 SEED=7).
#
# Each run writes lab/runs/<timestamp>-<scenario>/ with the captures (pcap/), the programs'
# logs and stats, the kernel's counters, report.json and report.md; the report table is printed.
# Exit: 0 when every expectation holds, 1 when one fails, 2 on a usage or setup error.
set -u
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LAB_DIR/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
LAB_RUNS=${LAB_RUNS:-$LAB_DIR/runs}
NETEM=$ROOT/netem/impair.sh
NLSTATS=$BUILD/mpt-nlstats
PYTHON=${PYTHON:-python3}

. "$LAB_DIR/lib/proc.sh"
. "$LAB_DIR/lib/topo.sh"
. "$LAB_DIR/lib/scenario.sh"
. "$LAB_DIR/lib/traffic.sh"
. "$LAB_DIR/lib/mptcp.sh"
. "$LAB_DIR/lib/clients.sh"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

default_mode() {
	if [ -n "${LAB_MODE:-}" ]; then
		echo "$LAB_MODE"
	elif [ "$(id -u)" = 0 ] && ip netns add "mptlab-probe-$$" 2>/dev/null; then
		ip netns del "mptlab-probe-$$"
		echo ns
	else
		echo loopback
	fi
}

scenario_file() {
	local s=$1
	if [ -f "$s" ]; then echo "$s"
	elif [ -f "$LAB_DIR/scenarios/$s" ]; then echo "$LAB_DIR/scenarios/$s"
	else return 1
	fi
}

scenario_intent() { sed -n '1s/^#[[:space:]]*//p' "$1"; }

meta() { printf '%s\t%s\n' "$1" "$2" >>"$RUN/meta.tsv"; }
event() { printf '%s\t%s\n' "$(now)" "$*" >>"$RUN/events.tsv"; l_log "event: $*"; }

# --- programs ---------------------------------------------------------------------------------
have() { [ -x "$BUILD/$1" ]; }

start_udpserver() {
	local k=${INST[udpserver]:-0}
	l_spawn udpserver "$NS_SERVER" "$LIMIT" "$BUILD/udpserver" "$UPORT" --bind "$LOCAL_ADDR" \
		--stats "$RUN/stats/udpserver.$k.json"
	l_wait_udp udpserver "$NS_SERVER" "$UPORT"
}

start_mpserver() {
	local k=${INST[mpserver]:-0}
	# shellcheck disable=SC2086
	# (TRAFFIC=clients: each client's target is in its config file; a --target here would be
	# the global one, which every client may name)
	local target=(--target "$LOCAL_ADDR:$UPORT")
	[ "$TRAFFIC" = clients ] && target=()
	l_spawn mpserver "$NS_SERVER" "$LIMIT" "$BUILD/mpserver" --listen "$SERVER_LISTEN:$SPORT" \
		"${target[@]}" --stats "$RUN/stats/mpserver.$k.json" $MPSERVER_ARGS
	l_wait_udp mpserver "$NS_SERVER" "$SPORT"
}

start_mpclient() {
	local k=${INST[mpclient]:-0} i args=() bk
	for i in $(seq 1 "$PATHS"); do
		# BACKUP: the scenario's backup paths (1-based), "ADDR:PORT backup"
		bk=
		case " ${BACKUP:-} " in *" $i "*) bk=1 ;; esac
		if [ "$BIND" = dev ] && [ "$LAB_MODE" = ns ]; then
			# an interface-bound path (SO_BINDTODEVICE): it follows its link's netlink events
			args+=(--path "dev=${DEV_C[i]},bridge=$(hp "${ADDR_BC[i]}" "${BPORT[i]}")${bk:+,backup}")
		else
			args+=(--bridge "$(hp "${ADDR_BC[i]}" "${BPORT[i]}")${bk:+ backup}")
		fi
	done
	# shellcheck disable=SC2086
	l_spawn mpclient "$NS_CLIENT" "$LIMIT" "$BUILD/mpclient" --listen "$LOCAL_ADDR:$MPORT" \
		"${args[@]}" --stats "$RUN/stats/mpclient.$k.json" $MPCLIENT_ARGS
	l_wait_udp mpclient "$NS_CLIENT" "$MPORT"
}

# bridge_args I: the scenario's arguments for path I, as mpbridge gets them
bridge_args() { local v="BRIDGE_$1"; echo "${!v:-}"; }

# bridge_effective: every path's bridge settings checked by mpbridge itself before anything
# starts (a bad BRIDGE_i is refused here, with mpbridge's message), and its effective settings
# saved as bridge/effective.I.json: the report's theory reads them (labreport/theory.py)
bridge_effective() {
	local i extra err=$RUN/logs/bridge-check.log
	for i in $(seq 1 "$PATHS"); do
		extra=$(bridge_args "$i")
		# shellcheck disable=SC2086
		"$BUILD/mpbridge" --check --json --listen 127.0.0.1:9 --to 127.0.0.1:9 $extra \
			>"$RUN/bridge/effective.$i.json" 2>"$err" || {
			echo "lab: $SCEN_NAME: BRIDGE_$i=\"$extra\" refused by mpbridge:" >&2
			sed 's/^/    /' "$err" >&2
			return 1
		}
	done
}

start_bridge() {
	local i=$1 k=${INST[bridge$1]:-0} extra
	extra=$(bridge_args "$i")
	if [ "$BRIDGE_KIND" = mpbridge ]; then
		local seedargs=() pcapargs=()
		[ -n "$SEED" ] && seedargs=(--seed $((SEED * 100 + i)))
		# the bridge's own captures: what it received, forwarded and dropped, and why (TOS);
		# mpbridge then sends each datagram at once (no batching), said in the report
		[ "${LAB_BRIDGE_PCAP:-1}" = 1 ] && pcapargs=(--pcap "$RUN/pcap/bridge$i.$k")
		# shellcheck disable=SC2086
		l_spawn "bridge$i" "${NS_BRIDGE[i]}" "$LIMIT" "$BUILD/mpbridge" \
			--listen "$(hp "${ADDR_BC[i]}" "${BPORT[i]}")" --to "$(hp "${ADDR_S[i]}" "$SPORT")" \
			"${seedargs[@]}" "${pcapargs[@]}" --stats "$RUN/stats/bridge$i.$k.json" $extra
	else
		l_spawn "bridge$i" "${NS_BRIDGE[i]}" "$LIMIT" socat -T 3600 \
			"udp-listen:${BPORT[i]},bind=${ADDR_BC[i]},reuseaddr" "udp4:${ADDR_S[i]}:$SPORT"
	fi
	l_wait_udp "bridge$i" "${NS_BRIDGE[i]}" "${BPORT[i]}" || return 1
	loopback_upports "$i"
}

# restart TAG START_FN [SIG] [DOWN]: stop one lab process, leave it down DOWN seconds (a
# scheduled fault, not a readiness wait), start it again (new stats file)
restart() {
	local tag=$1 fn=$2 sig=${3:-TERM} down=${4:-0}
	event "stop $tag $sig"
	l_stop "$tag" "$sig"
	INST[$tag]=$((${INST[$tag]:-0} + 1))
	if [ "$down" != 0 ]; then
		sleep "$down"
	fi
	event "start $tag"
	$fn || { l_log "restart of $tag failed"; return 1; }
	event "ready $tag"
}

# --- kernel impairments -----------------------------------------------------------------------
# KERNEL_i: ";"-separated netem/impair.sh commands for path i, e.g. "loss 20" or
# "loss-c2s 5; loss-s2c 20; rate 5mbit". loss applies to packets arriving at the bridge from
# either side (input hook of the bridge's namespace); rate limits what the bridge sends.
apply_kernel() {
	local i=$1 spec=$2 cmd verb arg
	[ -n "$spec" ] || return 0
	if [ "$LAB_MODE" != ns ]; then
		l_log "path $i: kernel impairments '$spec' need namespaces: not applied in loopback mode"
		meta "kernel_skipped.$i" "$spec"
		return 0
	fi
	IFS=';' read -ra cmds <<<"$spec"
	for cmd in "${cmds[@]}"; do
		read -r verb arg <<<"$cmd"
		[ -n "$verb" ] || continue
		case $verb in
		loss) kimp "$i" loss "${DEV_BC[i]}" "$arg" && kimp "$i" loss "${DEV_BS[i]}" "$arg" ;;
		loss-c2s) kimp "$i" loss "${DEV_BC[i]}" "$arg" ;;
		loss-s2c) kimp "$i" loss "${DEV_BS[i]}" "$arg" ;;
		rate) kimp "$i" rate "${DEV_BS[i]}" "$arg" && kimp "$i" rate "${DEV_BC[i]}" "$arg" ;;
		# a NAT between the bridge and mpserver: the bridge's datagrams leave b<i>s with a
		# random source port (ARG: the range, default 20000-29999, below the kernel's
		# ephemeral ports so no socket of the namespace holds one); event natflush rebinds it
		nat) kimp_nat "$i" "${arg:-20000-29999}" ;;
		*) l_log "path $i: unknown kernel impairment '$verb'"; return 1 ;;
		esac || return 1
	done
}

kimp_nat() {
	local i=$1 ports=$2 out
	out=$("$NETEM" nat "${NS_BRIDGE[i]}" "${DEV_BS[i]}" "$SPORT" "$ports") || return 1
	l_log "path $i: $out"
	meta "kernel.$i.${DEV_BS[i]}.nat" "$out"
}

kimp() {
	local i=$1 verb=$2 dev=$3 arg=$4 out
	out=$("$NETEM" "$verb" "${NS_BRIDGE[i]}" "$dev" "$arg") || return 1
	l_log "path $i: $out"
	meta "kernel.$i.$dev.$verb" "$out"
}

# logline I: where the daemons' logs stand as path I's fault begins (the report reads the
# path_state lines after it: how long the daemons took to declare the path down)
logline() {
	local d
	meta "faultstart.$1" "$(now)"	# events are written once the kernel filters are in: later
	for d in mpclient mpserver; do
		meta "logline.$1.$d" "$(wc -l <"$RUN/logs/$d.log" 2>/dev/null || echo 0)"
	done
}

blackout() {
	local i=$1
	logline "$i"
	if [ "$LAB_MODE" = ns ]; then
		"$NETEM" loss "${NS_BRIDGE[i]}" "${DEV_BC[i]}" 100 >/dev/null &&
			"$NETEM" loss "${NS_BRIDGE[i]}" "${DEV_BS[i]}" 100 >/dev/null
		event "blackout $i"
	else
		# no kernel filter on a shared loopback: stop the path's bridge instead
		event "blackout $i"
		l_stop "bridge$i" TERM
	fi
}

# blackout_many I J...: several paths at once (their kernel filters set in parallel: one after
# the other, a loaded machine would put a second or more between them)
blackout_many() {
	local i pids=()
	if [ "$LAB_MODE" != ns ] || [ $# = 1 ]; then
		for i in "$@"; do blackout "$i"; done
		return
	fi
	for i in "$@"; do logline "$i"; done
	for i in "$@"; do
		{ "$NETEM" loss "${NS_BRIDGE[i]}" "${DEV_BC[i]}" 100 >/dev/null &&
			"$NETEM" loss "${NS_BRIDGE[i]}" "${DEV_BS[i]}" 100 >/dev/null; } &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in "$@"; do event "blackout $i"; done
}

restore() {
	local i=$1 v="KERNEL_$1"
	if [ "$LAB_MODE" = ns ]; then
		"$NETEM" clear "${NS_BRIDGE[i]}" "${DEV_BC[i]}" >/dev/null
		"$NETEM" clear "${NS_BRIDGE[i]}" "${DEV_BS[i]}" >/dev/null
		apply_kernel "$i" "${!v:-}" >/dev/null 2>&1
		event "restore $i"
	else
		INST[bridge$i]=$((${INST[bridge$i]:-0} + 1))
		start_bridge "$i"
		event "restore $i"
	fi
}

# linkdown I / linkup I: the client's own link of path I (veth c<I> in the client's namespace)
# set down and up, as a Wi-Fi or 3G interface that goes away and comes back; the netlink events
# are what an interface-bound path (BIND=dev) follows. The times around the `ip` command go to
# meta.tsv (linkcmd.I.down/up: before it started and after it returned), and where the daemons'
# logs stood (logline), so the report finds the path_link lines the event caused. A link set
# down loses its static neighbour (the kernel flushes even permanent entries): it is put back
# before the link comes up, so no ARP crosses the lab's counted links.
link_down() {
	local i=$1 t
	if [ "$LAB_MODE" != ns ]; then
		event "linkdown-unsupported $i"
		return 0
	fi
	logline "$i"
	t=$(now)
	ip -n "$NS_CLIENT" link set "${DEV_C[i]}" down
	meta "linkcmd.$i.down" "$t $(now)"
	event "linkdown $i"
}

link_up() {
	local i=$1 t mac
	if [ "$LAB_MODE" != ns ]; then
		event "linkup-unsupported $i"
		return 0
	fi
	mac=$(ip netns exec "${NS_BRIDGE[i]}" cat "/sys/class/net/${DEV_BC[i]}/address")
	meta "loglineup.$i.mpclient" "$(wc -l <"$RUN/logs/mpclient.log" 2>/dev/null || echo 0)"
	t=$(now)
	printf 'neigh replace %s lladdr %s dev %s nud permanent\nlink set %s up\n' \
		"${ADDR_BC[i]}" "$mac" "${DEV_C[i]}" "${DEV_C[i]}" | ip -n "$NS_CLIENT" -batch -
	meta "linkcmd.$i.up" "$t $(now)"
	event "linkup $i"
}

# bridge_step I: path I's mpbridge applies its next timeline step now (SIGUSR2): a change of
# its delay, loss... when the lab wants it, planned in BRIDGE_I as a step past the run
# ("--at 100000s --delay 60ms --loss 20%"); mpbridge logs the step with its own time
bridge_step() {
	local i=$1 pid
	pid=$(l_child "${L_PID[bridge$i]:-0}")
	if [ "$BRIDGE_KIND" != mpbridge ] || [ -z "$pid" ]; then
		event "bridgestep-unsupported $i"
		return 0
	fi
	kill -USR2 "$pid"
	event "bridgestep $i"
}

# mtu_hole I N: a path MTU black hole on path I from now on: the bridge's namespace drops every
# IPv4 packet longer than N bytes arriving from either side, and sends no ICMP error (nftables,
# counted with the kernel's other drops on the path); loopback mode has no per-path filter
mtu_hole() {
	local i=$1 n=$2
	if [ "$LAB_MODE" != ns ]; then
		event "mtu-unsupported $i $n"
		return 0
	fi
	"$NETEM" mtu "${NS_BRIDGE[i]}" "${DEV_BC[i]}" "$n" >/dev/null &&
		"$NETEM" mtu "${NS_BRIDGE[i]}" "${DEV_BS[i]}" "$n" >/dev/null
	event "mtu $i $n"
}

# nat_flush I: path I's NAT (KERNEL_I="nat") forgets its mappings: the bridge namespace's
# conntrack table flushed (lab/tools/ctflush.py, started beforehand by nat_flushers and waiting
# for SIGUSR1: a Python start on a busy machine takes seconds), so the bridge's next datagram
# leaves from a new source port and mpserver's replies to the old one find no mapping (a NAT
# rebinding). meta natcmd.I: the time of the request and the flusher's time of the flush
nat_flush() {
	local i=$1 t pid n line=
	if [ "$LAB_MODE" != ns ] || ! l_alive "ctflush$i"; then
		event "natflush-unsupported $i"
		return 0
	fi
	logline "$i"
	n=$(wc -l <"$RUN/logs/ctflush$i.log")
	t=$(now)
	pid=$(l_child "${L_PID[ctflush$i]}")
	[ -n "$pid" ] && kill -USR1 "$pid"
	for _ in $(seq 1 100); do	# bounded: 5 s
		line=$(tail -n +$((n + 1)) "$RUN/logs/ctflush$i.log" | grep -m1 -E '^[0-9.]+ (flushed|failed)') && break
		sleep 0.05
	done
	case $line in
	*flushed) meta "natcmd.$i" "$t ${line%% *}"; event "natflush $i" ;;
	*) l_log "path $i: NAT flush failed: ${line:-no answer}"; event "natflush-failed $i" ;;
	esac
}

# nat_flushers: for each path a natflush event names, a flusher waiting in its bridge's namespace
nat_flushers() {
	local e w
	[ "$LAB_MODE" = ns ] || return 0
	for e in "${EVENTS[@]}"; do
		read -r -a w <<<"$e"
		[ "${w[1]}" = natflush ] || continue
		l_alive "ctflush${w[2]}" && continue
		l_spawn "ctflush${w[2]}" "${NS_BRIDGE[${w[2]}]}" "$LIMIT" "$PYTHON" -u "$LAB_DIR/tools/ctflush.py" --wait "$LIMIT"
		l_wait_log "ctflush${w[2]}" '^ready' 30 || l_log "path ${w[2]}: the conntrack flusher did not start"
	done
}

# stamp_logs: the daemons' log lines with the time each was seen (logs/stamp-mpclient.log,
# stamp-mpserver.log: "EPOCH LINE"), for events whose effect the daemons report without a time
# of their own (a path MTU black hole found)
stamp_logs() {
	local e d
	for e in "${EVENTS[@]}"; do
		case " $e " in *" mtu "*|*" natflush "*)
			for d in mpclient mpserver; do
				l_spawn "stamp-$d" - "$LIMIT" "$PYTHON" -u "$LAB_DIR/tools/stamp.py" "$RUN/logs/$d.log" "$LIMIT"
			done
			return 0 ;;
		esac
	done
}

# link_monitor: when the scenario has link events, another netlink listener in the client's
# namespace (`ip -ts monitor link`): when the kernel's event reached a listener other than
# mpclient, a second view of mpclient's delay
link_monitor() {
	local e
	[ "$LAB_MODE" = ns ] || return 0
	for e in "${EVENTS[@]}"; do
		case " $e " in *" linkdown "*|*" linkup "*)
			l_spawn linkmon "$NS_CLIENT" "$LIMIT" ip -ts monitor link
			return 0 ;;
		esac
	done
}

# loss I PCT: path i loses PCT% more each way from now on (the kernel's random drop in the
# bridge's namespace, as KERNEL_i; a step of the loss mid-run). Loopback mode has no per-path
# kernel filter: logged as loss-unsupported, and the report's theory cannot follow it.
kernel_loss_step() {
	local i=$1 pct=$2
	if [ "$LAB_MODE" = ns ]; then
		# the event is written once both filters are in: on a loaded machine that can be a
		# second after the first went in, so the report times a step from here
		meta "stepstart.$i" "$(now)"
		# nftables at once (impair.sh's probe for netem, a second or more on a busy machine,
		# would put the step seconds late)
		MPT_IMPAIR_METHOD=nft "$NETEM" loss "${NS_BRIDGE[i]}" "${DEV_BC[i]}" "$pct" >/dev/null &&
			MPT_IMPAIR_METHOD=nft "$NETEM" loss "${NS_BRIDGE[i]}" "${DEV_BS[i]}" "$pct" >/dev/null
		event "loss $i $pct"
	else
		event "loss-unsupported $i $pct"
	fi
}

# kernel drop counters (named nftables counters: they count the whole run across rule changes)
save_impair_stats() {
	local i=$1 label=$2 dev
	[ "$LAB_MODE" = ns ] || return 0
	for dev in "${DEV_BC[i]}" "${DEV_BS[i]}"; do
		"$NETEM" stats "${NS_BRIDGE[i]}" "$dev" >>"$RUN/kernel/impair.$i.jsonl" 2>/dev/null
		printf '{"label":"%s"}\n' "$label" >>"$RUN/kernel/impair.$i.jsonl"
	done
}

nl_snapshot() {
	local label=$1 i
	[ "$LAB_MODE" = ns ] || return 0
	# the end hosts' UDP MIB: socket buffer overflows at mpclient/udpclient or mpserver/udpserver
	ip netns exec "$NS_CLIENT" cat /proc/net/snmp >"$RUN/kernel/snmp.client.$label.txt" 2>/dev/null
	ip netns exec "$NS_SERVER" cat /proc/net/snmp >"$RUN/kernel/snmp.server.$label.txt" 2>/dev/null
	[ -x "$NLSTATS" ] || return 0
	for i in $(seq 1 "$PATHS"); do
		"$NLSTATS" --netns "${NS_BRIDGE[i]}" "${DEV_BC[i]}" "${DEV_BS[i]}" \
			>"$RUN/kernel/nl.$i.$label.json" 2>>"$RUN/logs/nlstats.log"
		# the namespace's UDP MIB: datagrams to a closed port, socket buffer overflows
		ip netns exec "${NS_BRIDGE[i]}" cat /proc/net/snmp >"$RUN/kernel/snmp.$i.$label.txt" 2>/dev/null
	done
}

# --- events during the traffic ----------------------------------------------------------------
# run_event ACTION ARGS: blackout I [J...] | restore I [J...] | loss I|all PCT |
# restart mpserver|mpclient [SIG [DOWN]] | restart bridge I [SIG [DOWN]]
run_event() {
	local what=$1 a=${2:-} b=${3:-} i
	case $what in
	blackout) shift; blackout_many "$@" ;;
	loss)
		if [ "$a" = all ]; then
			# every path at once (each applies in about a second on a busy machine): each
			# logs its own event when its filter is in place
			local i pids=()
			for i in $(seq 1 "$PATHS"); do
				kernel_loss_step "$i" "$b" &
				pids+=($!)
			done
			wait "${pids[@]}"
		else
			kernel_loss_step "$a" "$b"
		fi
		;;
	restore) shift; for i in "$@"; do restore "$i"; done ;;
	mtu) mtu_hole "$a" "$b" ;;
	bridgestep) bridge_step "$a" ;;
	natflush) nat_flush "$a" ;;
	linkdown) link_down "$a" ;;
	linkup) link_up "$a" ;;
	restart)
		case $a in
		mpserver|mpclient|udpserver) restart "$a" "start_$a" "${b:-TERM}" "${4:-0}" ;;
		bridge) restart "bridge${b:-1}" "start_bridge ${b:-1}" "${4:-TERM}" "${5:-0}" ;;
		*) l_log "unknown restart target '$a'" ;;
		esac
		;;
	*) l_log "unknown event '$what'" ;;
	esac
}

# --- capture ----------------------------------------------------------------------------------
start_captures() {
	local i tag
	CAP_TAGS=()
	if [ "$LAB_MODE" = ns ]; then
		for i in $(seq 1 "$PATHS"); do
			cap "cap$i-c" "${NS_BRIDGE[i]}" "${DEV_BC[i]}" "$RUN/pcap/path$i-c.pcap" || return 1
			cap "cap$i-s" "${NS_BRIDGE[i]}" "${DEV_BS[i]}" "$RUN/pcap/path$i-s.pcap" || return 1
		done
		cap caplo "$NS_CLIENT" lo "$RUN/pcap/client-lo.pcap" "udp port $MPORT" || return 1
		cap capsrv "$NS_SERVER" lo "$RUN/pcap/server-lo.pcap" "udp port $UPORT" || return 1
	else
		local f="udp port $MPORT or udp port $SPORT or udp port $UPORT"
		for i in $(seq 1 "$PATHS"); do f="$f or udp port ${BPORT[i]}"; done
		cap caplo - lo "$RUN/pcap/lo.pcap" "$f" || return 1
	fi
	# every tcpdump started at once, then each polled until it listens
	for tag in "${CAP_TAGS[@]}"; do
		l_wait_log "$tag" 'listening on' 10 || { l_log "capture $tag did not start"; return 1; }
	done
}

# cap TAG NS DEV FILE [FILTER]: start one tcpdump (start_captures waits for it)
cap() {
	local tag=$1 ns=$2 dev=$3 file=$4 filter=${5:-} snap=128
	# loopback: a GSO super-packet holds every segment's payload (the report reads the hello
	# number of each); the veths see single datagrams, whose first bytes are enough
	# and a larger kernel buffer (tcpdump falls behind on a busy machine; it says when it did)
	# tcpdump's --immediate-mode ring (TPACKET_V2) has one slot of the snap length per packet:
	# 65535 bytes would leave 128 MiB about a thousand slots, which a starved tcpdump fills in
	# well under a second. A GSO super-packet has at most 64 segments (lib/batch.h), so 64 of
	# the demo's datagrams with any tunnel overhead fit in 64 x (SIZE + 128) bytes; longer ones
	# (iperf3, OpenVPN) are counted from their IP length, their payload is not read.
	local buf=32768
	if [ "$dev" = lo ]; then
		snap=$((64 * (SIZE + 128) + 128))
		[ "$snap" -le 65535 ] || snap=65535
		buf=131072
		[ "$LAB_MODE" = loopback ] && buf=262144	# one capture holds every path's packets
	fi
	if ! command -v tcpdump >/dev/null || [ "$(id -u)" != 0 ]; then
		l_log "capture: no tcpdump or not root: $dev not captured"
		meta no_capture "$dev"
		return 0
	fi
	# shellcheck disable=SC2086
	l_spawn "$tag" "$ns" "$LIMIT" tcpdump -i "$dev" -n -U --immediate-mode -B "$buf" -s "$snap" -w "$file" $filter
	CAP_TAGS+=("$tag")
}

# the size of a tunnel datagram of the lab's traffic: SIZE plus the tunnel's overhead, read
# from lib/wire.h (the header, and the AEAD tag when the scenario gives a key)
tunnel_seg() {
	local o sealed=
	case " $MPCLIENT_ARGS " in *" --key-file "*|*" --key-file="*) sealed=--sealed ;; esac
	o=$(PYTHONPATH=$LAB_DIR "$PYTHON" -m labreport.wire $sealed) || return 1
	echo $((SIZE + o))
}

# the captures are counted by the report (lab/labreport), in datagrams: it needs the tunnel's
# datagram size to split GSO super-packets
capture_meta() {
	local seg
	seg=$(tunnel_seg) || seg=auto
	meta tunnel_seg "$seg"
}

# loopback: the ports a bridge uses towards the server (to tell its packets apart on lo); read
# after each start of a bridge and at the end, since a restarted bridge has a new one
loopback_upports() {
	local i
	[ "$LAB_MODE" = loopback ] || return 0
	for i in "${@:-$(seq 1 "$PATHS")}"; do
		upports_of "$i"
	done
}

upports_of() {
	local i=$1 pid child
	pid=${L_PID[bridge$i]:-}
	[ -n "$pid" ] || return 0
	child=$(l_child "$pid")
	[ -n "$child" ] || return 0
	ss -Hunap 2>/dev/null | grep "pid=$child," | awk '{print $4}' | sed 's/.*://' |
		grep -vx "${BPORT[i]}" >>"$RUN/kernel/upports.$i"
}

# --- one scenario -----------------------------------------------------------------------------
cleanup() {
	l_cleanup_procs
	topo_teardown
}

progress() {
	local t0=$1 dur=$2 el line i rx
	el=$(awk -v a="$(now)" -v b="$t0" 'BEGIN{printf "%.0f", a-b}')
	line="traffic ${el}/${dur}s"
	if [ "$LAB_MODE" = ns ] && [ -x "$NLSTATS" ]; then
		for i in $(seq 1 "$PATHS"); do
			rx=$("$NLSTATS" --netns "${NS_BRIDGE[i]}" "${DEV_BC[i]}" 2>/dev/null |
				sed -n 's/.*"rx_packets":\([0-9]*\).*/\1/p')
			line="$line  path$i in:${rx:-?}"
		done
	fi
	if [ -t 2 ]; then printf '\r[lab] %s   ' "$line" >&2; else l_log "$line"; fi
}

# lab_setup SCENARIO [VAR=VALUE...]: check the scenario, build the topology, apply the
# impairments, start the captures, bridges, mpserver, udpserver and mpclient, warm up
lab_setup() {
	local scen=${1:-seed-3path} file
	[ $# -gt 0 ] && shift
	file=$(scenario_file "$scen") || { echo "lab: no scenario '$scen' (lab/lab.sh list)" >&2; exit 2; }
	name=$(basename "$file")
	scenario_load "$file" "$@"	# exits 2 naming an unknown variable or a bad value
	LAB_MODE=$(default_mode)
	case $LAB_MODE in ns|loopback) ;; *) echo "lab: bad LAB_MODE '$LAB_MODE'" >&2; exit 2 ;; esac
	if [ "$LAB_MODE" = ns ] && [ "$(id -u)" != 0 ]; then
		echo "lab: LAB_MODE=ns needs root" >&2; exit 2
	fi
	if [ "$IPV6" = 1 ] && [ "$LAB_MODE" != ns ]; then
		echo "lab: IPV6=1 (IPv6 paths) needs namespaces (root): this loopback run uses 127.0.0.1" >&2
		IPV6=0
	fi

	if [ -n "${LAB_OUT:-}" ]; then RUN=$LAB_OUT
	else RUN=$LAB_RUNS/$(date +%Y%m%d-%H%M%S)-$name
		[ -e "$RUN" ] && RUN=$RUN-$$
	fi
	mkdir -p "$RUN"/{logs,stats,pcap,kernel,bridge} || exit 2
	: >"$RUN/meta.tsv"
	: >"$RUN/events.tsv"
	cp "$file" "$RUN/scenario"
	declare -gA INST=()

	local missing=() p
	for p in udpclient udpserver mpclient mpserver; do have "$p" || missing+=("$p"); done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "lab: $name: not built yet: ${missing[*]} (run make); scenario not run" >&2
		meta status not-run
		meta missing "${missing[*]}"
		exit 2
	fi
	BRIDGE_KIND=mpbridge
	if ! have mpbridge; then
		BRIDGE_KIND=socat
		command -v socat >/dev/null || { echo "lab: neither mpbridge nor socat" >&2; exit 2; }
	fi

	[ "$BRIDGE_KIND" = mpbridge ] && { bridge_effective || exit 2; }
	if [ "$KEYED" = 1 ]; then
		# a keyed tunnel (AEAD, authenticated path moves): one key for both ends
		(umask 077 && "$BUILD/mpclient" --genkey >"$RUN/tunnel.key") || { echo "lab: mpclient --genkey failed" >&2; exit 2; }
		MPCLIENT_ARGS="--key-file $RUN/tunnel.key${MPCLIENT_ARGS:+ $MPCLIENT_ARGS}"
		MPSERVER_ARGS="--key-file $RUN/tunnel.key${MPSERVER_ARGS:+ $MPSERVER_ARGS}"
	fi

	traffic_duration
	LIMIT=$((DUR + TIMEOUT + 120))
	[ "${LAB_UP:-0}" = 1 ] && LIMIT=${LAB_UP_LIMIT:-28800}
	echo "== lab: $name ($LAB_MODE mode) — $(scenario_intent "$file")" >&2
	[ "$LAB_MODE" = loopback ] &&
		echo "== LOOPBACK MODE: no namespaces; paths are ports on 127.0.0.1, no kernel impairments, no kernel counters per path" >&2

	trap cleanup EXIT
	trap 'exit 130' INT TERM
	traffic_check || exit 2

	meta scenario "$name"
	meta intent "$(scenario_intent "$file")"
	meta mode "$LAB_MODE"
	meta paths "$PATHS"
	meta ipv6 "$IPV6"
	meta count "$COUNT"; meta rate "$RATE"; meta size "$SIZE"; meta timeout "$TIMEOUT"
	meta backup "$BACKUP"
	meta seed "$SEED"
	meta level "${LAB_LEVEL:-0.99}"
	meta bridge_kind "$BRIDGE_KIND"
	meta mpclient_args "${MPCLIENT_ARGS:-}"
	meta mpserver_args "${MPSERVER_ARGS:-}"
	meta bind "$BIND"
	meta started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	local i v e
	for i in $(seq 1 "$PATHS"); do
		for v in BRIDGE KERNEL LOSS LOSS_C2S LOSS_S2C; do
			local n="${v}_$i"
			[ -n "${!n+x}" ] && meta "$(echo "$v" | tr A-Z a-z).$i" "${!n}"
		done
	done
	for e in "${EVENTS[@]}"; do meta event "$e"; done
	for e in "${EXPECT[@]}"; do meta expect "$e"; done

	[ "$LAB_MODE" = ns ] && topo_reap
	l_log "topology: $PATHS paths"
	topo_setup "$PATHS" || { l_log "topology setup failed"; exit 2; }
	meta mport "$MPORT"; meta uport "$UPORT"; meta sport "$SPORT"
	for i in $(seq 1 "$PATHS"); do
		meta "path.$i" "${NS_BRIDGE[i]} ${DEV_BC[i]} $(hp "${ADDR_BC[i]}" "${BPORT[i]}") ${DEV_BS[i]} ${ADDR_BS[i]} -> $(hp "${ADDR_S[i]}" "$SPORT")"
	done
	if [ "$LAB_MODE" = ns ]; then
		meta kernel_offers "$("$NETEM" probe "$NS_CLIENT")"
		meta namespaces "$NS_CLIENT ${NS_BRIDGE[*]:1} $NS_SERVER"
	fi

	# without mpbridge, a bridge loss "--loss N%" moves to the kernel (namespaces only)
	for i in $(seq 1 "$PATHS"); do
		local ba kv2="KERNEL_$i"
		ba=$(bridge_args "$i")
		if [ "$BRIDGE_KIND" = socat ] && [ -n "$ba" ]; then
			if [[ $ba =~ ^[[:space:]]*--loss[[:space:]]+([0-9.]+)%?[[:space:]]*$ ]] && [ "$LAB_MODE" = ns ]; then
				printf -v "$kv2" '%s' "${!kv2:+${!kv2}; }loss ${BASH_REMATCH[1]}"
				l_log "path $i: mpbridge not built: '$ba' applied by the kernel instead"
				meta "moved_to_kernel.$i" "$ba"
			else
				l_log "path $i: mpbridge not built: '$ba' NOT APPLIED (socat relays without impairment)"
				meta "not_applied.$i" "$ba"
			fi
		fi
		apply_kernel "$i" "${!kv2:-}" || { l_log "kernel impairment failed"; exit 2; }
	done

	[ "$LAB_MODE" = ns ] && { topo_control_link || { l_log "control link failed"; exit 2; }; }
	# TRAFFIC=mptcp compares no per-path counters and moves gigabytes of TCP: no captures unless
	# asked for (LAB_CAPTURE=1, LAB_BRIDGE_PCAP=1)
	if [ "$TRAFFIC" = mptcp ]; then
		: "${LAB_CAPTURE:=0}" "${LAB_BRIDGE_PCAP:=0}"
	fi
	if { [ "${LAB_UP:-0}" != 1 ] && [ "${LAB_CAPTURE:-1}" = 1 ]; } || [ "${LAB_CAPTURE:-0}" = 1 ]; then
		start_captures || exit 2
	fi
	nl_snapshot start
	clients_configure || { l_log "clients: set-up failed"; exit 2; }
	l_log "starting $BRIDGE_KIND x$PATHS, mpserver, udpserver, mpclient"
	for i in $(seq 1 "$PATHS"); do start_bridge "$i" || exit 2; done
	start_udpserver || exit 2
	stamp_logs
	nat_flushers
	start_mpserver || exit 2
	start_mpclient || exit 2
	link_monitor

	if [ "$WARMUP" = 1 ]; then
		local ok=0 try
		for try in 1 2 3 4 5; do
			if l_inns "$NS_CLIENT" timeout 10 "$BUILD/udpclient" "$LOCAL_ADDR" "$MPORT" --count 10 \
				--rate 100 --size 32 --timeout 1 --json >"$RUN/warmup.json" 2>>"$RUN/logs/warmup.log" ||
				true; then
				if grep -Eq '"received"[[:space:]]*:[[:space:]]*[1-9]' "$RUN/warmup.json"; then ok=1; break; fi
			fi
		done
		[ $ok = 1 ] || l_log "warm-up: no reply through the tunnel after 5 tries (going on)"
		meta warmup_ok "$ok"
	fi

}

cmd_run() {
	local name
	lab_setup "$@"
	traffic_prepare || exit 2
	local t0 evs=() fired=() j
	evs=("${EVENTS[@]}")
	t0=$(now)
	meta t0 "$t0"
	event "traffic start"
	traffic_start || exit 2
	local dur=$DUR
	local last=-1 el steps=$(( (LIMIT + 5) * 10 ))
	for _ in $(seq 1 "$steps"); do
		l_alive "$TRAFFIC_TAG" || break
		el=$(awk -v a="$(now)" -v b="$t0" 'BEGIN{printf "%.3f", a-b}')
		for j in "${!evs[@]}"; do
			[ -n "${fired[j]:-}" ] && continue
			local at what
			read -r at what <<<"${evs[j]}"
			if awk -v e="$el" -v a="$at" 'BEGIN{exit !(e>=a)}'; then
				fired[j]=1
				# shellcheck disable=SC2086
				run_event $what
			fi
		done
		if [ "${el%.*}" != "$last" ]; then last=${el%.*}; progress "$t0" "$dur"; fi
		sleep 0.1
	done
	[ -t 2 ] && printf '\n' >&2
	traffic_finish
	event "traffic end"

	# snapshot order: tunnel stops, kernel counters, bridges (stats at exit), captures
	loopback_upports
	l_stop mpclient; l_stop mpserver; l_stop udpserver
	nl_snapshot end
	for i in $(seq 1 "$PATHS"); do save_impair_stats "$i" end; done
	local t caps=()
	l_stop_all TERM $(for i in $(seq 1 "$PATHS"); do echo "bridge$i"; done)
	for t in "${!L_PID[@]}"; do
		case $t in cap*) caps+=("$t") ;; esac
	done
	l_stop_all INT "${caps[@]}"
	capture_meta

	l_cleanup_procs
	topo_teardown
	trap - EXIT
	meta finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	"$PYTHON" "$LAB_DIR/report.py" run "$RUN"
}

# --- interactive lab --------------------------------------------------------------------------
UPSTATE=${LAB_UP_STATE:-$LAB_RUNS/up.state}

cmd_up() {
	local name
	if [ -f "$UPSTATE" ]; then
		echo "lab: a lab is up already ($(sed -n 's/^RUN=//p' "$UPSTATE")): lab/lab.sh down first" >&2
		exit 2
	fi
	LAB_UP=1
	lab_setup "$@"
	[ "$TRAFFIC" = udpclient ] || traffic_prepare || exit 2
	mkdir -p "$(dirname "$UPSTATE")"
	{
		printf 'RUN=%q\nLAB_MODE=%q\nNS_CLIENT=%q\nNS_SERVER=%q\n' "$RUN" "$LAB_MODE" "$NS_CLIENT" "$NS_SERVER"
		printf 'NS_BRIDGES=(%s)\n' "${NS_BRIDGE[*]:1}"
		printf 'NETNS=(%s)\n' "${L_NETNS[*]}"
		printf 'PIDS=(%s)\n' "${L_ALL_PIDS[*]}"
	} >"$UPSTATE"
	local t
	for t in "${!L_PID[@]}"; do printf '%s\t%s\n' "$t" "$(l_child "${L_PID[$t]}")"; done >"$RUN/pids.tsv"
	trap - EXIT	# everything stays up
	local i h=""
	[ "$LAB_MODE" = ns ] && h=" (namespace %s)"
	echo
	echo "== lab up: $name, $LAB_MODE mode; run folder $RUN"
	echo "   every process runs under timeout ${LIMIT}s; logs and stats in the run folder; pids in $RUN/pids.tsv"
	printf "   client host:  lab/lab.sh exec client CMD...$h\n" $( [ "$LAB_MODE" = ns ] && echo "$NS_CLIENT")
	printf "   server host:  lab/lab.sh exec server CMD...$h\n" $( [ "$LAB_MODE" = ns ] && echo "$NS_SERVER")
	for i in $(seq 1 "$PATHS"); do
		printf "   bridge %s:     lab/lab.sh exec bridge%s CMD...  mpbridge %s -> %s  %s\n" "$i" "$i" "$(hp "${ADDR_BC[i]}" "${BPORT[i]}")" "$(hp "${ADDR_S[i]}" "$SPORT")" "$(bridge_args "$i")"
	done
	echo "   tunnel entry: UDP $LOCAL_ADDR:$MPORT on the client host (mpclient)"
	echo "   tunnel exit:  mpserver on the server host sends to UDP $LOCAL_ADDR:$UPORT there ($( [ "$TRAFFIC" = udpclient ] && echo "udpserver answers; stop it with: kill $(l_child "${L_PID[udpserver]}")" || echo "$TRAFFIC"))"
	[ "$LAB_MODE" = ns ] && echo "   control link: client $CTL_C <-> server $CTL_S, beside the tunnel (TCP control connections, ssh...)"
	case $TRAFFIC in
	iperf3) echo "   iperf3:       lab/lab.sh exec client iperf3 -4 -c $LOCAL_ADDR -p $MPORT -u -b 2M -l 1000 -t 10   (TCP control via socat to the server)" ;;
	openvpn) echo "   OpenVPN:      lab/lab.sh exec client ping $VPN_S   (VPN $VPN_C -> $VPN_S through the tunnel)" ;;
	esac
	echo "   try:          lab/lab.sh exec client $BUILD/udpclient $LOCAL_ADDR $MPORT --count 1000 --rate 200 --size 200"
	echo "   down:         make lab-down   (or lab/lab.sh down)"
}

up_state() {
	[ -f "$UPSTATE" ] || { echo "lab: no lab is up (make lab-up)" >&2; exit 2; }
	# shellcheck disable=SC1090
	. "$UPSTATE"
}

cmd_exec() {
	local host=${1:-} ns
	[ $# -ge 2 ] || { echo "usage: lab/lab.sh exec client|server|bridgeI CMD..." >&2; exit 2; }
	shift
	up_state
	case $host in
	client) ns=$NS_CLIENT ;;
	server) ns=$NS_SERVER ;;
	bridge[1-9]) ns=${NS_BRIDGES[${host#bridge} - 1]:-} ;;
	*) echo "lab: unknown host '$host' (client, server, bridge1...)" >&2; exit 2 ;;
	esac
	[ -n "$ns" ] || { echo "lab: no host '$host' in this lab" >&2; exit 2; }
	if [ "$LAB_MODE" = ns ]; then exec ip netns exec "$ns" "$@"; else exec "$@"; fi
}

cmd_down() {
	up_state
	local pid ns
	for pid in "${PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && l_signal_pid "$pid" TERM
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -0 "$pid" 2>/dev/null && { l_signal_pid "$pid" KILL; kill -KILL "$pid" 2>/dev/null; }
	done
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -f "$UPSTATE"
	echo "== lab down; its run folder (logs, stats, captures) stays: $RUN"
}

cmd_list() {
	local f
	for f in "$LAB_DIR"/scenarios/*; do
		printf '%-18s %s\n' "$(basename "$f")" "$(scenario_intent "$f")"
	done
}

cmd_all() {
	local dir f rc=0 res=()
	dir=$LAB_RUNS/$(date +%Y%m%d-%H%M%S)-all
	mkdir -p "$dir"
	for f in "$LAB_DIR"/scenarios/*; do
		local n
		n=$(basename "$f")
		LAB_OUT=$dir/$n bash "$0" run "$f" "$@"
		local r=$? line
		line=$(printf '%-17s %s' "$n" "$("$PYTHON" "$LAB_DIR/report.py" line "$dir/$n" 2>/dev/null)")
		case $r in 0) res+=("[ OK ] $line") ;; *) res+=("[FAIL] $line"); rc=1 ;; esac
	done
	echo
	echo "== lab-all: $dir"
	printf '%s\n' "${res[@]}" | tee "$dir/summary.txt"
	return $rc
}

# sweep: per-path loss x number of paths, each point a run of its own with enough datagrams that
# its 99% interval is within a factor of 2 of the theory wherever theory >= 0.1%: SWEEP_K
# expected losses (default 30), at least SWEEP_MIN and at most SWEEP_MAX datagrams; no
# captures (the figures come from udpclient and the bridges' and kernel's counters)
cmd_sweep() {
	local dir n p rc=0 t_start
	t_start=$(date +%s)
	dir=$LAB_RUNS/$(date +%Y%m%d-%H%M%S)-sweep
	mkdir -p "$dir"
	local losses=${SWEEP_LOSSES:-0 10 20 30 40 50} paths=${SWEEP_PATHS:-1 2 3 4}
	local total=0 k=0
	for n in $paths; do for p in $losses; do total=$((total + 1)); done; done
	for n in $paths; do
		for p in $losses; do
			k=$((k + 1))
			local s=$dir/n$n-p$p.scenario count
			count=$(awk -v n="$n" -v p="$p" -v K="${SWEEP_K:-30}" -v lo="${SWEEP_MIN:-2000}" -v hi="${SWEEP_MAX:-30000}" \
				'BEGIN { q = (p / 100) ^ n; t = 1 - (1 - q) ^ 2; c = (t > 0) ? K / t : lo;
				         if (c < lo) c = lo; if (c > hi) c = hi; printf "%d", c + 0.999 }')
			{
				echo "# sweep point: $n paths at $p% loss each way on every path"
				echo "PATHS=$n"
				for i in $(seq 1 "$n"); do echo "BRIDGE_$i=\"--loss $p%\""; done
				echo "COUNT=$count RATE=${SWEEP_RATE:-1000} SIZE=${SWEEP_SIZE:-100} TIMEOUT=1"
				echo "SEED=$((n * 1000 + p))"
				echo "EXPECT=(loss_in_ci)"
			} >"$s"
			echo "== sweep $k/$total: $n paths, $p% per path, $count datagrams" >&2
			LAB_CAPTURE=0 LAB_BRIDGE_PCAP=0 LAB_OUT=$dir/n$n-p$p bash "$0" run "$s" >"$dir/n$n-p$p.out" 2>&1
			grep -E '^(end to end|theory):' "$dir/n$n-p$p.out" | sed 's/^/   /' >&2
		done
	done
	"$PYTHON" "$LAB_DIR/report.py" sweep "$dir" || rc=1
	echo "== sweep took $(( $(date +%s) - t_start ))s" >&2
	return $rc
}

# fec-sweep: the redundancy sweep, residual loss against bytes on the wire: 3 paths at each of
# FEC_SWEEP_LOSSES (default 10 30) % each way, mpclient --redundancy each of FEC_SWEEP_MODES for
# both directions, FEC_SWEEP_COUNT (default 6000) round trips of 1000 bytes at 1000/s each, no
# captures; report.json and fec-sweep.png beside theory (labreport/fecsweep.py)
cmd_fec_sweep() {
	local dir p mode rc=0 t_start k=0 total=0
	t_start=$(date +%s)
	dir=$LAB_RUNS/$(date +%Y%m%d-%H%M%S)-fec-sweep
	mkdir -p "$dir"
	local losses=${FEC_SWEEP_LOSSES:-10 30}
	local modes=${FEC_SWEEP_MODES:-broadcast fec:20:10 fec:30:14 fec:20:20 fec:32:32 fec:10:20}
	for p in $losses; do for mode in $modes; do total=$((total + 1)); done; done
	for p in $losses; do
		for mode in $modes; do
			k=$((k + 1))
			local tag=p$p-${mode//:/_} s
			s=$dir/$tag.scenario
			{
				echo "# redundancy sweep point: 3 paths at $p% each way, $mode"
				echo "PATHS=3"
				for i in 1 2 3; do echo "BRIDGE_$i=\"--loss $p%\""; done
				echo "COUNT=${FEC_SWEEP_COUNT:-6000} RATE=1000 SIZE=1000 TIMEOUT=2"
				echo "SEED=$((p * 100 + k))"
				echo "MPCLIENT_ARGS=\"--redundancy $mode --fec-wait 200ms --fec-depth 4\""
				echo "EXPECT=(no_duplicates)"
			} >"$s"
			echo "== fec-sweep $k/$total: 3 paths at $p%, $mode" >&2
			LAB_CAPTURE=0 LAB_BRIDGE_PCAP=0 LAB_OUT=$dir/$tag bash "$0" run "$s" >"$dir/$tag.out" 2>&1
			grep -E '^(end to end|fec:)' "$dir/$tag.out" | sed 's/^/   /' >&2
		done
	done
	"$PYTHON" "$LAB_DIR/report.py" fec-sweep "$dir" || rc=1
	echo "== fec-sweep took $(( $(date +%s) - t_start ))s: $dir" >&2
	return $rc
}

case ${1:-} in
run) shift; cmd_run "$@" ;;
fec-sweep) shift; cmd_fec_sweep "$@" ;;
all) shift; cmd_all "$@" ;;
sweep) shift; cmd_sweep "$@" ;;
list) cmd_list ;;
up) shift; cmd_up "$@" ;;
exec) shift; cmd_exec "$@" ;;
down) cmd_down ;;
-h|--help|"") usage ;;
*) echo "lab: unknown command '$1'" >&2; usage ;;
esac
