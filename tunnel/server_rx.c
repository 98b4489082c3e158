/* server_rx.c - mpserver's receive decisions (see rx.h for the stages and
 * PROTOCOL.md, Receiving, for the rules). */
#include "server_core.h"
#include "event.h"
#include "jump.h"
#include "log.h"
#include "random.h"
#include "server_access.h"
#include "server_keys.h"
#include "wireseal.h"

#include <stdlib.h>
#include <string.h>

/* A slot for a new session.  When full, it takes the place of the unproven
 * session heard from least recently (session.h), else of the session heard
 * from least recently if none of its paths is alive; else it is refused. */
static uint32_t session_create(struct server_core *s, uint64_t id, double now)
{
	uint32_t i;

	if (s->sessions.nfree == 0) {
		i = session_oldest_unproven(&s->sessions);
		if (i == RX_NONE) {
			i = session_oldest(&s->sessions);
			if (i == RX_NONE || now - s->sessions.s[i].last_rx <= s->prm.path_timeout)
				return RX_NONE;
		}
		s->cnt.evicted_sessions++;
		server_session_close(s, i, "evicted for a new session");
	}
	i = session_alloc(&s->sessions, id, now);
	if (i != RX_NONE)
		s->sessions.s[i].red.mode = WIRE_RED_BROADCAST;	/* until the client asks */
	if (i != RX_NONE)
		if (ratelimit_allow(&s->open_rl, now, NULL))
			event_log("session_open", "session %016llx opened (%u sessions)",
				  (unsigned long long)id, s->sessions.n);
	return i;
}

/* Keyed: answer an authenticated PING of an unknown session with a cookie
 * (never another type: a replayed recording of DATA gets no answer; the
 * jar's limits bound what replayed PINGs get: one per session a second). */
static enum rx_verdict want_cookie(struct server_core *s, const struct wire_hdr *h,
				   const struct seal_psk *kp, double now, struct rx_result *r)
{
	r->reply_len = cookie_build(&s->cookies, kp, s->prm.server_id, h->session, now,
				    s->reply, sizeof(s->reply), &r->reply_limited);
	if (r->reply_len) {
		r->reply = RX_REPLY_COOKIE;
		r->reply_buf = s->reply;
	}
	return rx_drop(r, DROP_NO_COOKIE);
}

/*
 * The flow slot of flow id `flow` of session si, created if new (*flow_new:
 * the daemon opens its socket); RX_NONE with *why when the table is full,
 * when a new flow's target (named: its DATA's descriptor, NULL: none) is not
 * one the session's client may reach (`target_denied`), or when a DATA of a
 * known flow names another target than the flow's (`target_changed`).
 */
static uint32_t flow_for(struct server_core *s, uint32_t si, uint32_t flow,
			 const struct target *named, double now, bool *flow_new,
			 enum drop_reason *why)
{
	struct session *ss = session_at(&s->sessions, si);
	uint32_t f = ss->last_flow;
	struct addr to;

	*flow_new = false;
	if (f == RX_NONE || s->flows.f[f].session != si || s->flows.f[f].id != flow)
		f = sflow_find(&s->flows, si, flow);
	if (f != RX_NONE &&
	    (named ? !target_equal(named, &s->flows.f[f].named) : s->flows.f[f].named.kind != 0)) {
		*why = DROP_TARGET_CHANGED;
		return RX_NONE;
	}
	if (f == RX_NONE) {
		if (!server_flow_target(s, ss->client, named, &to)) {
			*why = DROP_TARGET_DENIED;
			return RX_NONE;
		}
		if (s->flows.nfree == 0) {
			/* full: a flow the target never replied on (a flood's) makes room */
			uint32_t v = sflow_victim(&s->flows, now, s->prm.idle_timeout);

			if (v == RX_NONE) {
				*why = DROP_FLOW_CAP;
				return RX_NONE;
			}
			s->cnt.evicted_flows++;
			log_limited(&s->open_rl, "flow table full (%u): flow %u of session %016llx "
				    "evicted for a new one", s->flows.max, s->flows.f[v].id,
				    (unsigned long long)s->sessions.s[s->flows.f[v].session].id);
			server_flow_close(s, v);
		}
		f = sflow_add(&s->flows, si, flow, now);
		if (f == RX_NONE) {
			*why = DROP_FLOW_CAP;
			return RX_NONE;
		}
		s->flows.f[f].to = to;
		if (named)
			s->flows.f[f].named = *named;
		ss->nflows++;
		*flow_new = true;
		if (ratelimit_allow(&s->open_rl, now, NULL)) {
			char tb[80];

			event_log("flow_open", "session %016llx: flow %u opened%s%s",
				  (unsigned long long)ss->id, flow, named ? " to " : "",
				  named ? target_format(named, tb, sizeof(tb)) : "");
		}
	}
	ss->last_flow = f;
	sflow_touch(&s->flows, f, now);
	return f;
}

