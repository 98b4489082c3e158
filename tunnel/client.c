/* client.c - mpclient: fan-out of application datagrams over every path,
 * de-duplication of what comes back. */
#include "client.h"
#include "log.h"
#include "msg.h"
#include "random.h"
#include "udp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ratelimit rl_drop;

/* ---- flows: one per application source address ---- */

static struct cflow *flow_by_addr(struct client *c, const struct addr *a)
{
	unsigned i;

	if (c->last_flow < c->prm.max_flows && c->flows[c->last_flow].id &&
	    addr_equal(&c->flows[c->last_flow].app, a))
		return &c->flows[c->last_flow];
	for (i = 0; i < c->prm.max_flows; i++) {
		if (c->flows[i].id && addr_equal(&c->flows[i].app, a)) {
			c->last_flow = i;
			return &c->flows[i];
		}
	}
	return NULL;
}

static struct cflow *flow_by_id(struct client *c, uint32_t id)
{
	unsigned i;

	if (c->last_flow < c->prm.max_flows && c->flows[c->last_flow].id == id)
		return &c->flows[c->last_flow];
	for (i = 0; i < c->prm.max_flows; i++)
		if (c->flows[i].id == id)
			return &c->flows[i];
	return NULL;
}

static struct cflow *flow_add(struct client *c, const struct addr *a, double now)
{
	struct cflow *slot = NULL, *oldest = NULL;
	char buf[ADDR_STRLEN];
	unsigned i;

	for (i = 0; i < c->prm.max_flows; i++) {
		struct cflow *f = &c->flows[i];

		if (!f->id) {
			slot = f;
			break;
		}
		if (!oldest || f->last < oldest->last)
			oldest = f;
	}
	if (!slot) {
		/* full: reuse the least recently used flow only if it is idle */
		if (!oldest || now - oldest->last < c->prm.idle_timeout)
			return NULL;
		slot = oldest;
		c->nflows--;
	}
	if (++c->next_flow == 0)
		c->next_flow = 1;
	slot->id = c->next_flow;
	slot->app = *a;
	slot->last = now;
	c->nflows++;
	log_info("flow %u from %s", slot->id, addr_format(a, buf, sizeof(buf)));
	return slot;
}

/* ---- sending ---- */

static uint8_t tx_flags(const struct client *c)
{
	return c->sealed ? WIRE_F_SEALED : 0;
}

/* Encode into out (the payload may already sit at out + WIRE_HDR_LEN) and seal. */
static size_t build(struct client *c, const struct wire_hdr *h, const void *payload,
		    uint8_t *out, size_t outlen)
{
	size_t n = wire_encode(h, payload, out, outlen);

	if (n && c->sealed && !seal_datagram(&c->tx_key, out, n))
		return 0;
	return n;
}

/* The same datagrams on every path, batched (GSO runs or sendmmsg). */
static void send_all_paths(struct client *c, struct iovec *dg, unsigned n)
{
	unsigned i;

	for (i = 0; i < c->npaths; i++) {
		struct cpath *p = &c->paths[i];
		unsigned sent = batch_send(p->fd, NULL, dg, n, &p->tx);

		p->st.sent += sent;
		if (sent < n) {
			p->st.send_errors += n - sent;
			if (!udp_err_transient(p->tx.last_err))
				log_limited(&rl_drop, "path %u (%s): send: %s", p->index, p->name,
					    strerror(p->tx.last_err));
		}
	}
}

static void send_ping(struct client *c, struct cpath *p)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_PING, .flags = tx_flags(c), .flow = 0,
		.session = c->session, .epoch = c->session, .seq = ++c->tx_seq,
		.len = WIRE_PING_LEN,
	};
	struct wire_ping ping = { .path = (uint16_t)p->index, .stamp = (uint64_t)(ev_now(c->loop) * 1e9) };
	uint8_t pl[WIRE_PING_LEN];
	size_t n;

	memcpy(ping.cookie, c->cookie, WIRE_COOKIE_LEN);
	wire_ping_encode(&ping, pl, sizeof(pl));
	n = build(c, &h, pl, c->txbuf, sizeof(c->txbuf));
	if (n == 0 || send(p->fd, c->txbuf, n, 0) < 0) {
		p->st.send_errors++;
	} else {
		p->st.sent++;
		p->st.pings++;
	}
}

