/* client_core.c - mpclient's state: set-up, what it sends, its timers.
 * The receive decisions are in client_rx.c. */
#include "client_core.h"
#include "event.h"
#include "fec_ctl.h"
#include "log.h"
#include "pathsel.h"
#include "tx.h"
#include "random.h"

#include <errno.h>
#include <math.h>
#include <string.h>

int client_core_init(struct client_core *c, const struct tunnel_params *prm, unsigned npaths,
		     const uint8_t *psk, uint64_t session)
{
	unsigned i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->prm = *prm;
	c->last_burst = -1;
	c->suspect_probe = -1;
	c->unanswered = -1;
	c->last_probe = -1;
	ratelimit_init(&c->open_rl, 10.0, 50.0);
	ratelimit_init(&c->mtu_rl, 1.0, 3.0);
	drops_init(&c->drops, &c->cnt);
	ratelimit_init(&c->notice_rl, 1.0, 3.0);
	for (i = 0; i < DROP__COUNT; i++)
		ratelimit_init(&c->peer_rl[i], 1.0, 3.0);
	if (npaths == 0 || npaths > CLIENT_MAX_PATHS)
		return -EINVAL;
	rc = window_init(&c->rx, prm->window);
	if (rc)
		return rc;
	rc = cflow_table_init(&c->flows, prm->max_flows);
	if (rc) {
		window_free(&c->rx);
		return rc;
	}
	c->npaths = npaths;
	for (i = 0; i < npaths; i++) {
		c->paths[i].used = true;
		c->ids_used |= 1u << i;
		c->paths[i].index = i;
		c->paths[i].name = "";
		c->paths[i].rtt = -1;
		pathq_init(&c->paths[i].q);
		plpmtud_init(&c->paths[i].pmtu, CLIENT_PMTU_BASE, WIRE_MAX_DGRAM, CLIENT_PMTU_CONFIRM, 0);
	}
	ratelimit_init(&c->state_rl, 2.0, 10.0);
	c->session = session ? session : random_u64_nonzero();
	c->srv_red.mode = WIRE_RED_BROADCAST;
	c->ask_red = prm->red;
	if (prm->red.mode == WIRE_RED_AUTO) {	/* broadcast until the paths are measured */
		c->ask_red.mode = WIRE_RED_BROADCAST;
		c->ask_red.k = c->ask_red.m = 0;
		c->fec_tx.pool_k = FEC_CTL_K_MAX;	/* its codes change in place within these */
		c->fec_tx.pool_m = FEC_CTL_M_MAX;
	}
	c->auto_tx_at = c->auto_rx_at = -1e9;	/* no change yet */
	c->auto_rate_at = -1;	/* the rates: not measured yet */
	if (prm->red.mode == WIRE_RED_FEC) {
		rc = fec_send_apply(&c->fec_tx, &prm->red, prm->fec_depth, 0);
		if (rc) {
			client_core_free(c);
			return rc;
		}
	}
	for (i = 0; i < npaths; i++)	/* an unpadded PING: BASE's control */
		plpmtud_set_min(&c->paths[i].pmtu, (uint16_t)(WIRE_HDR_LEN + WIRE_PING_LEN +
							     (psk ? WIRE_TAG_LEN : WIRE_CRC_LEN)));
	if (keyring_init(&c->keys, psk, prm->suite) != 0 ||
	    (psk && seal_key_derive(&c->tx_key, &c->keys.psk, c->session, c->session, false))) {
		client_core_free(c);
		return -EINVAL;
	}
	return 0;
}

void client_core_free(struct client_core *c)
{
	fec_send_free(&c->fec_tx);
	fec_recv_free(&c->fec_rx);
	cflow_table_free(&c->flows);
	window_free(&c->rx);
	seal_key_wipe(&c->tx_key);
	seal_key_wipe(&c->rx_key);
	seal_key_wipe(&c->old_rx_key);
	keyring_wipe(&c->keys);
}

