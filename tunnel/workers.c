/* workers.c - mpserver's per-core workers (see workers.h). */
#include "workers.h"

#include "event.h"
#include "log.h"
#include "parse.h"
#include "server_access.h"
#include "server_keys.h"
#include "steer.h"
#include "udp.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

bool workers_parse(const char *arg, unsigned *n)
{
	if (strcmp(arg, "auto") == 0) {
		cpu_set_t set;
		int c;

		CPU_ZERO(&set);
		c = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
		*n = c < 1 ? 1 : c > WORKERS_MAX ? WORKERS_MAX : (unsigned)c;
		return true;
	}
	return parse_uint(arg, 1, WORKERS_MAX, n);
}

/* ---- calls from the main thread ---- */

static void wake_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct worker *w = (struct worker *)((char *)a - offsetof(struct worker, wake));
	struct workers *ws = w->ws;
	void (*fn)(struct worker *, void *) = NULL;
	void *arg = NULL;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&ws->mu);
	if (w->call_due) {
		w->call_due = false;
		fn = ws->call_fn;
		arg = ws->call_arg;
	}
	pthread_mutex_unlock(&ws->mu);
	if (!fn)
		return;
	fn(w, arg);
	pthread_mutex_lock(&ws->mu);
	if (--ws->call_left == 0)
		pthread_cond_broadcast(&ws->cv);
	pthread_mutex_unlock(&ws->mu);
}

void workers_call(struct workers *ws, void (*fn)(struct worker *w, void *arg), void *arg)
{
	unsigned i;

	if (!ws->threads) {
		for (i = 0; i < ws->n; i++)
			fn(&ws->w[i], arg);
		return;
	}
	pthread_mutex_lock(&ws->mu);
	ws->call_fn = fn;
	ws->call_arg = arg;
	ws->call_left = ws->n;
	for (i = 0; i < ws->n; i++)
		ws->w[i].call_due = true;
	pthread_mutex_unlock(&ws->mu);
	for (i = 0; i < ws->n; i++)
		ev_async_send(ws->w[i].loop, &ws->w[i].wake);
	pthread_mutex_lock(&ws->mu);
	while (ws->call_left)
		pthread_cond_wait(&ws->cv, &ws->mu);
	ws->call_fn = NULL;
	pthread_mutex_unlock(&ws->mu);
}

/* ---- events from the workers to the main thread ---- */

/* event_log() on any thread: queue it for the main thread. */
static void relay(const char *kind, const char *message, void *arg)
{
	struct workers *ws = arg;

	pthread_mutex_lock(&ws->mu);
	if (ws->ev_count == WORKERS_EVENTS) {
		ws->ev_lost++;
	} else {
		struct workers_event *e = &ws->ev[(ws->ev_head + ws->ev_count) % WORKERS_EVENTS];

		snprintf(e->kind, sizeof(e->kind), "%s", kind);
		snprintf(e->msg, sizeof(e->msg), "%s", message);
		ws->ev_count++;
	}
	pthread_mutex_unlock(&ws->mu);
	ev_async_send(ws->main, &ws->events);
}

/* Main thread: hand the queued events to the sink (mpctl watch), in order. */
static void deliver_events(struct workers *ws)
{
	struct workers_event e;
	uint64_t lost;

	for (;;) {
		pthread_mutex_lock(&ws->mu);
		lost = ws->ev_lost;
		ws->ev_lost = 0;
		if (ws->ev_count == 0) {
			pthread_mutex_unlock(&ws->mu);
			break;
		}
		e = ws->ev[ws->ev_head];
		ws->ev_head = (ws->ev_head + 1) % WORKERS_EVENTS;
		ws->ev_count--;
		pthread_mutex_unlock(&ws->mu);
		if (lost)
			log_warnx("%llu events not passed to mpctl watch (queue full)",
				  (unsigned long long)lost);
		event_deliver(e.kind, e.msg);
	}
	if (lost)
		log_warnx("%llu events not passed to mpctl watch (queue full)",
			  (unsigned long long)lost);
}

static void events_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct workers *ws = (struct workers *)((char *)a - offsetof(struct workers, events));

	(void)loop;
	(void)revents;
	deliver_events(ws);
}

/* ---- life cycle ---- */

