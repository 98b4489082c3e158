#!/bin/bash
# Reload of mpclient's paths (issue 14: "a reload that adds a path and
# removes another loses nothing on the paths that stay"): round trips at 200
# a second through three mpbridge paths; the config file gets a fourth
# bridge and loses the first; `mpctl reload`.  Checked: nothing lost or
# duplicated end to end (udpclient's sequence numbers, the target's count);
# the paths that stay keep their path id and socket, and lose nothing: every
# datagram mpclient sent on them reached their bridge and every one their
# bridge forwarded back reached mpclient (their counters run on over the
# reload); the new bridge gets a fresh path id (3, never the removed 0) and
# carries traffic both ways; the removed bridge gets nothing more from
# mpclient at once, and nothing more from mpserver once the path timed out
# there; `mpctl watch` streams path_added and path_removed; a bad config is
# refused naming file, line and token, the running paths kept.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_reload_paths
t_need_built mpclient mpserver mpbridge mpctl udpclient udpserver
MPCTL=$BUILD/mpctl
NBRIDGES=4

tun_ports
conf() {	# conf I J K: the config file listing these bridges
	{
		echo "# mptunnel"
		for i in "$@"; do echo "localhost $((BRIDGE_BASE + i))"; done
	} >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
}
conf 0 1 2
tun_target && tun_server --control "$T/s.sock" || { t_fail "mpserver up"; t_done; }
for i in 0 1 2 3; do
	tun_mpbridge "$i" --stats "$T/bridge$i.json" || { t_fail "bridge $i up"; t_done; }
done
# no keepalives during the run: every datagram on a path is counted exactly
tun_client --control "$T/c.sock" --keepalive 60s --path-timeout 120s && tun_wait_ready || { t_fail "tunnel up"; t_done; }
t_ok "tunnel up over bridges 0, 1, 2"
t_spawn watch "$MPCTL" -s "$T/c.sock" watch --json

# a bad config is refused, naming file, line and token; nothing changes
printf '# mptunnel\nlocalhost %s\nlocalhost 99999\n' "$((BRIDGE_BASE + 1))" >"$CONF"
"$MPCTL" -s "$T/c.sock" reload >"$T/bad.out" 2>&1
t_expect "a bad config refuses the reload, naming file, line and token ($(head -c 150 "$T/bad.out"))" \
	eval 'grep -q "client.mpclient.conf:3: bad port .99999." "$T/bad.out" && ! grep -q "^reloaded" "$T/bad.out"'
conf 0 1 3 1
"$MPCTL" -s "$T/c.sock" reload >"$T/dup.out" 2>&1
t_expect "a bridge listed twice is refused too" eval '! grep -q "^reloaded" "$T/dup.out"'
"$MPCTL" -s "$T/c.sock" show --json >"$T/show0.json" 2>&1
t_expect "the running paths are kept (ids 0, 1, 2)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d = d[0] if isinstance(d, list) else d
assert [p["index"] for p in d["paths"]] == [0, 1, 2], d["paths"]
' "$T/show0.json"

# traffic both ways; in the middle, bridge 3 in and bridge 0 out
t_stats target "$T/target.json" received >/dev/null
base=$(json_get "$T/target.json" received)
N=2400
tun_measure run --count $N --rate 200 --timeout 3s &
mp=$!
sleep 3		# scenario time: traffic on the three paths first
conf 1 2 3
"$MPCTL" -s "$T/c.sock" reload >"$T/reload.out" 2>&1
kill -USR1 "$(t_pid bridge0)"
sleep 0.3
cp "$T/bridge0.json" "$T/bridge0.at_reload.json"
sleep 4		# mpserver's path timeout (3 s) passes
kill -USR1 "$(t_pid bridge0)"
sleep 0.3
cp "$T/bridge0.json" "$T/bridge0.after_timeout.json"
t_wait_pid $mp 40
t_expect "reload: path 3 added, path 0 removed ($(head -c 150 "$T/reload.out"))" \
	grep -q "^reloaded: path 3 (localhost:$((BRIDGE_BASE + 3))) added; path 0 (localhost:$BRIDGE_BASE) removed" "$T/reload.out"

sent=$(json_get "$T/run.json" sent)
lost=$(json_get "$T/run.json" lost)
dups=$(json_get "$T/run.json" duplicates)
t_expect "no round trip lost over the reload (sent $sent, lost $lost)" \
	eval '[ "$sent" = $N ] && [ "$lost" = 0 ]'
t_stats target "$T/target.json" received >/dev/null
up=$(( $(json_get "$T/target.json" received) - base ))
t_expect "no duplicate either way (replies $dups; the target got $up of $sent)" \
	eval '[ "$dups" = 0 ] && [ "$up" = "$sent" ]'

for i in 0 1 2 3; do t_bridge_settle "bridge$i" "$T/bridge$i.json"; done
"$MPCTL" -s "$T/c.sock" show --json >"$T/show.json" 2>&1
t_expect "paths that stay keep their ids and lose nothing; the new one carries traffic" \
	python3 - "$T" "$BRIDGE_BASE" "$N" <<'PY'
import json, sys
t, base, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = json.load(open(f"{t}/show.json"))
d = d[0] if isinstance(d, list) else d
paths = {p["index"]: p for p in d["paths"]}
print("paths", {i: (p["peer"], p["sent"], p["received"], p["duplicates"], p["too_old"]) for i, p in paths.items()})
assert sorted(paths) == [1, 2, 3], paths
for i in (1, 2, 3):
    assert paths[i]["peer"] == f"localhost:{base + i}", paths[i]
    b = json.load(open(f"{t}/bridge{i}.json"))
    c2s, s2c = b["c2s"], b["s2c"]
    p = paths[i]
    got = p["received"] + p["duplicates"] + p["too_old"] + p["malformed"]
    print(f"path {i}: mpclient sent {p['sent']}, bridge got {c2s['received']}; "
          f"bridge forwarded back {s2c['forwarded']}, mpclient got {got}")
    assert p["sent"] == c2s["received"], (i, p, c2s)
    assert s2c["forwarded"] == got, (i, p, s2c)
# the paths that stayed ran through the whole run: their counters were kept
for i in (1, 2):
    # (mpserver sends replies on the paths it heard lately: nearly all, not all)
    assert paths[i]["sent"] >= n and paths[i]["received"] + paths[i]["duplicates"] >= 0.95 * n, paths[i]
# the new path carried traffic both ways
assert paths[3]["sent"] > 100 and paths[3]["received"] + paths[3]["duplicates"] > 100, paths[3]
PY

t_expect "the removed bridge gets nothing more from mpclient after the reload" python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
a = json.load(open(f"{t}/bridge0.at_reload.json"))["c2s"]["received"]
z = json.load(open(f"{t}/bridge0.json"))["c2s"]["received"]
print("bridge 0 c2s at the reload", a, "at the end", z)
assert a == z and a > 100, (a, z)
PY
t_expect "... and nothing more from mpserver once its path timed out there" python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
a = json.load(open(f"{t}/bridge0.after_timeout.json"))["s2c"]["received"]
z = json.load(open(f"{t}/bridge0.json"))["s2c"]["received"]
print("bridge 0 s2c after mpserver's path timeout", a, "at the end", z)
assert a == z, (a, z)
PY
t_expect "mpctl watch streamed path_added and path_removed" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
kinds = [e["event"] for e in ev]
assert "path_added" in kinds and "path_removed" in kinds, kinds
' "$T/watch.log"
t_done
