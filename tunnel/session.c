/* session.c - mpserver's session table. */
#include "session.h"
#include "random.h"
#include "rx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int session_table_init(struct session_table *t, uint32_t max, uint32_t window)
{
	uint32_t i;
	int rc = -ENOMEM;

	memset(t, 0, sizeof(*t));
	t->last = RX_NONE;
	if (max == 0 || max > (1u << 24))
		return -EINVAL;
	t->s = calloc(max, sizeof(*t->s));
	t->free = calloc(max, sizeof(*t->free));
	if (!t->s || !t->free)
		goto fail;
	t->max = max;
	for (i = 0; i < max; i++) {
		t->free[i] = max - 1 - i;	/* slot 0 first */
		rc = window_init(&t->s[i].rx, window);
		if (rc)
			goto fail;
	}
	t->nfree = max;
	rc = hashtab_init(&t->by_id, max);
	if (rc == 0)
		rc = hashtab_init(&t->by_addr, max * SESSION_MAX_PATHS);
	if (rc == 0)
		rc = lru_init(&t->lru, max);
	if (rc == 0)
		rc = lru_init(&t->unproven, max);
	if (rc)
		goto fail;
	return 0;
fail:
	session_table_free(t);
	return rc;
}

void session_table_free(struct session_table *t)
{
	uint32_t i;

	for (i = 0; t->s && i < t->max; i++) {
		window_free(&t->s[i].rx);
		seal_key_wipe(&t->s[i].rx_key);
		seal_key_wipe(&t->s[i].tx_key);
		seal_key_wipe(&t->s[i].key.prev_rx);
	}
	free(t->s);
	free(t->free);
	t->s = NULL;
	t->free = NULL;
	hashtab_free(&t->by_id);
	hashtab_free(&t->by_addr);
	lru_free(&t->lru);
	lru_free(&t->unproven);
	t->n = t->nfree = t->max = 0;
}

uint32_t session_find(struct session_table *t, uint64_t id)
{
	struct hashtab_iter it;
	uint32_t i;

	if (t->last != RX_NONE && t->s[t->last].used && t->s[t->last].id == id)
		return t->last;
	for (i = hashtab_first(&t->by_id, hash_u64(&t->by_id.key, id), &it); i != HASHTAB_NONE;
	     i = hashtab_next(&t->by_id, &it)) {
		if (t->s[i].used && t->s[i].id == id) {
			t->last = i;
			return i;
		}
	}
	return RX_NONE;
}

uint32_t session_alloc(struct session_table *t, uint64_t id, double now)
{
	struct session *s;
	struct window saved;
	uint32_t i;

	if (t->nfree == 0)
		return RX_NONE;
	i = t->free[--t->nfree];
	s = &t->s[i];
	saved = s->rx;
	memset(s, 0, sizeof(*s));
	s->rx = saved;
	window_reset(&s->rx);
	s->used = true;
	s->id = id;
	s->epoch = random_u64_nonzero();
	s->last_flow = RX_NONE;
	s->last_path = RX_NONE;
	s->created = s->last_rx = now;
	hashtab_insert(&t->by_id, hash_u64(&t->by_id.key, id), i);
	lru_push(&t->lru, i);
	lru_push(&t->unproven, i);
	t->n++;
	t->last = i;
	return i;
}

void session_release(struct session_table *t, uint32_t i, bool remember)
{
	struct session *s = &t->s[i];
	uint32_t k;

	if (!s->used)
		return;
	for (k = 0; k < SESSION_MAX_PATHS; k++)
		if (s->paths[k].used)
			session_path_forget(t, i, k);
	if (remember) {
		/* a replayed cookie PING must not reopen it below where it was */
		unsigned r = t->nclosed++ % SESSION_CLOSED_RING;

		t->closed[r].id = s->id;
		t->closed[r].top = s->rx.top;
	}
	hashtab_remove(&t->by_id, hash_u64(&t->by_id.key, s->id), i);
	lru_remove(&t->lru, i);
	if (!s->proven)
		lru_remove(&t->unproven, i);
	seal_key_wipe(&s->rx_key);
	seal_key_wipe(&s->tx_key);
	seal_key_wipe(&s->key.prev_rx);
	s->used = false;
	t->free[t->nfree++] = i;
	t->n--;
	if (t->last == i)
		t->last = RX_NONE;
}