/* A PING on every path now, out of turn (at most every 100 ms): after a
 * cookie, or when an unknown mpserver instance speaks. */
static void ping_burst(struct client *c, double now)
{
	unsigned i;

	if (c->last_burst > 0 && now - c->last_burst < 0.1)
		return;
	c->last_burst = now;
	for (i = 0; i < c->npaths; i++)
		send_ping(c, &c->paths[i]);
}

/* ---- application side ---- */

/* Turn the application datagram at slot + WIRE_HDR_LEN into a tunnel
 * datagram in place; returns its size, or 0 if it is dropped. */
static size_t app_encode(struct client *c, uint8_t *slot, const struct addr *src, size_t len,
			 double now)
{
	struct cflow *f;
	struct wire_hdr h;

	c->cnt.from_app++;
	if (len > WIRE_MAX_PAYLOAD) {
		c->cnt.drop[DROP_TOO_BIG]++;
		log_limited(&rl_drop, "dropping a %zu-byte datagram: the tunnel carries at most %d",
			    len, WIRE_MAX_PAYLOAD);
		return 0;
	}
	f = flow_by_addr(c, src);
	if (!f) {
		f = flow_add(c, src, now);
		if (!f) {
			c->cnt.drop[DROP_FLOW_CAP]++;
			log_limited(&rl_drop, "flow table full (%u flows): datagram dropped",
				    c->prm.max_flows);
			return 0;
		}
	}
	f->last = now;
	h = (struct wire_hdr){
		.version = WIRE_VERSION, .type = WIRE_DATA, .flags = tx_flags(c), .flow = f->id,
		.session = c->session, .epoch = c->session, .seq = ++c->tx_seq,
		.len = (uint16_t)len,
	};
	return build(c, &h, slot + WIRE_HDR_LEN, slot, CLIENT_SLOT);
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, lio));
	double now = ev_now(loop);
	unsigned round, i, k;

	(void)revents;
	for (round = 0; round < CLIENT_BATCH / CLIENT_RECV_BATCH; round++) {
		int n = batch_recv(&c->inb, c->lfd, WIRE_HDR_LEN);

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
			size_t len = app_encode(c, slot, &c->inb.from[i], c->inb.len[i], now);

			if (len) {
				c->out[k].iov_base = slot;
				c->out[k].iov_len = len;
				k++;
			}
		}
		if (k)
			send_all_paths(c, c->out, k);
		if ((unsigned)n < c->inb.cap)
			break;
	}
}

/* ---- path side ---- */

static bool epoch_retired(const struct client *c, uint64_t epoch)
{
	unsigned i;

	for (i = 0; i < c->nretired && i < CLIENT_RETIRED_EPOCHS; i++)
		if (c->retired[i] == epoch)
			return true;
	return false;
}

static void adopt_epoch(struct client *c, uint64_t epoch, const struct seal_key *key)
{
	if (c->srv_epoch) {
		c->retired[c->nretired % CLIENT_RETIRED_EPOCHS] = c->srv_epoch;
		c->nretired++;
		log_info("mpserver restarted (instance %016llx replaces %016llx)",
			 (unsigned long long)epoch, (unsigned long long)c->srv_epoch);
	} else {
		log_info("mpserver instance %016llx", (unsigned long long)epoch);
	}
	c->srv_epoch = epoch;
	if (key)
		c->rx_key = *key;
	window_reset(&c->rx);
}

static void path_up(struct cpath *p, double now)
{
	p->last_rx = now;
	if (!p->alive) {
		p->alive = true;
		log_info("path %u (%s) is up", p->index, p->name);
	}
}

/* Hand this batch's payloads to the applications, one batched send per run
 * of the same flow. */
