/* client.c - mpclient's sockets and timers: application datagrams out on
 * every path, what comes back through client_rx() and on to the
 * applications. */
#include "client.h"
#include "client_link.h"
#include "client_socks.h"
#include "event.h"
#include "log.h"
#include "pathsel.h"
#include "sockbuf.h"
#include "udp.h"

#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(CONFIG_MAX_BRIDGES == CLIENT_MAX_PATHS, "one path per bridge");

/* ---- sending ---- */

/* Datagram j on the paths of bits[j] (broadcast: every path), then the np
 * PARITY gathered in piov (each on its path ppath[j]), each path's share in
 * one batch (GSO runs in one sendmmsg). */
static void send_paths(struct client *c, struct iovec *dg, const uint16_t *bits, unsigned n,
		       unsigned np, double now)
{
	unsigned i, j;

	for (i = 0; i < c->npaths; i++) {
		struct cpath *p = &c->paths[i];
		struct path_stats *st = &c->core.paths[i].st;
		struct iovec *mine = c->path_out;
		unsigned sent, k = 0;

		if (!c->core.paths[i].used || c->core.paths[i].link_down)
			continue;
		/* this path's copy: its path id, path seq and stamp (sendmmsg copies) */
		for (j = 0; j < n; j++) {
			if (!((bits[j] >> i) & 1))
				continue;
			client_tx_stamp(&c->core, i, dg[j].iov_base, dg[j].iov_len, now);
			if (dg[j].iov_len > CLIENT_PMTU_BASE)
				c->core.paths[i].big_at = now;	/* busy: black-hole checks */
			if (dg[j].iov_len > c->core.paths[i].pmtu.want)
				plpmtud_need(&c->core.paths[i].pmtu, (uint16_t)dg[j].iov_len, now);
			mine[k++] = dg[j];
		}
		for (j = 0; j < np; j++) {
			if (c->ppath[j] != i)
				continue;
			client_tx_stamp(&c->core, i, c->piov[j].iov_base, c->piov[j].iov_len, now);
			mine[k++] = c->piov[j];
		}
		if (k == 0)
			continue;
		sent = batch_send(p->fd, NULL, mine, k, &p->tx);

		st->sent += sent;
		if (sent < k) {
			st->send_errors += k - sent;
			if (!udp_err_transient(p->tx.last_err))
				log_limited(&p->rl_send, "path %u (%s): send: %s", p->index, p->name,
					    strerror(p->tx.last_err));
		}
	}
}

/* FEC: up to RED_PARITY_BATCH PARITY due now into pbuf/piov (ppath: their
 * paths; not yet stamped); their count. */
static unsigned gather_parity(struct client *c, double now)
{
	unsigned path, round, np = 0;
	size_t n;

	for (round = 0; round < 2 * RED_PARITY_BATCH && np < RED_PARITY_BATCH; round++) {
		n = client_tx_parity(&c->core, now, c->pbuf[np], sizeof(c->pbuf[np]), &path);
		if (n == 0)
			break;
		if (!c->core.paths[path].used || c->core.paths[path].link_down) {
			c->core.paths[path].st.send_errors++;
			continue;
		}
		c->piov[np].iov_base = c->pbuf[np];
		c->piov[np].iov_len = n;
		c->ppath[np] = (uint8_t)path;
		np++;
	}
	return np;
}

/* FEC: the rest of the PARITY due now, then the timer for the next. */
static void send_parity(struct client *c, double now)
{
	unsigned round, np;
	double due;

	for (round = 0; round < 4 * FEC_N_MAX / RED_PARITY_BATCH; round++) {
		np = gather_parity(c, now);
		if (np)
			send_paths(c, NULL, NULL, 0, np, now);
		if (np < RED_PARITY_BATCH)
			break;
	}
	ev_timer_stop(c->loop, &c->fec_timer);
	due = client_fec_deadline(&c->core);
	if (due >= 0) {
		/* libev timers run on the monotonic clock: a relative delay */
		ev_timer_set(&c->fec_timer, due > now ? due - now : 0.0, 0.0);
		ev_timer_start(c->loop, &c->fec_timer);
	}
}