int workers_init(struct workers *ws, unsigned n, struct ev_loop *main,
		 const struct tunnel_params *prm, const struct addr *listen,
		 const struct addr *target, const uint8_t *psk)
{
	struct tunnel_params p = *prm;
	struct addr group = *listen;
	struct rlimit rl;
	unsigned i;
	int rc;

	memset(ws, 0, sizeof(*ws));
	if (n < 1 || n > WORKERS_MAX)
		return -EINVAL;
	ws->main = main;
	pthread_mutex_init(&ws->mu, NULL);
	pthread_cond_init(&ws->cv, NULL);
	ws->w = calloc(n, sizeof(*ws->w));
	if (!ws->w) {
		rc = -ENOMEM;
		goto fail;
	}
	ws->n = n;
	/* each worker opens up to --max-flows sockets: the open-files limit is shared */
	if (n > 1 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)n * (p.max_flows + 16) > rl.rlim_cur) {
		unsigned each = (unsigned)(rl.rlim_cur / n);

		p.max_flows = each > 32 ? each - 16 : 16;
		log_warnx("--max-flows lowered to %u per worker by the open-files limit "
			  "(ulimit -n %llu, %u workers)", p.max_flows,
			  (unsigned long long)rl.rlim_cur, n);
	}
	for (i = 0; i < n; i++) {
		struct worker *w = &ws->w[i];

		w->ws = ws;
		w->index = i;
		w->loop = n == 1 ? main : ev_loop_new(EVFLAG_AUTO);
		if (!w->loop) {
			log_warnx("worker %u: cannot create an event loop", i);
			rc = -ENOMEM;
			goto fail;
		}
		rc = server_init_worker(&w->srv, w->loop, &p, &group, target, psk, i, n);
		if (rc)
			goto fail;	/* logged */
		w->inited = true;
		/* a port 0 picked by the first: the others join its group */
		if (i == 0 && n > 1 && (rc = udp_local(w->srv.lfd[0], &group)) != 0)
			goto fail;
	}
	if (n > 1) {
		rc = steer_attach(ws->w[0].srv.lfd[0], n);
		if (rc) {
			log_errno(rc, "cannot steer the tunnel port's datagrams to %u workers by "
				  "session (SO_ATTACH_REUSEPORT_CBPF)", n);
			goto fail;
		}
	}
	return 0;
fail:
	workers_free(ws);
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	ev_run(w->loop, 0);
	return NULL;
}

static void stop_fn(struct worker *w, void *arg)
{
	(void)arg;
	ev_break(w->loop, EVBREAK_ALL);
}

int workers_start(struct workers *ws)
{
	sigset_t all, old;
	unsigned i;
	int rc = 0;

	for (i = 0; i < ws->n; i++)
		server_start(&ws->w[i].srv);
	if (ws->n == 1)
		return 0;
	for (i = 0; i < ws->n; i++) {
		ev_async_init(&ws->w[i].wake, wake_cb);
		ev_async_start(ws->w[i].loop, &ws->w[i].wake);
	}
	ev_async_init(&ws->events, events_cb);
	ev_async_start(ws->main, &ws->events);
	event_set_relay(relay, ws);
	/* signals are the main loop's: the workers block them all */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < ws->n; i++) {
		rc = -pthread_create(&ws->w[i].thread, NULL, worker_main, &ws->w[i]);
		if (rc) {
			log_errno(rc, "cannot start worker %u", i);
			break;
		}
		ws->w[i].running = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	ws->threads = true;
	if (rc)
		workers_stop(ws);
	return rc;
}

void workers_stop(struct workers *ws)
{
	unsigned i;

	if (ws->threads) {
		/* stop the running ones: a call waits for all n, so one at a time */
		for (i = 0; i < ws->n; i++) {
			if (!ws->w[i].running)
				continue;
			pthread_mutex_lock(&ws->mu);
			ws->call_fn = stop_fn;
			ws->call_arg = NULL;
			ws->call_left = 1;
			ws->w[i].call_due = true;
			pthread_mutex_unlock(&ws->mu);
			ev_async_send(ws->w[i].loop, &ws->w[i].wake);
			pthread_join(ws->w[i].thread, NULL);
			ws->w[i].running = false;
		}
		ws->threads = false;
		event_set_relay(NULL, NULL);
		deliver_events(ws);
		ev_async_stop(ws->main, &ws->events);
		for (i = 0; i < ws->n; i++)
			ev_async_stop(ws->w[i].loop, &ws->w[i].wake);
	}
	for (i = 0; i < ws->n; i++)
		if (ws->w[i].inited)
			server_stop(&ws->w[i].srv);
}

