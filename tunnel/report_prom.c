/* report_prom.c - a daemon's report in Prometheus text exposition (the same
 * model as report_text and report_json).  Every sample carries a `daemon`
 * label (e.g. "mpclient:4000") so the pages of several daemons merge. */
#include "report.h"

#include <math.h>
#include <string.h>
#include <stddef.h>
#include <stdio.h>

#include "prom.h"

#define MAXL 12		/* label slots: 5 pairs + NULL */

struct pathfield {
	const char *name;
	const char *help;
	size_t off;
};

#define PF(field, metric, text) { "mptunnel_path_" metric "_total", text, offsetof(struct path_stats, field) }

static const struct pathfield pathfields[] = {
	PF(sent, "sent_datagrams", "Datagrams sent on the path."),
	PF(received, "received_datagrams", "New, valid datagrams received on the path."),
	PF(duplicates, "duplicate_datagrams", "Valid copies already received on another path."),
	PF(too_old, "too_old_datagrams", "Datagrams below the de-duplication window."),
	PF(malformed, "malformed_datagrams", "Datagrams that failed to decode or authenticate."),
	PF(send_errors, "send_errors", "Sends refused by the kernel."),
	PF(pings, "pings", "Keepalives sent (mpclient) or answered (mpserver)."),
};

/* Labels of one path: daemon, path (and session on mpserver). */
static void path_labels(const char **l, const char *daemon, const struct tunnel_report *r,
			const struct report_path *p, const char *session, char *buf, size_t buflen)
{
	unsigned n = 0;

	l[n++] = "daemon";
	l[n++] = daemon;
	if (r->server && session) {
		l[n++] = "session";
		l[n++] = session;
	}
	l[n++] = "path";
	if (p->name)
		l[n++] = p->name;
	else
		l[n++] = addr_format(&p->peer, buf, (unsigned)buflen);
	l[n] = NULL;
}

/* Walk every path of the report: (path, its session id as text or NULL). */
static void each_path(const struct tunnel_report *r,
		      void (*fn)(const struct report_path *p, const char *session, void *arg),
		      void *arg)
{
	char sid[24];

	if (!r->server) {
		for (unsigned i = 0; i < r->npaths; i++)
			fn(&r->paths[i], NULL, arg);
		return;
	}
	for (unsigned i = 0; i < r->nsessions; i++) {
		snprintf(sid, sizeof(sid), "%016llx", (unsigned long long)r->sessions[i].id);
		for (unsigned k = 0; k < r->sessions[i].npaths; k++)
			fn(&r->sessions[i].paths[k], sid, arg);
	}
}

struct walk {
	FILE *f;
	const char *daemon;
	const struct tunnel_report *r;
	const struct pathfield *field;
	int what;		/* 0 field counter, 1 up, 2 rtt, 3-7 quality, 8 mtu, 9 payload_max */
};

static void emit_path(const struct report_path *p, const char *session, void *arg)
{
	struct walk *w = arg;
	const char *l[MAXL];
	char buf[ADDR_STRLEN];

	path_labels(l, w->daemon, w->r, p, session, buf, sizeof(buf));
	if (w->what == 0) {
		const uint64_t *v = (const uint64_t *)((const char *)&p->st + w->field->off);
		prom_sample_u64(w->f, w->field->name, l, *v);
	} else if (w->what == 1 && p->alive >= 0) {
		prom_sample_u64(w->f, "mptunnel_path_up", l, p->alive > 0);
	} else if (w->what == 2 && !isnan(p->rtt) && p->rtt >= 0) {
		prom_sample(w->f, "mptunnel_path_rtt_seconds", l, p->rtt);
	} else if (w->what == 3 && !isnan(p->srtt)) {
		prom_sample(w->f, "mptunnel_path_srtt_seconds", l, p->srtt);
	} else if (w->what == 4 && !isnan(p->rttvar)) {
		prom_sample(w->f, "mptunnel_path_rttvar_seconds", l, p->rttvar);
	} else if (w->what == 5 || w->what == 6) {
		const char *name = w->what == 5 ? "mptunnel_path_loss_ratio" : "mptunnel_path_loss_burst";
		const double *v = w->what == 5 ? p->loss : p->burst;
		static const char *const dir[2] = {"tx", "rx"};
		unsigned n = 0;

		while (l[n])
			n += 2;
		for (int d = 0; d < 2 && n + 2 < MAXL; d++) {
			if (isnan(v[d]))
				continue;
			l[n] = "direction";
			l[n + 1] = dir[d];
			l[n + 2] = NULL;
			prom_sample(w->f, name, l, v[d]);
		}
	} else if (w->what == 7 && p->state) {
		prom_sample_u64(w->f, "mptunnel_path_state_up", l, strcmp(p->state, "up") == 0);
	} else if (w->what == 8 && p->pmtud && p->mtu) {
		prom_sample_u64(w->f, "mptunnel_path_mtu_bytes", l, p->mtu);
	} else if (w->what == 9 && p->pmtud && p->mtu) {
		prom_sample_u64(w->f, "mptunnel_path_payload_max_bytes", l, p->payload_max);
	}
}