static void fec_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, fec_timer));

	(void)revents;
	send_parity(c, ev_now(loop));
}

static void send_ping(struct client *c, struct cpath *p)
{
	struct path_stats *st = &c->core.paths[p->index].st;
	size_t n = client_tx_ping(&c->core, p->index, ev_now(c->loop), c->txbuf, sizeof(c->txbuf));

	if (n == 0 || send(p->fd, c->txbuf, n, 0) < 0) {
		st->send_errors++;
	} else {
		st->sent++;
		st->pings++;
	}
}

#define PMTU_TICK 0.05	/* s between looks at the path MTU searches */

/* An event when path i's search settled or its limit changed. */
static void pmtu_said(struct client *c, unsigned i)
{
	struct cpath_state *ps = &c->core.paths[i];
	struct cpath *p = &c->paths[i];
	unsigned mtu = plpmtud_mtu(&ps->pmtu), cap = plpmtud_cap(&ps->pmtu);
	size_t over = client_overhead(&c->core, fec_send_active(&c->core.fec_tx));

	if (ps->pmtu.black_holes > p->said_holes) {
		/* at once, before the search below it settles */
		p->said_holes = ps->pmtu.black_holes;
		event_log("path_mtu", "path %u (%s): black hole: %u-byte datagrams stopped passing; "
			  "datagrams above %u bytes are not sent on it (searching below)", i, p->name,
			  cap + 1, cap);
	}
	if (ps->pmtu.state != PLPMTUD_DONE || (mtu == p->said_mtu && cap == p->said_cap))
		return;
	if (cap)
		event_log("path_mtu", "path %u (%s): path MTU %u bytes (payload %u): datagrams "
			  "above %u bytes are lost on it%s, not sent on it", i, p->name, mtu,
			  mtu > over ? mtu - (unsigned)over : 0, cap,
			  ps->pmtu.black_holes ? " (a black hole)" : "");
	else
		event_log("path_mtu", "path %u (%s): path MTU %u bytes (payload %u): what the "
			  "interface takes", i, p->name, mtu, mtu > over ? mtu - (unsigned)over : 0);
	p->said_mtu = mtu;
	p->said_cap = cap;
}

/* Path MTU probes due on each path that is up: padded PINGs with the
 * don't-fragment bit (pathsock_send_probe). */
static void pmtu_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, pmtu_timer));
	double now = ev_now(loop);
	uint16_t ok = client_core_sendable(&c->core), sizes[PLPMTUD_OUT];
	unsigned i, k, n;

	(void)revents;
	for (i = 0; i < c->npaths; i++) {
		struct cpath_state *ps = &c->core.paths[i];
		struct cpath *p = &c->paths[i];
		double timeout = ps->rtt >= 0 ? 3 * ps->rtt + 0.05 : 0.5;

		if (!((ok >> i) & 1) || !ps->live.alive || p->fd < 0)
			continue;
		if (timeout < 0.2)
			timeout = 0.2;
		n = plpmtud_due(&ps->pmtu, now, timeout,
				now - ps->big_at < 2 * CLIENT_PMTU_CONFIRM, sizes);
		pmtu_said(c, i);
		for (k = 0; k < n; k++) {
			size_t len = client_tx_probe(&c->core, i, sizes[k], now, c->txbuf,
						     sizeof(c->txbuf));
			int rc = len ? pathsock_send_probe(p->fd, c->txbuf, len) : -EINVAL;

			if (rc == 0) {
				ps->st.sent++;
				ps->st.pings++;
			} else if (rc == -EMSGSIZE) {
				/* the interface takes less now: search below it */
				plpmtud_reset(&ps->pmtu, (uint16_t)pathsock_max_payload(p->fd), now);
				break;
			} else {
				ps->st.send_errors++;
			}
		}
	}
}

