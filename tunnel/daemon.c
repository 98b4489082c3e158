/* daemon.c - signal handling around the libev loop. */
#include "daemon.h"
#include "log.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct daemon {
	const struct daemon_hooks *hooks;
	ev_signal sigint, sigterm, sigusr1;
};

static void write_json(struct json *j, void *arg)
{
	report_json(j, arg);
}

static void dump(const struct daemon_hooks *h)
{
	struct tunnel_report r;
	int rc = h->report(h->arg, &r);

	if (rc) {
		log_errno(rc, "cannot take a snapshot of the counters");
		return;
	}
	if (log_to_syslog()) {
		/* one log line per line of the report */
		char *text = NULL, *line, *save = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			report_text(f, &r);
			fclose(f);
			for (line = strtok_r(text, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				log_info("%s", line);
			free(text);
		}
	} else {
		report_text(stderr, &r);
	}
	stats_dump_file(h->stats_file, write_json, &r);
	report_free(&r);
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
