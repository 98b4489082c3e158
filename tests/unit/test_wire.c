/* test_wire.c - the version 1 codec: round trips, every truncation, every bad field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cursor.h"
#include "wire.h"

static uint8_t buf[WIRE_MAX_DGRAM + 64];

static struct wire_hdr sample(uint8_t type, uint16_t len)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = type, .flags = 0, .flow = 0x01020304,
		.session = 0x1122334455667788ull, .epoch = 0x99aabbccddeeff00ull,
		.seq = 0x0102030405060708ull, .len = len,
	};
	return h;
}

static void test_layout_is_big_endian(void **st)
{
	static const uint8_t want[WIRE_HDR_LEN] = {
		1, 1, 0, 0, 0x01, 0x02, 0x03, 0x04,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x00, 0x03, 0x00, 0x00,
	};
	struct wire_hdr h = sample(WIRE_DATA, 3);

	(void)st;
	assert_int_equal(wire_encode(&h, "abc", buf, sizeof(buf)), WIRE_HDR_LEN + 3);
	assert_memory_equal(buf, want, WIRE_HDR_LEN);
	assert_memory_equal(buf + WIRE_HDR_LEN, "abc", 3);
}

static void test_round_trip(void **st)
{
	static const uint16_t lens[] = { 0, 1, 2, 100, 1400, 8193, WIRE_MAX_PAYLOAD };
	static uint8_t payload[WIRE_MAX_PAYLOAD];
	unsigned i, k;

	(void)st;
	for (k = 0; k < sizeof(payload); k++)
		payload[k] = (uint8_t)(k * 7 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t flags;

		for (flags = 0; flags <= WIRE_F_MASK; flags++) {
			struct wire_hdr h = sample(WIRE_DATA, lens[i]), got;
			const uint8_t *p;
			enum wire_drop why;
			size_t n;

			if (lens[i] > WIRE_MAX_PAYLOAD)
				continue;
			h.flags = flags;
			n = wire_encode(&h, payload, buf, sizeof(buf));
			assert_int_equal(n, wire_dgram_len(flags, lens[i]));
			assert_true(wire_decode(buf, n, &got, &p, &why));
			assert_int_equal(why, WIRE_OK);
			assert_int_equal(got.version, h.version);
			assert_int_equal(got.type, h.type);
			assert_int_equal(got.flags, h.flags);
			assert_int_equal(got.flow, h.flow);
			assert_true(got.session == h.session);
			assert_true(got.epoch == h.epoch);
			assert_true(got.seq == h.seq);
			assert_int_equal(got.len, h.len);
			assert_ptr_equal(p, buf + WIRE_HDR_LEN);
			assert_memory_equal(p, payload, lens[i]);
		}
	}
}

static void test_payload_may_alias(void **st)
{
	struct wire_hdr h = sample(WIRE_DATA, 5), got;
	const uint8_t *p;
	size_t n;

	(void)st;
	memcpy(buf + WIRE_HDR_LEN, "hello", 5);
	n = wire_encode(&h, buf + WIRE_HDR_LEN, buf, sizeof(buf));
	assert_true(wire_decode(buf, n, &got, &p, NULL));
	assert_memory_equal(p, "hello", 5);
}

static void test_every_truncation_rejected(void **st)
{
	struct wire_hdr h = sample(WIRE_DATA, 40), got;
	const uint8_t *p;
	enum wire_drop why;
	size_t n, cut;

	(void)st;
	for (h.flags = 0; h.flags <= WIRE_F_SEALED; h.flags = (uint8_t)(h.flags + WIRE_F_SEALED)) {
		n = wire_encode(&h, "0123456789012345678901234567890123456789", buf, sizeof(buf));
		assert_true(n > 0);
		for (cut = 0; cut < n; cut++) {
			assert_false(wire_decode(buf, cut, &got, &p, &why));
			assert_int_equal(why, cut < WIRE_HDR_LEN ? WIRE_E_SHORT : WIRE_E_LENGTH);
		}
		/* and one byte too many */
		assert_false(wire_decode(buf, n + 1, &got, &p, &why));
		assert_int_equal(why, WIRE_E_LENGTH);
	}
}