/* A PONG the core built (a path challenge answered), on the path it came by. */
static void send_reply(struct client *c, struct cpath *p, const struct rx_result *r)
{
	struct path_stats *st = &c->core.paths[p->index].st;

	if (send(p->fd, r->reply_buf, r->reply_len, 0) < 0) {
		st->send_errors++;
	} else {
		st->sent++;
		st->pings++;
	}
}

/* A PING on every sendable path (a down one too: that is how it comes
 * back); a backup path carrying no traffic only every
 * PATHSEL_BACKUP_PROBE_EVERY keepalives once mpserver answered a PING
 * saying its role, and in no out-of-turn round but one that checks a
 * suspicion (all: a PONG on any path shows the peer and this end alive). */
static void ping_all(struct client *c, bool keepalive, bool all)
{
	uint16_t ok = client_core_sendable(&c->core), carry = client_core_txpaths(&c->core);
	bool backups = all || (keepalive && c->keepalives++ % PATHSEL_BACKUP_PROBE_EVERY == 0);
	unsigned i;

	for (i = 0; i < c->npaths; i++) {
		if (!((ok >> i) & 1))
			continue;
		if (c->core.paths[i].backup && !((carry >> i) & 1) && !backups &&
		    c->core.paths[i].role_said)
			continue;
		send_ping(c, &c->paths[i]);
	}
}

/* ---- application side ---- */

void client_send_out(struct client *c, unsigned k, double now)
{
	bool fec = fec_send_active(&c->core.fec_tx);

	/* FEC: the PARITY due go in the same batches as the DATA, after them */
	send_paths(c, c->out, c->out_paths, k, fec ? gather_parity(c, now) : 0, now);
	if (fec)
		send_parity(c, now);
	if (client_probe_due(&c->core, now))
		ping_all(c, false, false);	/* mpserver silent: restarted? (a PING gets a COOKIE) */
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	double now = ev_now(loop);
	unsigned round, i, k;

	(void)revents;
	for (round = 0; round < CLIENT_BATCH / CLIENT_RECV_BATCH; round++) {
		int n = batch_recv(&c->inb, w->fd, WIRE_HDR_LEN);

		if (n < 0) {
			if (udp_err_transient(-n))
				continue;
			log_errno(n, "receiving on the local port");
			break;
		}
		if (n == 0)
			break;
		for (i = 0, k = 0; i < (unsigned)n; i++) {
			uint8_t *slot = batch_slot(&c->inb, i);
			size_t len = client_tx_data(&c->core, slot, CLIENT_SLOT, &c->inb.from[i],
						    c->inb.len[i], now);

			if (len) {
				c->out[k].iov_base = slot;
				c->out[k].iov_len = len;
				c->out_paths[k] = c->core.tx_paths;
				k++;
			}
		}
		if (k)
			client_send_out(c, k, now);
		if ((unsigned)n < c->inb.cap)
			break;
	}
}

/* ---- path side ---- */

static bool dlv_dest(void *arg, uint32_t f, struct batch_dest *d)
{
	struct client *c = arg;

	d->to = &c->core.flows.f[f].app;
	/* back through the local socket of the application's family */
	d->fd = c->lfd2 >= 0 && d->to->ss.ss_family == c->laddr2.ss.ss_family &&
			c->laddr.ss.ss_family != c->laddr2.ss.ss_family ? c->lfd2 : c->lfd;
	d->tx = &c->app_tx;
	return true;
}

static void dlv_done(void *arg, uint32_t f, unsigned queued, unsigned sent, int err)
{
	struct client *c = arg;

	(void)f;
	c->core.cnt.delivered += sent;
	drops_count(&c->core.drops, NULL, DROP_TARGET, WIRE_OK, queued - sent, err);
}

/* Hand this batch's payloads to the applications, one batched send per run of a flow. */
static void flush_deliver(struct client *c)
{
	const struct batch_queue_ops o = { dlv_dest, dlv_done, c };

	batch_queue_flush(&c->dlv, &o);
}

