# tests/ports.sh - a range of free ports (sourced by tests/lib.sh and lab/lib/topo.sh).
#
#   port_range N PREFIX FREE   set PREFIX0..PREFIX(N-1) to N consecutive ports that the
#                              command FREE PORT calls free, from a random base below the
#                              kernel's ephemeral range; 1 when 50 tries found none

port_range() {
	local n=$1 prefix=$2 free=$3 try base i ok lo=32768 span
	# below the kernel's ephemeral range, so a socket bound to port 0 (a bridge's upstream
	# socket, anyone's client socket) cannot take a port handed out here before it is bound
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	span=$((lo - 10000 - n))
	[ "$span" -gt 1000 ] || span=20000
	for ((try = 0; try < 50; try++)); do
		base=$((10000 + (RANDOM * 32768 + RANDOM) % span))
		ok=1
		for ((i = 0; i < n; i++)); do
			"$free" $((base + i)) || { ok=0; break; }
		done
		if [ $ok = 1 ]; then
			for ((i = 0; i < n; i++)); do
				printf -v "$prefix$i" '%s' $((base + i))
			done
			return 0
		fi
	done
	return 1
}
