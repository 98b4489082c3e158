/* test_server_access.c - mpserver's clients and targets (server_access.h,
 * issue 13): a session is its client's (a datagram sealed with another
 * client's key never touches it), a flow goes only where its client may
 * reach (its target, allows and maps, and the global ones), a refused one
 * is counted and answered with a sealed NOTICE code 6, a reload re-reads
 * clients and targets.  No sockets: datagrams are bytes, time is a number. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "keyring.h"
#include "rx_util.h"
#include "seal.h"
#include "server_access.h"
#include "server_core.h"
#include "server_keys.h"
#include "srvconf.h"
#include "target.h"
#include "wireseal.h"

#define SA 0x1111222233334444ull	/* alice's session */
#define SB 0x5555666677778888ull	/* bob's session */
#define T0 600.0
#define N 1000

static const uint8_t *const ka = rx_psk, *const kb = rx_psk2;
static uint8_t buf[RX_BUF];

static const char *const conf_text[] = {
	"target 127.0.0.1:6666",
	"allow 127.0.0.1:5000-5001",
	"[client alice]",
	"key alice.key",
	"allow 127.0.0.1:7000",
	"map game 127.0.0.1:7001",
	"[client bob]",
	"key bob.key",
	"target 127.0.0.1:6000",
	NULL,
};

/* conf_text with line `drop` left out (-1: none) and `extra` appended to the end. */
static void conf_make(struct srvconf *c, int drop, const char *extra)
{
	struct srvconf_parser p;
	char line[128], err[256];
	int i;

	srvconf_init(&p, c, "test.conf");
	for (i = 0; conf_text[i]; i++) {
		if (i == drop)
			continue;
		snprintf(line, sizeof(line), "%s", conf_text[i]);
		assert_true(srvconf_line(&p, line));
	}
	if (extra) {
		snprintf(line, sizeof(line), "%s", extra);
		assert_true(srvconf_line(&p, line));
	}
	assert_true(srvconf_finish(&p));
	assert_int_equal(srvconf_resolve(c, "test.conf", err, sizeof(err)), 0);
}

/* Keys tagged as the config's clients: alice 1, bob 2 (swap: the other way round). */
static void keys_make(struct keyset *set, bool swap)
{
	struct seal_psk p;

	assert_int_equal(keyset_init(set, KEYRING_MAX), 0);
	assert_true(seal_psk_set(&p, ka, seal_suite_default()));
	assert_int_equal(keyset_add_tagged(set, &p, swap ? 2 : 1), 0);
	assert_true(seal_psk_set(&p, kb, seal_suite_default()));
	assert_int_equal(keyset_add_tagged(set, &p, swap ? 1 : 2), 0);
}

static void server_setup(struct server_core *s)
{
	struct tunnel_params prm;
	struct srvconf c;
	struct keyset set;
	char msg[256];

	rx_params(&prm);
	prm.window = 4096;
	assert_int_equal(server_core_init(s, &prm, ka, NULL), 0);
	keys_make(&set, false);
	assert_int_equal(server_keys_replace(s, &set, msg, sizeof(msg)), 0);
	keyset_free(&set);
	conf_make(&c, -1, NULL);
	assert_int_equal(server_access_replace(s, &c, NULL, msg, sizeof(msg)), 0);
	srvconf_free(&c);
}

static uint32_t open_session(struct server_core *s, uint64_t sess, const uint8_t *psk, uint16_t port)
{
	struct addr from = rx_addr(port);
	uint8_t cookie[WIRE_COOKIE_LEN];
	struct wire_hdr h = rx_hdr(WIRE_PING, RX_KEYED, 0, sess, sess, 1, 0);
	struct rx_result r;
	size_t n;

	seal_cookie(s->cookies.secret, sess, cookie_bucket(T0), cookie);
	n = rx_mk_ping(buf, h, 0, 1.0, cookie, psk);
	assert_int_equal(server_rx(s, &from, buf, n, T0, &r), RX_ACCEPT);
	return r.session;
}

