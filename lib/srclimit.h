/* srclimit.h - a rate limit in all and per source address (for answers to
 * strangers, e.g. mpserver's NOTICE: at most 10 a second in all and 1 per
 * source address per second, PROTOCOL.md v2).
 *
 * The per-source part is a small fixed table indexed by a hash of the
 * address; a source whose slot another source took within the interval is
 * refused (never more than the per-source rate for anyone), and the table
 * forgets after one interval.  No allocation. */
#ifndef MPT_SRCLIMIT_H
#define MPT_SRCLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "log.h"

#define SRCLIMIT_SLOTS 256

struct srclimit {
	struct ratelimit all;
	double interval;		/* per source: at most one per interval */
	double at[SRCLIMIT_SLOTS];	/* last answer to a source of this slot; <0 none */
};

/* per_sec in all (burst as much), one per interval seconds per source. */
void srclimit_init(struct srclimit *l, double per_sec, double interval);
/* May we answer `from` now?  (Counts the answer when true.) */
bool srclimit_allow(struct srclimit *l, const struct addr *from, double now);

#endif
