/* server.c - mpserver: de-duplicates what mpclients send over several paths,
 * forwards one copy per flow to the target, and sends replies back over every
 * live path of the session. */
#include "server.h"
#include "log.h"
#include "msg.h"
#include "random.h"
#include "udp.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static struct ratelimit rl_drop;

/* ---- sessions ---- */

static struct session *session_find(struct server *srv, uint64_t id)
{
	unsigned i;

	if (srv->last_session >= 0) {
		struct session *s = &srv->sessions[srv->last_session];

		if (s->used && s->id == id)
			return s;
	}
	for (i = 0; i < srv->prm.max_sessions; i++) {
		if (srv->sessions[i].used && srv->sessions[i].id == id) {
			srv->last_session = (int)i;
			return &srv->sessions[i];
		}
	}
	return NULL;
}

static void flow_close(struct server *srv, struct sflow *f)
{
	ev_io_stop(srv->loop, &f->io);
	close(f->fd);
	f->fd = -1;
	f->s->nflows--;
	f->s = NULL;
	srv->nflows--;
}

static void session_close(struct server *srv, struct session *s, const char *why)
{
	unsigned i;

	log_info("session %016llx closed (%s)", (unsigned long long)s->id, why);
	for (i = 0; i < srv->prm.max_flows; i++)
		if (srv->flows[i].s == s)
			flow_close(srv, &srv->flows[i]);
	for (i = 0; i < SERVER_MAX_PATHS; i++)
		if (s->paths[i].last_rx)
			path_stats_add(&srv->other, &s->paths[i].st);
	if (srv->sealed) {
		/* a replayed cookie PING must not reopen it below where it was */
		unsigned k = srv->nclosed++ % SERVER_CLOSED_RING;

		srv->closed[k].id = s->id;
		srv->closed[k].top = s->rx.top;
	}
	seal_key_wipe(&s->rx_key);
	seal_key_wipe(&s->tx_key);
	s->used = false;
	srv->nsessions--;
}

static void flush_forward(struct server *srv);

static struct session *session_create(struct server *srv, uint64_t id, double now)
{
	struct session *slot = NULL, *oldest = NULL;
	struct window saved;
	unsigned i;

	for (i = 0; i < srv->prm.max_sessions; i++) {
		struct session *s = &srv->sessions[i];

		if (!s->used) {
			slot = s;
			break;
		}
		if (!oldest || s->last_rx < oldest->last_rx)
			oldest = s;
	}
	if (!slot) {
		/* full: make room only from a session none of whose paths is alive */
		if (!oldest || now - oldest->last_rx <= srv->prm.path_timeout)
			return NULL;
		flush_forward(srv);	/* nothing queued may point at its flows */
		session_close(srv, oldest, "evicted for a new session");
		slot = oldest;
	}
	saved = slot->rx;
	memset(slot, 0, sizeof(*slot));
	slot->rx = saved;
	window_reset(&slot->rx);
	slot->used = true;
	slot->id = id;
	slot->epoch = random_u64_nonzero();
	slot->last_flow = -1;
	slot->created = slot->last_rx = now;
	srv->nsessions++;
	log_info("session %016llx opened (%u sessions)", (unsigned long long)id, srv->nsessions);
	return slot;
}

static struct spath *session_path(struct session *s, const struct addr *from, double now)
{
	struct spath *slot = NULL, *stalest = NULL;
	char buf[ADDR_STRLEN];
	unsigned i;

	for (i = 0; i < SERVER_MAX_PATHS; i++) {
		struct spath *p = &s->paths[i];

		if (p->last_rx && addr_equal(&p->addr, from))
			return p;
		if (!p->last_rx && !slot)
			slot = p;
		if (p->last_rx && (!stalest || p->last_rx < stalest->last_rx))
			stalest = p;
	}
	if (!slot)
		slot = stalest;	/* full: the path heard from least recently goes */
	memset(slot, 0, sizeof(*slot));
	slot->addr = *from;
	slot->last_rx = now;
	log_info("session %016llx: path from %s", (unsigned long long)s->id,
		 addr_format(from, buf, sizeof(buf)));
	return slot;
}

