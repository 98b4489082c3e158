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

/* The per-path gauges, in the order they are written; emit_path knows each one's value. */
enum { G_COUNTER, G_UP, G_RTT, G_SRTT, G_RTTVAR, G_LOSS, G_BURST, G_STATE, G_MTU, G_PAYLOAD_MAX };

static const struct pathgauge {
	const char *name, *help;
	bool client_only;
} pathgauges[] = {
	[G_UP] = { "mptunnel_path_up", "1 while the path is alive, 0 when it is down.", false },
	[G_RTT] = { "mptunnel_path_rtt_seconds", "Last measured round trip of the path.", false },
	[G_SRTT] = { "mptunnel_path_srtt_seconds",
		     "Smoothed round trip of the path (RFC 6298), from FEEDBACK.", false },
	[G_RTTVAR] = { "mptunnel_path_rttvar_seconds", "Round-trip variation of the path (RFC 6298).",
		       false },
	[G_LOSS] = { "mptunnel_path_loss_ratio",
		     "Loss of the path over about the last 500 datagrams; direction tx: what this "
		     "daemon sends (the peer's FEEDBACK), rx: what it receives.", false },
	[G_BURST] = { "mptunnel_path_loss_burst",
		      "Mean length of the path's recent loss bursts, datagrams (0: none).", false },
	[G_STATE] = { "mptunnel_path_state_up",
		      "1 while the path is up by the fast down rule, 0 while down.", false },
	[G_MTU] = { "mptunnel_path_mtu_bytes",
		    "Largest tunnel datagram the path's MTU search confirmed (UDP payload).", true },
	[G_PAYLOAD_MAX] = { "mptunnel_path_payload_max_bytes",
			    "Largest application datagram that fits the path's confirmed MTU.", true },
};

struct walk {
	FILE *f;
	const char *daemon;
	const struct tunnel_report *r;
	const struct pathfield *field;
	int what;		/* G_COUNTER: field, else the gauge */
};

static void emit_path(const struct report_path *p, const char *session, void *arg)
{
	struct walk *w = arg;
	const char *l[MAXL], *name;
	char buf[ADDR_STRLEN];

	path_labels(l, w->daemon, w->r, p, session, buf, sizeof(buf));
	if (w->what == G_COUNTER) {
		const uint64_t *v = (const uint64_t *)((const char *)&p->st + w->field->off);
		prom_sample_u64(w->f, w->field->name, l, *v);
		return;
	}
	name = pathgauges[w->what].name;
	if (w->what == G_UP && p->alive >= 0) {
		prom_sample_u64(w->f, name, l, p->alive > 0);
	} else if (w->what == G_RTT && !isnan(p->rtt) && p->rtt >= 0) {
		prom_sample(w->f, name, l, p->rtt);
	} else if (w->what == G_SRTT && !isnan(p->srtt)) {
		prom_sample(w->f, name, l, p->srtt);
	} else if (w->what == G_RTTVAR && !isnan(p->rttvar)) {
		prom_sample(w->f, name, l, p->rttvar);
	} else if (w->what == G_LOSS || w->what == G_BURST) {
		const double *v = w->what == G_LOSS ? p->loss : p->burst;
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
	} else if (w->what == G_STATE && p->state) {
		prom_sample_u64(w->f, name, l, strcmp(p->state, "up") == 0);
	} else if (w->what == G_MTU && p->pmtud && p->mtu) {
		prom_sample_u64(w->f, name, l, p->mtu);
	} else if (w->what == G_PAYLOAD_MAX && p->pmtud && p->mtu) {
		prom_sample_u64(w->f, name, l, p->payload_max);
	}
}

/* A daemon-wide counter: its help at mpclient and at mpserver (NULL: not there). */
struct daemoncounter {
	const char *name;
	const char *help_client, *help_server;
	size_t off;		/* in struct tunnel_counters */
};

#define DC(field, metric, client, server) \
	{ "mptunnel_" metric "_total", client, server, offsetof(struct tunnel_counters, field) }
#define DC_BOTH(field, metric, text) DC(field, metric, text, text)

static const struct daemoncounter counters[] = {
	DC(from_app, "app_received_datagrams", "Datagrams read from applications.",
	   "Datagrams read from the targets."),
	DC(delivered, "app_delivered_datagrams", "Datagrams handed to applications.",
	   "Datagrams handed to the targets."),
	DC(cookies, "cookies", "Cookies accepted.", "Cookies sent."),
	DC(challenges, "path_challenges", "Path challenges answered.",
	   "Path challenges sent to a new address of a path."),
	DC(challenges_limited, "path_challenges_limited", NULL,
	   "New addresses of a path not challenged (rate limit)."),
	DC(dup_challenges, "path_dup_challenges", NULL,
	   "Path challenges drawn by a duplicate from another address than its path's."),
	DC(path_moves, "path_moves", NULL,
	   "Paths moved to a new address after a confirmed challenge."),
	DC_BOTH(late_ticks, "late_ticks", "Down-rule ticks put off because this process had stalled."),
	DC_BOTH(fec.tx_parity, "fec_parity_sent", "FEC parity datagrams sent."),
	DC_BOTH(fec.recovered, "fec_recovered_datagrams", "Datagrams lost on the way and recovered by FEC."),
	DC_BOTH(fec.unrecoverable, "fec_unrecoverable_datagrams",
		"Datagrams lost in FEC blocks that could not be decoded."),
	DC_BOTH(fec.blocks_failed, "fec_failed_blocks", "FEC blocks given up with data missing."),
};

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
	for (unsigned i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		const struct daemoncounter *c = &counters[i];
		const char *help = r->server ? c->help_server : c->help_client;

		if (help)
			counter(f, c->name, help, daemon,
				*(const uint64_t *)((const char *)&r->cnt + c->off));
	}
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
	for (int g = G_UP; g <= G_PAYLOAD_MAX; g++) {
		if (r->server && pathgauges[g].client_only)
			continue;
		prom_family(f, pathgauges[g].name, PROM_GAUGE, pathgauges[g].help);
		w.what = g;
		each_path(r, emit_path, &w);
	}
	w.what = G_COUNTER;
	for (unsigned i = 0; i < sizeof(pathfields) / sizeof(pathfields[0]); i++) {
		w.field = &pathfields[i];
		prom_family(f, pathfields[i].name, PROM_COUNTER, pathfields[i].help);
		each_path(r, emit_path, &w);
	}
	fflush(f);
}
