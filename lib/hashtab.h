/* hashtab.h - small open-addressing hash index and keyed hashes for the daemons' tables.
 *
 * The index maps a 64-bit hash to 32-bit values (the caller's slot numbers):
 * linear probing, at most half full, deletion by backward shift, no
 * allocation after hashtab_init().  It does not store keys: a lookup walks
 * the values whose hash matches and the caller compares its own key
 * (hashtab_first/hashtab_next), so several values may share a hash or a key
 * -- but many values under one key make one long run that every lookup
 * near it walks: index unique keys.
 *
 * Hashes are SipHash-2-4 (libsodium's crypto_shorthash) under a random key
 * drawn per table, so a remote peer that picks session ids, flow ids or
 * source ports cannot aim them at one bucket.
 */
#ifndef MPT_HASHTAB_H
#define MPT_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASHTAB_NONE UINT32_MAX	/* no value; also the mark of an empty slot */
#define HASH_KEY_LEN 16

struct hash_key {
	uint8_t k[HASH_KEY_LEN];
};

/* A new random key (getrandom). */
void hash_key_random(struct hash_key *key);
uint64_t hash_bytes(const struct hash_key *key, const void *p, size_t n);
uint64_t hash_u64(const struct hash_key *key, uint64_t v);
/* Family, address and port (and IPv6 scope) of a socket address, and salt
 * (e.g. the slot of the session it belongs to: keys must be unique, see below). */
struct addr;
uint64_t hash_addr(const struct hash_key *key, const struct addr *a, uint32_t salt);

struct hashtab_slot {
	uint32_t tag;		/* low 32 bits of the hash; home = tag & mask */
	uint32_t val;		/* HASHTAB_NONE = empty */
};

struct hashtab {
	struct hashtab_slot *slots;
	uint32_t mask;		/* slots - 1 (a power of two minus one) */
	uint32_t count;
	uint32_t max;		/* values it accepts */
	struct hash_key key;	/* for the owner's hash_*() calls */
};

struct hashtab_iter {
	uint32_t pos, tag;
};

/* Room for max values (1 .. 2^30); a random key. 0, -EINVAL or -ENOMEM. */
int hashtab_init(struct hashtab *t, uint32_t max);
void hashtab_free(struct hashtab *t);
void hashtab_clear(struct hashtab *t);
/* The first value stored under hash h, or HASHTAB_NONE; then hashtab_next. */
uint32_t hashtab_first(const struct hashtab *t, uint64_t h, struct hashtab_iter *it);
uint32_t hashtab_next(const struct hashtab *t, struct hashtab_iter *it);
/* Store val (not HASHTAB_NONE) under h; false when max values are stored. */
bool hashtab_insert(struct hashtab *t, uint64_t h, uint32_t val);
/* Remove the pair (h, val); false if absent. */
bool hashtab_remove(struct hashtab *t, uint64_t h, uint32_t val);

#endif
