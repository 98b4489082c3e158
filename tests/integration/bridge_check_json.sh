#!/bin/bash
# bridge_check_json.sh - mpbridge -n --json: the settings document the lab
# computes its theory from (bridge/README.md, "Settings as JSON"): its
# layout, every loss model's mean, the timeline windows, and stdout clean.
. "$(dirname "$0")/../lib.sh"
t_init bridge_check_json
MPB=$BUILD/mpbridge

# check ARGS... -- PYTHON-ASSERTIONS (d is the document)
check() {
	local name=$1 py=$2
	shift 2
	if ! "$MPB" -n --json -l 1 -t 127.0.0.1:2 "$@" >"$T/out.json" 2>"$T/err"; then
		t_fail "$name: mpbridge -n --json $* failed: $(cat "$T/err")"
		return
	fi
	t_expect "$name" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["program"] == "mpbridge" and isinstance(d["version"], str), d
assert set(d["directions"]) == {"c2s", "s2c"}
assert isinstance(d["timeline"], list)
def dirs(x):
    for k in ("c2s", "s2c"):
        v = x[k]
        for key in ("loss", "delay_ms", "jitter_ms", "rate_bps", "mtu", "duplicate", "corrupt"):
            assert key in v, (k, key)
        assert set(v["loss"]) >= {"model", "params", "mean"}, v["loss"]
        assert 0 <= v["loss"]["mean"] <= 1
dirs(d["directions"])
for e in d["timeline"]:
    assert isinstance(e["at"], (int, float)) and (e["until"] is None or e["until"] > e["at"])
    dirs(e)
c, s = d["directions"]["c2s"], d["directions"]["s2c"]
near = lambda a, b: abs(a - b) < 1e-9
'"$py" "$T/out.json"
}

check "no settings: no loss, empty timeline" \
	'assert c["loss"]["model"] == "none" and c["loss"]["mean"] == 0 and d["timeline"] == []
assert c["rate_bps"] is None and c["mtu"] is None'
check "bernoulli, netem reading of a bare number" \
	'assert c["loss"] == {"model": "bernoulli", "params": {"p": 0.01}, "mean": 0.01}' --loss 1
check "gemodel with iproute2 defaults (p alone is Bernoulli p)" \
	'assert c["loss"]["model"] == "gemodel" and near(c["loss"]["mean"], 0.2)
assert c["loss"]["params"] == {"p": 0.2, "r": 0.8, "1-h": 1, "1-k": 0}' --loss gemodel 20%
check "gemodel 4 parameters: (1-pi_B)(1-k) + pi_B(1-h)" \
	'assert near(c["loss"]["mean"], 0.8 * 0.01 + 0.2 * 0.8)' --loss gemodel 5% 20% 80% 1%
check "4-state with defaults" \
	'assert c["loss"]["model"] == "4state" and near(c["loss"]["mean"], 0.05)' --loss state 5%
check "every Nth" 'assert c["loss"]["params"] == {"n": 4} and near(c["loss"]["mean"], 0.25)' \
	--loss nth 4
check "per direction, units" \
	'assert c["loss"]["model"] == "none" and s["loss"]["model"] == "bernoulli"
assert near(s["delay_ms"], 30) and near(s["jitter_ms"], 0.5) and s["rate_bps"] == 2000000
assert s["mtu"] == 1400 and near(s["duplicate"], 0.01) and near(s["corrupt"], 0.001)' \
	--dir s2c --loss 5 --delay 30ms 500us --rate 2mbit --mtu 1400 --duplicate 1 --corrupt 0.1
check "--opt=value" 'assert near(c["loss"]["mean"], 0.05)' --loss=5%
check "slot" 'assert c["slot"] == {"min_ms": 1, "max_ms": 3, "packets": 8, "bytes": None}' \
	--slot 1ms 3ms packets 8
check "blackout window is a timeline entry with mean 1" \
	't = d["timeline"]
assert [(e["at"], e["until"]) for e in t] == [(5, 10), (10, None)], t
assert t[0]["c2s"]["loss"]["model"] == "blackout" and t[0]["c2s"]["loss"]["mean"] == 1
assert t[0]["c2s"]["loss"]["underlying"]["mean"] == 0.1 and t[0]["c2s"]["link"] == "down"
assert t[1]["c2s"]["loss"]["model"] == "bernoulli" and c["link"] == "up"' \
	--loss 10% --blackout 5s 10s
check "steps: --at down/up, per direction" \
	't = d["timeline"]
assert [(e["at"], e["until"], e["source"]) for e in t] == [(3, 5, "--at 3s"), (5, None, "--at 5s")], t
assert t[0]["c2s"]["loss"]["mean"] == 1 and t[0]["s2c"]["link"] == "up"
assert near(t[0]["s2c"]["loss"]["mean"], 0.2)' \
	--loss 20% --at 3s --dir c2s --down --at 5s --dir c2s --up
check "flap: the mean over the period" \
	'assert c["loss"]["model"] == "flap" and near(c["loss"]["mean"], 1 - 0.98 * 0.8)' \
	--flap 4s 1s --loss 2%
printf '1\n1\n2\n4\n' >"$T/t.trace"
check "trace: its mean rate" \
	'assert c["trace"] is None and s["trace"]["opportunities"] == 4 and s["trace"]["mean_bps"] == 4 * 1500 * 8 / 0.004' \
	--dir s2c --trace "$T/t.trace"
printf '2s --loss gemodel 5%% 30%%\n4s --clear\n' >"$T/tl"
check "timeline file" \
	't = d["timeline"]
assert t[0]["source"].endswith("tl:1") and near(t[0]["c2s"]["loss"]["mean"], 0.05 / 0.35)
assert t[1]["c2s"]["loss"]["model"] == "none" and t[1]["until"] is None' \
	--timeline "$T/tl"
check "profile" 'assert c["loss"]["model"] == "gemodel" and near(c["loss"]["mean"], 0.02 / 0.32 * 0.5 + 0.30 / 0.32 * 0.005)' \
	--profile lossy-wifi

"$MPB" -n --json -l 1 -t 127.0.0.1:2 --loss 120 >"$T/bad.out" 2>"$T/bad.err"
rc=$?
t_expect "a bad setting: exit 2, message names it, nothing on stdout" \
	sh -c "[ $rc = 2 ] && grep -q \"'120'\" '$T/bad.err' && [ ! -s '$T/bad.out' ]"
"$MPB" --json -l 1 -t 127.0.0.1:2 >/dev/null 2>"$T/nocheck.err"
rc=$?
t_expect "--json without --check: exit 2" sh -c "[ $rc = 2 ] && grep -q 'only with --check' '$T/nocheck.err'"
t_done