/*
 * The target a DATA names: with flag TARGET, the descriptor at the start
 * of its payload (*used: its size; *named = t), else *named = NULL.  False
 * when the descriptor is malformed.
 */
static bool data_target(uint8_t flags, const uint8_t *payload, size_t len, struct target *t,
			size_t *used, const struct target **named)
{
	*used = 0;
	*named = NULL;
	if (!(flags & WIRE_F_TARGET))
		return true;
	if (!target_desc_decode(payload, len, t, used))
		return false;
	*named = t;
	return true;
}

/* A flow's target is not allowed: a log line and a NOTICE code 6 for the
 * client, sealed as a message of its session (both rate-limited). */
static void target_refused(struct server_core *s, uint32_t si, struct spath *p,
			   const struct addr *from, uint32_t flow, const struct target *named,
			   double now, struct rx_result *r)
{
	struct session *ss = session_at(&s->sessions, si);
	char tb[80];

	log_limited(&s->target_rl, "session %016llx (client %s): flow %u: target %s not allowed",
		    (unsigned long long)ss->id, server_client_name(s, ss->client), flow,
		    named ? target_format(named, tb, sizeof(tb)) : "(default: none configured)");
	if (r->reply != RX_REPLY_NONE || !srclimit_allow(&s->notice_rl, from, now))
		return;
	r->reply_len = server_build_target_notice(s, ss, p, flow, now);
	if (r->reply_len) {
		r->reply = RX_REPLY_NOTICE;
		r->reply_buf = s->reply;
	}
}

/*
 * Deliver stage: the accepted DATA of session si goes to its flow (created
 * here; the daemon opens its socket), bound to its target at its first
 * DATA.  The FEC stage (take_symbol) goes in front of this.
 */
static enum rx_verdict deliver(struct server_core *s, uint32_t si, struct spath *p,
			       const struct addr *from, const uint8_t *payload, double now,
			       struct rx_result *r)
{
	enum drop_reason why = DROP_FLOW_CAP;
	const struct target *named;
	struct target t;
	size_t used;
	uint32_t f;

	if (!data_target(r->h.flags, payload, r->h.len, &t, &used, &named)) {
		r->wire = WIRE_E_PAYLOAD;
		return rx_drop(r, DROP_MALFORMED);
	}
	f = flow_for(s, si, r->h.flow, named, now, &r->flow_new, &why);
	if (f == RX_NONE) {
		if (why == DROP_TARGET_DENIED)
			target_refused(s, si, p, from, r->h.flow, named, now, r);
		return rx_drop(r, why);
	}
	r->flow = f;
	r->payload = payload + used;
	r->len = (uint16_t)(r->h.len - used);
	r->verdict = RX_DELIVER;
	return RX_DELIVER;
}

/*
 * FEC stage, between accept and deliver: an accepted symbol (DATA with the
 * extension, or PARITY) of session si into its decoder (set up at the
 * session's first symbol); what it recovers goes through the window (a seq
 * already received is `recovered_dup`) and on to its flow, in r->rec.
 * False when the decoder refused the symbol (a PARITY so refused is the drop
 * `fec`).
 */
