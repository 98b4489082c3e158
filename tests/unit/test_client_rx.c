/* test_client_rx.c - mpclient's receive decisions through the core API
 * (client_core.h): every drop reason, every epoch transition, paths up and
 * down, flows; and a keyed handshake between a client core and a server
 * core, datagrams passed by hand.  No sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client_core.h"
#include "cores.h"
#include "rx_util.h"
#include "seal.h"
#include "server_core.h"
#include "target.h"

#define SESS CORES_SESS
#define E1 0x0000000000e10001ull
#define E2 0x0000000000e20002ull
#define T0 600.0

static uint8_t buf[RX_BUF];
static uint8_t pre[RX_BUF];

static void client_new(struct client_core *c, struct tunnel_params *prm, bool keyed)
{
	assert_int_equal(client_core_init(c, prm, 3, keyed ? rx_psk : NULL, SESS), 0);
}

/* A datagram from mpserver instance epoch to our session. */
static size_t s2c(uint8_t *out, uint8_t type, bool keyed, uint32_t flow, uint64_t epoch,
		  uint64_t seq, uint16_t path, double stamp)
{
	struct wire_hdr h = rx_hdr(type, WIRE_F_SERVER | (keyed ? RX_KEYED : 0), flow, SESS,
				   epoch, seq, 5);

	if (type == WIRE_PING || type == WIRE_PONG)
		return rx_mk_ping(out, h, path, stamp, NULL, NULL);
	if (type == WIRE_COOKIE) {
		h.len = WIRE_COOKIE_LEN;
		return rx_mk(out, &h, "0123456789abcdef", NULL);
	}
	return rx_mk(out, &h, "hello", NULL);
}

/* DATA of flow 1 from mpserver instance epoch (seq), in on path at now: client_rx's verdict. */
static enum rx_verdict data_in(struct client_core *c, unsigned path, uint64_t epoch, uint64_t seq,
			       double now, struct rx_result *r)
{
	size_t n = s2c(buf, WIRE_DATA, false, 1, epoch, seq, 0, 0);

	return client_rx(c, path, buf, n, now, r);
}

/* A flow for the application at 127.0.0.1:port; its id. */
static uint32_t app_flow(struct client_core *c, uint16_t port, double now)
{
	struct addr a = rx_addr(port);

	assert_true(client_tx_data(c, pre, RX_BUF, &a, 3, now) > 0);
	return c->flows.f[cflow_by_addr(&c->flows, &a)].id;
}

/* Adopt epoch through a fresh PONG on path 0. */
static void adopt(struct client_core *c, uint64_t epoch, uint64_t seq, double now)
{
	struct rx_result r;
	size_t n = s2c(buf, WIRE_PONG, c->keys.sealed, 0, epoch, seq, 0, now - 0.01);

	assert_int_equal(client_rx(c, 0, buf, n, now, &r), RX_ACCEPT);
	assert_true(c->srv_epoch == epoch);
}

/* ---- every drop reason, table-driven ---- */

enum prelude { P_NONE, P_ADOPT, P_ADOPT_SEQ1000, P_ADOPT_SAME };
enum mutate { M_NONE, M_SHORT, M_TAG, M_NOT_SERVER, M_OTHER_SESSION };

struct cli_case {
	const char *name;
	bool keyed;
	enum prelude pre;
	uint8_t type;
	bool sealed;
	uint32_t flow;		/* 1: the flow the test opened */
	uint64_t epoch, seq;
	enum mutate mut;
	enum rx_verdict want;
	enum drop_reason why;
	enum rx_reply reply;
};

