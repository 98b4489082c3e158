/* server_core.c - mpserver's state: set-up, sessions and flows opening and
 * closing, what it sends, its timers.  The receive decisions are in
 * server_rx.c. */
#include "server_core.h"
#include "event.h"
#include "path.h"
#include "server_access.h"
#include "pathsel.h"
#include "tx.h"

#include <errno.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

int server_core_init(struct server_core *s, const struct tunnel_params *prm, const uint8_t *psk,
		     const struct server_hooks *hooks)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->prm = *prm;
	if (hooks)
		s->hooks = *hooks;
	drops_init(&s->drops, &s->cnt);
	rc = keyring_init(&s->keys, psk, prm->suite);
	if (rc)
		return rc;
	if (psk)
		cookie_jar_init(&s->cookies);
	srclimit_init(&s->notice_rl, 10.0, 1.0);
	{
		unsigned i;

		for (i = 0; i < DROP__COUNT; i++)
			ratelimit_init(&s->peer_rl[i], 1.0, 3.0);
	}
	ratelimit_init(&s->unknown_rl, 20000.0, 2000.0);
	ratelimit_init(&s->icmp_rl, 0.2, 3.0);	/* a log line every 5 s after 3 */
	ratelimit_init(&s->open_rl, 10.0, 50.0);	/* a stranger may open many */
	ratelimit_init(&s->target_rl, 1.0, 5.0);
	ratelimit_init(&s->state_rl, 2.0, 10.0);
	rc = session_table_init(&s->sessions, prm->max_sessions, prm->window);
	if (rc)
		return rc;
	rc = sflow_table_init(&s->flows, prm->max_flows);
	if (rc) {
		session_table_free(&s->sessions);
		return rc;
	}
	s->fec_at = calloc(s->sessions.max ? s->sessions.max : 1, sizeof(*s->fec_at));
	if (!s->fec_at) {
		sflow_table_free(&s->flows);
		session_table_free(&s->sessions);
		return -ENOMEM;
	}
	return 0;
}

/* FEC state for session i (once per session), listed in fec_at: 0 or -ENOMEM. */
static int session_fec_new(struct server_core *s, uint32_t i)
{
	struct session *ss = session_at(&s->sessions, i);

	ss->fec = calloc(1, sizeof(*ss->fec));
	if (!ss->fec)
		return -ENOMEM;
	ss->fec->at = s->fec_n;
	s->fec_at[s->fec_n++] = i;
	return 0;
}

static void session_fec_free(struct server_core *s, struct session *ss)
{
	uint32_t last;

	if (!ss->fec)
		return;
	/* out of the list: the last one takes its place */
	last = s->fec_at[--s->fec_n];
	s->fec_at[ss->fec->at] = last;
	session_at(&s->sessions, last)->fec->at = ss->fec->at;
	fec_send_free(&ss->fec->tx);
	fec_recv_free(&ss->fec->rx);
	free(ss->fec);
	ss->fec = NULL;
}

void server_core_free(struct server_core *s)
{
	uint32_t i;

	for (i = 0; s->sessions.s && i < s->sessions.max; i++)
		session_fec_free(s, &s->sessions.s[i]);
	free(s->fec_at);
	s->fec_at = NULL;
	sflow_table_free(&s->flows);
	session_table_free(&s->sessions);
	cookie_jar_wipe(&s->cookies);
	keyring_wipe(&s->keys);
	server_access_free(s);
}

void server_flow_close(struct server_core *s, uint32_t f)
{
	struct sflow *fl = &s->flows.f[f];

	if (fl->session == RX_NONE)
		return;
	if (s->hooks.flow_closed)
		s->hooks.flow_closed(s->hooks.arg, f);
	s->sessions.s[fl->session].nflows--;
	sflow_remove(&s->flows, f);
}

