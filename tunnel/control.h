/* control.h - a daemon's control socket (lib/ctlsock) answered from its
 * report: `show` (text), `show json`, `metrics` (Prometheus), `watch`
 * and `watch json` (events, see event.h), `reload`. */
#ifndef MPT_CONTROL_H
#define MPT_CONTROL_H

#include <ev.h>

#include "ctlsock.h"
#include "daemon.h"

struct control {
	struct ctl_server srv;
	const struct daemon_hooks *hooks;
	bool open;
};

/* Open the socket (hooks->control_path; NULL: none) and the metrics
 * endpoint (hooks->metrics; NULL: none).  Returns 0 or -errno (logged). */
int control_open(struct control *c, struct ev_loop *loop, const struct daemon_hooks *hooks);
void control_close(struct control *c);
/* Run the reload hook and log the outcome; err gets the reason on failure. */
int control_reload(const struct daemon_hooks *hooks, char *err, size_t errlen);

#endif
