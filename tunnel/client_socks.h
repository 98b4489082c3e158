/* client_socks.h - mpclient --socks5 [ADDR:]PORT: a SOCKS version 5 server
 * (RFC 1928) for UDP ASSOCIATE only, no authentication.
 *
 * An application opens a TCP control connection, asks for a UDP
 * association and gets the address of a UDP relay socket of its own; each
 * datagram it sends there carries its destination in the SOCKS UDP header,
 * and that destination becomes the target its flow names to mpserver
 * (PROTOCOL.md, target descriptor: an IPv4/IPv6 address, or a domain name
 * as a name mpserver maps).  A flow is (association, source, destination).
 * Replies come back from the relay socket with the SOCKS header naming the
 * target they come from.  The association, its socket and its flows end
 * with the TCP connection.
 *
 * Only the application's own address may use a relay (the TCP peer's IP,
 * and the port it named in its request if any, else the first port heard);
 * fragments (FRAG != 0) are dropped (RFC 1928 allows it).  Every datagram
 * not relayed is the drop `socks`.  Bounded: SOCKS_MAX_ASSOC associations;
 * more connections are closed at once. */
#ifndef MPT_CLIENT_SOCKS_H
#define MPT_CLIENT_SOCKS_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "batch.h"
#include "log.h"

#define SOCKS_MAX_ASSOC 64
#define SOCKS_CTL_BUF 600		/* a greeting and a request with a domain name */

struct client;
struct client_socks;

struct socks_assoc {
	struct client_socks *s;
	uint32_t id;			/* the core's association id; 0: slot free */
	int tcp, udp;			/* -1: none */
	ev_io tio, uio;
	enum { SOCKS_GREETING, SOCKS_REQUEST, SOCKS_ASSOCIATED } state;
	uint8_t in[SOCKS_CTL_BUF];	/* control bytes not parsed yet */
	size_t inlen;
	struct addr peer;		/* the application's TCP address */
	struct addr app;		/* its UDP address (port 0: not known yet) */
};

struct client_socks {
	struct client *c;
	struct ev_loop *loop;
	struct addr laddr;
	int lfd;
	ev_io lio;
	uint32_t gen;
	unsigned n;			/* associations open */
	struct socks_assoc a[SOCKS_MAX_ASSOC];
	struct batch inb;		/* datagrams from the applications */
	struct ratelimit rl;		/* log lines */
	uint64_t refused;		/* connections closed: table full or bad requests */
};

/* Listen on TCP laddr: 0 or -errno (message logged). */
int client_socks_init(struct client_socks *s, struct client *c, struct ev_loop *loop,
		      const struct addr *laddr);
void client_socks_start(struct client_socks *s);
void client_socks_stop(struct client_socks *s);
void client_socks_free(struct client_socks *s);
/* A reply of flow slot f (a SOCKS flow: its assoc != 0) to its application. */
void client_socks_deliver(struct client_socks *s, uint32_t f, const uint8_t *payload, size_t len);

#endif
