/* client_rx.c - mpclient's receive decisions (see rx.h for the stages and
 * PROTOCOL.md, Receiving and Restarts, for the rules). */
#include "client_core.h"
#include "event.h"
#include "log.h"
#include "wireseal.h"

#include <string.h>

static bool epoch_retired(const struct client_core *c, uint64_t epoch)
{
	unsigned i;

	for (i = 0; i < c->nretired && i < CLIENT_RETIRED_EPOCHS; i++)
		if (c->retired[i] == epoch)
			return true;
	return false;
}

static void adopt_epoch(struct client_core *c, uint64_t epoch, const struct seal_psk *kp,
			struct seal_key *key)
{
	if (c->srv_epoch) {
		c->retired[c->nretired % CLIENT_RETIRED_EPOCHS] = c->srv_epoch;
		c->nretired++;
		event_log("server_restart", "mpserver restarted (instance %016llx replaces %016llx)",
			 (unsigned long long)epoch, (unsigned long long)c->srv_epoch);
	} else {
		event_log("server_instance", "mpserver instance %016llx", (unsigned long long)epoch);
	}
	c->srv_epoch = epoch;
	if (kp)
		client_key_adopt(c, epoch, kp, key);
	window_reset(&c->rx);
	jump_reset(&c->jump);
	fec_recv_free(&c->fec_rx);	/* its block ids start again (set up at its first symbol) */
}

/* A COOKIE (keyed mode): not windowed; a replayed one only makes us ping. */
static enum rx_verdict take_cookie(struct client_core *c, const struct wire_hdr *h,
				   const struct seal_psk *kp, uint8_t *buf, size_t len,
				   const uint8_t *payload, double now, struct rx_result *r,
				   struct seal_key *candidate)
{
	if (seal_key_derive(candidate, kp, h->session, h->epoch, true) ||
	    !wire_open(candidate, h, buf, len))
		return rx_drop(r, DROP_BAD_TAG);
	memcpy(c->cookie, payload, WIRE_COOKIE_LEN);
	c->cnt.cookies++;
	c->unanswered = -1;	/* mpserver answered; the PINGs below will open the session */
	if (client_burst_due(c, now))
		r->reply = RX_REPLY_PING_BURST;
	r->verdict = RX_ACCEPT;
	return RX_ACCEPT;
}

/*
 * Deliver stage: accepted DATA goes to the application of its flow.  The FEC
 * stage (take_symbol) goes in front of this.
 */
static enum rx_verdict deliver(struct client_core *c, const uint8_t *payload, double now,
			       struct rx_result *r)
{
	uint32_t f = cflow_by_id(&c->flows, r->h.flow);

	if (f == RX_NONE)
		return rx_drop(r, DROP_NO_FLOW);
	cflow_touch(&c->flows, f, now);
	cflow_answered(&c->flows, f);
	r->flow = f;
	r->payload = payload;
	r->len = r->h.len;
	r->verdict = RX_DELIVER;
	return RX_DELIVER;
}

/*
 * FEC stage, between accept and deliver: an accepted symbol (DATA with the
 * extension, or PARITY) into the decoder; the datagrams it recovers go
 * through the window (nothing is delivered twice: a seq already received is
 * `recovered_dup`) and on to their flow, in r->rec.  False when the decoder
 * refused the symbol (a PARITY so refused is the drop `fec`).
 */
static bool take_symbol(struct client_core *c, struct cpath_state *p, const uint8_t *payload,
			double now, struct rx_result *r)
{
	const struct fec_recovered *rec;
	enum fec_recv_verdict v;
	unsigned n, i;

	v = fec_recv_symbol(&c->fec_rx, &r->h, payload, (uint64_t)(now * 1e6), &c->cnt.fec);
	n = fec_recv_recovered(&c->fec_rx, &rec);
	for (i = 0; i < n && r->nrec < RX_REC_MAX; i++) {
		uint32_t f;

		if (window_check(&c->rx, rec[i].seq) != WINDOW_NEW) {
			c->cnt.fec.recovered_dup++;
			continue;
		}
		window_commit(&c->rx, rec[i].seq);
		if (rec[i].flags & WIRE_F_TARGET) {	/* mpserver never sends one */
			drops_count(&c->drops, &p->st, DROP_UNSUPPORTED, WIRE_OK, 1, 0);
			r->rec_drops++;
			continue;
		}
		f = cflow_by_id(&c->flows, rec[i].flow);
		if (f == RX_NONE) {
			drops_count(&c->drops, &p->st, DROP_NO_FLOW, WIRE_OK, 1, 0);
			r->rec_drops++;
			continue;
		}
		cflow_touch(&c->flows, f, now);
		cflow_answered(&c->flows, f);
		r->rec[r->nrec++] = (struct rx_rec){ .payload = rec[i].payload, .seq = rec[i].seq,
						     .len = rec[i].len, .flow = f };
		c->cnt.fec.recovered++;
	}
	return v != FEC_RECV_REFUSED;
}

