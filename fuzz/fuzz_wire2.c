/* fuzz_wire2.c - the wire v2 decoder and payload codecs on arbitrary bytes.
 *
 * The input is tried twice: as it is, and (when it could be a clear
 * datagram) with its CRC trailer made right, so that the fuzzer reaches the
 * field checks behind the checksum.  Properties: no crash or undefined
 * behaviour; a rejection names a reason; wire2_decode and wire2_parse agree
 * apart from the checksum; an accepted datagram re-encodes to exactly the
 * input (tag bytes aside, which wire2_encode zeroes) and one byte less is
 * rejected; the associated-data view zeroes exactly the per-path fields;
 * every payload codec that accepts its input (the whole input, and the
 * payload of an accepted clear datagram) re-encodes to the same bytes. */
#include "fuzz.h"
#include "target.h"
#include "wire2.h"

#include <stdbool.h>
#include <string.h>

static uint8_t in[WIRE2_MAX_DGRAM + 1024];
static uint8_t out[WIRE2_MAX_DGRAM + 1024];

static const char *check_payloads(const uint8_t *p, size_t len, size_t dgram_len)
{
	struct wire2_ping pg;
	struct wire2_notice nt;
	struct wire2_feedback fb;
	struct wire2_coded cd;
	struct target tg;
	const uint8_t *cp;
	size_t n;
	int pong;

	for (pong = 0; pong < 2; pong++)
		if (wire2_ping_decode(p, len, dgram_len, pong, &pg)) {
			if (len < WIRE2_PING_LEN || (pong && len != WIRE2_PING_LEN))
				return "ping decoded from a payload of the wrong size";
			if (wire2_ping_encode(&pg, len, out, sizeof(out)) != len ||
			    memcmp(out, p, len) != 0)
				return "ping re-encode differs";
		}
	if (wire2_notice_decode(p, len, &nt)) {
		if (wire2_notice_encode(&nt, out, sizeof(out)) != len || memcmp(out, p, len))
			return "notice re-encode differs";
		if (!wire2_notice_text(nt.code)[0])
			return "notice without a text";
	}
	if (wire2_feedback_decode(p, len, &fb)) {
		if (wire2_feedback_encode(&fb, out, sizeof(out)) != len || memcmp(out, p, len))
			return "feedback re-encode differs";
	}
	if (len <= sizeof(out) && wire2_coded_decode(p, len, &cd, &cp)) {
		if (cp != p + WIRE2_CODED_HDR || cd.len > len - WIRE2_CODED_HDR)
			return "coded payload outside the symbol";
		if (wire2_coded_encode(&cd, cp, out, len) != len || memcmp(out, p, len))
			return "coded re-encode differs";
	}
	if (target_desc_decode(p, len, &tg, &n)) {
		if (n > len || target_desc_len(&tg) != n)
			return "target length inconsistent";
		if (target_desc_encode(&tg, out, sizeof(out)) != n || memcmp(out, p, n))
			return "target re-encode differs";
	}
	return NULL;
}

static const char *check_datagram(const uint8_t *data, size_t size)
{
	struct wire2_hdr h, h2;
	const uint8_t *payload = NULL, *p2;
	enum wire2_drop why = WIRE2_E__COUNT, why2 = WIRE2_E__COUNT;
	uint8_t ad[WIRE2_AD_MAX];
	size_t n, hs, tl, i;
	bool ok = wire2_decode(data, size, &h, &payload, &why);
	bool pok = wire2_parse(data, size, &h2, &p2, &why2);

	if (!ok) {
		if (why == WIRE2_OK || why >= WIRE2_E__COUNT)
			return "rejected without a reason";
		if (!strcmp(wire2_drop_name(why), "?"))
			return "no name for a drop reason";
		if (why == WIRE2_E_SHORT && size >= WIRE2_MIN_DGRAM)
			return "full-size datagram rejected as short";
		if (why == WIRE2_E_V1 && !wire2_is_v1(data, size))
			return "v1 reported for a non-v1 datagram";
		if (why != WIRE2_E_CHECKSUM && (pok || why2 != why))
			return "parse and decode disagree on a refusal";
		return NULL;
	}
	if (!pok || why != WIRE2_OK || why2 != WIRE2_OK)
		return "decode accepted what parse refused";
	hs = wire2_hdr_size(h.flags);
	tl = wire2_trailer_len(h.suite);
	if (payload != data + hs || p2 != payload)
		return "payload pointer not right after the header";
	if (wire2_dgram_len(h.flags, h.suite, h.len) != size || size > WIRE2_MAX_DGRAM)
		return "accepted size disagrees with wire2_dgram_len";
	if (h.version != WIRE2_VERSION || h.session == 0 || h.epoch == 0 || h.seq == 0 ||
	    h.path >= WIRE2_MAX_PATHS || (h.type == WIRE2_DATA && h.flow == 0))
		return "accepted a header that violates the invariants";
	n = wire2_encode(&h, payload, out, sizeof(out));
	if (n != size)
		return "re-encode size differs";
	if (memcmp(out, data, size - (h.suite ? tl : 0)) != 0)
		return "re-encode differs from input";
	for (i = size - tl; h.suite && i < size; i++)
		if (out[i])
			return "re-encode left tag space not zeroed";
	if (!wire2_encode_hdr(&h, out, hs) || memcmp(out, data, hs) != 0)
		return "header re-encode differs from input";
	if (wire2_decode(data, size - 1, &h2, &p2, NULL))
		return "accepted with one byte less";
	if (wire2_ad(data, size, ad) != hs)
		return "associated data of the wrong length";
	for (i = 0; i < hs; i++) {
		bool per_path = i == WIRE2_OFF_PATH || (i >= WIRE2_OFF_PATH_SEQ && i < 48);

		if (ad[i] != (per_path ? 0 : data[i]))
			return "associated data differs outside the per-path fields";
	}
	if (h.suite == WIRE2_SUITE_CLEAR)
		return check_payloads(payload, h.len, size);
	return NULL;
}

const char *fuzz_wire2_one(const uint8_t *data, size_t size)
{
	const char *bad;

	if (size > sizeof(in))
		return NULL;
	if ((bad = check_datagram(data, size)) || (bad = check_payloads(data, size, size)))
		return bad;
	/* the same bytes with a valid CRC trailer */
	if (size >= WIRE2_MIN_DGRAM && data[0] == WIRE2_VERSION && data[3] == 0) {
		memcpy(in, data, size);
		wire2_crc_update(in, size);
		return check_datagram(in, size);
	}
	return NULL;
}

FUZZ_ENTRY(fuzz_wire2_one)
