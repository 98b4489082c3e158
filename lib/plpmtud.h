/* plpmtud.h - packetization-layer path MTU discovery for one path, in the
 * spirit of RFC 8899 (datagram PLPMTUD): padded PINGs (PROTOCOL.md, "probe
 * size") of chosen sizes; the PONG says which size arrived.  Pure state
 * machine: the caller sends the probes it is told to, reports PONGs, and
 * passes the clock.  Sizes are whole tunnel datagrams (UDP payload bytes).
 *
 *   BASE       confirm `base` (1200 by default) first, beside a control of
 *              `min` bytes (the smallest probe, when set): base lost while
 *              the control came back means a path below base, searched
 *              down to min (RFC 8899 stops there; a tunnel must know)
 *   SEARCHING  rounds of up to PLPMTUD_PARALLEL sizes probed at once, spread
 *              over (lo, hi] (geometrically while hi/lo is large, so that a
 *              65507-byte loopback limit and a 1472-byte black hole meet in
 *              a few rounds), `hi` itself among them, beside a *control*: a
 *              size known to pass (lo).  A size is lost after
 *              PLPMTUD_MAX_PROBES tries without an answer, but only when the
 *              round got some answer (the control): a path that answers
 *              nothing proves nothing about sizes (inconclusive, tried again
 *              later).  After a round, lo = the largest size answered, hi =
 *              the smallest lost size - 1.
 *   DONE       hi - lo < PLPMTUD_STEP; while the path carries datagrams
 *              larger than base, lo is re-confirmed every `confirm` seconds
 *              beside min (else base) as control (black-hole detection: lo
 *              lost, the control answered -> search again below lo); a new
 *              search for a larger
 *              size every PLPMTUD_RAISE seconds
 *   ERROR      even `base` is not answered (and there is no control); retried
 *              every PLPMTUD_RETRY s
 *
 * The search goes only as far as the sender needs: up to twice the largest
 * datagram it sent on the path (plpmtud_need; base when it sent none
 * larger), within the interface's limit, so a path that carries 1000-byte
 * datagrams is never probed with 64 KiB ones; a larger datagram starts a
 * search again.
 *
 * What the sender does with it: plpmtud_cap() is the largest datagram known
 * not to be lost for its size (0: no limit known: send anything, as before
 * the search); plpmtud_mtu() the largest confirmed (0: none yet).
 */
#ifndef MPT_PLPMTUD_H
#define MPT_PLPMTUD_H

#include <stdbool.h>
#include <stdint.h>

#define PLPMTUD_MAX_PROBES 3
#define PLPMTUD_PARALLEL 8	/* sizes probed at once in a search round */
#define PLPMTUD_OUT (PLPMTUD_PARALLEL + 1)	/* sizes plpmtud_due may return */
#define PLPMTUD_RAISE 600.0	/* s */
#define PLPMTUD_RETRY 10.0	/* s, from ERROR */
#define PLPMTUD_HOLD 1.0	/* s, after a round nothing answered */
#define PLPMTUD_STEP 8		/* search granularity, bytes */

enum plpmtud_state { PLPMTUD_BASE = 0, PLPMTUD_SEARCHING, PLPMTUD_DONE, PLPMTUD_ERROR };

struct plpmtud {
	enum plpmtud_state state;
	uint16_t base, max;	/* limits */
	uint16_t min;		/* the smallest probe, the control of BASE (0: none) */
	uint16_t lo;		/* largest size confirmed (0: none yet) */
	uint16_t hi;		/* largest size not known to fail */
	uint16_t cap;		/* datagrams above are lost on the path (0: none known) */
	uint16_t want;		/* the largest datagram the sender sent on it (plpmtud_need) */
	bool search_lost;	/* this search found a lost size */
	/* the round in flight (n = 0: none) */
	uint16_t size[PLPMTUD_PARALLEL];
	bool acked[PLPMTUD_PARALLEL];
	unsigned n;
	uint16_t control;	/* a size known to pass probed beside them (0: none) */
	bool answered;		/* something of this round came back */
	uint16_t best;		/* the largest size that came back during the round */
	bool confirming;	/* DONE: the round re-confirms lo */
	unsigned tries;		/* sends of this round */
	double sent_at;		/* its last send */
	double hold_until;	/* nothing answered: next round not before */
	double raise_at;	/* DONE: next search upwards; ERROR: next try */
	double confirm_at;	/* DONE: next confirmation */
	double confirm;		/* s between confirmations (0: never) */
	uint64_t probes, acks, black_holes, rounds;
};

void plpmtud_init(struct plpmtud *p, uint16_t base, uint16_t max, double confirm, double now);
/* The smallest probe the caller can send (below base): BASE's control. */
void plpmtud_set_min(struct plpmtud *p, uint16_t min);
/*
 * The sizes of the probes to send now into out (PLPMTUD_OUT entries), or
 * 0.  timeout: how long a probe may take before it counts as lost (e.g.
 * max(3 x SRTT + 50 ms, 200 ms)).  busy: the path carried datagrams larger
 * than base recently (confirmations are sent only then, so an idle path
 * costs nothing after its search).
 */
unsigned plpmtud_due(struct plpmtud *p, double now, double timeout, bool busy, uint16_t *out);
/* The sender sends a datagram of size bytes on the path (call it when size
 * > plpmtud_mtu: cheap): the search goes up to twice the largest. */
void plpmtud_need(struct plpmtud *p, uint16_t size, double now);
/* A PONG reported a probe of this size arrived. */
void plpmtud_acked(struct plpmtud *p, uint16_t size, double now);
/* The path went down or its interface changed: forget, search again (max
 * may change: the interface's MTU). */
void plpmtud_reset(struct plpmtud *p, uint16_t max, double now);
/* The largest datagram confirmed (0: none yet). */
uint16_t plpmtud_mtu(const struct plpmtud *p);
/* Datagrams larger than this are lost on the path (0: no limit known). */
uint16_t plpmtud_cap(const struct plpmtud *p);
const char *plpmtud_state_name(enum plpmtud_state s);

#endif
