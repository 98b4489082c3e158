/* keyset.h - pre-shared keys by key id (protocol v2, "Keys and suites").
 *
 * mpserver holds one keyset: several keys at once, for per-client keys and
 * for live rotation (the old and the new key both accepted during a grace
 * period).  Each key is a struct seal_psk (key bytes, suite, key id); the id
 * is what a datagram carries in its header, and keyset_find() looks it up in
 * O(1): an open-addressing table (linear probing, at most half full) over
 * the ids, which are BLAKE2b outputs and mixed once more by a multiply.  The
 * capacity is fixed at keyset_init(); nothing is allocated afterwards.
 *
 * Two different keys with the same 32-bit id cannot both be held (the
 * second is refused with -EEXIST; about 1 in 2^32 for a pair of random
 * keys): a receiver must know the key from the id alone.
 *
 * Pointers returned by keyset_find() and keyset_at() stay valid until the
 * next keyset_add() or keyset_remove().  Key bytes are wiped on removal and
 * by keyset_free().
 */
#ifndef MPT_KEYSET_H
#define MPT_KEYSET_H

#include <stdbool.h>
#include <stdint.h>

#include "seal.h"

#define KEYSET_MAX 65536u

struct keyset {
	struct seal_psk *keys;	/* dense, count entries */
	uint32_t *tags;		/* tags[i]: the owner of keys[i] (keyset_add_tagged) */
	uint32_t *slots;	/* index + 1 into keys, 0 = empty; mask + 1 slots */
	uint32_t count, max, mask;
};

/* Room for max keys (1..KEYSET_MAX): 0, -EINVAL, -ENOMEM. */
int keyset_init(struct keyset *s, uint32_t max);
void keyset_free(struct keyset *s);
/* dst, uninitialised, becomes a copy of src (same room, keys and tags): 0, or
 * -errno with dst empty (keyset_free on an empty set is harmless). */
int keyset_copy(struct keyset *dst, const struct keyset *src);

/*
 * Add a copy of *p: 0; -EEXIST if a key with its id is held (the same key
 * or, rarely, another one with the same id); -ENOSPC when full; -EINVAL if
 * p is not a keyed suite or its id does not match its key.
 */
int keyset_add(struct keyset *s, const struct seal_psk *p);
/* keyset_add() with a tag the holder gives the key (mpserver: the client
 * it belongs to; keyset_add() tags 0). */
int keyset_add_tagged(struct keyset *s, const struct seal_psk *p, uint32_t tag);
/* The tag of a key held in s (p from keyset_find() or keyset_at()). */
uint32_t keyset_tag(const struct keyset *s, const struct seal_psk *p);
/* Remove the key with this id: true if there was one. */
bool keyset_remove(struct keyset *s, uint32_t id);
/* The key with this id, or NULL. */
const struct seal_psk *keyset_find(const struct keyset *s, uint32_t id);
/* The i-th key (0 <= i < count), in no particular order. */
const struct seal_psk *keyset_at(const struct keyset *s, uint32_t i);
uint32_t keyset_count(const struct keyset *s);

#endif