/* ---- paced delivery (--pace-delivery; tunnel/dlvq.h, lib/pace.h) ---- */

/* A payload for flow f: queued for its application, or at once through its
 * SOCKS5 association's relay (with the SOCKS header). */
static void deliver(struct client *c, const struct batch_queue_ops *dlv, uint32_t f,
		    const uint8_t *payload, size_t len)
{
	if (c->socks && c->core.flows.f[f].assoc)
		client_socks_deliver(c->socks, f, payload, len);
	else if (!c->pacing)
		batch_queue_put(&c->dlv, dlv, f, payload, len);
	else if (!dlvq_push(&c->dq, f, payload, len))	/* --pace-delivery */
		drops_count(&c->core.drops, NULL, DROP_DELIVERY_QUEUE, WIRE_OK, 1, 0);
}

/* Hand the applications what the pacer allows now; the timer for the rest. */
static void release(struct client *c, double now)
{
	const struct batch_queue_ops o = { dlv_dest, dlv_done, c };
	unsigned allow = pace_allow(&c->pace, now), n = 0;
	const uint8_t *payload;
	uint32_t flow;
	size_t len;

	/* popped records stay intact until the next push: flushed before that */
	while (n < allow && dlvq_front(&c->dq, &flow, &payload, &len)) {
		batch_queue_put(&c->dlv, &o, flow, payload, len);
		dlvq_pop(&c->dq);
		n++;
	}
	flush_deliver(c);
	if (n)
		pace_spent(&c->pace, n, now);
	if (c->dq.count && !ev_is_active(&c->pace_timer)) {
		double d = pace_delay(&c->pace);

		ev_timer_set(&c->pace_timer, d > 50e-6 ? d : 50e-6, 0.0);
		ev_timer_start(c->loop, &c->pace_timer);
	}
}

static void pace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, pace_timer));
	unsigned before = c->dq.count;

	(void)revents;
	ev_now_update(loop);
	release(c, ev_now(loop));
	c->core.cnt.paced += before - c->dq.count;
}

int client_pace_enable(struct client *c, size_t bytes)
{
	static const struct pace_params pp = PACE_DEFAULTS;
	int rc = dlvq_init(&c->dq, bytes);

	if (rc)
		return rc;
	pace_init(&c->pace, &pp);
	ev_timer_init(&c->pace_timer, pace_cb, 0.0, 0.0);
	c->pacing = true;
	return 0;
}

static void path_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cpath *p = (struct cpath *)((char *)w - offsetof(struct cpath, io));
	struct client *c = p->c;
	const struct batch_queue_ops dlv = { dlv_dest, dlv_done, c };
	double now = ev_now(loop);
	struct rx_result r;
	unsigned round, i;

	(void)revents;
	for (round = 0; round < CLIENT_BATCH / CLIENT_RECV_BATCH; round++) {
		int n = batch_recv(&c->pb, p->fd, 0);

		if (n < 0) {
			if (udp_err_transient(-n)) {
				/* ICMP error for an earlier send */
				c->core.paths[p->index].st.send_errors++;
				continue;
			}
			log_errno(n, "path %u (%s): recv", p->index, p->name);
			break;
		}
		for (i = 0; i < (unsigned)n; i++) {
			switch (client_rx(&c->core, p->index, batch_slot(&c->pb, i), c->pb.len[i],
					  now, &r)) {
			case RX_DELIVER:
				deliver(c, &dlv, r.flow, r.payload, r.len);
				break;
			case RX_ACCEPT:
			case RX_DROP:
				break;
			}
			if (r.nrec) {
				/* recovered by FEC: their payloads live in the decoder
				 * until the next client_rx, so out with them now */
				unsigned j;

				for (j = 0; j < r.nrec; j++) {
					deliver(c, &dlv, r.rec[j].flow, r.rec[j].payload, r.rec[j].len);
				}
				flush_deliver(c);
			}
			if (r.reply == RX_REPLY_PING_BURST)
				ping_all(c, false, false);
			else if (r.reply == RX_REPLY_PONG)
				send_reply(c, p, &r);
		}
		flush_deliver(c);
		if ((unsigned)n < c->pb.cap)
			break;
	}
	if (c->pacing)
		release(c, now);
}

