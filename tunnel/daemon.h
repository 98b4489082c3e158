/* daemon.h - the event loop shared by mpclient and mpserver: signals and stats dumps. */
#ifndef MPT_DAEMON_H
#define MPT_DAEMON_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "report.h"

struct daemon_hooks {
	/* a snapshot of the daemon's state: 0 or -errno */
	int (*report)(const void *arg, struct tunnel_report *r);
	const void *arg;
	const char *stats_file;	/* --stats FILE, or NULL */
	/* SIGHUP / `mpctl reload`: 0, or -errno with err saying why (the
	 * running configuration is then kept); NULL: nothing to reload */
	int (*reload)(void *arg, char *err, size_t errlen);
	void *reload_arg;
	const char *label;		/* "mpclient:4000": names the daemon in metrics and events */
	const char *control_path;	/* control socket, NULL: none */
	bool control_default;		/* the default path: a failure is only a warning */
	const char *metrics;		/* --metrics [ADDR:]PORT, NULL: none */
};

struct tunnel_params;
/* Fill the control and metrics fields from the options: --control PATH,
 * --no-control, --metrics, else the default path PROG-PORT.sock in
 * ctl_default_dir(); label "PROG:PORT".  The buffers must outlive h. */
void daemon_hooks_control(struct daemon_hooks *h, const struct tunnel_params *prm,
			  const char *prog, unsigned port, char *path, size_t pathlen,
			  char *label, size_t labellen);
/* The default control socket path PROG-PORT.sock in ctl_default_dir(). */
const char *daemon_control_path(const char *prog, unsigned port, char *buf, size_t buflen);

/* Run until SIGINT/SIGTERM with the control socket open; SIGUSR1 and the
 * end print the report as text on stderr and write it as JSON to the stats
 * file; SIGHUP reloads.  Returns 0, or 1 if the control socket or the
 * metrics endpoint could not be opened. */
int daemon_run(struct ev_loop *loop, const struct daemon_hooks *hooks);

#endif
