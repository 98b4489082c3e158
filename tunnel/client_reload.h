/* client_reload.h - mpclient's reload (SIGHUP, `mpctl reload`): the key
 * file again (a new key is sealed with at once, the old one opens replies
 * for --key-grace) and the config file's bridges (paths added and removed;
 * the paths that stay keep their socket, path id and counters).  All or
 * nothing: anything wrong refuses the whole reload, the running
 * configuration kept, the message naming file, line and token. */
#ifndef MPT_CLIENT_RELOAD_H
#define MPT_CLIENT_RELOAD_H

#include <stddef.h>

#include "client.h"
#include "params.h"

struct client_reload {
	struct client *cl;
	const struct tunnel_params *prm;
	unsigned suite_opt;	/* --suite, 0: the key file's own */
};

/* The daemon_hooks.reload of mpclient (arg: a struct client_reload). */
int client_reload(void *arg, char *err, size_t errlen);

#endif
