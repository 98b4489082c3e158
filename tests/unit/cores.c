/* cores.c - both protocol cores in one test, datagrams passed by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cores.h"
#include "rx_util.h"

static uint8_t dgram[RX_BUF];

void cores_new(struct client_core *c, struct server_core *s, const struct tunnel_params *prm,
	       bool keyed)
{
	assert_int_equal(client_core_init(c, prm, 3, keyed ? rx_psk : NULL, CORES_SESS), 0);
	assert_int_equal(server_core_init(s, prm, keyed ? rx_psk : NULL, NULL), 0);
}

enum rx_verdict cores_reply(struct client_core *c, unsigned path, const struct rx_result *rs,
			    double now, struct rx_result *r)
{
	memcpy(dgram, rs->reply_buf, rs->reply_len);
	return client_rx(c, path, dgram, rs->reply_len, now, r);
}

void cores_join(struct client_core *c, struct server_core *s, bool keyed, double now)
{
	struct rx_result r, rs;
	struct addr from = rx_addr(4000);
	unsigned p;
	size_t n;

	/* keyed: the first PING gets a COOKIE, the next one opens the session */
	n = client_tx_ping(c, 0, now, dgram, RX_BUF);
	if (keyed) {
		assert_int_equal(server_rx(s, &from, dgram, n, now, &rs), RX_DROP);
		assert_int_equal(rs.reply, RX_REPLY_COOKIE);
		assert_int_equal(cores_reply(c, 0, &rs, now, &r), RX_ACCEPT);
		n = client_tx_ping(c, 0, now, dgram, RX_BUF);
	}
	assert_int_equal(server_rx(s, &from, dgram, n, now, &rs), RX_ACCEPT);
	assert_int_equal(rs.reply, RX_REPLY_PONG);
	assert_int_equal(cores_reply(c, 0, &rs, now, &r), RX_ACCEPT);
	/* every path heard both ways */
	for (p = 1; p < c->npaths; p++) {
		from = rx_addr((uint16_t)(4000 + p));
		n = client_tx_ping(c, p, now, dgram, RX_BUF);
		assert_int_equal(server_rx(s, &from, dgram, n, now, &rs), RX_ACCEPT);
		assert_int_equal(cores_reply(c, p, &rs, now, &r), RX_ACCEPT);
	}
}
