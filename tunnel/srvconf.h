/* srvconf.h - mpserver's configuration file: listen addresses, limits,
 * clients with their own keys, and the targets each may reach.
 *
 *   # global part: applies to every client
 *   listen [::]:2000                  repeatable; default [::]:PORT dual-stack
 *   target localhost:6666             the default target of flows that name none
 *   allow 127.0.0.1:7000-7010         addresses clients may name (SOCKS5, --target)
 *   allow [2001:db8::]/32:*           ADDR[/LEN]:PORT | PORT-PORT | *
 *   map dns 127.0.0.1:53              a name clients may use for a target
 *   key /etc/mptunnel/tunnel.key      a pre-shared key any client may use (repeatable)
 *   server-id 7                       routable server id (PROTOCOL.md)
 *   max-sessions 10000                and max-flows, session-timeout, idle-timeout
 *
 *   [client alice]                    a client: its own key, and what only it may reach
 *   key /etc/mptunnel/alice.key
 *   target 127.0.0.1:6666             overrides the global default for alice
 *   allow 198.18.0.0/15:*
 *   map game 127.0.0.1:27015
 *
 * Comments run from '#'; tokens are separated by blanks.  A client reaches
 * its own target, allows and maps, and the global ones; nothing of another
 * client's.  Parsed as context + init/line/finish; names are resolved in a
 * separate step (srvconf_resolve) so `mpserver -n` checks them too. */
#ifndef MPT_SRVCONF_H
#define MPT_SRVCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "target.h"

#define SRVCONF_MAX_LISTEN 8
#define SRVCONF_MAX_CLIENTS 4096
#define SRVCONF_MAX_RULES 256	/* allows or maps per scope */
#define SRVCONF_MAX_KEYS 8	/* keys per scope (rotation) */
#define SRVCONF_NAME_MAX 32
#define SRVCONF_HOST_MAX 256
#define SRVCONF_PATH_MAX 512
#define SRVCONF_FILE_MAX (1u << 20)

struct allow_rule {
	struct addr net;	/* address, port 0 */
	uint8_t prefix;		/* bits */
	uint16_t port_lo, port_hi;
};

struct hostport {
	char host[SRVCONF_HOST_MAX];
	uint16_t port;
	struct addr addr;	/* after srvconf_resolve */
	unsigned line;
};

struct target_mapping {
	char name[TARGET_NAME_MAX + 1];
	struct hostport to;
};

/* What one scope (the global part or a client) grants. */
struct srv_scope {
	bool has_target;
	struct hostport target;
	struct allow_rule *allow;	/* nallow entries, grown as parsed */
	unsigned nallow;
	struct target_mapping *maps;	/* nmaps entries */
	unsigned nmaps;
	char **keys;			/* nkeys key file paths */
	unsigned nkeys;
};

struct srv_client {
	char name[SRVCONF_NAME_MAX + 1];
	unsigned line;
	struct srv_scope scope;
};

struct srvconf {
	struct hostport listen[SRVCONF_MAX_LISTEN];
	unsigned nlisten;
	struct srv_scope global;
	struct srv_client *clients;	/* nclients entries */
	unsigned nclients;
	/* limits: 0 = not set (the command line's or the built-in default) */
	unsigned server_id, max_sessions, max_flows;
	double session_timeout, idle_timeout;
};

struct srvconf_parser {
	struct srvconf *cfg;
	struct srv_scope *scope;	/* where lines go: global or the last [client] */
	const char *source;
	unsigned lineno;
	char err[512];
};

void srvconf_init(struct srvconf_parser *p, struct srvconf *cfg, const char *source);
/* One line (NUL-terminated, modified in place). False with p->err set. */
bool srvconf_line(struct srvconf_parser *p, char *line);
/* Whole-file checks: a target or an allow somewhere, clients have keys,
 * unique client names. */
bool srvconf_finish(struct srvconf_parser *p);
/* Read and parse a file: 0 or -errno/-EINVAL with err filled (cfg then empty). */
int srvconf_load(struct srvconf *cfg, const char *path, char *err, size_t errlen);
/* Resolve every HOST:PORT (targets, maps, listens). 0 or -EINVAL with err. */
int srvconf_resolve(struct srvconf *cfg, const char *source, char *err, size_t errlen);
void srvconf_free(struct srvconf *cfg);
/* A deep copy (mpserver --workers: one per worker): 0 or -ENOMEM (dst freed). */
int srvconf_copy(struct srvconf *dst, const struct srvconf *src);

/* "ADDR[/LEN]:PORTSPEC" */
bool allow_rule_parse(const char *s, struct allow_rule *r);
bool allow_rule_match(const struct allow_rule *r, const struct addr *a);
/* May a client with this scope (and the global one) reach t?  For a name,
 * *to gets the mapped address. */
bool srvconf_permits(const struct srvconf *cfg, const struct srv_scope *client,
		     const struct target *t, struct addr *to);
const struct srv_client *srvconf_client(const struct srvconf *cfg, const char *name);

#endif
