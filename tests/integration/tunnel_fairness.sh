#!/bin/bash
# Fairness under overload (issue 13): 100 sessions x 3 paths from bench/mpt-sessions send
# equal shares of more datagrams than one mpserver forwards; each session's share (what
# reached the target of what it sent) is measured by the generator's sink.
#
# What is checked is a bound derived from the spread, not a time: under overload the datagrams
# are lost in bursts (the generator sends each session's datagrams as one GSO message per path,
# at most 32; the kernel drops the tail of a full socket buffer), so with p the mean share and
# n = sent/32 bursts per session, a share drawn burst by burst has a squared coefficient of
# variation (1 - p) / (p n) at most (fewer datagrams per burst: more bursts, less spread). The
# sessions' observed CV^2 = 1/J - 1 (J: Jain's index) must stay under three times that (the 99.9%
# quantile of a sample variance over 100 sessions is 1.5 times the variance, and a session's
# three path messages of one pass often go together; observed: 0.35-0.99 times the model at
# load 12-13, at most 1.43 with a benchmark beside it). A server that favoured some sessions
# is many times over: so was a generator locked in phase with mpserver's reads (the first
# sessions of each pass always finding room, shares 0.8 against 0.45, J 0.93-0.96: about 5
# times the model).
# Issue 13's goal, J >= 0.95, is printed, not asserted: with a few hundred datagrams per
# session (a loaded machine starves the generator) the burst noise alone allows less (0.955
# once at load 13 with 517 per session); bench/fairness.sh measures it. Needs at least 300
# datagrams per session sent (else the spread allowed is too wide to mean anything: it fails
# saying so).
. "$(dirname "$0")/../lib.sh"
t_init tunnel_fairness
t_need_built mpserver mpt-sessions
N=${N:-100}
RATE=${RATE:-200000}
t_ports 2 || { t_fail "free ports"; t_done; }
t_spawn server "$BUILD/mpserver" --max-sessions $((N + 64)) --max-flows $((N + 64)) --no-control \
	--quiet --listen "127.0.0.1:$PORT0" --target "127.0.0.1:$PORT1" --stats "$T/server.json"
t_wait_udp "$PORT0" || { t_fail "mpserver up"; t_done; }
"$BUILD/mpt-sessions" --to "127.0.0.1:$PORT0" --sink "127.0.0.1:$PORT1" --sessions "$N" --paths 3 \
	--rate "$RATE" --duration 3 --per-session "$T/per-session.txt" >"$T/load.json" 2>"$T/load.err"
t_stop server
out=$(python3 - "$T/load.json" "$T/per-session.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = [tuple(map(int, l.split())) for l in open(sys.argv[2])]
n = len(rows)
x = [rx / sent for _, sent, rx in rows if sent]
p = sum(x) / len(x)
mean_sent = sum(s for _, s, _ in rows) / n
cv2 = sum((v - p) ** 2 for v in x) / len(x) / p ** 2 if p else float("inf")
model = (1 - p) / (p * (mean_sent / 32)) if 0 < p < 1 else 0.0
print(f"{n} {mean_sent:.0f} {p:.4f} {r['jain']:.4f} {cv2:.6f} {model:.6f} {min(x):.3f} {max(x):.3f}")
PY
)
read -r n sent p jain cv2 model smin smax <<<"$out"
echo "# $n sessions, $sent datagrams sent each, mean share $p (min $smin, max $smax), Jain $jain; CV^2 $cv2, burst model $model"
t_expect "every session's share measured ($n of $N)" [ "${n:-0}" = "$N" ]
t_expect "mpserver was overloaded (mean share $p < 0.95) and each session sent at least 300 ($sent)" \
	awk -v p="$p" -v s="$sent" 'BEGIN { exit !(p < 0.95 && s >= 300) }'
t_expect "the shares spread no more than drops in bursts of 32 would (CV^2 $cv2 <= 3 x $model; Jain's index $jain)" \
	awk -v c="$cv2" -v m="$model" 'BEGIN { exit !(c <= 3 * m) }'
t_done
