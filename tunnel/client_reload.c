/* client_reload.c - mpclient's reload (client_reload.h). */
#include "client_reload.h"
#include "keyfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

int client_reload(void *arg, char *err, size_t errlen)
{
	struct client_reload *r = arg;
	struct client *cl = r->cl;
	struct seal_psk p;
	bool rekey;
	size_t used;
	int rc;

	err[0] = '\0';
	rc = read_key(r, &p, &rekey, err, errlen);
	if (rc)
		return rc;
	/* everything checked: apply */
	if (rekey) {
		uint32_t old = cl->core.keys.psk.id;

		rc = client_core_rekey(&cl->core, &p, ev_now(cl->loop), r->prm->key_grace);
		seal_psk_wipe(&p);
		if (rc) {
			snprintf(err, errlen, "%s: cannot use the key: %s", r->prm->key_file,
				 strerror(-rc));
			return rc;
		}
		snprintf(err, errlen, "key %08x replaces %08x (still opened for %gs)",
			 cl->core.keys.psk.id, old, r->prm->key_grace);
	} else if (r->prm->key_file) {
		seal_psk_wipe(&p);
		snprintf(err, errlen, "key %08x unchanged", cl->core.keys.psk.id);
	}
	used = strlen(err);
	if (used == 0)
		snprintf(err, errlen, "nothing changed");
	return 0;
}