/* Every path in use (a reload adds and removes paths) whose link is up. */
uint16_t client_core_sendable(const struct client_core *c)
{
	uint16_t all = 0;
	unsigned i;

	for (i = 0; i < c->npaths; i++)
		if (c->paths[i].used && !c->paths[i].link_down)
			all |= (uint16_t)(1u << i);
	return all;
}

void client_core_path_role(struct client_core *c, unsigned i, bool backup)
{
	struct cpath_state *p = &c->paths[i];

	if (i >= CLIENT_MAX_PATHS || !p->used || p->backup == backup)
		return;
	p->backup = backup;
	p->role_said = false;	/* PINGed until a PONG shows mpserver heard the role */
	p->probe = true;
	event_log("path_role", "path %u (%s) is a %s path", p->index, p->name,
		  backup ? "backup" : "primary");
}

double client_path_idle(const struct client_core *c, const struct cpath_state *p)
{
	return p->backup ? pathsel_idle(c->prm.keepalive, c->prm.path_timeout) :
			   c->prm.path_timeout;
}

uint16_t client_core_txpaths(const struct client_core *c)
{
	struct pathsel s = { .usable = client_core_sendable(c) };
	bool any_up = false;
	unsigned i;

	for (i = 0; i < CLIENT_MAX_PATHS; i++) {
		s.loss[i] = NAN;
		if (i < c->npaths && c->paths[i].used && c->paths[i].q.state == PATHQ_UP)
			any_up = true;
	}
	for (i = 0; i < c->npaths; i++) {
		const struct cpath_state *p = &c->paths[i];

		if (!p->used)
			continue;
		/* down by the rule; with FEC, never heard while another path
		 * is heard counts as down too (a symbol on a path that never
		 * worked is likely lost; its PINGs go on), and so does a path
		 * silent in our direction (pathq_tx_check); broadcast copies go
		 * on both: the peer's answers to them are how they are learnt */
		if (p->q.state == PATHQ_DOWN ||
		    (fec_send_active(&c->fec_tx) &&
		     ((p->q.state == PATHQ_UNKNOWN && any_up) || p->q.tx_silent)))
			s.down |= (uint16_t)(1u << i);
		if (p->backup)
			s.backup |= (uint16_t)(1u << i);
		s.loss[i] = pathq_loss(&p->q, PATHQ_TX);
	}
	return pathsel_pick(&s, PATHSEL_TARGET_LOSS);
}

bool client_core_path_link(struct client_core *c, unsigned i, bool up, const char *why)
{
	struct cpath_state *p = &c->paths[i];

	if (i >= CLIENT_MAX_PATHS || !p->used || p->link_down == !up)
		return false;
	p->link_down = !up;
	if (up)
		plpmtud_reset(&p->pmtu, 0, 0);	/* another link now, maybe: search again */
	else
		p->q.state = PATHQ_DOWN;	/* at once; up again at its next datagram (pathq.h) */
	p->probe = up;	/* down by the down rule meanwhile: a PING brings it back at once */
	event_log(up ? "path_link_up" : "path_link_down", "path %u (%s): link %s: %s", p->index,
		  p->name, up ? "up" : "down", why);
	return true;
}

size_t client_overhead(const struct client_core *c, bool fec)
{
	return WIRE_HDR_LEN + (fec ? WIRE_EXT_LEN : 0) + (c->keys.sealed ? WIRE_TAG_LEN : WIRE_CRC_LEN);
}

uint16_t client_paths_fit(const struct client_core *c, uint16_t paths, size_t size)
{
	uint16_t fit = 0;
	unsigned i;

	for (i = 0; i < c->npaths; i++) {
		uint16_t cap = plpmtud_cap(&c->paths[i].pmtu);

		if (((paths >> i) & 1) && (cap == 0 || size <= cap))
			fit |= (uint16_t)(1u << i);
	}
	return fit;
}

/* len bytes of payload fit no path it could go on: counted, said (rate-limited)
 * with the largest payload a path carries. */