void workers_free(struct workers *ws)
{
	unsigned i;

	for (i = 0; ws->w && i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		if (w->inited)
			server_free(&w->srv);
		w->inited = false;
		if (w->loop && w->loop != ws->main)
			ev_loop_destroy(w->loop);
		w->loop = NULL;
	}
	free(ws->w);
	ws->w = NULL;
	ws->n = 0;
	pthread_cond_destroy(&ws->cv);
	pthread_mutex_destroy(&ws->mu);
}

/* ---- report ---- */

struct report_call {
	struct tunnel_report *parts;
	int *rc;
	uint64_t *misrouted;
};

static void report_fn(struct worker *w, void *arg)
{
	struct report_call *c = arg;

	c->rc[w->index] = server_report(&w->srv, &c->parts[w->index]);
	c->misrouted[w->index] = w->srv.misrouted;
}

/* a += b: every member of struct tunnel_counters is a uint64_t counter (stats.h) */
static void counters_add(struct tunnel_counters *a, const struct tunnel_counters *b)
{
	uint64_t va[sizeof(*a) / sizeof(uint64_t)], vb[sizeof(*b) / sizeof(uint64_t)];
	size_t i;

	_Static_assert(sizeof(*a) % sizeof(uint64_t) == 0, "counters are uint64_t");
	memcpy(va, a, sizeof(va));
	memcpy(vb, b, sizeof(vb));
	for (i = 0; i < sizeof(va) / sizeof(va[0]); i++)
		va[i] += vb[i];
	memcpy(a, va, sizeof(va));
}

/* One report from the workers' parts: sessions side by side, counts summed. */
static int merge(struct tunnel_report *r, struct tunnel_report *parts, const uint64_t *misrouted,
		 unsigned n)
{
	unsigned i, k, ns = 0, np = 0;
	int rc;

	for (i = 0; i < n; i++) {
		ns += parts[i].nsessions;
		np += parts[i].npaths;
	}
	memset(r, 0, sizeof(*r));
	rc = report_alloc(r, ns, np);
	if (rc)
		return rc;
	r->workers = calloc(n, sizeof(*r->workers));
	if (!r->workers) {
		report_free(r);
		return -ENOMEM;
	}
	r->nworkers = n;
	r->server = true;
	r->sealed = parts[0].sealed;
	r->listen = parts[0].listen;
	r->target = parts[0].target;
	ns = np = 0;
	for (i = 0; i < n; i++) {
		const struct tunnel_report *p = &parts[i];

		for (k = 0; k < p->nsessions; k++) {
			struct report_session *s = &r->sessions[ns++];

			*s = p->sessions[k];
			s->worker = i;
			s->paths = &r->paths[np];
			memcpy(s->paths, p->sessions[k].paths, s->npaths * sizeof(*s->paths));
			np += s->npaths;
		}
		r->nflows += p->nflows;
		path_stats_add(&r->total, &p->total);
		counters_add(&r->cnt, &p->cnt);
		r->workers[i] = (struct report_worker){ .sessions = p->nsessions,
			.flows = p->nflows, .received = p->total.received,
			.misrouted = misrouted[i] };
	}
	r->nsessions = ns;
	r->npaths = np;
	return 0;
}

int workers_report(struct workers *ws, struct tunnel_report *r)
{
	struct report_call c;
	unsigned i;
	int rc = 0;

	if (ws->n == 1)
		return server_report(&ws->w[0].srv, r);
	c.parts = calloc(ws->n, sizeof(*c.parts));
	c.rc = calloc(ws->n, sizeof(*c.rc));
	c.misrouted = calloc(ws->n, sizeof(*c.misrouted));
	if (!c.parts || !c.rc || !c.misrouted) {
		rc = -ENOMEM;
		goto out;
	}
	workers_call(ws, report_fn, &c);
	for (i = 0; i < ws->n && rc == 0; i++)
		rc = c.rc[i];
	if (rc == 0)
		rc = merge(r, c.parts, c.misrouted, ws->n);
out:
	for (i = 0; c.parts && i < ws->n; i++)
		report_free(&c.parts[i]);
	free(c.parts);
	free(c.rc);
	free(c.misrouted);
	return rc;
}

/* ---- keys ---- */

struct keys_call {
	struct keyset *sets;	/* one copy per worker */
	int *rc;
	uint64_t *closed;	/* sessions each closed */
	char msg[256];		/* worker 0's */
};

