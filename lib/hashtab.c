/* hashtab.c - open-addressing hash index (linear probing, backward-shift delete). */
#include "hashtab.h"
#include "addr.h"
#include "random.h"

#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#if HASH_KEY_LEN != crypto_shorthash_KEYBYTES
#error "hash key size differs from crypto_shorthash's"
#endif

void hash_key_random(struct hash_key *key)
{
	uint64_t a = random_u64_nonzero(), b = random_u64_nonzero();

	memcpy(key->k, &a, 8);
	memcpy(key->k + 8, &b, 8);
}

uint64_t hash_bytes(const struct hash_key *key, const void *p, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, p, n, key->k);
	memcpy(&h, out, sizeof(h));
	return h;
}

uint64_t hash_u64(const struct hash_key *key, uint64_t v)
{
	return hash_bytes(key, &v, sizeof(v));
}

uint64_t hash_addr(const struct hash_key *key, const struct addr *a, uint32_t salt)
{
	uint8_t buf[4 + 2 + 16 + 2 + 4];
	size_t n = 0;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &salt, 4);
	n += 4;
	buf[n++] = (uint8_t)a->ss.ss_family;
	buf[n++] = (uint8_t)(a->ss.ss_family >> 8);
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;

		memcpy(buf + n, &s4->sin_addr, 4);
		n += 4;
		memcpy(buf + n, &s4->sin_port, 2);
		n += 2;
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

		memcpy(buf + n, &s6->sin6_addr, 16);
		n += 16;
		memcpy(buf + n, &s6->sin6_port, 2);
		n += 2;
		memcpy(buf + n, &s6->sin6_scope_id, 4);
		n += 4;
	}
	return hash_bytes(key, buf, n);
}

int hashtab_init(struct hashtab *t, uint32_t max)
{
	uint32_t size = 8;

	memset(t, 0, sizeof(*t));
	if (max == 0 || max > (1u << 30))
		return -EINVAL;
	while (size < 2 * max)
		size <<= 1;
	t->slots = malloc((size_t)size * sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = size - 1;
	t->max = max;
	hashtab_clear(t);
	hash_key_random(&t->key);
	return 0;
}

void hashtab_free(struct hashtab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->count = t->max = 0;
}

void hashtab_clear(struct hashtab *t)
{
	uint32_t i;

	for (i = 0; t->slots && i <= t->mask; i++)
		t->slots[i].val = HASHTAB_NONE;
	t->count = 0;
}

static uint32_t scan(const struct hashtab *t, struct hashtab_iter *it)
{
	for (;;) {
		const struct hashtab_slot *s = &t->slots[it->pos];

		if (s->val == HASHTAB_NONE)
			return HASHTAB_NONE;
		it->pos = (it->pos + 1) & t->mask;
		if (s->tag == it->tag)
			return s->val;
	}
}

uint32_t hashtab_first(const struct hashtab *t, uint64_t h, struct hashtab_iter *it)
{
	it->tag = (uint32_t)h;
	it->pos = it->tag & t->mask;
	if (!t->slots)
		return HASHTAB_NONE;
	return scan(t, it);
}

uint32_t hashtab_next(const struct hashtab *t, struct hashtab_iter *it)
{
	return scan(t, it);
}

bool hashtab_insert(struct hashtab *t, uint64_t h, uint32_t val)
{
	uint32_t pos;

	if (val == HASHTAB_NONE || t->count >= t->max)
		return false;
	pos = (uint32_t)h & t->mask;
	while (t->slots[pos].val != HASHTAB_NONE)
		pos = (pos + 1) & t->mask;
	t->slots[pos].tag = (uint32_t)h;
	t->slots[pos].val = val;
	t->count++;
	return true;
}

bool hashtab_remove(struct hashtab *t, uint64_t h, uint32_t val)
{
	uint32_t tag = (uint32_t)h, pos = tag & t->mask, next;

	if (!t->slots)
		return false;
	for (;;) {
		if (t->slots[pos].val == HASHTAB_NONE)
			return false;
		if (t->slots[pos].tag == tag && t->slots[pos].val == val)
			break;
		pos = (pos + 1) & t->mask;
	}
	/* backward shift: pull later entries of the run into the hole when
	 * their home is not strictly between the hole and their position */
	for (;;) {
		uint32_t home;

		t->slots[pos].val = HASHTAB_NONE;
		next = (pos + 1) & t->mask;
		for (;;) {
			if (t->slots[next].val == HASHTAB_NONE) {
				t->count--;
				return true;
			}
			home = t->slots[next].tag & t->mask;
			/* can it move to pos? yes unless home lies in (pos, next] cyclically */
			if (((next - home) & t->mask) >= ((next - pos) & t->mask))
				break;
			next = (next + 1) & t->mask;
		}
		t->slots[pos] = t->slots[next];
		pos = next;
	}
}
