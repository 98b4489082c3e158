/* srclimit.c - rate limit in all and per source address (see srclimit.h). */
#include "srclimit.h"

#include <stddef.h>

void srclimit_init(struct srclimit *l, double per_sec, double interval)
{
	unsigned i;

	ratelimit_init(&l->all, per_sec, per_sec);
	l->interval = interval;
	for (i = 0; i < SRCLIMIT_SLOTS; i++)
		l->at[i] = -1;
}

bool srclimit_allow(struct srclimit *l, const struct addr *from, double now)
{
	unsigned i = (unsigned)(addr_hash(from) % SRCLIMIT_SLOTS);
	bool recent = l->at[i] >= 0 && now >= l->at[i] && now - l->at[i] < l->interval;

	if (recent)
		return false;	/* this source (or one sharing its slot) was answered just now */
	if (!ratelimit_allow(&l->all, now, NULL))
		return false;
	l->at[i] = now;
	return true;
}
