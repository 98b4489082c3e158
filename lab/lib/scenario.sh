# lab/lib/scenario.sh - a scenario's variables: defaults, overrides, and checks before anything
# starts. An unknown name (COUNTT=10, or a typo inside a scenario file) or a bad value
# (COUNT=abc) is refused with a message naming it (exit 2).
#
#   scenario_defaults          set every variable to its default
#   scenario_load FILE ARGS    source FILE, apply VAR=VALUE overrides, check everything

SCENARIO_VARS="PATHS COUNT RATE SIZE TIMEOUT SEED EVENTS EXPECT MPCLIENT_ARGS MPSERVER_ARGS WARMUP
TRAFFIC IPERF_ARGS IPERF_RATE IPERF_TIME IPERF_LEN PING_COUNT PING_INTERVAL PING_SIZE
MPTCP_TIME MPTCP_RATE MPTCP_SUBFLOWS BIND CROSS_COUNT IPV6 KEYED BACKUP"
SCENARIO_PATH_VARS="BRIDGE KERNEL LOSS LOSS_C2S LOSS_S2C"
SCENARIO_EXPECTS="loss_in_ci steady_loss_in_ci loss_max loss_ratio_within loss_below_single
counters_agree no_duplicates recovery_max fault_lost_max path_recovery_max blackout_loss_in_ci
direction_split app_loss_in_ci mptcp_subflows goodput_all fec_loss_bound bytes_ratio_max
path_down_within auto_target auto_back_under_max
lost_max link_down_within link_up_within mtu_found_within isolation rebind_within
handover_loss_in_ci handover_after_max backup_bytes_day_max"
SCENARIO_TRAFFIC="udpclient iperf3 openvpn mptcp clients socks5"
SCENARIO_MAX_PATHS=8

scenario_defaults() {
	PATHS=3
	COUNT=2000 RATE=400 SIZE=200 TIMEOUT=2
	SEED=1
	EVENTS=() EXPECT=()
	MPCLIENT_ARGS="" MPSERVER_ARGS=""
	WARMUP=1
	TRAFFIC=udpclient
	IPERF_ARGS="" IPERF_RATE=2M IPERF_TIME=10 IPERF_LEN=1000
	PING_COUNT=1000 PING_INTERVAL=0.01 PING_SIZE=200
	MPTCP_TIME=10 MPTCP_RATE="" MPTCP_SUBFLOWS=""
	BIND=none
	CROSS_COUNT=1000
	IPV6=0
	KEYED=0
	BACKUP=""	# backup paths, 1-based ("3"): mpclient's --bridge "ADDR:PORT backup"
	local i v
	for i in $(seq 1 "$SCENARIO_MAX_PATHS"); do
		for v in $SCENARIO_PATH_VARS; do unset "${v}_$i"; done
	done
}

# scenario_known NAME: a variable a scenario may set
scenario_known() {
	local n=$1 v
	case " $(echo $SCENARIO_VARS) " in *" $n "*) return 0 ;; esac
	for v in $SCENARIO_PATH_VARS; do
		if [[ $n =~ ^${v}_([1-9])$ ]] && [ "${BASH_REMATCH[1]}" -le "$SCENARIO_MAX_PATHS" ]; then
			return 0
		fi
	done
	return 1
}

s_bad() { echo "lab: $SCEN_NAME: $*" >&2; exit 2; }

s_int() {	# NAME MIN MAX
	local n=$1 v=${!1}
	[[ $v =~ ^[0-9]+$ ]] || s_bad "$n=$v: not a whole number"
	[ "$v" -ge "$2" ] && [ "$v" -le "$3" ] || s_bad "$n=$v: out of range $2..$3"
}

s_num() {	# NAME: a non-negative decimal
	local n=$1 v=${!1}
	[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || s_bad "$n=$v: not a number of seconds"
}

s_frac() {	# NAME: 20% or a fraction 0..1
	local n=$1 v=${!1}
	if [[ $v =~ ^([0-9]+(\.[0-9]+)?)%$ ]]; then
		awk -v p="${BASH_REMATCH[1]}" 'BEGIN{exit !(p<=100)}' || s_bad "$n=$v: above 100%"
	elif [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		awk -v p="$v" 'BEGIN{exit !(p<=1)}' || s_bad "$n=$v: a fraction 0..1 or a percent (20%)"
	else
		s_bad "$n=$v: not a loss (20% or 0.2)"
	fi
}

# scenario_load FILE VAR=VALUE...
scenario_load() {
	local file=$1 kv n before after
	shift
	SCEN_NAME=$(basename "$file")
	scenario_defaults
	before=$(compgen -v | sort)
	# shellcheck disable=SC1090
	. "$file" || s_bad "the scenario file failed to load"
	after=$(compgen -v | sort)
	for n in $(comm -13 <(echo "$before") <(echo "$after")); do
		case $n in [A-Z]*) scenario_known "$n" || s_bad "unknown variable '$n' in $file (lab/README.md lists them)" ;; esac
	done
	for kv in "$@"; do
		case $kv in *=*) ;; *) s_bad "bad override '$kv' (VAR=VALUE)" ;; esac
		n=${kv%%=*}
		[[ $n =~ ^[A-Z][A-Z0-9_]*$ ]] && scenario_known "$n" ||
			s_bad "unknown variable '$n' in '$kv' (known: $(echo $SCENARIO_VARS) and ${SCENARIO_PATH_VARS// /_i, }_i)"
		case $n in
		EVENTS|EXPECT) s_bad "$n is a list: set it in a scenario file" ;;
		esac
		printf -v "$n" '%s' "${kv#*=}"
	done
	scenario_check
}

