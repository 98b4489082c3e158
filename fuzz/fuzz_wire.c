/* fuzz_wire.c - the wire v1 decoder on arbitrary bytes.
 *
 * Properties: no crash or undefined behaviour; a rejection names a reason;
 * an accepted datagram re-encodes (wire_encode, wire_encode_hdr) to exactly
 * the input (tag space aside, which wire_encode zeroes), and one byte less
 * is rejected; an accepted ping payload re-encodes to itself. */
#include "fuzz.h"
#include "wire.h"

#include <stdbool.h>
#include <string.h>

static uint8_t out[WIRE_HDR_LEN + 65535 + WIRE_TAG_LEN];

static const char *check_ping(const uint8_t *buf, size_t len)
{
	struct wire_ping p;

	if (!wire_ping_decode(buf, len, &p))
		return NULL;
	if (len != WIRE_PING_LEN)
		return "ping decoded from a payload of the wrong size";
	if (wire_ping_encode(&p, out, sizeof(out)) != WIRE_PING_LEN)
		return "ping re-encode failed";
	if (memcmp(out, buf, WIRE_PING_LEN) != 0)
		return "ping re-encode differs from input";
	return NULL;
}

const char *fuzz_wire_one(const uint8_t *data, size_t size)
{
	struct wire_hdr h, h2;
	const uint8_t *payload = NULL, *p2;
	enum wire_drop why = WIRE_E__COUNT;
	const char *bad;
	size_t n, body;

	if ((bad = check_ping(data, size)))
		return bad;
	if (!wire_decode(data, size, &h, &payload, &why)) {
		if (why == WIRE_OK || why >= WIRE_E__COUNT)
			return "rejected without a reason";
		if (why == WIRE_E_SHORT && size >= WIRE_HDR_LEN)
			return "full header rejected as short";
		if (!wire_drop_name(why))
			return "no name for a drop reason";
		return NULL;
	}
	if (why != WIRE_OK)
		return "accepted with a drop reason";
	if (payload != data + WIRE_HDR_LEN)
		return "payload pointer not right after the header";
	if (wire_dgram_len(h.flags, h.len) != size)
		return "accepted size disagrees with wire_dgram_len";
	if (h.version != WIRE_VERSION || h.session == 0 || h.epoch == 0 || h.seq == 0)
		return "accepted a header that violates the invariants";
	body = WIRE_HDR_LEN + h.len;
	n = wire_encode(&h, payload, out, sizeof(out));
	if (h.len <= WIRE_MAX_PAYLOAD) {
		if (n != size)
			return "re-encode size differs";
		if (memcmp(out, data, body) != 0)
			return "re-encode differs from input";
		if ((h.flags & WIRE_F_SEALED) && memcmp(out + body, (const uint8_t[WIRE_TAG_LEN]){0},
							 WIRE_TAG_LEN) != 0)
			return "re-encode left tag space not zeroed";
	} else if (n != 0) {
		return "encoded a payload larger than WIRE_MAX_PAYLOAD";
	}
	if (!wire_encode_hdr(&h, out, WIRE_HDR_LEN) || memcmp(out, data, WIRE_HDR_LEN) != 0)
		return "header re-encode differs from input";
	if (wire_decode(data, size - 1, &h2, &p2, NULL))
		return "accepted with one byte less";
	if (!(h.flags & WIRE_F_SEALED) && (h.type == WIRE_PING || h.type == WIRE_PONG))
		return check_ping(data + WIRE_HDR_LEN, h.len);
	return NULL;
}

FUZZ_ENTRY(fuzz_wire_one)