static void flush_deliver(struct client *c)
{
	struct iovec iov[BATCH_MAX];
	unsigned i = 0;

	while (i < c->ndlv) {
		struct cflow *f = c->dlv[i].f;
		unsigned k = 0, sent;

		while (i + k < c->ndlv && c->dlv[i + k].f == f) {
			iov[k] = c->dlv[i + k].iov;
			k++;
		}
		sent = batch_send(c->lfd, &f->app, iov, k, &c->app_tx);
		c->cnt.delivered += sent;
		c->cnt.drop[DROP_TARGET] += k - sent;
		i += k;
	}
	c->ndlv = 0;
}

static void path_datagram(struct client *c, struct cpath *p, uint8_t *buf, size_t len,
			  double now)
{
	struct seal_key candidate;
	enum wire_drop why;
	enum window_verdict v;
	const uint8_t *payload;
	struct wire_ping pong;
	struct wire_hdr h;
	bool new_epoch, pong_ok = false;
	double sent = 0;

	if (len > WIRE_MAX_DGRAM || !wire_decode(buf, len, &h, &payload, &why)) {
		if (len > WIRE_MAX_DGRAM)
			why = WIRE_E_LENGTH;
		c->cnt.wire[why]++;
		p->st.malformed++;
		log_limited(&rl_drop, "path %u: malformed datagram (%s)", p->index,
			    wire_drop_name(why));
		return;
	}
	if (!(h.flags & WIRE_F_SERVER)) {
		c->cnt.drop[DROP_DIRECTION]++;
		return;
	}
	if (c->sealed != !!(h.flags & WIRE_F_SEALED)) {
		/* keyed: plaintext is refused; keyless: sealed cannot be read */
		c->cnt.drop[c->sealed ? DROP_PLAINTEXT : DROP_BAD_TAG]++;
		return;
	}
	if (h.session != c->session) {
		c->cnt.drop[DROP_SESSION]++;
		return;
	}
	if (h.type == WIRE_PING || (h.type == WIRE_COOKIE && !c->sealed)) {
		c->cnt.drop[DROP_TYPE]++;
		return;
	}
	if (h.type == WIRE_COOKIE) {
		/* not windowed: a replayed cookie only makes us ping (rate-limited) */
		seal_derive_for(c->psk, &h, &candidate);
		if (!open_datagram(&candidate, &h, buf, len)) {
			c->cnt.drop[DROP_BAD_TAG]++;
			return;
		}
		memcpy(c->cookie, payload, WIRE_COOKIE_LEN);
		c->cnt.cookies++;
		ping_burst(c, now);
		return;
	}
	new_epoch = h.epoch != c->srv_epoch;
	if (new_epoch && (epoch_retired(c, h.epoch) || h.type != WIRE_PONG)) {
		/* a new mpserver instance is adopted only by a fresh PONG */
		c->cnt.drop[DROP_EPOCH]++;
		if (!epoch_retired(c, h.epoch))
			ping_burst(c, now);
		return;
	}
	v = new_epoch ? WINDOW_NEW : window_check(&c->rx, h.seq);
	if (v == WINDOW_DUP) {
		p->st.duplicates++;
		return;
	}
	if (v == WINDOW_OLD) {
		p->st.too_old++;
		return;
	}
	/* authenticate before anything is committed or adopted */
	if (c->sealed) {
		const struct seal_key *k = &c->rx_key;

		if (new_epoch) {
			seal_derive_for(c->psk, &h, &candidate);
			k = &candidate;
		}
		if (!open_datagram(k, &h, buf, len)) {
			c->cnt.drop[DROP_BAD_TAG]++;
			log_limited(&rl_drop, "path %u: datagram failed authentication", p->index);
			return;
		}
	}
	if (h.type == WIRE_PONG) {
		/* our PING echoed: sent on this path, at our clock's `sent` */
		pong_ok = wire_ping_decode(payload, h.len, &pong) && pong.path == p->index;
		sent = pong_ok ? (double)pong.stamp / 1e9 : 0;
		pong_ok = pong_ok && sent <= now;
	}
	if (new_epoch) {
		/* it must answer one of our recent PINGs on this path: an old
		 * instance's datagrams replayed cannot pass for a new instance */
		if (!pong_ok || now - sent > c->prm.path_timeout) {
			c->cnt.drop[DROP_EPOCH]++;
			return;
		}
		adopt_epoch(c, h.epoch, c->sealed ? &candidate : NULL);
	}
	window_commit(&c->rx, h.seq);
	p->st.received++;
	path_up(p, now);

	if (h.type == WIRE_PONG) {
		if (pong_ok)
			p->rtt = now - sent;
		return;
	}
	/* WIRE_DATA */
	{
		struct cflow *f = flow_by_id(c, h.flow);

		if (!f) {
			c->cnt.drop[DROP_NO_FLOW]++;
			return;
		}
		f->last = now;
		if (c->ndlv == BATCH_MAX)
			flush_deliver(c);
		c->dlv[c->ndlv].f = f;
		c->dlv[c->ndlv].iov.iov_base = msg_unconst(payload);
		c->dlv[c->ndlv].iov.iov_len = h.len;
		c->ndlv++;
	}
}