/* flip one field of a valid datagram and expect a given reason */
static void expect_bad(size_t off, uint8_t value, enum wire_drop want)
{
	struct wire_hdr h = sample(WIRE_DATA, 4), got;
	const uint8_t *p;
	enum wire_drop why = WIRE_OK;
	size_t n = wire_encode(&h, "data", buf, sizeof(buf));

	buf[off] = value;
	assert_false(wire_decode(buf, n, &got, &p, &why));
	if (why != want)
		fail_msg("byte %zu = %u: got %s, want %s", off, value, wire_drop_name(why),
			 wire_drop_name(want));
}

static void test_bad_fields(void **st)
{
	unsigned v;

	(void)st;
	expect_bad(0, 0, WIRE_E_VERSION);
	expect_bad(0, 2, WIRE_E_VERSION);
	expect_bad(0, 255, WIRE_E_VERSION);
	expect_bad(1, 0, WIRE_E_TYPE);
	expect_bad(1, 5, WIRE_E_TYPE);
	expect_bad(1, 255, WIRE_E_TYPE);
	for (v = 0x04; v <= 0x80; v <<= 1)
		expect_bad(2, (uint8_t)v, WIRE_E_FLAGS);
	expect_bad(3, 1, WIRE_E_FLAGS);		/* reserved byte */
	expect_bad(34, 1, WIRE_E_FLAGS);	/* reserved u16 */
	expect_bad(35, 1, WIRE_E_FLAGS);
	expect_bad(32, 1, WIRE_E_LENGTH);	/* length high byte */
	expect_bad(33, 5, WIRE_E_LENGTH);
	expect_bad(2, WIRE_F_SEALED, WIRE_E_LENGTH);	/* tag missing */
}