static const struct cli_case cases[] = {
	{ "DATA of the adopted instance", false, P_ADOPT, WIRE_DATA, false, 1, E1, 2, M_NONE,
	  RX_DELIVER, 0, RX_REPLY_NONE },
	{ "short", false, P_NONE, WIRE_DATA, false, 1, E1, 1, M_SHORT, RX_DROP, DROP_MALFORMED,
	  RX_REPLY_NONE },
	{ "from the client side", false, P_ADOPT, WIRE_DATA, false, 1, E1, 2, M_NOT_SERVER,
	  RX_DROP, DROP_DIRECTION, RX_REPLY_NONE },
	{ "another session", false, P_ADOPT, WIRE_DATA, false, 1, E1, 2, M_OTHER_SESSION,
	  RX_DROP, DROP_SESSION, RX_REPLY_NONE },
	{ "sealed to a keyless client", false, P_NONE, WIRE_DATA, true, 1, E1, 1, M_NONE,
	  RX_DROP, DROP_SEALED, RX_REPLY_NONE },
	{ "keyed: plaintext", true, P_NONE, WIRE_DATA, false, 1, E1, 1, M_NONE, RX_DROP,
	  DROP_PLAINTEXT, RX_REPLY_NONE },
	{ "PING to the client without a challenge token", false, P_ADOPT, WIRE_PING, false, 0, E1, 2, M_NONE, RX_DROP,
	  DROP_CHALLENGE, RX_REPLY_NONE },
	{ "COOKIE to a keyless client", false, P_NONE, WIRE_COOKIE, false, 0, E1, 1, M_NONE,
	  RX_DROP, DROP_TYPE, RX_REPLY_NONE },
	{ "DATA of an unknown instance", false, P_NONE, WIRE_DATA, false, 1, E1, 1, M_NONE,
	  RX_DROP, DROP_EPOCH, RX_REPLY_PING_BURST },
	{ "DATA of a flow we do not have", false, P_ADOPT, WIRE_DATA, false, 99, E1, 2, M_NONE,
	  RX_DROP, DROP_NO_FLOW, RX_REPLY_NONE },
	{ "duplicate", false, P_ADOPT_SAME, WIRE_DATA, false, 1, E1, 2, M_NONE, RX_DROP,
	  DROP_DUPLICATE, RX_REPLY_NONE },
	{ "below the window", false, P_ADOPT_SEQ1000, WIRE_DATA, false, 1, E1, 900, M_NONE,
	  RX_DROP, DROP_TOO_OLD, RX_REPLY_NONE },
	{ "keyed: DATA of the adopted instance", true, P_ADOPT, WIRE_DATA, true, 1, E1, 2, M_NONE,
	  RX_DELIVER, 0, RX_REPLY_NONE },
	{ "keyed: forged tag", true, P_ADOPT, WIRE_DATA, true, 1, E1, 2, M_TAG, RX_DROP,
	  DROP_BAD_TAG, RX_REPLY_NONE },
	{ "keyed: forged COOKIE", true, P_NONE, WIRE_COOKIE, true, 0, E2, 1, M_TAG, RX_DROP,
	  DROP_BAD_TAG, RX_REPLY_NONE },
	{ "keyed: COOKIE", true, P_NONE, WIRE_COOKIE, true, 0, E2, 1, M_NONE, RX_ACCEPT, 0,
	  RX_REPLY_PING_BURST },
};

static void run_case(const struct cli_case *cc)
{
	struct tunnel_params prm;
	struct client_core c;
	struct rx_result r;
	uint64_t before[DROP__COUNT];
	unsigned i;
	size_t n;

	rx_params(&prm);
	client_new(&c, &prm, cc->keyed);
	app_flow(&c, 3000, T0);
	if (cc->pre != P_NONE)
		adopt(&c, E1, 1, T0);
	if (cc->pre == P_ADOPT_SEQ1000) {
		n = s2c(pre, WIRE_DATA, cc->keyed, 1, E1, 1000, 0, 0);
		assert_int_equal(client_rx(&c, 1, pre, n, T0, &r), RX_DELIVER);
	}
	n = s2c(buf, cc->type, cc->sealed, cc->flow, cc->epoch, cc->seq, 0, T0);
	if (cc->pre == P_ADOPT_SAME) {
		memcpy(pre, buf, n);
		assert_int_equal(client_rx(&c, 1, pre, n, T0, &r), RX_DELIVER);
	}
	switch (cc->mut) {
	case M_NONE:
		break;
	case M_SHORT:
		n = 20;
		break;
	case M_TAG:
		buf[n - 1] ^= 1;
		break;
	case M_NOT_SERVER:
		buf[2] &= (uint8_t)~WIRE_F_SERVER;
		break;
	case M_OTHER_SESSION:
		buf[WIRE_OFF_SESSION] ^= 0x80;
		break;
	}
	if (cc->mut != M_TAG && cc->mut != M_SHORT && buf[3] == WIRE_SUITE_CLEAR)
		wire_crc_update(buf, n);	/* a well-formed datagram with that field */
	memcpy(before, c.cnt.drop, sizeof(before));
	if (client_rx(&c, 2, buf, n, T0 + 0.5, &r) != cc->want)
		fail_msg("%s: verdict %d, want %d (drop %s)", cc->name, r.verdict, cc->want,
			 drop_reason_name(r.drop));
	assert_int_equal(r.reply, cc->reply);
	if (cc->want == RX_DROP) {
		if (r.drop != cc->why)
			fail_msg("%s: dropped as %s, want %s", cc->name, drop_reason_name(r.drop),
				 drop_reason_name(cc->why));
		for (i = 0; i < DROP__COUNT; i++)
			assert_int_equal(c.cnt.drop[i] - before[i], i == cc->why ? 1 : 0);
		if (cc->why == DROP_DUPLICATE)
			assert_int_equal(c.paths[2].st.duplicates, 1);
		if (cc->why == DROP_TOO_OLD)
			assert_int_equal(c.paths[2].st.too_old, 1);
		if (cc->why == DROP_MALFORMED)
			assert_int_equal(c.paths[2].st.malformed, 1);
	} else if (cc->want == RX_DELIVER) {
		assert_int_equal(r.len, 5);
		assert_memory_equal(r.payload, "hello", 5);
		assert_int_equal(c.flows.f[r.flow].id, 1);
		assert_int_equal(c.paths[2].st.received, 1);
	}
	client_core_free(&c);
}

