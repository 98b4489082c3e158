#!/bin/bash
# fec_bridge.sh - Reed-Solomon across three lossy mpbridge paths on loopback
# (mpt-fecpipe, lib/fec + lib/wire): fec:20:20 over 3 paths at 30% iid
# loss: the blocks that fail (lose more than m of their k + m symbols) must
# have a 99% binomial (Wilson) interval that holds the theory's block-failure
# probability (lab/theory_fec.py), and the residual loss must stay under
# 0.3% (theory 0.13%) at about 2x the bytes.  Losses come a block at a time
# (about 10 data each), so the residual's own spread is that of the blocks,
# not a binomial over datagrams.  Broadcast: residual within the 99%
# interval of p^3.  Seeded bridges.
. "$(dirname "$0")/../lib.sh"
t_init fec_bridge
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MPB=$BUILD/mpbridge
PIPE=$BUILD/mpt-fecpipe
[ -x "$PIPE" ] || { t_fail "$PIPE not built"; t_done; }

t_ports 4 || exit 1
for i in 1 2 3; do
	p=PORT$i
	t_spawn "bridge$i" "$MPB" -q -l "127.0.0.1:${!p}" -t "127.0.0.1:$PORT0" --loss 30% --seed "$i" \
		--stats "$T/bridge$i.json"
	t_wait_udp "${!p}" || { t_fail "mpbridge $i did not start"; t_done; }
done

# check NAME JSON THEORY MAXRATIO [BLOCKFAIL MAXRESIDUAL]: broadcast: the theory inside
# the 99% interval of the measured residual; blocks: the block-failure theory inside the
# 99% interval of the failed blocks, residual <= MAXRESIDUAL; bytes on the wire at most
# MAXRATIO times the data datagrams
check() {
	python3 - "$2" "$3" "$4" "$ROOT/lab" "${5:-}" "${6:-}" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[4])
import theory_fec
r = json.load(open(sys.argv[1]))
theory, maxratio = float(sys.argv[2]), float(sys.argv[3])
ok = r["bytes_ratio"] <= maxratio
if sys.argv[5]:
    q, maxres = float(sys.argv[5]), float(sys.argv[6])
    rx = r["rx"]
    blocks = rx["decoded"] + rx["complete"] + rx["abandoned"]
    lo, hi = theory_fec.binomial_interval(rx["abandoned"], blocks)
    print(f"# blocks failed {rx['abandoned']} of {blocks}, 99% interval [{lo:.5f}, {hi:.5f}], "
          f"theory {q:.5f}; residual {r['residual']:.5f} ({r['lost']} of {r['sent']}, "
          f"theory {theory:.5f}); bytes {r['bytes_ratio']:.3f}x; recovered {r['recovered']}, "
          f"mean recovery {r['recovery_ms_mean']:.1f} ms")
    ok = ok and lo <= q <= hi and r["residual"] <= maxres
else:
    lo, hi = theory_fec.binomial_interval(r["lost"], r["sent"])
    print(f"# residual {r['residual']:.5f} ({r['lost']} of {r['sent']}), 99% interval "
          f"[{lo:.5f}, {hi:.5f}], theory {theory:.5f}; bytes {r['bytes_ratio']:.3f}x")
    ok = ok and lo <= theory <= hi
sys.exit(0 if ok else 1)
PY
}

PATHS="--path 127.0.0.1:$PORT1 --path 127.0.0.1:$PORT2 --path 127.0.0.1:$PORT3"
# shellcheck disable=SC2086
"$PIPE" --listen "127.0.0.1:$PORT0" $PATHS --redundancy fec:20:20 --count 20000 --rate 2500 \
	--fec-wait 200ms --drain 1 --json "$T/fec.json" >"$T/fec.out" 2>&1
sed 's/^/# /' "$T/fec.out"
theory=$(python3 "$ROOT/lab/theory_fec.py" --residual 20 20 0.3 0.3 0.3)
q=$(python3 "$ROOT/lab/theory_fec.py" --block-failure 20 20 0.3 0.3 0.3)
t_expect "fec:20:20, 3 x 30%: failed blocks within the 99% interval of theory $q, residual <= 0.5% (P(more) ~ 1e-4), <= 2.1x bytes" \
	check fec "$T/fec.json" "$theory" 2.1 "$q" 0.005
# shellcheck disable=SC2086
"$PIPE" --listen "127.0.0.1:$PORT0" $PATHS --redundancy broadcast --count 6000 --rate 5000 \
	--drain 1 --json "$T/bc.json" >"$T/bc.out" 2>&1
sed 's/^/# /' "$T/bc.out"
t_expect "broadcast, 3 x 30%: residual within the 99% interval of 0.027, 3x bytes" \
	check bc "$T/bc.json" 0.027 3.01
t_expect "fec:20:20 recovered symbols" grep -q '"recovered":[1-9]' "$T/fec.json"
t_done
