/* keyring.h - the pre-shared key an end seals and opens with, found by the
 * key id every keyed datagram carries (wire v2).  One key per end for now;
 * the lookup is by id, so several keys (clients, rotation) slot in here. */
#ifndef MPT_KEYRING_H
#define MPT_KEYRING_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "seal.h"

struct keyring {
	bool sealed;			/* a key is set: every datagram sealed */
	struct seal_psk psk;		/* key, id, suite */
};

/* psk NULL: the clear mode.  suite 0: seal_suite_default(). */
static inline void keyring_init(struct keyring *k, const uint8_t *psk, unsigned suite)
{
	memset(k, 0, sizeof(*k));
	if (psk) {
		k->sealed = seal_psk_set(&k->psk, psk, suite ? suite : seal_suite_default());
	}
}

/* The pre-shared key of this id, or NULL. */
static inline const struct seal_psk *keyring_get(const struct keyring *k, uint32_t key_id)
{
	return k->sealed && key_id == k->psk.id ? &k->psk : NULL;
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

static inline void keyring_wipe(struct keyring *k)
{
	seal_psk_wipe(&k->psk);
	k->sealed = false;
}

#endif