/* NOTICE code 6: mpserver refuses a flow's target (rate-limited). */
static void target_notice_log(struct client_core *c, uint32_t flow, const char *how)
{
	uint32_t f = cflow_by_id(&c->flows, flow);
	char ab[ADDR_STRLEN], tb[80];

	if (f == RX_NONE) {
		log_limited(&c->notice_rl, "mpserver says (%s): flow %u: target not allowed for "
			    "this client (the flow is gone)", how, flow);
		return;
	}
	log_limited(&c->notice_rl, "mpserver says (%s): flow %u from %s: target %s not allowed "
		    "for this client (mpserver's allow, map and target lines decide)", how, flow,
		    addr_format(&c->flows.f[f].app, ab, sizeof(ab)),
		    c->flows.f[f].named.kind ? target_format(&c->flows.f[f].named, tb, sizeof(tb))
					     : "(mpserver's default: none for this client)");
}

/*
 * A NOTICE: mpserver says why it does not serve us.  Unauthenticated (anyone
 * on the path can send one), so it changes nothing: counted and logged,
 * rate-limited, with the path it came through.
 */
static enum rx_verdict take_notice(struct client_core *c, struct cpath_state *p,
				   const struct wire_hdr *h, const uint8_t *payload,
				   struct rx_result *r)
{
	struct wire_notice n;

	if (!wire_notice_decode(payload, h->len, &n)) {
		r->wire = WIRE_E_PAYLOAD;
		return rx_drop(r, DROP_MALFORMED);
	}
	c->cnt.notices++;
	if (n.code == WIRE_N_TARGET) {
		target_notice_log(c, h->flow, "unauthenticated");
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	log_limited(&c->notice_rl,
		    "mpserver (via path %u, %s) says, unauthenticated: %s (code %u; it expects %s%s)",
		    p->index, p->name, wire_notice_text(n.code), n.code,
		    n.expected_suite ? "suite " : "no key",
		    n.expected_suite ? seal_suite_name(n.expected_suite) : "");
	r->verdict = RX_ACCEPT;
	return RX_ACCEPT;
}

static bool unsupported(const struct wire_hdr *h)
{
	/* targets come with their feature */
	return (h->flags & WIRE_F_TARGET) != 0;
}

/* Any copy that came by path p (its path id says so) counts for the path's
 * reception figures, duplicates too: they are how the copies of other
 * paths' DATA arrive here. */
static void measure(struct client_core *c, struct cpath_state *p, const struct wire_hdr *h,
		    size_t len, double now)
{
	bool was_down = p->q.state == PATHQ_DOWN;

	if (h->path != p->index)
		return;
	if (pathq_on_rx(&p->q, h->path_seq, h->stamp, (unsigned)len,
			h->type == WIRE_DATA || h->type == WIRE_PARITY, now) && was_down &&
	    ratelimit_allow(&c->state_rl, now, NULL))
		event_log("path_state", "path %u (%s) up again", p->index, p->name);
}

/* The peer's FEEDBACK: what it received of ours on each path. */
static void take_feedback(struct client_core *c, const struct wire_feedback *fb, double now)
{
	unsigned i;

	for (i = 0; i < fb->count; i++)
		if (fb->e[i].path < c->npaths && c->paths[fb->e[i].path].used)
			pathq_take_feedback(&c->paths[fb->e[i].path].q, &fb->e[i], now);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return acc == 0;
}

static enum rx_verdict decide(struct client_core *c, struct cpath_state *p, uint8_t *buf,
			      size_t len, double now, struct rx_result *r,
			      struct seal_key *candidate)
{
	struct wire_hdr *h = &r->h;
	const uint8_t *payload;
	enum window_verdict v;
	struct wire_ping pong, ping;
	const struct seal_psk *kp = NULL;	/* keyed: the key the datagram names */
	struct wire_feedback fb;
	bool new_epoch, pong_ok = false, jump = false;
	double sent = 0;

