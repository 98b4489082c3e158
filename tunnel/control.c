/* control.c - control socket requests answered from the daemon's report. */
#include "control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "json.h"
#include "log.h"
#include "parse.h"

int control_reload(const struct daemon_hooks *h, char *err, size_t errlen)
{
	int rc;

	if (!h->reload) {
		snprintf(err, errlen, "nothing to reload");
		return -ENOTSUP;
	}
	err[0] = '\0';
	rc = h->reload(h->reload_arg, err, errlen);
	if (rc == 0)
		event_log("reload", "configuration reloaded%s%s", err[0] ? ": " : "", err);
	else
		log_warnx("reload refused, the running configuration is kept: %s", err);
	return rc;
}

static void handler(struct ctl_conn *conn, const char *req, FILE *out, void *arg)
{
	struct control *c = arg;
	const struct daemon_hooks *h = c->hooks;
	struct tunnel_report r;
	char err[512];
	int rc;

	if (strcmp(req, "watch") == 0 || strcmp(req, "watch json") == 0) {
		ctl_watch(conn, req[5] != '\0');
		return;
	}
	if (strcmp(req, "reload") == 0) {
		if (control_reload(h, err, sizeof(err)) == 0)
			fprintf(out, "reloaded%s%s\n", err[0] ? ": " : "", err);
		else
			fprintf(out, "error: %s\n", err);
		return;
	}
	if (strcmp(req, "show") != 0 && strcmp(req, "show json") != 0 && strcmp(req, "metrics") != 0) {
		fprintf(out, "error: unknown request '%.64s' (show, show json, metrics, watch, "
			"watch json, reload)\n", req);
		return;
	}
	rc = h->report(h->arg, &r);
	if (rc) {
		fprintf(out, "error: cannot take a snapshot: %s\n", strerror(-rc));
		return;
	}
	if (strcmp(req, "show") == 0) {
		report_text(out, &r);
	} else if (strcmp(req, "metrics") == 0) {
		report_prom(out, &r, h->label);
	} else {
		struct json j;
		json_begin(&j, out);
		report_json(&j, &r);
		json_end(&j);
	}
	report_free(&r);
}

static void sink(const char *kind, const char *message, void *arg)
{
	struct control *c = arg;
	char stamp[32], text[700];
	char *js = NULL;
	size_t jlen = 0;
	struct timespec ts;
	struct tm tm;
	FILE *f;

	if (ctl_watchers(&c->srv) == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(text, sizeof(text), "%s %s %s: %s", stamp, c->hooks->label, kind, message);
	f = open_memstream(&js, &jlen);
	if (f) {
		struct json j;
		json_begin(&j, f);
		json_obj_open(&j, NULL);
		json_str(&j, "time", stamp);
		json_str(&j, "daemon", c->hooks->label);
		json_str(&j, "event", kind);
		json_str(&j, "message", message);
		json_obj_close(&j);
		fclose(f);
		/* one line: the writer may end with a newline */
		while (jlen && (js[jlen - 1] == '\n' || js[jlen - 1] == ' '))
			js[--jlen] = '\0';
	}
	ctl_event(&c->srv, text, js);
	free(js);
}

int control_open(struct control *c, struct ev_loop *loop, const struct daemon_hooks *h)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->hooks = h;
	ctl_init(&c->srv, loop, handler, c);
	if (h->control_path) {
		char dir[CTL_PATH_MAX], *slash;
		snprintf(dir, sizeof(dir), "%s", h->control_path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (h->control_default)
				ctl_make_dir(dir);	/* our own folder: create it */
		}
		rc = ctl_listen_unix(&c->srv, h->control_path);
		if (rc) {
			if (h->control_default) {
				log_errno(-rc, "control socket %s (mpctl will not see this daemon)",
					  h->control_path);
			} else {
				log_errno(-rc, "control socket %s", h->control_path);
				return rc;
			}
		}
	}
	if (h->metrics) {
		char host[256];
		uint16_t port;
		struct addr a;
		const char *e = NULL;
		if (!parse_hostport(h->metrics, true, host, sizeof(host), &port) ||
		    addr_resolve(host[0] ? host : "127.0.0.1", port, true, &a, &e) != 0) {
			log_warnx("--metrics %s: %s", h->metrics, e ? e : "bad address");
			ctl_close(&c->srv);
			return -EINVAL;
		}
		rc = ctl_listen_http(&c->srv, &a);
		if (rc) {
			log_errno(-rc, "--metrics %s", h->metrics);
			ctl_close(&c->srv);
			return rc;
		}
	}
	c->open = true;
	event_set_sink(sink, c);
	return 0;
}

void control_close(struct control *c)
{
	if (!c->open)
		return;
	event_set_sink(NULL, NULL);
	ctl_close(&c->srv);
	c->open = false;
}
