/* flow.c - flow tables: slots, hash indexes, least-recently-used order. */
#include "flow.h"
#include "rx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- mpclient ---- */

int cflow_table_init(struct cflow_table *t, uint32_t max)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->last = RX_NONE;
	t->f = calloc(max ? max : 1, sizeof(*t->f));
	t->free = calloc(max ? max : 1, sizeof(*t->free));
	if (!t->f || !t->free) {
		cflow_table_free(t);
		return -ENOMEM;
	}
	t->max = max;
	for (t->nfree = 0; t->nfree < max; t->nfree++)
		t->free[t->nfree] = max - 1 - t->nfree;	/* slot 0 first */
	rc = hashtab_init(&t->by_addr, max);
	if (rc == 0)
		rc = hashtab_init(&t->by_id, max);
	if (rc == 0)
		rc = lru_init(&t->lru, max);
	if (rc == 0)
		rc = lru_init(&t->unanswered, max);
	if (rc)
		cflow_table_free(t);
	return rc;
}

void cflow_table_free(struct cflow_table *t)
{
	free(t->f);
	free(t->free);
	t->f = NULL;
	t->free = NULL;
	t->nfree = 0;
	hashtab_free(&t->by_addr);
	hashtab_free(&t->by_id);
	lru_free(&t->lru);
	lru_free(&t->unanswered);
	t->n = 0;
}

/* The by_addr salt of a flow of association assoc to named: 0 for the local
 * port's flows, else mixing both, so one association's many targets spread. */
static uint32_t flow_salt(const struct cflow_table *t, uint32_t assoc, const struct target *named)
{
	uint8_t k[4 + 2 + 2 + TARGET_NAME_MAX + 1];
	size_t n;

	if (assoc == 0)
		return 0;
	memset(k, 0, sizeof(k));
	k[0] = (uint8_t)(assoc >> 24);
	k[1] = (uint8_t)(assoc >> 16);
	k[2] = (uint8_t)(assoc >> 8);
	k[3] = (uint8_t)assoc;
	k[4] = named->kind;
	k[5] = named->len;
	k[6] = (uint8_t)(named->port >> 8);
	k[7] = (uint8_t)named->port;
	n = named->kind == TARGET_IPV4 ? 4 : named->kind == TARGET_IPV6 ? 16 : named->len;
	memcpy(k + 8, &named->u, n);
	return (uint32_t)hash_bytes(&t->by_addr.key, k, 8 + n) | 1u;
}

uint32_t cflow_find(struct cflow_table *t, const struct addr *a, uint32_t assoc,
		    const struct target *named)
{
	struct hashtab_iter it;
	uint32_t i, salt = flow_salt(t, assoc, named);

	if (t->last != RX_NONE && t->f[t->last].id && t->f[t->last].assoc == assoc &&
	    addr_equal(&t->f[t->last].app, a) &&
	    (assoc == 0 || target_equal(&t->f[t->last].named, named)))
		return t->last;
	for (i = hashtab_first(&t->by_addr, hash_addr(&t->by_addr.key, a, salt), &it);
	     i != HASHTAB_NONE; i = hashtab_next(&t->by_addr, &it)) {
		if (t->f[i].id && t->f[i].assoc == assoc && addr_equal(&t->f[i].app, a) &&
		    (assoc == 0 || target_equal(&t->f[i].named, named))) {
			t->last = i;
			return i;
		}
	}
	return RX_NONE;
}

uint32_t cflow_by_addr(struct cflow_table *t, const struct addr *a)
{
	return cflow_find(t, a, 0, NULL);
}

uint32_t cflow_by_id(struct cflow_table *t, uint32_t id)
{
	struct hashtab_iter it;
	uint32_t i;

	if (id == 0)
		return RX_NONE;
	if (t->last != RX_NONE && t->f[t->last].id == id)
		return t->last;
	for (i = hashtab_first(&t->by_id, hash_u64(&t->by_id.key, id), &it); i != HASHTAB_NONE;
	     i = hashtab_next(&t->by_id, &it)) {
		if (t->f[i].id == id) {
			t->last = i;
			return i;
		}
	}
	return RX_NONE;
}

void cflow_remove(struct cflow_table *t, uint32_t i)
{
	struct cflow *f = &t->f[i];

	if (!f->id)
		return;
	hashtab_remove(&t->by_addr, hash_addr(&t->by_addr.key, &f->app, f->salt), i);
	hashtab_remove(&t->by_id, hash_u64(&t->by_id.key, f->id), i);
	lru_remove(&t->lru, i);
	if (!f->answered)
		lru_remove(&t->unanswered, i);
	f->id = 0;
	t->n--;
	t->free[t->nfree++] = i;
	if (t->last == i)
		t->last = RX_NONE;
}

uint32_t cflow_oldest(const struct cflow_table *t)
{
	uint32_t i = lru_oldest(&t->lru);

	return i == LRU_NONE ? RX_NONE : i;
}