static void test_drop_reasons(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static void test_tx_drops(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct addr a = rx_addr(3000), b = rx_addr(3001);

	(void)state;
	rx_params(&prm);
	prm.max_flows = 1;
	prm.idle_timeout = 10;
	client_new(&c, &prm, false);
	assert_int_equal(client_tx_data(&c, buf, RX_BUF, &a, WIRE_MAX_PAYLOAD + 1, T0), 0);
	assert_int_equal(c.cnt.drop[DROP_TOO_BIG], 1);
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 10, T0) > 0);
	/* a flow never answered (a stranger's, or a new one) gives way to a newcomer */
	assert_true(client_tx_data(&c, buf, RX_BUF, &b, 10, T0 + 1) > 0);
	assert_int_equal(cflow_by_addr(&c.flows, &a), RX_NONE);
	assert_int_equal(c.cnt.evicted_flows, 1);
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 10, T0 + 2) > 0);
	assert_int_equal(cflow_by_addr(&c.flows, &b), RX_NONE);
	assert_int_equal(c.flows.f[cflow_by_addr(&c.flows, &a)].id, 3);
	cflow_answered(&c.flows, cflow_by_addr(&c.flows, &a));
	/* the table is full with a flow talking both ways: a new application is refused */
	assert_int_equal(client_tx_data(&c, buf, RX_BUF, &b, 10, T0 + 5), 0);
	assert_int_equal(c.cnt.drop[DROP_FLOW_CAP], 1);
	/* once that flow is idle, its slot goes to the newcomer, with a new id */
	assert_true(client_tx_data(&c, buf, RX_BUF, &b, 10, T0 + 13) > 0);
	assert_int_equal(c.flows.n, 1);
	assert_int_not_equal(c.flows.f[cflow_by_addr(&c.flows, &b)].id, 3);
	assert_int_equal(cflow_by_addr(&c.flows, &a), RX_NONE);
	assert_int_equal(c.cnt.from_app, 6);
	client_core_free(&c);
}

/* A link going down takes the path out of sending and marks its pathq state
 * down at once; link up, it is PINGed and used again from its next datagram;
 * a datagram too big for a path's MTU avoids it; too big for
 * every path, the drop path_mtu. */
