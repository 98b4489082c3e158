/* tx.c - encode and seal one datagram. */
#include "tx.h"
#include "wireseal.h"

size_t tx_build(const struct seal_key *key, const struct wire_hdr *h, const void *payload,
		uint8_t *out, size_t outlen)
{
	size_t n = wire_encode(h, payload, out, outlen);

	if (n && h->suite != WIRE_SUITE_CLEAR && !wire_seal(key, out, n))
		return 0;
	return n;
}

bool tx_fec_hdr(const struct fec_tx_out *o, bool from_server, uint16_t server,
		uint64_t session, uint64_t epoch, uint64_t *tx_seq, struct wire_hdr *h,
		const uint8_t **payload)
{
	uint64_t seq;
	uint32_t flow;
	uint16_t len;
	uint8_t fl;

	*payload = o->payload;
	if (!o->data) {
		*h = (struct wire_hdr){
			.version = WIRE_VERSION, .type = WIRE_PARITY,
			.flags = tx_flags(from_server) | WIRE_F_FEC, .server = server,
			.session = session, .epoch = epoch, .seq = ++*tx_seq, .len = o->len,
			.ext = { .block = o->block, .index = o->index, .k = o->k, .m = o->m },
		};
		return true;
	}
	if (!fec_parse_coded(o->payload, o->len, &seq, &flow, &len, &fl))
		return false;
	*h = (struct wire_hdr){
		.version = WIRE_VERSION, .type = WIRE_DATA,
		.flags = tx_flags(from_server) | fl | WIRE_F_FEC, .server = server,
		.flow = flow, .session = session, .epoch = epoch, .seq = seq, .len = len,
		.ext = { .block = o->block, .index = o->index },
	};
	*payload = o->payload + FEC_HDR;
	return true;
}