/* ---- sending towards mpclient ---- */

static uint8_t tx_flags(const struct server *srv)
{
	return WIRE_F_SERVER | (srv->sealed ? WIRE_F_SEALED : 0);
}

/* Encode into out (the payload may already sit at out + WIRE_HDR_LEN) and seal. */
static size_t build(struct server *srv, struct session *s, const struct wire_hdr *h,
		    const void *payload, uint8_t *out, size_t outlen)
{
	size_t n = wire_encode(h, payload, out, outlen);

	if (n && srv->sealed && !seal_datagram(&s->tx_key, out, n))
		return 0;
	return n;
}

/* Send n datagrams on every live path of s (every known path if none is
 * live), each path batched (GSO runs or sendmmsg). */
static void session_send(struct server *srv, struct session *s, struct iovec *dg, unsigned n,
			 double now)
{
	unsigned i, pass, used = 0;

	for (pass = 0; pass < 2 && used == 0; pass++) {
		for (i = 0; i < SERVER_MAX_PATHS; i++) {
			struct spath *p = &s->paths[i];
			unsigned sent;

			if (!p->last_rx)
				continue;
			if (pass == 0 && now - p->last_rx > srv->prm.path_timeout)
				continue;
			sent = batch_send(srv->lfd, &p->addr, dg, n, &p->tx);
			p->st.sent += sent;
			p->st.send_errors += n - sent;
			used++;
		}
	}
	if (used == 0)
		srv->cnt.drop[DROP_NO_PATH] += n;
}

static void send_pong(struct server *srv, struct session *s, struct spath *p,
		      const struct wire_ping *ping)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_PONG, .flags = tx_flags(srv), .flow = 0,
		.session = s->id, .epoch = s->epoch, .seq = ++s->tx_seq, .len = WIRE_PING_LEN,
	};
	uint8_t pl[WIRE_PING_LEN];
	size_t n;

	wire_ping_encode(ping, pl, sizeof(pl));
	n = build(srv, s, &h, pl, srv->txbuf, sizeof(srv->txbuf));
	if (n == 0 || sendto(srv->lfd, srv->txbuf, n, 0, (const struct sockaddr *)&p->addr.ss,
		   p->addr.len) < 0) {
		p->st.send_errors++;
	} else {
		p->st.sent++;
		p->st.pings++;
	}
}

/* ---- freshness cookies (keyed mode) ---- */

static uint64_t cookie_bucket(double now)
{
	return (uint64_t)(now / 60.0);
}

static bool cookie_valid(const struct server *srv, uint64_t session, const uint8_t *cookie,
			 double now)
{
	uint8_t want[SEAL_COOKIE_LEN];
	uint64_t b = cookie_bucket(now);
	unsigned i;

	for (i = 0; i < 2 && (i == 0 || b > 0); i++) {
		seal_cookie(srv->cookie_secret, session, b - i, want);
		if (sodium_memcmp(want, cookie, SEAL_COOKIE_LEN) == 0)
			return true;
	}
	return false;
}

/* Answer an authenticated datagram of an unknown session with a cookie. */
static void send_cookie(struct server *srv, const struct addr *to, uint64_t session, double now)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_COOKIE, .flags = tx_flags(srv), .flow = 0,
		.session = session, .epoch = srv->hs_epoch, .seq = ++srv->hs_seq,
		.len = WIRE_COOKIE_LEN,
	};
	uint8_t cookie[SEAL_COOKIE_LEN];
	struct seal_key k;
	size_t n;

	if (!ratelimit_allow(&srv->cookie_rl, now, NULL)) {
		srv->cnt.drop[DROP_COOKIE_RATE]++;
		return;
	}
	seal_cookie(srv->cookie_secret, session, cookie_bucket(now), cookie);
	seal_derive(srv->psk, session, srv->hs_epoch, true, &k);
	n = wire_encode(&h, cookie, srv->txbuf, sizeof(srv->txbuf));
	if (n && seal_datagram(&k, srv->txbuf, n) &&
	    sendto(srv->lfd, srv->txbuf, n, 0, (const struct sockaddr *)&to->ss, to->len) >= 0)
		srv->cnt.cookies++;
	seal_key_wipe(&k);
}

