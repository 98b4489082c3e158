#!/bin/bash
# tunnel_fec.sh - cross-path Reed-Solomon inside mpclient/mpserver: three
# mpbridge paths at seeded 30% iid loss each, in both directions; udpclient
# sends 1000-byte datagrams that udpserver echoes (both directions coded).
#
# fec:20:20 (unkeyed and keyed), each direction: the blocks that failed (more
# than 20 of their 40 symbols lost; mpserver's counters for client ->
# server, mpclient's for server -> client) have a 99% Wilson interval that
# holds the theory's block-failure probability q (lab/theory_fec.py,
# block_failure: 0.24%).  The round trip's residual loss (udpclient's lost /
# sent) is at most the 99.9% quantile of the data lost by 2 x sent/20
# independent blocks (theory_fec.py --lost-quantile: F failed blocks are
# binomial, each loses a hypergeometric share of its lost symbols; mean
# 0.13% a direction), and nothing arrives twice.  Bytes on the wire, client
# -> server, from the three bridges' counters, over the data datagrams sent
# once: (k + m)/k = 2 plus the 8-byte extension and the parity's 16-byte
# coded-form prefix: within [1.95, 2.05].  DATA sent again because a path
# went quiet (mpclient's tx_resent: a bridge the loaded machine stalled for
# 100 ms or more looks like an outage, and the symbols in flight on it go
# again on the others) is the outage repair's cost, not the code's: its
# bytes are left out of the ratio and printed.
#
# broadcast: the round trip's residual within the 99% interval of
# 1 - (1 - 0.3^3)^2, about 3x the bytes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_fec
t_need_built mpclient mpserver mpbridge udpclient udpserver
THEORY=$ROOT/lab/theory_fec.py
SIZE=1000
COUNT=12000
RATE=2500

# start ARGS...: target, mpserver, three lossy bridges, mpclient with ARGS
start() {
	local i server_args=() client_args=("$@")
	if [ -n "${KEY:-}" ]; then
		server_args=(--key-file "$KEY")
		client_args+=(--key-file "$KEY")
	fi
	tun_ports || return 1
	tun_target || return 1
	tun_server --no-control "${server_args[@]}" || return 1
	for i in 0 1 2; do
		t_spawn "bridge$i" "$BUILD/mpbridge" -q --listen "127.0.0.1:$((BRIDGE_BASE + i))" \
			--to "127.0.0.1:$SERVER_PORT" --seed "$((i + 11))" --loss 30% \
			--stats "$T/bridge$i.json"
		t_wait_udp "$((BRIDGE_BASE + i))" || return 1
	done
	tun_client --no-control "${client_args[@]}" || return 1
	tun_wait_ready
}

# c2s bytes received by the three bridges
c2s_bytes() {
	local i sum=0 b
	for i in 0 1 2; do
		rm -f "$T/bridge$i.json"
		kill -USR1 "$(t_pid "bridge$i")"
		t_wait_file "$T/bridge$i.json" || return 1
		b=$(t_json_in "$T/bridge$i.json" c2s bytes_received)
		sum=$((sum + b))
	done
	echo "$sum"
}

t_wait_file() {
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && grep -q '"s2c"' "$1" && return 0
		sleep 0.02
	done
	return 1
}

# check_fec LABEL: the three checks of a fec:20:20 run (files in $T)
check_fec() {
	local label=$1 before=$2 after=$3
	python3 - "$T" "$ROOT/lab" "$label" "$before" "$after" "$SIZE" "$KEYED" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[2])
import theory_fec as th
T, label = sys.argv[1], sys.argv[3]
before, after, size, keyed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7] == "1"
m = json.load(open(f"{T}/{label}.json"))
def fec(path):
    txt = open(path).read()
    return json.loads(re.search(r'"fec":(\{[^}]*\})', txt).group(1))
