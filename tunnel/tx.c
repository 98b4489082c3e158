/* tx.c - encode and seal one datagram. */
#include "tx.h"

size_t tx_build(const struct seal_key *key, const struct wire_hdr *h, const void *payload,
		uint8_t *out, size_t outlen)
{
	size_t n = wire_encode(h, payload, out, outlen);

	if (n && (h->flags & WIRE_F_SEALED) && !seal_datagram(key, out, n))
		return 0;
	return n;
}
