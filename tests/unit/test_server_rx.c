/* test_server_rx.c - mpserver's receive decisions through the core API
 * (server_core.h): every drop reason, cookies, session eviction and expiry,
 * paths.  No sockets: datagrams are bytes, time is a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rx_util.h"
#include "seal.h"
#include "server_core.h"

#define SESS 0x1111222233334444ull
#define SESS2 0x5555666677778888ull
#define T0 600.0	/* a whole minute: cookie buckets start here */

static uint8_t buf[RX_BUF];
static uint8_t pre[RX_BUF];
static unsigned flows_closed;

static void on_flow_closed(void *arg, uint32_t f)
{
	(void)arg;
	(void)f;
	flows_closed++;
}

static void server_new(struct server_core *s, const struct tunnel_params *prm, bool keyed)
{
	struct server_hooks hooks = { on_flow_closed, NULL };

	flows_closed = 0;
	assert_int_equal(server_core_init(s, prm, keyed ? rx_psk : NULL, &hooks), 0);
}

/* The cookie a keyed server expects from session at now. */
static void valid_cookie(const struct server_core *s, uint64_t session, double now,
			 uint8_t cookie[WIRE_COOKIE_LEN])
{
	seal_cookie(s->cookies.secret, session, cookie_bucket(now), cookie);
}

/* A client datagram of session (its epoch = session) on path id `path`
 * (token: a PING's cookie or a PONG's challenge). */
static size_t c2s_on(uint8_t *out, uint8_t type, bool keyed, uint32_t flow, uint64_t session,
		     uint64_t seq, uint8_t path, const uint8_t *token)
{
	struct wire_hdr h = rx_hdr(type, keyed ? RX_KEYED : 0, flow, session, session, seq, 5);

	if (type == WIRE_PING || type == WIRE_PONG)
		return rx_mk_ping(out, h, path, 1.0, token, NULL);
	h.path = path;
	return rx_mk(out, &h, "hello", NULL);
}

/* The same on path 0. */
static size_t c2s(uint8_t *out, uint8_t type, bool keyed, uint32_t flow, uint64_t session,
		  uint64_t seq, const uint8_t *cookie)
{
	return c2s_on(out, type, keyed, flow, session, seq, 0, cookie);
}

/* Unkeyed DATA of flow of session (seq) from *from at now: server_rx's verdict. */
static enum rx_verdict data_in(struct server_core *s, const struct addr *from, uint32_t flow,
			       uint64_t session, uint64_t seq, double now, struct rx_result *r)
{
	size_t n = c2s(buf, WIRE_DATA, false, flow, session, seq, NULL);

	return server_rx(s, from, buf, n, now, r);
}

/* Open session `session` from addr (keyed: through a PING with a valid cookie). */
static void open_session(struct server_core *s, uint64_t session, uint64_t seq, uint16_t port,
			 double now)
{
	struct addr from = rx_addr(port);
	uint8_t cookie[WIRE_COOKIE_LEN];
	struct rx_result r;
	size_t n;

	valid_cookie(s, session, now, cookie);
	n = c2s(pre, WIRE_PING, s->keys.sealed, 0, session, seq, cookie);
	assert_int_equal(server_rx(s, &from, pre, n, now, &r), RX_ACCEPT);
	assert_int_equal(r.reply, RX_REPLY_PONG);
}

/* ---- every drop reason, table-driven ---- */

enum prelude { P_NONE, P_SAME, P_SEQ1000, P_OTHER_SESSION, P_FLOW1, P_KEYED_OPEN };
enum mutate { M_NONE, M_SHORT, M_OVERSIZE, M_VERSION, M_TAG };

struct srv_case {
	const char *name;
	bool keyed;
	unsigned max_sessions, max_flows;	/* 0: defaults */
	enum prelude pre;
	uint8_t type, flags;
	uint32_t flow;
	uint64_t session, epoch, seq;
	enum mutate mut;
	enum rx_verdict want;
	enum drop_reason why;	/* RX_DROP */
	enum wire_drop wire;	/* DROP_MALFORMED */
	enum rx_reply reply;
};

static const struct srv_case cases[] = {
	{ "new DATA is delivered", false, 0, 0, P_NONE, WIRE_DATA, 0, 7, SESS, SESS, 1, M_NONE,
	  RX_DELIVER, 0, 0, RX_REPLY_NONE },
	{ "new PING is answered", false, 0, 0, P_NONE, WIRE_PING, 0, 0, SESS, SESS, 1, M_NONE,
	  RX_ACCEPT, 0, 0, RX_REPLY_PONG },
	{ "short", false, 0, 0, P_NONE, WIRE_DATA, 0, 7, SESS, SESS, 1, M_SHORT,
	  RX_DROP, DROP_MALFORMED, WIRE_E_SHORT, RX_REPLY_NONE },
	{ "larger than UDP carries", false, 0, 0, P_NONE, WIRE_DATA, 0, 7, SESS, SESS, 1,
	  M_OVERSIZE, RX_DROP, DROP_MALFORMED, WIRE_E_LENGTH, RX_REPLY_NONE },
	{ "unknown version", false, 0, 0, P_NONE, WIRE_DATA, 0, 7, SESS, SESS, 1, M_VERSION,
	  RX_DROP, DROP_MALFORMED, WIRE_E_VERSION, RX_REPLY_NONE },
	{ "COOKIE from a client", false, 0, 0, P_NONE, WIRE_COOKIE, 0, 0, SESS, SESS, 1, M_NONE,
	  RX_DROP, DROP_MALFORMED, WIRE_E_FLAGS, RX_REPLY_NONE },
	{ "from the server side", false, 0, 0, P_NONE, WIRE_DATA, WIRE_F_SERVER, 7, SESS, SESS, 1,
	  M_NONE, RX_DROP, DROP_DIRECTION, 0, RX_REPLY_NONE },
	{ "sealed to a keyless server", false, 0, 0, P_NONE, WIRE_DATA, RX_KEYED, 7, SESS,
	  SESS, 1, M_NONE, RX_DROP, DROP_SEALED, 0, RX_REPLY_NOTICE },
	{ "epoch is not the session", false, 0, 0, P_NONE, WIRE_DATA, 0, 7, SESS, SESS2, 1,
	  M_NONE, RX_DROP, DROP_EPOCH, 0, RX_REPLY_NONE },
	{ "PONG to the server, unknown session (no challenge)", false, 0, 0, P_NONE, WIRE_PONG, 0, 0,
	  SESS, SESS, 1, M_NONE, RX_DROP, DROP_CHALLENGE, 0, RX_REPLY_NONE },
	{ "duplicate", false, 0, 0, P_SAME, WIRE_DATA, 0, 7, SESS, SESS, 1, M_NONE,
	  RX_DROP, DROP_DUPLICATE, 0, RX_REPLY_NONE },
	{ "below the window", false, 0, 0, P_SEQ1000, WIRE_DATA, 0, 7, SESS, SESS, 900, M_NONE,
	  RX_DROP, DROP_TOO_OLD, 0, RX_REPLY_NONE },
	{ "session table full of live proven sessions", false, 1, 0, P_OTHER_SESSION, WIRE_DATA, 0, 7,
	  SESS, SESS, 1, M_NONE, RX_DROP, DROP_SESSION_CAP, 0, RX_REPLY_NONE },
	{ "flow table full of answered flows", false, 0, 1, P_FLOW1, WIRE_DATA, 0, 2, SESS, SESS, 2, M_NONE,
	  RX_DROP, DROP_FLOW_CAP, 0, RX_REPLY_NONE },
	{ "keyed: plaintext", true, 0, 0, P_NONE, WIRE_DATA, 0, 7, SESS, SESS, 1, M_NONE,
	  RX_DROP, DROP_PLAINTEXT, 0, RX_REPLY_NONE },
	{ "keyed: DATA of an unknown session gets no answer", true, 0, 0, P_NONE, WIRE_DATA,
	  RX_KEYED, 7, SESS, SESS, 1, M_NONE, RX_DROP, DROP_NO_COOKIE, 0, RX_REPLY_NONE },
	{ "keyed: PING without a cookie", true, 0, 0, P_NONE, WIRE_PING, RX_KEYED, 0, SESS,
	  SESS, 1, M_NONE, RX_DROP, DROP_NO_COOKIE, 0, RX_REPLY_COOKIE },
	{ "keyed: forged tag, unknown session", true, 0, 0, P_NONE, WIRE_DATA, RX_KEYED, 7,
	  SESS, SESS, 1, M_TAG, RX_DROP, DROP_BAD_TAG, 0, RX_REPLY_NOTICE },
	{ "keyed: forged tag, known session", true, 0, 0, P_KEYED_OPEN, WIRE_DATA, RX_KEYED,
	  7, SESS, SESS, 11, M_TAG, RX_DROP, DROP_BAD_TAG, 0, RX_REPLY_NOTICE },
	{ "keyed: DATA after the cookie PING", true, 0, 0, P_KEYED_OPEN, WIRE_DATA,
	  RX_KEYED, 7, SESS, SESS, 11, M_NONE, RX_DELIVER, 0, 0, RX_REPLY_NONE },
	{ "keyed: sent before the cookie PING", true, 0, 0, P_KEYED_OPEN, WIRE_DATA,
	  RX_KEYED, 7, SESS, SESS, 9, M_NONE, RX_DROP, DROP_DUPLICATE, 0, RX_REPLY_NONE },
};

