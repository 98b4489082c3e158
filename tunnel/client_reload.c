/* client_reload.c - mpclient's reload (client_reload.h). */
#include "client_reload.h"
#include "event.h"
#include "keyfile.h"
#include "log.h"
#include "pathsock.h"
#include "preflight.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The key file again: *p filled, *changed when it is another key. */
static int read_key(struct client_reload *r, struct seal_psk *p, bool *changed, char *err,
		    size_t errlen)
{
	const struct client_core *cc = &r->cl->core;
	int rc;

	*changed = false;
	if (!r->prm->key_file)
		return 0;
	rc = keyfile_load_psk(r->prm->key_file, p, err, errlen);
	if (rc)
		return rc;
	if (r->suite_opt)
		p->suite = (uint8_t)r->suite_opt;
	if (p->id == cc->keys.psk.id && p->suite != cc->keys.psk.suite) {
		snprintf(err, errlen, "%s: the same key under another suite (%s, running %s): "
			 "a key is never used under two suites", r->prm->key_file,
			 seal_suite_name(p->suite), seal_suite_name(cc->keys.psk.suite));
		seal_psk_wipe(p);
		return -EINVAL;
	}
	*changed = p->id != cc->keys.psk.id;
	return 0;
}

/* "FILE:LINE", "--bridge" or "--path" */
static const char *where(const char *file, const struct bridge_spec *b, char *buf, size_t len)
{
	if (b->line)
		snprintf(buf, len, "%s:%u", file, b->line);
	else
		snprintf(buf, len, b->dev[0] || b->src[0] ? "--path" : "--bridge");
	return buf;
}

/* The bind of b (src resolved: a literal); false with err set. */
static bool bind_of(const char *config, const struct bridge_spec *b, const struct addr *peer,
		    struct path_bind *out, char *err, size_t errlen)
{
	char w[CONFIG_HOST_MAX + 32];
	const char *errstr = "";

	memset(out, 0, sizeof(*out));
	snprintf(out->dev, sizeof(out->dev), "%s", b->dev);
	if (!b->src[0])
		return true;
	if (addr_resolve(b->src, 0, true, &out->src, &errstr) != 0) {
		snprintf(err, errlen, "%s: bad source address '%s': %s",
			 where(config, b, w, sizeof(w)), b->src, errstr);
		return false;
	}
	if (out->src.ss.ss_family != peer->ss.ss_family) {
		snprintf(err, errlen, "%s: source address '%s' is %s but bridge '%s' is %s",
			 where(config, b, w, sizeof(w)), b->src,
			 out->src.ss.ss_family == AF_INET6 ? "IPv6" : "IPv4", b->host,
			 peer->ss.ss_family == AF_INET6 ? "IPv6" : "IPv4");
		return false;
	}
	out->has_src = true;
	return true;
}