static void too_big_for_paths(struct client_core *c, size_t len, double now)
{
	size_t over = client_overhead(c, fec_send_active(&c->fec_tx)), best = 0;
	unsigned i, path = 0;

	drops_count(&c->drops, NULL, DROP_PATH_MTU, WIRE_OK, 1, 0);
	for (i = 0; i < c->npaths; i++) {
		uint16_t cap = plpmtud_cap(&c->paths[i].pmtu);

		if (c->paths[i].used && !c->paths[i].link_down && cap > over && cap - over > best) {
			best = cap - over;
			path = i;
		}
	}
	log_limited(&c->mtu_rl, "datagram of %zu bytes dropped (path_mtu): larger than any path "
		    "carries; the largest payload is %zu bytes (path %u, %s: %zu-byte datagrams, "
		    "%zu bytes of tunnel overhead)", len, best, path, c->paths[path].name,
		    best + over, over);
	(void)now;
}

/* A new flow from src (of SOCKS5 association assoc to named, or of the
 * local port when assoc is 0): RX_NONE when the table is full (counted). */
static uint32_t flow_new(struct client_core *c, const struct addr *src, uint32_t assoc,
			 const struct target *named, double now)
{
	char buf[ADDR_STRLEN], tb[80];
	uint32_t evicted, f;

	f = cflow_add_assoc(&c->flows, src, assoc, named, now, c->prm.idle_timeout, &evicted);
	if (f == RX_NONE) {
		drops_count(&c->drops, NULL, DROP_FLOW_CAP, WIRE_OK, 1, 0);
		return RX_NONE;
	}
	if (evicted)
		c->cnt.evicted_flows++;
	if (!assoc)
		c->flows.f[f].named = c->prm.target;	/* --target, or none */
	if (ratelimit_allow(&c->open_rl, now, NULL))
		event_log("flow_open", "flow %u from %s%s%s%s", c->flows.f[f].id,
			  addr_format(src, buf, sizeof(buf)),
			  c->flows.f[f].named.kind ? " to " : "",
			  c->flows.f[f].named.kind ? target_format(&c->flows.f[f].named, tb, sizeof(tb)) : "",
			  evicted ? " (table full: replaces a flow never answered)" : "");
	return f;
}

/* DATA of flow f: len bytes (the target descriptor first when tflags has
 * TARGET) at dg + WIRE_HDR_LEN become a tunnel datagram starting at dg. */
static size_t tx_flow(struct client_core *c, uint32_t f, uint8_t *dg, size_t room, size_t len,
		      uint8_t tflags, double now)
{
	struct wire_hdr h;
	uint16_t fits;

	c->tx_paths = client_core_txpaths(c);
	if (!c->tx_paths) {
		drops_count(&c->drops, NULL, DROP_NO_PATH, WIRE_OK, 1, 0);
		return 0;
	}
	/* only the paths not known to lose a datagram of this size */
	fits = client_paths_fit(c, c->tx_paths, len + client_overhead(c, fec_send_active(&c->fec_tx)));
	if (!fits) {
		too_big_for_paths(c, len, now);
		return 0;
	}
	c->tx_paths = fits;
	if (c->keys.sealed && c->unanswered < 0)
		c->unanswered = now;
	h = (struct wire_hdr){
		.version = WIRE_VERSION, .type = WIRE_DATA, .flags = tx_flags(false) | tflags,
		.server = c->server_id, .flow = c->flows.f[f].id,
		.session = c->session, .epoch = c->session,
		.seq = ++c->tx_seq, .len = (uint16_t)len,
	};
	if (fec_send_active(&c->fec_tx)) {
		bool coded;

		/* coded from the plaintext, before sealing; the extension makes
		 * the header 8 bytes longer (wire_encode moves the payload); over
		 * the paths chosen (pathsel) that carry its size */
		c->tx_paths = fec_send_data(&c->fec_tx, (uint64_t)(now * 1e6), h.seq, h.flow, h.flags,
					    dg + WIRE_HDR_LEN, len, fits, &h.ext,
					    &coded, &c->cnt.fec);
		if (coded)
			h.flags |= WIRE_F_FEC;
	}
	tx_keyed(&h, &c->keys);
	return tx_build(&c->tx_key, &h, dg + WIRE_HDR_LEN, dg, room);
}