void session_touch(struct session_table *t, uint32_t i, double now)
{
	t->s[i].last_rx = now;
	lru_touch(&t->lru, i);
	if (!t->s[i].proven)
		lru_touch(&t->unproven, i);
}

void session_proven(struct session_table *t, uint32_t i)
{
	if (t->s[i].used && !t->s[i].proven) {
		t->s[i].proven = true;
		lru_remove(&t->unproven, i);
	}
}

uint32_t session_oldest_unproven(const struct session_table *t)
{
	uint32_t i = lru_oldest(&t->unproven);

	return i == LRU_NONE ? RX_NONE : i;
}

uint32_t session_oldest(const struct session_table *t)
{
	uint32_t i = lru_oldest(&t->lru);

	return i == LRU_NONE ? RX_NONE : i;
}

uint64_t session_closed_top(const struct session_table *t, uint64_t id)
{
	uint64_t top = 0;
	unsigned i;

	for (i = 0; i < SESSION_CLOSED_RING && i < t->nclosed; i++)
		if (t->closed[i].id == id && t->closed[i].top > top)
			top = t->closed[i].top;
	return top;
}

/* ---- paths ---- */

/* keyed by (session slot, address): unique keys, whoever sends from one address */
static uint64_t addr_key(const struct session_table *t, uint32_t i, const struct addr *a)
{
	return hash_addr(&t->by_addr.key, a, i);
}

uint32_t session_path_find(struct session_table *t, uint32_t i, const struct addr *from)
{
	struct session *s = &t->s[i];
	struct hashtab_iter it;
	uint32_t v;

	if (s->last_path != RX_NONE && s->paths[s->last_path].used &&
	    addr_equal(&s->paths[s->last_path].addr, from))
		return s->last_path;
	for (v = hashtab_first(&t->by_addr, addr_key(t, i, from), &it); v != HASHTAB_NONE;
	     v = hashtab_next(&t->by_addr, &it)) {
		const struct spath *p = &t->s[v / SESSION_MAX_PATHS].paths[v % SESSION_MAX_PATHS];

		if (v / SESSION_MAX_PATHS == i && p->used && addr_equal(&p->addr, from)) {
			s->last_path = v % SESSION_MAX_PATHS;
			return s->last_path;
		}
	}
	return RX_NONE;
}

void session_path_forget(struct session_table *t, uint32_t i, uint32_t k)
{
	struct spath *p = &t->s[i].paths[k];

	if (!p->used)
		return;
	hashtab_remove(&t->by_addr, addr_key(t, i, &p->addr), i * SESSION_MAX_PATHS + k);
	memset(p, 0, sizeof(*p));
}

uint32_t session_path_learn(struct session_table *t, uint32_t i, uint32_t k,
			    const struct addr *from, double now, bool *is_new)
{
	struct session *s = &t->s[i];
	struct spath *p = &s->paths[k];
	uint32_t j;

	*is_new = false;
	if (p->used)
		return k;
	for (j = 0; j < SESSION_MAX_PATHS && !s->proven; j++)
		if (s->paths[j].used)
			session_proven(t, i);	/* a second path */
	memset(p, 0, sizeof(*p));
	p->addr = *from;
	p->used = true;
	p->last_rx = now;
	p->learnt = now;
	p->id = (uint8_t)k;
	p->chal_sent = -1;
	pathq_init(&p->q);
	hashtab_insert(&t->by_addr, addr_key(t, i, from), i * SESSION_MAX_PATHS + k);
	*is_new = true;
	s->last_path = k;
	return k;
}

void session_path_move(struct session_table *t, uint32_t i, uint32_t k, const struct addr *to)
{
	struct spath *p = &t->s[i].paths[k];

	hashtab_remove(&t->by_addr, addr_key(t, i, &p->addr), i * SESSION_MAX_PATHS + k);
	p->addr = *to;
	p->learnt = -1;		/* confirmed: its address no longer a first contact's */
	hashtab_insert(&t->by_addr, addr_key(t, i, to), i * SESSION_MAX_PATHS + k);
	t->s[i].last_path = k;
}