static void run_case(const struct srv_case *c)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	struct rx_result r;
	struct wire_hdr h;
	uint64_t before[DROP__COUNT];
	size_t n;
	unsigned i;

	rx_params(&prm);
	if (c->max_sessions)
		prm.max_sessions = c->max_sessions;
	if (c->max_flows)
		prm.max_flows = c->max_flows;
	server_new(&s, &prm, c->keyed);
	h = rx_hdr(c->type, c->flags, c->flow, c->session, c->epoch, c->seq, 5);
	if (c->type == WIRE_PING || c->type == WIRE_PONG)
		n = rx_mk_ping(buf, h, 0, 1.0, NULL, NULL);
	else if (c->type == WIRE_COOKIE)
		n = rx_mk(buf, (h.len = WIRE_COOKIE_LEN, &h), "0123456789abcdef", NULL);
	else
		n = rx_mk(buf, &h, "hello", NULL);
	assert_true(n > 0);
	switch (c->pre) {
	case P_NONE:
		break;
	case P_SAME:
		memcpy(pre, buf, n);
		assert_int_equal(server_rx(&s, &from, pre, n, T0, &r), RX_DELIVER);
		break;
	case P_SEQ1000:
		h.seq = 1000;
		rx_mk(pre, &h, "hello", NULL);
		assert_int_equal(server_rx(&s, &from, pre, n, T0, &r), RX_DELIVER);
		break;
	case P_OTHER_SESSION:	/* a live session with a reply from the target */
		open_session(&s, SESS2, 1, 4009, T0);
		session_proven(&s.sessions, session_find(&s.sessions, SESS2));
		break;
	case P_FLOW1:		/* a flow the target replied on */
		h.flow = 1;
		h.seq = 1;
		rx_mk(pre, &h, "hello", NULL);
		assert_int_equal(server_rx(&s, &from, pre, n, T0, &r), RX_DELIVER);
		sflow_answered(&s.flows, r.flow);
		break;
	case P_KEYED_OPEN:
		open_session(&s, c->session, 10, 4001, T0);
		break;
	}
	switch (c->mut) {
	case M_NONE:
		break;
	case M_SHORT:
		n = 10;
		break;
	case M_OVERSIZE:
		n = WIRE_MAX_DGRAM + 1;
		break;
	case M_VERSION:
		buf[0] = 9;
		break;
	case M_TAG:
		buf[n - 1] ^= 0x40;
		break;
	}
	memcpy(before, s.cnt.drop, sizeof(before));
	if (server_rx(&s, &from, buf, n, T0 + 0.5, &r) != c->want)
		fail_msg("%s: verdict %d, want %d (drop %s)", c->name, r.verdict, c->want,
			 drop_reason_name(r.drop));
	if (r.reply != c->reply)
		fail_msg("%s: reply %d, want %d", c->name, r.reply, c->reply);
	if (c->want == RX_DROP) {
		if (r.drop != c->why)
			fail_msg("%s: dropped as %s, want %s", c->name, drop_reason_name(r.drop),
				 drop_reason_name(c->why));
		/* counted once, under its reason only */
		for (i = 0; i < DROP__COUNT; i++)
			assert_int_equal(s.cnt.drop[i] - before[i],
					 i == c->why || (i == DROP_COOKIE_RATE && r.reply_limited)
						 ? 1 : 0);
		if (c->why == DROP_MALFORMED)
			assert_int_equal(s.cnt.wire[c->wire], 1);
		if (c->why == DROP_DUPLICATE || c->why == DROP_TOO_OLD) {
			const struct path_stats *ps = &s.sessions.s[r.session].paths[r.path].st;

			assert_int_equal(c->why == DROP_DUPLICATE ? ps->duplicates : ps->too_old, 1);
		}
	} else if (c->want == RX_DELIVER) {
		assert_int_equal(r.len, 5);
		assert_memory_equal(r.payload, "hello", 5);
		assert_int_equal(s.flows.f[r.flow].id, c->flow);
	}
	if (c->reply == RX_REPLY_COOKIE || c->reply == RX_REPLY_PONG) {
		struct wire_hdr rh;
		const uint8_t *pl;

		assert_true(wire_decode(r.reply_buf, r.reply_len, &rh, &pl, NULL));
		assert_int_equal(rh.type, c->reply == RX_REPLY_PONG ? WIRE_PONG : WIRE_COOKIE);
		assert_true(rh.session == c->session);
		assert_true(rh.flags & WIRE_F_SERVER);
	}
	server_core_free(&s);
}

