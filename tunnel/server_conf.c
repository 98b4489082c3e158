/* server_conf.c - mpserver's configuration from file and command line
 * (server_conf.h). */
#include "server_conf.h"
#include "keyfile.h"
#include "keyring.h"
#include "keys.h"
#include "parse.h"
#include "preflight.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool server_conf_allow_ok(const char *arg)
{
	struct allow_rule r;
	char host[256];
	uint16_t port;

	return allow_rule_parse(arg, &r) ||
	       (parse_hostport(arg, false, host, sizeof(host), &port) && host[0]);
}

/* One --allow as a global rule: ADDR[/LEN]:PORTS as the file's, or a
 * HOST:PORT resolved now to one address and port. */
static int add_allow(struct srvconf *conf, const char *arg, char *err, size_t errlen)
{
	struct allow_rule r, *a;
	char host[256];
	uint16_t port;
	const char *e = NULL;

	if (conf->global.nallow >= SRVCONF_MAX_RULES) {
		snprintf(err, errlen, "--allow: more than %d allow rules", SRVCONF_MAX_RULES);
		return -EINVAL;
	}
	if (!allow_rule_parse(arg, &r)) {
		memset(&r, 0, sizeof(r));
		if (!parse_hostport(arg, false, host, sizeof(host), &port) || !host[0]) {
			snprintf(err, errlen, "bad --allow '%s' (ADDR[/LEN]:PORT, PORT-PORT or *, "
				 "or HOST:PORT)", arg);
			return -EINVAL;
		}
		if (addr_resolve(host, port, false, &r.net, &e) < 0) {
			snprintf(err, errlen, "--allow '%s': cannot resolve '%s': %s", arg, host,
				 e ? e : "error");
			return -EINVAL;
		}
		r.prefix = r.net.ss.ss_family == AF_INET ? 32 : 128;
		r.port_lo = r.port_hi = port;
	}
	a = realloc(conf->global.allow, (conf->global.nallow + 1) * sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	conf->global.allow = a;
	a[conf->global.nallow++] = r;
	return 0;
}

/* A key path of the file, relative to the file's folder unless absolute. */
static void key_path(const char *file, const char *path, char *out, size_t outlen)
{
	const char *slash = file ? strrchr(file, '/') : NULL;

	if (path[0] == '/' || !slash)
		snprintf(out, outlen, "%s", path);
	else
		snprintf(out, outlen, "%.*s/%s", (int)(slash - file), file, path);
}

static int add_scope_keys(const struct server_cli *cli, const struct srv_scope *sc,
			  uint32_t tag, const char *who, struct keyset *keys, char *err,
			  size_t errlen)
{
	char path[SRVCONF_PATH_MAX + 256], kerr[400];
	struct seal_psk p;
	unsigned i;
	int rc;

	for (i = 0; i < sc->nkeys; i++) {
		key_path(cli->file, sc->keys[i], path, sizeof(path));
		rc = keyfile_load_psk(path, &p, kerr, sizeof(kerr));
		if (rc) {
			snprintf(err, errlen, "%s: %s: key '%s': %s", cli->file, who, sc->keys[i], kerr);
			return rc;
		}
		if (cli->suite)
			p.suite = (uint8_t)cli->suite;
		rc = keyset_add_tagged(keys, &p, tag);
		seal_psk_wipe(&p);
		if (rc == -EEXIST) {
			snprintf(err, errlen, "%s: %s: key '%s': key id given twice (another key "
				 "line or --key-file holds the same key; each client needs its own)",
				 cli->file, who, sc->keys[i]);
			return rc;
		}
		if (rc) {
			snprintf(err, errlen, "%s: %s: key '%s': cannot hold it: %s", cli->file, who,
				 sc->keys[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int check_peer(const char *file, const struct hostport *hp, char *err, size_t errlen)
{
	char e[256];

	if (preflight_peer(&hp->addr, e, sizeof(e)) == 0)
		return 0;
	if (file && hp->line)
		snprintf(err, errlen, "%s:%u: target '%s:%u': %s", file, hp->line, hp->host,
			 (unsigned)hp->port, e);
	else
		snprintf(err, errlen, "target '%s:%u': %s", hp->host, (unsigned)hp->port, e);
	return -EINVAL;
}

static int check_scope(const char *file, const struct srv_scope *sc, char *err, size_t errlen)
{
	unsigned i;

	if (sc->has_target && check_peer(file, &sc->target, err, errlen))
		return -EINVAL;
	for (i = 0; i < sc->nmaps; i++)
		if (check_peer(file, &sc->maps[i].to, err, errlen))
			return -EINVAL;
	return 0;
}

int server_conf_build(const struct tunnel_params *prm, const struct server_cli *cli,
		      struct srvconf *conf, struct keyset *keys, char *err, size_t errlen)
{
	struct srvconf_parser p;
	const char *e = NULL;
	unsigned i;
	int rc;

	memset(keys, 0, sizeof(*keys));
	if (cli->file) {
		rc = srvconf_load(conf, cli->file, err, errlen);
		if (rc)
			return rc;
	} else {
		srvconf_init(&p, conf, "command line");
	}
	if (cli->target) {
		struct hostport *t = &conf->global.target;

		memset(t, 0, sizeof(*t));
		if (!parse_hostport(cli->target, false, t->host, sizeof(t->host), &t->port) ||
		    !t->host[0]) {
			snprintf(err, errlen, "bad target '%s' (expected HOST:PORT)", cli->target);
			rc = -EINVAL;
			goto fail;
		}
		conf->global.has_target = true;
		if (addr_resolve(t->host, t->port, false, &t->addr, &e) != 0) {
			snprintf(err, errlen, "cannot resolve target '%s': %s", t->host,
				 e ? e : "error");
			rc = -EINVAL;
			goto fail;
		}
	}
	for (i = 0; i < cli->nallow; i++) {
		rc = add_allow(conf, cli->allow[i], err, errlen);
		if (rc)
			goto fail;
	}
	if (!cli->file && !cli->target && !cli->nallow) {
		snprintf(err, errlen, "no target: give PORT HOST PORT, --target, --allow or -c FILE");
		rc = -EINVAL;
		goto fail;
	}
	rc = srvconf_resolve(conf, cli->file ? cli->file : "command line", err, errlen);
	if (rc)
		goto fail;
	rc = check_scope(cli->file, &conf->global, err, errlen);
	for (i = 0; rc == 0 && i < conf->nclients; i++)
		rc = check_scope(cli->file, &conf->clients[i].scope, err, errlen);
	if (rc)
		goto fail;
	rc = keyset_init(keys, KEYRING_MAX);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (prm->nkey_files || prm->key_dir) {
		rc = keys_load_set(prm, cli->suite, keys, err, errlen);	/* tag 0 */
		if (rc)
			goto fail;
	}
	rc = add_scope_keys(cli, &conf->global, 0, "global part", keys, err, errlen);
	for (i = 0; rc == 0 && i < conf->nclients; i++) {
		char who[SRVCONF_NAME_MAX + 32];

		snprintf(who, sizeof(who), "client '%s' (line %u)", conf->clients[i].name,
			 conf->clients[i].line);
		rc = add_scope_keys(cli, &conf->clients[i].scope, i + 1, who, keys, err, errlen);
	}
	if (rc)
		goto fail;
	return 0;
fail:
	keyset_free(keys);
	srvconf_free(conf);
	return rc;
}
