/* report.c - a daemon's report as text and as JSON, from one model. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int report_alloc(struct tunnel_report *r, unsigned nsessions, unsigned npaths)
{
	r->sessions = calloc(nsessions ? nsessions : 1, sizeof(*r->sessions));
	r->paths = calloc(npaths ? npaths : 1, sizeof(*r->paths));
	if (!r->sessions || !r->paths) {
		report_free(r);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < npaths; i++) {
		struct report_path *p = &r->paths[i];

		p->srtt = p->rttvar = NAN;
		p->loss[0] = p->loss[1] = p->burst[0] = p->burst[1] = NAN;
	}
	return 0;
}

/* " srtt 20.1ms rttvar 1.2ms loss tx 10.2% rx 0.0% burst tx 1.1 rx - state up" */
static void quality_text(FILE *f, const struct report_path *p)
{
	static const char *const dir[2] = {"tx", "rx"};

	fprintf(f, " srtt ");
	if (isnan(p->srtt))
		fprintf(f, "- rttvar -");
	else
		fprintf(f, "%.3fms rttvar %.3fms", p->srtt * 1e3, p->rttvar * 1e3);
	fprintf(f, " loss");
	for (int d = 0; d < 2; d++) {
		if (isnan(p->loss[d]))
			fprintf(f, " %s -", dir[d]);
		else
			fprintf(f, " %s %.2f%%", dir[d], p->loss[d] * 100);
	}
	fprintf(f, " burst");
	for (int d = 0; d < 2; d++) {
		if (isnan(p->burst[d]))
			fprintf(f, " %s -", dir[d]);
		else
			fprintf(f, " %s %.2f", dir[d], p->burst[d]);
	}
	fprintf(f, " state %s", p->state ? p->state : "-");
	if (p->backup)
		fprintf(f, " backup");
}

static void quality_json(struct json *j, const struct report_path *p)
{
	json_dbl(j, "srtt_ms", p->srtt * 1e3);	/* NAN: null */
	json_dbl(j, "rttvar_ms", p->rttvar * 1e3);
	json_dbl(j, "loss_tx", p->loss[0]);
	json_dbl(j, "loss_rx", p->loss[1]);
	json_dbl(j, "burst_tx", p->burst[0]);
	json_dbl(j, "burst_rx", p->burst[1]);
	if (p->state)
		json_str(j, "state", p->state);
	else
		json_null(j, "state");
	json_str(j, "role", p->backup ? "backup" : "primary");
}

void report_free(struct tunnel_report *r)
{
	free(r->sessions);
	free(r->paths);
	free(r->workers);
	r->sessions = NULL;
	r->paths = NULL;
	r->workers = NULL;
}

static const char *path_name(const struct report_path *p, char *buf, unsigned len)
{
	return p->name ? p->name : addr_format(&p->peer, buf, len);
}

/* "mtu 1472 payload 1416 limit 1479 (done) " */
static void mtu_text(FILE *f, const struct report_path *p)
{
	if (p->mtu)
		fprintf(f, "mtu %u payload %u ", p->mtu, p->payload_max);
	else
		fprintf(f, "mtu - ");
	if (p->mtu_cap)
		fprintf(f, "limit %u ", p->mtu_cap);
	fprintf(f, "(%s) ", p->pmtud);
}

