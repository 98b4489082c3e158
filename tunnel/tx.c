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
