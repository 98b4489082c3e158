#!/bin/bash
# mpclient --pace-delivery (tunnel/dlvq.c, lib/pace): what the paths deliver goes
# through a bounded queue released by the pacer. Round trips through 3 mpbridge
# paths lose nothing and duplicate nothing, also when mpclient is stopped for
# 300 ms mid-stream (SIGSTOP): the backlog read at SIGCONT waits in the queue
# and the pacer's timer hands it over; the queue never overflows (drop reason
# delivery_queue 0); the stall's backlog was held back (counter paced > 0).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tunnel-lib.sh"
t_init tunnel_pace
t_need_built mpclient mpserver mpbridge udpclient udpserver

tun_ports && tun_target && tun_server && tun_bridges &&
	tun_client --pace-delivery --control "$T/c.sock" && tun_wait_ready ||
	{ t_fail "tunnel up with mpclient --pace-delivery"; t_done; }
t_ok "tunnel up with mpclient --pace-delivery"

tun_measure steady --count 3000 --rate 1500 --timeout 2s
t_expect "3000 round trips at 1500/s: $(json_get "$T/steady.json" lost) lost, $(json_get "$T/steady.json" duplicates) duplicates" \
	[ "$(json_get "$T/steady.json" lost)/$(json_get "$T/steady.json" duplicates)" = 0/0 ]

# a stall: mpclient stopped 300 ms while replies keep coming (they wait in its path sockets)
tun_measure stall --count 3000 --rate 1500 --timeout 3s &
mp=$!
sleep 0.8	# scenario time: traffic flows, then the stall
kill -STOP "$(t_pid client)"
sleep 0.3
kill -CONT "$(t_pid client)"
wait $mp
t_expect "mpclient stopped 300 ms mid-stream: $(json_get "$T/stall.json" lost) of 3000 lost (the backlog queued and released), no duplicates" \
	[ "$(json_get "$T/stall.json" lost)/$(json_get "$T/stall.json" duplicates)" = 0/0 ]
t_stats client "$T/client.json" delivered >/dev/null
t_expect "no drop for a full delivery queue" \
	grep -q '"delivery_queue":0' "$T/client.json"
t_expect "the stall's backlog was held back by the pacer (paced $(json_get "$T/client.json" paced))" \
	[ "$(json_get "$T/client.json" paced)" -gt 0 ]
t_expect "everything handed over: delivered $(json_get "$T/client.json" delivered) >= 6000" \
	[ "$(json_get "$T/client.json" delivered)" -ge 6000 ]
t_done