void server_flow_failed(struct server_core *s, uint32_t f, int err)
{
	struct sflow *fl = &s->flows.f[f];

	if (fl->session != RX_NONE) {
		s->sessions.s[fl->session].nflows--;
		sflow_remove(&s->flows, f);
	}
	drops_count(&s->drops, NULL, DROP_SOCKET, WIRE_OK, 1, err);
}

void server_session_close(struct server_core *s, uint32_t i, const char *why)
{
	struct session *ss = session_at(&s->sessions, i);
	uint32_t f, k;

	if (!ss->used)
		return;
	/* a flood's sessions come and go: at a bounded rate (time of its last datagram) */
	if (ratelimit_allow(&s->open_rl, ss->last_rx, NULL))
		event_log("session_close", "session %016llx closed (%s)", (unsigned long long)ss->id,
			  why);
	for (f = 0; ss->nflows && f < s->flows.max; f++)
		if (s->flows.f[f].session == i)
			server_flow_close(s, f);
	for (k = 0; k < SESSION_MAX_PATHS; k++)
		if (ss->paths[k].used)
			path_stats_add(&s->other, &ss->paths[k].st);
	session_fec_free(s, ss);
	session_release(&s->sessions, i, s->keys.sealed);
}

size_t server_build_pong(struct server_core *s, struct session *ss, struct spath *p,
			 const struct wire_ping *ping, size_t ping_size, double now)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_PONG, .flags = tx_flags(true),
		.server = s->prm.server_id, .path = p->id, .flow = 0, .session = ss->id,
		.epoch = ss->epoch, .seq = ++ss->tx_seq, .path_seq = ++p->tx_pseq,
		.stamp = (uint32_t)(uint64_t)(now * 1e6), .len = WIRE_PING_LEN,
	};
	struct wire_ping pong = *ping;
	uint8_t pl[WIRE_PING_LEN];

	/* the PING's size as received; the redundancy we apply */
	pong.probe_size = (uint16_t)(ping_size > 0xffff ? 0xffff : ping_size);
	redundancy_to_ping(&ss->red, &pong);
	h.suite = ss->key.suite;	/* the session's key (0, 0 in the clear) */
	h.key_id = ss->key.id;
	wire_ping_encode(&pong, WIRE_PING_LEN, pl, sizeof(pl));
	return tx_build(&ss->tx_key, &h, pl, s->reply, sizeof(s->reply));
}

size_t server_build_target_notice(struct server_core *s, struct session *ss, struct spath *p,
				  uint32_t flow, double now)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_NOTICE, .flags = tx_flags(true),
		.server = s->prm.server_id, .path = p->id, .flow = flow, .session = ss->id,
		.epoch = ss->epoch, .seq = ++ss->tx_seq, .path_seq = ++p->tx_pseq,
		.stamp = (uint32_t)(uint64_t)(now * 1e6), .len = WIRE_NOTICE_LEN,
		.suite = ss->key.suite, .key_id = ss->key.id,
	};
	struct wire_notice n = { .code = WIRE_N_TARGET, .expected_suite = ss->key.suite };
	uint8_t pl[WIRE_NOTICE_LEN];

	wire_notice_encode(&n, pl, sizeof(pl));
	return tx_build(&ss->tx_key, &h, pl, s->reply, sizeof(s->reply));
}

size_t server_build_challenge(struct server_core *s, struct session *ss, struct spath *p,
			      double now)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_PING, .flags = tx_flags(true),
		.server = s->prm.server_id, .path = p->id, .flow = 0, .session = ss->id,
		.epoch = ss->epoch, .seq = ++ss->tx_seq, .path_seq = ++p->tx_pseq,
		.stamp = (uint32_t)(uint64_t)(now * 1e6), .len = WIRE_PING_LEN,
	};
	struct wire_ping ping = { .stamp = (uint64_t)(now * 1e9) };
	uint8_t pl[WIRE_PING_LEN];

	memcpy(ping.token, p->chal_token, WIRE_TOKEN_LEN);
	h.suite = ss->key.suite;	/* the session's key (0, 0 in the clear) */
	h.key_id = ss->key.id;
	wire_ping_encode(&ping, WIRE_PING_LEN, pl, sizeof(pl));
	return tx_build(&ss->tx_key, &h, pl, s->reply, sizeof(s->reply));
}