static uint64_t closed_top(const struct server *srv, uint64_t session)
{
	uint64_t top = 0;
	unsigned i;

	for (i = 0; i < SERVER_CLOSED_RING && i < srv->nclosed; i++)
		if (srv->closed[i].id == session && srv->closed[i].top > top)
			top = srv->closed[i].top;
	return top;
}

/* ---- flows: one upstream socket per (session, flow) ---- */

static void flow_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sflow *f = (struct sflow *)((char *)w - offsetof(struct sflow, io));
	struct server *srv = f->srv;
	struct session *s = f->s;
	double now = ev_now(loop);
	unsigned round, i, k;

	(void)revents;
	for (round = 0; round < SERVER_BATCH / SERVER_RECV_BATCH; round++) {
		int n = batch_recv(&srv->rb, f->fd, WIRE_HDR_LEN);

		if (n < 0) {
			if (udp_err_transient(-n)) {
				srv->cnt.drop[DROP_TARGET]++;	/* ICMP for an earlier datagram */
				log_limited(&rl_drop, "flow %u: target: %s", f->id, strerror(-n));
				continue;
			}
			log_errno(n, "flow %u: recv", f->id);
			break;
		}
		if (n == 0)
			break;
		for (i = 0, k = 0; i < (unsigned)n; i++) {
			uint8_t *slot = batch_slot(&srv->rb, i);
			size_t len = srv->rb.len[i];
			struct wire_hdr h;

			srv->cnt.from_app++;
			if (len > WIRE_MAX_PAYLOAD) {
				srv->cnt.drop[DROP_TOO_BIG]++;
				log_limited(&rl_drop, "dropping a %zu-byte reply: the tunnel carries at most %d",
					    len, WIRE_MAX_PAYLOAD);
				continue;
			}
			h = (struct wire_hdr){
				.version = WIRE_VERSION, .type = WIRE_DATA, .flags = tx_flags(srv),
				.flow = f->id, .session = s->id, .epoch = s->epoch, .seq = ++s->tx_seq,
				.len = (uint16_t)len,
			};
			len = build(srv, s, &h, slot + WIRE_HDR_LEN, slot, SERVER_SLOT);
			if (len) {
				srv->out[k].iov_base = slot;
				srv->out[k].iov_len = len;
				k++;
			}
		}
		f->last = now;
		if (k)
			session_send(srv, s, srv->out, k, now);
		if ((unsigned)n < srv->rb.cap)
			break;
	}
}

/* Hand this batch's payloads to the target, one batched send per run of the same flow. */
static void flush_forward(struct server *srv)
{
	struct iovec iov[BATCH_MAX];
	unsigned i = 0;

	while (i < srv->nfwd) {
		struct sflow *f = srv->fwd[i].f;
		unsigned k = 0, sent;

		while (i + k < srv->nfwd && srv->fwd[i + k].f == f) {
			iov[k] = srv->fwd[i + k].iov;
			k++;
		}
		sent = batch_send(f->fd, NULL, iov, k, &f->tx);
		srv->cnt.delivered += sent;
		if (sent < k) {
			srv->cnt.drop[DROP_TARGET] += k - sent;
			log_limited(&rl_drop, "flow %u: send to target: %s", f->id,
				    strerror(f->tx.last_err));
		}
		i += k;
	}
	srv->nfwd = 0;
}

static struct sflow *flow_find(struct server *srv, struct session *s, uint32_t id)
{
	unsigned i;

	if (s->last_flow >= 0 && srv->flows[s->last_flow].s == s &&
	    srv->flows[s->last_flow].id == id)
		return &srv->flows[s->last_flow];
	for (i = 0; i < srv->prm.max_flows; i++) {
		if (srv->flows[i].s == s && srv->flows[i].id == id) {
			s->last_flow = (int)i;
			return &srv->flows[i];
		}
	}
	return NULL;
}

static struct sflow *flow_open(struct server *srv, struct session *s, uint32_t id, double now)
{
	struct sflow *slot = NULL;
	unsigned i;
	int rc, fd;

