/* fuzz_wire.c - the wire v2 decoder and payload codecs on arbitrary bytes.
 *
 * The input is tried twice: as it is, and (when it could be a clear
 * datagram) with its CRC trailer made right, so that the fuzzer reaches the
 * field checks behind the checksum.  Properties: no crash or undefined
 * behaviour; a rejection names a reason; wire_decode and wire_parse agree
 * apart from the checksum; an accepted datagram re-encodes to exactly the
 * input (tag bytes aside, which wire_encode zeroes) and one byte less is
 * rejected; the associated-data view zeroes exactly the per-path fields;
 * every payload codec that accepts its input (the whole input, and the
 * payload of an accepted clear datagram) re-encodes to the same bytes. */
#include "fuzz.h"
#include "target.h"
#include "wire.h"

#include <stdbool.h>
#include <string.h>

static uint8_t in[WIRE_MAX_DGRAM + 1024];
static uint8_t out[WIRE_MAX_DGRAM + 1024];

static const char *check_payloads(const uint8_t *p, size_t len, size_t dgram_len)
{
	struct wire_ping pg;
	struct wire_notice nt;
	struct wire_feedback fb;
	struct wire_coded cd;
	struct target tg;
	const uint8_t *cp;
	size_t n;
	int pong;

	for (pong = 0; pong < 2; pong++)
		if (wire_ping_decode(p, len, dgram_len, pong, &pg)) {
			if (len < WIRE_PING_LEN || (pong && len != WIRE_PING_LEN))
				return "ping decoded from a payload of the wrong size";
			if (wire_ping_encode(&pg, len, out, sizeof(out)) != len ||
			    memcmp(out, p, len) != 0)
				return "ping re-encode differs";
		}
	if (wire_notice_decode(p, len, &nt)) {
		if (wire_notice_encode(&nt, out, sizeof(out)) != len || memcmp(out, p, len))
			return "notice re-encode differs";
		if (!wire_notice_text(nt.code)[0])
			return "notice without a text";
	}
	if (wire_feedback_decode(p, len, &fb)) {
		if (wire_feedback_encode(&fb, out, sizeof(out)) != len || memcmp(out, p, len))
			return "feedback re-encode differs";
	}
	if (len <= sizeof(out) && wire_coded_decode(p, len, &cd, &cp)) {
		if (cp != p + WIRE_CODED_HDR || cd.len > len - WIRE_CODED_HDR)
			return "coded payload outside the symbol";
		if (wire_coded_encode(&cd, cp, out, len) != len || memcmp(out, p, len))
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
	struct wire_hdr h, h2;
	const uint8_t *payload = NULL, *p2;
	enum wire_drop why = WIRE_E__COUNT, why2 = WIRE_E__COUNT;
	uint8_t ad[WIRE_AD_MAX];
	size_t n, hs, tl, i;
	bool ok = wire_decode(data, size, &h, &payload, &why);
	bool pok = wire_parse(data, size, &h2, &p2, &why2);

	if (!ok) {
		if (why == WIRE_OK || why >= WIRE_E__COUNT)
			return "rejected without a reason";
		if (!strcmp(wire_drop_name(why), "?"))
			return "no name for a drop reason";
		if (why == WIRE_E_SHORT && size >= WIRE_MIN_DGRAM)
			return "full-size datagram rejected as short";
		if (why == WIRE_E_V1 && !wire_is_v1(data, size))
			return "v1 reported for a non-v1 datagram";
		if (why != WIRE_E_CHECKSUM && (pok || why2 != why))
			return "parse and decode disagree on a refusal";
		return NULL;
	}
	if (!pok || why != WIRE_OK || why2 != WIRE_OK)
		return "decode accepted what parse refused";
	hs = wire_hdr_size(h.flags);
	tl = wire_trailer_len(h.suite);
	if (payload != data + hs || p2 != payload)
		return "payload pointer not right after the header";
	if (wire_dgram_len(h.flags, h.suite, h.len) != size || size > WIRE_MAX_DGRAM)
		return "accepted size disagrees with wire_dgram_len";
	if (h.version != WIRE_VERSION || h.session == 0 || h.epoch == 0 || h.seq == 0 ||
	    h.path >= WIRE_MAX_PATHS || (h.type == WIRE_DATA && h.flow == 0))
		return "accepted a header that violates the invariants";
	n = wire_encode(&h, payload, out, sizeof(out));
	if (n != size)
		return "re-encode size differs";
	if (memcmp(out, data, size - (h.suite ? tl : 0)) != 0)
		return "re-encode differs from input";
	for (i = size - tl; h.suite && i < size; i++)
		if (out[i])
			return "re-encode left tag space not zeroed";
	if (!wire_encode_hdr(&h, out, hs) || memcmp(out, data, hs) != 0)
		return "header re-encode differs from input";
	if (wire_decode(data, size - 1, &h2, &p2, NULL))
		return "accepted with one byte less";
	if (wire_ad(data, size, ad) != hs)
		return "associated data of the wrong length";
	for (i = 0; i < hs; i++) {
		bool per_path = i == WIRE_OFF_PATH || (i >= WIRE_OFF_PATH_SEQ && i < 48);

		if (ad[i] != (per_path ? 0 : data[i]))
			return "associated data differs outside the per-path fields";
	}
	if (h.suite == WIRE_SUITE_CLEAR)
		return check_payloads(payload, h.len, size);
	return NULL;
}

const char *fuzz_wire_one(const uint8_t *data, size_t size)
{
	const char *bad;

	if (size > sizeof(in))
		return NULL;
	if ((bad = check_datagram(data, size)) || (bad = check_payloads(data, size, size)))
		return bad;
	/* the same bytes with a valid CRC trailer */
	if (size >= WIRE_MIN_DGRAM && data[0] == WIRE_VERSION && data[3] == 0) {
		memcpy(in, data, size);
		wire_crc_update(in, size);
		return check_datagram(in, size);
	}
	return NULL;
}

FUZZ_ENTRY(fuzz_wire_one)
