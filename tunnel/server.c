/* server.c - mpserver's sockets and timers: datagrams from the paths go
 * through server_rx(), one copy per flow on to the target; replies come
 * back through server_tx_data() and go out on every live path of the
 * session. */
#include "server.h"
#include "log.h"
#include "sockbuf.h"
#include "steer.h"
#include "udp.h"

#include <errno.h>
#include <math.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- sending towards mpclient ---- */

/* Send datagram j of session i on the path slots of bits[j] (the core's
 * choice: every live path in broadcast), then the np PARITY gathered in piov
 * (each on its slot ppath[j]), each path's share in one batch. */
/* The listen socket a path's (an address's) datagrams came in on: its replies leave by it. */
static int lfd_of(const struct server *srv, const struct addr *a)
{
	return srv->lfd[a->via < srv->nlisten ? a->via : 0];
}

static void session_send(struct server *srv, uint32_t i, struct iovec *dg, const uint16_t *bits,
			 unsigned n, unsigned np, double now)
{
	struct session *s = session_at(&srv->core.sessions, i);
	uint16_t any = 0;
	unsigned k, j, none = 0;

	for (j = 0; j < n; j++) {
		any |= bits[j];
		none += bits[j] == 0;
	}
	for (j = 0; j < np; j++)
		any |= (uint16_t)(1u << srv->ppath[j]);
	for (k = 0; k < SESSION_MAX_PATHS; k++) {
		struct spath *p = &s->paths[k];
		struct iovec *mine = srv->path_out;
		unsigned sent, m = 0;

		if (!((any >> k) & 1) || !p->used)
			continue;
		/* this path's copy: its path id, path seq and stamp (sendmmsg copies) */
		for (j = 0; j < n; j++) {
			if (!((bits[j] >> k) & 1))
				continue;
			server_tx_stamp(&srv->core, i, k, dg[j].iov_base, dg[j].iov_len, now);
			mine[m++] = dg[j];
		}
		for (j = 0; j < np; j++) {
			if (srv->ppath[j] != k)
				continue;
			server_tx_stamp(&srv->core, i, k, srv->piov[j].iov_base, srv->piov[j].iov_len,
					now);
			mine[m++] = srv->piov[j];
		}
		sent = batch_send_from(lfd_of(srv, &p->addr), &p->addr, &p->local, mine, m, &p->tx);

		p->st.sent += sent;
		p->st.send_errors += m - sent;
	}
	if (none)
		server_tx_nopath(&srv->core, none);
}

/* Arm the FEC timer for `due` unless it fires earlier already. */
static void fec_arm(struct server *srv, double due, double now)
{
	if (due < 0 || (srv->fec_due >= 0 && srv->fec_due <= due))
		return;
	ev_timer_stop(srv->loop, &srv->fec_timer);
	srv->fec_due = due;
	/* libev timers run on the monotonic clock: a relative delay */
	ev_timer_set(&srv->fec_timer, due > now ? due - now : 0.0, 0.0);
	ev_timer_start(srv->loop, &srv->fec_timer);
}

/* FEC: up to RED_PARITY_BATCH PARITY of session i due now into pbuf/piov
 * (ppath: their path slots; not yet stamped); their count. */
static unsigned gather_parity(struct server *srv, uint32_t i, double now)
{
	unsigned np = 0;
	uint32_t k;
	size_t n;

	while (np < RED_PARITY_BATCH) {
		n = server_tx_parity(&srv->core, i, now, srv->pbuf[np], sizeof(srv->pbuf[np]), &k);
		if (n == 0)
			break;
		srv->piov[np].iov_base = srv->pbuf[np];
		srv->piov[np].iov_len = n;
		srv->ppath[np] = (uint8_t)k;
		np++;
	}
	return np;
}

/* FEC: the rest of the PARITY of session i due now; the timer for its next. */
static void session_parity(struct server *srv, uint32_t i, double now)
{
	unsigned round, np;

	for (round = 0; round < 4 * FEC_N_MAX / RED_PARITY_BATCH; round++) {
		np = gather_parity(srv, i, now);
		if (np)
			session_send(srv, i, NULL, NULL, 0, np, now);
		if (np < RED_PARITY_BATCH)
			break;
	}
	fec_arm(srv, server_fec_deadline(&srv->core, i), now);
}

static void fec_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = (struct server *)((char *)w - offsetof(struct server, fec_timer));
	double now = ev_now(loop);
	uint32_t j;

	(void)revents;
	srv->fec_due = -1;
	/* the sessions with FEC state only (sending cannot close one) */
	for (j = 0; j < srv->core.fec_n; j++)
		session_parity(srv, srv->core.fec_at[j], now);
}