static bool take_symbol(struct server_core *s, uint32_t si, struct spath *p,
			const uint8_t *payload, double now, struct rx_result *r)
{
	struct session *ss = session_at(&s->sessions, si);
	const struct fec_recovered *rec;
	enum fec_recv_verdict v;
	unsigned n, i;

	if (!ss->fec)
		ss->fec = calloc(1, sizeof(*ss->fec));	/* once per session */
	if (!ss->fec) {
		s->cnt.fec.nomem++;
		s->cnt.fec.rx_refused++;
		return false;
	}
	v = fec_recv_symbol(&ss->fec->rx, &r->h, payload, (uint64_t)(now * 1e6), &s->cnt.fec);
	n = fec_recv_recovered(&ss->fec->rx, &rec);
	for (i = 0; i < n && r->nrec < RX_REC_MAX; i++) {
		enum drop_reason why = DROP_FLOW_CAP;
		struct rx_rec *o = &r->rec[r->nrec];
		const struct target *named;
		struct target t;
		size_t used;

		if (window_check(&ss->rx, rec[i].seq) != WINDOW_NEW) {
			s->cnt.fec.recovered_dup++;
			continue;
		}
		window_commit(&ss->rx, rec[i].seq);
		/* as a received DATA: a TARGET one starts with its descriptor */
		if (!data_target(rec[i].flags, rec[i].payload, rec[i].len, &t, &used, &named)) {
			drops_count(&s->drops, &p->st, DROP_MALFORMED, WIRE_E_PAYLOAD, 1, 0);
			r->rec_drops++;
			continue;
		}
		o->flow = flow_for(s, si, rec[i].flow, named, now, &o->flow_new, &why);
		if (o->flow == RX_NONE) {
			drops_count(&s->drops, &p->st, why, WIRE_OK, 1, 0);
			r->rec_drops++;
			continue;
		}
		o->payload = rec[i].payload + used;
		o->seq = rec[i].seq;
		o->len = (uint16_t)(rec[i].len - used);
		r->nrec++;
		s->cnt.fec.recovered++;
	}
	return v != FEC_RECV_REFUSED;
}

/*
 * A peer that cannot be served as configured: tell it (an unauthenticated
 * NOTICE, at most 10 a second in all and 1 per source a second, never
 * larger than what it answers) and drop.
 */
static enum rx_verdict refuse(struct server_core *s, const struct addr *from,
			      const struct wire_hdr *h, size_t len, uint16_t code, double now,
			      struct rx_result *r, enum drop_reason why)
{
	if (srclimit_allow(&s->notice_rl, from, now)) {
		r->reply_len = wire_notice_build(s->reply, sizeof(s->reply), len, code,
						 keyring_suite(&s->keys), s->prm.server_id,
						 h->session, h->epoch, h->seq);
		if (r->reply_len) {
			r->reply = RX_REPLY_NOTICE;
			r->reply_buf = s->reply;
		}
	}
	return rx_drop(r, why);
}

/* A copy that came by path slot k of session ss counts for its reception
 * figures (duplicates too: the copies of what other paths brought first). */
static void measure(struct server_core *s, struct session *ss, uint32_t k,
		    const struct wire_hdr *h, size_t len, double now)
{
	struct spath *p;
	bool was_down;

	if (k == RX_NONE || k != h->path)
		return;
	p = &ss->paths[k];
	was_down = p->q.state == PATHQ_DOWN;
	if (pathq_on_rx(&p->q, h->path_seq, h->stamp, (unsigned)len,
			h->type == WIRE_DATA || h->type == WIRE_PARITY, now) && was_down &&
	    ratelimit_allow(&s->state_rl, now, NULL))
		event_log("path_state", "session %016llx: path %u up again",
			  (unsigned long long)ss->id, k);
}

/*
 * An authenticated datagram of path p came from `from`, not p's return
 * address (NAT rebinding, roaming, or someone re-sending what they
 * captured): nothing moves; the new address gets a PING with a random
 * challenge (at most one per path every SERVER_CHALLENGE_INTERVAL), and
 * only a PONG echoing it from that address moves the path (take_pong).
 */
/* Path p may send a challenge now (one every SERVER_CHALLENGE_INTERVAL);
 * counts the ones it may not. */
static bool challenge_slot(struct server_core *s, const struct spath *p, double now)
{
	if (p->chal_sent >= 0 && now - p->chal_sent < SERVER_CHALLENGE_INTERVAL) {
		s->cnt.challenges_limited++;
		return false;
	}
	return true;
}