static void counter(FILE *f, const char *name, const char *help, const char *daemon, uint64_t v)
{
	const char *l[] = {"daemon", daemon, NULL};

	prom_family(f, name, PROM_COUNTER, help);
	prom_sample_u64(f, name, l, v);
}

/* mpserver --workers N: each worker's sessions, datagrams received and misrouted. */
static void workers_prom(FILE *f, const struct tunnel_report *r, const char *daemon)
{
	static const char *const names[3] = {"mptunnel_worker_sessions",
		"mptunnel_worker_received_datagrams_total", "mptunnel_worker_misrouted_datagrams_total"};
	static const char *const help[3] = {"Open sessions held by the worker.",
		"Datagrams accepted on the paths of the worker's sessions.",
		"Datagrams the worker got for another worker's session (steering failed)."};
	char idx[16];
	const char *l[] = {"daemon", daemon, "worker", idx, NULL};

	for (unsigned m = 0; m < 3; m++) {
		prom_family(f, names[m], m ? PROM_COUNTER : PROM_GAUGE, help[m]);
		for (unsigned i = 0; i < r->nworkers; i++) {
			const struct report_worker *w = &r->workers[i];

			snprintf(idx, sizeof(idx), "%u", i);
			prom_sample_u64(f, names[m], l, m == 0 ? w->sessions :
					m == 1 ? w->received : w->misrouted);
		}
	}
}

