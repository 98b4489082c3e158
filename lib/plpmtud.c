/* plpmtud.c - datagram PLPMTUD state machine (see plpmtud.h). */
#include "plpmtud.h"

#include <math.h>
#include <string.h>

const char *plpmtud_state_name(enum plpmtud_state s)
{
	switch (s) {
	case PLPMTUD_BASE: return "base";
	case PLPMTUD_SEARCHING: return "searching";
	case PLPMTUD_DONE: return "done";
	case PLPMTUD_ERROR: return "error";
	}
	return "?";
}

void plpmtud_init(struct plpmtud *p, uint16_t base, uint16_t max, double confirm, double now)
{
	memset(p, 0, sizeof(*p));
	if (max < base)
		max = base;
	p->base = base;
	p->max = max;
	p->hi = max;
	p->confirm = confirm;
	p->raise_at = now;
	p->state = PLPMTUD_BASE;
}

void plpmtud_set_min(struct plpmtud *p, uint16_t min)
{
	p->min = min < p->base ? min : 0;
}

/* How far the search goes: twice the largest datagram sent, within hi. */
static uint16_t target(const struct plpmtud *p)
{
	unsigned t = 2u * p->want;

	if (t < p->base)
		t = p->base;
	return t < p->hi ? (uint16_t)t : p->hi;
}

void plpmtud_reset(struct plpmtud *p, uint16_t max, double now)
{
	uint64_t probes = p->probes, acks = p->acks, bh = p->black_holes, rounds = p->rounds;
	uint16_t min = p->min, want = p->want;

	plpmtud_init(p, p->base, max ? max : p->max, p->confirm, now);
	p->min = min;
	p->want = want;
	p->probes = probes;
	p->acks = acks;
	p->black_holes = bh;
	p->rounds = rounds;
}

/* A round of sizes (and a control) starts. */
static void round_start(struct plpmtud *p, const uint16_t *sizes, unsigned n, uint16_t control)
{
	memcpy(p->size, sizes, n * sizeof(*sizes));
	memset(p->acked, 0, sizeof(p->acked));
	p->n = n;
	p->control = control;
	p->answered = false;
	p->best = 0;
	p->tries = 0;
	p->rounds++;
}

/* The search round's sizes over (lo, target]: the target last. */
static void search_round(struct plpmtud *p)
{
	uint16_t s[PLPMTUD_PARALLEL], top = target(p);
	unsigned span = (unsigned)(top - p->lo), k, j, n = 0;
	double ratio = (double)top / (double)p->lo;

	k = span;	/* 1-byte spacing once the span is small */
	if (k > PLPMTUD_PARALLEL)
		k = PLPMTUD_PARALLEL;
	if (k == 0)
		k = 1;
	for (j = 1; j <= k; j++) {
		unsigned v;

		if (ratio > 1.5)	/* geometric: the order of magnitude first */
			v = (unsigned)((double)p->lo * pow(ratio, (double)j / (double)k));
		else
			v = p->lo + (span * j + k - 1) / k;
		if (j == k || v > top)
			v = top;
		if (v <= p->lo || (n && v <= s[n - 1]))
			continue;
		s[n++] = (uint16_t)v;
	}
	round_start(p, s, n, p->lo);
}

/* Put this try's sizes in out: the unanswered ones above lo, and the
 * control until something answered. */
static unsigned round_send(struct plpmtud *p, double now, uint16_t *out)
{
	unsigned j, k = 0;

	for (j = 0; j < p->n; j++)
		if (!p->acked[j])
			out[k++] = p->size[j];
	if (p->control && !p->answered)
		out[k++] = p->control;
	p->tries++;
	p->probes += k;
	p->sent_at = now;
	return k;
}

static void done(struct plpmtud *p, double now)
{
	p->state = PLPMTUD_DONE;
	p->raise_at = now + PLPMTUD_RAISE;
	p->confirm_at = now + p->confirm;
	if (p->search_lost)
		p->cap = p->hi;
	else if (p->lo >= p->max)
		p->cap = 0;	/* the interface's limit passes */
}

/* After a round: the next step of the search. */
static void search_next(struct plpmtud *p, double now)
{
	if (p->hi <= p->lo || p->hi - p->lo < PLPMTUD_STEP || p->lo >= target(p))
		done(p, now);
	else
		p->state = PLPMTUD_SEARCHING;
}

void plpmtud_need(struct plpmtud *p, uint16_t size, double now)
{
	if (size <= p->want)
		return;
	p->want = size;
	if (p->state == PLPMTUD_DONE && p->n == 0 && p->lo < target(p) && p->hi - p->lo >= PLPMTUD_STEP) {
		p->search_lost = false;
		p->state = PLPMTUD_SEARCHING;	/* further: the next plpmtud_due */
	}
	(void)now;
}