static void test_drop_reasons(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* the drops the daemon reports through the core: no path, socket, target */
static void test_daemon_drops(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	struct rx_result r;

	(void)state;
	rx_params(&prm);
	server_new(&s, &prm, false);
	assert_int_equal(data_in(&s, &from, 3, SESS, 1, T0, &r), RX_DELIVER);
	assert_true(r.flow_new);
	server_flow_failed(&s, r.flow, 24);
	assert_int_equal(s.cnt.drop[DROP_SOCKET], 1);
	assert_int_equal(s.flows.n, 0);
	assert_int_equal(s.sessions.s[r.session].nflows, 0);
	server_tx_nopath(&s, 3);
	assert_int_equal(s.cnt.drop[DROP_NO_PATH], 3);
	drops_count(&s.drops, NULL, DROP_TARGET, WIRE_OK, 2, 111);
	assert_int_equal(s.cnt.drop[DROP_TARGET], 2);
	/* a reply larger than the tunnel carries */
	assert_int_equal(data_in(&s, &from, 3, SESS, 2, T0, &r), RX_DELIVER);
	assert_int_equal(server_tx_data(&s, r.flow, buf, sizeof(buf), WIRE_MAX_PAYLOAD + 1, T0), 0);
	assert_int_equal(s.cnt.drop[DROP_TOO_BIG], 1);
	server_core_free(&s);
}

/* ---- cookies ---- */

static void test_cookie_issue_accept_expiry(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	uint8_t cookie[WIRE_COOKIE_LEN];
	struct rx_result r;
	struct wire_hdr h;
	const uint8_t *pl;
	size_t n;

	(void)state;
	rx_params(&prm);
	server_new(&s, &prm, true);
	/* issue: an authenticated PING of an unknown session gets a COOKIE */
	n = c2s(buf, WIRE_PING, true, 0, SESS, 1, NULL);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 5, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_NO_COOKIE);
	assert_int_equal(r.reply, RX_REPLY_COOKIE);
	assert_true(wire_decode(r.reply_buf, r.reply_len, &h, &pl, NULL));
	memcpy(pre, r.reply_buf, r.reply_len);
	assert_true(rx_open(pre, r.reply_len, NULL));
	memcpy(cookie, pre + WIRE_HDR_LEN, WIRE_COOKIE_LEN);
	assert_true(cookie_valid(&s.cookies, SESS, cookie, T0 + 5));
	/* valid this minute and the next, not the one after */
	assert_true(cookie_valid(&s.cookies, SESS, cookie, T0 + 119));
	assert_false(cookie_valid(&s.cookies, SESS, cookie, T0 + 120));
	assert_false(cookie_valid(&s.cookies, SESS2, cookie, T0 + 5));
	/* expired: the PING carrying it is refused, and a new cookie sent */
	n = c2s(buf, WIRE_PING, true, 0, SESS, 2, cookie);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 130, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_NO_COOKIE);
	assert_int_equal(r.reply, RX_REPLY_COOKIE);
	assert_int_equal(s.sessions.n, 0);
	/* accept: within its time the PING opens the session and is answered */
	n = c2s(buf, WIRE_PING, true, 0, SESS, 3, cookie);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 70, &r), RX_ACCEPT);
	assert_int_equal(r.reply, RX_REPLY_PONG);
	assert_int_equal(s.sessions.n, 1);
	/* a cookie of another session does not open this one */
	n = c2s(buf, WIRE_PING, true, 0, SESS2, 1, cookie);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 70, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_NO_COOKIE);
	server_core_free(&s);
}

static void test_cookie_and_crypto_rates(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	struct rx_result r;
	unsigned i, cookies = 0, limited = 0, new_rate = 0;
	size_t n;

	(void)state;
	rx_params(&prm);
	server_new(&s, &prm, true);
	/* 2100 made-up sessions' PINGs in the same instant: 100 cookies (the
	 * burst), 2000 opened (the crypto budget), the rest refused before any crypto */
	for (i = 0; i < 2100; i++) {
		n = c2s(buf, WIRE_PING, true, 0, SESS + i, 1, NULL);
		server_rx(&s, &from, buf, n, T0, &r);
		cookies += r.reply == RX_REPLY_COOKIE;
		limited += r.reply_limited;
		new_rate += r.drop == DROP_NEW_RATE;
	}
	assert_int_equal(cookies, 100);
	assert_int_equal(limited, 1900);
	assert_int_equal(new_rate, 100);
	assert_int_equal(s.cnt.drop[DROP_COOKIE_RATE], 1900);
	assert_int_equal(s.cnt.drop[DROP_NO_COOKIE], 2000);
	assert_int_equal(s.cnt.drop[DROP_NEW_RATE], 100);
	assert_int_equal(s.sessions.n, 0);
	server_core_free(&s);
}

/* A recording replayed to a restarted keyed server: its DATA gets no answer,
 * its PINGs one COOKIE per session a second (PROTOCOL.md, COOKIE). */
static void test_cookie_replay_bound(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	struct rx_result r;
	unsigned i, cookies = 0, limited = 0;
	size_t n;

	(void)state;
	rx_params(&prm);
	server_new(&s, &prm, true);
	/* 3 s of a replayed session at 1000 datagrams a second, every 10th a PING */
	for (i = 0; i < 3000; i++) {
		n = c2s(buf, i % 10 ? WIRE_DATA : WIRE_PING, true, i % 10 ? 1 : 0, SESS, i + 1,
			NULL);
		assert_int_equal(server_rx(&s, &from, buf, n, T0 + 0.001 * i, &r), RX_DROP);
		assert_int_equal(r.drop, DROP_NO_COOKIE);
		if (i % 10)
			assert_int_equal(r.reply, RX_REPLY_NONE);
		cookies += r.reply == RX_REPLY_COOKIE;
		limited += r.reply_limited;
	}
	assert_int_equal(cookies, 3);
	assert_int_equal(limited, 297);
	/* another session is answered at once */
	n = c2s(buf, WIRE_PING, true, 0, SESS2, 1, NULL);
	server_rx(&s, &from, buf, n, T0 + 2.9995, &r);
	assert_int_equal(r.reply, RX_REPLY_COOKIE);
	assert_int_equal(s.sessions.n, 0);
	server_core_free(&s);
}

/* Full tables: a flood of one-datagram sessions and flows makes room for
 * newcomers; proven sessions and answered flows are not pushed out. */