/* The session path slots to send on now, as bits (server_tx_paths). */
static uint16_t live_slots(struct server_core *s, uint32_t i, double now)
{
	uint32_t paths[SESSION_MAX_PATHS];
	unsigned k, n = server_tx_paths(s, i, now, paths);
	uint16_t bits = 0;

	for (k = 0; k < n; k++)
		bits |= (uint16_t)(1u << paths[k]);
	return bits;
}

/* The live slots not down by the fast rule (pathq) nor silent in our
 * direction: where FEC symbols go (a block striped over a dark path loses its
 * share until --path-timeout). */
static uint16_t fec_slots(struct server_core *s, uint32_t i, double now)
{
	struct session *ss = session_at(&s->sessions, i);
	uint16_t live = live_slots(s, i, now), up = 0;
	unsigned k;

	for (k = 0; k < SESSION_MAX_PATHS; k++)
		if (((live >> k) & 1) && ss->paths[k].q.state != PATHQ_DOWN &&
		    !ss->paths[k].q.tx_silent)
			up |= (uint16_t)(1u << k);
	return up ? up : live;
}

/* FEC: the symbols in flight on a slot that just left the stripe go again;
 * true when some were queued. */
static bool fec_resend(struct server_core *s, uint32_t i, double now)
{
	struct session *ss = session_at(&s->sessions, i);
	uint16_t live = fec_slots(s, i, now), gone = ss->fec->tx.striped & ~live;
	unsigned k, n = 0;

	ss->fec->tx.striped = live;
	if (!ss->fec->tx.tx)
		return false;
	for (k = 0; k < SESSION_MAX_PATHS && gone; k++) {
		const struct pathq *q = &ss->paths[k].q;
		double since = 0, srtt = pathq_srtt(q);

		if (!((gone >> k) & 1))
			continue;
		gone &= (uint16_t)~(1u << k);
		/* what went after the last datagram it confirmed may be lost */
		if (q->tx.fb_at > 0)
			since = q->tx.fb_at - (isnan(srtt) ? 0.1 : srtt) - 2 * PATHQ_FEEDBACK_MIN;
		n += fec_send_resend(&ss->fec->tx, k, since > 0 ? (uint64_t)(since * 1e6) : 0);
	}
	return n > 0;
}

int server_session_redundancy(struct server_core *s, uint32_t i, const struct redundancy *want,
			      double now)
{
	struct session *ss = session_at(&s->sessions, i);
	struct redundancy r = *want;
	int rc;

	redundancy_clamp(&r, s->prm.fec_max_k, s->prm.fec_max_m);
	if (r.mode == ss->red.mode && r.k == ss->red.k && r.m == ss->red.m &&
	    (r.mode != WIRE_RED_FEC || r.wait_us == ss->red.wait_us))
		return 0;
	if (r.mode == WIRE_RED_FEC && !ss->fec) {
		rc = session_fec_new(s, i);	/* once per session */
		if (rc)
			return rc;
	}
	if (ss->fec) {
		/* a client's auto changes the code within our limits: in place */
		ss->fec->tx.pool_k = (uint8_t)s->prm.fec_max_k;
		ss->fec->tx.pool_m = (uint8_t)s->prm.fec_max_m;
		rc = fec_send_apply(&ss->fec->tx, &r, s->prm.fec_depth, (uint64_t)(now * 1e6));
		if (rc) {
			ss->red.mode = WIRE_RED_BROADCAST;
			return rc;
		}
	}
	ss->red = r;
	return 0;
}