bool client_bridges_load(const char *config, const struct client_config *extra,
			 struct client_bridges *out, char *err, size_t errlen)
{
	static struct client_config cfg;	/* 4 KiB a bridge: not on the stack */
	char w1[CONFIG_HOST_MAX + 32], w2[CONFIG_HOST_MAX + 32], abuf[ADDR_STRLEN], why[256];
	const char *errstr = NULL;
	unsigned i, j;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	out->n = 0;
	if (config) {
		rc = config_load(&cfg, config, err, errlen);
		if (rc == -ENODATA && extra && extra->nbridges)
			rc = 0;	/* an empty file is fine with --bridge */
		if (rc)
			return false;
	}
	for (i = 0; extra && i < extra->nbridges; i++) {
		if (cfg.nbridges >= CONFIG_MAX_BRIDGES) {
			snprintf(err, errlen, "too many bridges (at most %d)", CONFIG_MAX_BRIDGES);
			return false;
		}
		cfg.bridges[cfg.nbridges++] = extra->bridges[i];
	}
	if (cfg.nbridges == 0) {
		snprintf(err, errlen, "no bridges: give a CONFIG file or --bridge HOST:PORT");
		return false;
	}
	for (i = 0; i < cfg.nbridges; i++) {
		const struct bridge_spec *b = &cfg.bridges[i];

		if (addr_resolve(b->host, b->port, false, &out->addr[i], &errstr) != 0) {
			snprintf(err, errlen, "%s: cannot resolve '%s': %s",
				 where(config, b, w1, sizeof(w1)), b->host, errstr);
			return false;
		}
		if (!bind_of(config, b, &out->addr[i], &out->bind[i], err, errlen))
			return false;
		snprintf(out->name[i], sizeof(out->name[i]),
			 strchr(b->host, ':') ? "%s%s[%s]:%u" : "%s%s%s:%u",
			 b->dev[0] ? b->dev : b->src, b->dev[0] || b->src[0] ? "/" : "", b->host,
			 (unsigned)b->port);
		for (j = 0; j < i; j++) {
			const struct bridge_spec *o = &cfg.bridges[j];

			if (!addr_equal(&out->addr[i], &out->addr[j]) ||
			    strcmp(b->dev, o->dev) != 0 ||
			    out->bind[i].has_src != out->bind[j].has_src ||
			    (out->bind[i].has_src && !addr_equal(&out->bind[i].src, &out->bind[j].src)))
				continue;
			where(config, b, w1, sizeof(w1));
			if (b->line && o->line)
				snprintf(w2, sizeof(w2), "line %u", o->line);
			else
				where(config, o, w2, sizeof(w2));
			snprintf(err, errlen, "%s: bridge '%s' is the same address as %s '%s' (%s): "
				 "two paths over one bridge", w1, out->name[i], w2, out->name[j],
				 addr_format(&out->addr[i], abuf, sizeof(abuf)));
			return false;
		}
		if (b->dev[0] || b->src[0]) {
			/* hot-plug: an interface or address not there yet is a warning */
			const char *what = "";
			int fd = -1;

			rc = addr_not_unicast(&out->addr[i]) ? -EINVAL :
			     pathsock_open(&out->addr[i], &out->bind[i], &fd, &what);
			if (rc == -EINVAL) {
				snprintf(err, errlen, "%s: bridge %s: not a unicast address (%s)",
					 where(config, b, w1, sizeof(w1)), out->name[i],
					 addr_not_unicast(&out->addr[i]));
				return false;
			}
			if (rc)
				log_warnx("%s: path %s: %s: %s: the path stays down until it can be "
					  "opened", where(config, b, w1, sizeof(w1)), out->name[i], what,
					  strerror(-rc));
			if (fd >= 0)
				close(fd);
		} else if (preflight_peer(&out->addr[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: bridge %s: %s", where(config, b, w1, sizeof(w1)),
				 out->name[i], why);
			return false;
		}
	}
	for (i = 0; i < cfg.nbridges; i++)
		out->backup[i] = cfg.bridges[i].backup;
	out->n = cfg.nbridges;
	return true;
}

static bool bind_equal(const struct path_bind *a, const struct path_bind *b)
{
	return strcmp(a->dev, b->dev) == 0 && a->has_src == b->has_src &&
	       (!a->has_src || addr_equal(&a->src, &b->src));
}

/* The live path with this bridge address and bind, or CONFIG_MAX_BRIDGES. */
static unsigned path_of(const struct client *cl, const struct addr *a, const struct path_bind *b)
{
	unsigned i;

	for (i = 0; i < cl->npaths; i++)
		if (cl->core.paths[i].used && addr_equal(&cl->paths[i].peer, a) &&
		    bind_equal(&cl->paths[i].bind, b))
			return i;
	return CONFIG_MAX_BRIDGES;
}

/* Append to err (a summary of what changed). */
static void say(char *err, size_t errlen, const char *fmt, const char *a, unsigned id,
		const char *name)
{
	size_t used = strlen(err);

	if (used < errlen)
		snprintf(err + used, errlen - used, fmt, a, id, name);
}

/* The paths to b: new bridges opened first (a failure closes them again and
 * changes nothing), then the paths whose bridge is gone closed. */
static int apply_paths(struct client_reload *r, const struct client_bridges *b, char *err,
		       size_t errlen)
{
	struct client *cl = r->cl;
	unsigned added[CONFIG_MAX_BRIDGES], nadded = 0, i, k, id;
	bool keep[CONFIG_MAX_BRIDGES] = { false }, roles[CONFIG_MAX_BRIDGES] = { false };
	int rc;

	for (i = 0; i < b->n; i++) {
		k = path_of(cl, &b->addr[i], &b->bind[i]);
		if (k < CONFIG_MAX_BRIDGES) {
			keep[k] = true;
			roles[k] = b->backup[i];
			continue;
		}
		rc = client_path_open(cl, &b->addr[i], b->name[i], &b->bind[i], &id);
		if (rc) {
			snprintf(err, errlen, "%s: cannot open a path to bridge %s: %s",
				 r->config ? r->config : "--bridge", b->name[i], strerror(-rc));
			while (nadded)
				client_path_close(cl, added[--nadded]);
			return rc;
		}
		keep[id] = true;
		roles[id] = b->backup[i];
		added[nadded++] = id;
	}
	/* a path that stays may change its role */
	for (i = 0; i < cl->npaths; i++)
		if (keep[i])
			client_core_path_role(&cl->core, i, roles[i]);
	for (i = 0; i < nadded; i++) {
		event_log("path_added", "path %u (%s) added", added[i], cl->paths[added[i]].name);
		say(err, errlen, "%spath %u (%s) added", *err ? "; " : "", added[i],
		    cl->paths[added[i]].name);
	}
	for (i = 0; i < cl->npaths; i++) {
		if (!cl->core.paths[i].used || keep[i])
			continue;
		event_log("path_removed", "path %u (%s) removed", i, cl->paths[i].name);
		say(err, errlen, "%spath %u (%s) removed", *err ? "; " : "", i, cl->paths[i].name);
		client_path_close(cl, i);
	}
	return 0;
}

int client_reload(void *arg, char *err, size_t errlen)
{
	struct client_reload *r = arg;
	struct client *cl = r->cl;
	static struct client_bridges b;
	struct seal_psk p;
	bool rekey;
	size_t used;
	int rc;

	err[0] = '\0';
	if (r->config && !client_bridges_load(r->config, r->extra, &b, err, errlen))
		return -EINVAL;
	rc = read_key(r, &p, &rekey, err, errlen);
	if (rc)
		return rc;
	/* everything checked: apply (paths first: opening one may still fail) */
	if (r->config) {
		rc = apply_paths(r, &b, err, errlen);
		if (rc) {
			if (rekey || r->prm->key_file)
				seal_psk_wipe(&p);
			return rc;
		}
	}
	if (rekey) {
		uint32_t old = cl->core.keys.psk.id;

		rc = client_core_rekey(&cl->core, &p, ev_now(cl->loop), r->prm->key_grace);
		seal_psk_wipe(&p);
		used = strlen(err);
		if (rc) {
			/* (paths already changed: said in err) */
			snprintf(err + used, errlen - used, "%s%s: cannot use the key: %s",
				 used ? "; " : "", r->prm->key_file, strerror(-rc));
			return rc;
		}
		snprintf(err + used, errlen - used, "%skey %08x replaces %08x (still opened for %gs)",
			 used ? "; " : "", cl->core.keys.psk.id, old, r->prm->key_grace);
	} else if (r->prm->key_file) {
		seal_psk_wipe(&p);
	}
	used = strlen(err);
	if (used == 0)
		snprintf(err, errlen, "nothing changed");
	return 0;
}