static void test_flood_eviction(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr a = rx_addr(4001), b = rx_addr(4002), x;
	struct rx_result r;
	uint32_t si, f;
	uint64_t i;
	size_t n;

	(void)state;
	rx_params(&prm);
	prm.max_sessions = 8;
	prm.max_flows = 8;
	server_new(&s, &prm, false);
	/* a real client: two paths (proven), one flow the target replies on */
	assert_int_equal(data_in(&s, &a, 1, SESS, 1, T0, &r), RX_DELIVER);
	f = r.flow;
	n = c2s_on(buf, WIRE_PING, false, 0, SESS, 2, 1, NULL);
	assert_int_equal(server_rx(&s, &b, buf, n, T0, &r), RX_ACCEPT);
	si = session_find(&s.sessions, SESS);
	assert_true(s.sessions.s[si].proven);
	memcpy(buf + WIRE_HDR_LEN, "reply", 5);
	assert_true(server_tx_data(&s, f, buf, sizeof(buf), 5, T0) > 0);
	assert_true(s.flows.f[f].answered);
	/* 1000 made-up sessions, each alive (a datagram a second), one path each */
	for (i = 0; i < 1000; i++) {
		x = rx_addr((uint16_t)(10000 + i % 64));
		n = c2s(buf, WIRE_PING, false, 0, 0x5000 + i, 1, NULL);
		assert_int_equal(server_rx(&s, &x, buf, n, T0 + 0.001 * i, &r), RX_ACCEPT);
	}
	assert_int_equal(s.sessions.n, 8);
	assert_int_equal(session_find(&s.sessions, SESS), si);
	assert_int_equal(s.cnt.evicted_sessions, 1000 - 7);
	/* 1000 flow ids of the real session: its answered flow stays */
	for (i = 0; i < 1000; i++)
		assert_int_equal(data_in(&s, &a, (uint32_t)(2 + i), SESS, 3 + i, T0 + 1 + 0.001 * i,
					 &r), RX_DELIVER);
	assert_int_equal(s.flows.n, 8);
	assert_int_equal(sflow_find(&s.flows, si, 1), f);
	assert_int_equal(s.cnt.evicted_flows, 1000 - 7);
	server_core_free(&s);
}

/* The list of sessions with FEC state (what the FEC timer visits): one entry
 * each, its place recorded in the session, kept so as sessions come and go
 * (closed, evicted); every session without FEC state out of it. */
static void fec_list_ok(const struct server_core *s)
{
	uint32_t i, j, with = 0;

	for (j = 0; j < s->fec_n; j++) {
		i = s->fec_at[j];
		assert_true(i < s->sessions.max);
		assert_true(s->sessions.s[i].used);
		assert_non_null(s->sessions.s[i].fec);
		assert_int_equal(s->sessions.s[i].fec->at, j);
	}
	for (i = 0; i < s->sessions.max; i++)
		if (s->sessions.s[i].fec)
			with++;
	assert_int_equal(with, s->fec_n);
}

static void test_fec_session_list(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct redundancy fec = { .mode = WIRE_RED_FEC, .k = 4, .m = 2, .wait_us = 5000 };
	struct rx_result r;
	uint32_t si[6];
	uint64_t i;
	size_t n;

	(void)state;
	rx_params(&prm);
	prm.max_sessions = 8;
	prm.fec_max_k = 20;
	prm.fec_max_m = 20;
	server_new(&s, &prm, false);
	for (i = 0; i < 6; i++) {
		struct addr a = rx_addr((uint16_t)(4001 + i));

		n = c2s(buf, WIRE_PING, false, 0, SESS + i, 1, NULL);
		assert_int_equal(server_rx(&s, &a, buf, n, T0 + 0.001 * i, &r), RX_ACCEPT);
		si[i] = session_find(&s.sessions, SESS + i);
		assert_true(si[i] != RX_NONE);
	}
	/* FEC on sessions 0, 2, 3, 5 (twice on 2: once listed) */
	assert_int_equal(server_session_redundancy(&s, si[0], &fec, T0), 0);
	assert_int_equal(server_session_redundancy(&s, si[2], &fec, T0), 0);
	assert_int_equal(server_session_redundancy(&s, si[3], &fec, T0), 0);
	assert_int_equal(server_session_redundancy(&s, si[5], &fec, T0), 0);
	fec.k = 8;
	assert_int_equal(server_session_redundancy(&s, si[2], &fec, T0), 0);
	assert_int_equal(s.fec_n, 4);
	fec_list_ok(&s);
	/* closed: the first, the last listed, one without FEC */
	server_session_close(&s, si[0], "test");
	fec_list_ok(&s);
	server_session_close(&s, si[5], "test");
	fec_list_ok(&s);
	server_session_close(&s, si[1], "test");
	assert_int_equal(s.fec_n, 2);
	fec_list_ok(&s);
	/* a flood evicts the rest (the table holds 8) */
	for (i = 0; i < 40; i++) {
		struct addr x = rx_addr((uint16_t)(10000 + i));

		n = c2s(buf, WIRE_PING, false, 0, 0x5000 + i, 1, NULL);
		assert_int_equal(server_rx(&s, &x, buf, n, T0 + 1 + 0.001 * i, &r), RX_ACCEPT);
		if (i % 4 == 0)
			assert_int_equal(server_session_redundancy(&s, r.session, &fec, T0 + 1), 0);
		fec_list_ok(&s);
	}
	assert_true(s.fec_n > 0);
	server_core_free(&s);
}

static void test_closed_session_replay(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	uint8_t cookie[WIRE_COOKIE_LEN];
	struct rx_result r;
	size_t n;

	(void)state;
	rx_params(&prm);
	prm.session_timeout = 10;
	server_new(&s, &prm, true);
	valid_cookie(&s, SESS, T0, cookie);
	n = c2s(buf, WIRE_PING, true, 0, SESS, 5, cookie);
	memcpy(pre, buf, n);
	assert_int_equal(server_rx(&s, &from, buf, n, T0, &r), RX_ACCEPT);
	server_core_tick(&s, T0 + 11);
	assert_int_equal(s.sessions.n, 0);
	/* the same PING again (its cookie still valid): reopens nothing */
	memcpy(buf, pre, n);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 12, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_NO_COOKIE);
	assert_int_equal(s.sessions.n, 0);
	/* a later PING of the same client does */
	n = c2s(buf, WIRE_PING, true, 0, SESS, 6, cookie);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 12, &r), RX_ACCEPT);
	assert_int_equal(s.sessions.n, 1);
	server_core_free(&s);
}

/* ---- sessions ---- */