size_t server_tx_parity(struct server_core *s, uint32_t i, double now, uint8_t *out,
			size_t outlen, uint32_t *slot)
{
	struct session *ss = session_at(&s->sessions, i);
	struct fec_tx_out o;
	struct wire_hdr h;
	const uint8_t *payload;
	uint16_t live;
	size_t n;

	if (!ss->fec || !ss->fec->tx.tx)
		return 0;
	live = fec_slots(s, i, now);
	if (!live || !fec_send_parity(&ss->fec->tx, (uint64_t)(now * 1e6), live, &o, &s->cnt.fec))
		return 0;
	if (!tx_fec_hdr(&o, true, s->prm.server_id, ss->id, ss->epoch, &ss->tx_seq, &h, &payload))
		return 0;
	h.suite = ss->key.suite;	/* the session's key (0, 0 in the clear) */
	h.key_id = ss->key.id;
	n = tx_build(&ss->tx_key, &h, payload, out, outlen);
	*slot = o.path < SESSION_MAX_PATHS && ss->paths[o.path].used ? o.path : 0;
	return n;
}

double server_fec_deadline(struct server_core *s, uint32_t i)
{
	struct session *ss = session_at(&s->sessions, i);
	uint64_t d;

	if (!ss->fec)
		return -1.0;
	d = fec_send_deadline(&ss->fec->tx);
	return d == UINT64_MAX ? -1.0 : (double)d / 1e6;
}

size_t server_tx_data(struct server_core *s, uint32_t f, uint8_t *slot, size_t slotlen,
		      size_t len, double now)
{
	struct sflow *fl = &s->flows.f[f];
	struct session *ss;
	struct wire_hdr h;

	s->cnt.from_app++;
	if (fl->session == RX_NONE)
		return 0;
	if (len > WIRE_MAX_PAYLOAD) {
		drops_count(&s->drops, NULL, DROP_TOO_BIG, WIRE_OK, 1, 0);
		return 0;
	}
	ss = session_at(&s->sessions, fl->session);
	sflow_touch(&s->flows, f, now);
	sflow_answered(&s->flows, f);
	session_proven(&s->sessions, fl->session);
	h = (struct wire_hdr){
		.version = WIRE_VERSION, .type = WIRE_DATA, .flags = tx_flags(true),
		.server = s->prm.server_id, .flow = fl->id, .session = ss->id,
		.epoch = ss->epoch, .seq = ++ss->tx_seq, .len = (uint16_t)len,
	};
	s->tx_paths = live_slots(s, fl->session, now);
	if (s->tx_paths && ss->fec && fec_send_active(&ss->fec->tx)) {
		bool coded;

		/* coded from the plaintext, before sealing (see client_tx_data) */
		s->tx_paths = fec_send_data(&ss->fec->tx, (uint64_t)(now * 1e6), h.seq, h.flow,
					    h.flags, slot + WIRE_HDR_LEN, len,
					    fec_slots(s, fl->session, now), &h.ext, &coded, &s->cnt.fec);
		if (coded)
			h.flags |= WIRE_F_FEC;
	}
	h.suite = ss->key.suite;	/* the session's key (0, 0 in the clear) */
	h.key_id = ss->key.id;
	return tx_build(&ss->tx_key, &h, slot + WIRE_HDR_LEN, slot, slotlen);
}

void server_tx_stamp(struct server_core *s, uint32_t i, uint32_t k, uint8_t *dgram, size_t len,
		     double now)
{
	struct spath *p = &session_at(&s->sessions, i)->paths[k];

	wire_set_per_path(dgram, len, p->id, ++p->tx_pseq, pathmeas_stamp(now));
	bool traffic = wire_is_traffic(dgram, len);

	pathq_on_tx(&p->q, (unsigned)len, traffic, now);
	if (traffic)
		pathq_sent_traffic(&p->q, now);
}