	/* decode (suite 0: the CRC32C is checked here) */
	if (len > WIRE_MAX_DGRAM) {
		r->wire = WIRE_E_LENGTH;
		return rx_drop(r, DROP_MALFORMED);
	}
	if (!wire_decode(buf, len, h, &payload, &r->wire))
		return rx_drop(r, DROP_MALFORMED);
	/* classify */
	if (!(h->flags & WIRE_F_SERVER))
		return rx_drop(r, DROP_DIRECTION);
	if (h->session != c->session)
		return rx_drop(r, DROP_SESSION);
	if (h->type == WIRE_NOTICE && h->suite == WIRE_SUITE_CLEAR)
		return take_notice(c, p, h, payload, r);
	if (c->keys.sealed && h->suite == WIRE_SUITE_CLEAR)
		return rx_drop(r, DROP_PLAINTEXT);
	if (!c->keys.sealed && h->suite != WIRE_SUITE_CLEAR)
		return rx_drop(r, DROP_SEALED);
	if (c->keys.sealed && !(kp = keyring_get(&c->keys, h->key_id)))
		return rx_drop(r, DROP_KEY_ID);	/* an old key after its grace period too */
	if (c->keys.sealed && h->suite != kp->suite)
		return rx_drop(r, DROP_SUITE);
	if (h->type == WIRE_COOKIE && !c->keys.sealed)
		return rx_drop(r, DROP_TYPE);
	if (h->type == WIRE_COOKIE)
		return take_cookie(c, h, kp, buf, len, payload, now, r, candidate);
	if (unsupported(h))
		return rx_drop(r, DROP_UNSUPPORTED);	/* a sealed NOTICE (code 6) goes on */
	new_epoch = h->epoch != c->srv_epoch;
	if (new_epoch && (epoch_retired(c, h->epoch) || h->type != WIRE_PONG)) {
		/* a new mpserver instance is adopted only by a fresh PONG */
		if (!epoch_retired(c, h->epoch) && client_burst_due(c, now))
			r->reply = RX_REPLY_PING_BURST;
		return rx_drop(r, DROP_EPOCH);
	}
	/* window, read only */
	v = new_epoch ? WINDOW_NEW : window_check(&c->rx, h->seq);
	if (v != WINDOW_NEW)
		measure(c, p, h, len, now);
	if (v == WINDOW_DUP)
		return rx_drop(r, DROP_DUPLICATE);
	if (v == WINDOW_OLD)
		return rx_drop(r, DROP_TOO_OLD);
	jump = !new_epoch && jump_is(&c->rx, h->seq);
	/* a PARITY of a block the decoder is done with: not needed, dropped
	 * before the (costly) authentication as a duplicate is */
	if (!new_epoch && fec_recv_unneeded(&c->fec_rx, h)) {
		measure(c, p, h, len, now);
		return rx_drop(r, DROP_FEC_UNNEEDED);
	}
	/* authenticate before anything is committed or adopted */
	if (c->keys.sealed) {
		const struct seal_key *k = client_key_rx(c, kp);

		if (new_epoch) {
			if (seal_key_derive(candidate, kp, h->session, h->epoch, true))
				return rx_drop(r, DROP_BAD_TAG);
			k = candidate;
		}
		if (!k)
			return rx_drop(r, DROP_KEY_ID);
		if (!wire_open(k, h, buf, len))
			return rx_drop(r, DROP_BAD_TAG);
	}
	if (h->type == WIRE_PONG) {
		/* our PING echoed: sent on this path (the path id it carries), at
		 * our clock's `sent` */
		pong_ok = wire_ping_decode(payload, h->len, len, true, &pong) &&
			  h->path == p->index;
		sent = pong_ok ? (double)pong.stamp / 1e9 : 0;
		pong_ok = pong_ok && sent <= now;
	}
	if (h->type == WIRE_FEEDBACK && !wire_feedback_decode(payload, h->len, &fb)) {
		r->wire = WIRE_E_PAYLOAD;
		return rx_drop(r, DROP_MALFORMED);
	}
	if (h->type == WIRE_PING) {
		/* mpserver pings us only to challenge a new address of this path */
		if (!wire_ping_decode(payload, h->len, len, false, &ping)) {
			r->wire = WIRE_E_PAYLOAD;
			return rx_drop(r, DROP_MALFORMED);
		}
		if (all_zero(ping.token, WIRE_TOKEN_LEN) || h->path != p->index)
			return rx_drop(r, DROP_CHALLENGE);
	}
	if (new_epoch) {
		/* it must answer one of our recent PINGs on this path: an old
		 * instance's datagrams replayed cannot pass for a new instance */
		if (!pong_ok || now - sent > c->prm.path_timeout)
			return rx_drop(r, DROP_EPOCH);
		adopt_epoch(c, h->epoch, kp, candidate);
	}
	/* one datagram may not move the window far: a second one must confirm it */
	if (jump && !jump_confirm(&c->jump, &c->rx, h->seq, now))
		return rx_drop(r, DROP_JUMP);
	/* accept */
	window_commit(&c->rx, h->seq);
	c->unanswered = -1;
	if (h->type == WIRE_DATA)
		c->probe_streak = 0;
	c->server_id = h->server;
	p->st.received++;
	measure(c, p, h, len, now);
	if (path_heard(&p->live, now))
		event_log("path_up", "path %u (%s) is up", p->index, p->name);
	if (h->type == WIRE_PONG) {
		if (pong_ok) {
			p->rtt = now - sent;
			p->role_said = true;	/* the PING said it (mpserver's PONG, same branch) */
			pathq_rtt(&p->q, p->rtt);
			redundancy_from_ping(&pong, &c->srv_red);	/* what mpserver applies */
			/* our PING arrived whole at this size (a padded one: an MTU
			 * probe; any: the path answers, the probes' control) */
			if (pong.probe_size)
				plpmtud_acked(&p->pmtu, pong.probe_size, now);
		}
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->type == WIRE_FEEDBACK) {
		take_feedback(c, &fb, now);
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->type == WIRE_PING) {
		/* answer the challenge through this path's socket: the PONG
		 * leaves from the address mpserver challenged */
		r->reply_len = client_build_pong(c, p->index, &ping, len, now);
		if (r->reply_len) {
			r->reply = RX_REPLY_PONG;
			r->reply_buf = c->reply;
			c->cnt.challenges++;
		}
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->type == WIRE_PARITY) {
		if (!take_symbol(c, p, payload, now, r))
			return rx_drop(r, DROP_FEC);
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->type == WIRE_NOTICE) {
		/* sealed: code 6, a flow's target refused */
		struct wire_notice n;

		if (!wire_notice_decode(payload, h->len, &n) || n.code != WIRE_N_TARGET) {
			r->wire = WIRE_E_PAYLOAD;
			return rx_drop(r, DROP_MALFORMED);
		}
		c->cnt.notices++;
		target_notice_log(c, h->flow, "authenticated");
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->flags & WIRE_F_FEC)
		take_symbol(c, p, payload, now, r);	/* the DATA itself goes on regardless */
	return deliver(c, payload, now, r);	/* WIRE_DATA */
}

/* What a path brings that says our configuration differs from mpserver's. */
static void peer_log(struct client_core *c, const struct cpath_state *p,
		     const struct rx_result *r)
{
	const char *what;

	switch (r->drop) {
	case DROP_MALFORMED:
		if (r->wire != WIRE_E_V1)
			return;
		what = "mpserver speaks protocol v1: upgrade it";
		break;
	case DROP_PLAINTEXT:
		what = "unsealed datagram: mpserver has no key and we do";
		break;
	case DROP_SEALED:
		what = "sealed datagram: mpserver is keyed and we are not";
		break;
	case DROP_KEY_ID:
		what = "unknown key id: mpserver's key differs from ours";
		break;
	case DROP_SUITE:
		what = "another cipher suite than ours: give both ends the same --suite";
		break;
	case DROP_BAD_TAG:
		what = "datagram failed authentication (the keys differ, or forged or damaged)";
		break;
	default:
		return;
	}
	log_limited(&c->peer_rl[r->drop], "path %u (%s): %s", p->index, p->name, what);
}

enum rx_verdict client_rx(struct client_core *c, unsigned path, uint8_t *buf, size_t len,
			  double now, struct rx_result *r)
{
	struct seal_key candidate = SEAL_KEY_EMPTY;
	enum rx_verdict v;

	rx_reset(r);
	if (path >= c->npaths || !c->paths[path].used)
		return rx_drop(r, DROP_DIRECTION);	/* a caller's bug: not counted */
	r->path = path;
	v = decide(c, &c->paths[path], buf, len, now, r, &candidate);
	seal_key_wipe(&candidate);
	if (v == RX_DROP) {	/* the one drop exit */
		drops_count(&c->drops, &c->paths[path].st, r->drop, r->wire, 1, 0);
		peer_log(c, &c->paths[path], r);
	}
	return v;
}