size_t client_tx_data(struct client_core *c, uint8_t *slot, size_t slotlen,
		      const struct addr *src, size_t len, double now)
{
	uint8_t tflags = 0;
	uint32_t f;

	c->cnt.from_app++;
	if (len > WIRE_MAX_PAYLOAD) {
		drops_count(&c->drops, NULL, DROP_TOO_BIG, WIRE_OK, 1, 0);
		return 0;
	}
	f = cflow_by_addr(&c->flows, src);
	if (f == RX_NONE && (f = flow_new(c, src, 0, NULL, now)) == RX_NONE)
		return 0;
	cflow_touch(&c->flows, f, now);
	if (c->flows.f[f].named.kind) {
		/* the flow names its target (PROTOCOL.md, target descriptor) in
		 * front of the application's bytes, on every DATA */
		const struct target *t = &c->flows.f[f].named;
		size_t d = target_desc_len(t);

		if (len + d > WIRE_MAX_PAYLOAD) {
			drops_count(&c->drops, NULL, DROP_TOO_BIG, WIRE_OK, 1, 0);
			return 0;
		}
		memmove(slot + WIRE_HDR_LEN + d, slot + WIRE_HDR_LEN, len);
		target_desc_encode(t, slot + WIRE_HDR_LEN, d);
		len += d;
		tflags = WIRE_F_TARGET;
	}
	return tx_flow(c, f, slot, slotlen, len, tflags, now);
}

size_t client_tx_data_to(struct client_core *c, uint8_t *dg, size_t room, const struct addr *src,
			 uint32_t assoc, const struct target *t, size_t len, double now)
{
	size_t d = target_desc_len(t);
	uint32_t f;

	c->cnt.from_app++;
	if (len + d > WIRE_MAX_PAYLOAD) {
		drops_count(&c->drops, NULL, DROP_TOO_BIG, WIRE_OK, 1, 0);
		return 0;
	}
	f = cflow_find(&c->flows, src, assoc, t);
	if (f == RX_NONE && (f = flow_new(c, src, assoc, t, now)) == RX_NONE)
		return 0;
	cflow_touch(&c->flows, f, now);
	target_desc_encode(t, dg + WIRE_HDR_LEN, d);
	return tx_flow(c, f, dg, room, len + d, WIRE_F_TARGET, now);
}

void client_core_assoc_close(struct client_core *c, uint32_t assoc)
{
	uint32_t f;

	for (f = 0; c->flows.n && f < c->flows.max; f++)
		if (c->flows.f[f].id && c->flows.f[f].assoc == assoc)
			cflow_remove(&c->flows, f);
}

size_t client_tx_parity(struct client_core *c, double now, uint8_t *out, size_t outlen,
			unsigned *path)
{
	struct fec_tx_out o;
	struct wire_hdr h;
	const uint8_t *payload;
	size_t n;

	if (!fec_send_parity(&c->fec_tx, (uint64_t)(now * 1e6), client_core_txpaths(c), &o,
			     &c->cnt.fec))
		return 0;
	if (!tx_fec_hdr(&o, false, c->server_id, c->session, c->session, &c->tx_seq, &h, &payload))
		return 0;
	tx_keyed(&h, &c->keys);
	n = tx_build(&c->tx_key, &h, payload, out, outlen);
	*path = o.path < c->npaths ? o.path : 0;
	if (n && !client_paths_fit(c, (uint16_t)(1u << *path), n)) {
		/* a parity symbol is 16 bytes over its block's largest datagram:
		 * on a path that carries it, if one does */
		uint16_t fit = client_paths_fit(c, client_core_txpaths(c), n);
		unsigned i;

		for (i = 0; i < c->npaths; i++)
			if ((fit >> i) & 1) {
				*path = i;
				break;
			}
	}
	return n;
}