	for (i = 0; i < srv->prm.max_flows; i++) {
		if (!srv->flows[i].s) {
			slot = &srv->flows[i];
			break;
		}
	}
	if (!slot) {
		srv->cnt.drop[DROP_FLOW_CAP]++;
		log_limited(&rl_drop, "flow table full (%u flows): datagram dropped",
			    srv->prm.max_flows);
		return NULL;
	}
	rc = udp_connect(&srv->target, NULL, &fd);
	if (rc) {
		srv->cnt.drop[DROP_SOCKET]++;
		log_limited(&rl_drop, "cannot open a socket to the target: %s", strerror(-rc));
		return NULL;
	}
	udp_set_buffers(fd, srv->prm.sndbuf, srv->prm.rcvbuf);
	slot->srv = srv;
	slot->s = s;
	slot->fd = fd;
	slot->id = id;
	slot->last = now;
	ev_io_init(&slot->io, flow_cb, fd, EV_READ);
	ev_io_start(srv->loop, &slot->io);
	s->nflows++;
	srv->nflows++;
	s->last_flow = (int)(slot - srv->flows);
	log_info("session %016llx: flow %u opened", (unsigned long long)s->id, id);
	return slot;
}

/* ---- datagrams from the paths ---- */

static void path_datagram(struct server *srv, const struct addr *from, uint8_t *buf,
			  size_t len, double now)
{
	struct seal_key candidate;
	const uint8_t *payload;
	enum window_verdict v;
	enum wire_drop why;
	struct session *s;
	struct spath *p;
	struct wire_hdr h;

	if (len > WIRE_MAX_DGRAM || !wire_decode(buf, len, &h, &payload, &why)) {
		if (len > WIRE_MAX_DGRAM)
			why = WIRE_E_LENGTH;
		srv->cnt.wire[why]++;
		log_limited(&rl_drop, "malformed datagram (%s)", wire_drop_name(why));
		return;
	}
	if (h.flags & WIRE_F_SERVER) {
		srv->cnt.drop[DROP_DIRECTION]++;
		return;
	}
	if (srv->sealed != !!(h.flags & WIRE_F_SEALED)) {
		srv->cnt.drop[srv->sealed ? DROP_PLAINTEXT : DROP_BAD_TAG]++;
		return;
	}
	if (h.epoch != h.session) {
		srv->cnt.drop[DROP_EPOCH]++;
		return;
	}
	if (h.type == WIRE_PONG || h.type == WIRE_COOKIE) {
		srv->cnt.drop[DROP_TYPE]++;
		return;
	}
	s = session_find(srv, h.session);
	v = s ? window_check(&s->rx, h.seq) : WINDOW_NEW;
	if (v != WINDOW_NEW) {
		unsigned i;

		/* count it on its path if we know the path; never create state */
		for (i = 0; i < SERVER_MAX_PATHS; i++) {
			if (s->paths[i].last_rx && addr_equal(&s->paths[i].addr, from)) {
				if (v == WINDOW_DUP)
					s->paths[i].st.duplicates++;
				else
					s->paths[i].st.too_old++;
				break;
			}
		}
		if (i == SERVER_MAX_PATHS) {
			if (v == WINDOW_DUP)
				srv->other.duplicates++;
			else
				srv->other.too_old++;
		}
		return;
	}
	/* authenticate: nothing is created or committed before this */
	if (srv->sealed) {
		const struct seal_key *k = s ? &s->rx_key : &candidate;

		if (!s) {
			/* a flood of made-up sessions may not eat the CPU */
			if (!ratelimit_allow(&srv->unknown_rl, now, NULL)) {
				srv->cnt.drop[DROP_NEW_RATE]++;
				return;
			}
			seal_derive_for(srv->psk, &h, &candidate);
		}
		if (!open_datagram(k, &h, buf, len)) {
			srv->cnt.drop[DROP_BAD_TAG]++;
			log_limited(&rl_drop, "datagram failed authentication");
			return;
		}
	}
	if (!s && srv->sealed) {
		/* keyed: a new session needs a PING with a fresh cookie, so a
		 * datagram recorded earlier (before a restart) opens nothing */
		struct wire_ping ping;

		if (h.type != WIRE_PING || !wire_ping_decode(payload, h.len, &ping) ||
		    !cookie_valid(srv, h.session, ping.cookie, now)) {
			srv->cnt.drop[DROP_NO_COOKIE]++;
			send_cookie(srv, from, h.session, now);
			seal_key_wipe(&candidate);
			return;
		}
	}
	if (!s) {
		uint64_t top = srv->sealed ? closed_top(srv, h.session) : 0;

		if (top >= h.seq) {
			/* a replay of a PING from before this session closed */
			srv->cnt.drop[DROP_NO_COOKIE]++;
			seal_key_wipe(&candidate);
			return;
		}
		s = session_create(srv, h.session, now);
		if (!s) {
			srv->cnt.drop[DROP_SESSION_CAP]++;
			log_limited(&rl_drop, "session table full (%u): datagram dropped",
				    srv->prm.max_sessions);
			return;
		}
		if (srv->sealed) {
			s->rx_key = candidate;
			seal_derive(srv->psk, s->id, s->epoch, true, &s->tx_key);
			seal_key_wipe(&candidate);
			/* nothing the client sent before this PING is accepted */
			window_set_floor(&s->rx, h.seq);
		}
	}
	window_commit(&s->rx, h.seq);
	p = session_path(s, from, now);
	p->last_rx = now;
	p->st.received++;
	s->last_rx = now;

	if (h.type == WIRE_PING) {
		struct wire_ping ping;

		if (wire_ping_decode(payload, h.len, &ping))
			send_pong(srv, s, p, &ping);
		return;
	}
	/* WIRE_DATA */
	{
		struct sflow *f = flow_find(srv, s, h.flow);

		if (!f) {
			f = flow_open(srv, s, h.flow, now);
			if (!f)
				return;
		}
		f->last = now;
		if (srv->nfwd == BATCH_MAX)
			flush_forward(srv);
		srv->fwd[srv->nfwd].f = f;
		srv->fwd[srv->nfwd].iov.iov_base = msg_unconst(payload);
		srv->fwd[srv->nfwd].iov.iov_len = h.len;
		srv->nfwd++;
	}
}

