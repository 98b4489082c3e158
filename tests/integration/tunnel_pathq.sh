#!/bin/bash
# Per-path measurement from FEEDBACK (issue 12, PROTOCOL.md FEEDBACK):
# mpbridge imposes known impairments, seeded, on three paths:
#   path 0: 10% Bernoulli loss each way      path 1: 20 ms delay each way
#   path 2: a 1 s blackout in the middle of the run (its bridge stopped with
#           SIGSTOP 3 s into the run, SIGCONT 1 s later: a blackout timed by
#           the bridge's own clock could fall before the run on a loaded machine)
# An echo run of N datagrams at RATE goes through.  The loss both ends
# report for path 0, in both directions, must lie in the interval the
# binomial spread allows for the estimator's span (about 500 datagrams:
# p +- 4.5 sd with half that count, to allow for its exponential weights);
# the clean paths' loss at most 1%; path 1's smoothed RTT at least the
# imposed 40 ms (its excess, the load's, printed); path 2 declared down
# by the fast rule during its blackout and up again after it, with nothing
# lost end to end.  The RTT bound is the impairment itself (a lower bound),
# not a speed assertion.  Unknown figures are null (checked before any traffic).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_pathq
have_mpbridge || { t_fail "mpbridge not built"; t_done; }
N=4000
RATE=500

tun_ports
tun_target
tun_server
t_spawn bridge0 "$BUILD/mpbridge" --listen "$BRIDGE_BASE" --to "localhost:$SERVER_PORT" \
	--seed 12 --loss 10%
t_spawn bridge1 "$BUILD/mpbridge" --listen "$((BRIDGE_BASE + 1))" --to "localhost:$SERVER_PORT" \
	--delay 20ms
t_spawn bridge2 "$BUILD/mpbridge" --listen "$((BRIDGE_BASE + 2))" --to "localhost:$SERVER_PORT"
for i in 0 1 2; do t_wait_udp "$((BRIDGE_BASE + i))"; done
tun_client
t_stats client "$T/client.json" from_app >/dev/null
t_expect "before any traffic: srtt, loss and burst are null" \
	python3 - "$T/client.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["paths"][0]
sys.exit(0 if all(p[k] is None for k in ("srtt_ms", "loss_tx", "loss_rx", "burst_tx")) else 1)
EOF
t_expect "tunnel up" tun_wait_ready
tun_measure run --count "$N" --rate "$RATE" --timeout 2s &
mp=$!
sleep 3		# scenario time: the blackout in the middle of the run
kill -STOP "$(t_pid bridge2)"
sleep 1
kill -CONT "$(t_pid bridge2)"
t_wait_pid $mp 60
lost=$(json_get "$T/run.json" lost)
t_expect "nothing lost end to end ($lost of $N)" [ "${lost:-x}" = 0 ]
t_stats client "$T/client.json" from_app >/dev/null
t_stats server "$T/server.json" sessions_open >/dev/null
python3 - "$T/client.json" "$T/server.json" >"$T/figures" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
cp = {p["index"]: p for p in c["paths"]}
sp = {p["index"]: p for p in s["sessions"][0]["paths"]}
def f(v):
    return "null" if v is None else repr(v)
for i in range(3):
    print(i, f(cp[i]["loss_tx"]), f(cp[i]["loss_rx"]), f(sp[i]["loss_tx"]), f(sp[i]["loss_rx"]),
          f(cp[i]["srtt_ms"]), f(sp[i]["srtt_ms"]), cp[i]["state"], sp[i]["state"])
EOF
cat "$T/figures" | sed 's/^/# path /'
bounds=$(python3 -c '
import math
p, n = 0.10, 250
sd = math.sqrt(p * (1 - p) / n)
print("%.4f %.4f" % (p - 4.5 * sd, p + 4.5 * sd))')
read -r lo hi <<<"$bounds"
in_real() { python3 -c 'import sys; v = sys.argv[1]; sys.exit(0 if v != "null" and float(sys.argv[2]) <= float(v) <= float(sys.argv[3]) else 1)' "$@"; }
read -r _ c_tx c_rx s_tx s_rx _ <<<"$(sed -n 1p "$T/figures")"
t_expect "path 0 (10% loss): mpclient's loss towards mpserver $c_tx, from it $c_rx; mpserver's $s_tx, $s_rx (bounds $lo..$hi)" \
	eval 'in_real "$c_tx" "$lo" "$hi" && in_real "$c_rx" "$lo" "$hi" && in_real "$s_tx" "$lo" "$hi" && in_real "$s_rx" "$lo" "$hi"'
read -r _ c_tx c_rx s_tx s_rx c_rtt s_rtt _ <<<"$(sed -n 2p "$T/figures")"
t_expect "path 1 (clean, 20 ms each way): loss $c_tx $c_rx $s_tx $s_rx (at most 1%)" \
	eval 'in_real "$c_tx" 0 0.01 && in_real "$c_rx" 0 0.01 && in_real "$s_tx" 0 0.01 && in_real "$s_rx" 0 0.01'
# the imposed delay is a floor the figure cannot go under; how far above it
# lands depends on the machine's load (printed, not asserted: at load 16
# path 0's SRTT read 63 ms with nothing imposed)
t_expect "path 1: smoothed RTT ${c_rtt} ms at mpclient, ${s_rtt} ms at mpserver (at least the 40 ms imposed)" \
	eval 'in_real "$c_rtt" 40 1e9 && in_real "$s_rtt" 40 1e9'
read -r _ c_tx c_rx s_tx s_rx c_rtt s_rtt _ <<<"$(sed -n 1p "$T/figures")"
t_expect "path 0: smoothed RTT ${c_rtt} ms / ${s_rtt} ms (no delay imposed; measured at all)" \
	eval 'in_real "$c_rtt" 0 1e9 && in_real "$s_rtt" 0 1e9'
downs=$(grep -c "path 2 .*down: nothing for" "$T/client.log")
ups=$(grep -c "path 2 .*up again" "$T/client.log")
sdowns=$(grep -c "path 2 down: nothing for" "$T/server.log")
t_expect "path 2 (1 s blackout): down by the fast rule and up again at both ends (mpclient $downs/$ups, mpserver $sdowns)" \
	eval '[ "$downs" -ge 1 ] && [ "$ups" -ge 1 ] && [ "$sdowns" -ge 1 ]'
grep "path 2 .*down: nothing for" "$T/client.log" | head -1 | sed 's/^/# /'
# not asserted: on a loaded machine a bridge process can be descheduled for
# longer than the bound while the others run, and the rule says so
echo "# paths 0-1 declared down (scheduling stalls of their bridges): $(grep -c "path [01] .*down: nothing for" "$T/client.log" "$T/server.log" | paste -sd' ')"
t_done