double client_fec_deadline(const struct client_core *c)
{
	uint64_t d = fec_send_deadline(&c->fec_tx);

	return d == UINT64_MAX ? -1.0 : (double)d / 1e6;
}

/* What every PING of path p says, an MTU probe's too: the cookie, the
 * path's role, the redundancy asked for server -> client (the option, or
 * what auto chose), the path's name. */
static void ping_fill(const struct client_core *c, const struct cpath_state *p,
		      struct wire_ping *ping)
{
	memcpy(ping->token, c->cookie, WIRE_COOKIE_LEN);
	ping->path_flags = p->backup ? WIRE_PATH_F_BACKUP : 0;
	redundancy_to_ping(c->prm.red.mode == WIRE_RED_AUTO ? &c->ask_red : &c->prm.red, ping);
	if (p->name) {
		size_t nl = strnlen(p->name, sizeof(ping->name));

		memcpy(ping->name, p->name, nl);	/* NUL-padded, not terminated when 16 */
	}
}

size_t client_tx_ping(struct client_core *c, unsigned path, double now, uint8_t *out,
		      size_t outlen)
{
	struct cpath_state *p = &c->paths[path];
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_PING, .flags = tx_flags(false),
		.server = c->server_id, .path = (uint8_t)path, .flow = 0,
		.session = c->session, .epoch = c->session, .seq = ++c->tx_seq,
		.path_seq = ++p->tx_pseq, .stamp = (uint32_t)(uint64_t)(now * 1e6),
		.len = WIRE_PING_LEN,
	};
	struct wire_ping ping = { .stamp = (uint64_t)(now * 1e9) };
	uint8_t pl[WIRE_PING_LEN];

	ping_fill(c, p, &ping);
	tx_keyed(&h, &c->keys);
	wire_ping_encode(&ping, WIRE_PING_LEN, pl, sizeof(pl));
	return tx_build(&c->tx_key, &h, pl, out, outlen);
}

size_t client_tx_probe(struct client_core *c, unsigned path, uint16_t size, double now,
		       uint8_t *out, size_t outlen)
{
	struct cpath_state *p = &c->paths[path];
	size_t over = WIRE_HDR_LEN + (c->keys.sealed ? WIRE_TAG_LEN : WIRE_CRC_LEN), plen;
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_PING, .flags = tx_flags(false),
		.server = c->server_id, .path = (uint8_t)path, .flow = 0,
		.session = c->session, .epoch = c->session, .seq = ++c->tx_seq,
		.path_seq = ++p->tx_pseq, .stamp = (uint32_t)(uint64_t)(now * 1e6),
	};
	struct wire_ping ping = { .stamp = (uint64_t)(now * 1e9), .probe_size = size };

	if (size < over + WIRE_PING_LEN || size > outlen || size > WIRE_MAX_DGRAM)
		return 0;
	plen = size - over;
	h.len = (uint16_t)plen;
	ping_fill(c, p, &ping);
	tx_keyed(&h, &c->keys);
	/* the padded payload in place after the header (tx_build moves nothing) */
	if (wire_ping_encode(&ping, plen, out + WIRE_HDR_LEN, outlen - WIRE_HDR_LEN) != plen)
		return 0;
	return tx_build(&c->tx_key, &h, out + WIRE_HDR_LEN, out, outlen);
}

