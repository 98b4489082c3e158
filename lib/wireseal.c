/* wireseal.c - seal and open wire v2 datagrams (see wireseal.h). */
#include "wireseal.h"
#include "cursor.h"

#include <string.h>

static bool layout(const uint8_t *dgram, size_t len, uint8_t ad[WIRE_AD_MAX], size_t *adlen,
		   uint64_t *seq, size_t *plen)
{
	struct cursor c;
	size_t hs;

	if (len < WIRE_HDR_LEN + WIRE_TAG_LEN || dgram[3] == WIRE_SUITE_CLEAR)
		return false;
	hs = wire_hdr_size(dgram[2]);
	if (len < hs + WIRE_TAG_LEN)
		return false;
	*adlen = wire_ad(dgram, len, ad);
	cursor_init_ro(&c, dgram + 32, 8);
	*seq = get_u64(&c);
	*plen = len - hs - WIRE_TAG_LEN;
	return *adlen == hs;
}

bool wire_seal(const struct seal_key *k, uint8_t *dgram, size_t len)
{
	uint8_t ad[WIRE_AD_MAX];
	size_t adlen, plen;
	uint64_t seq;

	if (!layout(dgram, len, ad, &adlen, &seq, &plen))
		return false;
	return seal_seal(k, seq, ad, adlen, dgram + adlen, plen, dgram + adlen + plen);
}

bool wire_open(const struct seal_key *k, const struct wire_hdr *h, uint8_t *dgram, size_t len)
{
	uint8_t ad[WIRE_AD_MAX];
	size_t adlen, plen;
	uint64_t seq;

	if (!layout(dgram, len, ad, &adlen, &seq, &plen) || seq != h->seq || plen != h->len ||
	    h->suite != k->suite)
		goto fail;
	if (seal_open(k, seq, ad, adlen, dgram + adlen, plen, dgram + adlen + plen))
		return true;
fail:
	if (len > WIRE_HDR_LEN)
		memset(dgram + WIRE_HDR_LEN, 0, len - WIRE_HDR_LEN);
	return false;
}
