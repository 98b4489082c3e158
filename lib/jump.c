/* jump.c - the window jump bound (see jump.h). */
#include "jump.h"

bool jump_is(const struct window *w, uint64_t seq)
{
	return w->top != 0 && seq > w->top && seq - w->top > JUMP_MAX;
}

bool jump_confirm(struct jump_guard *g, const struct window *w, uint64_t seq, double now)
{
	if (g->seq != 0 && now - g->at <= JUMP_CONFIRM && now >= g->at && seq > g->seq &&
	    seq - g->seq < w->size) {
		jump_reset(g);
		return true;
	}
	g->seq = seq;
	g->at = now;
	return false;
}
