/* server_access.c - mpserver's clients and targets (server_access.h). */
#include "server_access.h"
#include "event.h"
#include "server_core.h"
#include "server_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct srv_scope *scope_of(const struct srvconf *conf, uint32_t client)
{
	if (!conf || client == 0 || client > conf->nclients)
		return NULL;
	return &conf->clients[client - 1].scope;
}

static const char *name_in(const struct srvconf *conf, uint32_t client)
{
	if (!conf || client == 0 || client > conf->nclients)
		return "-";
	return conf->clients[client - 1].name;
}

const char *server_client_name(const struct server_core *s, uint32_t client)
{
	return name_in(s->conf, client);
}

static bool target_of(const struct srvconf *conf, uint32_t client, const struct target *t,
		      struct addr *to)
{
	const struct srv_scope *sc = scope_of(conf, client);

	memset(to, 0, sizeof(*to));
	if (!t) {
		if (!conf)
			return true;	/* the daemon's target */
		if (sc && sc->has_target) {
			*to = sc->target.addr;
			return true;
		}
		if (conf->global.has_target) {
			*to = conf->global.target.addr;
			return true;
		}
		return false;
	}
	return conf && srvconf_permits(conf, sc, t, to);
}

bool server_flow_target(const struct server_core *s, uint32_t client, const struct target *t,
			struct addr *to)
{
	return target_of(s->conf, client, t, to);
}

/* Sessions whose key belongs to another client under the new set: closed. */
static unsigned reown_sessions(struct server_core *s, const struct srvconf *old,
			       const struct keyset *set)
{
	unsigned closed = 0;
	uint32_t i;

	for (i = 0; set && i < s->sessions.max; i++) {
		struct session *ss = session_at(&s->sessions, i);
		const struct seal_psk *kp;
		uint32_t tag;

		if (!ss->used)
			continue;
		kp = keyset_find(set, ss->key.id);
		if (!kp)
			continue;	/* its key is gone: server_keys_replace closes it */
		tag = keyset_tag(set, kp);
		if (strcmp(name_in(old, ss->client), name_in(s->conf, tag)) != 0) {
			char why[96];

			snprintf(why, sizeof(why), "its key %08x now belongs to client %s",
				 ss->key.id, name_in(s->conf, tag));
			server_session_close(s, i, why);
			s->cnt.key_closed++;
			closed++;
			continue;
		}
		ss->client = tag;
		if (ss->key.prev_id) {
			const struct seal_psk *pp = keyset_find(set, ss->key.prev_id);

			if (!pp || keyset_tag(set, pp) != tag) {
				ss->key.prev_id = 0;
				seal_key_wipe(&ss->key.prev_rx);
			}
		}
	}
	return closed;
}

/* Flows whose client may no longer reach their target as bound: closed. */
static unsigned recheck_flows(struct server_core *s)
{
	unsigned closed = 0;
	uint32_t f;

	for (f = 0; f < s->flows.max; f++) {
		struct sflow *fl = &s->flows.f[f];
		struct addr to;

		if (fl->session == RX_NONE)
			continue;
		if (target_of(s->conf, s->sessions.s[fl->session].client,
			      fl->named.kind ? &fl->named : NULL, &to) &&
		    (fl->to.ss.ss_family == AF_UNSPEC || addr_equal(&to, &fl->to)))
			continue;
		event_log("flow_close", "session %016llx: flow %u closed (its target is no longer "
			  "allowed)", (unsigned long long)s->sessions.s[fl->session].id, fl->id);
		server_flow_close(s, f);
		closed++;
	}
	return closed;
}

int server_access_replace(struct server_core *s, struct srvconf *conf, struct keyset *set,
			  char *msg, size_t msglen)
{
	struct srvconf *old = s->conf, *nc;
	char kmsg[160] = "";
	unsigned owners, flows;
	int rc;

	if (set && keyset_count(set) == 0) {
		snprintf(msg, msglen, "no key left: a keyed mpserver needs at least one");
		return -EINVAL;
	}
	nc = malloc(sizeof(*nc));
	if (!nc) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	*nc = *conf;
	memset(conf, 0, sizeof(*conf));	/* ours now */
	s->conf = nc;
	owners = reown_sessions(s, old, set);
	if (set) {
		rc = server_keys_replace(s, set, kmsg, sizeof(kmsg));
		if (rc) {	/* cannot happen: the set is not empty */
			snprintf(msg, msglen, "cannot replace the keys");
			return rc;
		}
	}
	flows = recheck_flows(s);
	if (old) {
		srvconf_free(old);
		free(old);
	}
	snprintf(msg, msglen, "%s%s%u clients; client changed: %u sessions closed; target no "
		 "longer allowed: %u flows closed", kmsg, *kmsg ? "; " : "", nc->nclients, owners,
		 flows);
	return 0;
}

void server_access_free(struct server_core *s)
{
	if (s->conf) {
		srvconf_free(s->conf);
		free(s->conf);
		s->conf = NULL;
	}
}