q = th.block_failure(20, 20, [0.3, 0.3, 0.3])
ok = True
for who, path in (("client -> server (mpserver)", f"{T}/server.json"),
                  ("server -> client (mpclient)", f"{T}/client.json")):
    f = fec(path)
    blocks = f["blocks_complete"] + f["blocks_decoded"] + f["blocks_failed"]
    lo, hi = th.binomial_interval(f["blocks_failed"], blocks)
    good = blocks >= m["sent"] // 20 - 10 and lo <= q <= hi and f["rx_refused"] == 0
    print(f"# {label} {who}: {f['blocks_failed']} of {blocks} blocks failed, 99% interval "
          f"[{lo:.5f}, {hi:.5f}] {'holds' if good else 'MISSES'} theory {q:.5f}; recovered "
          f"{f['recovered']}, unrecoverable {f['unrecoverable']}, parity unneeded {f['parity_unneeded']}")
    ok = ok and good and f["recovered"] > 0
nblocks = 2 * (m["sent"] // 20)
bound = th.lost_quantile(20, 20, 0.3, nblocks, 0.999)
res_ok = m["lost"] <= bound and m["duplicates"] == 0
print(f"# {label} round trip: lost {m['lost']} of {m['sent']} ({m['lost'] / m['sent']:.5f}; theory "
      f"2 x {th.block_residual(20, 20, [0.3] * 3):.5f}), 99.9% quantile of {nblocks} blocks' loss "
      f"{bound}: {'ok' if res_ok else 'ABOVE'}; duplicates {m['duplicates']}")
trailer = 16 if keyed else 4
data = m["sent"] * (size + 52 + trailer)
resent = fec(f"{T}/client.json").get("tx_resent", 0)
resent_bytes = resent * (size + 52 + 8 + trailer)
ratio = (after - before - resent_bytes) / data
ratio_ok = 1.95 <= ratio <= 2.05
print(f"# {label} bytes client -> server: {after - before} on the bridges, less {resent_bytes} of "
      f"{resent} DATA sent again after a path went quiet, / {data} data datagrams "
      f"= {ratio:.4f}x (within [1.95, 2.05]: {ratio_ok})")
sys.exit(0 if ok and res_ok and ratio_ok else 1)
PY
}

run_fec() {
	local label=$1 before after
	if ! start --redundancy fec:20:20 --fec-wait 200ms --fec-depth 4; then
		t_fail "$label: tunnel up"
		t_cleanup
		return
	fi
	before=$(c2s_bytes)
	tun_measure "$label" --count "$COUNT" --rate "$RATE" --size "$SIZE" --timeout 1s
	after=$(c2s_bytes)
	t_stats server "$T/server.json" received >/dev/null
	t_stats client "$T/client.json" received >/dev/null
	t_expect "$label: fec:20:20 over 3 x 30%: failed blocks within the 99% interval of theory each way, round-trip loss under its 99.9% bound, bytes 1.95-2.05x" \
		check_fec "$label" "$before" "$after"
	t_expect "$label: mpserver applied the client's request (it sent coded DATA and PARITY)" \
		grep -q '"fec":{"tx_data":[1-9][0-9]*,"tx_parity":[1-9]' "$T/server.json"
	t_cleanup
}

KEY= KEYED=0 run_fec unkeyed
t_renew
KEY=$T/fec.key
(umask 077 && "$BUILD/mpclient" --genkey >"$KEY")
KEYED=1 run_fec keyed
t_renew

# broadcast: 3x the bytes, p^3 a direction
KEY=
if start; then
	before=$(c2s_bytes)
	tun_measure bc --count 6000 --rate 4000 --size "$SIZE" --timeout 1s
	after=$(c2s_bytes)
	t_expect "broadcast over 3 x 30%: round-trip loss within the 99% interval of 1-(1-0.3^3)^2, 2.95-3.05x bytes" \
		python3 - "$T/bc.json" "$ROOT/lab" "$before" "$after" "$SIZE" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[2])
import theory_fec as th
m = json.load(open(sys.argv[1]))
before, after, size = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
p = 1 - (1 - 0.3 ** 3) ** 2
lo, hi = th.binomial_interval(m["lost"], m["sent"])
ratio = (after - before) / (m["sent"] * (size + 56))
print(f"# broadcast: lost {m['lost']} of {m['sent']}, 99% interval [{lo:.4f}, {hi:.4f}], theory "
      f"{p:.4f}; bytes {ratio:.3f}x")
sys.exit(0 if lo <= p <= hi and 2.95 <= ratio <= 3.05 else 1)
PY
else
	t_fail "broadcast: tunnel up"
fi
t_done
