/* test_seal.c - key derivation and sealing of wire v1 datagrams (lib/seal.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "seal.h"
#include "wire.h"

static uint8_t psk[SEAL_PSK_LEN];
static uint8_t buf[WIRE_MAX_DGRAM], copy[WIRE_MAX_DGRAM], plain[WIRE_MAX_PAYLOAD];

static int setup(void **state)
{
	size_t i;

	(void)state;
	if (seal_init() < 0)
		return -1;
	for (i = 0; i < sizeof(psk); i++)
		psk[i] = (uint8_t)(i * 11 + 3);
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 31 + (i >> 8));
	return 0;
}

static struct wire_hdr mkhdr(uint8_t type, bool server, uint64_t seq, uint16_t len)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION,
		.type = type,
		.flags = (uint8_t)(WIRE_F_SEALED | (server ? WIRE_F_SERVER : 0)),
		.flow = type == WIRE_DATA ? 9 : 0,
		.session = 0x5e55105e55105e55ull,
		.epoch = server ? 0xe90c4e90c4e90c4eull : 0x5e55105e55105e55ull,
		.seq = seq,
		.len = len,
	};
	return h;
}

/* Encode + seal plain[0..len) into buf; returns the datagram size. */
static size_t make_sealed(const struct wire_hdr *h)
{
	struct seal_key k;
	size_t n = wire_encode(h, plain, buf, sizeof(buf));

	assert_int_equal(n, wire_dgram_len(h->flags, h->len));
	seal_derive_for(psk, h, &k);
	assert_true(seal_datagram(&k, buf, n));
	seal_key_wipe(&k);
	return n;
}

/* What a receiver does: decode, derive from the header, open. */
static bool receive(uint8_t *dgram, size_t len, const uint8_t *key_psk)
{
	struct wire_hdr h;
	const uint8_t *payload;
	struct seal_key k;
	bool ok;

	if (!wire_decode(dgram, len, &h, &payload, NULL))
		return false;
	seal_derive_for(key_psk, &h, &k);
	ok = open_datagram(&k, &h, dgram, len);
	seal_key_wipe(&k);
	return ok;
}

static bool key_eq(const struct seal_key *a, const struct seal_key *b)
{
	return memcmp(a->k, b->k, sizeof(a->k)) == 0;
}

static void test_roundtrip(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 63, 64, 65, 1400, 9000,
					WIRE_MAX_PAYLOAD };
	size_t i;
	int dir;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (dir = 0; dir < 2; dir++) {
			struct wire_hdr h = mkhdr(WIRE_DATA, dir, 1 + i, (uint16_t)sizes[i]);
			size_t n = make_sealed(&h);

			assert_int_equal(n, WIRE_HDR_LEN + sizes[i] + WIRE_TAG_LEN);
			if (sizes[i] >= 16)
				assert_memory_not_equal(buf + WIRE_HDR_LEN, plain, sizes[i]);
			/* the header stays clear */
			assert_true(wire_encode_hdr(&h, copy, WIRE_HDR_LEN));
			assert_memory_equal(buf, copy, WIRE_HDR_LEN);
			assert_true(receive(buf, n, psk));
			if (sizes[i])
				assert_memory_equal(buf + WIRE_HDR_LEN, plain, sizes[i]);
		}
	}
	assert_int_equal(sizes[sizeof(sizes) / sizeof(sizes[0]) - 1] + WIRE_HDR_LEN + WIRE_TAG_LEN,
			 WIRE_MAX_DGRAM);
}

static void test_roundtrip_ping(void **state)
{
	struct wire_ping p = { .path = 3, .stamp = 0x0102030405060708ull }, q;
	struct wire_hdr h = mkhdr(WIRE_PING, false, 77, WIRE_PING_LEN);
	uint8_t body[WIRE_PING_LEN];
	size_t n;
	struct seal_key k;

	(void)state;
	assert_int_equal(wire_ping_encode(&p, body, sizeof(body)), WIRE_PING_LEN);
	n = wire_encode(&h, body, buf, sizeof(buf));
	seal_derive_for(psk, &h, &k);
	assert_true(seal_datagram(&k, buf, n));
	assert_true(receive(buf, n, psk));
	assert_true(wire_ping_decode(buf + WIRE_HDR_LEN, WIRE_PING_LEN, &q));
	assert_int_equal(q.path, 3);
	assert_true(q.stamp == p.stamp);
	seal_key_wipe(&k);
}