uint32_t cflow_add_assoc(struct cflow_table *t, const struct addr *a, uint32_t assoc,
			 const struct target *named, double now, double idle_timeout,
			 uint32_t *evicted)
{
	uint32_t i, id;

	*evicted = 0;
	if (t->max == 0)
		return RX_NONE;
	if (t->nfree == 0) {
		/* full: the oldest flow never answered, else the oldest if idle */
		i = lru_oldest(&t->unanswered);
		if (i == LRU_NONE) {
			i = cflow_oldest(t);
			if (i == RX_NONE || now - t->f[i].last < idle_timeout)
				return RX_NONE;
		}
		*evicted = t->f[i].id;
		cflow_remove(t, i);
	}
	i = t->free[--t->nfree];
	do {
		if (++t->next_id == 0)
			t->next_id = 1;
		id = t->next_id;
	} while (cflow_by_id(t, id) != RX_NONE);
	t->f[i].id = id;
	t->f[i].app = *a;
	t->f[i].last = now;
	t->f[i].answered = false;
	if (named)
		t->f[i].named = *named;
	else
		memset(&t->f[i].named, 0, sizeof(t->f[i].named));
	t->f[i].assoc = assoc;
	t->f[i].salt = flow_salt(t, assoc, named);
	hashtab_insert(&t->by_addr, hash_addr(&t->by_addr.key, a, t->f[i].salt), i);
	hashtab_insert(&t->by_id, hash_u64(&t->by_id.key, id), i);
	lru_push(&t->lru, i);
	lru_push(&t->unanswered, i);
	t->n++;
	t->last = i;
	return i;
}

uint32_t cflow_add(struct cflow_table *t, const struct addr *a, double now, double idle_timeout,
		   uint32_t *evicted)
{
	return cflow_add_assoc(t, a, 0, NULL, now, idle_timeout, evicted);
}

void cflow_touch(struct cflow_table *t, uint32_t i, double now)
{
	t->f[i].last = now;
	lru_touch(&t->lru, i);
	if (!t->f[i].answered)
		lru_touch(&t->unanswered, i);
}

void cflow_answered(struct cflow_table *t, uint32_t i)
{
	if (t->f[i].id && !t->f[i].answered) {
		t->f[i].answered = true;
		lru_remove(&t->unanswered, i);
	}
}

/* ---- mpserver ---- */

int sflow_table_init(struct sflow_table *t, uint32_t max)
{
	uint32_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	t->f = calloc(max ? max : 1, sizeof(*t->f));
	t->free = calloc(max ? max : 1, sizeof(*t->free));
	if (!t->f || !t->free) {
		sflow_table_free(t);
		return -ENOMEM;
	}
	t->max = max;
	for (i = 0; i < max; i++) {
		t->f[i].session = RX_NONE;
		t->free[i] = max - 1 - i;	/* slot 0 first */
	}
	t->nfree = max;
	rc = hashtab_init(&t->by_key, max ? max : 1);
	if (rc == 0)
		rc = lru_init(&t->lru, max ? max : 1);
	if (rc == 0)
		rc = lru_init(&t->unanswered, max ? max : 1);
	if (rc)
		sflow_table_free(t);
	return rc;
}

void sflow_table_free(struct sflow_table *t)
{
	free(t->f);
	free(t->free);
	t->f = NULL;
	t->free = NULL;
	hashtab_free(&t->by_key);
	lru_free(&t->lru);
	lru_free(&t->unanswered);
	t->n = t->nfree = 0;
}

static uint64_t sflow_hash(const struct sflow_table *t, uint32_t session, uint32_t id)
{
	return hash_u64(&t->by_key.key, (uint64_t)session << 32 | id);
}

uint32_t sflow_find(const struct sflow_table *t, uint32_t session, uint32_t id)
{
	struct hashtab_iter it;
	uint32_t i;

	for (i = hashtab_first(&t->by_key, sflow_hash(t, session, id), &it); i != HASHTAB_NONE;
	     i = hashtab_next(&t->by_key, &it))
		if (t->f[i].session == session && t->f[i].id == id)
			return i;
	return RX_NONE;
}

uint32_t sflow_add(struct sflow_table *t, uint32_t session, uint32_t id, double now)
{
	uint32_t i;

	if (t->nfree == 0)
		return RX_NONE;
	i = t->free[--t->nfree];
	t->f[i].session = session;
	t->f[i].id = id;
	t->f[i].last = now;
	t->f[i].answered = false;
	memset(&t->f[i].to, 0, sizeof(t->f[i].to));
	memset(&t->f[i].named, 0, sizeof(t->f[i].named));
	hashtab_insert(&t->by_key, sflow_hash(t, session, id), i);
	lru_push(&t->lru, i);
	lru_push(&t->unanswered, i);
	t->n++;
	return i;
}

void sflow_touch(struct sflow_table *t, uint32_t i, double now)
{
	t->f[i].last = now;
	lru_touch(&t->lru, i);
	if (!t->f[i].answered)
		lru_touch(&t->unanswered, i);
}

void sflow_answered(struct sflow_table *t, uint32_t i)
{
	if (t->f[i].session != RX_NONE && !t->f[i].answered) {
		t->f[i].answered = true;
		lru_remove(&t->unanswered, i);
	}
}

uint32_t sflow_victim(const struct sflow_table *t, double now, double idle_timeout)
{
	uint32_t i = lru_oldest(&t->unanswered);

	if (i != LRU_NONE)
		return i;
	i = lru_oldest(&t->lru);
	if (i != LRU_NONE && now - t->f[i].last >= idle_timeout)
		return i;
	return RX_NONE;
}

void sflow_remove(struct sflow_table *t, uint32_t i)
{
	struct sflow *f = &t->f[i];

	if (f->session == RX_NONE)
		return;
	hashtab_remove(&t->by_key, sflow_hash(t, f->session, f->id), i);
	lru_remove(&t->lru, i);
	if (!f->answered)
		lru_remove(&t->unanswered, i);
	f->session = RX_NONE;
	t->free[t->nfree++] = i;
	t->n--;
}
