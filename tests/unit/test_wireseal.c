/* test_wireseal.c - sealing and opening whole v2 datagrams (lib/wireseal.c):
 * round trips for both suites, copies on other paths open too, and any
 * other change (a bit of the header, extension, payload or tag; another
 * session, epoch, direction, suite or key) does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "seal.h"
#include "wire.h"
#include "wireseal.h"

static struct seal_psk psk;
static uint8_t buf[WIRE_MAX_DGRAM], copy[WIRE_MAX_DGRAM], plain[2000];

static int setup(void **state)
{
	uint8_t key[SEAL_PSK_LEN];
	size_t i;

	(void)state;
	if (seal_init() < 0)
		return -1;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 11 + 3);
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 31 + (i >> 8));
	return seal_psk_set(&psk, key, SEAL_SUITE_AES256_GCM) ? 0 : -1;
}

static struct wire_hdr mkhdr(uint8_t suite, bool server, uint16_t len, bool fec)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_DATA,
		.flags = (uint8_t)((server ? WIRE_F_SERVER : 0) | (fec ? WIRE_F_FEC : 0)),
		.suite = suite, .server = 3, .path = 1, .key_id = psk.id, .flow = 9,
		.session = 0x5e55105e55105e55ull,
		.epoch = server ? 0xe90c4e90c4e90c4eull : 0x5e55105e55105e55ull,
		.seq = 77, .path_seq = 5, .stamp = 1234, .len = len,
		.ext = { .block = 4, .index = 2 },
	};
	return h;
}

static size_t make_sealed(const struct wire_hdr *h, struct seal_key *k)
{
	size_t n = wire_encode(h, plain, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(seal_key_init(k, h->suite, psk.key), 0);
	assert_int_equal(seal_key_derive(k, &(struct seal_psk){ .id = psk.id, .suite = h->suite },
					 h->session, h->epoch, h->flags & WIRE_F_SERVER), 0);
	assert_true(wire_seal(k, buf, n));
	return n;
}

static bool opens(const struct seal_key *k, const uint8_t *d, size_t n)
{
	struct wire_hdr h;
	const uint8_t *p;

	memcpy(copy, d, n);
	return wire_decode(copy, n, &h, &p, NULL) && wire_open(k, &h, copy, n);
}

static void test_round_trip(void **state)
{
	static const uint16_t lens[] = { 0, 1, 100, 1400 };
	struct seal_key k = SEAL_KEY_EMPTY;
	unsigned s, i, srv, fec;

	(void)state;
	for (s = 1; s <= 2; s++)
		for (i = 0; i < 4; i++)
			for (srv = 0; srv < 2; srv++)
				for (fec = 0; fec < 2; fec++) {
					struct wire_hdr h = mkhdr((uint8_t)s, srv, lens[i], fec), g;
					const uint8_t *p;
					size_t n;

					psk.suite = (uint8_t)s;
					n = make_sealed(&h, &k);
					if (lens[i] >= 16)
						assert_memory_not_equal(buf + wire_hdr_size(h.flags),
									plain, lens[i]);
					memcpy(copy, buf, n);
					assert_true(wire_decode(copy, n, &g, &p, NULL));
					assert_true(wire_open(&k, &g, copy, n));
					assert_memory_equal(p, plain, lens[i]);
				}
	seal_key_wipe(&k);
	psk.suite = SEAL_SUITE_AES256_GCM;
}

static void test_per_path_copies_open(void **state)
{
	struct wire_hdr h = mkhdr(SEAL_SUITE_CHACHA20_POLY1305, false, 300, true);
	struct seal_key k = SEAL_KEY_EMPTY;
	size_t n;
	unsigned path;

	(void)state;
	n = make_sealed(&h, &k);
	for (path = 0; path < 16; path++) {
		wire_set_per_path(buf, n, (uint8_t)path, 1000 * path + 1, 0xfffffff0u + path);
		assert_true(opens(&k, buf, n));
	}
	seal_key_wipe(&k);
}

static void test_every_other_bit_fails(void **state)
{
	struct wire_hdr h = mkhdr(SEAL_SUITE_AES256_GCM, true, 40, true);
	struct seal_key k = SEAL_KEY_EMPTY;
	uint8_t orig[200];
	size_t n, i;
	unsigned b;

	(void)state;
	n = make_sealed(&h, &k);
	memcpy(orig, buf, n);
	for (i = 0; i < n; i++) {
		bool per_path = i == WIRE_OFF_PATH || (i >= WIRE_OFF_PATH_SEQ && i < 48);

		for (b = 0; b < 8; b++) {
			memcpy(buf, orig, n);
			buf[i] ^= (uint8_t)(1u << b);
			if (per_path && !(i == WIRE_OFF_PATH && buf[i] >= WIRE_MAX_PATHS))
				assert_true(opens(&k, buf, n));
			else if (opens(&k, buf, n))
				fail_msg("opened with byte %zu bit %u flipped", i, b);
		}
	}
	seal_key_wipe(&k);
}

static void test_wrong_keys(void **state)
{
	struct wire_hdr h = mkhdr(SEAL_SUITE_AES256_GCM, false, 100, false);
	struct seal_key k = SEAL_KEY_EMPTY, o = SEAL_KEY_EMPTY;
	struct seal_psk other = psk;
	size_t n;

	(void)state;
	n = make_sealed(&h, &k);
	assert_int_equal(seal_key_derive(&o, &psk, h.session + 1, h.epoch, false), 0);
	assert_false(opens(&o, buf, n));
	assert_int_equal(seal_key_derive(&o, &psk, h.session, h.epoch + 1, false), 0);
	assert_false(opens(&o, buf, n));
	assert_int_equal(seal_key_derive(&o, &psk, h.session, h.epoch, true), 0);
	assert_false(opens(&o, buf, n));
	other.suite = SEAL_SUITE_CHACHA20_POLY1305;
	assert_int_equal(seal_key_derive(&o, &other, h.session, h.epoch, false), 0);
	assert_false(opens(&o, buf, n));
	other = psk;
	other.key[0] ^= 1;
	assert_int_equal(seal_key_derive(&o, &other, h.session, h.epoch, false), 0);
	assert_false(opens(&o, buf, n));
	assert_true(opens(&k, buf, n));
	seal_key_wipe(&k);
	seal_key_wipe(&o);
}

static void test_rejected_is_wiped(void **state)
{
	struct wire_hdr h = mkhdr(SEAL_SUITE_AES256_GCM, false, 100, false), g;
	struct seal_key k = SEAL_KEY_EMPTY;
	const uint8_t *p;
	uint8_t zero[116] = { 0 };
	size_t n;

	(void)state;
	n = make_sealed(&h, &k);
	buf[60] ^= 1;
	assert_true(wire_decode(buf, n, &g, &p, NULL));
	assert_false(wire_open(&k, &g, buf, n));
	assert_memory_equal(buf + WIRE_HDR_LEN, zero, n - WIRE_HDR_LEN);
	/* a clear datagram is never "opened" */
	h.suite = 0;
	h.key_id = 0;
	n = wire_encode(&h, plain, buf, sizeof(buf));
	assert_true(wire_decode(buf, n, &g, &p, NULL));
	assert_false(wire_open(&k, &g, buf, n));
	assert_false(wire_seal(&k, buf, n));
	seal_key_wipe(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_per_path_copies_open),
		cmocka_unit_test(test_every_other_bit_fails),
		cmocka_unit_test(test_wrong_keys),
		cmocka_unit_test(test_rejected_is_wiped),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