static void path_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cpath *p = (struct cpath *)((char *)w - offsetof(struct cpath, io));
	struct client *c = p->c;
	double now = ev_now(loop);
	unsigned round, i;

	(void)revents;
	for (round = 0; round < CLIENT_BATCH / CLIENT_RECV_BATCH; round++) {
		int n = batch_recv(&c->pb, p->fd, 0);

		if (n < 0) {
			if (udp_err_transient(-n)) {
				p->st.send_errors++;	/* ICMP error for an earlier send */
				continue;
			}
			log_errno(n, "path %u (%s): recv", p->index, p->name);
			break;
		}
		for (i = 0; i < (unsigned)n; i++)
			path_datagram(c, p, batch_slot(&c->pb, i), c->pb.len[i], now);
		flush_deliver(c);
		if ((unsigned)n < c->pb.cap)
			break;
	}
}

/* ---- timers ---- */

static void keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, keepalive));
	unsigned i;

	(void)loop;
	(void)revents;
	for (i = 0; i < c->npaths; i++)
		send_ping(c, &c->paths[i]);
}

static void housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, housekeeping));
	double now = ev_now(loop);
	unsigned i;

	(void)revents;
	for (i = 0; i < c->npaths; i++) {
		struct cpath *p = &c->paths[i];

		if (p->alive && now - p->last_rx > c->prm.path_timeout) {
			p->alive = false;
			log_info("path %u (%s) is down: silent for %.1fs", p->index, p->name,
				 now - p->last_rx);
		}
	}
	for (i = 0; i < c->prm.max_flows; i++) {
		struct cflow *f = &c->flows[i];

		if (f->id && now - f->last > c->prm.idle_timeout) {
			log_info("flow %u idle, forgotten", f->id);
			f->id = 0;
			c->nflows--;
		}
	}
}

/* ---- life cycle ---- */

int client_init(struct client *c, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *bridges, const char *const *names,
		unsigned nbridges, const uint8_t *psk)
{
	char buf[ADDR_STRLEN];
	unsigned i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->prm = *prm;
	c->lfd = -1;
	for (i = 0; i < CONFIG_MAX_BRIDGES; i++)
		c->paths[i].fd = -1;
	ratelimit_init(&rl_drop, 1.0, 5.0);
	if (nbridges == 0 || nbridges > CONFIG_MAX_BRIDGES)
		return -EINVAL;
	rc = window_init(&c->rx, prm->window);
	if (rc)
		goto fail;
	rc = batch_init(&c->inb, CLIENT_RECV_BATCH, CLIENT_SLOT);
	if (rc == 0)
		rc = batch_init(&c->pb, CLIENT_RECV_BATCH, CLIENT_SLOT);
	if (rc)
		goto fail;
	c->flows = calloc(prm->max_flows, sizeof(*c->flows));
	if (!c->flows) {
		rc = -ENOMEM;
		goto fail;
	}
	c->session = random_u64_nonzero();
	if (psk) {
		c->sealed = true;
		memcpy(c->psk, psk, SEAL_PSK_LEN);
		seal_derive(c->psk, c->session, c->session, false, &c->tx_key);
	}
	c->laddr = *listen;
	rc = udp_bind(listen, &c->lfd);
	if (rc) {
		log_errno(rc, "cannot listen on %s", addr_format(listen, buf, sizeof(buf)));
		goto fail;
	}
	udp_set_buffers(c->lfd, params_tunnel_buf(prm->sndbuf), params_tunnel_buf(prm->rcvbuf));
	for (i = 0; i < nbridges; i++) {
		struct cpath *p = &c->paths[i];

		p->c = c;
		p->index = i;
		p->peer = bridges[i];
		p->rtt = -1;
		snprintf(p->name, sizeof(p->name), "%s", names ? names[i] :
			 addr_format(&bridges[i], buf, sizeof(buf)));
		rc = udp_connect(&bridges[i], NULL, &p->fd);
		if (rc) {
			log_errno(rc, "path %u: cannot open a socket to %s", i, p->name);
			goto fail;
		}
		udp_set_buffers(p->fd, params_tunnel_buf(prm->sndbuf), params_tunnel_buf(prm->rcvbuf));
		ev_io_init(&p->io, path_cb, p->fd, EV_READ);
		c->npaths++;
	}
	ev_io_init(&c->lio, listen_cb, c->lfd, EV_READ);
	ev_timer_init(&c->keepalive, keepalive_cb, 0.0, prm->keepalive);
	ev_timer_init(&c->housekeeping, housekeeping_cb, 0.25, 0.25);
	return 0;
fail:
	client_free(c);
	return rc;
}

