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
	tun_mpbridge "$i" --pcap "$T/b$i" "${extra[@]}" || { t_fail "mpbridge $i did not start"; t_done; }
done
tun_client || { t_fail "mpclient did not start"; t_done; }
tun_wait_ready || { t_fail "tunnel not ready"; t_done; }
tun_measure m --count 200 --rate 500 --size 300 --timeout 1s
for i in 0 1 2; do t_stop "bridge$i" TERM; done

# every record of every capture file: one tshark run per file prints a line per
# record (empty fields for what the dissector did not show), columns
# 1 seq, 2 flow, 3 type, 4 session, 5 version, 6 SERVER flag, 7 mpbridge's mark,
# 8 CRC32C status, 9 path id
records=0 shown=0 bad=0
for f in "$T"/b*.pcap; do
	"${TSHARK[@]}" -r "$f" -T fields -e mptunnel.seq -e mptunnel.flow -e mptunnel.type \
		-e mptunnel.session -e mptunnel.version -e mptunnel.flags.server \
		-e mpbridge.record -e mptunnel.crc.status -e mptunnel.path \
		>"$f.fields" 2>>"$T/tshark.err"
	records=$((records + $(wc -l <"$f.fields")))
	shown=$((shown + $(awk -F'\t' '$1 != "" && $2 != ""' "$f.fields" | wc -l)))
	bad=$((bad + $(awk -F'\t' '$1 == "" || $2 == ""' "$f.fields" | wc -l)))
done
t_expect "captures hold the traffic ($records records)" test "$records" -ge 600
t_expect "every tunnel datagram shows seq and flow ($shown of $records, $bad without)" \
	test "$shown" = "$records" -a "$bad" = 0
grep -v '^Running as user' "$T/tshark.err" >"$T/tshark.errors"
t_expect "tshark ran the script without errors" test ! -s "$T/tshark.errors"

C2S=$T/b0-c2s.pcap.fields
t_expect "DATA from mpclient carry a flow id" \
	sh -c "awk -F'\t' '\$3 == 1 && \$2 != 0' '$C2S' | grep -q ."
t_expect "PINGs are decoded (type 2, flow 0)" \
	sh -c "awk -F'\t' '\$3 == 2 && \$2 == 0' '$C2S' | grep -q ."
t_expect "one session in the capture" \
	test "$(cut -f4 "$C2S" | sort -u | wc -l)" = 1
t_expect "PONGs from mpserver are decoded (type 3, SERVER flag)" \
	sh -c "awk -F'\t' '\$3 == 3 && (\$6 == 1 || \$6 == \"True\")' '$T/b0-s2c.pcap.fields' | grep -q ."

# the daemons speak protocol v2: every datagram version 2, its CRC32C good,
# and the path id of the bridge it crossed (mpclient's path i is bridge i)
notv2=0
for i in 0 1 2; do
	for d in c2s s2c; do
		notv2=$((notv2 + $(awk -F'\t' -v p="$i" '$5 != 2 || $8 != "good" || $9 != p' \
			"$T/b$i-$d.pcap.fields" | wc -l)))
	done
done
t_expect "every datagram is v2, its CRC32C good, its path id its bridge's ($notv2 not)" \
	test "$notv2" = 0

# mpbridge marks: arrivals and forwarded copies; drops read "dropped: loss"
t_expect "arrivals marked" sh -c "cut -f7 '$C2S' | grep -qx arrival"
t_expect "forwarded copies marked" sh -c "cut -f7 '$C2S' | grep -qx forwarded"
DROPS=$T/b1-c2s-drop.pcap.fields
drops=$(wc -l <"$DROPS")
t_expect "the lossy path dropped some ($drops)" test "$drops" -gt 0
t_expect "every drop record reads 'dropped: loss' and shows its seq" \
	test "$(awk -F'\t' '$7 == "dropped: loss" && $1 != ""' "$DROPS" | wc -l)" = "$drops"
"${TSHARK[@]}" -r "$T/b1-c2s-drop.pcap" >"$T/drops.txt" 2>&1
t_expect "the summary line says 'dropped: loss'" grep -q 'dropped: loss' "$T/drops.txt"
t_done