/* ---- timers ---- */

static void keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, keepalive));

	(void)loop;
	(void)revents;
	ping_all(c, true, false);
}

/* FEEDBACK on the paths that received something since the last one (each
 * copy with its own per-path fields), and the fast down rule. */
static void measure_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, measure));
	double now = ev_now(loop), due;
	bool late = c->measure_due > 0 && now - c->measure_due > PATHQ_LATE;
	size_t n;
	unsigned i;

	(void)revents;
	/* this process stalled (the tick is late): what arrived meanwhile is
	 * still unread in the sockets, and libev runs this timer before their
	 * callbacks; the down rule judges after them, at the next tick (once:
	 * a loop late every time still judges every other tick) */
	c->measure_skipped = late && !c->measure_skipped;
	if (c->measure_skipped)
		c->core.cnt.late_ticks++;
	if (client_measure_tick(&c->core, now, !c->measure_skipped))
		ping_all(c, false, false);	/* auto asks mpserver for another code: now */
	if (client_suspect_probe_due(&c->core, now))
		ping_all(c, false, true);	/* a PONG elsewhere corroborates it */
	due = c->core.fec_tx.tx ? client_fec_deadline(&c->core) : -1.0;
	if (due >= 0 && due <= now)
		send_parity(c, now);	/* symbols to send again (a path left the stripe) */
	for (i = 0; i < c->npaths; i++) {
		struct path_stats *st = &c->core.paths[i].st;

		if (c->core.paths[i].used && !c->core.paths[i].link_down &&
		    client_down_probe_due(&c->core, i, now))
			send_ping(c, &c->paths[i]);

		n = client_tx_feedback(&c->core, i, now, c->txbuf, sizeof(c->txbuf));
		if (n == 0)
			continue;
		if (send(c->paths[i].fd, c->txbuf, n, 0) < 0)
			st->send_errors++;
		else
			st->sent++;
	}
	/* the next tick: PATHQ_TICK, or sooner when a path under traffic
	 * reaches its down bound before (the rule fires on time, not up to a
	 * tick late); after a skipped one, right after the sockets are read */
	due = c->measure_skipped ? 0 : client_down_due(&c->core) - now + 0.0005;
	w->repeat = due < PATHQ_TICK ? (due > 0.001 ? due : 0.001) : PATHQ_TICK;
	c->measure_due = now + w->repeat;
	ev_timer_again(loop, w);
}

static void housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, housekeeping));
	double now = ev_now(loop);
	unsigned i;

	(void)revents;
	client_core_tick(&c->core, now);
	/* paths whose interface or address was not there: try again */
	for (i = 0; i < c->npaths; i++)
		if (c->core.paths[i].used && !c->paths[i].ready && now >= c->paths[i].retry_at)
			client_path_retry(c, i);
}

/* ---- life cycle ---- */

static bool path_bound(const struct cpath *p)
{
	return p->bind.dev[0] || p->bind.has_src;
}

/* Open path i's socket as its bind says; a new one replaces the old (its
 * address went away).  0 or -errno (p->ready false, tried again later). */
