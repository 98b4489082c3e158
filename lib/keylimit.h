/* keylimit.h - a rate limit in all and per 64-bit key (for answers that a
 * stranger could ask for repeatedly, e.g. mpserver's COOKIE: at most 1000 a
 * second in all and one per session id per second, PROTOCOL.md v2).
 *
 * The per-key part is a direct-mapped table of (key, last answer) indexed
 * by a keyed hash (SipHash under a random key, so nobody can aim keys at
 * one slot): a key answered within the interval is refused; a slot held by
 * another key is taken over.  No allocation. */
#ifndef MPT_KEYLIMIT_H
#define MPT_KEYLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

#define KEYLIMIT_SLOTS 1024

struct keylimit {
	struct ratelimit all;
	double interval;	/* per key: at most one per interval */
	uint8_t hkey[16];	/* random per table */
	struct {
		uint64_t key;
		double at;	/* <0: never */
	} slot[KEYLIMIT_SLOTS];
};

/* per_sec in all (burst at once), one per interval seconds per key. */
void keylimit_init(struct keylimit *l, double per_sec, double burst, double interval);
/* May we answer for key now?  (Counts the answer when true.)  *per_key is set
 * when the per-key rule refused it (else the overall rate did), if given. */
bool keylimit_allow(struct keylimit *l, uint64_t key, double now, bool *per_key);

#endif
