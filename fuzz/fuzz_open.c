/* fuzz_open.c - decode + open of arbitrary bytes, and seal/open round trips.
 *
 * Part 1, the input as a received datagram: if wire_decode() accepts it,
 *   - opening under a key from another PSK never succeeds, and leaves the
 *     payload and tag zeroed;
 *   - opening under the key of the fixed PSK (the seed corpus is sealed with
 *     it) either fails, leaving payload and tag zeroed, or succeeds, and then
 *     sealing the plaintext again gives back exactly the input, and the same
 *     bytes do not open under the other direction's key.
 * Part 2, the input as a payload: seal it (direction, session, epoch and seq
 * taken from the input), check the ciphertext is not the plaintext, that it
 * opens back to the input, and that the datagram with one bit flipped (bit
 * chosen from the input) does not open. */
#include "fuzz.h"
#include "seal.h"
#include "wire.h"

#include <sodium.h>
#include <string.h>

#define BUF_LEN (WIRE_HDR_LEN + 65535 + WIRE_TAG_LEN)

static uint8_t buf[BUF_LEN], copy[BUF_LEN];

void fuzz_open_psk(uint8_t psk[32])
{
	int i;

	for (i = 0; i < 32; i++)
		psk[i] = (uint8_t)(0xa5 ^ (i * 29));
}

static uint64_t load64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static bool wiped(const uint8_t *dgram, size_t len)
{
	return len <= WIRE_HDR_LEN || sodium_is_zero(dgram + WIRE_HDR_LEN, len - WIRE_HDR_LEN);
}

static const char *as_received(const uint8_t good[32], const uint8_t bad[32],
			       const uint8_t *data, size_t size)
{
	struct wire_hdr h;
	const uint8_t *payload;
	struct seal_key k;
	const char *why = NULL;

	memcpy(buf, data, size);	/* data is never NULL here */
	if (!wire_decode(buf, size, &h, &payload, NULL))
		return NULL;

	memcpy(copy, data, size);
	seal_derive_for(bad, &h, &k);
	if (open_datagram(&k, &h, copy, size))
		return "opened under a key from the wrong PSK";
	if (!wiped(copy, size))
		return "rejected datagram not wiped (wrong PSK)";

	seal_derive_for(good, &h, &k);
	if (!open_datagram(&k, &h, buf, size)) {
		if (!wiped(buf, size))
			why = "rejected datagram not wiped";
		goto out;
	}
	if (!(h.flags & WIRE_F_SEALED)) {
		why = "opened a datagram without WIRE_F_SEALED";
		goto out;
	}
	if (!seal_datagram(&k, buf, size) || memcmp(buf, data, size) != 0) {
		why = "opened datagram does not re-seal to the same bytes";
		goto out;
	}
	memcpy(copy, data, size);
	seal_derive(good, h.session, h.epoch, !(h.flags & WIRE_F_SERVER), &k);
	if (open_datagram(&k, &h, copy, size))
		why = "opened under the other direction's key";
out:
	seal_key_wipe(&k);
	return why;
}

static const char *as_payload(const uint8_t good[32], const uint8_t *data, size_t size)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION,
		.type = WIRE_DATA,
		.flags = WIRE_F_SEALED,
		.flow = 7,
	};
	struct wire_hdr h2;
	const uint8_t *payload;
	uint64_t pick = load64(data, size);
	struct seal_key k;
	const char *why = NULL;
	size_t n = size > WIRE_MAX_PAYLOAD ? WIRE_MAX_PAYLOAD : size, total, bit;

	if (pick & 1)
		h.flags |= WIRE_F_SERVER;
	h.session = (pick >> 8) | 1;
	h.epoch = (pick & 2) ? h.session : (pick >> 16) + 1;
	h.seq = (pick >> 24) + 1;
	h.len = (uint16_t)n;
	total = wire_encode(&h, data, buf, sizeof(buf));
	if (total != wire_dgram_len(h.flags, n))
		return "encode of a sealed payload failed";
	seal_derive_for(good, &h, &k);
	if (!seal_datagram(&k, buf, total)) {
		why = "seal failed";
		goto out;
	}
	if (n >= 16 && memcmp(buf + WIRE_HDR_LEN, data, n) == 0) {
		why = "ciphertext equals plaintext";
		goto out;
	}
	memcpy(copy, buf, total);
	bit = (size_t)(pick % (total * 8));
	copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (wire_decode(copy, total, &h2, &payload, NULL)) {
		struct seal_key k2;
		bool opened;

		seal_derive_for(good, &h2, &k2);
		opened = open_datagram(&k2, &h2, copy, total);
		seal_key_wipe(&k2);
		if (opened) {
			why = "opened with a bit flipped";
			goto out;
		}
	}
	if (!wire_decode(buf, total, &h2, &payload, NULL) || !open_datagram(&k, &h2, buf, total)) {
		why = "sealed datagram does not open";
		goto out;
	}
	if (memcmp(buf + WIRE_HDR_LEN, data, n) != 0)
		why = "opened payload differs from the sealed one";
out:
	seal_key_wipe(&k);
	return why;
}

const char *fuzz_open_one(const uint8_t *data, size_t size)
{
	uint8_t good[32], bad[32];
	const char *why;

	static const uint8_t empty[1];

	if (!data)
		data = empty;
	if (size > BUF_LEN)
		return NULL;
	if (seal_init() < 0)
		return "seal_init failed";
	fuzz_open_psk(good);
	memcpy(bad, good, sizeof(bad));
	bad[31] ^= 0x80;
	why = as_received(good, bad, data, size);
	if (!why)
		why = as_payload(good, data, size);
	return why;
}

FUZZ_ENTRY(fuzz_open_one)
