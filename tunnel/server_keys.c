/* server_keys.c - mpserver's pre-shared keys per session (server_keys.h). */
#include "server_keys.h"
#include "event.h"
#include "server_core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct seal_key *server_key_rx(struct server_core *s, struct session *ss,
				     const struct seal_psk *kp, double now,
				     struct seal_key *candidate, enum drop_reason *why)
{
	if (kp->id == ss->key.id)
		return &ss->rx_key;
	if (kp->id == ss->key.prev_id)
		return &ss->key.prev_rx;
	if (keyset_tag(&s->keys.set, kp) != ss->client) {
		*why = DROP_CLIENT;	/* another client's key: never this session */
		return NULL;
	}
	if (!ratelimit_allow(&s->unknown_rl, now, NULL)) {
		*why = DROP_NEW_RATE;
		return NULL;
	}
	if (seal_key_derive(candidate, kp, ss->id, ss->id, false)) {
		*why = DROP_BAD_TAG;
		return NULL;
	}
	return candidate;
}

int server_key_start(struct session *ss, const struct seal_psk *kp, uint64_t seq,
		     struct seal_key *candidate)
{
	seal_key_move(&ss->rx_key, candidate);
	ss->key.id = kp->id;
	ss->key.suite = kp->suite;
	ss->key.since = seq;
	ss->key.prev_id = 0;
	seal_key_wipe(&ss->key.prev_rx);
	return seal_key_derive(&ss->tx_key, kp, ss->id, ss->epoch, true);
}

void server_key_follow(struct server_core *s, struct session *ss, const struct seal_psk *kp,
		       uint64_t seq, struct seal_key *candidate)
{
	struct seal_key tmp = SEAL_KEY_EMPTY;
	uint32_t old = ss->key.id;

	if (kp->id == ss->key.id || seq <= ss->key.since)
		return;	/* the session's key, or a late datagram under the key before */
	seal_key_move(&tmp, &ss->rx_key);
	if (kp->id == ss->key.prev_id)
		seal_key_move(&ss->rx_key, &ss->key.prev_rx);	/* back to the key before */
	else
		seal_key_move(&ss->rx_key, candidate);
	seal_key_move(&ss->key.prev_rx, &tmp);
	ss->key.prev_id = old;
	ss->key.id = kp->id;
	ss->key.suite = kp->suite;
	ss->key.since = seq;
	if (seal_key_derive(&ss->tx_key, kp, ss->id, ss->epoch, true) != 0)
		log_warnx("session %016llx: cannot prepare key %08x", (unsigned long long)ss->id,
			  kp->id);
	s->cnt.key_changes++;
	event_log("session_key", "session %016llx: key %08x replaces %08x",
		  (unsigned long long)ss->id, kp->id, old);
}

int server_keys_replace(struct server_core *s, struct keyset *set, char *msg, size_t msglen)
{
	struct keyset old;
	unsigned added = 0, removed = 0, closed = 0;
	uint32_t i;

	if (keyset_count(set) == 0)
		return -EINVAL;
	for (i = 0; i < keyset_count(set); i++)
		added += keyset_find(&s->keys.set, keyset_at(set, i)->id) == NULL;
	for (i = 0; i < keyset_count(&s->keys.set); i++)
		removed += keyset_find(set, keyset_at(&s->keys.set, i)->id) == NULL;
	old = s->keys.set;
	s->keys.set = *set;
	memset(set, 0, sizeof(*set));	/* the caller's copy is ours now */
	s->keys.psk = *keyset_at(&s->keys.set, 0);
	for (i = 0; i < s->sessions.max; i++) {
		struct session *ss = session_at(&s->sessions, i);

		if (!ss->used)
			continue;
		if (ss->key.prev_id && !keyset_find(&s->keys.set, ss->key.prev_id)) {
			ss->key.prev_id = 0;
			seal_key_wipe(&ss->key.prev_rx);
		}
		if (!keyset_find(&s->keys.set, ss->key.id)) {
			char why[64];

			snprintf(why, sizeof(why), "its key %08x was removed", ss->key.id);
			server_session_close(s, i, why);
			s->cnt.key_closed++;
			closed++;
		}
	}
	keyset_free(&old);
	snprintf(msg, msglen, "%u keys: %u added, %u removed; %u sessions closed",
		 keyset_count(&s->keys.set), added, removed, closed);
	return 0;
}