/* The FEEDBACK of path slot k of session si into out when due (stamped); its size or 0. */
static size_t path_feedback(struct server_core *s, uint32_t si, uint32_t k, double now,
			    uint8_t *out, size_t outlen)
{
	struct session *ss = session_at(&s->sessions, si);
	struct spath *p = &ss->paths[k];
	struct wire_feedback fb = { .count = 1 };
	uint8_t pl[WIRE_FEEDBACK_HDR + WIRE_FEEDBACK_ENTRY];
	struct wire_hdr h;
	size_t n;

	if (!pathq_feedback_due(&p->q, now) ||
	    !pathq_feedback_entry(&p->q, (uint8_t)k, now, &fb.e[0]))
		return 0;
	n = wire_feedback_encode(&fb, pl, sizeof(pl));
	h = (struct wire_hdr){
		.version = WIRE_VERSION, .type = WIRE_FEEDBACK, .flags = tx_flags(true),
		.server = s->prm.server_id, .flow = 0, .session = ss->id, .epoch = ss->epoch,
		.seq = ++ss->tx_seq, .len = (uint16_t)n,
	};
	h.suite = ss->key.suite;	/* the session's key (0, 0 in the clear) */
	h.key_id = ss->key.id;
	n = n ? tx_build(&ss->tx_key, &h, pl, out, outlen) : 0;
	if (n)
		server_tx_stamp(s, si, k, out, n, now);
	return n;
}

void server_core_measure(struct server_core *s, double now, bool judge, server_fb_send_fn *send,
			 void *arg)
{
	uint8_t out[SERVER_FB_MAX];
	uint32_t i, k, j, best;
	uint64_t all;
	double newest, second, idle, fb_newest;
	size_t n;

	/* newest first: stop at the first session silent for a second */
	for (i = s->sessions.lru.tail; i != LRU_NONE && now - s->sessions.s[i].last_rx < 1.0;
	     i = s->sessions.lru.prev[i]) {
		struct session *ss = session_at(&s->sessions, i);

		/* the paths' sum and the two latest arrivals, once per session */
		for (k = 0, all = 0, newest = second = 0, best = SESSION_MAX_PATHS;
		     k < SESSION_MAX_PATHS; k++) {
			const struct pathrx *rx = &ss->paths[k].q.rx;

			if (!ss->paths[k].used)
				continue;
			all += rx->datagrams;
			if (rx->last_rx > newest) {
				second = newest;
				newest = rx->last_rx;
				best = k;
			} else if (rx->last_rx > second) {
				second = rx->last_rx;
			}
		}
		for (k = 0; k < SESSION_MAX_PATHS; k++) {
			struct spath *p = &ss->paths[k];

			if (!p->used)
				continue;
			idle = server_path_idle(s, p);
			if (judge && pathq_check(&p->q, now, k == best ? second : newest,
					all - p->q.rx.datagrams, idle) &&
			    ratelimit_allow(&s->state_rl, now, NULL))
				event_log("path_state",
					  "session %016llx: path %u down: nothing for %.0f ms (bound %.0f ms)",
					  (unsigned long long)ss->id, k, (now - p->q.rx.last_rx) * 1e3,
					  pathq_down_after(&p->q, idle) * 1e3);
			for (j = 0, fb_newest = 0; j < SESSION_MAX_PATHS; j++)
				if (j != k && ss->paths[j].used && ss->paths[j].q.tx.fb_at > fb_newest)
					fb_newest = ss->paths[j].q.tx.fb_at;
			if (pathq_tx_check(&p->q, now, fb_newest) &&
			    ratelimit_allow(&s->state_rl, now, NULL))
				event_log("path_silent",
					  "session %016llx: path %u: nothing sent on it heard for %.0f ms: "
					  "FEC avoids it", (unsigned long long)ss->id, k,
					  (now - p->q.unacked_at) * 1e3);
			n = path_feedback(s, i, k, now, out, sizeof(out));
			if (n && send)
				send(arg, i, k, out, n);
		}
		if (ss->fec && fec_resend(s, i, now))
			s->fec_kick = true;
	}
}

