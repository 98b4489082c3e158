#!/bin/bash
# tunnel_wildcard.sh - mpserver on a wildcard address answers each path from the address its
# datagrams came to (IP_PKTINFO / IPV6_PKTINFO), so interface-bound paths, whose sockets are
# connected to that address, take the answers.
#
# Two namespaces joined by two veths (tests/pathns.sh): mpserver's address 198.18.20.1 sits on
# its loopback, reached through either veth; its answers to the client's 198.18.1I.1 leave by
# vsI, whose own address (198.18.1I.2) the kernel would put as their source. mpclient's paths
# are bound to vc0 and vc1 and connected to 198.18.20.1:PORT, so an answer from 198.18.1I.2
# never reaches them: before the fix nothing came back through the tunnel. Rounds: mpserver
# --listen 0.0.0.0:PORT (IPv4 wildcard) and --listen PORT (IPv6 dual-stack wildcard, IPv4 peers
# mapped); each sends 300 datagrams through and wants every one back, with answers on both paths.
. "$(dirname "$0")/../lib.sh"
t_init tunnel_wildcard
t_need_built mpclient mpserver udpclient udpserver
. "$(dirname "$0")/../pathns.sh"
pn_need 2
SP=4000 TP=5000 CP=6000 N=300
t_spawn target ip netns exec "$NSS" "$BUILD/udpserver" --bind 127.0.0.1 "$TP"
pn_wait_udp "$NSS" "$TP" || { t_fail "udpserver did not start"; t_done; }

# path I's received count in mpclient's stats
precv() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
print([p["received"] for p in j["paths"] if p["index"] == int(sys.argv[2])][0])' "$T/client.json" "$1"
}

round() {	# round NAME LISTEN
	local name=$1 listen=$2 got r0 r1
	t_spawn "server$name" ip netns exec "$NSS" "$BUILD/mpserver" --no-control \
		--stats "$T/server.json" --listen "$listen" --target "127.0.0.1:$TP"
	pn_wait_udp "$NSS" "$SP" || { t_fail "$name: mpserver did not start"; return; }
	t_spawn "client$name" ip netns exec "$NSC" "$BUILD/mpclient" --no-control \
		--stats "$T/client.json" --listen "127.0.0.1:$CP" \
		--path "dev=vc0,bridge=$PN_SERVER:$SP" --path "dev=vc1,bridge=$PN_SERVER:$SP"
	pn_wait_udp "$NSC" "$CP" || { t_fail "$name: mpclient did not start"; return; }
	pn_wait_ready
	inc "$BUILD/udpclient" --quiet --json --count "$N" --rate 300 --timeout 2s 127.0.0.1 "$CP" \
		>"$T/run$name.json" 2>&1
	got=$(json_get "$T/run$name.json" received)
	t_stop "client$name" TERM
	r0=$(precv 0) r1=$(precv 1)
	t_stop "server$name" TERM
	if [ "${got:-0}" = "$N" ]; then
		t_ok "$name ($listen): $got of $N answered through interface-bound paths"
	else
		t_fail "$name ($listen): $got of $N answered ($(head -c 200 "$T/run$name.json"))"
	fi
	if [ "${r0:-0}" -gt 0 ] && [ "${r1:-0}" -gt 0 ]; then
		t_ok "$name: answers came in on both paths (vc0 $r0, vc1 $r1)"
	else
		t_fail "$name: answers on vc0 ${r0:-?}, vc1 ${r1:-?}"
	fi
}
round v4 "0.0.0.0:$SP"
round dual "$SP"
t_done
