/* keyset.c - pre-shared keys by key id (see keyset.h). */
#include "keyset.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static uint32_t slot_of(const struct keyset *s, uint32_t id)
{
	return (uint32_t)((id * 0x9e3779b1u) >> 7) & s->mask;
}

int keyset_init(struct keyset *s, uint32_t max)
{
	uint32_t n = 4;

	memset(s, 0, sizeof(*s));
	if (max < 1 || max > KEYSET_MAX)
		return -EINVAL;
	while (n < 2 * max)
		n *= 2;
	s->keys = calloc(max, sizeof(*s->keys));
	s->slots = calloc(n, sizeof(*s->slots));
	s->tags = calloc(max, sizeof(*s->tags));
	if (!s->keys || !s->slots || !s->tags) {
		keyset_free(s);
		return -ENOMEM;
	}
	s->max = max;
	s->mask = n - 1;
	return 0;
}

void keyset_free(struct keyset *s)
{
	if (s->keys)
		sodium_memzero(s->keys, (size_t)s->max * sizeof(*s->keys));
	free(s->keys);
	free(s->slots);
	free(s->tags);
	memset(s, 0, sizeof(*s));
}

/* The slot holding id, or the empty slot where it would go. */
static uint32_t probe(const struct keyset *s, uint32_t id)
{
	uint32_t i = slot_of(s, id);

	while (s->slots[i] && s->keys[s->slots[i] - 1].id != id)
		i = (i + 1) & s->mask;
	return i;
}

const struct seal_psk *keyset_find(const struct keyset *s, uint32_t id)
{
	uint32_t i;

	if (!s->count)
		return NULL;
	i = probe(s, id);
	return s->slots[i] ? &s->keys[s->slots[i] - 1] : NULL;
}

int keyset_add(struct keyset *s, const struct seal_psk *p)
{
	return keyset_add_tagged(s, p, 0);
}

uint32_t keyset_tag(const struct keyset *s, const struct seal_psk *p)
{
	return p >= s->keys && p < s->keys + s->count ? s->tags[p - s->keys] : 0;
}

int keyset_add_tagged(struct keyset *s, const struct seal_psk *p, uint32_t tag)
{
	uint32_t i;

	if ((p->suite != SEAL_SUITE_CHACHA20_POLY1305 && p->suite != SEAL_SUITE_AES256_GCM) ||
	    p->id != seal_key_id(p->key))
		return -EINVAL;
	if (!s->slots)
		return -ENOSPC;
	i = probe(s, p->id);
	if (s->slots[i])
		return -EEXIST;
	if (s->count == s->max)
		return -ENOSPC;
	s->keys[s->count] = *p;
	s->tags[s->count] = tag;
	s->slots[i] = ++s->count;
	return 0;
}

bool keyset_remove(struct keyset *s, uint32_t id)
{
	uint32_t i, j, k, idx, last;

	if (!s->count)
		return false;
	i = probe(s, id);
	if (!s->slots[i])
		return false;
	idx = s->slots[i] - 1;
	/* backward-shift deletion keeps every probe chain unbroken */
	s->slots[i] = 0;
	for (j = (i + 1) & s->mask; s->slots[j]; j = (j + 1) & s->mask) {
		k = slot_of(s, s->keys[s->slots[j] - 1].id);
		/* move j's entry into the hole at i unless its home lies in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			s->slots[i] = s->slots[j];
			s->slots[j] = 0;
			i = j;
		}
	}
	/* keep keys dense: the last one takes idx's place */
	last = s->count - 1;
	if (idx != last) {
		s->slots[probe(s, s->keys[last].id)] = idx + 1;
		s->keys[idx] = s->keys[last];
		s->tags[idx] = s->tags[last];
	}
	s->tags[last] = 0;
	sodium_memzero(&s->keys[last], sizeof(s->keys[last]));
	s->count--;
	return true;
}

int keyset_copy(struct keyset *dst, const struct keyset *src)
{
	uint32_t k;
	int rc = keyset_init(dst, src->max);

	for (k = 0; rc == 0 && k < src->count; k++)
		rc = keyset_add_tagged(dst, &src->keys[k], src->tags[k]);
	if (rc)
		keyset_free(dst);	/* empty again: freeing it twice is harmless */
	return rc;
}

const struct seal_psk *keyset_at(const struct keyset *s, uint32_t i)
{
	return i < s->count ? &s->keys[i] : NULL;
}

uint32_t keyset_count(const struct keyset *s)
{
	return s->count;
}
