/* daemon.c - signal handling around the libev loop. */
#include "daemon.h"
#include "log.h"

#include <signal.h>
#include <stddef.h>

struct daemon {
	const struct daemon_hooks *hooks;
	ev_signal sigint, sigterm, sigusr1;
};

static void dump(const struct daemon_hooks *h)
{
	if (h->print_stats)
		h->print_stats(h->arg);
	if (h->write_stats)
		h->write_stats(h->arg);
}

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info("signal %d: exiting", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = (struct daemon *)((char *)w - offsetof(struct daemon, sigusr1));

	(void)loop;
	(void)revents;
	dump(d->hooks);
}

int daemon_run(struct ev_loop *loop, const struct daemon_hooks *hooks)
{
	struct daemon d = { .hooks = hooks };

	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&d.sigint, stop_cb, SIGINT);
	ev_signal_init(&d.sigterm, stop_cb, SIGTERM);
	ev_signal_init(&d.sigusr1, usr1_cb, SIGUSR1);
	ev_signal_start(loop, &d.sigint);
	ev_signal_start(loop, &d.sigterm);
	ev_signal_start(loop, &d.sigusr1);
	ev_run(loop, 0);
	ev_signal_stop(loop, &d.sigusr1);
	ev_signal_stop(loop, &d.sigterm);
	ev_signal_stop(loop, &d.sigint);
	dump(hooks);
	return 0;
}
