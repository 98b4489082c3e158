#!/bin/bash
# Two (and more) applications through one mpclient at once: each gets only
# its own replies, nothing lost, nothing duplicated.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_flows

tun_start_all || { t_fail "tunnel up"; t_done; }
t_ok "tunnel up"

N=4
pids=()
for i in $(seq 1 $N); do
	tun_measure "app$i" --count 500 --rate 500 --size $((100 * i)) --timeout 1s &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for i in $(seq 1 $N); do
	f=$T/app$i.json
	t_expect "app $i: 500 of 500 replies, its own only (foreign $(json_get "$f" foreign))" \
		eval '[ "$(json_get "$f" received)" = 500 ] && [ "$(json_get "$f" foreign)" = 0 ] &&
		      [ "$(json_get "$f" duplicates)" = 0 ]'
done
flows=$(t_stats server "$T/server.json" flows_open)
t_expect "mpserver keeps one upstream flow per application ($flows >= $N)" in_range "$flows" "$N" 64

# the ping-pong demo beside a measuring run
tun_measure bulk --count 1000 --rate 1000 --timeout 1s &
bp=$!
pp=$("$BUILD/udpclient" --count 3 --interval 100ms 127.0.0.1 "$CLIENT_PORT" 2>&1)
wait $bp
t_expect "ping-pong beside a bulk run sees its own counter" \
	eval 'echo "$pp" | grep -q "^4 hello srv"'
t_expect "bulk run beside the ping-pong: 0 lost, 0 foreign" \
	eval '[ "$(json_get "$T/bulk.json" lost)" = 0 ] && [ "$(json_get "$T/bulk.json" foreign)" = 0 ]'
t_done