/* The round's tries are over without an answer for some of its sizes. */
static void round_over(struct plpmtud *p, double now)
{
	unsigned j, n = p->n;

	p->n = 0;
	if (p->state == PLPMTUD_BASE && p->answered && p->min) {
		/* base is lost where smaller datagrams pass: search below it */
		if (p->lo < p->min)
			p->lo = p->min;
		p->hi = (uint16_t)(p->base - 1);
		p->cap = p->hi;
		p->search_lost = true;
		search_next(p, now);
		return;
	}
	if (p->state == PLPMTUD_BASE && p->min && !p->answered) {
		p->hold_until = now + PLPMTUD_HOLD;	/* nothing answered: proves nothing */
		return;
	}
	if (p->state == PLPMTUD_BASE) {
		p->state = PLPMTUD_ERROR;	/* not even base (or nothing answers) */
		p->lo = 0;
		p->raise_at = now + PLPMTUD_RETRY;
		return;
	}
	if (!p->answered) {
		/* nothing came back, not even the control: proves nothing */
		p->hold_until = now + PLPMTUD_HOLD;
		if (p->confirming)
			p->confirm_at = now + p->confirm;
		p->confirming = false;
		return;
	}
	/* the smallest size that never came back is lost */
	for (j = 0; j < n; j++) {
		if (p->acked[j])
			continue;
		if (p->confirming) {
			/* the confirmed size stopped passing: a black hole; what is
			 * known to pass now is what came back in this round */
			p->black_holes++;
			p->lo = p->best;
		}
		p->hi = (uint16_t)(p->size[j] - 1);
		if (p->hi < p->lo)
			p->hi = p->lo;
		p->search_lost = true;
		p->cap = p->hi;
		break;
	}
	p->confirming = false;
	search_next(p, now);
}

uint16_t plpmtud_cap(const struct plpmtud *p)
{
	return p->cap;
}

uint16_t plpmtud_mtu(const struct plpmtud *p)
{
	return p->lo;
}

unsigned plpmtud_due(struct plpmtud *p, double now, double timeout, bool busy, uint16_t *out)
{
	if (p->n) {
		if (now - p->sent_at < timeout)
			return 0;
		if (p->tries < PLPMTUD_MAX_PROBES)
			return round_send(p, now, out);
		round_over(p, now);
	}
	if (now < p->hold_until)
		return 0;
	switch (p->state) {
	case PLPMTUD_BASE:
		round_start(p, &p->base, 1, p->min);
		return round_send(p, now, out);
	case PLPMTUD_SEARCHING:
		search_round(p);
		return round_send(p, now, out);
	case PLPMTUD_DONE:
		if (now >= p->raise_at && p->lo < p->max) {
			p->hi = p->max;
			p->search_lost = false;
			p->raise_at = now + PLPMTUD_RAISE;
			if (p->lo < target(p)) {
				p->state = PLPMTUD_SEARCHING;
				search_round(p);
				return round_send(p, now, out);
			}
		}
		if (busy && p->confirm > 0 && now >= p->confirm_at && p->lo > p->base) {
			p->confirm_at = now + p->confirm;
			p->confirming = true;
			/* beside the smallest probe: a black hole may swallow base too */
			round_start(p, &p->lo, 1, p->min ? p->min : p->base);
			return round_send(p, now, out);
		}
		return 0;
	case PLPMTUD_ERROR:
		if (now >= p->raise_at) {
			p->state = PLPMTUD_BASE;
			round_start(p, &p->base, 1, p->min);
			return round_send(p, now, out);
		}
		return 0;
	}
	return 0;
}

void plpmtud_acked(struct plpmtud *p, uint16_t size, double now)
{
	unsigned j;
	bool all = true;

	p->acks++;
	if (size > p->max || !p->n)
		return;		/* a stale answer, or a late one from a round that is over */
	p->answered = true;
	if (size > p->best)
		p->best = size;
	for (j = 0; j < p->n; j++) {
		if (p->size[j] <= size)
			p->acked[j] = true;	/* a larger one passed */
		all = all && p->acked[j];
	}
	if (size > p->lo)
		p->lo = size;
	if (size > p->hi)
		p->hi = size;
	if (p->cap && size > p->cap)
		p->cap = size;
	if (!all && (p->confirming || p->lo < p->hi))
		return;		/* the rest wait for their answers or their timeout */
	p->n = 0;
	if (p->state == PLPMTUD_BASE) {
		p->search_lost = false;
		search_next(p, now);
		return;
	}
	if (p->confirming) {
		p->confirming = false;
		p->confirm_at = now + p->confirm;
		return;		/* still DONE */
	}
	search_next(p, now);
}