static void test_zero_ids_rejected(void **st)
{
	struct wire_hdr h = sample(WIRE_DATA, 0), got;
	const uint8_t *p;
	enum wire_drop why;
	size_t n;

	(void)st;
	h.session = 0;
	n = wire_encode(&h, NULL, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	assert_int_equal(why, WIRE_E_SESSION);
	h = sample(WIRE_DATA, 0);
	h.epoch = 0;
	n = wire_encode(&h, NULL, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	assert_int_equal(why, WIRE_E_SESSION);
	h = sample(WIRE_DATA, 0);
	h.seq = 0;
	n = wire_encode(&h, NULL, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	assert_int_equal(why, WIRE_E_SEQ);
}

static void test_ping(void **st)
{
	struct wire_ping in = { .path = 7, .stamp = 0x0102030405060708ull,
				.cookie = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 } }, out;
	uint8_t pl[WIRE_PING_LEN + 1];
	struct wire_hdr h = sample(WIRE_PING, WIRE_PING_LEN), got;
	const uint8_t *p;
	enum wire_drop why;
	size_t n;

	(void)st;
	assert_int_equal(wire_ping_encode(&in, pl, sizeof(pl)), WIRE_PING_LEN);
	assert_int_equal(wire_ping_encode(&in, pl, WIRE_PING_LEN - 1), 0);
	assert_true(wire_ping_decode(pl, WIRE_PING_LEN, &out));
	assert_int_equal(out.path, 7);
	assert_true(out.stamp == in.stamp);
	assert_memory_equal(out.cookie, in.cookie, WIRE_COOKIE_LEN);
	assert_false(wire_ping_decode(pl, WIRE_PING_LEN - 1, &out));
	assert_false(wire_ping_decode(pl, WIRE_PING_LEN + 1, &out));
	pl[2] = 1;	/* reserved */
	assert_false(wire_ping_decode(pl, WIRE_PING_LEN, &out));

	/* a ping must have the ping length and no flow */
	h.flow = 0;
	n = wire_encode(&h, pl, buf, sizeof(buf));
	assert_true(wire_decode(buf, n, &got, &p, &why));
	h.flow = 3;
	n = wire_encode(&h, pl, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	assert_int_equal(why, WIRE_E_PING);
	h = sample(WIRE_PONG, 3);
	h.flow = 0;
	n = wire_encode(&h, pl, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	assert_int_equal(why, WIRE_E_PING);
}

static void test_cookie(void **st)
{
	static const uint8_t cookie[WIRE_COOKIE_LEN] = { 9 };
	struct wire_hdr h = sample(WIRE_COOKIE, WIRE_COOKIE_LEN), got;
	const uint8_t *p;
	enum wire_drop why;
	size_t n;

	(void)st;
	h.flow = 0;
	h.flags = WIRE_F_SERVER;
	n = wire_encode(&h, cookie, buf, sizeof(buf));
	assert_true(wire_decode(buf, n, &got, &p, &why));
	/* only from mpserver, exactly 16 bytes, no flow */
	h.flags = 0;
	n = wire_encode(&h, cookie, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	assert_int_equal(why, WIRE_E_PING);
	h.flags = WIRE_F_SERVER;
	h.len = WIRE_COOKIE_LEN - 1;
	n = wire_encode(&h, cookie, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	h.len = WIRE_COOKIE_LEN;
	h.flow = 1;
	n = wire_encode(&h, cookie, buf, sizeof(buf));
	assert_false(wire_decode(buf, n, &got, &p, &why));
	assert_int_equal(why, WIRE_E_PING);
}

static void test_encode_bounds(void **st)
{
	struct wire_hdr h = sample(WIRE_DATA, 10);

	(void)st;
	assert_int_equal(wire_encode(&h, "0123456789", buf, WIRE_HDR_LEN + 9), 0);
	assert_int_equal(wire_encode(&h, "0123456789", buf, WIRE_HDR_LEN + 10), WIRE_HDR_LEN + 10);
	h.flags = WIRE_F_SEALED;
	assert_int_equal(wire_encode(&h, "0123456789", buf, WIRE_HDR_LEN + 10 + 15), 0);
	assert_false(wire_encode_hdr(&h, buf, WIRE_HDR_LEN - 1));
	assert_true(wire_encode_hdr(&h, buf, WIRE_HDR_LEN));
	h.len = WIRE_MAX_PAYLOAD + 1;
	assert_int_equal(wire_encode(&h, buf, buf, sizeof(buf)), 0);
}

static void test_cursor(void **st)
{
	uint8_t b[4] = { 0 };
	struct cursor c;

	(void)st;
	cursor_init(&c, b, sizeof(b));
	put_u16(&c, 0xabcd);
	put_u16(&c, 0x1234);
	assert_true(cursor_ok(&c));
	put_u8(&c, 1);		/* overrun: cursor fails, nothing written */
	assert_false(cursor_ok(&c));
	assert_int_equal(cursor_left(&c), 0);
	assert_memory_equal(b, "\xab\xcd\x12\x34", 4);
	cursor_init_ro(&c, b, 3);
	assert_int_equal(get_u16(&c), 0xabcd);
	assert_int_equal(get_u16(&c), 0);	/* only 1 byte left */
	assert_false(cursor_ok(&c));
	assert_null(get_bytes(&c, 1));
}

static void test_names(void **st)
{
	unsigned i;

	(void)st;
	for (i = 0; i < WIRE_E__COUNT; i++)
		assert_string_not_equal(wire_drop_name(i), "?");
	assert_string_equal(wire_drop_name(WIRE_E__COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_is_big_endian),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_payload_may_alias),
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_zero_ids_rejected),
		cmocka_unit_test(test_ping),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_encode_bounds),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