static void flip_all_bits(uint16_t len, bool server)
{
	struct wire_hdr h = mkhdr(WIRE_DATA, server, 1000, len);
	size_t n = make_sealed(&h), bit;
	struct seal_key k;

	seal_derive_for(psk, &h, &k);
	for (bit = 0; bit < n * 8; bit++) {
		struct wire_hdr h2;
		const uint8_t *payload;

		memcpy(copy, buf, n);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		/* as a receiver deriving the key from the (flipped) header */
		if (wire_decode(copy, n, &h2, &payload, NULL)) {
			struct seal_key k2;

			seal_derive_for(psk, &h2, &k2);
			if (open_datagram(&k2, &h2, copy, n))
				fail_msg("bit %zu flipped: opened", bit);
			seal_key_wipe(&k2);
			/* nothing of the rejected datagram is left */
			assert_true(sodium_is_zero(copy + WIRE_HDR_LEN, n - WIRE_HDR_LEN));
			/* and under the original key too */
			memcpy(copy, buf, n);
			copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (open_datagram(&k, &h2, copy, n))
				fail_msg("bit %zu flipped: opened with the original key", bit);
		} else {
			/* only header bits can make it undecodable */
			assert_true(bit < WIRE_HDR_LEN * 8);
		}
	}
	/* the untouched datagram still opens */
	assert_true(receive(buf, n, psk));
	seal_key_wipe(&k);
}

static void test_bitflips(void **state)
{
	(void)state;
	flip_all_bits(0, false);
	flip_all_bits(1, true);
	flip_all_bits(100, false);
	flip_all_bits(300, true);
}

static void test_wrong_key(void **state)
{
	struct wire_hdr h = mkhdr(WIRE_DATA, false, 5, 200);
	uint8_t other[SEAL_PSK_LEN];
	struct seal_key k;
	size_t n = make_sealed(&h);

	(void)state;
	memcpy(other, psk, sizeof(other));
	other[17] ^= 0x04;
	memcpy(copy, buf, n);
	assert_false(receive(copy, n, other));
	assert_true(sodium_is_zero(copy + WIRE_HDR_LEN, n - WIRE_HDR_LEN));

	/* right PSK, wrong session / epoch / direction */
	memcpy(copy, buf, n);
	seal_derive(psk, h.session + 1, h.epoch, false, &k);
	assert_false(open_datagram(&k, &h, copy, n));
	memcpy(copy, buf, n);
	seal_derive(psk, h.session, h.epoch + 1, false, &k);
	assert_false(open_datagram(&k, &h, copy, n));
	memcpy(copy, buf, n);
	seal_derive(psk, h.session, h.epoch, true, &k);
	assert_false(open_datagram(&k, &h, copy, n));

	/* all-zero key struct */
	memset(&k, 0, sizeof(k));
	memcpy(copy, buf, n);
	assert_false(open_datagram(&k, &h, copy, n));

	memcpy(copy, buf, n);
	assert_true(receive(copy, n, psk));
}

static void test_truncation(void **state)
{
	struct wire_hdr h = mkhdr(WIRE_DATA, true, 9, 64);
	size_t n = make_sealed(&h), len;
	struct seal_key k;

	(void)state;
	seal_derive_for(psk, &h, &k);
	for (len = 0; len < n; len++) {
		memcpy(copy, buf, n);
		if (receive(copy, len, psk))
			fail_msg("truncated to %zu of %zu bytes: accepted", len, n);
		/* even with the header of the full datagram */
		memcpy(copy, buf, n);
		if (open_datagram(&k, &h, copy, len))
			fail_msg("truncated to %zu of %zu bytes: opened", len, n);
	}
	/* one byte too many */
	memcpy(copy, buf, n);
	copy[n] = 0;
	assert_false(receive(copy, n + 1, psk));
	memcpy(copy, buf, n);
	assert_false(open_datagram(&k, &h, copy, n + 1));
	memcpy(copy, buf, n);
	assert_true(open_datagram(&k, &h, copy, n));
	seal_key_wipe(&k);
}

