/* rx_util.c - datagrams for the protocol-core tests. */
#include "rx_util.h"
#include "seal.h"
#include "wireseal.h"

#include <string.h>

const uint8_t rx_psk[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

const uint8_t rx_psk2[32] = {
	9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6,
	7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
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
	struct wire_hdr v = *h;
	bool keyed = v.flags & RX_KEYED;
	const uint8_t *key = psk ? psk : rx_psk;
	size_t n;

	v.flags &= (uint8_t)~RX_KEYED;
	if (keyed) {
		v.suite = (uint8_t)seal_suite_default();
		v.key_id = seal_key_id(key);
	}
	if (v.path_seq == 0)
		v.path_seq = 1;
	n = wire_encode(&v, payload, out, RX_BUF);
	if (n && keyed) {
		struct seal_key k = SEAL_KEY_EMPTY;
		struct seal_psk sp;

		if (!seal_psk_set(&sp, key, v.suite) ||
		    seal_key_derive(&k, &sp, v.session, v.epoch, (v.flags & WIRE_F_SERVER) != 0) ||
		    !wire_seal(&k, out, n))
			n = 0;
		seal_key_wipe(&k);
	}
	return n;
}

size_t rx_mk_ping(uint8_t *out, struct wire_hdr h, uint16_t path, double stamp,
		  const uint8_t *cookie, const uint8_t *psk)
{
	struct wire_ping p = { .stamp = (uint64_t)(stamp * 1e9) };
	uint8_t body[WIRE_PING_LEN];

	if (cookie)
		memcpy(p.token, cookie, WIRE_COOKIE_LEN);
	wire_ping_encode(&p, WIRE_PING_LEN, body, sizeof(body));
	h.len = WIRE_PING_LEN;
	h.flow = 0;
	h.path = (uint8_t)path;
	return rx_mk(out, &h, body, psk);
}

bool rx_open(uint8_t *d, size_t n, const uint8_t *psk)
{
	struct seal_key k = SEAL_KEY_EMPTY;
	struct wire_hdr h;
	struct seal_psk sp;
	const uint8_t *p;
	bool ok;

	if (!wire_decode(d, n, &h, &p, NULL) || !seal_psk_set(&sp, psk ? psk : rx_psk, h.suite))
		return false;
	ok = seal_key_derive(&k, &sp, h.session, h.epoch, (h.flags & WIRE_F_SERVER) != 0) == 0 &&
	     wire_open(&k, &h, d, n);
	seal_key_wipe(&k);
	return ok;
}
