/* fuzz_open.c - decode + open of arbitrary bytes, and seal/open round trips
 * (wire v2 datagrams through lib/wireseal).
 *
 * Part 1, the input as a received datagram: if wire_decode() accepts it and
 * it is keyed,
 *   - opening under a key from another PSK never succeeds, and leaves the
 *     payload and tag zeroed;
 *   - opening under the key of the fixed PSK (the seed corpus is sealed with
 *     it) either fails, leaving them zeroed, or succeeds, and then sealing
 *     the plaintext again gives back exactly the input, and the same bytes
 *     do not open under the other direction's key.
 * Part 2, the input as a payload: seal it (suite, direction, session, epoch
 * and seq taken from the input), check the ciphertext is not the plaintext,
 * that it opens back to the input, that another path's copy opens too and
 * that the datagram with one bit flipped outside the per-path fields (bit
 * chosen from the input) does not open. */
#include "fuzz.h"
#include "seal.h"
#include "wire.h"
#include "wireseal.h"

#include <sodium.h>
#include <string.h>

#define BUF_LEN (WIRE_MAX_DGRAM + 64)

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

static bool derive(struct seal_key *k, const uint8_t key[32], unsigned suite, uint64_t session,
		   uint64_t epoch, bool from_server)
{
	struct seal_psk p;

	return seal_psk_set(&p, key, suite) &&
	       seal_key_derive(k, &p, session, epoch, from_server) == 0;
}

static const char *as_received(const uint8_t good[32], const uint8_t bad[32],
			       const uint8_t *data, size_t size, struct seal_key *k)
{
	struct wire_hdr h;
	const uint8_t *payload;
	bool srv;

	memcpy(buf, data, size);
	if (!wire_decode(buf, size, &h, &payload, NULL) || h.suite == WIRE_SUITE_CLEAR)
		return NULL;
	srv = h.flags & WIRE_F_SERVER;
	memcpy(copy, data, size);
	if (!derive(k, bad, h.suite, h.session, h.epoch, srv))
		return "derive failed";
	if (wire_open(k, &h, copy, size))
		return "opened under a key from the wrong PSK";
	if (!wiped(copy, size))
		return "rejected datagram not wiped (wrong PSK)";
	if (!derive(k, good, h.suite, h.session, h.epoch, srv))
		return "derive failed";
	if (!wire_open(k, &h, buf, size))
		return wiped(buf, size) ? NULL : "rejected datagram not wiped";
	if (!wire_seal(k, buf, size) || memcmp(buf, data, size) != 0)
		return "opened datagram does not re-seal to the same bytes";
	memcpy(copy, data, size);
	if (!derive(k, good, h.suite, h.session, h.epoch, !srv))
		return "derive failed";
	if (wire_open(k, &h, copy, size))
		return "opened under the other direction's key";
	return NULL;
}

static const char *as_payload(const uint8_t good[32], const uint8_t *data, size_t size,
			      struct seal_key *k)
{
	uint64_t pick = load64(data, size);
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_DATA,
		.suite = (pick & 4) ? WIRE_SUITE_AESGCM : WIRE_SUITE_CHACHA, .key_id = 1,
		.flow = 7, .path = (uint8_t)(pick >> 40 & 15), .path_seq = 1,
	};
	struct wire_hdr h2;
	const uint8_t *payload;
	size_t n = size > WIRE_MAX_PAYLOAD - WIRE_EXT_LEN ? WIRE_MAX_PAYLOAD - WIRE_EXT_LEN : size;
	size_t total, bit, hs;

	if (pick & 1)
		h.flags |= WIRE_F_SERVER;
	if (pick & 8) {
		h.flags |= WIRE_F_FEC;
		h.ext.block = (uint32_t)(pick >> 32);
		h.ext.index = (uint8_t)(pick >> 48 & 63);
	}
	h.session = (pick >> 8) | 1;
	h.epoch = (pick & 2) ? h.session : (pick >> 16) + 1;
	h.seq = (pick >> 24) + 1;
	h.len = (uint16_t)n;
	hs = wire_hdr_size(h.flags);
	total = wire_encode(&h, data, buf, sizeof(buf));
	if (total != wire_dgram_len(h.flags, h.suite, n))
		return "encode of a keyed payload failed";
	if (!derive(k, good, h.suite, h.session, h.epoch, h.flags & WIRE_F_SERVER) ||
	    !wire_seal(k, buf, total))
		return "seal failed";
	if (n >= 16 && memcmp(buf + hs, data, n) == 0)
		return "ciphertext equals plaintext";
	memcpy(copy, buf, total);
	bit = (size_t)(pick % (total * 8));
	if (bit / 8 == WIRE_OFF_PATH || (bit / 8 >= WIRE_OFF_PATH_SEQ && bit / 8 < 48))
		bit = 8 * (total - 1);	/* the per-path fields are not authenticated */
	copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (wire_decode(copy, total, &h2, &payload, NULL) && wire_open(k, &h2, copy, total))
		return "opened with a bit flipped";
	wire_set_per_path(buf, total, (uint8_t)((h.path + 1) & 15), 99, 12345);
	if (!wire_decode(buf, total, &h2, &payload, NULL) || !wire_open(k, &h2, buf, total))
		return "sealed datagram (another path's copy) does not open";
	if (memcmp(buf + hs, data, n) != 0)
		return "opened payload differs from the sealed one";
	return NULL;
}

const char *fuzz_open_one(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];
	struct seal_key k = SEAL_KEY_EMPTY;
	uint8_t good[32], bad[32];
	const char *why;

	if (!data)
		data = empty;
	if (size > BUF_LEN)
		return NULL;
	if (seal_init() < 0)
		return "seal_init failed";
	fuzz_open_psk(good);
	memcpy(bad, good, sizeof(bad));
	bad[31] ^= 0x80;
	why = as_received(good, bad, data, size, &k);
	if (!why)
		why = as_payload(good, data, size, &k);
	seal_key_wipe(&k);
	return why;
}

FUZZ_ENTRY(fuzz_open_one)