void report_prom(FILE *f, const struct tunnel_report *r, const char *daemon)
{
	struct walk w = {.f = f, .daemon = daemon, .r = r};
	const char *l[] = {"daemon", daemon, "program", r->server ? "mpserver" : "mpclient",
			   "version", MPT_VERSION, NULL};
	const char *lr[] = {"daemon", daemon, "stage", "decode", "reason", NULL, NULL};

	prom_family(f, "mptunnel_info", PROM_GAUGE, "The daemon, its program and version.");
	prom_sample_u64(f, "mptunnel_info", l, 1);
	l[2] = NULL;
	prom_family(f, "mptunnel_flows", PROM_GAUGE, "Open flows.");
	prom_sample_u64(f, "mptunnel_flows", l, r->nflows);
	if (r->server) {
		prom_family(f, "mptunnel_sessions", PROM_GAUGE, "Open sessions.");
		prom_sample_u64(f, "mptunnel_sessions", l, r->nsessions);
	}
	counter(f, "mptunnel_app_received_datagrams_total",
		r->server ? "Datagrams read from the targets." : "Datagrams read from applications.",
		daemon, r->cnt.from_app);
	counter(f, "mptunnel_app_delivered_datagrams_total",
		r->server ? "Datagrams handed to the targets." : "Datagrams handed to applications.",
		daemon, r->cnt.delivered);
	counter(f, "mptunnel_cookies_total",
		r->server ? "Cookies sent." : "Cookies accepted.", daemon, r->cnt.cookies);
	counter(f, "mptunnel_path_challenges_total",
		r->server ? "Path challenges sent to a new address of a path."
			  : "Path challenges answered.", daemon, r->cnt.challenges);
	if (r->server) {
		counter(f, "mptunnel_path_challenges_limited_total",
			"New addresses of a path not challenged (rate limit).", daemon,
			r->cnt.challenges_limited);
		counter(f, "mptunnel_path_dup_challenges_total",
			"Path challenges drawn by a duplicate from another address than its path's.",
			daemon, r->cnt.dup_challenges);
		counter(f, "mptunnel_path_moves_total",
			"Paths moved to a new address after a confirmed challenge.", daemon,
			r->cnt.path_moves);
	}
	counter(f, "mptunnel_late_ticks_total",
		"Down-rule ticks put off because this process had stalled.", daemon,
		r->cnt.late_ticks);
	counter(f, "mptunnel_fec_parity_sent_total", "FEC parity datagrams sent.", daemon,
		r->cnt.fec.tx_parity);
	counter(f, "mptunnel_fec_recovered_datagrams_total",
		"Datagrams lost on the way and recovered by FEC.", daemon, r->cnt.fec.recovered);
	counter(f, "mptunnel_fec_unrecoverable_datagrams_total",
		"Datagrams lost in FEC blocks that could not be decoded.", daemon,
		r->cnt.fec.unrecoverable);
	counter(f, "mptunnel_fec_failed_blocks_total",
		"FEC blocks given up with data missing.", daemon, r->cnt.fec.blocks_failed);
	prom_family(f, "mptunnel_dropped_datagrams_total", PROM_COUNTER,
		    "Datagrams dropped, by stage (decode, tunnel) and reason.");
	for (unsigned i = 1; i < WIRE_E__COUNT; i++) {
		lr[5] = wire_drop_name((enum wire_drop)i);
		prom_sample_u64(f, "mptunnel_dropped_datagrams_total", lr, r->cnt.wire[i]);
	}
	for (unsigned i = 0; i < DROP__COUNT; i++) {
		lr[3] = "tunnel";
		lr[5] = drop_reason_name((enum drop_reason)i);
		prom_sample_u64(f, "mptunnel_dropped_datagrams_total", lr, r->cnt.drop[i]);
	}
	if (r->nworkers)
		workers_prom(f, r, daemon);
	prom_family(f, "mptunnel_path_up", PROM_GAUGE, "1 while the path is alive, 0 when it is down.");
	w.what = 1;
	each_path(r, emit_path, &w);
	prom_family(f, "mptunnel_path_rtt_seconds", PROM_GAUGE, "Last measured round trip of the path.");
	w.what = 2;
	each_path(r, emit_path, &w);
	prom_family(f, "mptunnel_path_srtt_seconds", PROM_GAUGE,
		    "Smoothed round trip of the path (RFC 6298), from FEEDBACK.");
	w.what = 3;
	each_path(r, emit_path, &w);
	prom_family(f, "mptunnel_path_rttvar_seconds", PROM_GAUGE,
		    "Round-trip variation of the path (RFC 6298).");
	w.what = 4;
	each_path(r, emit_path, &w);
	prom_family(f, "mptunnel_path_loss_ratio", PROM_GAUGE,
		    "Loss of the path over about the last 500 datagrams; direction tx: what this "
		    "daemon sends (the peer's FEEDBACK), rx: what it receives.");
	w.what = 5;
	each_path(r, emit_path, &w);
	prom_family(f, "mptunnel_path_loss_burst", PROM_GAUGE,
		    "Mean length of the path's recent loss bursts, datagrams (0: none).");
	w.what = 6;
	each_path(r, emit_path, &w);
	prom_family(f, "mptunnel_path_state_up", PROM_GAUGE,
		    "1 while the path is up by the fast down rule, 0 while down.");
	w.what = 7;
	each_path(r, emit_path, &w);
	if (!r->server) {
		prom_family(f, "mptunnel_path_mtu_bytes", PROM_GAUGE,
			    "Largest tunnel datagram the path's MTU search confirmed (UDP payload).");
		w.what = 8;
		each_path(r, emit_path, &w);
		prom_family(f, "mptunnel_path_payload_max_bytes", PROM_GAUGE,
			    "Largest application datagram that fits the path's confirmed MTU.");
		w.what = 9;
		each_path(r, emit_path, &w);
	}
	w.what = 0;
	for (unsigned i = 0; i < sizeof(pathfields) / sizeof(pathfields[0]); i++) {
		w.field = &pathfields[i];
		prom_family(f, pathfields[i].name, PROM_COUNTER, pathfields[i].help);
		each_path(r, emit_path, &w);
	}
	fflush(f);
}