/* DATA of flow `flow` of sess, sealed under psk, naming target t (NULL: none). */
static enum rx_verdict data(struct server_core *s, uint64_t sess, const uint8_t *psk,
			    uint16_t port, uint64_t seq, uint32_t flow, const struct target *t,
			    struct rx_result *r)
{
	uint8_t pl[TARGET_DESC_MAX_NAME + 5];
	size_t d = t ? target_desc_encode(t, pl, sizeof(pl)) : 0;
	struct wire_hdr h = rx_hdr(WIRE_DATA, (uint8_t)(RX_KEYED | (t ? WIRE_F_TARGET : 0)), flow,
				   sess, sess, seq, (uint16_t)(d + 5));
	struct addr from = rx_addr(port);
	size_t n;

	memcpy(pl + d, "hello", 5);
	n = rx_mk(buf, &h, pl, psk);
	assert_true(n > 0);
	return server_rx(s, &from, buf, n, T0 + 1, r);
}

static struct target addr_target(uint16_t port)
{
	struct target t;
	struct addr a = rx_addr(port);

	assert_true(target_from_addr(&t, &a));
	return t;
}

static uint16_t port_of(const struct addr *a)
{
	return addr_port(a);
}

/* 0 of N datagrams sealed with bob's key are accepted into alice's session. */
static void test_other_clients_key(void **state)
{
	struct server_core s;
	struct rx_result r;
	uint32_t ia, ib, accepted = 0, client_drops = 0, i;
	uint64_t delivered_before;

	(void)state;
	server_setup(&s);
	ia = open_session(&s, SA, ka, 4001);
	ib = open_session(&s, SB, kb, 4002);
	assert_int_equal(session_at(&s.sessions, ia)->client, 1);
	assert_int_equal(session_at(&s.sessions, ib)->client, 2);
	assert_int_equal(data(&s, SA, ka, 4001, 2, 1, NULL, &r), RX_DELIVER);
	delivered_before = s.cnt.drop[DROP_CLIENT];
	for (i = 0; i < N; i++) {
		/* bob knows alice's session id (it is in the clear) and seals with his key */
		enum rx_verdict v = data(&s, SA, kb, 4002, 3 + i, 1 + (i % 3), NULL, &r);

		accepted += v != RX_DROP;
		client_drops += v == RX_DROP && r.drop == DROP_CLIENT;
	}
	/* a PING too */
	{
		struct addr from = rx_addr(4002);
		struct wire_hdr h = rx_hdr(WIRE_PING, RX_KEYED, 0, SA, SA, 5000, 0);
		size_t n = rx_mk_ping(buf, h, 3, 1.0, NULL, kb);

		assert_int_equal(server_rx(&s, &from, buf, n, T0 + 1, &r), RX_DROP);
		assert_int_equal(r.drop, DROP_CLIENT);
	}
	assert_int_equal(accepted, 0);
	assert_int_equal(client_drops, N);
	assert_int_equal(s.cnt.drop[DROP_CLIENT] - delivered_before, N + 1);
	/* alice's session is as it was: her key, her one path, her one flow */
	assert_int_equal(session_at(&s.sessions, ia)->key.id, seal_key_id(ka));
	assert_int_equal(session_at(&s.sessions, ia)->nflows, 1);
	assert_false(session_at(&s.sessions, ia)->paths[3].used);
	assert_int_equal(s.cnt.key_changes, 0);
	/* and she goes on */
	assert_int_equal(data(&s, SA, ka, 4001, 3, 1, NULL, &r), RX_DELIVER);
	server_core_free(&s);
}