static void test_session_eviction(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	struct rx_result r;

	(void)state;
	rx_params(&prm);
	prm.max_sessions = 2;
	prm.path_timeout = 3;
	server_new(&s, &prm, false);
	assert_int_equal(data_in(&s, &from, 1, SESS, 1, 0.0 + 1, &r), RX_DELIVER);
	assert_int_equal(data_in(&s, &from, 1, SESS2, 1, 2.0, &r), RX_DELIVER);
	/* both proven (the target replied) */
	session_proven(&s.sessions, session_find(&s.sessions, SESS));
	session_proven(&s.sessions, session_find(&s.sessions, SESS2));
	/* full, both heard within the path timeout: the newcomer is refused */
	assert_int_equal(data_in(&s, &from, 1, 77, 1, 3.5, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_SESSION_CAP);
	assert_int_equal(flows_closed, 0);
	/* the oldest one silent for longer than it: evicted, its flow closed */
	assert_int_equal(data_in(&s, &from, 1, 77, 2, 4.5, &r), RX_DELIVER);
	assert_int_equal(flows_closed, 1);
	assert_int_equal(s.sessions.n, 2);
	assert_int_equal(session_find(&s.sessions, SESS), RX_NONE);
	assert_int_not_equal(session_find(&s.sessions, SESS2), RX_NONE);
	assert_int_not_equal(session_find(&s.sessions, 77), RX_NONE);
	/* its paths' counts are kept */
	assert_int_equal(s.other.received, 1);
	server_core_free(&s);
}

/* mpclient restarts: a new session beside the old one, which expires alone */
static void test_client_restart(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001);
	struct rx_result r;

	(void)state;
	rx_params(&prm);
	prm.session_timeout = 10;
	server_new(&s, &prm, false);
	assert_int_equal(data_in(&s, &from, 1, SESS, 500, T0, &r), RX_DELIVER);
	assert_int_equal(data_in(&s, &from, 1, SESS2, 1, T0 + 5, &r), RX_DELIVER);
	assert_int_equal(s.sessions.n, 2);
	assert_int_equal(s.flows.n, 2);
	server_core_tick(&s, T0 + 11);
	assert_int_equal(s.sessions.n, 1);
	assert_int_equal(session_find(&s.sessions, SESS), RX_NONE);
	assert_int_equal(flows_closed, 1);
	server_core_tick(&s, T0 + 16);
	assert_int_equal(s.sessions.n, 0);
	server_core_free(&s);
}

/* ---- paths ---- */

static void test_paths(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct rx_result r;
	uint32_t out[SESSION_MAX_PATHS], si;
	struct addr a;
	uint64_t seq = 1;
	unsigned i;
	size_t n;

	(void)state;
	rx_params(&prm);
	prm.path_timeout = 3;
	server_new(&s, &prm, false);
	/* a path is (session, path id): slot k is path id k */
	for (i = 0; i < 3; i++) {
		a = rx_addr((uint16_t)(5000 + i));
		n = c2s_on(buf, WIRE_PING, false, 0, SESS, seq++, (uint8_t)(i * 2), NULL);
		assert_int_equal(server_rx(&s, &a, buf, n, 10.0 + i, &r), RX_ACCEPT);
		assert_int_equal(r.path, i * 2);
		assert_int_equal(r.reply, RX_REPLY_PONG);
	}
	si = session_find(&s.sessions, SESS);
	assert_int_equal(server_tx_paths(&s, si, 12.5, out), 3);
	/* up on what was heard within the timeout, down on silence */
	assert_int_equal(server_tx_paths(&s, si, 14.5, out), 1);
	assert_int_equal(out[0], 4);
	/* all silent: every known path */
	assert_int_equal(server_tx_paths(&s, si, 20.0, out), 3);
	/* the same address again is the same path; a duplicate counts on it */
	a = rx_addr(5001);
	n = c2s_on(buf, WIRE_DATA, false, 1, SESS, seq, 2, NULL);
	memcpy(pre, buf, n);
	assert_int_equal(server_rx(&s, &a, buf, n, 20.0, &r), RX_DELIVER);
	assert_int_equal(r.path, 2);
	assert_int_equal(server_rx(&s, &a, pre, n, 20.0, &r), RX_DROP);
	assert_int_equal(s.sessions.s[si].paths[2].st.duplicates, 1);
	/* from an unknown address: counted apart */
	a = rx_addr(6000);
	memcpy(buf, pre, n);
	assert_int_equal(server_rx(&s, &a, buf, n, 20.0, &r), RX_DROP);
	assert_int_equal(s.other.duplicates, 1);
	/* ICMP port unreachable (anyone can forge one): counted, the path stays */
	a = rx_addr(5000);
	for (i = 0; i < 1000; i++)
		server_icmp_hint(&s, &a, 25.0 + i * 0.001);
	assert_int_equal(s.cnt.icmp_errors, 1000);
	assert_int_equal(server_tx_paths(&s, si, 25.0, out), 3);
	/* fresh datagrams of known paths from 100 other addresses (an
	 * eavesdropper re-sending them): no path added, none moved */
	for (i = 0; i < 100; i++) {
		a = rx_addr((uint16_t)(7000 + i));
		n = c2s_on(buf, WIRE_DATA, false, 1, SESS, ++seq, (uint8_t)(i % 3 * 2), NULL);
		assert_int_equal(server_rx(&s, &a, buf, n, 30.0 + i * 0.01, &r), RX_DELIVER);
	}
	assert_int_equal(server_tx_paths(&s, si, 31.0, out), 3);
	for (i = 0; i < 3; i++) {
		a = rx_addr((uint16_t)(5000 + i));
		assert_true(addr_equal(&s.sessions.s[si].paths[i * 2].addr, &a));
	}
	assert_int_equal(s.cnt.path_moves, 0);
	/* 16 path ids at most, each with its own slot */
	for (i = 0; i < SESSION_MAX_PATHS; i++) {
		a = rx_addr((uint16_t)(8000 + i));
		n = c2s_on(buf, WIRE_PING, false, 0, SESS, ++seq, (uint8_t)i, NULL);
		assert_int_equal(server_rx(&s, &a, buf, n, 40.0, &r), RX_ACCEPT);
		assert_int_equal(r.path, i);
	}
	assert_int_equal(server_tx_paths(&s, si, 40.5, out), SESSION_MAX_PATHS);
	a = rx_addr(8001);
	assert_int_equal(session_path_find(&s.sessions, si, &a), 1);
	server_core_free(&s);
}

/* ---- path challenges (PROTOCOL.md, Paths), table-driven ---- */

enum chal_kind { C_DATA, C_PING, C_PONG };
enum chal_tok { K_RIGHT, K_WRONG, K_ZERO };
enum chal_mut { X_NONE, X_TRAILER, X_RESEND, X_RESEND_BAD };

struct chal_step {
	enum chal_kind kind;
	uint16_t port;		/* from 127.0.0.1:port (the path's own: 4001) */
	double at;		/* seconds after the session opened */
	enum chal_tok tok;	/* PONG: the last challenge's token, another, zeros */
	enum chal_mut mut;	/* a broken trailer; or the previous step's bytes again (broken) */
	enum rx_verdict want;
	enum drop_reason why;
	enum rx_reply reply;
};

struct chal_case {
	const char *name;
	bool keyed;
	struct chal_step st[4];
	unsigned n;
	uint16_t final;		/* path 0's return address at the end */
	uint64_t moves, limited;
};

