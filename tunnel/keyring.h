/* keyring.h - the pre-shared keys an end seals and opens with, by key id.
 * Wire v1 has one key (id 0); a later version names the key in each
 * datagram, and this is where the receiver looks it up. */
#ifndef MPT_KEYRING_H
#define MPT_KEYRING_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "seal.h"

struct keyring {
	bool sealed;			/* a key is set: every datagram sealed */
	uint8_t psk[SEAL_PSK_LEN];	/* key id 0 */
};

static inline void keyring_init(struct keyring *k, const uint8_t *psk)
{
	memset(k, 0, sizeof(*k));
	if (psk) {
		k->sealed = true;
		memcpy(k->psk, psk, SEAL_PSK_LEN);
	}
}

/* The pre-shared key of this id, or NULL. */
static inline const uint8_t *keyring_get(const struct keyring *k, unsigned key_id)
{
	return k->sealed && key_id == 0 ? k->psk : NULL;
}

static inline void keyring_wipe(struct keyring *k)
{
	volatile uint8_t *p = k->psk;
	unsigned i;

	for (i = 0; i < SEAL_PSK_LEN; i++)
		p[i] = 0;
	k->sealed = false;
}

#endif
