/* srvconf.c - mpserver's configuration file (see srvconf.h). */
#include "srvconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "log.h"
#include "parse.h"

#define MAX_TOKENS 8

static bool fail(struct srvconf_parser *p, const char *fmt, ...) MPT_PRINTF(2, 3);

static bool fail(struct srvconf_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, sizeof(p->err), "%s:%u: ", p->source, p->lineno);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(p->err))
		vsnprintf(p->err + n, sizeof(p->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

void srvconf_init(struct srvconf_parser *p, struct srvconf *cfg, const char *source)
{
	memset(p, 0, sizeof(*p));
	memset(cfg, 0, sizeof(*cfg));
	p->cfg = cfg;
	p->scope = &cfg->global;
	p->source = source;
}

/* Grow *arr (of n elements of size sz) by one zeroed element; NULL on failure. */
static void *grow(void *arr, unsigned n, size_t sz, void **out)
{
	char *a = realloc(arr, (n + 1) * sz);

	if (!a)
		return NULL;
	memset(a + n * sz, 0, sz);
	*out = a + n * sz;
	return a;
}

static bool parse_hostport_tok(struct srvconf_parser *p, const char *what, const char *tok,
			       struct hostport *hp)
{
	if (!parse_hostport(tok, false, hp->host, sizeof(hp->host), &hp->port) || hp->host[0] == '\0')
		return fail(p, "bad %s '%s' (HOST:PORT or [V6ADDR]:PORT)", what, tok);
	hp->line = p->lineno;
	return true;
}

static bool parse_ip(const char *s, struct addr *a)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		a->len = sizeof(*in);
		return true;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		a->len = sizeof(*in6);
		return true;
	}
	return false;
}

bool allow_rule_parse(const char *s, struct allow_rule *r)
{
	char host[INET6_ADDRSTRLEN + 8], ports[16];
	const char *colon, *slash, *addr_end, *dash;
	size_t hlen;
	unsigned maxbits, bits;

	memset(r, 0, sizeof(*r));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb)
			return false;
		colon = strchr(rb, ':');
		if (!colon || (rb[1] != ':' && rb[1] != '/'))
			return false;
		hlen = (size_t)(rb - s - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return false;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		addr_end = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		addr_end = colon;
		slash = memchr(s, '/', (size_t)(colon - s));
		hlen = (size_t)((slash ? slash : colon) - s);
		if (hlen == 0 || hlen >= sizeof(host))
			return false;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (strchr(host, ':'))
			return false;	/* IPv6 needs brackets: [::1]:53 */
		addr_end = slash ? slash : colon;
	}
	if (!parse_ip(host, &r->net))
		return false;
	maxbits = r->net.ss.ss_family == AF_INET ? 32 : 128;
	bits = maxbits;
	if (*addr_end == '/') {
		char num[8];
		size_t nlen = (size_t)(colon - addr_end - 1);
		if (nlen == 0 || nlen >= sizeof(num))
			return false;
		memcpy(num, addr_end + 1, nlen);
		num[nlen] = '\0';
		if (!parse_uint(num, 0, maxbits, &bits))
			return false;
	} else if (addr_end != colon) {
		return false;
	}
	r->prefix = (uint8_t)bits;
	if (strlen(colon + 1) >= sizeof(ports))
		return false;
	strcpy(ports, colon + 1);
	if (strcmp(ports, "*") == 0) {
		r->port_lo = 1;
		r->port_hi = 65535;
		return true;
	}
	dash = strchr(ports, '-');
	if (dash) {
		ports[dash - ports] = '\0';
		if (!parse_port(ports, false, &r->port_lo) || !parse_port(dash + 1, false, &r->port_hi) ||
		    r->port_hi < r->port_lo)
			return false;
		return true;
	}
	if (!parse_port(ports, false, &r->port_lo))
		return false;
	r->port_hi = r->port_lo;
	return true;
}