/* A PONG, COOKIE or NOTICE the core built. */
static void send_reply(struct server *srv, const struct rx_result *r, const struct addr *from,
		       const struct addr *local)
{
	struct spath *p = NULL;
	const struct addr *to = from, *src = local;
	bool ok;

	if (r->reply == RX_REPLY_PONG) {
		p = &session_at(&srv->core.sessions, r->session)->paths[r->path];
		to = &p->addr;
		src = &p->local;
	}
	ok = udp_sendto_from(lfd_of(srv, to), r->reply_buf, r->reply_len, to, src) >= 0;
	if (r->reply == RX_REPLY_COOKIE) {
		if (ok)
			srv->core.cnt.cookies++;
	} else if (r->reply == RX_REPLY_NOTICE) {
		if (ok)
			srv->core.cnt.notices++;
	} else if (r->reply == RX_REPLY_CHALLENGE) {
		if (ok)
			srv->core.cnt.challenges++;
	} else if (ok) {
		p->st.sent++;
		p->st.pings++;
	} else {
		p->st.send_errors++;
	}
}

/* ---- flows: one upstream socket per (session, flow) ---- */

static void flow_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sflow_io *fi = (struct sflow_io *)((char *)w - offsetof(struct sflow_io, io));
	struct server *srv = fi->srv;
	uint32_t f = fi->slot;
	double now = ev_now(loop);
	unsigned round, i, k;

	(void)revents;
	for (round = 0; round < SERVER_BATCH / SERVER_RECV_BATCH; round++) {
		int n = batch_recv(&srv->rb, fi->fd, WIRE_HDR_LEN);

		if (n < 0) {
			if (udp_err_transient(-n)) {
				/* ICMP for an earlier datagram */
				drops_count(&srv->core.drops, NULL, DROP_TARGET, WIRE_OK, 1, -n);
				continue;
			}
			log_errno(n, "flow %u: recv", srv->core.flows.f[f].id);
			break;
		}
		if (n == 0)
			break;
		for (i = 0, k = 0; i < (unsigned)n; i++) {
			uint8_t *slot = batch_slot(&srv->rb, i);
			size_t len = server_tx_data(&srv->core, f, slot, SERVER_SLOT, srv->rb.len[i],
						    now);

			if (len) {
				srv->out[k].iov_base = slot;
				srv->out[k].iov_len = len;
				srv->out_paths[k] = srv->core.tx_paths;
				k++;
			}
		}
		if (k) {
			uint32_t si = srv->core.flows.f[f].session;
			bool fec = session_at(&srv->core.sessions, si)->fec != NULL;

			/* FEC: the PARITY due in the same batches as the DATA, after them */
			session_send(srv, si, srv->out, srv->out_paths, k,
				     fec ? gather_parity(srv, si, now) : 0, now);
			if (fec)
				session_parity(srv, si, now);
		}
		if ((unsigned)n < srv->rb.cap)
			break;
	}
}

static bool fwd_dest(void *arg, uint32_t f, struct batch_dest *d)
{
	struct server *srv = arg;

	if (srv->fio[f].fd < 0)
		return false;
	d->fd = srv->fio[f].fd;
	d->to = NULL;
	d->tx = &srv->fio[f].tx;
	return true;
}

static void fwd_done(void *arg, uint32_t f, unsigned queued, unsigned sent, int err)
{
	struct server *srv = arg;

	(void)f;
	srv->core.cnt.delivered += sent;
	drops_count(&srv->core.drops, NULL, DROP_TARGET, WIRE_OK, queued - sent, err);
}

/* Hand this batch's payloads to the target, one batched send per run of a flow. */
static void flush_forward(struct server *srv)
{
	const struct batch_queue_ops ops = { fwd_dest, fwd_done, srv };

	batch_queue_flush(&srv->fwd, &ops);
}

/* Hook: the core frees flow slot f. */
static void flow_closed(void *arg, uint32_t f)
{
	struct server *srv = arg;
	struct sflow_io *fi = &srv->fio[f];

	flush_forward(srv);	/* nothing queued may point at it */
	if (fi->fd >= 0) {
		ev_io_stop(srv->loop, &fi->io);
		close(fi->fd);
	}
	fi->fd = -1;
}