scenario_check() {
	local i v e w
	s_int PATHS 1 "$SCENARIO_MAX_PATHS"
	local b
	for b in $BACKUP; do
		[[ $b =~ ^[0-9]+$ ]] && [ "$b" -ge 1 ] && [ "$b" -le "$PATHS" ] ||
			s_bad "BACKUP=$BACKUP: path numbers 1..$PATHS"
	done
	s_int COUNT 1 100000000
	s_int RATE 1 1000000
	s_int SIZE 0 65000
	s_num TIMEOUT
	s_int SEED 0 4294967295
	s_int WARMUP 0 1
	s_int KEYED 0 1
	s_int IPERF_TIME 1 3600
	s_int IPERF_LEN 16 65000
	s_int PING_COUNT 1 1000000
	s_num PING_INTERVAL
	s_int PING_SIZE 0 65000
	s_int MPTCP_TIME 1 3600
	s_int CROSS_COUNT 1 1000000
	s_int IPV6 0 1
	[[ $IPERF_RATE =~ ^[0-9]+(\.[0-9]+)?[KMG]?$ ]] || s_bad "IPERF_RATE=$IPERF_RATE: a rate as iperf3 -b takes it (2M)"
	case $BIND in none|dev) ;; *) s_bad "BIND=$BIND: none (mpclient --bridge) or dev (--path dev=c<i>,bridge=...)" ;; esac
	case " $(echo $SCENARIO_TRAFFIC) " in *" $TRAFFIC "*) ;; *) s_bad "TRAFFIC=$TRAFFIC: one of $(echo $SCENARIO_TRAFFIC)" ;; esac
	for i in $(seq 1 "$SCENARIO_MAX_PATHS"); do
		for v in LOSS LOSS_C2S LOSS_S2C; do
			w="${v}_$i"
			[ -n "${!w+x}" ] && s_frac "$w"
		done
		w="BRIDGE_$i"
		if [ "$i" -gt "$PATHS" ] && [ -n "${!w:-}" ]; then
			s_bad "$w is set but PATHS=$PATHS"
		fi
	done
	for e in "${EVENTS[@]}"; do
		read -r -a w <<<"$e"
		[[ ${w[0]:-} =~ ^[0-9]+(\.[0-9]+)?$ ]] || s_bad "event '$e': starts with a time in seconds"
		case ${w[1]:-} in
		bridgestep) [[ ${w[2]:-} =~ ^[1-9]$ ]] && [ "${w[2]}" -le "$PATHS" ] ||
			s_bad "event '$e': bridgestep takes a path 1..$PATHS" ;;
		natflush) [[ ${w[2]:-} =~ ^[1-9]$ ]] && [ "${w[2]}" -le "$PATHS" ] ||
			s_bad "event '$e': natflush takes a path 1..$PATHS" ;;
		mtu) [[ ${w[2]:-} =~ ^[1-9]$ ]] && [ "${w[2]}" -le "$PATHS" ] && [[ ${w[3]:-} =~ ^[0-9]+$ ]] &&
			[ "${w[3]}" -ge 68 ] && [ "${w[3]}" -le 65535 ] ||
			s_bad "event '$e': mtu takes a path 1..$PATHS and a size in bytes (68-65535)" ;;
		linkdown|linkup) [[ ${w[2]:-} =~ ^[1-9]$ ]] && [ "${w[2]}" -le "$PATHS" ] ||
			s_bad "event '$e': ${w[1]} takes a path 1..$PATHS" ;;
		blackout|restore) [[ ${w[2]:-} =~ ^[1-9]$ ]] && [ "${w[2]}" -le "$PATHS" ] ||
			s_bad "event '$e': ${w[1]} takes a path 1..$PATHS" ;;
		loss) { [ "${w[2]:-}" = all ] || { [[ ${w[2]:-} =~ ^[1-9]$ ]] && [ "${w[2]}" -le "$PATHS" ]; }; } &&
			[[ ${w[3]:-} =~ ^[0-9]+(\.[0-9]{1,2})?$ ]] ||
			s_bad "event '$e': loss takes a path 1..$PATHS or all, and a percentage (0-100, up to 2 decimals)" ;;
		restart) case ${w[2]:-} in mpserver|mpclient|udpserver|bridge) ;; *)
			s_bad "event '$e': restart mpserver|mpclient|udpserver|bridge I" ;; esac ;;
		*) s_bad "event '$e': unknown action '${w[1]:-}' (blackout, restore, loss, restart, linkdown, linkup, mtu, natflush, bridgestep)" ;;
		esac
	done
	for e in "${EXPECT[@]}"; do
		read -r -a w <<<"$e"
		case " $(echo $SCENARIO_EXPECTS) " in *" ${w[0]:-} "*) ;; *) s_bad "unknown expectation '${w[0]:-}' (lab/README.md)" ;; esac
	done
}