static int path_open_fd(struct client *c, struct cpath *p, bool quiet)
{
	char bt[CONFIG_DEV_MAX + ADDR_STRLEN + 16];
	const char *what = "";
	int fd, rc;

	rc = pathsock_open(&p->peer, path_bound(p) ? &p->bind : NULL, &fd, &what);
	if (rc) {
		p->retry_at = ev_now(c->loop) + 1.0;
		if (!quiet)
			log_warnx("path %u (%s): %s (%s): %s: down until it can be opened", p->index,
				  p->name, what, pathsock_bind_text(&p->bind, bt, sizeof(bt)),
				  strerror(-rc));
		return rc;
	}
	if (p->fd >= 0) {
		ev_io_stop(c->loop, &p->io);
		close(p->fd);
	}
	p->fd = fd;
	p->ready = true;
	p->sock_ifindex = p->bind.dev[0] ? (int)if_nametoindex(p->bind.dev) : 0;
	/* the path MTU search stops at what the interface takes */
	plpmtud_reset(&c->core.paths[p->index].pmtu, (uint16_t)pathsock_max_payload(fd),
		      ev_now(c->loop));
	if (udp_local(fd, &p->local) == 0)
		addr_format(&p->local, p->local_text, sizeof(p->local_text));
	sockbuf_apply(fd, &c->core.prm, "path", &c->buf_warned[0]);
	ev_io_set(&p->io, fd, EV_READ);
	if (c->running)
		ev_io_start(c->loop, &p->io);
	return 0;
}

int client_path_retry(struct client *c, unsigned i)
{
	struct cpath *p = &c->paths[i];
	int rc;

	if (i >= CONFIG_MAX_BRIDGES || !c->core.paths[i].used)
		return -EINVAL;
	rc = path_open_fd(c, p, true);
	if (rc == 0 && c->lm_open)
		client_link_check(c, i);	/* its link's state, from the kernel */
	else if (rc == 0)
		client_core_path_link(&c->core, i, p->link_ok, "socket open");
	return rc;
}

int client_path_reopen(struct client *c, unsigned i)
{
	struct cpath *p = &c->paths[i];
	int rc;

	if (p->fd >= 0) {
		/* what already arrived on the old socket goes on first */
		path_cb(c->loop, &p->io, EV_READ);
	}
	rc = path_open_fd(c, p, true);
	if (rc) {
		if (p->fd >= 0) {
			ev_io_stop(c->loop, &p->io);
			close(p->fd);
			p->fd = -1;
		}
		p->ready = false;
	}
	return rc;
}

/* The socket of path slot i, connected to peer (kept for the path's whole
 * life: socat bridges lock onto the first source port they see).  A path
 * bound to an interface or address that is not there (yet) starts down. */
static int path_socket(struct client *c, unsigned i, const struct addr *peer, const char *name,
		       const struct path_bind *bind)
{
	struct cpath *p = &c->paths[i];
	int rc;

	p->c = c;
	p->index = i;
	p->peer = *peer;
	p->fd = -1;
	p->ready = false;
	p->link_ok = true;
	p->ifindex = p->sock_ifindex = 0;
	p->said_mtu = p->said_cap = 0;
	p->said_holes = c->core.paths[i].pmtu.black_holes;
	p->local_text[0] = '\0';
	memset(&p->bind, 0, sizeof(p->bind));
	p->src[0] = '\0';
	if (bind)
		p->bind = *bind;
	if (p->bind.has_src) {
		char *colon;

		addr_format(&p->bind.src, p->src, sizeof(p->src));
		colon = strrchr(p->src, ':');	/* no port: "1.2.3.4", "::1" */
		if (colon)
			*colon = '\0';
		if (p->src[0] == '[') {
			memmove(p->src, p->src + 1, strlen(p->src));
			p->src[strlen(p->src) - 1] = '\0';
		}
	}
	ratelimit_init(&p->rl_send, 1.0, 5.0);
	snprintf(p->name, sizeof(p->name), "%s", name);
	c->core.paths[i].name = p->name;
	ev_io_init(&p->io, path_cb, 0, EV_READ);
	rc = path_open_fd(c, p, true);	/* (client_bridges_load warned) */
	if (rc && !path_bound(p))
		return rc;
	if (rc)
		c->core.paths[i].link_down = true;	/* until it opens */
	return 0;
}

