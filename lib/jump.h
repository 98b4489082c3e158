/* jump.h - the window jump bound (PROTOCOL.md v2, Receiving step 4).
 *
 * A datagram whose seq is more than JUMP_MAX above the highest one a
 * window has committed would move that window so far that everything the
 * peer really sends next is "too old": one forged datagram (unkeyed mode,
 * seq 2^64-1) or one undetected bit error would be an outage.  Such a
 * datagram is accepted only when a second one confirms it: within
 * JUMP_CONFIRM seconds, an authenticated datagram of the same window whose
 * seq is above the first one's and less than the window's size above it.
 * The first one is dropped (counted as `jump`).  A real jump (more than
 * 65536 datagrams lost in a row, e.g. every path down for a second at
 * 100,000 datagrams/s) costs one datagram.
 *
 * Use: jump_is() on the read-only window check; after the datagram
 * authenticated, jump_confirm() says whether to accept it (then commit as
 * usual) or drop it as `jump` (it is remembered as the pending jump).
 */
#ifndef MPT_JUMP_H
#define MPT_JUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "window.h"

#define JUMP_MAX 65536u		/* seq more than this above the top is a jump */
#define JUMP_CONFIRM 1.0	/* seconds a pending jump waits for its confirmation */

struct jump_guard {
	uint64_t seq;		/* the pending jump's seq; 0 = none */
	double at;		/* when it came */
};

static inline void jump_reset(struct jump_guard *g)
{
	g->seq = 0;
	g->at = 0;
}

/* True when seq is a jump for w (never for an empty window: top 0). */
bool jump_is(const struct window *w, uint64_t seq);

/*
 * seq (a jump for w, authenticated) at now: true when it confirms the
 * pending jump (the pending one is cleared); false when it does not (it
 * becomes the pending jump and must be dropped).
 */
bool jump_confirm(struct jump_guard *g, const struct window *w, uint64_t seq, double now);

#endif