void client_start(struct client *c)
{
	unsigned i;

	for (i = 0; i < c->npaths; i++)
		ev_io_start(c->loop, &c->paths[i].io);
	ev_io_start(c->loop, &c->lio);
	ev_timer_start(c->loop, &c->keepalive);
	ev_timer_start(c->loop, &c->housekeeping);
}

void client_stop(struct client *c)
{
	unsigned i;

	ev_timer_stop(c->loop, &c->housekeeping);
	ev_timer_stop(c->loop, &c->keepalive);
	ev_io_stop(c->loop, &c->lio);
	for (i = 0; i < c->npaths; i++)
		ev_io_stop(c->loop, &c->paths[i].io);
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
	c->lfd = -1;
	free(c->flows);
	c->flows = NULL;
	window_free(&c->rx);
	batch_free(&c->inb);
	batch_free(&c->pb);
	seal_key_wipe(&c->tx_key);
	seal_key_wipe(&c->rx_key);
	memset(c->psk, 0, sizeof(c->psk));
}

void client_print_stats(const struct client *c, FILE *f)
{
	char buf[ADDR_STRLEN];
	unsigned i;

	fprintf(f, "mpclient: session %016llx, listening on %s, %u paths, %u flows\n",
		(unsigned long long)c->session, addr_format(&c->laddr, buf, sizeof(buf)),
		c->npaths, c->nflows);
	for (i = 0; i < c->npaths; i++) {
		const struct cpath *p = &c->paths[i];

		fprintf(f, "  path %u %s %s rtt ", p->index, p->name, p->alive ? "up" : "down");
		if (p->rtt >= 0)
			fprintf(f, "%.3fms ", p->rtt * 1e3);
		else
			fprintf(f, "- ");
		path_stats_text(f, &p->st);
		fputc('\n', f);
	}
	counters_text(f, &c->cnt);
	fflush(f);
}

static void client_json(struct json *j, void *arg)
{
	const struct client *c = arg;
	char buf[32];
	unsigned i;

	json_obj_open(j, NULL);
	json_str(j, "role", "client");
	json_bool(j, "sealed", c->sealed);
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)c->session);
	json_str(j, "session", buf);
	json_u64(j, "flows", c->nflows);
	json_arr_open(j, "paths");
	for (i = 0; i < c->npaths; i++) {
		const struct cpath *p = &c->paths[i];

		json_obj_open(j, NULL);
		json_u64(j, "index", p->index);
		json_str(j, "peer", p->name);
		json_bool(j, "alive", p->alive);
		json_dbl(j, "rtt_ms", p->rtt >= 0 ? p->rtt * 1e3 : -1);
		path_stats_json(j, &p->st);
		json_obj_close(j);
	}
	json_arr_close(j);
	counters_json(j, &c->cnt);
	json_obj_close(j);
}

void client_write_stats(struct client *c)
{
	stats_dump_file(c->prm.stats_file, client_json, c);
}