/*
 * ICMP errors for what we sent, from the socket's error queue (IP_RECVERR).
 * A port unreachable from a path's address means the bridge's socket is gone
 * (a restarted bridge comes back from a new port): forget that path now
 * rather than send into the void until --path-timeout.  A live path is
 * learnt again from its next datagram.
 */
static void drain_errors(struct server *srv)
{
	char ctrl[512];
	unsigned n, i, k;

	for (n = 0; n < SERVER_BATCH; n++) {
		struct addr dst;
		struct msghdr msg = {
			.msg_name = &dst.ss, .msg_namelen = sizeof(dst.ss),
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct cmsghdr *cm;
		bool refused = false;

		if (recvmsg(srv->lfd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		dst.len = msg.msg_namelen;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)) {
				struct sock_extended_err ee;

				memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
				refused = ee.ee_errno == ECONNREFUSED;
			}
		}
		if (!refused)
			continue;
		for (i = 0; i < srv->prm.max_sessions; i++) {
			struct session *s = &srv->sessions[i];

			if (!s->used)
				continue;
			for (k = 0; k < SERVER_MAX_PATHS; k++) {
				struct spath *p = &s->paths[k];
				char buf[ADDR_STRLEN];

				if (!p->last_rx || !addr_equal(&p->addr, &dst))
					continue;
				log_info("session %016llx: path %s unreachable (ICMP): forgotten",
					 (unsigned long long)s->id, addr_format(&dst, buf, sizeof(buf)));
				path_stats_add(&srv->other, &p->st);
				memset(p, 0, sizeof(*p));
				srv->cnt.unreachable++;
			}
		}
	}
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *srv = (struct server *)((char *)w - offsetof(struct server, lio));
	double now = ev_now(loop);
	unsigned round, i;

	(void)revents;
	for (round = 0; round < SERVER_BATCH / SERVER_RECV_BATCH; round++) {
		int n = batch_recv(&srv->inb, srv->lfd, 0);

		if (n < 0) {
			if (udp_err_transient(-n)) {
				drain_errors(srv);
				continue;
			}
			log_errno(n, "receiving on the tunnel port");
			break;
		}
		if (n == 0) {
			if (round == 0)	/* woken with nothing to read: errors */
				drain_errors(srv);
			break;
		}
		for (i = 0; i < (unsigned)n; i++)
			path_datagram(srv, &srv->inb.from[i], batch_slot(&srv->inb, i),
				      srv->inb.len[i], now);
		flush_forward(srv);
		if ((unsigned)n < srv->inb.cap)
			break;
	}
}

