/* daemon.h - the event loop shared by mpclient and mpserver: signals and stats dumps. */
#ifndef MPT_DAEMON_H
#define MPT_DAEMON_H

#include <ev.h>

struct daemon_hooks {
	void (*print_stats)(void *arg);	/* text to stderr */
	void (*write_stats)(void *arg);	/* --stats FILE */
	void *arg;
};

/* Run until SIGINT/SIGTERM; SIGUSR1 prints and writes the stats. Returns 0. */
int daemon_run(struct ev_loop *loop, const struct daemon_hooks *hooks);

#endif
