/* server_keys.h - mpserver's pre-shared keys per session (keyed mode).
 *
 * mpserver holds several keys (keyring.h), found by the key id each
 * datagram names.  A session is served under the key its latest
 * authenticated datagram named (the highest seq): replies are sealed with
 * it.  When mpclient switches to a new key, the session follows at the
 * first datagram under it, and the datagrams still in flight under the key
 * before open too (the session keeps that one's receive key).  A reload
 * replaces the whole set; a session under a key that is gone is closed. */
#ifndef MPT_SERVER_KEYS_H
#define MPT_SERVER_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "keyset.h"
#include "seal.h"
#include "stats.h"

struct server_core;
struct session;

/*
 * The key that opens a datagram of session ss under kp (the key its key id
 * names): the session's, the one before it, or a key derived into
 * candidate, at the unknown-session rate (forged datagrams naming another
 * known key may not spend our CPU).  NULL: drop for *why.
 */
const struct seal_key *server_key_rx(struct server_core *s, struct session *ss,
				     const struct seal_psk *kp, double now,
				     struct seal_key *candidate, enum drop_reason *why);
/* A new session ss is served under kp from its datagram seq on; its receive
 * key is candidate (moved).  0 or -errno (the transmit key cannot be made). */
int server_key_start(struct session *ss, const struct seal_psk *kp, uint64_t seq,
		     struct seal_key *candidate);
/*
 * Session ss accepted datagram seq under kp (opened with candidate when it
 * was derived): if that is another key than the session's and seq is above
 * the datagram that named the session's, the session moves to kp (replies
 * sealed with it; the key before kept for late datagrams).
 */
void server_key_follow(struct server_core *s, struct session *ss, const struct seal_psk *kp,
		       uint64_t seq, struct seal_key *candidate);
/*
 * A reload: set (at least one key, KEYRING_MAX room) replaces the keys; it
 * is moved (left empty).  Sessions under a key no longer held are closed
 * (counted as key_closed), a previous key no longer held is forgotten.  msg
 * gets a summary ("3 keys: 1 added, 1 removed; 2 sessions closed").  0 or
 * -EINVAL (an empty set: nothing changed).
 */
int server_keys_replace(struct server_core *s, struct keyset *set, char *msg, size_t msglen);

#endif