int client_path_open(struct client *c, const struct addr *peer, const char *name,
		     const struct path_bind *bind, unsigned *id)
{
	unsigned i = client_core_path_add(&c->core, name);
	int rc;

	if (i >= CONFIG_MAX_BRIDGES)
		return -ENOSPC;
	rc = path_socket(c, i, peer, name, bind);
	if (rc) {
		if (c->paths[i].fd >= 0)
			close(c->paths[i].fd);
		c->paths[i].fd = -1;
		client_core_path_remove(&c->core, i);
		return rc;
	}
	c->npaths = c->core.npaths;
	*id = i;
	if (c->running)
		client_link_check(c, i);
	return 0;
}

void client_path_close(struct client *c, unsigned i)
{
	struct cpath *p = &c->paths[i];

	if (i >= CONFIG_MAX_BRIDGES || !c->core.paths[i].used)
		return;
	/* what already arrived on it goes on first (copies, or the only one) */
	if (p->fd >= 0) {
		path_cb(c->loop, &p->io, EV_READ);
		ev_io_stop(c->loop, &p->io);
		close(p->fd);
	}
	p->fd = -1;
	p->ready = false;
	client_core_path_remove(&c->core, i);
	c->npaths = c->core.npaths;
}

int client_init(struct client *c, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *listen2, const struct addr *bridges,
		const char *const *names, const struct path_bind *binds, unsigned nbridges,
		const uint8_t *psk)
{
	char buf[ADDR_STRLEN];
	unsigned i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->lfd = c->lfd2 = -1;
	for (i = 0; i < CONFIG_MAX_BRIDGES; i++)
		c->paths[i].fd = -1;
	if (nbridges == 0 || nbridges > CONFIG_MAX_BRIDGES)
		return -EINVAL;
	rc = client_core_init(&c->core, prm, nbridges, psk, 0);
	if (rc)
		goto fail;
	rc = batch_init(&c->inb, CLIENT_RECV_BATCH, CLIENT_SLOT);
	if (rc == 0)
		rc = batch_init(&c->pb, CLIENT_RECV_BATCH, CLIENT_SLOT);
	if (rc)
		goto fail;
	c->laddr = *listen;
	rc = udp_bind(listen, &c->lfd);
	if (rc) {
		log_errno(rc, "cannot listen on %s", addr_format(listen, buf, sizeof(buf)));
		goto fail;
	}
	sockbuf_apply(c->lfd, prm, "local port", &c->buf_warned[1]);
	if (listen2) {
		c->laddr2 = *listen2;
		rc = udp_bind(listen2, &c->lfd2);
		if (rc) {
			log_errno(rc, "cannot listen on %s", addr_format(listen2, buf, sizeof(buf)));
			goto fail;
		}
		sockbuf_apply(c->lfd2, prm, "local port", &c->buf_warned[1]);
	}
	for (i = 0; i < nbridges; i++) {
		rc = path_socket(c, i, &bridges[i], names ? names[i] :
				 addr_format(&bridges[i], buf, sizeof(buf)), binds ? &binds[i] : NULL);
		if (rc) {
			log_errno(rc, "path %u: cannot open a socket to %s", i, c->paths[i].name);
			goto fail;
		}
		c->npaths++;
	}
	ev_io_init(&c->lio, listen_cb, c->lfd, EV_READ);
	c->lio.data = c;
	if (c->lfd2 >= 0) {
		ev_io_init(&c->lio2, listen_cb, c->lfd2, EV_READ);
		c->lio2.data = c;
	}
	ev_timer_init(&c->keepalive, keepalive_cb, 0.0, prm->keepalive);
	ev_timer_init(&c->housekeeping, housekeeping_cb, 0.25, 0.25);
	ev_timer_init(&c->fec_timer, fec_timer_cb, 0.0, 0.0);
	ev_timer_init(&c->measure, measure_cb, PATHQ_TICK, PATHQ_TICK);
	ev_timer_init(&c->pmtu_timer, pmtu_cb, PMTU_TICK, PMTU_TICK);
	return 0;
fail:
	client_free(c);
	return rc;
}