#define OK_DATA(port, at) { C_DATA, port, at, K_RIGHT, X_NONE, RX_DELIVER, 0, RX_REPLY_NONE }
#define CHAL_DATA(port, at) { C_DATA, port, at, K_RIGHT, X_NONE, RX_DELIVER, 0, RX_REPLY_CHALLENGE }
#define PONG(port, at, tok, mut, want, why) { C_PONG, port, at, tok, mut, want, why, RX_REPLY_NONE }
/* the previous step's datagram again from port: a duplicate, with the reply wanted */
#define DUP(port, at, mut, reply) { C_DATA, port, at, K_RIGHT, mut, RX_DROP, DROP_DUPLICATE, reply }

static const struct chal_case chal_cases[] = {
	{ "new address: challenged, replies stay at the old one", false,
	  { CHAL_DATA(4002, 1) }, 1, 4001, 0, 0 },
	{ "keyed: new address: challenged", true, { CHAL_DATA(4002, 1) }, 1, 4001, 0, 0 },
	{ "confirmed: the path moves", false,
	  { CHAL_DATA(4002, 1), PONG(4002, 1.01, K_RIGHT, X_NONE, RX_ACCEPT, 0) }, 2, 4002, 1, 0 },
	{ "keyed: confirmed: the path moves", true,
	  { CHAL_DATA(4002, 1), PONG(4002, 1.01, K_RIGHT, X_NONE, RX_ACCEPT, 0) }, 2, 4002, 1, 0 },
	{ "expired: the answer came after the path timeout", false,
	  { CHAL_DATA(4002, 1), PONG(4002, 4.5, K_RIGHT, X_NONE, RX_DROP, DROP_CHALLENGE_LATE) },
	  2, 4001, 0, 0 },
	{ "wrong token", true,
	  { CHAL_DATA(4002, 1), PONG(4002, 1.01, K_WRONG, X_NONE, RX_DROP, DROP_CHALLENGE) },
	  2, 4001, 0, 0 },
	{ "no challenge pending", false,
	  { PONG(4002, 1, K_ZERO, X_NONE, RX_DROP, DROP_CHALLENGE) }, 1, 4001, 0, 0 },
	{ "the right token from another address", true,
	  { CHAL_DATA(4002, 1), PONG(4003, 1.01, K_RIGHT, X_NONE, RX_DROP, DROP_CHALLENGE_ADDR) },
	  2, 4001, 0, 0 },
	{ "keyed: unauthenticated PONG (bad tag)", true,
	  { CHAL_DATA(4002, 1),
	    { C_PONG, 4002, 1.01, K_RIGHT, X_TRAILER, RX_DROP, DROP_BAD_TAG, RX_REPLY_NOTICE } },
	  2, 4001, 0, 0 },
	{ "unkeyed: PONG failing its checksum", false,
	  { CHAL_DATA(4002, 1), PONG(4002, 1.01, K_RIGHT, X_TRAILER, RX_DROP, DROP_MALFORMED) },
	  2, 4001, 0, 0 },
	{ "a copy from elsewhere first does not block the genuine answer", true,
	  { CHAL_DATA(4002, 1), PONG(4003, 1.01, K_RIGHT, X_NONE, RX_DROP, DROP_CHALLENGE_ADDR),
	    PONG(4002, 1.02, K_RIGHT, X_RESEND, RX_ACCEPT, 0) }, 3, 4002, 1, 0 },
	{ "a replayed answer moves nothing more", false,
	  { CHAL_DATA(4002, 1), PONG(4002, 1.01, K_RIGHT, X_NONE, RX_ACCEPT, 0),
	    PONG(4002, 1.02, K_RIGHT, X_RESEND, RX_DROP, DROP_DUPLICATE) }, 3, 4002, 1, 0 },
	{ "rate: one challenge per path per interval", false,
	  { CHAL_DATA(4002, 1), OK_DATA(4003, 1.1), CHAL_DATA(4003, 1.3),
	    PONG(4002, 1.31, K_RIGHT, X_NONE, RX_DROP, DROP_CHALLENGE_ADDR) }, 4, 4001, 0, 1 },
	{ "a PING from a new address gets the challenge, not a PONG", false,
	  { { C_PING, 4002, 1, K_RIGHT, X_NONE, RX_ACCEPT, 0, RX_REPLY_CHALLENGE } }, 1, 4001, 0, 0 },
	{ "a PING from the path's address gets its PONG", false,
	  { CHAL_DATA(4002, 1), { C_PING, 4001, 1.1, K_RIGHT, X_NONE, RX_ACCEPT, 0, RX_REPLY_PONG } },
	  2, 4001, 0, 0 },
	{ "a PING from the new address within the interval: PONG to the old one", false,
	  { CHAL_DATA(4002, 1), { C_PING, 4002, 1.1, K_RIGHT, X_NONE, RX_ACCEPT, 0, RX_REPLY_PONG } },
	  2, 4001, 0, 1 },
	/* the first-contact race: 4001 (an eavesdropper) delivered first, the
	 * bridge's copy from 4002 is a duplicate; it draws the challenge */
	{ "race: a duplicate from another address is challenged", false,
	  { OK_DATA(4001, 1), DUP(4002, 1.01, X_RESEND, RX_REPLY_CHALLENGE),
	    PONG(4002, 1.02, K_RIGHT, X_NONE, RX_ACCEPT, 0) }, 3, 4002, 1, 0 },
	{ "keyed race: a duplicate from another address is challenged", true,
	  { OK_DATA(4001, 1), DUP(4002, 1.01, X_RESEND, RX_REPLY_CHALLENGE),
	    PONG(4002, 1.02, K_RIGHT, X_NONE, RX_ACCEPT, 0) }, 3, 4002, 1, 0 },
	{ "keyed race: an unauthenticated duplicate draws nothing", true,
	  { OK_DATA(4001, 1), DUP(4002, 1.01, X_RESEND_BAD, RX_REPLY_NONE) }, 2, 4001, 0, 0 },
	{ "race: a duplicate from the path's own address draws nothing", true,
	  { OK_DATA(4001, 1), DUP(4001, 1.01, X_RESEND, RX_REPLY_NONE) }, 2, 4001, 0, 0 },
	{ "race: a duplicate after the path timeout (3 s) draws nothing", true,
	  { OK_DATA(4001, 3.5), DUP(4002, 3.51, X_RESEND, RX_REPLY_NONE) }, 2, 4001, 0, 0 },
	{ "race: a duplicate within the challenge interval draws nothing", false,
	  { CHAL_DATA(4002, 1), DUP(4002, 1.1, X_RESEND, RX_REPLY_NONE) }, 2, 4001, 0, 1 },
};

