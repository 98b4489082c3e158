/* test_server_keys.c - mpserver's keys per session (server_keys.h): a
 * session follows its client to a new key, late datagrams under the key
 * before still open, replies are sealed with the session's key, a reload
 * that removes a key refuses datagrams under it and closes the sessions
 * still under it.  No sockets: datagrams are bytes, time is a number. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "keyring.h"
#include "rx_util.h"
#include "seal.h"
#include "server_core.h"
#include "server_keys.h"

#define SESS 0x1111222233334444ull
#define T0 600.0

static const uint8_t *const k2 = rx_psk2;
static uint8_t buf[RX_BUF];

/* A set of these keys (rx_psk's suite: what rx_mk seals with). */
static void set_of(struct keyset *set, const uint8_t *a, const uint8_t *b, unsigned suite)
{
	struct seal_psk p;

	assert_int_equal(keyset_init(set, KEYRING_MAX), 0);
	if (a) {
		assert_true(seal_psk_set(&p, a, suite));
		assert_int_equal(keyset_add(set, &p), 0);
	}
	if (b) {
		assert_true(seal_psk_set(&p, b, suite));
		assert_int_equal(keyset_add(set, &p), 0);
	}
}

static enum rx_verdict data(struct server_core *s, uint64_t seq, const uint8_t *psk,
			    struct rx_result *r)
{
	struct wire_hdr h = rx_hdr(WIRE_DATA, RX_KEYED, 1, SESS, SESS, seq, 5);
	struct addr from = rx_addr(4001);
	size_t n = rx_mk(buf, &h, "hello", psk);

	return server_rx(s, &from, buf, n, T0 + 1, r);
}

static void test_follow_and_remove(void **state)
{
	struct tunnel_params prm;
	struct server_core s;
	struct keyset set;
	struct rx_result r;
	struct addr from = rx_addr(4001);
	uint8_t cookie[WIRE_COOKIE_LEN], slot[RX_BUF];
	struct wire_hdr h;
	const uint8_t *payload;
	enum wire_drop we;
	uint32_t id1 = seal_key_id(rx_psk), id2 = seal_key_id(k2);
	unsigned suite;
	uint32_t flow;
	char msg[256];
	size_t n;

	(void)state;
	rx_params(&prm);
	assert_int_equal(server_core_init(&s, &prm, rx_psk, NULL), 0);
	suite = s.keys.psk.suite;
	/* a session under key 1 */
	seal_cookie(s.cookies.secret, SESS, cookie_bucket(T0), cookie);
	h = rx_hdr(WIRE_PING, RX_KEYED, 0, SESS, SESS, 1, 5);
	n = rx_mk_ping(buf, h, 0, 1.0, cookie, NULL);
	assert_int_equal(server_rx(&s, &from, buf, n, T0, &r), RX_ACCEPT);
	assert_int_equal(session_at(&s.sessions, r.session)->key.id, id1);

	/* a reload adds key 2 */
	set_of(&set, rx_psk, k2, suite);
	assert_int_equal(server_keys_replace(&s, &set, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "2 keys: 1 added, 0 removed; 0 sessions closed");
	keyset_free(&set);
	assert_int_equal(data(&s, 2, NULL, &r), RX_DELIVER);

	/* the client switches at seq 5: the session follows */
	assert_int_equal(data(&s, 5, k2, &r), RX_DELIVER);
	assert_int_equal(session_at(&s.sessions, r.session)->key.id, id2);
	assert_int_equal(s.cnt.key_changes, 1);
	/* a late datagram under key 1 (seq 4) still opens; the session stays on key 2 */
	assert_int_equal(data(&s, 4, NULL, &r), RX_DELIVER);
	flow = r.flow;
	assert_int_equal(session_at(&s.sessions, r.session)->key.id, id2);
	assert_int_equal(s.cnt.key_changes, 1);
	/* a forgery naming key 1 does not open */
	h = rx_hdr(WIRE_DATA, RX_KEYED, 1, SESS, SESS, 7, 5);
	n = rx_mk(buf, &h, "hello", NULL);
	buf[n - 1] ^= 1;
	assert_int_equal(server_rx(&s, &from, buf, n, T0 + 1, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_BAD_TAG);

	/* replies are sealed with the session's key (2) */
	n = server_tx_data(&s, flow, slot, sizeof(slot), 5, T0 + 1);
	assert_true(n > 0);
	assert_true(wire_decode(slot, n, &h, &payload, &we));
	assert_int_equal(h.key_id, id2);

	/* a reload removes key 1: datagrams under it are refused, the session lives */
	set_of(&set, k2, NULL, suite);
	assert_int_equal(server_keys_replace(&s, &set, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "1 keys: 0 added, 1 removed; 0 sessions closed");
	keyset_free(&set);
	assert_int_equal(data(&s, 3, NULL, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_KEY_ID);
	assert_int_equal(data(&s, 8, k2, &r), RX_DELIVER);

	/* a reload without the session's key closes it, counted */
	set_of(&set, rx_psk, NULL, suite);
	assert_int_equal(server_keys_replace(&s, &set, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "1 keys: 1 added, 1 removed; 1 sessions closed");
	keyset_free(&set);
	assert_int_equal(s.cnt.key_closed, 1);
	assert_int_equal(s.sessions.n, 0);
	/* an empty set is refused */
	assert_int_equal(keyset_init(&set, KEYRING_MAX), 0);
	assert_int_equal(server_keys_replace(&s, &set, msg, sizeof(msg)), -EINVAL);
	keyset_free(&set);
	assert_int_equal(keyset_count(&s.keys.set), 1);
	server_core_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follow_and_remove),
	};

	seal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