static void challenge(struct server_core *s, struct session *ss, struct spath *p,
		      const struct addr *from, double now, struct rx_result *r)
{
	if (!challenge_slot(s, p, now))
		return;
	random_bytes(p->chal_token, sizeof(p->chal_token));
	p->chal_addr = *from;
	p->chal_pending = true;
	p->chal_sent = now;
	r->reply_len = server_build_challenge(s, ss, p, now);
	if (r->reply_len) {
		r->reply = RX_REPLY_CHALLENGE;
		r->reply_buf = s->reply;
	}
}

/*
 * The first-contact race: whoever first delivers an authenticated datagram
 * on a path sets its return address.  If that was someone re-sending
 * captured datagrams faster than the bridge, the bridge's copies arrive as
 * duplicates from another address; they too show that the path has another
 * sender.  So while a path's address is a first contact's (learnt within
 * the path timeout, not confirmed by a challenge since), a duplicate of it
 * from another address is authenticated and draws a challenge as a fresh
 * datagram would -- at most one per path every SERVER_CHALLENGE_INTERVAL,
 * checked before the (costly) authentication, so re-sent duplicates cannot
 * buy CPU.  Nothing is committed: the datagram is still dropped as a
 * duplicate.  Later, a replayed recording draws nothing.
 */
static void dup_elsewhere(struct server_core *s, struct session *ss, const struct seal_psk *kp,
			  const struct addr *from, uint8_t *buf, size_t len, double now,
			  struct rx_result *r, struct seal_key *candidate)
{
	const struct wire_hdr *h = &r->h;
	struct spath *p;

	if (h->path >= SESSION_MAX_PATHS || h->type == WIRE_PONG)
		return;
	p = &ss->paths[h->path];
	if (!p->used || addr_equal(&p->addr, from) || p->learnt < 0 ||
	    now - p->learnt > s->prm.path_timeout)
		return;
	if (!challenge_slot(s, p, now))
		return;
	if (s->keys.sealed) {
		enum drop_reason why = DROP_BAD_TAG;
		const struct seal_key *k = server_key_rx(s, ss, kp, now, candidate, &why);

		if (!k || !wire_open(k, h, buf, len))
			return;
	}
	s->cnt.dup_challenges++;
	challenge(s, ss, p, from, now, r);
}

/*
 * A PONG to mpserver answers a path challenge or nothing.  Right token,
 * in time, from the challenged address: path k moves there.  A PONG that
 * does not confirm anything leaves the window as it was, so the genuine
 * answer still passes if a copy from elsewhere came first.
 */
static enum rx_verdict take_pong(struct server_core *s, uint32_t si, const struct addr *from,
				 const uint8_t *payload, size_t len, double now,
				 struct rx_result *r)
{
	struct session *ss = session_at(&s->sessions, si);
	struct spath *p = &ss->paths[r->h.path];
	struct wire_ping pong;
	char abuf[ADDR_STRLEN], bbuf[ADDR_STRLEN];

	if (!wire_ping_decode(payload, r->h.len, len, true, &pong)) {
		r->wire = WIRE_E_PAYLOAD;
		return rx_drop(r, DROP_MALFORMED);
	}
	if (!p->used || !p->chal_pending ||
	    memcmp(pong.token, p->chal_token, WIRE_TOKEN_LEN) != 0)
		return rx_drop(r, DROP_CHALLENGE);
	if (now - p->chal_sent > s->prm.path_timeout) {
		p->chal_pending = false;
		return rx_drop(r, DROP_CHALLENGE_LATE);
	}
	if (!addr_equal(from, &p->chal_addr))
		return rx_drop(r, DROP_CHALLENGE_ADDR);
	window_commit(&ss->rx, r->h.seq);
	p->chal_pending = false;
	addr_format(&p->addr, bbuf, sizeof(bbuf));
	session_path_move(&s->sessions, si, r->h.path, from);
	p->last_rx = now;
	p->st.received++;
	session_touch(&s->sessions, si, now);
	measure(s, ss, r->h.path, &r->h, len, now);
	s->cnt.path_moves++;
	if (ratelimit_allow(&s->open_rl, now, NULL))
		event_log("path_moved", "session %016llx: path %u moved from %s to %s (challenge answered)",
			  (unsigned long long)ss->id, r->h.path, bbuf,
			  addr_format(from, abuf, sizeof(abuf)));
	r->path = r->h.path;
	r->verdict = RX_ACCEPT;
	return RX_ACCEPT;
}

