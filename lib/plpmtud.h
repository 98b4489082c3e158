/* plpmtud.h - packetization-layer path MTU discovery for one path, in the
 * spirit of RFC 8899 (datagram PLPMTUD): padded PINGs (PROTOCOL.md, "probe
 * size") of chosen sizes; the PONG says which size arrived.  Pure state
 * machine: the caller sends the probes it is told to, reports PONGs, and
 * passes the clock.  Sizes are whole tunnel datagrams (UDP payload bytes).
 *
 *   BASE       confirm `base` (1200 by default) first
 *   SEARCHING  `hi` itself first (most paths carry their full MTU), then a
 *              binary search between the largest confirmed and the smallest
 *              size known to fail, PLPMTUD_MAX_PROBES tries per size
 *   DONE       search complete; while the path carries datagrams larger than
 *              base, the current size is re-confirmed every `confirm`
 *              seconds (black-hole detection); a new search for a larger
 *              size every PLPMTUD_RAISE seconds
 *   ERROR      even `base` does not pass; retried every PLPMTUD_RETRY seconds
 */
#ifndef MPT_PLPMTUD_H
#define MPT_PLPMTUD_H

#include <stdbool.h>
#include <stdint.h>

#define PLPMTUD_MAX_PROBES 3
#define PLPMTUD_RAISE 600.0	/* s */
#define PLPMTUD_RETRY 10.0	/* s, from ERROR */
#define PLPMTUD_STEP 8		/* search granularity, bytes */

enum plpmtud_state { PLPMTUD_BASE = 0, PLPMTUD_SEARCHING, PLPMTUD_DONE, PLPMTUD_ERROR };

struct plpmtud {
	enum plpmtud_state state;
	uint16_t base, max;	/* limits */
	uint16_t lo;		/* largest size confirmed (0: none yet) */
	uint16_t hi;		/* largest size not known to fail */
	uint16_t probe;		/* size in flight (0: none) */
	unsigned tries;		/* probes of `probe` sent */
	bool tried_hi;		/* this search has probed `hi` itself */
	double sent_at;		/* last probe */
	double raise_at;	/* DONE: next search upwards */
	double confirm_at;	/* DONE: next confirmation */
	double confirm;		/* s between confirmations (0: never) */
	uint64_t probes, acks, black_holes;
};

void plpmtud_init(struct plpmtud *p, uint16_t base, uint16_t max, double confirm, double now);
/* The size of a probe to send now, or 0.  timeout: how long a probe may
 * take before it counts as lost (e.g. max(3 x SRTT, 200 ms)).  busy: the
 * path carried datagrams larger than base recently (confirmations are sent
 * only then, so an idle path costs nothing). */
uint16_t plpmtud_due(struct plpmtud *p, double now, double timeout, bool busy);
/* A PONG reported a probe of this size arrived. */
void plpmtud_acked(struct plpmtud *p, uint16_t size, double now);
/* The largest datagram believed to pass now: base before anything is
 * confirmed, the confirmed size after, 0 in ERROR. */
uint16_t plpmtud_mtu(const struct plpmtud *p);
const char *plpmtud_state_name(enum plpmtud_state s);

#endif
