# bench/sessions-lib.sh - the common start of the bench/mpt-sessions benchmarks (fairness.sh,
# workers.sh, cpu-sessions.sh); source it, then:
#
#   bs_init DSESSIONS DRATE DSECONDS DRUNS "$@"
#       tests/lib.sh's t_init (bench_NAME, NAME the script's name), SESSIONS RATE SECS RUNS
#       from the script's arguments 1-4 (defaults the D values), mpserver and mpt-sessions
#       built (else a message and exit 1), PORT0 and PORT1 free (mpserver, the sink), LOAD0
#       the load average at the start.

. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"

bs_init() {
	local name p
	name=$(basename "$0" .sh)
	t_init "bench_${name//-/_}" >/dev/null
	SESSIONS=${5:-$1}
	RATE=${6:-$2}
	SECS=${7:-$3}
	RUNS=${8:-$4}
	for p in mpserver mpt-sessions; do
		[ -x "$BUILD/$p" ] || { echo "bench/$name.sh: $BUILD/$p is not built" >&2; exit 1; }
	done
	t_ports 2 || exit 1
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
}
