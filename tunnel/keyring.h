/* keyring.h - the pre-shared keys an end seals and opens with, found by the
 * key id every keyed datagram carries (wire v2).
 *
 * mpclient seals with one key (psk) and opens with it, and, for a grace
 * period after a key change, with the key before it; mpserver opens with
 * every key it was given (several --key-file, a --key-dir: per-client keys,
 * rotation) and answers each session under the key that session uses
 * (server_keys.c).  The set is looked up by key id in O(1) (lib/keyset). */
#ifndef MPT_KEYRING_H
#define MPT_KEYRING_H

#include <stdbool.h>
#include <stdint.h>

#include "keyset.h"
#include "seal.h"

#define KEYRING_MAX 256		/* keys one end holds at once */

struct keyring {
	bool sealed;			/* keys are set: every datagram sealed */
	struct seal_psk psk;		/* mpclient: the key it seals with;
					 * mpserver: its first key (messages) */
	struct keyset set;		/* every key datagrams are opened with, by id */
};

/* psk NULL: the clear mode (0).  suite 0: seal_suite_default().  0, -EINVAL
 * (not a keyed suite), -ENOMEM. */
int keyring_init(struct keyring *k, const uint8_t *psk, unsigned suite);

/* The pre-shared key of this id, or NULL. */
static inline const struct seal_psk *keyring_get(const struct keyring *k, uint32_t key_id)
{
	return k->sealed ? keyset_find(&k->set, key_id) : NULL;
}

/* What we put in the header: suite and key id (0, 0 in the clear). */
static inline uint8_t keyring_suite(const struct keyring *k)
{
	return k->sealed ? k->psk.suite : 0;
}

static inline uint32_t keyring_id(const struct keyring *k)
{
	return k->sealed ? k->psk.id : 0;
}

void keyring_wipe(struct keyring *k);

#endif