static void housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = (struct server *)((char *)w - offsetof(struct server, housekeeping));
	double now = ev_now(loop);
	unsigned i;

	(void)revents;
	for (i = 0; i < srv->prm.max_flows; i++) {
		struct sflow *f = &srv->flows[i];

		if (f->s && now - f->last > srv->prm.idle_timeout) {
			log_info("session %016llx: flow %u idle, closed",
				 (unsigned long long)f->s->id, f->id);
			flow_close(srv, f);
		}
	}
	for (i = 0; i < srv->prm.max_sessions; i++) {
		struct session *s = &srv->sessions[i];

		if (s->used && now - s->last_rx > srv->prm.session_timeout)
			session_close(srv, s, "idle");
	}
}

/* ---- life cycle ---- */

int server_init(struct server *srv, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *target, const uint8_t *psk)
{
	char buf[ADDR_STRLEN];
	struct rlimit rl;
	unsigned i;
	int rc;

	memset(srv, 0, sizeof(*srv));
	srv->loop = loop;
	srv->prm = *prm;
	srv->lfd = -1;
	srv->last_session = -1;
	srv->laddr = *listen;
	srv->target = *target;
	if (psk) {
		srv->sealed = true;
		memcpy(srv->psk, psk, SEAL_PSK_LEN);
		randombytes_buf(srv->cookie_secret, sizeof(srv->cookie_secret));
		srv->hs_epoch = random_u64_nonzero();
	}
	ratelimit_init(&srv->cookie_rl, 1000.0, 100.0);
	ratelimit_init(&srv->unknown_rl, 20000.0, 2000.0);
	ratelimit_init(&rl_drop, 1.0, 5.0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    srv->prm.max_flows + 16 > rl.rlim_cur) {
		srv->prm.max_flows = rl.rlim_cur > 32 ? (unsigned)rl.rlim_cur - 16 : 16;
		log_warnx("--max-flows lowered to %u by the open-files limit (ulimit -n %llu)",
			  srv->prm.max_flows, (unsigned long long)rl.rlim_cur);
	}
	srv->sessions = calloc(srv->prm.max_sessions, sizeof(*srv->sessions));
	srv->flows = calloc(srv->prm.max_flows, sizeof(*srv->flows));
	if (!srv->sessions || !srv->flows) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < srv->prm.max_flows; i++)
		srv->flows[i].fd = -1;
	for (i = 0; i < srv->prm.max_sessions; i++) {
		rc = window_init(&srv->sessions[i].rx, prm->window);
		if (rc)
			goto fail;
	}
	rc = batch_init(&srv->inb, SERVER_RECV_BATCH, SERVER_SLOT);
	if (rc == 0)
		rc = batch_init(&srv->rb, SERVER_RECV_BATCH, SERVER_SLOT);
	if (rc)
		goto fail;
	rc = udp_bind(listen, &srv->lfd);
	if (rc) {
		log_errno(rc, "cannot listen on %s", addr_format(listen, buf, sizeof(buf)));
		goto fail;
	}
	udp_set_buffers(srv->lfd, params_tunnel_buf(prm->sndbuf), params_tunnel_buf(prm->rcvbuf));
	udp_set_recverr(srv->lfd);
	ev_io_init(&srv->lio, listen_cb, srv->lfd, EV_READ);
	ev_timer_init(&srv->housekeeping, housekeeping_cb, 1.0, 1.0);
	return 0;
fail:
	server_free(srv);
	return rc;
}

