/* client_reload.h - mpclient's reload (SIGHUP, `mpctl reload`): the key
 * file again (a new key is sealed with at once, the old one opens replies
 * for --key-grace) and the config file's bridges (the --bridge options of
 * the command line stay as given).  Paths whose bridge stays keep their
 * socket, path id, sequence state and counters; a new bridge gets a path id
 * no live path uses (never shifted by position: mpserver keys its return
 * addresses by (session, path id)); a removed bridge's socket is read once
 * more and closed.  All or nothing: anything wrong refuses the whole reload
 * (the running configuration kept), the message naming file, line and token. */
#ifndef MPT_CLIENT_RELOAD_H
#define MPT_CLIENT_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "client.h"
#include "config.h"
#include "params.h"

struct client_reload {
	struct client *cl;
	const struct tunnel_params *prm;
	unsigned suite_opt;		/* --suite, 0: the key file's own */
	const char *config;		/* the config file (NULL: bridges from --bridge only) */
	const struct client_config *extra;	/* the --bridge options, kept as given */
};

/* The bridges of a configuration, resolved: addresses, what each path is
 * bound to, and names ("host:port", "IF/host:port", "SRC/host:port"). */
struct client_bridges {
	unsigned n;
	struct addr addr[CONFIG_MAX_BRIDGES];
	struct path_bind bind[CONFIG_MAX_BRIDGES];
	char name[CONFIG_MAX_BRIDGES][CONFIG_HOST_MAX + 8];
	bool backup[CONFIG_MAX_BRIDGES];	/* a backup path (pathsel.h) */
};

/*
 * The config file (config: NULL for none) plus the --bridge/--path options,
 * resolved, each a distinct (unicast address with a route, interface,
 * source) (what a start requires).  True, or false with err naming file,
 * line and token.  A path whose interface does not exist or whose source
 * address or route is not there yet is not an error (hot-plug): a warning
 * is logged and the path starts down.
 */
bool client_bridges_load(const char *config, const struct client_config *extra,
			 struct client_bridges *out, char *err, size_t errlen);

/* The daemon_hooks.reload of mpclient (arg: a struct client_reload). */
int client_reload(void *arg, char *err, size_t errlen);

#endif