size_t client_build_pong(struct client_core *c, unsigned path, const struct wire_ping *ping,
			 size_t ping_size, double now)
{
	struct cpath_state *p = &c->paths[path];
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_PONG, .flags = tx_flags(false),
		.server = c->server_id, .path = (uint8_t)path, .flow = 0,
		.session = c->session, .epoch = c->session, .seq = ++c->tx_seq,
		.path_seq = ++p->tx_pseq, .stamp = (uint32_t)(uint64_t)(now * 1e6),
		.len = WIRE_PING_LEN,
	};
	struct wire_ping pong = *ping;
	uint8_t pl[WIRE_PING_LEN];

	/* the PING's size as received; what we apply: broadcast, until FEC lands */
	pong.probe_size = (uint16_t)(ping_size > 0xffff ? 0xffff : ping_size);
	pong.redundancy = WIRE_RED_BROADCAST;
	pong.fec_k = pong.fec_m = 0;
	pong.fec_wait = 0;
	pong.target_loss = 0;
	tx_keyed(&h, &c->keys);
	wire_ping_encode(&pong, WIRE_PING_LEN, pl, sizeof(pl));
	return tx_build(&c->tx_key, &h, pl, c->reply, sizeof(c->reply));
}

void client_tx_stamp(struct client_core *c, unsigned path, uint8_t *dgram, size_t len, double now)
{
	wire_set_per_path(dgram, len, (uint8_t)path, ++c->paths[path].tx_pseq, pathmeas_stamp(now));
	bool traffic = wire_is_traffic(dgram, len);

	pathq_on_tx(&c->paths[path].q, (unsigned)len, traffic, now);
	if (traffic)
		pathq_sent_traffic(&c->paths[path].q, now);
}

size_t client_tx_feedback(struct client_core *c, unsigned path, double now, uint8_t *out,
			  size_t outlen)
{
	struct wire_feedback fb = { .count = 1 };
	uint8_t pl[WIRE_FEEDBACK_HDR + WIRE_FEEDBACK_ENTRY];
	struct cpath_state *p = &c->paths[path];
	struct wire_hdr h;
	size_t n;

	if (!p->used || p->link_down || c->srv_epoch == 0 || !pathq_feedback_due(&p->q, now) ||
	    !pathq_feedback_entry(&p->q, (uint8_t)path, now, &fb.e[0]))
		return 0;
	n = wire_feedback_encode(&fb, pl, sizeof(pl));
	h = (struct wire_hdr){
		.version = WIRE_VERSION, .type = WIRE_FEEDBACK, .flags = tx_flags(false),
		.server = c->server_id, .flow = 0, .session = c->session, .epoch = c->session,
		.seq = ++c->tx_seq, .len = (uint16_t)n,
	};
	tx_keyed(&h, &c->keys);
	n = n ? tx_build(&c->tx_key, &h, pl, out, outlen) : 0;
	if (n)
		client_tx_stamp(c, path, out, n, now);
	return n;
}

/* FEC: the symbols in flight on a path that just left the stripe go again */
static void client_fec_resend(struct client_core *c)
{
	uint16_t live = client_core_txpaths(c), gone = c->fec_tx.striped & ~live;
	unsigned i;

	c->fec_tx.striped = live;
	if (!c->fec_tx.tx)
		return;
	for (i = 0; i < c->npaths && gone; i++) {
		const struct pathq *q = &c->paths[i].q;
		double since = 0, srtt = pathq_srtt(q);

		if (!((gone >> i) & 1))
			continue;
		gone &= (uint16_t)~(1u << i);
		/* what went after the last datagram it confirmed may be lost */
		if (q->tx.fb_at > 0)
			since = q->tx.fb_at - (isnan(srtt) ? 0.1 : srtt) - 2 * PATHQ_FEEDBACK_MIN;
		fec_send_resend(&c->fec_tx, i, since > 0 ? (uint64_t)(since * 1e6) : 0);
	}
}