double server_path_idle(const struct server_core *s, const struct spath *p)
{
	return p->backup ? pathsel_idle(s->prm.keepalive, s->prm.path_timeout) :
			   s->prm.path_timeout;
}

unsigned server_tx_paths(struct server_core *s, uint32_t i, double now, uint32_t *out)
{
	struct session *ss = session_at(&s->sessions, i);
	struct pathsel sel = { 0 };
	unsigned k, n = 0;
	uint16_t pick;

	/* the paths heard lately, by the rule both ends follow (pathsel.h) */
	for (k = 0; k < SESSION_MAX_PATHS; k++) {
		const struct spath *p = &ss->paths[k];

		sel.loss[k] = NAN;
		if (!p->used || !path_fresh(p->last_rx, now, server_path_idle(s, p)))
			continue;
		sel.usable |= (uint16_t)(1u << k);
		if (p->q.state == PATHQ_DOWN)
			sel.down |= (uint16_t)(1u << k);
		if (p->backup)
			sel.backup |= (uint16_t)(1u << k);
		sel.loss[k] = pathq_loss(&p->q, PATHQ_TX);
	}
	pick = pathsel_pick(&sel, PATHSEL_TARGET_LOSS);
	for (k = 0; k < SESSION_MAX_PATHS; k++)
		if ((pick >> k) & 1)
			out[n++] = k;
	if (n == 0)	/* none heard within its bound: every known one */
		for (k = 0; k < SESSION_MAX_PATHS; k++)
			if (ss->paths[k].used)
				out[n++] = k;
	return n;
}

void server_tx_nopath(struct server_core *s, unsigned n)
{
	drops_count(&s->drops, NULL, DROP_NO_PATH, WIRE_OK, n, 0);
}

void server_icmp_hint(struct server_core *s, const struct addr *a, double now)
{
	char buf[ADDR_STRLEN];
	unsigned n = 0;
	uint32_t i;

	s->cnt.icmp_errors++;
	if (!ratelimit_allow(&s->icmp_rl, now, NULL))
		return;
	/* only when it is logged: a walk over the open sessions */
	for (i = session_oldest(&s->sessions); i != RX_NONE && i != LRU_NONE;
	     i = lru_newer(&s->sessions.lru, i))
		n += session_path_find(&s->sessions, i, a) != RX_NONE;
	log_info("ICMP port unreachable for %s (%u paths; %llu so far): unauthenticated, "
		 "a hint only; a path goes down when it falls silent",
		 addr_format(a, buf, sizeof(buf)), n, (unsigned long long)s->cnt.icmp_errors);
}

void server_core_tick(struct server_core *s, double now)
{
	uint32_t f, i;

	/* FEC blocks held too long are given up (counted); idle coders freed */
	for (i = session_oldest(&s->sessions); i != RX_NONE && i != LRU_NONE;
	     i = lru_newer(&s->sessions.lru, i)) {
		struct session_fec *sf = s->sessions.s[i].fec;
		uint64_t us = (uint64_t)(now * 1e6);

		if (!sf)
			continue;
		fec_recv_expire(&sf->rx, us, &s->cnt.fec);
		fec_recv_trim(&sf->rx, us, RED_IDLE_US, &s->cnt.fec);
		fec_send_trim(&sf->tx, us, RED_IDLE_US, &s->cnt.fec);
	}

	for (f = 0; f < s->flows.max; f++) {
		struct sflow *fl = &s->flows.f[f];

		if (fl->session != RX_NONE && now - fl->last > s->prm.idle_timeout) {
			event_log("flow_close", "session %016llx: flow %u idle, closed",
				 (unsigned long long)s->sessions.s[fl->session].id, fl->id);
			server_flow_close(s, f);
		}
	}
	/* oldest first: stop at the first session that is not idle */
	while ((i = session_oldest(&s->sessions)) != RX_NONE &&
	       now - s->sessions.s[i].last_rx > s->prm.session_timeout)
		server_session_close(s, i, "idle");
}
