/* rx_util.c - datagrams for the protocol-core tests. */
#include "rx_util.h"
#include "seal.h"

#include <string.h>

const uint8_t rx_psk[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

void rx_params(struct tunnel_params *p)
{
	params_defaults(p);
	p->window = 64;
	p->verbosity = 0;
}

struct addr rx_addr(uint16_t port)
{
	struct addr a;
	const char *err = NULL;

	addr_resolve("127.0.0.1", port, false, &a, &err);
	return a;
}

struct wire_hdr rx_hdr(uint8_t type, uint8_t flags, uint32_t flow, uint64_t session,
		       uint64_t epoch, uint64_t seq, uint16_t len)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = type, .flags = flags, .flow = flow,
		.session = session, .epoch = epoch, .seq = seq, .len = len,
	};
	return h;
}

size_t rx_mk(uint8_t *out, const struct wire_hdr *h, const void *payload, const uint8_t *psk)
{
	size_t n = wire_encode(h, payload, out, RX_BUF);

	if (n && (h->flags & WIRE_F_SEALED)) {
		struct seal_key k;

		seal_derive(psk ? psk : rx_psk, h->session, h->epoch,
			    (h->flags & WIRE_F_SERVER) != 0, &k);
		if (!seal_datagram(&k, out, n))
			n = 0;
	}
	return n;
}

size_t rx_mk_ping(uint8_t *out, struct wire_hdr h, uint16_t path, double stamp,
		  const uint8_t *cookie, const uint8_t *psk)
{
	struct wire_ping p = { .path = path, .stamp = (uint64_t)(stamp * 1e9) };
	uint8_t body[WIRE_PING_LEN];

	if (cookie)
		memcpy(p.cookie, cookie, WIRE_COOKIE_LEN);
	wire_ping_encode(&p, body, sizeof(body));
	h.len = WIRE_PING_LEN;
	h.flow = 0;
	return rx_mk(out, &h, body, psk);
}