/* The address bytes of a (v4-mapped IPv6 as IPv4) and its port. */
static const uint8_t *addr_bytes(const struct addr *a, int *family, uint16_t *port)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&a->ss;
		*family = AF_INET;
		*port = ntohs(in->sin_port);
		return (const uint8_t *)&in->sin_addr;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->ss;
		*port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			*family = AF_INET;
			return in6->sin6_addr.s6_addr + 12;
		}
		*family = AF_INET6;
		return in6->sin6_addr.s6_addr;
	}
	*family = AF_UNSPEC;
	return NULL;
}

bool allow_rule_match(const struct allow_rule *r, const struct addr *a)
{
	int rf, af;
	uint16_t rp, ap;
	const uint8_t *rb = addr_bytes(&r->net, &rf, &rp), *ab = addr_bytes(a, &af, &ap);
	unsigned full, rest;

	if (!rb || !ab || rf != af || ap < r->port_lo || ap > r->port_hi)
		return false;
	full = r->prefix / 8;
	rest = r->prefix % 8;
	if (memcmp(rb, ab, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((rb[full] & mask) != (ab[full] & mask))
			return false;
	}
	return true;
}

static bool add_key(struct srvconf_parser *p, struct srv_scope *sc, const char *path)
{
	char **k;

	if (sc->nkeys >= SRVCONF_MAX_KEYS)
		return fail(p, "more than %d keys", SRVCONF_MAX_KEYS);
	if (strlen(path) >= SRVCONF_PATH_MAX)
		return fail(p, "key path too long");
	k = realloc(sc->keys, (sc->nkeys + 1) * sizeof(*k));
	if (!k)
		return fail(p, "out of memory");
	sc->keys = k;
	sc->keys[sc->nkeys] = strdup(path);
	if (!sc->keys[sc->nkeys])
		return fail(p, "out of memory");
	sc->nkeys++;
	return true;
}

static bool scope_line(struct srvconf_parser *p, struct srv_scope *sc, char **tok, size_t n)
{
	const char *kw = tok[0];

	if (strcmp(kw, "target") == 0) {
		if (n != 2)
			return fail(p, "'target' takes one HOST:PORT");
		if (sc->has_target)
			return fail(p, "a second 'target' (the first is on line %u)", sc->target.line);
		sc->has_target = true;
		return parse_hostport_tok(p, "target", tok[1], &sc->target);
	}
	if (strcmp(kw, "allow") == 0) {
		struct allow_rule *r;
		void *a;
		if (n != 2)
			return fail(p, "'allow' takes one ADDR[/LEN]:PORTS");
		if (sc->nallow >= SRVCONF_MAX_RULES)
			return fail(p, "more than %d allow rules", SRVCONF_MAX_RULES);
		a = grow(sc->allow, sc->nallow, sizeof(*sc->allow), (void **)&r);
		if (!a)
			return fail(p, "out of memory");
		sc->allow = a;
		if (!allow_rule_parse(tok[1], r))
			return fail(p, "bad allow rule '%s' (ADDR[/LEN]:PORT, PORT-PORT or *; "
				    "an address, not a name: use 'map NAME HOST:PORT' for names)", tok[1]);
		sc->nallow++;
		return true;
	}
	if (strcmp(kw, "map") == 0) {
		struct target_mapping *m;
		struct target t;
		void *a;
		if (n != 3)
			return fail(p, "'map' takes NAME HOST:PORT");
		if (!target_from_name(&t, tok[1]))
			return fail(p, "bad target name '%s' (1-%d printable characters)", tok[1],
				    TARGET_NAME_MAX);
		for (unsigned i = 0; i < sc->nmaps; i++)
			if (strcmp(sc->maps[i].name, tok[1]) == 0)
				return fail(p, "name '%s' mapped twice (line %u)", tok[1],
					    sc->maps[i].to.line);
		if (sc->nmaps >= SRVCONF_MAX_RULES)
			return fail(p, "more than %d maps", SRVCONF_MAX_RULES);
		a = grow(sc->maps, sc->nmaps, sizeof(*sc->maps), (void **)&m);
		if (!a)
			return fail(p, "out of memory");
		sc->maps = a;
		strcpy(m->name, tok[1]);
		if (!parse_hostport_tok(p, "map target", tok[2], &m->to))
			return false;
		sc->nmaps++;
		return true;
	}
	if (strcmp(kw, "key") == 0) {
		if (n != 2)
			return fail(p, "'key' takes one FILE");
		return add_key(p, sc, tok[1]);
	}
	return fail(p, "unknown keyword '%s'", kw);
}

static bool global_line(struct srvconf_parser *p, char **tok, size_t n)
{
	struct srvconf *c = p->cfg;
	const char *kw = tok[0];
	unsigned *u = NULL, lo = 1, hi = 0;
	double *d = NULL;

	if (strcmp(kw, "listen") == 0) {
		if (n != 2)
			return fail(p, "'listen' takes one [ADDR:]PORT");
		if (c->nlisten >= SRVCONF_MAX_LISTEN)
			return fail(p, "more than %d listen addresses", SRVCONF_MAX_LISTEN);
		if (!parse_hostport(tok[1], true, c->listen[c->nlisten].host,
				    sizeof(c->listen[0].host), &c->listen[c->nlisten].port))
			return fail(p, "bad listen address '%s'", tok[1]);
		c->listen[c->nlisten++].line = p->lineno;
		return true;
	}
	if (strcmp(kw, "server-id") == 0) {
		u = &c->server_id;
		hi = 65535;
	} else if (strcmp(kw, "max-sessions") == 0) {
		u = &c->max_sessions;
		hi = 1000000;
	} else if (strcmp(kw, "max-flows") == 0) {
		u = &c->max_flows;
		hi = 1000000;
	} else if (strcmp(kw, "session-timeout") == 0) {
		d = &c->session_timeout;
	} else if (strcmp(kw, "idle-timeout") == 0) {
		d = &c->idle_timeout;
	}
	if (u || d) {
		if (n != 2)
			return fail(p, "'%s' takes one value", kw);
		if (u && !parse_uint(tok[1], lo, hi, u))
			return fail(p, "bad %s '%s' (%u-%u)", kw, tok[1], lo, hi);
		if (d && (!parse_duration(tok[1], 1.0, 86400.0 * 365, d) || *d <= 0))
			return fail(p, "bad %s '%s' (a duration such as 120s or 5m)", kw, tok[1]);
		return true;
	}
	return scope_line(p, &c->global, tok, n);
}

bool srvconf_line(struct srvconf_parser *p, char *line)
{
	char *tok[MAX_TOKENS];
	size_t n;

	p->lineno++;
	for (const char *s = line; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return fail(p, "control byte 0x%02x", (unsigned char)*s);
	if (!lines_tokens(line, tok, MAX_TOKENS, &n))
		return fail(p, "too many words");
	if (n == 0)
		return true;
	if (tok[0][0] == '[') {
		struct srv_client *cl;
		size_t len;
		void *a;
		/* "[client NAME]" as one or two tokens */
		if (n == 2 && strcmp(tok[0], "[client") == 0 && (len = strlen(tok[1])) > 1 &&
		    tok[1][len - 1] == ']') {
			tok[1][len - 1] = '\0';
		} else {
			return fail(p, "bad section '%s' (expected [client NAME])", tok[0]);
		}
		len = strlen(tok[1]);
		if (len == 0 || len > SRVCONF_NAME_MAX)
			return fail(p, "bad client name '%s' (1-%d characters)", tok[1], SRVCONF_NAME_MAX);
		for (size_t i = 0; i < len; i++)
			if (!((tok[1][i] >= 'a' && tok[1][i] <= 'z') || (tok[1][i] >= 'A' && tok[1][i] <= 'Z') ||
			      (tok[1][i] >= '0' && tok[1][i] <= '9') || strchr("-_.@", tok[1][i])))
				return fail(p, "bad client name '%s' (letters, digits, - _ . @)", tok[1]);
		for (unsigned i = 0; i < p->cfg->nclients; i++)
			if (strcmp(p->cfg->clients[i].name, tok[1]) == 0)
				return fail(p, "client '%s' defined twice (line %u)", tok[1],
					    p->cfg->clients[i].line);
		if (p->cfg->nclients >= SRVCONF_MAX_CLIENTS)
			return fail(p, "more than %d clients", SRVCONF_MAX_CLIENTS);
		a = grow(p->cfg->clients, p->cfg->nclients, sizeof(*cl), (void **)&cl);
		if (!a)
			return fail(p, "out of memory");
		p->cfg->clients = a;
		strcpy(cl->name, tok[1]);
		cl->line = p->lineno;
		p->scope = &p->cfg->clients[p->cfg->nclients++].scope;
		return true;
	}
	if (p->scope == &p->cfg->global)
		return global_line(p, tok, n);
	return scope_line(p, p->scope, tok, n);
}

bool srvconf_finish(struct srvconf_parser *p)
{
	struct srvconf *c = p->cfg;
	bool any = c->global.has_target || c->global.nallow || c->global.nmaps;

	for (unsigned i = 0; i < c->nclients; i++) {
		const struct srv_client *cl = &c->clients[i];
		p->lineno = cl->line;
		if (cl->scope.nkeys == 0)
			return fail(p, "client '%s' has no key", cl->name);
		any = any || cl->scope.has_target || cl->scope.nallow || cl->scope.nmaps;
	}
	if (!any) {
		p->lineno = 0;
		snprintf(p->err, sizeof(p->err), "%s: no target: give 'target HOST:PORT', 'allow' or 'map'",
			 p->source);
		return false;
	}
	return true;
}

int srvconf_load(struct srvconf *cfg, const char *path, char *err, size_t errlen)
{
	struct srvconf_parser p;
	struct lines lr;
	char *line;
	size_t len;
	int rc;

	srvconf_init(&p, cfg, path);
	rc = lines_open(&lr, path, SRVCONF_FILE_MAX, err, errlen);
	if (rc < 0)
		return rc;
	while (lines_next(&lr, &line, &len)) {
		if (memchr(line, '\0', len)) {
			p.lineno++;
			fail(&p, "NUL byte");
			goto bad;
		}
		if (!srvconf_line(&p, line))
			goto bad;
	}
	lines_close(&lr);
	if (!srvconf_finish(&p)) {
		snprintf(err, errlen, "%s", p.err);
		srvconf_free(cfg);
		return -EINVAL;
	}
	return 0;
bad:
	lines_close(&lr);
	snprintf(err, errlen, "%s", p.err);
	srvconf_free(cfg);	/* nothing for the caller to free */
	return -EINVAL;
}

static int resolve_one(struct hostport *hp, bool passive, const char *source, char *err,
		       size_t errlen)
{
	const char *e = NULL;

	if (addr_resolve(hp->host, hp->port, passive, &hp->addr, &e) < 0) {
		snprintf(err, errlen, "%s:%u: cannot resolve '%s': %s", source, hp->line,
			 hp->host[0] ? hp->host : "*", e ? e : "error");
		return -EINVAL;
	}
	return 0;
}

static int resolve_scope(struct srv_scope *sc, const char *source, char *err, size_t errlen)
{
	if (sc->has_target && resolve_one(&sc->target, false, source, err, errlen) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < sc->nmaps; i++)
		if (resolve_one(&sc->maps[i].to, false, source, err, errlen) < 0)
			return -EINVAL;
	return 0;
}

int srvconf_resolve(struct srvconf *cfg, const char *source, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->nlisten; i++)
		if (resolve_one(&cfg->listen[i], true, source, err, errlen) < 0)
			return -EINVAL;
	if (resolve_scope(&cfg->global, source, err, errlen) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < cfg->nclients; i++)
		if (resolve_scope(&cfg->clients[i].scope, source, err, errlen) < 0)
			return -EINVAL;
	return 0;
}

static void scope_free(struct srv_scope *sc)
{
	for (unsigned i = 0; i < sc->nkeys; i++)
		free(sc->keys[i]);
	free(sc->keys);
	free(sc->allow);
	free(sc->maps);
}

void srvconf_free(struct srvconf *cfg)
{
	scope_free(&cfg->global);
	for (unsigned i = 0; i < cfg->nclients; i++)
		scope_free(&cfg->clients[i].scope);
	free(cfg->clients);
	memset(cfg, 0, sizeof(*cfg));
}

static bool scope_permits(const struct srv_scope *sc, const struct target *t, struct addr *to)
{
	struct addr a;

	if (t->kind == TARGET_NAME) {
		for (unsigned i = 0; i < sc->nmaps; i++)
			if (strcmp(sc->maps[i].name, t->u.name) == 0) {
				*to = sc->maps[i].to.addr;
				return true;
			}
		return false;
	}
	if (!target_to_addr(t, &a))
		return false;
	for (unsigned i = 0; i < sc->nallow; i++)
		if (allow_rule_match(&sc->allow[i], &a)) {
			*to = a;
			return true;
		}
	if (sc->has_target && addr_equal(&sc->target.addr, &a)) {
		*to = a;
		return true;
	}
	return false;
}

bool srvconf_permits(const struct srvconf *cfg, const struct srv_scope *client,
		     const struct target *t, struct addr *to)
{
	if (client && scope_permits(client, t, to))
		return true;
	return scope_permits(&cfg->global, t, to);
}

const struct srv_client *srvconf_client(const struct srvconf *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].name, name) == 0)
			return &cfg->clients[i];
	return NULL;
}