static void test_link_and_mtu(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct addr a = rx_addr(3000);
	struct rx_result r;
	size_t n;

	(void)state;
	rx_params(&prm);
	client_new(&c, &prm, false);
	adopt(&c, E1, 1, T0);
	n = s2c(buf, WIRE_DATA, false, 1, E1, 2, 1, 0);
	client_rx(&c, 1, buf, n, T0, &r);
	/* paths 1 and 2 heard too (a path never heard is not sent on) */
	n = s2c(buf, WIRE_PONG, false, 0, E1, 3, 1, T0 - 0.01);
	assert_int_equal(client_rx(&c, 1, buf, n, T0, &r), RX_ACCEPT);
	n = s2c(buf, WIRE_PONG, false, 0, E1, 4, 2, T0 - 0.01);
	assert_int_equal(client_rx(&c, 2, buf, n, T0, &r), RX_ACCEPT);
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 100, T0) > 0);
	assert_int_equal(c.tx_paths, 0x7);
	assert_true(client_core_path_link(&c, 1, false, "test"));
	assert_false(client_core_path_link(&c, 1, false, "test"));	/* no change */
	assert_int_equal(c.paths[1].q.state, PATHQ_DOWN);
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 100, T0) > 0);
	assert_int_equal(c.tx_paths, 0x5);
	assert_true(client_core_path_link(&c, 1, true, "test"));
	assert_true(c.paths[1].probe);	/* a PING at once */
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 100, T0) > 0);
	assert_int_equal(c.tx_paths, 0x5);	/* down until it is heard again */
	n = s2c(buf, WIRE_PONG, false, 0, E1, 5, 1, T0 - 0.01);
	assert_int_equal(client_rx(&c, 1, buf, n, T0, &r), RX_ACCEPT);
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 100, T0) > 0);
	assert_int_equal(c.tx_paths, 0x7);
	/* every link down: nothing to send it on */
	client_core_path_link(&c, 0, false, "t");
	client_core_path_link(&c, 1, false, "t");
	client_core_path_link(&c, 2, false, "t");
	assert_int_equal(client_tx_data(&c, buf, RX_BUF, &a, 100, T0), 0);
	assert_int_equal(c.cnt.drop[DROP_NO_PATH], 1);
	client_core_path_link(&c, 0, true, "t");
	client_core_path_link(&c, 1, true, "t");
	client_core_path_link(&c, 2, true, "t");
	/* path 2 loses datagrams above 1000 bytes, paths 0 and 1 above 1400 */
	c.paths[2].pmtu.cap = 1000;
	c.paths[0].pmtu.cap = c.paths[1].pmtu.cap = 1400;
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 1000 - 56, T0) > 0);
	assert_int_equal(c.tx_paths, 0x7);
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 1000 - 55, T0) > 0);
	assert_int_equal(c.tx_paths, 0x3);
	assert_true(client_tx_data(&c, buf, RX_BUF, &a, 1400 - 56, T0) > 0);
	assert_int_equal(client_tx_data(&c, buf, RX_BUF, &a, 1400 - 55, T0), 0);
	assert_int_equal(c.cnt.drop[DROP_PATH_MTU], 1);
	client_core_free(&c);
}

/* --target and SOCKS5 flows: the descriptor in front of every DATA; SOCKS
 * flows are (source, association, target), each its own flow. */
static void test_target_flows(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct addr a = rx_addr(3000), t1a = rx_addr(7001), t2a = rx_addr(7002);
	struct target name, t1, t2, got;
	struct wire_hdr h;
	const uint8_t *payload;
	size_t n, d, used;
	uint32_t f1, f2, f3, f0;
	uint8_t *dg;

	(void)state;
	assert_true(target_from_name(&name, "echo"));
	assert_true(target_from_addr(&t1, &t1a));
	assert_true(target_from_addr(&t2, &t2a));
	rx_params(&prm);
	prm.target = name;
	client_new(&c, &prm, false);
	memcpy(buf + WIRE_HDR_LEN, "hello", 5);
	n = client_tx_data(&c, buf, RX_BUF, &a, 5, T0);
	assert_true(n > 0);
	assert_true(wire_decode(buf, n, &h, &payload, NULL));
	assert_true(h.flags & WIRE_F_TARGET);
	assert_true(target_desc_decode(payload, h.len, &got, &used));
	assert_true(target_equal(&got, &name));
	assert_int_equal(h.len - used, 5);
	assert_memory_equal(payload + used, "hello", 5);
	f0 = cflow_by_addr(&c.flows, &a);
	/* SOCKS5: the bytes after room for the descriptor and the header */
	d = target_desc_len(&t1);
	dg = buf + 40;
	memcpy(dg + WIRE_HDR_LEN + d, "socks", 5);
	n = client_tx_data_to(&c, dg, RX_BUF - 40, &a, 5, &t1, 5, T0);
	assert_true(n > 0);
	assert_true(wire_decode(dg, n, &h, &payload, NULL));
	assert_true(target_desc_decode(payload, h.len, &got, &used));
	assert_true(target_equal(&got, &t1));
	assert_memory_equal(payload + used, "socks", 5);
	f1 = cflow_find(&c.flows, &a, 5, &t1);
	assert_int_not_equal(f1, RX_NONE);
	assert_int_not_equal(f1, f0);
	n = client_tx_data_to(&c, dg, RX_BUF - 40, &a, 5, &t2, 5, T0);
	assert_true(n > 0);
	f2 = cflow_find(&c.flows, &a, 5, &t2);
	n = client_tx_data_to(&c, dg, RX_BUF - 40, &a, 6, &t1, 5, T0);
	f3 = cflow_find(&c.flows, &a, 6, &t1);
	assert_true(f2 != f1 && f3 != f1 && f3 != f2 && f2 != RX_NONE && f3 != RX_NONE);
	assert_int_equal(c.flows.n, 4);
	/* the same source, association and target: the same flow */
	assert_true(client_tx_data_to(&c, dg, RX_BUF - 40, &a, 5, &t1, 5, T0) > 0);
	assert_int_equal(c.flows.n, 4);
	assert_int_equal(cflow_by_addr(&c.flows, &a), f0);
	/* an association ends: its flows go, the others stay */
	client_core_assoc_close(&c, 5);
	assert_int_equal(c.flows.n, 2);
	assert_int_equal(cflow_find(&c.flows, &a, 5, &t1), RX_NONE);
	assert_int_equal(cflow_find(&c.flows, &a, 6, &t1), f3);
	assert_int_equal(cflow_by_addr(&c.flows, &a), f0);
	client_core_free(&c);
}