static void keys_fn(struct worker *w, void *arg)
{
	struct keys_call *c = arg;
	uint64_t before = w->srv.core.cnt.key_closed;
	char msg[256];

	c->rc[w->index] = server_keys_replace(&w->srv.core, &c->sets[w->index], msg, sizeof(msg));
	c->closed[w->index] = w->srv.core.cnt.key_closed - before;
	if (w->index == 0)
		snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

int workers_keys_replace(struct workers *ws, struct keyset *set, char *msg, size_t msglen)
{
	struct keys_call c = { .sets = NULL };
	uint64_t closed = 0;
	unsigned i;
	char *semi;
	int rc = 0;

	if (ws->n == 1)
		return server_keys_replace(&ws->w[0].srv.core, set, msg, msglen);
	c.sets = calloc(ws->n, sizeof(*c.sets));
	c.rc = calloc(ws->n, sizeof(*c.rc));
	c.closed = calloc(ws->n, sizeof(*c.closed));
	if (!c.sets || !c.rc || !c.closed) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ws->n && rc == 0; i++)
		rc = keyset_copy(&c.sets[i], set);
	if (rc)
		goto out;
	workers_call(ws, keys_fn, &c);
	for (i = 0; i < ws->n; i++) {
		if (c.rc[i] && !rc)
			rc = c.rc[i];
		closed += c.closed[i];
	}
	/* "N keys: A added, R removed; C sessions closed", C summed over the workers */
	semi = strchr(c.msg, ';');
	if (semi)
		*semi = '\0';
	snprintf(msg, msglen, "%s; %llu sessions closed (%u workers)", c.msg,
		 (unsigned long long)closed, ws->n);
	if (rc == 0) {
		keyset_free(set);	/* consumed, as server_keys_replace does */
		memset(set, 0, sizeof(*set));
	}
out:
	for (i = 0; c.sets && i < ws->n; i++)
		keyset_free(&c.sets[i]);
	free(c.sets);
	free(c.rc);
	free(c.closed);
	if (rc == -ENOMEM)
		snprintf(msg, msglen, "out of memory");
	return rc;
}

/* ---- clients, targets and keys (mpserver -c, reload) ---- */

struct access_call {
	struct srvconf *confs;	/* one copy per worker */
	struct keyset *sets;	/* one copy per worker, or NULL */
	int *rc;
	char (*msg)[320];
};

static void access_fn(struct worker *w, void *arg)
{
	struct access_call *c = arg;

	c->rc[w->index] = server_access_replace(&w->srv.core, &c->confs[w->index],
						c->sets ? &c->sets[w->index] : NULL, c->msg[w->index],
						sizeof(c->msg[0]));
}

int workers_access_replace(struct workers *ws, struct srvconf *conf, struct keyset *set,
			   char *msg, size_t msglen)
{
	struct access_call c = { .confs = NULL };
	unsigned i, made = 0;
	size_t at;
	int rc = 0;

	if (ws->n == 1)
		return server_access_replace(&ws->w[0].srv.core, conf, set, msg, msglen);
	c.confs = calloc(ws->n, sizeof(*c.confs));
	c.sets = set ? calloc(ws->n, sizeof(*c.sets)) : NULL;
	c.rc = calloc(ws->n, sizeof(*c.rc));
	c.msg = calloc(ws->n, sizeof(*c.msg));
	if (!c.confs || (set && !c.sets) || !c.rc || !c.msg) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ws->n && rc == 0; i++) {
		rc = srvconf_copy(&c.confs[i], conf);
		if (rc)
			break;
		made = i + 1;
		if (set)
			rc = keyset_copy(&c.sets[i], set);
	}
	if (rc)
		goto out;
	workers_call(ws, access_fn, &c);
	/* each worker's own account: its sessions and flows */
	at = (size_t)snprintf(msg, msglen, "%u workers", ws->n);
	for (i = 0; i < ws->n; i++) {
		if (c.rc[i] && !rc)
			rc = c.rc[i];
		if (at < msglen)
			at += (size_t)snprintf(msg + at, msglen - at, "; worker %u: %s", i, c.msg[i]);
	}
out:
	for (i = 0; i < made; i++)
		srvconf_free(&c.confs[i]);
	for (i = 0; c.sets && i < ws->n; i++)
		keyset_free(&c.sets[i]);
	free(c.confs);
	free(c.sets);
	free(c.rc);
	free(c.msg);
	if (rc == -ENOMEM)
		snprintf(msg, msglen, "out of memory");
	return rc;
}