bool client_measure_tick(struct client_core *c, double now, bool judge)
{
	double newest;
	uint64_t others;
	unsigned i, k;
	bool suspect = false;

	for (i = 0; i < c->npaths; i++) {
		struct cpath_state *p = &c->paths[i];

		if (!p->used)
			continue;
		for (k = 0, newest = 0, others = 0; k < c->npaths; k++) {
			if (k == i || !c->paths[k].used)
				continue;
			others += c->paths[k].q.rx.datagrams;
			if (c->paths[k].q.rx.last_rx > newest)
				newest = c->paths[k].q.rx.last_rx;
		}
		if (judge && pathq_check(&p->q, now, newest, others, client_path_idle(c, p))) {
			/* probed at once, then backing off to the keepalive: a
			 * stall that looked like a failure costs one RTT, a dead
			 * path soon only the keepalive's PINGs */
			p->probe_gap = CLIENT_DOWN_PROBE;
			p->probe_at = now;
			if (ratelimit_allow(&c->state_rl, now, NULL))
				event_log("path_state",
					  "path %u (%s) down: nothing for %.0f ms (bound %.0f ms)",
					  p->index, p->name, (now - p->q.rx.last_rx) * 1e3,
					  pathq_down_after(&p->q, client_path_idle(c, p)) * 1e3);
		} else if (pathq_suspect(&p->q)) {
			suspect = true;
		}
	}
	/* a suspicion no primary path corroborates (none up, unsuspected and
	 * heard within the last FEEDBACK gap): a PING round, backups too
	 * (client_suspect_probe_due), until it is confirmed or cleared */
	for (i = 0; i < c->npaths && suspect; i++) {
		const struct cpath_state *p = &c->paths[i];

		if (p->used && !p->backup && !p->link_down && p->q.state == PATHQ_UP &&
		    !pathq_suspect(&p->q) && now - p->q.rx.last_rx < PATHQ_FEEDBACK_MIN)
			suspect = false;
	}
	c->suspect_new = suspect;
	for (i = 0; i < c->npaths; i++) {	/* the sender's view: are we heard on it? */
		struct cpath_state *p = &c->paths[i];

		if (!p->used)
			continue;
		for (k = 0, newest = 0; k < c->npaths; k++)
			if (k != i && c->paths[k].used && c->paths[k].q.tx.fb_at > newest)
				newest = c->paths[k].q.tx.fb_at;
		if (pathq_tx_check(&p->q, now, newest) && ratelimit_allow(&c->state_rl, now, NULL))
			event_log("path_silent",
				  "path %u (%s): nothing sent on it heard for %.0f ms: FEC avoids it",
				  p->index, p->name, (now - p->q.unacked_at) * 1e3);
	}
	client_fec_resend(c);
	return client_auto_tick(c, now);
}

bool client_suspect_probe_due(struct client_core *c, double now)
{
	if (!c->suspect_new)
		return false;
	c->suspect_new = false;
	if (c->suspect_probe >= 0 && now - c->suspect_probe < CLIENT_SUSPECT_PROBE)
		return false;
	c->suspect_probe = now;
	return true;
}

bool client_down_probe_due(struct client_core *c, unsigned i, double now)
{
	struct cpath_state *p = &c->paths[i];

	if (p->probe) {
		p->probe = false;
		return true;
	}
	if (p->q.state != PATHQ_DOWN || p->probe_at <= 0 || now < p->probe_at)
		return false;
	p->probe_at = now + p->probe_gap;
	p->probe_gap *= 2;
	/* up to the path's own probe interval: a backup's is longer */
	if (p->probe_gap > c->prm.keepalive * (p->backup ? PATHSEL_BACKUP_PROBE_EVERY : 1))
		p->probe_gap = c->prm.keepalive * (p->backup ? PATHSEL_BACKUP_PROBE_EVERY : 1);
	return true;
}

double client_down_due(const struct client_core *c)
{
	double due = INFINITY, t;
	unsigned i;

	for (i = 0; i < c->npaths; i++) {
		if (!c->paths[i].used)
			continue;
		t = pathq_down_due(&c->paths[i].q, client_path_idle(c, &c->paths[i]));
		if (t < due)
			due = t;
	}
	return due;
}

bool client_burst_due(struct client_core *c, double now)
{
	if (c->last_burst >= 0 && now - c->last_burst < CLIENT_BURST_INTERVAL)
		return false;
	c->last_burst = now;
	return true;
}