/* The client's FEEDBACK: what it received of ours on each path. */
static void take_feedback(struct session *ss, const struct wire_feedback *fb, double now)
{
	unsigned i;

	for (i = 0; i < fb->count; i++)
		if (ss->paths[fb->e[i].path].used)
			pathq_take_feedback(&ss->paths[fb->e[i].path].q, &fb->e[i], now);
}

static enum rx_verdict decide(struct server_core *s, const struct addr *from, uint8_t *buf,
			      size_t len, double now, struct rx_result *r,
			      struct seal_key *candidate)
{
	struct wire_hdr *h = &r->h;
	const uint8_t *payload;
	enum window_verdict v;
	struct session *ss = NULL;
	const struct seal_psk *kp = NULL;	/* keyed: the key the datagram names */
	struct spath *p;
	struct wire_ping ping;
	struct wire_feedback fb;
	uint32_t si;
	bool is_new, jump = false;

	/* decode (suite 0: the CRC32C is checked here) */
	if (len > WIRE_MAX_DGRAM) {
		r->wire = WIRE_E_LENGTH;
		return rx_drop(r, DROP_MALFORMED);
	}
	if (!wire_decode(buf, len, h, &payload, &r->wire)) {
		if (r->wire == WIRE_E_V1 && len >= 32) {
			/* session, epoch, seq of a v1 header: bytes 8, 16, 24 */
			struct wire_hdr v1 = { .session = 0, .epoch = 0, .seq = 0 };
			unsigned b;

			for (b = 0; b < 8; b++) {
				v1.session = v1.session << 8 | buf[8 + b];
				v1.epoch = v1.epoch << 8 | buf[16 + b];
				v1.seq = v1.seq << 8 | buf[24 + b];
			}
			return refuse(s, from, &v1, len, WIRE_N_VERSION, now, r, DROP_MALFORMED);
		}
		return rx_drop(r, DROP_MALFORMED);
	}
	/* classify */
	if (h->flags & WIRE_F_SERVER)
		return rx_drop(r, DROP_DIRECTION);
	if (h->type == WIRE_COOKIE || h->type == WIRE_NOTICE)
		return rx_drop(r, DROP_TYPE);
	if (h->epoch != h->session)
		return rx_drop(r, DROP_EPOCH);
	if (s->keys.sealed && h->suite == WIRE_SUITE_CLEAR)
		return refuse(s, from, h, len, WIRE_N_PEER_UNKEYED, now, r, DROP_PLAINTEXT);
	if (!s->keys.sealed && h->suite != WIRE_SUITE_CLEAR)
		return refuse(s, from, h, len, WIRE_N_PEER_KEYED, now, r, DROP_SEALED);
	if (s->keys.sealed && !(kp = keyring_get(&s->keys, h->key_id)))
		return refuse(s, from, h, len, WIRE_N_KEY_ID, now, r, DROP_KEY_ID);
	if (s->keys.sealed && h->suite != kp->suite)
		return refuse(s, from, h, len, WIRE_N_SUITE, now, r, DROP_SUITE);
	/* window, read only; never create state for a duplicate */
	si = session_find(&s->sessions, h->session);
	if (si != RX_NONE) {
		ss = session_at(&s->sessions, si);
		v = window_check(&ss->rx, h->seq);
		if (v != WINDOW_NEW) {
			r->session = si;
			r->path = session_path_find(&s->sessions, si, from);
			measure(s, ss, r->path, h, len, now);
			if (v == WINDOW_DUP)
				dup_elsewhere(s, ss, kp, from, buf, len, now, r, candidate);
			return rx_drop(r, v == WINDOW_DUP ? DROP_DUPLICATE : DROP_TOO_OLD);
		}
		jump = jump_is(&ss->rx, h->seq);
		/* a PARITY of a block the decoder is done with (its data all
		 * here or recovered): not needed, dropped before the (costly)
		 * authentication as a duplicate is, and measured on its path */
		if (ss->fec && fec_recv_unneeded(&ss->fec->rx, h)) {
			r->session = si;
			r->path = session_path_find(&s->sessions, si, from);
			measure(s, ss, r->path, h, len, now);
			return rx_drop(r, DROP_FEC_UNNEEDED);
		}
	}
	/* authenticate: nothing is created or committed before this */
	if (s->keys.sealed) {
		const struct seal_key *k = candidate;
		enum drop_reason why = DROP_BAD_TAG;

		if (ss) {
			/* the session's key, the one before it, or another one we hold */
			k = server_key_rx(s, ss, kp, now, candidate, &why);
			if (!k)
				return rx_drop(r, why);
		} else {
			/* a flood of made-up sessions may not eat the CPU */
			if (!ratelimit_allow(&s->unknown_rl, now, NULL))
				return rx_drop(r, DROP_NEW_RATE);
			if (seal_key_derive(candidate, kp, h->session, h->epoch, false))
				return rx_drop(r, DROP_BAD_TAG);
		}
		if (!wire_open(k, h, buf, len))
			return refuse(s, from, h, len, WIRE_N_AUTH, now, r, DROP_BAD_TAG);
	}
	/* one datagram may not move the window far: a second one must confirm it */
	if (jump && !jump_confirm(&ss->jump, &ss->rx, h->seq, now)) {
		r->session = si;
		return rx_drop(r, DROP_JUMP);
	}
	if (!ss && h->type == WIRE_PONG)
		return rx_drop(r, DROP_CHALLENGE);	/* we challenge known paths only */
	if (!ss && h->type == WIRE_FEEDBACK)
		return rx_drop(r, DROP_SESSION);	/* reports on nothing we sent */
	if (h->type == WIRE_FEEDBACK && !wire_feedback_decode(payload, h->len, &fb)) {
		r->wire = WIRE_E_PAYLOAD;
		return rx_drop(r, DROP_MALFORMED);
	}
	if (!ss) {
		if (s->keys.sealed) {
			/* keyed: a new session needs a PING with a fresh cookie, so a
			 * datagram recorded earlier (before a restart) opens nothing */
			if (h->type != WIRE_PING ||
			    !wire_ping_decode(payload, h->len, len, false, &ping))
				return rx_drop(r, DROP_NO_COOKIE);
			if (!cookie_valid(&s->cookies, h->session, ping.token, now))
				return want_cookie(s, h, kp, now, r);
			/* a replay of a PING from before this session closed */
			if (session_closed_top(&s->sessions, h->session) >= h->seq)
				return rx_drop(r, DROP_NO_COOKIE);
		}
		si = session_create(s, h->session, now);
		if (si == RX_NONE)
			return rx_drop(r, DROP_SESSION_CAP);
		ss = session_at(&s->sessions, si);
		jump_reset(&ss->jump);
		if (s->keys.sealed) {
			if (server_key_start(ss, kp, h->seq, candidate)) {
				server_session_close(s, si, "no key");
				return rx_drop(r, DROP_SESSION_CAP);
			}
			/* nothing the client sent before this PING is accepted */
			window_set_floor(&ss->rx, h->seq);
			/* the session is its client's: only its keys open it */
			ss->client = keyset_tag(&s->keys.set, kp);
		}
	}
	/* accept */
	r->session = si;
	if (h->type == WIRE_PONG)
		return take_pong(s, si, from, payload, len, now, r);
	window_commit(&ss->rx, h->seq);
	if (kp)
		server_key_follow(s, ss, kp, h->seq, candidate);
	r->path = session_path_learn(&s->sessions, si, h->path, from, now, &is_new);
	if (is_new) {
		char abuf[ADDR_STRLEN];

		event_log("path_up", "session %016llx: path %u from %s", (unsigned long long)ss->id, h->path,
			 addr_format(from, abuf, sizeof(abuf)));
	}
	p = &ss->paths[r->path];
	p->last_rx = now;
	p->st.received++;
	session_touch(&s->sessions, si, now);
	if (addr_equal(&p->addr, from))	/* not a copy re-sent from elsewhere */
		measure(s, ss, r->path, h, len, now);
	if (!is_new && !addr_equal(&p->addr, from))
		challenge(s, ss, p, from, now, r);

