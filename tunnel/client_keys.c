/* client_keys.c - mpclient's key change (a reload): seal with the new key
 * at once, open replies under the old one for a grace period, then forget
 * it (client_core.h).  mpserver follows the session to the new key at its
 * first datagram (server_keys.c). */
#include "client_core.h"
#include "event.h"

#include <errno.h>

int client_core_rekey(struct client_core *c, const struct seal_psk *psk, double now,
		      double grace)
{
	struct seal_key tx = SEAL_KEY_EMPTY, rx = SEAL_KEY_EMPTY;
	uint32_t old = c->keys.psk.id;
	int rc;

	if (!c->keys.sealed)
		return -EINVAL;
	if (psk->id == old && psk->suite == c->keys.psk.suite)
		return 0;
	if (psk->id == old)
		return -EINVAL;	/* the same key under another suite: never (PROTOCOL.md) */
	rc = seal_key_derive(&tx, psk, c->session, c->session, false);
	if (rc == 0 && c->srv_epoch)
		rc = seal_key_derive(&rx, psk, c->session, c->srv_epoch, true);
	if (rc) {
		seal_key_wipe(&tx);
		seal_key_wipe(&rx);
		return rc;
	}
	/* an older key still in its grace period goes now: two keys at most */
	if (c->old_key_id && c->old_key_id != psk->id)
		keyset_remove(&c->keys.set, c->old_key_id);
	if (!keyset_find(&c->keys.set, psk->id)) {
		rc = keyset_add(&c->keys.set, psk);
		if (rc) {
			seal_key_wipe(&tx);
			seal_key_wipe(&rx);
			return rc;
		}
	}
	seal_key_move(&c->old_rx_key, &c->rx_key);
	seal_key_move(&c->rx_key, &rx);
	seal_key_move(&c->tx_key, &tx);
	c->keys.psk = *psk;
	c->old_key_id = old;
	c->old_until = now + grace;
	c->cnt.key_changes++;
	event_log("key_change", "key %08x replaces %08x (replies under the old one accepted "
		  "for %gs)", psk->id, old, grace);
	if (grace <= 0)
		client_key_expire(c, now);
	return 0;
}

const struct seal_key *client_key_rx(struct client_core *c, const struct seal_psk *kp)
{
	if (kp->id == c->keys.psk.id)
		return &c->rx_key;
	if (c->old_key_id && kp->id == c->old_key_id)
		return &c->old_rx_key;
	return NULL;
}

void client_key_adopt(struct client_core *c, uint64_t epoch, const struct seal_psk *kp,
		      struct seal_key *candidate)
{
	const struct seal_psk *old = c->old_key_id ? keyset_find(&c->keys.set, c->old_key_id)
						   : NULL;

	if (kp->id == c->keys.psk.id) {
		seal_key_move(&c->rx_key, candidate);
		if (old && seal_key_derive(&c->old_rx_key, old, c->session, epoch, true))
			seal_key_wipe(&c->old_rx_key);
	} else {
		/* a PONG under the old key made us adopt: both keys for the new epoch */
		seal_key_move(&c->old_rx_key, candidate);
		if (seal_key_derive(&c->rx_key, &c->keys.psk, c->session, epoch, true))
			seal_key_wipe(&c->rx_key);
	}
}

void client_key_expire(struct client_core *c, double now)
{
	if (!c->old_key_id || now < c->old_until)
		return;
	event_log("key_old_forgotten", "key %08x: grace period over, forgotten", c->old_key_id);
	keyset_remove(&c->keys.set, c->old_key_id);
	seal_key_wipe(&c->old_rx_key);
	c->old_key_id = 0;
}
