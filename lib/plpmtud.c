/* plpmtud.c - datagram PLPMTUD state machine (see plpmtud.h). */
#include "plpmtud.h"

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

static void search_next(struct plpmtud *p, double now)
{
	p->probe = 0;
	p->tries = 0;
	if (p->hi <= p->lo || (p->tried_hi && p->hi < p->lo + PLPMTUD_STEP)) {
		p->state = PLPMTUD_DONE;
		p->raise_at = now + PLPMTUD_RAISE;
		p->confirm_at = now + p->confirm;
		return;
	}
	p->state = PLPMTUD_SEARCHING;
}

static uint16_t search_probe(struct plpmtud *p, double now);

static uint16_t send_probe(struct plpmtud *p, uint16_t size, double now)
{
	if (p->probe != size) {
		p->probe = size;
		p->tries = 0;
	}
	p->tries++;
	p->probes++;
	p->sent_at = now;
	return size;
}

static uint16_t search_probe(struct plpmtud *p, double now)
{
	if (!p->tried_hi) {
		p->tried_hi = true;
		return send_probe(p, p->hi, now);
	}
	return send_probe(p, (uint16_t)(p->lo + (p->hi - p->lo + 1) / 2), now);
}

/* The probe in flight timed out PLPMTUD_MAX_PROBES times. */
static void probe_failed(struct plpmtud *p, double now)
{
	uint16_t size = p->probe;

	p->probe = 0;
	p->tries = 0;
	switch (p->state) {
	case PLPMTUD_BASE:
		p->state = PLPMTUD_ERROR;
		p->lo = 0;
		p->raise_at = now + PLPMTUD_RETRY;
		break;
	case PLPMTUD_SEARCHING:
		p->hi = (uint16_t)(size - 1);
		search_next(p, now);
		break;
	case PLPMTUD_DONE:
		/* the confirmed size stopped passing: a black hole */
		p->black_holes++;
		p->hi = (uint16_t)(size - 1);
		p->lo = 0;
		p->state = PLPMTUD_BASE;
		break;
	case PLPMTUD_ERROR:
		p->raise_at = now + PLPMTUD_RETRY;
		break;
	}
}

uint16_t plpmtud_due(struct plpmtud *p, double now, double timeout, bool busy)
{
	if (p->probe) {
		if (now - p->sent_at < timeout)
			return 0;
		if (p->tries < PLPMTUD_MAX_PROBES)
			return send_probe(p, p->probe, now);
		probe_failed(p, now);
	}
	switch (p->state) {
	case PLPMTUD_BASE:
		return send_probe(p, p->base, now);
	case PLPMTUD_SEARCHING:
		return search_probe(p, now);
	case PLPMTUD_DONE:
		if (now >= p->raise_at && p->lo < p->max) {
			p->hi = p->max;
			p->tried_hi = false;
			search_next(p, now);
			if (p->state == PLPMTUD_SEARCHING)
				return search_probe(p, now);
		}
		if (busy && p->confirm > 0 && now >= p->confirm_at && p->lo > p->base) {
			p->confirm_at = now + p->confirm;
			return send_probe(p, p->lo, now);
		}
		return 0;
	case PLPMTUD_ERROR:
		if (now >= p->raise_at) {
			p->state = PLPMTUD_BASE;
			return send_probe(p, p->base, now);
		}
		return 0;
	}
	return 0;
}

void plpmtud_acked(struct plpmtud *p, uint16_t size, double now)
{
	p->acks++;
	if (size > p->max || size < p->lo)
		return;		/* nothing new (or a stale answer) */
	if (size > p->hi)
		p->hi = size;	/* a late answer proves more than we thought */
	p->lo = size;
	if (p->probe && size >= p->probe) {
		p->probe = 0;
		p->tries = 0;
	}
	if (p->state == PLPMTUD_DONE) {
		p->confirm_at = now + p->confirm;
		return;
	}
	if (p->state == PLPMTUD_BASE)
		p->tried_hi = false;
	search_next(p, now);
}

uint16_t plpmtud_mtu(const struct plpmtud *p)
{
	switch (p->state) {
	case PLPMTUD_ERROR: return 0;
	case PLPMTUD_BASE: return p->lo ? p->lo : p->base;
	default: return p->lo;
	}
}
