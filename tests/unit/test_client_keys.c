/* test_client_keys.c - what a reload changes in mpclient's core: a new key
 * (sealed with at once, replies under the old one opened for the grace
 * period, then refused as key_id) and paths added and removed (stable path
 * ids, a fresh id for a new path, never the one just removed).  No sockets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client_core.h"
#include "rx_util.h"
#include "seal.h"

#define SESS 0x1111222233334444ull
#define E1 0x0000000000e10001ull
#define T0 600.0

static const uint8_t *const k2 = rx_psk2;
static uint8_t buf[RX_BUF], pre[RX_BUF];

/* DATA from mpserver (epoch E1) on path 0, sealed under psk (NULL: rx_psk). */
static enum rx_verdict from_server(struct client_core *c, uint8_t type, uint64_t seq,
				   const uint8_t *psk, double now, struct rx_result *r)
{
	struct wire_hdr h = rx_hdr(type, WIRE_F_SERVER | RX_KEYED, 1, SESS, E1, seq, 5);
	size_t n = type == WIRE_PONG ? rx_mk_ping(buf, h, 0, now - 0.01, NULL, psk)
				     : rx_mk(buf, &h, "hello", psk);

	return client_rx(c, 0, buf, n, now, r);
}

static void test_rekey_grace(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct seal_psk p2;
	struct rx_result r;
	struct addr app = rx_addr(5000);
	struct wire_hdr h;
	const uint8_t *payload;
	enum wire_drop we;
	size_t n;

	(void)state;
	rx_params(&prm);
	assert_int_equal(client_core_init(&c, &prm, 3, rx_psk, SESS), 0);
	assert_true(client_tx_data(&c, pre, RX_BUF, &app, 3, T0) > 0);	/* flow 1 */
	assert_int_equal(from_server(&c, WIRE_PONG, 1, NULL, T0, &r), RX_ACCEPT);
	assert_true(c.srv_epoch == E1);
	assert_int_equal(from_server(&c, WIRE_DATA, 2, NULL, T0, &r), RX_DELIVER);

	/* the same key again: nothing changes */
	assert_int_equal(client_core_rekey(&c, &c.keys.psk, T0, 5.0), 0);
	assert_int_equal(c.cnt.key_changes, 0);
	/* a new key: sealed with at once */
	assert_true(seal_psk_set(&p2, k2, c.keys.psk.suite));
	assert_int_equal(client_core_rekey(&c, &p2, T0 + 1, 5.0), 0);
	assert_int_equal(c.cnt.key_changes, 1);
	n = client_tx_data(&c, pre, RX_BUF, &app, 3, T0 + 1);
	assert_true(n > 0);
	assert_true(wire_decode(pre, n, &h, &payload, &we));
	assert_int_equal(h.key_id, p2.id);
	assert_true(rx_open(pre, n, k2));
	/* replies under the new key and, in the grace period, the old one */
	assert_int_equal(from_server(&c, WIRE_DATA, 3, k2, T0 + 1, &r), RX_DELIVER);
	assert_int_equal(from_server(&c, WIRE_DATA, 4, NULL, T0 + 2, &r), RX_DELIVER);
	/* after it: the old key is a counted drop */
	client_core_tick(&c, T0 + 6.5);
	assert_int_equal(from_server(&c, WIRE_DATA, 5, NULL, T0 + 7, &r), RX_DROP);
	assert_int_equal(r.drop, DROP_KEY_ID);
	assert_int_equal(c.cnt.drop[DROP_KEY_ID], 1);
	assert_int_equal(from_server(&c, WIRE_DATA, 6, k2, T0 + 7, &r), RX_DELIVER);
	client_core_free(&c);
}

static void test_path_ids(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct rx_result r;
	uint8_t d[RX_BUF];
	unsigned id;

	(void)state;
	rx_params(&prm);
	assert_int_equal(client_core_init(&c, &prm, 3, NULL, SESS), 0);
	c.paths[1].st.sent = 77;
	/* path 0 goes, a new one comes: id 3 (never used), the others untouched */
	client_core_path_remove(&c, 0);
	id = client_core_path_add(&c, "new");
	assert_int_equal(id, 3);
	assert_int_equal(c.npaths, 4);
	assert_int_equal(c.paths[1].st.sent, 77);
	assert_int_equal(c.paths[1].index, 1);
	assert_int_equal(c.paths[3].index, 3);
	/* what comes on the removed path is refused (a caller's bug: not counted) */
	assert_int_equal(client_rx(&c, 0, d, 10, T0, &r), RX_DROP);
	/* a copy goes out with the path's own id */
	assert_true(client_tx_ping(&c, 3, T0, d, sizeof(d)) > 0);
	assert_int_equal(d[WIRE_OFF_PATH], 3);
	/* removing the highest shrinks the scan */
	client_core_path_remove(&c, 3);
	assert_int_equal(c.npaths, 3);
	/* all sixteen ids taken: none left; then a freed one is reused */
	for (id = 0; id < CLIENT_MAX_PATHS - 2; id++)	/* 1 and 2 are live */
		assert_true(client_core_path_add(&c, "x") < CLIENT_MAX_PATHS);
	assert_int_equal(client_core_path_add(&c, "x"), CLIENT_MAX_PATHS);
	assert_int_equal(c.npaths, CLIENT_MAX_PATHS);
	client_core_path_remove(&c, 5);
	assert_int_equal(client_core_path_add(&c, "x"), 5);
	client_core_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rekey_grace),
		cmocka_unit_test(test_path_ids),
	};

	seal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