void client_start(struct client *c)
{
	unsigned i;

	c->running = true;
	for (i = 0; i < c->npaths; i++)
		if (c->core.paths[i].used && c->paths[i].fd >= 0)
			ev_io_start(c->loop, &c->paths[i].io);
	ev_io_start(c->loop, &c->lio);
	if (c->lfd2 >= 0)
		ev_io_start(c->loop, &c->lio2);
	ev_timer_start(c->loop, &c->keepalive);
	ev_timer_start(c->loop, &c->housekeeping);
	ev_timer_start(c->loop, &c->pmtu_timer);
	client_link_start(c);
	ev_timer_start(c->loop, &c->measure);
}

void client_stop(struct client *c)
{
	unsigned i;

	client_link_stop(c);
	ev_timer_stop(c->loop, &c->measure);
	ev_timer_stop(c->loop, &c->housekeeping);
	ev_timer_stop(c->loop, &c->pmtu_timer);
	ev_timer_stop(c->loop, &c->keepalive);
	ev_timer_stop(c->loop, &c->fec_timer);
	if (c->pacing)
		ev_timer_stop(c->loop, &c->pace_timer);
	ev_io_stop(c->loop, &c->lio);
	if (c->lfd2 >= 0)
		ev_io_stop(c->loop, &c->lio2);
	for (i = 0; i < c->npaths; i++)
		if (c->core.paths[i].used && c->paths[i].fd >= 0)
			ev_io_stop(c->loop, &c->paths[i].io);
	c->running = false;
}

void client_free(struct client *c)
{
	unsigned i;

	for (i = 0; i < CONFIG_MAX_BRIDGES; i++) {
		if (c->paths[i].fd >= 0)
			close(c->paths[i].fd);
		c->paths[i].fd = -1;
	}
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->lfd2 >= 0)
		close(c->lfd2);
	c->lfd = c->lfd2 = -1;
	client_core_free(&c->core);
	batch_free(&c->inb);
	batch_free(&c->pb);
	if (c->pacing)
		dlvq_free(&c->dq);
	c->pacing = false;
}

int client_report(const struct client *c, struct tunnel_report *r)
{
	const struct client_core *cc = &c->core;
	unsigned i, n = 0;
	size_t over;
	int rc;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < c->npaths; i++)
		n += cc->paths[i].used;
	rc = report_alloc(r, 0, n);
	if (rc)
		return rc;
	r->sealed = cc->keys.sealed;
	r->listen = c->laddr;
	r->session = cc->session;
	r->nflows = cc->flows.n;
	r->npaths = n;
	for (i = 0, n = 0; i < c->npaths; i++) {
		const struct cpath_state *p = &cc->paths[i];
		struct report_path *rp = &r->paths[n];

		if (!p->used)
			continue;
		n++;
		rp->index = p->index;
		rp->name = c->paths[i].name;
		rp->peer = c->paths[i].peer;
		rp->alive = p->live.alive;
		rp->dev = c->paths[i].bind.dev[0] ? c->paths[i].bind.dev : NULL;
		rp->src = c->paths[i].src[0] ? c->paths[i].src : NULL;
		rp->link = p->link_down ? "down" : "up";
		rp->mtu = plpmtud_mtu(&p->pmtu);
		rp->mtu_cap = plpmtud_cap(&p->pmtu);
		over = client_overhead(cc, fec_send_active(&cc->fec_tx));
		rp->payload_max = rp->mtu > over ? rp->mtu - (unsigned)over : 0;
		rp->pmtud = plpmtud_state_name(p->pmtu.state);
		rp->rtt = p->rtt >= 0 ? p->rtt : NAN;
		report_path_quality(rp, &p->q);
		rp->backup = p->backup;
		rp->st = p->st;
	}
	r->cnt = cc->cnt;
	return 0;
}