/* A deep copy of a scope: 0 or -ENOMEM (dst then holds what was copied). */
static int scope_copy(struct srv_scope *d, const struct srv_scope *s)
{
	*d = *s;
	d->allow = NULL;
	d->maps = NULL;
	d->keys = NULL;
	d->nallow = d->nmaps = d->nkeys = 0;
	if (s->nallow && !(d->allow = malloc(s->nallow * sizeof(*d->allow))))
		return -ENOMEM;
	if (s->nallow)
		memcpy(d->allow, s->allow, s->nallow * sizeof(*d->allow));
	d->nallow = s->nallow;
	if (s->nmaps && !(d->maps = malloc(s->nmaps * sizeof(*d->maps))))
		return -ENOMEM;
	if (s->nmaps)
		memcpy(d->maps, s->maps, s->nmaps * sizeof(*d->maps));
	d->nmaps = s->nmaps;
	if (s->nkeys && !(d->keys = calloc(s->nkeys, sizeof(*d->keys))))
		return -ENOMEM;
	for (unsigned i = 0; i < s->nkeys; i++) {
		d->keys[i] = strdup(s->keys[i]);
		if (!d->keys[i])
			return -ENOMEM;
		d->nkeys = i + 1;
	}
	return 0;
}

int srvconf_copy(struct srvconf *dst, const struct srvconf *src)
{
	int rc;

	*dst = *src;
	dst->clients = NULL;
	dst->nclients = 0;
	rc = scope_copy(&dst->global, &src->global);
	if (rc == 0 && src->nclients && !(dst->clients = calloc(src->nclients, sizeof(*dst->clients))))
		rc = -ENOMEM;
	for (unsigned i = 0; rc == 0 && i < src->nclients; i++) {
		dst->clients[i] = src->clients[i];
		dst->nclients = i + 1;
		rc = scope_copy(&dst->clients[i].scope, &src->clients[i].scope);
	}
	if (rc)
		srvconf_free(dst);
	return rc;
}