static void test_targets(void **state)
{
	struct server_core s;
	struct rx_result r;
	struct target t7000 = addr_target(7000), t6000 = addr_target(6000), t5001 = addr_target(5001);
	struct target game, nope;
	uint64_t seq = 2;
	uint32_t i, reached = 0, notices = 0, fa;
	struct wire_hdr h;
	const uint8_t *payload;
	struct wire_notice nt;

	(void)state;
	assert_true(target_from_name(&game, "game"));
	assert_true(target_from_name(&nope, "nope"));
	server_setup(&s);
	open_session(&s, SA, ka, 4001);
	open_session(&s, SB, kb, 4002);
	/* no descriptor: the client's target, else the global one */
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 1, NULL, &r), RX_DELIVER);
	assert_int_equal(port_of(&s.flows.f[r.flow].to), 6666);
	assert_int_equal(r.len, 5);
	assert_memory_equal(r.payload, "hello", 5);
	assert_int_equal(data(&s, SB, kb, 4002, 2, 1, NULL, &r), RX_DELIVER);
	assert_int_equal(port_of(&s.flows.f[r.flow].to), 6000);
	/* an address alice may reach (hers, the global allow), a name she maps */
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 2, &t7000, &r), RX_DELIVER);
	assert_int_equal(port_of(&s.flows.f[r.flow].to), 7000);
	assert_memory_equal(r.payload, "hello", 5);
	assert_int_equal(r.len, 5);
	fa = r.flow;
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 3, &t5001, &r), RX_DELIVER);
	assert_int_equal(port_of(&s.flows.f[r.flow].to), 5001);
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 4, &game, &r), RX_DELIVER);
	assert_int_equal(port_of(&s.flows.f[r.flow].to), 7001);
	/* the flow's next DATA names the same target: the same flow */
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 2, &t7000, &r), RX_DELIVER);
	assert_int_equal(r.flow, fa);
	/* ... another one, or none: target_changed */
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 2, &t5001, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_TARGET_CHANGED);
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 2, NULL, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_TARGET_CHANGED);
	assert_int_equal(data(&s, SA, ka, 4001, seq++, 1, &t7000, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_TARGET_CHANGED);
	/* bob's target, a name nobody maps, bob's try at alice's allow: 0 of N reach them */
	for (i = 0; i < N; i++) {
		const struct target *t = i % 3 == 0 ? &t6000 : i % 3 == 1 ? &nope : &t7000;
		bool bob = i % 3 == 2;
		enum rx_verdict v = bob ? data(&s, SB, kb, 4002, 3 + i, 10 + i, t, &r)
					: data(&s, SA, ka, 4001, seq++, 10 + i, t, &r);

		reached += v != RX_DROP;
		assert_int_equal(r.drop, DROP_TARGET_DENIED);
		if (r.reply == RX_REPLY_NOTICE) {
			/* sealed as a message of the session, naming the flow */
			notices++;
			assert_true(rx_open((uint8_t *)(uintptr_t)r.reply_buf, r.reply_len, bob ? kb : ka));
			assert_true(wire_decode(r.reply_buf, r.reply_len, &h, &payload, NULL));
			assert_int_equal(h.type, WIRE_NOTICE);
			assert_int_equal(h.flow, 10 + i);
			assert_int_equal(h.key_id, seal_key_id(bob ? kb : ka));
			assert_true(wire_notice_decode(payload, h.len, &nt));
			assert_int_equal(nt.code, WIRE_N_TARGET);
		}
	}
	assert_int_equal(reached, 0);
	assert_int_equal(s.cnt.drop[DROP_TARGET_DENIED], N);
	/* one NOTICE per source address a second (both clients are 127.0.0.1 here,
	 * all at the same time) */
	assert_int_equal(notices, 1);
	assert_int_equal(s.flows.n, 5);
	server_core_free(&s);
}

