/* server_access.h - mpserver's clients and targets (issue 13): which client
 * a session belongs to, and where each flow may go.
 *
 * Every key mpserver holds is tagged with its client (lib/keyset tags): the
 * index + 1 of a [client NAME] section of the config file (srvconf.h), or
 * 0 for a key of the global part (--key-file, --key-dir, a global 'key'
 * line).  A session belongs to the client whose key opened it
 * (session.client) and is served only under that client's keys: a
 * datagram of the session sealed with another client's key is the drop
 * `client`, whatever its tag says (server_key_rx).
 *
 * A flow's target is fixed at its first DATA: the client's default target
 * (its 'target', else the global one) when the DATA names none, else the
 * name or address its target descriptor gives (PROTOCOL.md), if the client
 * may reach it (its own allow and map lines and the global ones).  Anything
 * else is the drop `target_denied`, answered with a NOTICE code 6. */
#ifndef MPT_SERVER_ACCESS_H
#define MPT_SERVER_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "keyset.h"
#include "srvconf.h"
#include "target.h"

struct server_core;

/* The client's name for log lines ("-" for the global part's keys). */
const char *server_client_name(const struct server_core *s, uint32_t client);
/*
 * Where a new flow of a session of `client` goes: t NULL for a DATA
 * without a descriptor.  True with *to (AF_UNSPEC: the daemon's one target,
 * when the core has no configuration), false when not allowed.
 */
bool server_flow_target(const struct server_core *s, uint32_t client, const struct target *t,
			struct addr *to);
/*
 * Take conf (resolved; moved: the core frees it) as the core's
 * configuration, at start or on a reload.  On a reload, set (the new keys,
 * tagged by conf's clients; NULL when unkeyed) replaces the keys as
 * server_keys_replace() does; a session whose key now belongs to another
 * client (by name) is closed, and so is every flow its client may no longer
 * reach as it was bound.  msg gets a summary.  0 or -errno (nothing
 * changed).
 */
int server_access_replace(struct server_core *s, struct srvconf *conf, struct keyset *set,
			  char *msg, size_t msglen);
void server_access_free(struct server_core *s);

#endif