void server_start(struct server *srv)
{
	ev_io_start(srv->loop, &srv->lio);
	ev_timer_start(srv->loop, &srv->housekeeping);
}

void server_stop(struct server *srv)
{
	unsigned i;

	ev_timer_stop(srv->loop, &srv->housekeeping);
	ev_io_stop(srv->loop, &srv->lio);
	for (i = 0; srv->flows && i < srv->prm.max_flows; i++)
		if (srv->flows[i].s)
			ev_io_stop(srv->loop, &srv->flows[i].io);
}

void server_free(struct server *srv)
{
	unsigned i;

	for (i = 0; srv->flows && i < srv->prm.max_flows; i++)
		if (srv->flows[i].fd >= 0)
			close(srv->flows[i].fd);
	for (i = 0; srv->sessions && i < srv->prm.max_sessions; i++)
		window_free(&srv->sessions[i].rx);
	if (srv->lfd >= 0)
		close(srv->lfd);
	srv->lfd = -1;
	for (i = 0; srv->sessions && i < srv->prm.max_sessions; i++) {
		seal_key_wipe(&srv->sessions[i].rx_key);
		seal_key_wipe(&srv->sessions[i].tx_key);
	}
	batch_free(&srv->inb);
	batch_free(&srv->rb);
	memset(srv->psk, 0, sizeof(srv->psk));
	memset(srv->cookie_secret, 0, sizeof(srv->cookie_secret));
	free(srv->flows);
	free(srv->sessions);
	srv->flows = NULL;
	srv->sessions = NULL;
}

void server_print_stats(const struct server *srv, FILE *f)
{
	char buf[ADDR_STRLEN], buf2[ADDR_STRLEN];
	unsigned i, k;

	fprintf(f, "mpserver: listening on %s, target %s, %u sessions, %u flows\n",
		addr_format(&srv->laddr, buf, sizeof(buf)),
		addr_format(&srv->target, buf2, sizeof(buf2)), srv->nsessions, srv->nflows);
	for (i = 0; i < srv->prm.max_sessions; i++) {
		const struct session *s = &srv->sessions[i];

		if (!s->used)
			continue;
		fprintf(f, "  session %016llx: %u flows\n", (unsigned long long)s->id, s->nflows);
		for (k = 0; k < SERVER_MAX_PATHS; k++) {
			const struct spath *p = &s->paths[k];

			if (!p->last_rx)
				continue;
			fprintf(f, "    path %s ", addr_format(&p->addr, buf, sizeof(buf)));
			path_stats_text(f, &p->st);
			fputc('\n', f);
		}
	}
	counters_text(f, &srv->cnt);
	fflush(f);
}

static void server_json(struct json *j, void *arg)
{
	const struct server *srv = arg;
	struct path_stats total = srv->other;
	char buf[ADDR_STRLEN];
	unsigned i, k;

	json_obj_open(j, NULL);
	json_str(j, "role", "server");
	json_bool(j, "sealed", srv->sealed);
	json_u64(j, "sessions_open", srv->nsessions);
	json_u64(j, "flows_open", srv->nflows);
	json_arr_open(j, "sessions");
	for (i = 0; i < srv->prm.max_sessions; i++) {
		const struct session *s = &srv->sessions[i];

		if (!s->used)
			continue;
		json_obj_open(j, NULL);
		snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)s->id);
		json_str(j, "session", buf);
		json_u64(j, "flows", s->nflows);
		json_arr_open(j, "paths");
		for (k = 0; k < SERVER_MAX_PATHS; k++) {
			const struct spath *p = &s->paths[k];

			if (!p->last_rx)
				continue;
			path_stats_add(&total, &p->st);
			json_obj_open(j, NULL);
			json_str(j, "peer", addr_format(&p->addr, buf, sizeof(buf)));
			path_stats_json(j, &p->st);
			json_obj_close(j);
		}
		json_arr_close(j);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_open(j, "total");
	path_stats_json(j, &total);
	json_obj_close(j);
	counters_json(j, &srv->cnt);
	json_obj_close(j);
}

void server_write_stats(struct server *srv)
{
	stats_dump_file(srv->prm.stats_file, server_json, srv);
}
