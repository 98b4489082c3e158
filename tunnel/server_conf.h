/* server_conf.h - what mpserver serves, from its config file (-c FILE,
 * srvconf.h) and its command line together: the clients with their keys,
 * the targets, allow rules and maps, the limits.  One function builds it
 * for a start, for -n and for every reload, so the three agree.
 *
 * The command line beside the file: --target HOST:PORT (or the original's
 * PORT HOST PORT) replaces the file's global target; each --allow
 * ADDR[/LEN]:PORTS or HOST:PORT is one more global allow rule; every
 * --key-file and --key-dir key is a key of the global part (any client may
 * use it; tag 0).  A client's own keys are tagged with its index + 1. */
#ifndef MPT_SERVER_CONF_H
#define MPT_SERVER_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "keyset.h"
#include "params.h"
#include "srvconf.h"

#define SERVER_CONF_MAX_ALLOW 64

struct server_cli {
	const char *file;		/* -c FILE, or NULL */
	const char *target;		/* HOST:PORT from --target or PORT HOST PORT, or NULL */
	const char *allow[SERVER_CONF_MAX_ALLOW];	/* --allow */
	unsigned nallow;
	unsigned suite;			/* --suite: overrides every key file's (0: the file's) */
};

/*
 * Read the file (if any), add the command line's target and allows,
 * resolve every address, check each target and map can be reached, and
 * load every key into keys (initialised here, KEYRING_MAX room; empty when
 * no key is given anywhere).  0, or -errno with err naming the file, line
 * and token (or the option) at fault; nothing to free then.
 */
int server_conf_build(const struct tunnel_params *prm, const struct server_cli *cli,
		      struct srvconf *conf, struct keyset *keys, char *err, size_t errlen);

/* An --allow value is well-formed (ADDR[/LEN]:PORTS, or HOST:PORT). */
bool server_conf_allow_ok(const char *arg);

#endif