static void test_misuse(void **state)
{
	struct wire_hdr h = mkhdr(WIRE_DATA, false, 3, 32), h2;
	struct seal_key k;
	size_t n;

	(void)state;
	seal_derive_for(psk, &h, &k);
	/* seal refuses a datagram without WIRE_F_SEALED, or of the wrong size */
	h2 = h;
	h2.flags = 0;
	n = wire_encode(&h2, plain, buf, sizeof(buf));
	memcpy(copy, buf, n);
	assert_false(seal_datagram(&k, buf, n));
	assert_memory_equal(copy, buf, n);
	/* ... and open refuses one */
	assert_false(open_datagram(&k, &h2, buf, n));

	n = wire_encode(&h, plain, buf, sizeof(buf));
	assert_false(seal_datagram(&k, buf, n - 1));
	assert_false(seal_datagram(&k, buf, n + 1));
	assert_true(seal_datagram(&k, buf, n));

	/* a header that is not the one the bytes carry */
	h2 = h;
	h2.seq++;
	memcpy(copy, buf, n);
	assert_false(open_datagram(&k, &h2, copy, n));
	h2 = h;
	h2.flow++;
	memcpy(copy, buf, n);
	assert_false(open_datagram(&k, &h2, copy, n));
	memcpy(copy, buf, n);
	assert_true(open_datagram(&k, &h, copy, n));
	seal_key_wipe(&k);
	assert_true(sodium_is_zero(k.k, sizeof(k.k)));
}

static void test_derive(void **state)
{
	enum { NS = 3, NE = 3, ND = 2, NP = 2 };
	static const uint64_t sessions[NS] = { 1, 2, 0x8000000000000001ull };
	static const uint64_t epochs[NE] = { 1, 2, UINT64_MAX };
	struct seal_key keys[NP][NS][NE][ND], again;
	uint8_t psks[NP][SEAL_PSK_LEN];
	const struct seal_key *all = &keys[0][0][0][0];
	size_t i, j, total = NP * NS * NE * ND;
	int p, s, e, d;

	(void)state;
	memcpy(psks[0], psk, SEAL_PSK_LEN);
	memcpy(psks[1], psk, SEAL_PSK_LEN);
	psks[1][0] ^= 1;
	for (p = 0; p < NP; p++)
		for (s = 0; s < NS; s++)
			for (e = 0; e < NE; e++)
				for (d = 0; d < ND; d++)
					seal_derive(psks[p], sessions[s], epochs[e], d,
						    &keys[p][s][e][d]);
	/* every (psk, session, epoch, direction) gives its own key */
	for (i = 0; i < total; i++) {
		assert_false(sodium_is_zero(all[i].k, SEAL_KEY_LEN));
		for (j = i + 1; j < total; j++)
			if (key_eq(&all[i], &all[j]))
				fail_msg("keys %zu and %zu are equal", i, j);
	}
	/* the same inputs give the same key */
	for (s = 0; s < NS; s++)
		for (e = 0; e < NE; e++)
			for (d = 0; d < ND; d++) {
				seal_derive(psks[0], sessions[s], epochs[e], d, &again);
				assert_true(key_eq(&again, &keys[0][s][e][d]));
			}
	/* the two directions differ even when epoch == session */
	seal_derive(psk, 77, 77, false, &keys[0][0][0][0]);
	seal_derive(psk, 77, 77, true, &keys[0][0][0][1]);
	assert_false(key_eq(&keys[0][0][0][0], &keys[0][0][0][1]));
	/* seal_derive_for follows the header */
	{
		struct wire_hdr h = mkhdr(WIRE_DATA, true, 1, 0);

		seal_derive_for(psk, &h, &again);
		seal_derive(psk, h.session, h.epoch, true, &keys[0][0][0][0]);
		assert_true(key_eq(&again, &keys[0][0][0][0]));
	}
}