/* A socket towards the target for the new flow slot f (0 or -errno). */
static int flow_open(struct server *srv, uint32_t f)
{
	struct sflow_io *fi = &srv->fio[f];
	const struct addr *to = &srv->core.flows.f[f].to;
	int rc, fd;

	/* the flow's target (server_access.c), or the one target of the command line */
	rc = udp_connect(to->ss.ss_family != AF_UNSPEC ? to : &srv->target, NULL, &fd);
	if (rc)
		return rc;
	sockbuf_apply(fd, &srv->core.prm, "target", &srv->buf_warned[0]);
	memset(&fi->tx, 0, sizeof(fi->tx));
	fi->srv = srv;
	fi->slot = f;
	fi->fd = fd;
	ev_io_init(&fi->io, flow_cb, fd, EV_READ);
	ev_io_start(srv->loop, &fi->io);
	return 0;
}

/* ---- datagrams from the paths ---- */

static void path_datagram(struct server *srv, const struct addr *from, const struct addr *local,
			  uint8_t *buf, size_t len, double now)
{
	const struct batch_queue_ops fwd = { fwd_dest, fwd_done, srv };
	struct rx_result r;
	enum rx_verdict v;
	int rc;

	v = server_rx(&srv->core, from, buf, len, now, &r);
	if (local->len && v != RX_DROP && r.session != RX_NONE && r.path < SESSION_MAX_PATHS) {
		/* a wildcard socket: replies on the path leave from the address its
		 * datagrams came to (a peer's connected socket takes nothing else) */
		struct spath *p = &session_at(&srv->core.sessions, r.session)->paths[r.path];

		if (p->used && addr_equal(&p->addr, from))
			p->local = *local;
	}
	switch (v) {
	case RX_DELIVER:
		if (r.flow_new) {
			rc = flow_open(srv, r.flow);
			if (rc) {
				server_flow_failed(&srv->core, r.flow, -rc);
				break;
			}
		}
		batch_queue_put(&srv->fwd, &fwd, r.flow, r.payload, r.len);
		break;
	case RX_ACCEPT:
	case RX_DROP:
		break;
	}
	if (r.nrec) {
		/* recovered by FEC: their payloads live in the decoder until the
		 * next server_rx, so out with them now */
		unsigned j;

		for (j = 0; j < r.nrec; j++) {
			if (r.rec[j].flow_new) {
				rc = flow_open(srv, r.rec[j].flow);
				if (rc) {
					server_flow_failed(&srv->core, r.rec[j].flow, -rc);
					continue;
				}
			}
			batch_queue_put(&srv->fwd, &fwd, r.rec[j].flow, r.rec[j].payload, r.rec[j].len);
		}
		flush_forward(srv);
	}
	if (r.reply != RX_REPLY_NONE)
		send_reply(srv, &r, from, local);
}

/*
 * ICMP errors for what we sent, from the socket's error queue (IP_RECVERR).
 * A port unreachable may mean a bridge's socket is gone, or that someone
 * forged it: a hint only (server_icmp_hint), never a path dropped.
 */
static void drain_errors(struct server *srv, unsigned via)
{
	char ctrl[512];
	unsigned n;

	for (n = 0; n < SERVER_BATCH; n++) {
		struct addr dst;
		struct msghdr msg = {
			.msg_name = &dst.ss, .msg_namelen = sizeof(dst.ss),
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		bool refused = false;

		if (recvmsg(srv->lfd[via], &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		dst.len = msg.msg_namelen;
		dst.via = (uint8_t)via;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)) {
				struct sock_extended_err ee;

				memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
				refused = ee.ee_errno == ECONNREFUSED;
			}
		}
		if (refused)
			server_icmp_hint(&srv->core, &dst, ev_now(srv->loop));
	}
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *srv = w->data;
	unsigned via = (unsigned)(w - srv->lio);	/* which listen socket */
	double now = ev_now(loop);
	unsigned round, i;

	(void)revents;
	for (round = 0; round < SERVER_BATCH / SERVER_RECV_BATCH; round++) {
		int n = batch_recv(&srv->inb, srv->lfd[via], 0);

		if (n < 0) {
			if (udp_err_transient(-n)) {
				drain_errors(srv, via);
				continue;
			}
			log_errno(n, "receiving on the tunnel port");
			break;
		}
		if (n == 0) {
			if (round == 0)	/* woken with nothing to read: errors */
				drain_errors(srv, via);
			break;
		}
		for (i = 0; i < (unsigned)n; i++) {
			if (srv->nworkers > 1 &&
			    steer_index_of(batch_slot(&srv->inb, i), srv->inb.len[i], srv->nworkers) !=
				    srv->worker)
				srv->misrouted++;	/* another worker's session (workers.h) */
			srv->inb.from[i].via = (uint8_t)via;
			path_datagram(srv, &srv->inb.from[i], &srv->inb.dst[i], batch_slot(&srv->inb, i),
				      srv->inb.len[i], now);
		}
		flush_forward(srv);
		if ((unsigned)n < srv->inb.cap)
			break;
	}
}