/* ---- epochs ---- */

static void test_epoch_first_contact(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct rx_result r;
	size_t n;

	(void)state;
	rx_params(&prm);
	client_new(&c, &prm, false);
	app_flow(&c, 3000, T0);
	assert_true(c.srv_epoch == 0);
	/* DATA first (the PONG was lost): dropped, and a PING round asked for */
	assert_int_equal(data_in(&c, 0, E1, 1, T0, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_EPOCH);
	assert_int_equal(r.reply, RX_REPLY_PING_BURST);
	/* ... at most every CLIENT_BURST_INTERVAL */
	assert_int_equal(data_in(&c, 0, E1, 2, T0 + 0.05, &r), RX_DROP);
	assert_int_equal(r.reply, RX_REPLY_NONE);
	/* a PONG answering a PING of another path, or too old, adopts nothing */
	n = s2c(buf, WIRE_PONG, false, 0, E1, 3, 1, T0 - 0.01);
	assert_int_equal(client_rx(&c, 0, buf, n, T0 + 0.2, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_EPOCH);
	n = s2c(buf, WIRE_PONG, false, 0, E1, 4, 0, T0 - prm.path_timeout - 1);
	assert_int_equal(client_rx(&c, 0, buf, n, T0 + 0.2, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_EPOCH);
	/* a PONG from the future (not our clock) neither */
	n = s2c(buf, WIRE_PONG, false, 0, E1, 5, 0, T0 + 100);
	assert_int_equal(client_rx(&c, 0, buf, n, T0 + 0.2, &r), RX_DROP);
	assert_true(c.srv_epoch == 0);
	/* the fresh PONG on its own path: adopted, RTT measured, path up */
	n = s2c(buf, WIRE_PONG, false, 0, E1, 6, 0, T0 + 0.1);
	assert_int_equal(client_rx(&c, 0, buf, n, T0 + 0.2, &r), RX_ACCEPT);
	assert_true(c.srv_epoch == E1);
	assert_true(c.paths[0].live.alive);
	assert_true(c.paths[0].rtt > 0.099 && c.paths[0].rtt < 0.101);
	/* now its DATA goes through */
	assert_int_equal(data_in(&c, 1, E1, 7, T0 + 0.3, &r), RX_DELIVER);
	client_core_free(&c);
}

static void test_epoch_server_restart_and_replay(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct rx_result r;
	size_t n;

	(void)state;
	rx_params(&prm);
	client_new(&c, &prm, false);
	app_flow(&c, 3000, T0);
	adopt(&c, E1, 1, T0);
	n = s2c(buf, WIRE_DATA, false, 1, E1, 500, 0, 0);
	memcpy(pre, buf, n);
	assert_int_equal(client_rx(&c, 0, buf, n, T0, &r), RX_DELIVER);
	/* mpserver restarted: its new instance numbers from 1 again */
	assert_int_equal(data_in(&c, 0, E2, 1, T0 + 1, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_EPOCH);
	assert_int_equal(r.reply, RX_REPLY_PING_BURST);
	adopt(&c, E2, 2, T0 + 1.2);
	assert_true(c.retired[0] == E1);
	/* the window was reset: seq 3 of the new instance is new */
	assert_int_equal(data_in(&c, 0, E2, 3, T0 + 1.3, &r), RX_DELIVER);
	/* a replayed datagram of the old instance: dropped, no PING round */
	memcpy(buf, pre, n);
	assert_int_equal(client_rx(&c, 0, buf, n, T0 + 2, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_EPOCH);
	assert_int_equal(r.reply, RX_REPLY_NONE);
	/* even a replayed old PONG that looks fresh cannot bring it back */
	n = s2c(buf, WIRE_PONG, false, 0, E1, 900, 0, T0 + 1.9);
	assert_int_equal(client_rx(&c, 0, buf, n, T0 + 2, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_EPOCH);
	assert_true(c.srv_epoch == E2);
	client_core_free(&c);
}

/* ---- paths and flows ---- */

static void test_path_up_down(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct rx_result r;

	(void)state;
	rx_params(&prm);
	prm.path_timeout = 3;
	client_new(&c, &prm, false);
	app_flow(&c, 3000, T0);
	assert_false(c.paths[0].live.alive);
	adopt(&c, E1, 1, T0);
	assert_int_equal(data_in(&c, 1, E1, 2, T0 + 1, &r), RX_DELIVER);
	assert_true(c.paths[0].live.alive && c.paths[1].live.alive);
	assert_false(c.paths[2].live.alive);
	client_core_tick(&c, T0 + 3.5);
	assert_false(c.paths[0].live.alive);	/* silent 3.5 s */
	assert_true(c.paths[1].live.alive);	/* 2.5 s */
	client_core_tick(&c, T0 + 4.5);
	assert_false(c.paths[1].live.alive);
	/* back as soon as something valid arrives */
	assert_int_equal(data_in(&c, 1, E1, 3, T0 + 5, &r), RX_DELIVER);
	assert_true(c.paths[1].live.alive);
	/* something invalid does not */
	assert_int_equal(data_in(&c, 0, E1, 3, T0 + 5, &r), RX_DROP);
	assert_false(c.paths[0].live.alive);
	client_core_free(&c);
}

static void test_idle_flows(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct rx_result r;

	(void)state;
	rx_params(&prm);
	prm.idle_timeout = 10;
	client_new(&c, &prm, false);
	app_flow(&c, 3000, T0);
	app_flow(&c, 3001, T0 + 5);
	adopt(&c, E1, 1, T0);
	/* a reply keeps flow 1 alive */
	assert_int_equal(data_in(&c, 0, E1, 2, T0 + 9, &r), RX_DELIVER);
	client_core_tick(&c, T0 + 16);
	assert_int_equal(c.flows.n, 1);
	assert_int_not_equal(cflow_by_id(&c.flows, 1), RX_NONE);
	assert_int_equal(cflow_by_id(&c.flows, 2), RX_NONE);
	client_core_tick(&c, T0 + 20);
	assert_int_equal(c.flows.n, 0);
	/* a reply for it now has nowhere to go */
	assert_int_equal(data_in(&c, 0, E1, 3, T0 + 20, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_NO_FLOW);
	client_core_free(&c);
}

/* A backup path's role reaches mpserver with its PINGs, an MTU probe's too
 * (a probe without it once made mpserver treat the backup as a primary for
 * seconds); mpclient knows mpserver heard it from the PONG. */
static void test_backup_role(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct server_core s;
	struct addr path0 = rx_addr(4000);
	struct rx_result r, rs;
	struct session *ss;
	size_t n;

	(void)state;
	rx_params(&prm);
	cores_new(&c, &s, &prm, false);
	client_core_path_role(&c, 0, true);
	assert_true(c.paths[0].backup);
	assert_true(c.paths[0].probe);	/* a PING at once */
	assert_false(c.paths[0].role_said);
	n = client_tx_ping(&c, 0, T0, buf, RX_BUF);
	assert_int_equal(server_rx(&s, &path0, buf, n, T0, &rs), RX_ACCEPT);
	assert_int_equal(rs.reply, RX_REPLY_PONG);
	ss = session_at(&s.sessions, rs.session);
	assert_true(ss->paths[rs.path].backup);
	assert_int_equal(cores_reply(&c, 0, &rs, T0 + 0.01, &r), RX_ACCEPT);
	assert_true(c.paths[0].role_said);
	/* an MTU probe keeps saying it */
	n = client_tx_probe(&c, 0, 1200, T0 + 0.1, buf, RX_BUF);
	assert_int_equal(n, 1200);
	assert_int_equal(server_rx(&s, &path0, buf, n, T0 + 0.1, &rs), RX_ACCEPT);
	assert_true(ss->paths[rs.path].backup);
	/* primary again: said at the next PING */
	client_core_path_role(&c, 0, false);
	assert_false(c.paths[0].role_said);
	n = client_tx_ping(&c, 0, T0 + 0.2, buf, RX_BUF);
	assert_int_equal(server_rx(&s, &path0, buf, n, T0 + 0.2, &rs), RX_ACCEPT);
	assert_false(ss->paths[rs.path].backup);
	server_core_free(&s);
	client_core_free(&c);
}

/* ---- both cores: the keyed handshake, by hand ---- */

static void test_keyed_handshake(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct server_core s;
	struct addr app = rx_addr(3000), path0 = rx_addr(4000);
	struct rx_result r, rs;
	size_t n;

	(void)state;
	rx_params(&prm);
	cores_new(&c, &s, &prm, true);
	/* 1. the application speaks; mpserver does not know the session and
	 * does not answer DATA; mpclient, unanswered, probes with a PING
	 * (RTT unknown: after 100 ms), which gets the COOKIE */
	memcpy(buf + WIRE_HDR_LEN, "hello", 5);
	n = client_tx_data(&c, buf, RX_BUF, &app, 5, T0);
	assert_int_equal(server_rx(&s, &path0, buf, n, T0, &rs), RX_DROP);
	assert_int_equal(rs.drop, DROP_NO_COOKIE);
	assert_int_equal(rs.reply, RX_REPLY_NONE);
	assert_false(client_probe_due(&c, T0 + 0.05));
	assert_true(client_probe_due(&c, T0 + 0.1));
	assert_false(client_probe_due(&c, T0 + 0.11));
	n = client_tx_ping(&c, 0, T0 + 0.1, buf, RX_BUF);
	assert_int_equal(server_rx(&s, &path0, buf, n, T0 + 0.1, &rs), RX_DROP);
	assert_int_equal(rs.drop, DROP_NO_COOKIE);
	assert_int_equal(rs.reply, RX_REPLY_COOKIE);
	/* 2. the COOKIE makes mpclient ping at once, with it */
	assert_int_equal(cores_reply(&c, 0, &rs, T0 + 0.21, &r), RX_ACCEPT);
	assert_int_equal(r.reply, RX_REPLY_PING_BURST);
	assert_int_equal(c.cnt.cookies, 1);
	n = client_tx_ping(&c, 0, T0 + 0.21, buf, RX_BUF);
	assert_int_equal(server_rx(&s, &path0, buf, n, T0 + 0.22, &rs), RX_ACCEPT);
	assert_int_equal(rs.reply, RX_REPLY_PONG);
	assert_int_equal(s.sessions.n, 1);
	/* 3. the PONG introduces the instance */
	assert_int_equal(cores_reply(&c, 0, &rs, T0 + 0.23, &r), RX_ACCEPT);
	assert_true(c.srv_epoch == s.sessions.s[rs.session].epoch);
	assert_true(c.paths[0].live.alive);
	/* 4. data both ways */
	memcpy(buf + WIRE_HDR_LEN, "again", 5);
	n = client_tx_data(&c, buf, RX_BUF, &app, 5, T0 + 0.24);
	memcpy(pre, buf, n);
	assert_int_equal(server_rx(&s, &path0, buf, n, T0 + 0.24, &rs), RX_DELIVER);
	assert_memory_equal(rs.payload, "again", 5);
	assert_true(rs.flow_new);
	/* the same bytes on a second path: a duplicate */
	path0 = rx_addr(4001);
	assert_int_equal(server_rx(&s, &path0, pre, n, T0 + 0.24, &rs), RX_DROP);
	assert_int_equal(rs.drop, DROP_DUPLICATE);
	memcpy(buf + WIRE_HDR_LEN, "reply", 5);
	n = server_tx_data(&s, s.sessions.s[rs.session].last_flow, buf, RX_BUF, 5, T0 + 0.25);
	assert_true(n > 0);
	assert_int_equal(client_rx(&c, 1, buf, n, T0 + 0.26, &r), RX_DELIVER);
	assert_memory_equal(r.payload, "reply", 5);
	assert_true(addr_equal(&c.flows.f[r.flow].app, &app));
	server_core_free(&s);
	client_core_free(&c);
}

/* mpserver's path challenge (PROTOCOL.md, Paths): a PING with a token, on
 * path 2, is answered with a PONG echoing it on that path, keyed and not. */
static void test_challenge_answered(void **state)
{
	static const uint8_t token[WIRE_TOKEN_LEN] = "0123456789abcdef";
	struct tunnel_params prm;
	struct client_core c;
	struct rx_result r;
	struct wire_hdr h;
	struct wire_ping pong;
	const uint8_t *pl;
	uint8_t out[RX_BUF];
	unsigned keyed;
	size_t n;

	(void)state;
	for (keyed = 0; keyed < 2; keyed++) {
		rx_params(&prm);
		client_new(&c, &prm, keyed);
		adopt(&c, E1, 1, T0);
		h = rx_hdr(WIRE_PING, WIRE_F_SERVER | (keyed ? RX_KEYED : 0), 0, SESS, E1, 2, 0);
		n = rx_mk_ping(buf, h, 2, 5.0, token, NULL);
		assert_int_equal(client_rx(&c, 2, buf, n, T0 + 0.1, &r), RX_ACCEPT);
		assert_int_equal(r.reply, RX_REPLY_PONG);
		assert_int_equal(c.cnt.challenges, 1);
		memcpy(out, r.reply_buf, r.reply_len);
		if (keyed)
			assert_true(rx_open(out, r.reply_len, NULL));
		assert_true(wire_decode(out, r.reply_len, &h, &pl, NULL));
		assert_int_equal(h.type, WIRE_PONG);
		assert_int_equal(h.flags & WIRE_F_SERVER, 0);
		assert_int_equal(h.path, 2);
		assert_int_equal(h.session, SESS);
		assert_true(wire_ping_decode(pl, h.len, r.reply_len, true, &pong));
		assert_memory_equal(pong.token, token, WIRE_TOKEN_LEN);
		assert_int_equal(pong.stamp, 5000000000ull);
		assert_int_equal(pong.probe_size, n);
		/* replayed: a duplicate, no second answer */
		n = rx_mk_ping(buf, h = rx_hdr(WIRE_PING, WIRE_F_SERVER | (keyed ? RX_KEYED : 0), 0,
					       SESS, E1, 2, 0), 2, 5.0, token, NULL);
		assert_int_equal(client_rx(&c, 2, buf, n, T0 + 0.2, &r), RX_DROP);
		assert_int_equal(r.drop, DROP_DUPLICATE);
		assert_int_equal(r.reply, RX_REPLY_NONE);
		/* naming another path than the one it came by: not answered */
		n = rx_mk_ping(buf, h = rx_hdr(WIRE_PING, WIRE_F_SERVER | (keyed ? RX_KEYED : 0), 0,
					       SESS, E1, 3, 0), 1, 5.0, token, NULL);
		assert_int_equal(client_rx(&c, 2, buf, n, T0 + 0.3, &r), RX_DROP);
		assert_int_equal(r.drop, DROP_CHALLENGE);
		assert_int_equal(r.reply, RX_REPLY_NONE);
		client_core_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_reasons),
		cmocka_unit_test(test_tx_drops),
		cmocka_unit_test(test_target_flows),
		cmocka_unit_test(test_epoch_first_contact),
		cmocka_unit_test(test_epoch_server_restart_and_replay),
		cmocka_unit_test(test_path_up_down),
		cmocka_unit_test(test_link_and_mtu),
		cmocka_unit_test(test_idle_flows),
		cmocka_unit_test(test_keyed_handshake),
		cmocka_unit_test(test_backup_role),
		cmocka_unit_test(test_challenge_answered),
	};

	seal_init();
	log_set_verbosity(-1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