/* The token of the challenge PING in r (opened in a copy when keyed). */
static void chal_token(const struct rx_result *r, bool keyed, uint8_t token[WIRE_TOKEN_LEN])
{
	uint8_t d[RX_BUF];
	struct wire_hdr h;
	struct wire_ping p;
	const uint8_t *pl;

	memcpy(d, r->reply_buf, r->reply_len);
	if (keyed)
		assert_true(rx_open(d, r->reply_len, NULL));
	assert_true(wire_decode(d, r->reply_len, &h, &pl, NULL));
	assert_int_equal(h.type, WIRE_PING);
	assert_true(h.flags & WIRE_F_SERVER);
	assert_int_equal(h.path, 0);
	assert_true(wire_ping_decode(pl, h.len, r->reply_len, false, &p));
	memcpy(token, p.token, WIRE_TOKEN_LEN);
}

static void run_chal_case(const struct chal_case *c)
{
	struct tunnel_params prm;
	struct server_core s;
	struct rx_result r;
	struct addr a;
	uint8_t token[WIRE_TOKEN_LEN] = { 0 }, tok[WIRE_TOKEN_LEN];
	uint64_t seq = 2;
	uint32_t si, out[SESSION_MAX_PATHS];
	size_t n = 0;
	unsigned i;

	rx_params(&prm);
	prm.path_timeout = 3;
	server_new(&s, &prm, c->keyed);
	open_session(&s, SESS, 1, 4001, T0);
	si = session_find(&s.sessions, SESS);
	for (i = 0; i < c->n; i++) {
		const struct chal_step *st = &c->st[i];
		enum rx_verdict v;

		a = rx_addr(st->port);
		if (st->mut == X_RESEND || st->mut == X_RESEND_BAD) {
			memcpy(buf, pre, n);
		} else if (st->kind == C_PONG) {
			memcpy(tok, token, sizeof(tok));
			if (st->tok == K_WRONG)
				tok[3] ^= 1;
			if (st->tok == K_ZERO)
				memset(tok, 0, sizeof(tok));
			n = c2s_on(buf, WIRE_PONG, c->keyed, 0, SESS, ++seq, 0, tok);
		} else {
			n = c2s_on(buf, st->kind == C_PING ? WIRE_PING : WIRE_DATA, c->keyed,
				   st->kind == C_PING ? 0 : 7, SESS, ++seq, 0, NULL);
		}
		memcpy(pre, buf, n);
		if (st->mut == X_TRAILER || st->mut == X_RESEND_BAD)
			buf[n - 1] ^= 1;
		v = server_rx(&s, &a, buf, n, T0 + st->at, &r);
		if (v != st->want || (v == RX_DROP && r.drop != st->why) || r.reply != st->reply)
			fail_msg("%s, step %u: verdict %d drop %s reply %d; want %d %s %d", c->name, i,
				 v, v == RX_DROP ? drop_reason_name(r.drop) : "-", r.reply, st->want,
				 st->want == RX_DROP ? drop_reason_name(st->why) : "-", st->reply);
		if (r.reply == RX_REPLY_CHALLENGE)
			chal_token(&r, c->keyed, token);
	}
	a = rx_addr(c->final);
	if (!addr_equal(&s.sessions.s[si].paths[0].addr, &a))
		fail_msg("%s: path 0 answers at the wrong address", c->name);
	/* replies go only to the one return address of the one path */
	assert_int_equal(server_tx_paths(&s, si, T0 + 5, out), 1);
	assert_int_equal(s.cnt.path_moves, c->moves);
	assert_int_equal(s.cnt.challenges_limited, c->limited);
	server_core_free(&s);
}

static void test_challenges(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(chal_cases) / sizeof(chal_cases[0]); i++)
		run_chal_case(&chal_cases[i]);
}

/* tables bounded and consistent after many sessions come and go */
static void test_many_sessions(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct rx_result r;
	struct addr a;
	unsigned i;
	size_t n;

	(void)state;
	rx_params(&prm);
	prm.max_sessions = 1000;
	prm.session_timeout = 5;
	server_new(&s, &prm, false);
	for (i = 0; i < 5000; i++) {
		a = rx_addr((uint16_t)(10000 + i % 7));
		n = c2s(buf, WIRE_PING, false, 0, 1000 + i, 1, NULL);
		server_rx(&s, &a, buf, n, (double)i / 100, &r);
		if (i % 100 == 0)
			server_core_tick(&s, (double)i / 100);
		assert_true(s.sessions.n <= 1000);
		assert_int_equal(s.sessions.by_id.count, s.sessions.n);
		assert_int_equal(s.sessions.lru.count, s.sessions.n);
		assert_int_equal(s.sessions.by_addr.count, s.sessions.n);
	}
	/* the last 500 or so are alive (timeout 5 s at 100 a second) */
	assert_in_range(s.sessions.n, 500, 601);
	assert_int_not_equal(session_find(&s.sessions, 1000 + 4999), RX_NONE);
	assert_int_equal(session_find(&s.sessions, 1000), RX_NONE);
	server_core_free(&s);
}

/* Wire v2: key id, suite, the jump bound, unsupported messages, NOTICE limits. */
static void test_v2_rules(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr from = rx_addr(4001), other = rx_addr(4002);
	struct rx_result r;
	struct wire_hdr h;
	uint64_t seq;
	size_t n;

	(void)state;
	rx_params(&prm);
	/* keyed: a datagram under another key: key_id, a NOTICE code 1 */
	server_new(&s, &prm, true);
	open_session(&s, SESS, 1, 4001, T0);
	h = rx_hdr(WIRE_DATA, RX_KEYED, 7, SESS, SESS, 2, 5);
	n = rx_mk(buf, &h, "hello", (const uint8_t *)"another key, 32 bytes long......");
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 1, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_KEY_ID);
	assert_int_equal(r.reply, RX_REPLY_NOTICE);
	assert_int_equal(r.reply_len, 64);
	assert_int_equal(r.reply_buf[1], WIRE_NOTICE);
	assert_int_equal(r.reply_buf[WIRE_HDR_LEN + 1], WIRE_N_KEY_ID);
	/* the next one from the same source within a second: no second NOTICE */
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 1.5, &r), RX_DROP);
	assert_int_equal(r.reply, RX_REPLY_NONE);
	/* another suite: suite */
	n = rx_mk(buf, &h, "hello", NULL);
	buf[3] = buf[3] == WIRE_SUITE_AESGCM ? WIRE_SUITE_CHACHA : WIRE_SUITE_AESGCM;
	assert_int_equal(server_rx(&s, &other, buf, n, T0 + 2, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_SUITE);
	assert_int_equal(r.reply, RX_REPLY_NOTICE);
	/* a forged tag: bad_tag, NOTICE code 2 */
	n = rx_mk(buf, &h, "hello", NULL);
	buf[n - 1] ^= 1;
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 3, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_BAD_TAG);
	assert_int_equal(r.reply_buf[WIRE_HDR_LEN + 1], WIRE_N_AUTH);
	server_core_free(&s);

	/* unkeyed: seq 2^64-1 alone moves nothing; a real jump costs one datagram */
	server_new(&s, &prm, false);
	open_session(&s, SESS, 1, 4001, T0);
	assert_int_equal(data_in(&s, &from, 7, SESS, UINT64_MAX, T0 + 1, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_JUMP);
	for (seq = 2; seq < 200; seq++) {
		assert_int_equal(data_in(&s, &from, 7, SESS, seq, T0 + 1.1, &r), RX_DELIVER);
	}
	assert_int_equal(data_in(&s, &from, 7, SESS, 1000000, T0 + 2, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_JUMP);
	assert_int_equal(data_in(&s, &from, 7, SESS, 1000001, T0 + 2.1, &r), RX_DELIVER);
	/* FEEDBACK is taken (an empty one changes nothing) */
	h = rx_hdr(WIRE_FEEDBACK, 0, 0, SESS, SESS, 1000002, 4);
	n = rx_mk(buf, &h, "\0\0\0\0", NULL);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 3, &r), RX_ACCEPT);
	/* the path id of what came in is the path's id for what goes out */
	h = rx_hdr(WIRE_DATA, 0, 7, SESS, SESS, 1000003, 5);
	h.path = 9;
	n = rx_mk(buf, &h, "hello", NULL);
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 3, &r), RX_DELIVER);
	assert_int_equal(s.sessions.s[r.session].paths[r.path].id, 9);
	server_core_free(&s);
}

