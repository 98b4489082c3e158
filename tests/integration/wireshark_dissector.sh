#!/bin/bash
# The Wireshark Lua dissector (tools/wireshark/mptunnel.lua) on a capture of
# real daemons on loopback: mpbridge --pcap on three paths, one of them lossy,
# traffic both ways (DATA, PING, PONG).  tshark must show seq and flow of
# every tunnel datagram (through the heuristic: the ports are random), the
# type of each, and mpbridge's marks (a drop record reads "dropped: loss").
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init wireshark_dissector
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LUA="$ROOT/tools/wireshark/mptunnel.lua"

if ! command -v tshark >/dev/null; then
	t_skip "tshark not installed (make deps installs it)"
	t_done
fi
TSHARK=(tshark -X "lua_script:$LUA" -o "mptunnel.ports:")

tun_ports
tun_target || { t_fail "udpserver did not start"; t_done; }
tun_server || { t_fail "mpserver did not start"; t_done; }
for i in 0 1 2; do
	extra=()
	[ "$i" = 1 ] && extra=(--loss 20% --seed 3)
	t_spawn "bridge$i" "$BUILD/mpbridge" --listen "$((BRIDGE_BASE + i))" \
		--to "localhost:$SERVER_PORT" --pcap "$T/b$i" "${extra[@]}"
	t_wait_udp "$((BRIDGE_BASE + i))" || { t_fail "mpbridge $i did not start"; t_done; }
done
tun_client || { t_fail "mpclient did not start"; t_done; }
tun_wait_ready || { t_fail "tunnel not ready"; t_done; }
tun_measure m --count 200 --rate 500 --size 300 --timeout 1s
for i in 0 1 2; do t_stop "bridge$i" TERM; done

# every record of every capture file
records=0 shown=0 bad=0
for f in "$T"/b*.pcap; do
	n=$(tshark -r "$f" 2>/dev/null | wc -l)
	"${TSHARK[@]}" -r "$f" -T fields -e mptunnel.seq -e mptunnel.flow \
		>"$T/fields" 2>>"$T/tshark.err"
	records=$((records + n))
	shown=$((shown + $(awk -F'\t' '$1 != "" && $2 != ""' "$T/fields" | wc -l)))
	bad=$((bad + $(awk -F'\t' '$1 == "" || $2 == ""' "$T/fields" | wc -l)))
done
t_expect "captures hold the traffic ($records records)" test "$records" -ge 600
t_expect "every tunnel datagram shows seq and flow ($shown of $records, $bad without)" \
	test "$shown" = "$records" -a "$bad" = 0
grep -v '^Running as user' "$T/tshark.err" >"$T/tshark.errors"
t_expect "tshark ran the script without errors" test ! -s "$T/tshark.errors"

"${TSHARK[@]}" -r "$T/b0-c2s.pcap" -T fields -e mptunnel.type -e mptunnel.flow \
	-e mptunnel.session -e mptunnel.version >"$T/types" 2>/dev/null
t_expect "DATA from mpclient carry a flow id" \
	sh -c "awk -F'\t' '\$1 == 1 && \$2 != 0' '$T/types' | grep -q ."
t_expect "PINGs are decoded (type 2, flow 0)" \
	sh -c "awk -F'\t' '\$1 == 2 && \$2 == 0' '$T/types' | grep -q ."
t_expect "one session in the capture" \
	test "$(cut -f3 "$T/types" | sort -u | wc -l)" = 1
"${TSHARK[@]}" -r "$T/b0-s2c.pcap" -T fields -e mptunnel.type -e mptunnel.flags.server \
	>"$T/s2c" 2>/dev/null
t_expect "PONGs from mpserver are decoded (type 3, SERVER flag)" \
	sh -c "awk -F'\t' '\$1 == 3 && (\$2 == 1 || \$2 == \"True\")' '$T/s2c' | grep -q ."

# mpbridge marks: arrivals and forwarded copies; drops read "dropped: loss"
"${TSHARK[@]}" -r "$T/b0-c2s.pcap" -T fields -e mpbridge.record >"$T/marks" 2>/dev/null
t_expect "arrivals marked" grep -qx arrival "$T/marks"
t_expect "forwarded copies marked" grep -qx forwarded "$T/marks"
drops=$(tshark -r "$T/b1-c2s-drop.pcap" 2>/dev/null | wc -l)
"${TSHARK[@]}" -r "$T/b1-c2s-drop.pcap" -T fields -e mpbridge.record -e mptunnel.seq \
	>"$T/drops" 2>/dev/null
t_expect "the lossy path dropped some ($drops)" test "$drops" -gt 0
t_expect "every drop record reads 'dropped: loss' and shows its seq" \
	test "$(awk -F'\t' '$1 == "dropped: loss" && $2 != ""' "$T/drops" | wc -l)" = "$drops"
"${TSHARK[@]}" -r "$T/b1-c2s-drop.pcap" >"$T/drops.txt" 2>&1
t_expect "the summary line says 'dropped: loss'" grep -q 'dropped: loss' "$T/drops.txt"
t_done