	if (h->type == WIRE_PING) {
		/* the PONG goes to the path's return address; not when the PING
		 * came from a new address and that address was just challenged */
		if (r->reply == RX_REPLY_NONE &&
		    wire_ping_decode(payload, h->len, len, false, &ping)) {
			struct redundancy want = ss->red;

			/* the path's role as mpclient says (sealed with the PING) */
			p->backup = (ping.path_flags & WIRE_PATH_F_BACKUP) != 0;
			/* the client's request for what we send it (keep: as is) */
			if (redundancy_from_ping(&ping, &want))
				server_session_redundancy(s, si, &want, now);
			r->reply_len = server_build_pong(s, ss, p, &ping, len, now);
			if (r->reply_len) {
				r->reply = RX_REPLY_PONG;
				r->reply_buf = s->reply;
			}
		}
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->type == WIRE_FEEDBACK) {
		take_feedback(ss, &fb, now);
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->type == WIRE_PARITY) {
		if (!take_symbol(s, si, p, payload, now, r))
			return rx_drop(r, DROP_FEC);
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	if (h->flags & WIRE_F_FEC)
		take_symbol(s, si, p, payload, now, r);	/* the DATA itself goes on regardless */
	return deliver(s, si, p, from, payload, now, r);	/* WIRE_DATA */
}

/* A misconfigured peer: say what is wrong and from where (rate-limited per reason). */
static void peer_log(struct server_core *s, const struct addr *from, const struct rx_result *r)
{
	const char *what = NULL, *hint = NULL;
	char abuf[ADDR_STRLEN];
	char ours[64] = "";

	switch (r->drop) {
	case DROP_MALFORMED:
		if (r->wire != WIRE_E_V1)
			return;
		what = "peer speaks protocol v1";
		hint = "upgrade it";
		break;
	case DROP_KEY_ID:
		what = "unknown key id";
		hint = "the peer's key differs from ours";
		snprintf(ours, sizeof(ours), " (its %08x, ours %08x)", r->h.key_id,
			 s->keys.psk.id);
		break;
	case DROP_BAD_TAG:
		what = "authentication failed";
		hint = "the keys differ, or the datagram was forged or damaged";
		break;
	case DROP_SUITE:
		what = "cipher suite not accepted";
		hint = "give both ends the same --suite";
		snprintf(ours, sizeof(ours), " (its %s, ours %s)", seal_suite_name(r->h.suite),
			 seal_suite_name(s->keys.psk.suite));
		break;
	case DROP_PLAINTEXT:
		what = "unsealed datagram";
		hint = "the peer has no key and we do: give both ends the same --key-file";
		break;
	case DROP_SEALED:
		what = "sealed datagram";
		hint = "the peer is keyed and we are not: give both ends the same --key-file";
		break;
	default:
		return;
	}
	log_limited(&s->peer_rl[r->drop], "from %s: %s%s: %s%s", addr_format(from, abuf, sizeof(abuf)),
		    what, ours, hint, r->reply == RX_REPLY_NOTICE ? " (told it with a NOTICE)" : "");
}

enum rx_verdict server_rx(struct server_core *s, const struct addr *from, uint8_t *buf,
			  size_t len, double now, struct rx_result *r)
{
	struct seal_key candidate = { .ctx = NULL };
	struct path_stats *ps;
	enum rx_verdict v;

	rx_reset(r);
	v = decide(s, from, buf, len, now, r, &candidate);
	if (s->keys.sealed)
		seal_key_wipe(&candidate);
	if (v != RX_DROP)
		return v;
	/* the one drop exit: duplicates and old ones on their path if known */
	ps = r->session != RX_NONE && r->path != RX_NONE
		     ? &s->sessions.s[r->session].paths[r->path].st
		     : (r->drop == DROP_DUPLICATE || r->drop == DROP_TOO_OLD ? &s->other : NULL);
	drops_count(&s->drops, ps, r->drop, r->wire, 1, 0);
	peer_log(s, from, r);
	if (r->reply_limited)
		drops_count(&s->drops, NULL, DROP_COOKIE_RATE, WIRE_OK, 1, 0);
	return v;
}