/* FEEDBACK both ways through the core: mpserver reports what arrived on a
 * path (one entry, on that path), and takes the client's report about what
 * it sent there: RTT = now - echo - delay, loss. */
static uint8_t fb_out[RX_BUF];
static size_t fb_len;
static uint32_t fb_path;

static void fb_capture(void *arg, uint32_t si, uint32_t k, const uint8_t *d, size_t len)
{
	(void)arg;
	(void)si;
	fb_path = k;
	memcpy(fb_out, d, len);
	fb_len = len;
}

static void test_feedback(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct addr a = rx_addr(4001);
	struct rx_result r;
	struct wire_hdr h;
	struct wire_feedback fb = { .count = 1 };
	const uint8_t *pl;
	uint8_t body[WIRE_FEEDBACK_HDR + WIRE_FEEDBACK_ENTRY];
	uint32_t si, echo = 0;
	uint64_t seq;
	unsigned i;
	size_t n;

	(void)state;
	rx_params(&prm);
	server_new(&s, &prm, false);
	/* 20 datagrams from the client on path 0, path seqs 1..20 without 7 */
	for (seq = 1; seq <= 20; seq++) {
		if (seq == 7)
			continue;
		h = rx_hdr(WIRE_DATA, 0, 1, SESS, SESS, seq, 5);
		h.path_seq = (uint32_t)seq;
		h.stamp = (uint32_t)seq * 100;
		n = rx_mk(buf, &h, "hello", NULL);
		assert_int_equal(server_rx(&s, &a, buf, n, T0 + seq * 0.001, &r), RX_DELIVER);
	}
	si = session_find(&s.sessions, SESS);
	fb_len = 0;
	server_core_measure(&s, T0 + 0.03, true, fb_capture, NULL);
	assert_true(fb_len > 0);
	assert_int_equal(fb_path, 0);
	assert_true(wire_decode(fb_out, fb_len, &h, &pl, NULL));
	assert_int_equal(h.type, WIRE_FEEDBACK);
	assert_int_equal(h.path, 0);
	assert_true(wire_feedback_decode(pl, h.len, &fb));
	assert_int_equal(fb.count, 1);
	assert_int_equal(fb.e[0].path, 0);
	assert_int_equal(fb.e[0].highest, 20);
	assert_int_equal(fb.e[0].received, 19);
	assert_int_equal(fb.e[0].echo, 2000);
	assert_true(fb.e[0].delay >= 9999 && fb.e[0].delay <= 10001);
	/* nothing new: no second FEEDBACK */
	fb_len = 0;
	server_core_measure(&s, T0 + 0.2, true, fb_capture, NULL);
	assert_int_equal(fb_len, 0);
	/* what we send on path 0 (10 datagrams), reported back: 9 received, the
	 * highest stamped at T0 + 1, reported 4 ms after it arrived, at T0 + 1.030 */
	for (i = 0; i < 10; i++) {
		n = c2s(pre, WIRE_DATA, false, 1, SESS, 100, NULL);
		server_tx_stamp(&s, si, 0, pre, n, T0 + 1);
	}
	echo = pathmeas_stamp(T0 + 1);
	fb.e[0] = (struct wire_feedback_entry){ .path = 0, .highest = 10, .received = 9,
						 .echo = echo, .delay = 4000, .burst = 16 };
	fb.count = 1;
	n = wire_feedback_encode(&fb, body, sizeof(body));
	h = rx_hdr(WIRE_FEEDBACK, 0, 0, SESS, SESS, 21, (uint16_t)n);
	n = rx_mk(buf, &h, body, NULL);
	assert_int_equal(server_rx(&s, &a, buf, n, T0 + 1.030, &r), RX_ACCEPT);
	assert_true(fabs(pathq_srtt(&s.sessions.s[si].paths[0].q) - 0.026) < 0.0002);
	assert_true(fabs(pathq_burst(&s.sessions.s[si].paths[0].q, PATHQ_TX) - 1.0) < 1e-9);
	/* an entry about a path we do not have changes nothing */
	fb.e[0].path = 5;
	n = wire_feedback_encode(&fb, body, sizeof(body));
	h = rx_hdr(WIRE_FEEDBACK, 0, 0, SESS, SESS, 22, (uint16_t)n);
	n = rx_mk(buf, &h, body, NULL);
	assert_int_equal(server_rx(&s, &a, buf, n, T0 + 1.05, &r), RX_ACCEPT);
	assert_false(s.sessions.s[si].paths[5].used);
	/* a FEEDBACK of an unknown session: dropped */
	n = wire_feedback_encode(&fb, body, sizeof(body));
	h = rx_hdr(WIRE_FEEDBACK, 0, 0, SESS2, SESS2, 1, (uint16_t)n);
	n = rx_mk(buf, &h, body, NULL);
	assert_int_equal(server_rx(&s, &a, buf, n, T0 + 1.06, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_SESSION);
	server_core_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_reasons),
		cmocka_unit_test(test_daemon_drops),
		cmocka_unit_test(test_cookie_issue_accept_expiry),
		cmocka_unit_test(test_cookie_and_crypto_rates),
		cmocka_unit_test(test_cookie_replay_bound),
		cmocka_unit_test(test_flood_eviction),
		cmocka_unit_test(test_closed_session_replay),
		cmocka_unit_test(test_session_eviction),
		cmocka_unit_test(test_client_restart),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_challenges),
		cmocka_unit_test(test_feedback),
		cmocka_unit_test(test_many_sessions),
		cmocka_unit_test(test_fec_session_list),
		cmocka_unit_test(test_v2_rules),
	};

	seal_init();
	log_set_verbosity(-1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