static void test_reload(void **state)
{
	struct server_core s;
	struct rx_result r;
	struct target t7000 = addr_target(7000);
	struct srvconf c;
	struct keyset set;
	uint32_t ia, ib;
	char msg[256];

	(void)state;
	server_setup(&s);
	ia = open_session(&s, SA, ka, 4001);
	ib = open_session(&s, SB, kb, 4002);
	assert_int_equal(data(&s, SA, ka, 4001, 2, 1, NULL, &r), RX_DELIVER);
	assert_int_equal(data(&s, SA, ka, 4001, 3, 2, &t7000, &r), RX_DELIVER);
	assert_int_equal(data(&s, SB, kb, 4002, 2, 1, NULL, &r), RX_DELIVER);
	assert_int_equal(s.flows.n, 3);
	/* alice loses her allow line: her flow to 7000 is closed, the rest lives */
	conf_make(&c, 4, NULL);
	keys_make(&set, false);
	assert_int_equal(server_access_replace(&s, &c, &set, msg, sizeof(msg)), 0);
	srvconf_free(&c);
	keyset_free(&set);
	assert_string_equal(msg, "2 keys: 0 added, 0 removed; 0 sessions closed; 2 clients; "
			    "client changed: 0 sessions closed; target no longer allowed: 1 flows "
			    "closed");
	assert_int_equal(s.flows.n, 2);
	assert_int_equal(data(&s, SA, ka, 4001, 4, 3, &t7000, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_TARGET_DENIED);
	/* bob's default target moves: his flow bound to the old one is closed */
	conf_make(&c, 8, "target 127.0.0.1:6001");
	keys_make(&set, false);
	assert_int_equal(server_access_replace(&s, &c, &set, msg, sizeof(msg)), 0);
	srvconf_free(&c);
	keyset_free(&set);
	assert_int_equal(s.flows.n, 1);
	assert_int_equal(data(&s, SB, kb, 4002, 3, 1, NULL, &r), RX_DELIVER);
	assert_int_equal(port_of(&s.flows.f[r.flow].to), 6001);
	/* the keys swap owners: both sessions closed (their client changed) */
	conf_make(&c, -1, NULL);
	keys_make(&set, true);
	assert_int_equal(server_access_replace(&s, &c, &set, msg, sizeof(msg)), 0);
	srvconf_free(&c);
	keyset_free(&set);
	assert_false(session_at(&s.sessions, ia)->used);
	assert_false(session_at(&s.sessions, ib)->used);
	assert_int_equal(s.cnt.key_closed, 2);
	server_core_free(&s);
	/* an empty key set is refused, nothing changed */
	server_setup(&s);
	conf_make(&c, -1, NULL);
	assert_int_equal(keyset_init(&set, KEYRING_MAX), 0);
	assert_int_equal(server_access_replace(&s, &c, &set, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(s.conf->nclients, 2);
	keyset_free(&set);
	srvconf_free(&c);
	server_core_free(&s);
}

/* Without a configuration (the core alone): the daemon's one target, no TARGET flows. */
static void test_no_conf(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct rx_result r;
	struct addr from = rx_addr(4001);
	struct target t = addr_target(7000);
	uint8_t pl[64];
	size_t d = target_desc_encode(&t, pl, sizeof(pl)), n;
	struct wire_hdr h;

	(void)state;
	rx_params(&prm);
	assert_int_equal(server_core_init(&s, &prm, NULL, NULL), 0);
	h = rx_hdr(WIRE_DATA, 0, 1, SA, SA, 1, 5);
	n = rx_mk(buf, &h, "hello", NULL);
	assert_int_equal(server_rx(&s, &from, buf, n, T0, &r), RX_DELIVER);
	assert_int_equal(s.flows.f[r.flow].to.ss.ss_family, AF_UNSPEC);
	memcpy(pl + d, "hello", 5);
	h = rx_hdr(WIRE_DATA, WIRE_F_TARGET, 2, SA, SA, 2, (uint16_t)(d + 5));
	n = rx_mk(buf, &h, pl, NULL);
	assert_int_equal(server_rx(&s, &from, buf, n, T0, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_TARGET_DENIED);
	assert_int_equal(r.reply, RX_REPLY_NOTICE);	/* in the clear, with its CRC */
	/* a malformed descriptor */
	h = rx_hdr(WIRE_DATA, WIRE_F_TARGET, 3, SA, SA, 3, 5);
	n = rx_mk(buf, &h, "hello", NULL);
	assert_int_equal(server_rx(&s, &from, buf, n, T0, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_MALFORMED);
	assert_int_equal(r.wire, WIRE_E_PAYLOAD);
	server_core_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_clients_key),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_no_conf),
	};

	seal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
