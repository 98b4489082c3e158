#!/bin/bash
# Restart either end (kill -9, start again) while traffic flows, without
# touching the other end: traffic resumes within 2 seconds.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_restart

RATE=200		# datagrams/s: at most 2 s x RATE may be lost per restart
MAXLOST=$((2 * RATE))

tun_start_all || { t_fail "tunnel up"; t_done; }
t_ok "tunnel up"

restart() {	# restart TAG: kill -9 the process and start it again
	local tag=$1
	t_stop "$tag" KILL
	case $tag in
	server) tun_server ;;
	client) tun_client ;;
	esac
}

for end in server client; do
	# 6 s of traffic; the restart happens 2 s in
	tun_measure "$end" --count $((6 * RATE)) --rate $RATE --timeout 2s &
	mpid=$!
	sleep 2	# traffic flows for 2 s before the restart (a scenario time, not a readiness wait)
	restart "$end"
	wait $mpid
	lost=$(json_get "$T/$end.json" lost)
	dups=$(json_get "$T/$end.json" duplicates)
	t_expect "mp$end restarted: traffic resumed, $lost of $((6 * RATE)) lost (at most $MAXLOST)" \
		in_range "$lost" 0 $MAXLOST
	# after the restart everything gets through again
	tun_measure "after-$end" --count 200 --rate 1000 --timeout 1s
	t_expect "mp$end restarted: then 200 of 200 delivered" \
		[ "$(json_get "$T/after-$end.json" lost)" = 0 ]
	t_expect "mp$end restarted: no duplicates ($dups)" [ "$dups" = 0 ]
done
t_done
