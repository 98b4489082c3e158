/* server_rx.c - mpserver's receive decisions (see rx.h for the stages and
 * PROTOCOL.md, Receiving, for the rules). */
#include "server_core.h"
#include "event.h"
#include "log.h"

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
		if (ratelimit_allow(&s->open_rl, now, NULL))
			event_log("session_open", "session %016llx opened (%u sessions)",
				  (unsigned long long)id, s->sessions.n);
	return i;
}

/* Keyed: answer an authenticated PING of an unknown session with a cookie
 * (never another type: a replayed recording of DATA gets no answer; the
 * jar's limits bound what replayed PINGs get: one per session a second). */
static enum rx_verdict want_cookie(struct server_core *s, const struct wire_hdr *h, double now,
				   struct rx_result *r)
{
	r->reply_len = cookie_build(&s->cookies, s->keys.psk, h->session, now, s->reply,
				    sizeof(s->reply), &r->reply_limited);
	if (r->reply_len) {
		r->reply = RX_REPLY_COOKIE;
		r->reply_buf = s->reply;
	}
	return rx_drop(r, DROP_NO_COOKIE);
}

/*
 * Deliver stage: the accepted DATA of session si goes to its flow (created
 * here; the daemon opens its socket).  An FEC decoder goes in front of this
 * (accepted symbols in, recovered datagrams out, each through here).
 */
static enum rx_verdict deliver(struct server_core *s, uint32_t si, const uint8_t *payload,
			       double now, struct rx_result *r)
{
	struct session *ss = session_at(&s->sessions, si);
	uint32_t f = ss->last_flow;

	if (f == RX_NONE || s->flows.f[f].session != si || s->flows.f[f].id != r->h.flow)
		f = sflow_find(&s->flows, si, r->h.flow);
	if (f == RX_NONE) {
		if (s->flows.nfree == 0) {
			/* full: a flow the target never replied on (a flood's) makes room */
			uint32_t v = sflow_victim(&s->flows, now, s->prm.idle_timeout);

			if (v == RX_NONE)
				return rx_drop(r, DROP_FLOW_CAP);
			s->cnt.evicted_flows++;
			log_limited(&s->open_rl, "flow table full (%u): flow %u of session %016llx "
				    "evicted for a new one", s->flows.max, s->flows.f[v].id,
				    (unsigned long long)s->sessions.s[s->flows.f[v].session].id);
			server_flow_close(s, v);
		}
		f = sflow_add(&s->flows, si, r->h.flow, now);
		if (f == RX_NONE)
			return rx_drop(r, DROP_FLOW_CAP);
		ss->nflows++;
		r->flow_new = true;
		if (ratelimit_allow(&s->open_rl, now, NULL))
			event_log("flow_open", "session %016llx: flow %u opened",
				  (unsigned long long)ss->id, r->h.flow);
	}
	ss->last_flow = f;
	sflow_touch(&s->flows, f, now);
	r->flow = f;
	r->payload = payload;
	r->len = r->h.len;
	r->verdict = RX_DELIVER;
	return RX_DELIVER;
}

static enum rx_verdict decide(struct server_core *s, const struct addr *from, uint8_t *buf,
			      size_t len, double now, struct rx_result *r,
			      struct seal_key *candidate)
{
	struct wire_hdr *h = &r->h;
	const uint8_t *payload;
	enum window_verdict v;
	struct session *ss = NULL;
	struct spath *p;
	struct wire_ping ping;
	uint32_t si;
	bool is_new;

	/* decode */
	if (len > WIRE_MAX_DGRAM) {
		r->wire = WIRE_E_LENGTH;
		return rx_drop(r, DROP_MALFORMED);
	}
	if (!wire_decode(buf, len, h, &payload, &r->wire))
		return rx_drop(r, DROP_MALFORMED);
	/* classify */
	if (h->flags & WIRE_F_SERVER)
		return rx_drop(r, DROP_DIRECTION);
	if (s->keys.sealed != !!(h->flags & WIRE_F_SEALED))
		return rx_drop(r, s->keys.sealed ? DROP_PLAINTEXT : DROP_BAD_TAG);
	if (h->epoch != h->session)
		return rx_drop(r, DROP_EPOCH);
	if (h->type == WIRE_PONG || h->type == WIRE_COOKIE)
		return rx_drop(r, DROP_TYPE);
	/* window, read only; never create state for a duplicate */
	si = session_find(&s->sessions, h->session);
	if (si != RX_NONE) {
		ss = session_at(&s->sessions, si);
		v = window_check(&ss->rx, h->seq);
		if (v != WINDOW_NEW) {
			r->session = si;
			r->path = session_path_find(&s->sessions, si, from);
			return rx_drop(r, v == WINDOW_DUP ? DROP_DUPLICATE : DROP_TOO_OLD);
		}
	}
	/* authenticate: nothing is created or committed before this */
	if (s->keys.sealed) {
		const struct seal_key *k = ss ? &ss->rx_key : candidate;

		if (!ss) {
			/* a flood of made-up sessions may not eat the CPU */
			if (!ratelimit_allow(&s->unknown_rl, now, NULL))
				return rx_drop(r, DROP_NEW_RATE);
			seal_derive_for(s->keys.psk, h, candidate);
		}
		if (!open_datagram(k, h, buf, len))
			return rx_drop(r, DROP_BAD_TAG);
	}
	if (!ss) {
		if (s->keys.sealed) {
			/* keyed: a new session needs a PING with a fresh cookie, so a
			 * datagram recorded earlier (before a restart) opens nothing */
			if (h->type != WIRE_PING || !wire_ping_decode(payload, h->len, &ping))
				return rx_drop(r, DROP_NO_COOKIE);
			if (!cookie_valid(&s->cookies, h->session, ping.cookie, now))
				return want_cookie(s, h, now, r);
			/* a replay of a PING from before this session closed */
			if (session_closed_top(&s->sessions, h->session) >= h->seq)
				return rx_drop(r, DROP_NO_COOKIE);
		}
		si = session_create(s, h->session, now);
		if (si == RX_NONE)
			return rx_drop(r, DROP_SESSION_CAP);
		ss = session_at(&s->sessions, si);
		if (s->keys.sealed) {
			ss->rx_key = *candidate;
			seal_derive(s->keys.psk, ss->id, ss->epoch, true, &ss->tx_key);
			/* nothing the client sent before this PING is accepted */
			window_set_floor(&ss->rx, h->seq);
		}
	}
	/* accept */
	r->session = si;
	window_commit(&ss->rx, h->seq);
	r->path = session_path_learn(&s->sessions, si, from, now, &is_new);
	if (is_new) {
		char abuf[ADDR_STRLEN];

		event_log("path_up", "session %016llx: path from %s", (unsigned long long)ss->id,
			 addr_format(from, abuf, sizeof(abuf)));
	}
	p = &ss->paths[r->path];
	p->last_rx = now;
	p->st.received++;
	session_touch(&s->sessions, si, now);

	if (h->type == WIRE_PING) {
		if (wire_ping_decode(payload, h->len, &ping)) {
			r->reply_len = server_build_pong(s, ss, &ping);
			if (r->reply_len) {
				r->reply = RX_REPLY_PONG;
				r->reply_buf = s->reply;
			}
		}
		r->verdict = RX_ACCEPT;
		return RX_ACCEPT;
	}
	return deliver(s, si, payload, now, r);	/* WIRE_DATA */
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
	if (r->reply_limited)
		drops_count(&s->drops, NULL, DROP_COOKIE_RATE, WIRE_OK, 1, 0);
	return v;
}