void report_text(FILE *f, const struct tunnel_report *r)
{
	char buf[ADDR_STRLEN], buf2[ADDR_STRLEN];
	unsigned i, k;

	if (!r->server) {
		fprintf(f, "mpclient: session %016llx, listening on %s, %u paths, %u flows\n",
			(unsigned long long)r->session, addr_format(&r->listen, buf, sizeof(buf)),
			r->npaths, r->nflows);
		for (i = 0; i < r->npaths; i++) {
			const struct report_path *p = &r->paths[i];

			fprintf(f, "  path %u %s %s rtt ", p->index, path_name(p, buf, sizeof(buf)),
				p->alive > 0 ? "up" : p->alive == 0 ? "down" : "-");
			if (!isnan(p->rtt))
				fprintf(f, "%.3fms ", p->rtt * 1e3);
			else
				fprintf(f, "- ");
			if (p->dev)
				fprintf(f, "dev %s ", p->dev);
			if (p->src)
				fprintf(f, "src %s ", p->src);
			if (p->link)
				fprintf(f, "link %s ", p->link);
			if (p->pmtud)
				mtu_text(f, p);
			path_stats_text(f, &p->st);
			quality_text(f, p);
			fputc('\n', f);
		}
	} else {
		fprintf(f, "mpserver: listening on %s, target %s, %u sessions, %u flows\n",
			addr_format(&r->listen, buf, sizeof(buf)),
			addr_format(&r->target, buf2, sizeof(buf2)), r->nsessions, r->nflows);
		for (i = 0; i < r->nworkers; i++)
			fprintf(f, "  worker %u: %u sessions, %u flows, received %llu, misrouted %llu\n",
				i, r->workers[i].sessions, r->workers[i].flows,
				(unsigned long long)r->workers[i].received,
				(unsigned long long)r->workers[i].misrouted);
		for (i = 0; i < r->nsessions; i++) {
			const struct report_session *s = &r->sessions[i];

			fprintf(f, "  session %016llx: %u flows", (unsigned long long)s->id,
				s->nflows);
			if (r->nworkers)
				fprintf(f, ", worker %u", s->worker);
			fputc('\n', f);
			for (k = 0; k < s->npaths; k++) {
				fprintf(f, "    path %u %s ", s->paths[k].index,
					path_name(&s->paths[k], buf, sizeof(buf)));
				path_stats_text(f, &s->paths[k].st);
				quality_text(f, &s->paths[k]);
				fputc('\n', f);
			}
		}
	}
	counters_text(f, &r->cnt);
	fflush(f);
}

static void path_json(struct json *j, const struct report_path *p, bool client)
{
	char buf[ADDR_STRLEN];

	json_obj_open(j, NULL);
	json_u64(j, "index", p->index);	/* mpserver: the path id */
	json_str(j, "peer", path_name(p, buf, sizeof(buf)));
	if (client) {
		if (p->alive >= 0)
			json_bool(j, "alive", p->alive > 0);
		else
			json_null(j, "alive");
		json_dbl(j, "rtt_ms", p->rtt * 1e3);	/* NAN: null */
		json_str(j, "dev", p->dev);	/* NULL: null */
		json_str(j, "src", p->src);
		json_str(j, "link", p->link);
		if (p->pmtud) {
			if (p->mtu) {
				json_u64(j, "mtu", p->mtu);
				json_u64(j, "payload_max", p->payload_max);
			} else {
				json_null(j, "mtu");
				json_null(j, "payload_max");
			}
			if (p->mtu_cap)
				json_u64(j, "mtu_limit", p->mtu_cap);
			else
				json_null(j, "mtu_limit");
			json_str(j, "pmtud", p->pmtud);
		}
	}
	quality_json(j, p);
	path_stats_json(j, &p->st);
	json_obj_close(j);
}

void report_json(struct json *j, const struct tunnel_report *r)
{
	char buf[32];
	unsigned i, k;

	json_doc_open(j, r->server ? "mpserver" : "mpclient");
	json_str(j, "role", r->server ? "server" : "client");
	json_bool(j, "sealed", r->sealed);
	if (!r->server) {
		snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)r->session);
		json_str(j, "session", buf);
		json_u64(j, "flows", r->nflows);
		json_arr_open(j, "paths");
		for (i = 0; i < r->npaths; i++)
			path_json(j, &r->paths[i], true);
		json_arr_close(j);
	} else {
		json_u64(j, "sessions_open", r->nsessions);
		json_u64(j, "flows_open", r->nflows);
		json_arr_open(j, "sessions");
		for (i = 0; i < r->nsessions; i++) {
			const struct report_session *s = &r->sessions[i];

			json_obj_open(j, NULL);
			snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)s->id);
			json_str(j, "session", buf);
			json_u64(j, "flows", s->nflows);
			if (r->nworkers)
				json_u64(j, "worker", s->worker);
			json_arr_open(j, "paths");
			for (k = 0; k < s->npaths; k++)
				path_json(j, &s->paths[k], false);
			json_arr_close(j);
			json_obj_close(j);
		}
		json_arr_close(j);
		json_obj_open(j, "total");
		path_stats_json(j, &r->total);
		json_obj_close(j);
		if (r->nworkers) {
			json_arr_open(j, "workers");
			for (i = 0; i < r->nworkers; i++) {
				json_obj_open(j, NULL);
				json_u64(j, "worker", i);
				json_u64(j, "sessions", r->workers[i].sessions);
				json_u64(j, "flows", r->workers[i].flows);
				json_u64(j, "received", r->workers[i].received);
				json_u64(j, "misrouted", r->workers[i].misrouted);
				json_obj_close(j);
			}
			json_arr_close(j);
		}
	}
	counters_json(j, &r->cnt);
	json_doc_close(j);
}