static void test_nonce(void **state)
{
	static const uint8_t want[SEAL_NONCE_LEN] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t want_hi[SEAL_NONCE_LEN] = { 0, 0, 0, 0, 0xfe, 0xdc, 0xba, 0x98,
							 0x76, 0x54, 0x32, 0x10 };
	uint8_t nonce[SEAL_NONCE_LEN];

	(void)state;
	seal_nonce(0x0102030405060708ull, nonce);
	assert_memory_equal(nonce, want, sizeof(want));
	seal_nonce(0xfedcba9876543210ull, nonce);
	assert_memory_equal(nonce, want_hi, sizeof(want_hi));
}

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t n = 0;

	assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &n, NULL), 0);
	assert_int_equal(n, len);
}

/*
 * Known answers computed independently (Python: hashlib.blake2b with key,
 * salt = subkey_id LE, person = context; cryptography's ChaCha20Poly1305),
 * psk = 00 01 .. 1f, session 0102030405060708, server epoch 1112131415161718,
 * payload "mptunnel", flow 5; client seq 42, server seq 7; and a client PING
 * (path 1, stamp 8000000000000001, zero cookie) with seq fedcba9876543210.
 */
static void test_known_answer(void **state)
{
	static const char c2s_hex[] =
		"010102000000000501020304050607080102030405060708000000000000002a00080000"
		"74618a6f98431643e30069d9c0579a72e4572b2c8295da0c";
	static const char s2c_hex[] =
		"010103000000000501020304050607081112131415161718000000000000000700080000"
		"6d69ce3f89866828ea6841f2953350e26cae49ca97a270d8";
	static const char ping_hex[] =
		"010202000000000001020304050607080102030405060708fedcba9876543210001c0000"
		"11f5769f199899ee73ffdd77d5d7fdb2aa29a19288328be53662836a8eb18b13b4caf074"
		"624332a7e37fdad8";
	static const char kc_hex[] =
		"056f2b913151bac51ff35f73ba9cabfc4c26100af8c5126169be5ba90f1f5538";
	static const char ks_hex[] =
		"67aae1a5f7ff1e23b81120b4a0494d9bad49847990ffd34ae0220ce2b7749e17";
	const uint64_t session = 0x0102030405060708ull, epoch = 0x1112131415161718ull;
	uint8_t p[SEAL_PSK_LEN], want[WIRE_HDR_LEN + 8 + WIRE_TAG_LEN], wk[SEAL_KEY_LEN];
	uint8_t want_ping[WIRE_HDR_LEN + WIRE_PING_LEN + WIRE_TAG_LEN], body[WIRE_PING_LEN];
	struct wire_ping ping = { .path = 1, .stamp = 0x8000000000000001ull };
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_DATA, .flags = WIRE_F_SEALED,
		.flow = 5, .session = session, .epoch = session, .seq = 42, .len = 8,
	};
	struct seal_key k;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)i;

	seal_derive(p, session, session, false, &k);
	unhex(kc_hex, wk, sizeof(wk));
	assert_memory_equal(k.k, wk, sizeof(wk));
	n = wire_encode(&h, "mptunnel", buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_true(seal_datagram(&k, buf, n));
	unhex(c2s_hex, want, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_true(receive(buf, n, p));
	assert_memory_equal(buf + WIRE_HDR_LEN, "mptunnel", 8);

	h.type = WIRE_PING;
	h.flow = 0;
	h.seq = 0xfedcba9876543210ull;
	h.len = WIRE_PING_LEN;
	assert_int_equal(wire_ping_encode(&ping, body, sizeof(body)), WIRE_PING_LEN);
	n = wire_encode(&h, body, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want_ping));
	assert_true(seal_datagram(&k, buf, n));
	unhex(ping_hex, want_ping, sizeof(want_ping));
	assert_memory_equal(buf, want_ping, sizeof(want_ping));

	h.type = WIRE_DATA;
	h.flow = 5;
	h.len = 8;
	h.flags |= WIRE_F_SERVER;
	h.epoch = epoch;
	h.seq = 7;
	seal_derive(p, session, epoch, true, &k);
	unhex(ks_hex, wk, sizeof(wk));
	assert_memory_equal(k.k, wk, sizeof(wk));
	n = wire_encode(&h, "mptunnel", buf, sizeof(buf));
	assert_true(seal_datagram(&k, buf, n));
	unhex(s2c_hex, want, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_true(receive(buf, n, p));
	seal_key_wipe(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_ping),
		cmocka_unit_test(test_bitflips),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_known_answer),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