bool client_probe_due(struct client_core *c, double now)
{
	double rtt = -1, wait;
	unsigned i;

	if (!c->keys.sealed || c->unanswered < 0)
		return false;
	for (i = 0; i < c->npaths; i++)
		if (c->paths[i].used && c->paths[i].rtt >= 0 && (rtt < 0 || c->paths[i].rtt < rtt))
			rtt = c->paths[i].rtt;
	wait = rtt < 0 ? 0.1 : 3 * rtt + 0.02;
	for (i = 0; i < c->probe_streak && wait < c->prm.keepalive; i++)
		wait *= 2;
	if (wait > c->prm.keepalive)
		wait = c->prm.keepalive;
	if (now - c->unanswered < wait ||
	    (c->last_probe >= 0 && now - c->last_probe < CLIENT_BURST_INTERVAL))
		return false;
	c->last_probe = now;
	c->probe_streak++;
	c->unanswered = now;	/* the next probe waits from here */
	return true;
}

void client_core_tick(struct client_core *c, double now)
{
	unsigned i;
	uint32_t f;

	fec_recv_expire(&c->fec_rx, (uint64_t)(now * 1e6), &c->cnt.fec);
	fec_recv_trim(&c->fec_rx, (uint64_t)(now * 1e6), RED_IDLE_US, &c->cnt.fec);
	fec_send_trim(&c->fec_tx, (uint64_t)(now * 1e6), RED_IDLE_US, &c->cnt.fec);
	for (i = 0; i < c->npaths; i++) {
		struct cpath_state *p = &c->paths[i];

		if (p->used && path_check(&p->live, now, client_path_idle(c, p))) {
			event_log("path_down", "path %u (%s) is down: silent for %.1fs", p->index, p->name,
				 now - p->live.last_rx);
			plpmtud_reset(&p->pmtu, 0, now);	/* searched again when it is back */
		}
	}
	client_key_expire(c, now);
	/* oldest first: stop at the first flow that is not idle */
	while ((f = cflow_oldest(&c->flows)) != RX_NONE &&
	       now - c->flows.f[f].last > c->prm.idle_timeout) {
		event_log("flow_close", "flow %u idle, forgotten", c->flows.f[f].id);
		cflow_remove(&c->flows, f);
	}
}

unsigned client_core_path_add(struct client_core *c, const char *name)
{
	unsigned i, pick = CLIENT_MAX_PATHS;

	for (i = 0; i < CLIENT_MAX_PATHS; i++) {
		if (c->paths[i].used)
			continue;
		if (!(c->ids_used & (1u << i))) {
			pick = i;	/* never used: mpserver has nothing under this id */
			break;
		}
		if (pick == CLIENT_MAX_PATHS)
			pick = i;
	}
	if (pick == CLIENT_MAX_PATHS)
		return pick;
	memset(&c->paths[pick], 0, sizeof(c->paths[pick]));
	c->paths[pick].used = true;
	c->paths[pick].index = pick;
	c->paths[pick].name = name ? name : "";
	c->paths[pick].rtt = -1;
	c->paths[pick].probe = true;	/* a PING at once: not used before it is heard */
	pathq_init(&c->paths[pick].q);
	plpmtud_init(&c->paths[pick].pmtu, CLIENT_PMTU_BASE, WIRE_MAX_DGRAM, CLIENT_PMTU_CONFIRM, 0);
	plpmtud_set_min(&c->paths[pick].pmtu, (uint16_t)(WIRE_HDR_LEN + WIRE_PING_LEN +
							 (c->keys.sealed ? WIRE_TAG_LEN : WIRE_CRC_LEN)));
	c->ids_used |= 1u << pick;
	if (pick >= c->npaths)
		c->npaths = pick + 1;
	return pick;
}

void client_core_path_remove(struct client_core *c, unsigned i)
{
	if (i >= CLIENT_MAX_PATHS || !c->paths[i].used)
		return;
	c->paths[i].used = false;
	while (c->npaths && !c->paths[c->npaths - 1].used)
		c->npaths--;
}
