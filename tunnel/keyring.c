/* keyring.c - an end's pre-shared keys (keyring.h). */
#include "keyring.h"

#include <errno.h>
#include <string.h>

int keyring_init(struct keyring *k, const uint8_t *psk, unsigned suite)
{
	int rc;

	memset(k, 0, sizeof(*k));
	if (!psk)
		return 0;
	if (!seal_psk_set(&k->psk, psk, suite ? suite : seal_suite_default()))
		return -EINVAL;
	rc = keyset_init(&k->set, KEYRING_MAX);
	if (rc == 0)
		rc = keyset_add(&k->set, &k->psk);
	if (rc) {
		keyring_wipe(k);
		return rc;
	}
	k->sealed = true;
	return 0;
}

void keyring_wipe(struct keyring *k)
{
	seal_psk_wipe(&k->psk);
	keyset_free(&k->set);
	k->sealed = false;
}
