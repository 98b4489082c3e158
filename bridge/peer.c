/* peer.c - the learning rule for mpbridge's client (see peer.h). */
#include "peer.h"

#include <math.h>
#include <string.h>

void peer_rule_default(struct peer_rule *r)
{
	r->mode = PEER_LEARN;
	r->count = PEER_COUNT_DEFAULT;
	r->window = PEER_WINDOW_DEFAULT;
	r->quiet = PEER_QUIET_DEFAULT;
}

void peer_init(struct peer *p, const struct peer_rule *rule)
{
	memset(p, 0, sizeof(*p));
	p->rule = *rule;
}

/* the longest recent gap, decayed with a half-life */
static double gap_now(const struct peer *p, double now)
{
	double age = now - p->gapmax_t;

	return age > 0 ? p->gapmax * exp2(-age / PEER_GAP_HALFLIFE) : p->gapmax;
}

double peer_quiet_needed(const struct peer *p, double now)
{
	double q = PEER_QUIET_FACTOR * gap_now(p, now);

	if (q < p->rule.quiet)
		q = p->rule.quiet;
	if (q > PEER_QUIET_MAX)
		q = PEER_QUIET_MAX;
	return q;
}

static void become(struct peer *p, const struct addr *from, double now)
{
	if (p->have)
		p->changes++;
	p->client = *from;
	p->have = true;
	p->last = now;
	p->gapmax = 0;
	p->gapmax_t = now;
	memset(p->cand, 0, sizeof(p->cand));
}

/* the candidate entry of from: found, or the oldest (or a free) one reset */
static struct peer_cand *candidate(struct peer *p, const struct addr *from)
{
	struct peer_cand *pick = &p->cand[0];
	size_t i;

	for (i = 0; i < PEER_CANDIDATES; i++)
		if (p->cand[i].used && addr_equal(&p->cand[i].a, from))
			return &p->cand[i];
	for (i = 0; i < PEER_CANDIDATES; i++) {
		if (!p->cand[i].used) {
			pick = &p->cand[i];
			break;
		}
		if (p->cand[i].first < pick->first)
			pick = &p->cand[i];
	}
	memset(pick, 0, sizeof(*pick));
	pick->a = *from;
	pick->used = true;
	pick->first = -INFINITY;
	return pick;
}

enum peer_verdict peer_input(struct peer *p, const struct addr *from, double now)
{
	struct peer_cand *c;

	if (!p->have || p->rule.mode == PEER_ANY) {
		bool same = p->have && addr_equal(&p->client, from);

		if (same) {
			p->last = now;
			return PEER_CLIENT;
		}
		become(p, from, now);
		return PEER_LEARNED;
	}
	if (addr_equal(&p->client, from)) {
		double gap = now - p->last, g = gap_now(p, now);

		if (gap > g) {
			p->gapmax = gap;
			p->gapmax_t = now;
		}
		p->last = now;
		return PEER_CLIENT;
	}
	if (p->rule.mode == PEER_LOCK) {
		p->ignored++;
		return PEER_IGNORED;
	}
	c = candidate(p, from);
	if (now - c->first > p->rule.window) {
		c->first = now;
		c->n = 0;
	}
	c->n++;
	if (c->n >= p->rule.count && now - p->last >= peer_quiet_needed(p, now)) {
		become(p, from, now);
		return PEER_LEARNED;
	}
	p->strangers++;
	return PEER_STRANGER;
}