/* A FEEDBACK of session i on its path slot k. */
static void fb_send(void *arg, uint32_t i, uint32_t k, const uint8_t *d, size_t len)
{
	struct server *srv = arg;
	struct spath *p = &session_at(&srv->core.sessions, i)->paths[k];

	if (udp_sendto_from(lfd_of(srv, &p->addr), d, len, &p->addr, &p->local) < 0)
		p->st.send_errors++;
	else
		p->st.sent++;
}

static void measure_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = (struct server *)((char *)w - offsetof(struct server, measure));
	double now = ev_now(loop);
	bool judge = true;

	(void)revents;
	/* a late tick follows a stall of this process: what arrived meanwhile
	 * is unread (libev runs this timer before the sockets' callbacks), so
	 * the down rule waits for the next tick, 1 ms on (once in a row) */
	if (srv->measure_due > 0 && now - srv->measure_due > PATHQ_LATE && !srv->measure_skipped) {
		judge = false;
		srv->core.cnt.late_ticks++;
	}
	srv->measure_skipped = !judge;
	server_core_measure(&srv->core, now, judge, fb_send, srv);
	w->repeat = judge ? PATHQ_TICK : 0.001;
	srv->measure_due = now + w->repeat;
	ev_timer_again(loop, w);
	if (srv->core.fec_kick) {	/* symbols to send again (a path left the stripe) */
		srv->core.fec_kick = false;
		fec_arm(srv, now, now);
	}
}

static void housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = (struct server *)((char *)w - offsetof(struct server, housekeeping));

	(void)revents;
	server_core_tick(&srv->core, ev_now(loop));
}

/* ---- life cycle ---- */

int server_init(struct server *srv, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *target, const uint8_t *psk)
{
	return server_init_worker(srv, loop, prm, listen, target, psk, 0, 1);
}


/* The tunnel socket just bound as lfd[nlisten] (its address `listen`): buffers,
 * ICMP errors, on a wildcard address the address each peer sent to (replies
 * leave from it), its watcher; nlisten counts it. */
static void listen_ready(struct server *srv, const struct tunnel_params *prm,
			 const struct addr *listen)
{
	unsigned k = srv->nlisten;

	sockbuf_apply(srv->lfd[k], prm, "tunnel port", &srv->buf_warned[1]);
	udp_set_recverr(srv->lfd[k]);
	if (addr_is_any(listen) && udp_set_pktinfo(srv->lfd[k]) == 0)
		srv->inb.pktinfo = true;
	ev_io_init(&srv->lio[k], listen_cb, srv->lfd[k], EV_READ);
	srv->lio[k].data = srv;
	srv->nlisten = k + 1;
}
int server_init_worker(struct server *srv, struct ev_loop *loop, const struct tunnel_params *prm,
		       const struct addr *listen, const struct addr *target, const uint8_t *psk,
		       unsigned worker, unsigned nworkers)
{
	struct server_hooks hooks = { flow_closed, srv };
	struct tunnel_params p = *prm;
	char buf[ADDR_STRLEN];
	struct rlimit rl;
	unsigned i;
	int rc;

	memset(srv, 0, sizeof(*srv));
	srv->loop = loop;
	for (i = 0; i < SERVER_MAX_LISTEN; i++)
		srv->lfd[i] = -1;
	srv->laddr = *listen;
	srv->target = *target;
	srv->worker = worker;
	srv->nworkers = nworkers;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    p.max_flows + 16 > rl.rlim_cur) {
		p.max_flows = rl.rlim_cur > 32 ? (unsigned)rl.rlim_cur - 16 : 16;
		log_warnx("--max-flows lowered to %u by the open-files limit (ulimit -n %llu)",
			  p.max_flows, (unsigned long long)rl.rlim_cur);
	}
	rc = server_core_init(&srv->core, &p, psk, &hooks);
	if (rc)
		goto fail;
	srv->fio = calloc(p.max_flows ? p.max_flows : 1, sizeof(*srv->fio));
	if (!srv->fio) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < p.max_flows; i++)
		srv->fio[i].fd = -1;
	rc = batch_init(&srv->inb, SERVER_RECV_BATCH, SERVER_SLOT);
	if (rc == 0)
		rc = batch_init(&srv->rb, SERVER_RECV_BATCH, SERVER_SLOT);
	if (rc)
		goto fail;
	/* several workers: the next member of the port's SO_REUSEPORT group */
	rc = nworkers > 1 ? steer_bind(listen, &srv->lfd[0]) : udp_bind(listen, &srv->lfd[0]);
	if (rc) {
		log_errno(rc, "cannot listen on %s", addr_format(listen, buf, sizeof(buf)));
		goto fail;
	}
	listen_ready(srv, prm, listen);
	ev_timer_init(&srv->housekeeping, housekeeping_cb, 1.0, 1.0);
	ev_timer_init(&srv->fec_timer, fec_timer_cb, 0.0, 0.0);
	srv->fec_due = -1;
	ev_timer_init(&srv->measure, measure_cb, PATHQ_TICK, PATHQ_TICK);
	return 0;
