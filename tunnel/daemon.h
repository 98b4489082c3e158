/* daemon.h - the event loop shared by mpclient and mpserver: signals and stats dumps. */
#ifndef MPT_DAEMON_H
#define MPT_DAEMON_H

#include <ev.h>

#include "report.h"

struct daemon_hooks {
	/* a snapshot of the daemon's state: 0 or -errno */
	int (*report)(const void *arg, struct tunnel_report *r);
	const void *arg;
	const char *stats_file;	/* --stats FILE, or NULL */
};

/* Run until SIGINT/SIGTERM; SIGUSR1 and the end print the report as text
 * on stderr and write it as JSON to the stats file.  Returns 0. */
int daemon_run(struct ev_loop *loop, const struct daemon_hooks *hooks);

#endif
