/* peer.h - who mpbridge's client is: the address replies (s2c) go to.
 *
 * The first datagram's source is the client.  After that a new source A
 * becomes the client only when both hold (the learning rule, see
 * bridge/README.md "The client"):
 *   - A has sent at least `count` datagrams within `window` seconds, and
 *   - the current client has been quiet (sent nothing) for the required
 *     quiet time: 1.5 x the longest gap between its datagrams seen lately
 *     (that maximum decays with a 10 s half-life), at least `quiet`, at
 *     most PEER_QUIET_MAX.
 * So a stranger's datagrams never take the replies while the client is
 * sending as it usually does, and a client that moved (NAT rebinding, a
 * restarted mpclient with new source ports) is re-learned once its old
 * address has stopped.  `lock`: the first source stays the client for the
 * whole run and datagrams from any other source are ignored (as socat
 * without fork); `any`: every datagram's source becomes the client (the
 * old behaviour).
 */
#ifndef MPB_PEER_H
#define MPB_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

#define PEER_CANDIDATES 8
#define PEER_QUIET_MAX 3.0		/* s */
#define PEER_GAP_HALFLIFE 10.0		/* s */
#define PEER_QUIET_FACTOR 1.5

#define PEER_COUNT_DEFAULT 3u
#define PEER_WINDOW_DEFAULT 1.0		/* s */
#define PEER_QUIET_DEFAULT 0.2		/* s */

enum peer_mode { PEER_LEARN = 0, PEER_LOCK, PEER_ANY };

struct peer_rule {
	enum peer_mode mode;
	unsigned count;
	double window, quiet;		/* s */
};

struct peer_cand {
	struct addr a;
	double first;			/* start of its current window */
	unsigned n;			/* datagrams in that window */
	bool used;
};

struct peer {
	struct peer_rule rule;
	bool have;
	struct addr client;
	double last;			/* client's latest datagram */
	double gapmax, gapmax_t;	/* longest recent gap, and when it was set */
	struct peer_cand cand[PEER_CANDIDATES];
	uint64_t changes;		/* times the client changed */
	uint64_t strangers;		/* datagrams from other sources (forwarded) */
	uint64_t ignored;		/* datagrams from other sources dropped (lock) */
};

enum peer_verdict {
	PEER_CLIENT = 0,	/* from the client */
	PEER_LEARNED,		/* from a source that became the client just now */
	PEER_STRANGER,		/* from another source: forwarded, replies not sent there */
	PEER_IGNORED,		/* from another source under --lock: not forwarded */
};

void peer_rule_default(struct peer_rule *r);
void peer_init(struct peer *p, const struct peer_rule *rule);
/* One datagram from `from` at now (seconds, monotonic). */
enum peer_verdict peer_input(struct peer *p, const struct addr *from, double now);
/* The quiet time the current client needs before another source is learned. */
double peer_quiet_needed(const struct peer *p, double now);

#endif