fail:
	server_free(srv);
	return rc;
}

int server_listen_more(struct server *srv, const struct tunnel_params *prm,
		       const struct addr *listen)
{
	unsigned k = srv->nlisten;
	char buf[ADDR_STRLEN];
	int rc;

	if (k >= SERVER_MAX_LISTEN || srv->nworkers > 1)
		return -EINVAL;
	rc = udp_bind(listen, &srv->lfd[k]);
	if (rc) {
		log_errno(rc, "cannot listen on %s", addr_format(listen, buf, sizeof(buf)));
		return rc;
	}
	listen_ready(srv, prm, listen);
	return 0;
}

void server_start(struct server *srv)
{
	unsigned k;

	for (k = 0; k < srv->nlisten; k++)
		ev_io_start(srv->loop, &srv->lio[k]);
	ev_timer_start(srv->loop, &srv->housekeeping);
	ev_timer_start(srv->loop, &srv->measure);
}

void server_stop(struct server *srv)
{
	unsigned i;

	ev_timer_stop(srv->loop, &srv->measure);
	ev_timer_stop(srv->loop, &srv->housekeeping);
	ev_timer_stop(srv->loop, &srv->fec_timer);
	for (i = 0; i < srv->nlisten; i++)
		ev_io_stop(srv->loop, &srv->lio[i]);
	for (i = 0; srv->fio && i < srv->core.flows.max; i++)
		if (srv->fio[i].fd >= 0)
			ev_io_stop(srv->loop, &srv->fio[i].io);
}

void server_free(struct server *srv)
{
	unsigned i;

	for (i = 0; srv->fio && i < srv->core.flows.max; i++)
		if (srv->fio[i].fd >= 0)
			close(srv->fio[i].fd);
	free(srv->fio);
	srv->fio = NULL;
	for (i = 0; i < SERVER_MAX_LISTEN; i++) {
		if (srv->lfd[i] >= 0)
			close(srv->lfd[i]);
		srv->lfd[i] = -1;
	}
	srv->nlisten = 0;
	server_core_free(&srv->core);
	batch_free(&srv->inb);
	batch_free(&srv->rb);
}

int server_report(const struct server *srv, struct tunnel_report *r)
{
	const struct server_core *sc = &srv->core;
	const struct session_table *t = &sc->sessions;
	unsigned i, k, np = 0, ns = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < t->max; i++)
		for (k = 0; t->s[i].used && k < SESSION_MAX_PATHS; k++)
			np += t->s[i].paths[k].used;
	rc = report_alloc(r, t->n, np);
	if (rc)
		return rc;
	r->server = true;
	r->sealed = sc->keys.sealed;
	r->listen = srv->laddr;
	r->target = srv->target;
	r->nflows = sc->flows.n;
	r->total = sc->other;
	np = 0;
	for (i = 0; i < t->max && ns < t->n; i++) {
		const struct session *s = &t->s[i];
		struct report_session *rs;

		if (!s->used)
			continue;
		rs = &r->sessions[ns++];
		rs->id = s->id;
		rs->nflows = s->nflows;
		rs->paths = &r->paths[np];
		for (k = 0; k < SESSION_MAX_PATHS; k++) {
			const struct spath *p = &s->paths[k];
			struct report_path *rp;

			if (!p->used)
				continue;
			rp = &r->paths[np++];
			rp->index = k;
			rp->peer = p->addr;
			rp->alive = -1;
			rp->rtt = NAN;
			report_path_quality(rp, &p->q);
			rp->backup = p->backup;
			rp->st = p->st;
			path_stats_add(&r->total, &p->st);
			rs->npaths++;
		}
	}
	r->nsessions = ns;
	r->npaths = np;
	r->cnt = sc->cnt;
	return 0;
}
