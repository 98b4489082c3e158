/* daemon.c - signal handling around the libev loop. */
#include "daemon.h"
#include "control.h"
#include "ctlsock.h"
#include "log.h"
#include "params.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct daemon {
	const struct daemon_hooks *hooks;
	ev_signal sigint, sigterm, sigusr1, sighup;
};

const char *daemon_control_path(const char *prog, unsigned port, char *buf, size_t buflen)
{
	char dir[CTL_PATH_MAX];

	ctl_default_dir(dir, sizeof(dir));
	snprintf(buf, buflen, "%s/%s-%u.sock", dir, prog, port);
	return buf;
}

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

void daemon_hooks_control(struct daemon_hooks *h, const struct tunnel_params *prm,
			  const char *prog, unsigned port, char *path, size_t pathlen,
			  char *label, size_t labellen)
{
	snprintf(label, labellen, "%s:%u", prog, port);
	h->label = label;
	h->metrics = prm->metrics;
	h->control_default = false;
	h->control_path = NULL;
	if (prm->no_control)
		return;
	if (prm->control) {
		h->control_path = prm->control;
		return;
	}
	h->control_path = daemon_control_path(prog, port, path, pathlen);
	h->control_default = true;
}

static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = (struct daemon *)((char *)w - offsetof(struct daemon, sighup));
	char err[512];

	(void)loop;
	(void)revents;
	log_info("SIGHUP: reloading");
	control_reload(d->hooks, err, sizeof(err));
}

int daemon_run(struct ev_loop *loop, const struct daemon_hooks *hooks)
{
	struct daemon d = { .hooks = hooks };
	struct control ctl;

	signal(SIGPIPE, SIG_IGN);
	if (control_open(&ctl, loop, hooks) != 0)
		return 1;
	ev_signal_init(&d.sighup, hup_cb, SIGHUP);
	ev_signal_start(loop, &d.sighup);
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
	ev_signal_stop(loop, &d.sighup);
	control_close(&ctl);
	dump(hooks);
	return 0;
}
