/* test_wire.c - the version 2 codec: the layout byte by byte, the CRC32C
 * convention, round trips, every truncation, every bad field and drop reason,
 * the payload codecs (PING/PONG, NOTICE, FEEDBACK, coded symbols, targets),
 * the associated-data view and version 1 detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

static uint8_t buf[WIRE_MAX_DGRAM + 64];

/* Independent reference: bitwise reflected CRC-32C (poly 0x82f63b78),
 * init 0xffffffff, final complement. */
static uint32_t ref_crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct wire_hdr sample(uint8_t type, uint8_t suite, uint16_t len)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = type, .flags = 0, .suite = suite,
		.server = 0x1234, .path = 5, .key_id = suite ? 0xa1b2c3d4u : 0,
		.flow = type == WIRE_DATA ? 0x01020304u : 0,
		.session = 0x1122334455667788ull, .epoch = 0x99aabbccddeeff00ull,
		.seq = 0x0102030405060708ull, .path_seq = 0xc0c1c2c3u, .stamp = 0xd0d1d2d3u,
		.len = len,
	};
	if (type == WIRE_COOKIE || type == WIRE_NOTICE)
		h.flags = WIRE_F_SERVER;
	return h;
}

static void test_crc32c_convention(void **st)
{
	uint8_t r[1000];
	unsigned i;

	(void)st;
	assert_int_equal(wire_crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(ref_crc32c((const uint8_t *)"123456789", 9), 0xe3069283u);
	assert_int_equal(wire_crc32c("", 0), 0);
	srand(7);
	for (i = 0; i < sizeof(r); i++)
		r[i] = (uint8_t)rand();
	for (i = 0; i <= sizeof(r); i += 37)
		assert_int_equal(wire_crc32c(r, i), ref_crc32c(r, i));
}

static void test_layout_keyed(void **st)
{
	static const uint8_t want[WIRE_HDR_LEN] = {
		2, 1, 0x00, 1, 0x12, 0x34, 5, 0,			/* version type flags suite server path rsv */
		0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02, 0x03, 0x04,	/* key id, flow */
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,	/* session */
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,	/* epoch */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* seq */
		0xc0, 0xc1, 0xc2, 0xc3, 0xd0, 0xd1, 0xd2, 0xd3,	/* path seq, stamp */
		0x00, 0x03, 0x00, 0x00,				/* len, reserved */
	};
	struct wire_hdr h = sample(WIRE_DATA, WIRE_SUITE_CHACHA, 3);
	uint8_t zero[WIRE_TAG_LEN] = { 0 };

	(void)st;
	memset(buf, 0xee, 200);
	assert_int_equal(wire_encode(&h, "abc", buf, sizeof(buf)), WIRE_HDR_LEN + 3 + 16);
	assert_memory_equal(buf, want, WIRE_HDR_LEN);
	assert_memory_equal(buf + WIRE_HDR_LEN, "abc", 3);
	assert_memory_equal(buf + WIRE_HDR_LEN + 3, zero, WIRE_TAG_LEN);
	assert_int_equal(buf[WIRE_HDR_LEN + 3 + 16], 0xee);
}

static void test_layout_clear_fec(void **st)
{
	static const uint8_t want_ext[WIRE_EXT_LEN] = { 0xb0, 0xb1, 0xb2, 0xb3, 7, 10, 4, 0 };
	struct wire_hdr h = sample(WIRE_PARITY, WIRE_SUITE_CLEAR, 20);
	uint8_t sym[20];
	size_t n;

	(void)st;
	memset(sym, 0x5a, sizeof(sym));
	h.flags = WIRE_F_FEC | WIRE_F_SERVER;
	h.ext = (struct wire_ext){ .block = 0xb0b1b2b3u, .index = 7, .k = 10, .m = 4 };
	n = wire_encode(&h, sym, buf, sizeof(buf));
	assert_int_equal(n, 52 + 8 + 20 + 4);
	assert_int_equal(buf[0], 2);
	assert_int_equal(buf[1], 5);
	assert_int_equal(buf[2], 0x03);
	assert_int_equal(buf[3], 0);
	assert_int_equal(be32(buf + 8), 0);		/* key id 0 in the clear */
	assert_int_equal(be32(buf + 12), 0);		/* flow 0 on PARITY */
	assert_int_equal(buf[48], 0);
	assert_int_equal(buf[49], 20);
	assert_memory_equal(buf + 52, want_ext, WIRE_EXT_LEN);
	assert_memory_equal(buf + 60, sym, 20);
	/* trailer: CRC32C over everything before it, big-endian */
	assert_int_equal(be32(buf + 80), ref_crc32c(buf, 80));
}

static void test_round_trip(void **st)
{
	static const uint16_t lens[] = { 0, 1, 2, 100, 1400, 8193, WIRE_MAX_PAYLOAD };
	static uint8_t payload[WIRE_MAX_PAYLOAD];
	unsigned i, k, s, f;

	(void)st;
	for (k = 0; k < sizeof(payload); k++)
		payload[k] = (uint8_t)(k * 7 + 3);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (s = 0; s <= WIRE_SUITE_MAX; s++)
			for (f = 0; f < 8; f++) {
				struct wire_hdr h = sample(WIRE_DATA, (uint8_t)s, lens[i]), got;
				const uint8_t *p;
				enum wire_drop why;
				size_t n, want;

				h.flags = (uint8_t)f;
				if ((f & WIRE_F_SERVER) && (f & WIRE_F_TARGET))
					continue;
				if (f & WIRE_F_FEC)
					h.ext = (struct wire_ext){ .block = 9, .index = 3 };
				want = wire_dgram_len(h.flags, h.suite, h.len);
				n = wire_encode(&h, payload, buf, sizeof(buf));
				if (want > WIRE_MAX_DGRAM) {
					assert_int_equal(n, 0);
					continue;
				}
				assert_int_equal(n, want);
				assert_true(wire_decode(buf, n, &got, &p, &why));
				assert_int_equal(why, WIRE_OK);
				assert_int_equal(got.type, h.type);
				assert_int_equal(got.flags, h.flags);
				assert_int_equal(got.suite, h.suite);
				assert_int_equal(got.server, h.server);
				assert_int_equal(got.path, h.path);
				assert_int_equal(got.key_id, h.key_id);
				assert_int_equal(got.flow, h.flow);
				assert_true(got.session == h.session);
				assert_true(got.epoch == h.epoch);
				assert_true(got.seq == h.seq);
				assert_int_equal(got.path_seq, h.path_seq);
				assert_int_equal(got.stamp, h.stamp);
				assert_int_equal(got.len, h.len);
				assert_int_equal(got.ext.block, h.ext.block);
				assert_int_equal(got.ext.index, h.ext.index);
				assert_int_equal(got.ext.k, h.ext.k);
				assert_int_equal(got.ext.m, h.ext.m);
				assert_ptr_equal(p, buf + wire_hdr_size(h.flags));
				assert_memory_equal(p, payload, lens[i]);
			}
}

static void test_payload_may_alias(void **st)
{
	struct wire_hdr h = sample(WIRE_DATA, 0, 5), got;
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
	struct wire_hdr h, got;
	const uint8_t *p;
	enum wire_drop why;
	size_t n, cut;
	unsigned s, fec;

	(void)st;
	for (s = 0; s <= WIRE_SUITE_MAX; s++)
		for (fec = 0; fec < 2; fec++) {
			h = sample(WIRE_DATA, (uint8_t)s, 40);
			if (fec) {
				h.flags = WIRE_F_FEC;
				h.ext.block = 1;
			}
			n = wire_encode(&h, "0123456789012345678901234567890123456789", buf,
					 sizeof(buf));
			assert_true(n > 0);
			for (cut = 0; cut < n; cut++) {
				assert_false(wire_parse(buf, cut, &got, &p, &why));
				assert_int_equal(why, cut < WIRE_MIN_DGRAM ? WIRE_E_SHORT
									    : WIRE_E_LENGTH);
				assert_false(wire_decode(buf, cut, &got, &p, &why));
				if (cut < WIRE_MIN_DGRAM)
					assert_int_equal(why, WIRE_E_SHORT);
				else
					assert_int_equal(why, s ? WIRE_E_LENGTH : WIRE_E_CHECKSUM);
			}
			/* one byte too many */
			buf[n] = 0;
			assert_false(wire_parse(buf, n + 1, &got, &p, &why));
			assert_int_equal(why, WIRE_E_LENGTH);
		}
}

/* Set byte off of a valid datagram to value (re-computing the CRC when
 * clear) and expect a given reason. */
static void expect_bad_in(struct wire_hdr h, const void *payload, size_t off, uint8_t value,
			  enum wire_drop want)
{
	struct wire_hdr got;
	const uint8_t *p;
	enum wire_drop why = WIRE_OK;
	size_t n = wire_encode(&h, payload, buf, sizeof(buf));

	assert_true(n > 0);
	assert_true(wire_decode(buf, n, &got, &p, &why));
	buf[off] = value;
	if (h.suite == 0)
		wire_crc_update(buf, n);
	if (want == WIRE_OK) {
		if (!wire_decode(buf, n, &got, &p, &why))
			fail_msg("byte %zu = %u: refused as %s", off, value, wire_drop_name(why));
		return;
	}
	assert_false(wire_decode(buf, n, &got, &p, &why));
	if (why != want)
		fail_msg("type %u byte %zu = %u: got %s, want %s", h.type, off, value,
			 wire_drop_name(why), wire_drop_name(want));
}

static void expect_bad(size_t off, uint8_t value, enum wire_drop want)
{
	expect_bad_in(sample(WIRE_DATA, 0, 4), "data", off, value, want);
	if (want != WIRE_E_KEY_FIELD && !(off == 3 && value == 0))
		expect_bad_in(sample(WIRE_DATA, 1, 4), "data", off, value, want);
}

static void test_bad_fields(void **st)
{
	unsigned v, off;

	(void)st;
	expect_bad(0, 0, WIRE_E_VERSION);
	expect_bad(0, 3, WIRE_E_VERSION);
	expect_bad(0, 255, WIRE_E_VERSION);
	expect_bad(1, 0, WIRE_E_TYPE);
	expect_bad(1, 8, WIRE_E_TYPE);
	expect_bad(1, 255, WIRE_E_TYPE);
	for (v = 0x08; v <= 0x80; v <<= 1)
		expect_bad(2, (uint8_t)v, WIRE_E_FLAGS);
	expect_bad(2, WIRE_F_SERVER | WIRE_F_TARGET, WIRE_E_FLAGS);	/* TARGET only from mpclient */
	expect_bad(3, 3, WIRE_E_SUITE);
	expect_bad(3, 255, WIRE_E_SUITE);
	expect_bad(7, 1, WIRE_E_RESERVED);
	expect_bad(50, 1, WIRE_E_RESERVED);
	expect_bad(51, 0x80, WIRE_E_RESERVED);
	expect_bad(48, 1, WIRE_E_LENGTH);		/* len high byte */
	expect_bad(49, 5, WIRE_E_LENGTH);
	expect_bad(2, WIRE_F_FEC, WIRE_E_LENGTH);	/* extension missing */
	expect_bad(6, 16, WIRE_E_PATH);
	expect_bad(6, 255, WIRE_E_PATH);
	expect_bad(8, 1, WIRE_E_KEY_FIELD);		/* suite 0 with a key id */
	/* any single byte of server, key id (keyed), flow, ids and seq may take
	 * any value that leaves the field non-zero: still accepted */
	for (off = 4; off < 48; off++)
		if (off >= 8 && off < 12)
			expect_bad_in(sample(WIRE_DATA, 1, 4), "data", off, 0x5a, WIRE_OK);
		else if (off != 6 && off != 7)
			expect_bad(off, 0x5a, WIRE_OK);
}

/* Multi-byte zero fields, built directly. */
static void expect_field(struct wire_hdr h, const void *payload, enum wire_drop want)
{
	struct wire_hdr got;
	const uint8_t *p;
	enum wire_drop why = WIRE_OK;
	size_t n = wire_encode(&h, payload, buf, sizeof(buf));

	assert_true(n > 0);
	if (want == WIRE_OK) {
		assert_true(wire_decode(buf, n, &got, &p, &why));
		return;
	}
	assert_false(wire_decode(buf, n, &got, &p, &why));
	if (why != want)
		fail_msg("type %u flags %u: got %s, want %s", h.type, h.flags,
			 wire_drop_name(why), wire_drop_name(want));
}

static void test_zero_ids_and_rules(void **st)
{
	struct wire_hdr h;
	uint8_t pl[WIRE_PING_LEN] = { 0 };
	uint8_t notice[WIRE_NOTICE_LEN] = { 0, 1 };

	(void)st;
	h = sample(WIRE_DATA, 0, 0);
	h.session = 0;
	expect_field(h, NULL, WIRE_E_SESSION);
	h = sample(WIRE_DATA, 0, 0);
	h.epoch = 0;
	expect_field(h, NULL, WIRE_E_SESSION);
	h = sample(WIRE_DATA, 0, 0);
	h.seq = 0;
	expect_field(h, NULL, WIRE_E_SEQ);
	h = sample(WIRE_DATA, 0, 0);
	h.flow = 0;					/* issue 16 item 9 */
	expect_field(h, NULL, WIRE_E_FLOW);
	h = sample(WIRE_DATA, 1, 0);
	h.key_id = 0;
	expect_field(h, NULL, WIRE_E_KEY_FIELD);
	h = sample(WIRE_DATA, 0, 0);
	h.path_seq = 0;					/* path seq wraps: 0 is valid */
	h.stamp = 0;
	expect_field(h, NULL, WIRE_OK);
	h = sample(WIRE_DATA, 0, 0);
	h.server = 0;
	h.path = 15;
	expect_field(h, NULL, WIRE_OK);

	/* flow on control types */
	h = sample(WIRE_PONG, 0, WIRE_PING_LEN);
	expect_field(h, pl, WIRE_OK);
	h.flow = 1;
	expect_field(h, pl, WIRE_E_FLOW);
	h = sample(WIRE_NOTICE, 0, WIRE_NOTICE_LEN);
	expect_field(h, notice, WIRE_OK);
	h.flow = 9;
	expect_field(h, notice, WIRE_E_FLOW);		/* code 1 names no flow */
	notice[1] = WIRE_N_TARGET;
	expect_field(h, notice, WIRE_OK);
	h.flow = 0;
	expect_field(h, notice, WIRE_E_FLOW);		/* code 6 names the refused flow */
	h = sample(WIRE_NOTICE, 1, WIRE_NOTICE_LEN);	/* sealed: code 6 only, flow != 0 */
	expect_field(h, notice, WIRE_E_FLOW);
	h.flow = 9;
	expect_field(h, notice, WIRE_OK);
}

static void test_flag_rules(void **st)
{
	struct wire_hdr h;
	uint8_t pl[64] = { 0 };
	unsigned t;

	(void)st;
	/* COOKIE and NOTICE only from mpserver */
	h = sample(WIRE_COOKIE, 0, WIRE_COOKIE_LEN);
	expect_field(h, pl, WIRE_OK);
	h.flags = 0;
	expect_field(h, pl, WIRE_E_FLAGS);
	pl[1] = 1;
	h = sample(WIRE_NOTICE, 0, WIRE_NOTICE_LEN);
	h.flags = 0;
	expect_field(h, pl, WIRE_E_FLAGS);
	pl[1] = 0;
	/* PARITY needs FEC; FEC only on DATA and PARITY; TARGET only on DATA */
	h = sample(WIRE_PARITY, 0, 16);
	expect_field(h, pl, WIRE_E_FLAGS);
	for (t = WIRE_PING; t <= WIRE_TYPE_MAX; t++) {
		if (t == WIRE_PARITY)
			continue;
		h = sample((uint8_t)t, 0, 16);
		h.flags |= WIRE_F_FEC;
		expect_field(h, pl, WIRE_E_FLAGS);
		h.flags = (uint8_t)((h.flags & ~WIRE_F_FEC & ~WIRE_F_SERVER) | WIRE_F_TARGET);
		expect_field(h, pl, WIRE_E_FLAGS);
	}
	/* PING from mpserver (a path challenge) is fine */
	h = sample(WIRE_PING, 0, WIRE_PING_LEN);
	h.flags = WIRE_F_SERVER;
	expect_field(h, pl, WIRE_OK);
}

static void test_extension(void **st)
{
	struct wire_hdr h;
	uint8_t pl[64] = { 0 };
	unsigned k, m;

	(void)st;
	/* DATA: k = m = 0, index < 64 */
	h = sample(WIRE_DATA, 0, 4);
	h.flags = WIRE_F_FEC;
	h.ext = (struct wire_ext){ .block = 0, .index = 63 };
	expect_field(h, pl, WIRE_OK);
	h.ext.index = 64;
	expect_field(h, pl, WIRE_E_EXT);
	h.ext = (struct wire_ext){ .block = 1, .index = 0, .k = 1 };
	expect_field(h, pl, WIRE_E_EXT);
	h.ext = (struct wire_ext){ .block = 1, .index = 0, .m = 1 };
	expect_field(h, pl, WIRE_E_EXT);
	/* extension reserved byte */
	h.ext = (struct wire_ext){ .block = 1 };
	expect_bad_in(h, pl, 59, 1, WIRE_E_RESERVED);
	/* PARITY: 1 <= k,m <= 64, k + m <= 128, k <= index < k + m */
	for (k = 0; k <= 65; k++)
		for (m = 0; m <= 65; m += (m < 3 || m > 62) ? 1 : 20) {
			bool ok = k >= 1 && k <= 64 && m >= 1 && m <= 64 && k + m <= 128;

			h = sample(WIRE_PARITY, 0, 16);
			h.flags = WIRE_F_FEC;
			h.ext = (struct wire_ext){ .block = 5, .index = (uint8_t)k, .k = (uint8_t)k,
						    .m = (uint8_t)m };
			expect_field(h, pl, ok ? WIRE_OK : WIRE_E_EXT);
			if (!ok)
				continue;
			h.ext.index = (uint8_t)(k + m - 1);
			expect_field(h, pl, WIRE_OK);
			h.ext.index = (uint8_t)(k + m);
			expect_field(h, pl, WIRE_E_EXT);
			h.ext.index = (uint8_t)(k - 1);
			expect_field(h, pl, WIRE_E_EXT);
		}
	/* a parity symbol holds at least the coded prefix */
	h = sample(WIRE_PARITY, 0, 15);
	h.flags = WIRE_F_FEC;
	h.ext = (struct wire_ext){ .block = 5, .index = 2, .k = 2, .m = 1 };
	expect_field(h, pl, WIRE_E_PAYLOAD);
}

static void test_payload_sizes(void **st)
{
	static uint8_t pl[WIRE_PING_LEN + 400];
	struct wire_hdr h;
	unsigned n;

	(void)st;
	memset(pl, 0, sizeof(pl));
	h = sample(WIRE_PING, 0, WIRE_PING_LEN - 1);
	expect_field(h, pl, WIRE_E_PAYLOAD);
	h.len = WIRE_PING_LEN + 300;			/* a probe: size checked on the contents */
	expect_field(h, pl, WIRE_OK);
	h = sample(WIRE_PONG, 0, WIRE_PING_LEN + 1);
	expect_field(h, pl, WIRE_E_PAYLOAD);
	h = sample(WIRE_COOKIE, 1, WIRE_COOKIE_LEN + 1);
	expect_field(h, pl, WIRE_E_PAYLOAD);
	h = sample(WIRE_NOTICE, 0, WIRE_NOTICE_LEN - 1);
	expect_field(h, pl, WIRE_E_PAYLOAD);
	for (n = 0; n < 4 + 20 * 17 + 1; n++) {
		bool ok = n >= 4 && (n - 4) % 20 == 0 && (n - 4) / 20 <= 16;

		h = sample(WIRE_FEEDBACK, 1, (uint16_t)n);
		expect_field(h, pl, ok ? WIRE_OK : WIRE_E_PAYLOAD);
	}
}

static void test_every_reason_named(void **st)
{
	unsigned i, j;

	(void)st;
	for (i = 0; i < WIRE_E__COUNT; i++) {
		assert_string_not_equal(wire_drop_name(i), "?");
		for (j = 0; j < i; j++)
			assert_string_not_equal(wire_drop_name(i), wire_drop_name(j));
	}
	assert_string_equal(wire_drop_name(WIRE_E__COUNT), "?");
	assert_string_equal(wire_type_name(WIRE_NOTICE), "notice");
	assert_string_equal(wire_type_name(0), "?");
	assert_string_equal(wire_type_name(8), "?");
}

static void test_checksum_catches_every_bit(void **st)
{
	struct wire_hdr h = sample(WIRE_DATA, 0, 100), got;
	uint8_t pl[100];
	const uint8_t *p;
	enum wire_drop why;
	size_t n, i;
	unsigned b;

	(void)st;
	memset(pl, 0x33, sizeof(pl));
	n = wire_encode(&h, pl, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			assert_false(wire_decode(buf, n, &got, &p, &why));
			/* only a flip of version or suite is not a checksum failure */
			if (i == 0)
				assert_true(why == WIRE_E_VERSION || why == WIRE_E_SHORT ||
					    why == WIRE_E_V1);
			else if (i == 3)
				assert_true(why == WIRE_E_SUITE || why == WIRE_E_KEY_FIELD ||
					    why == WIRE_E_LENGTH);
			else
				assert_int_equal(why, WIRE_E_CHECKSUM);
			buf[i] ^= (uint8_t)(1u << b);
		}
	assert_true(wire_decode(buf, n, &got, &p, &why));
}

static void test_per_path_copies(void **st)
{
	static uint8_t copy[2][256];
	uint8_t ad0[WIRE_AD_MAX], ad1[WIRE_AD_MAX];
	struct wire_hdr h = sample(WIRE_DATA, 0, 10), got;
	const uint8_t *p;
	size_t n, a0, a1;
	unsigned s;

	(void)st;
	for (s = 0; s <= 1; s++) {
		h = sample(WIRE_DATA, (uint8_t)s, 10);
		h.flags = WIRE_F_FEC;
		h.ext = (struct wire_ext){ .block = 77, .index = 1 };
		n = wire_encode(&h, "0123456789", copy[0], sizeof(copy[0]));
		memcpy(copy[1], copy[0], n);
		wire_set_per_path(copy[0], n, 0, 1, 1000);
		wire_set_per_path(copy[1], n, 15, 0xfffffffful, 2000);
		assert_true(wire_decode(copy[0], n, &got, &p, NULL));
		assert_int_equal(got.path, 0);
		assert_int_equal(got.path_seq, 1);
		assert_int_equal(got.stamp, 1000);
		assert_true(wire_decode(copy[1], n, &got, &p, NULL));
		assert_int_equal(got.path, 15);
		assert_int_equal(got.path_seq, 0xfffffffful);
		assert_int_equal(got.stamp, 2000);
		/* the copies differ only in bytes 6, 40-47 (and the CRC) */
		assert_memory_equal(copy[0], copy[1], 6);
		assert_memory_equal(copy[0] + 7, copy[1] + 7, 33);
		assert_memory_equal(copy[0] + 48, copy[1] + 48, n - 48 - (s ? 0 : 4));
		/* the associated data is the same for both, per-path fields zero */
		a0 = wire_ad(copy[0], n, ad0);
		a1 = wire_ad(copy[1], n, ad1);
		assert_int_equal(a0, 60);
		assert_int_equal(a1, 60);
		assert_memory_equal(ad0, ad1, a0);
		assert_int_equal(ad0[6], 0);
		assert_int_equal(be32(ad0 + 40), 0);
		assert_int_equal(be32(ad0 + 44), 0);
		assert_memory_equal(ad0 + 52, copy[0] + 52, 8);	/* extension included */
		assert_int_equal(ad0[4], 0x12);			/* server id included */
	}
	h = sample(WIRE_DATA, 1, 0);
	n = wire_encode(&h, NULL, copy[0], sizeof(copy[0]));
	assert_int_equal(wire_ad(copy[0], n, ad0), 52);
	assert_int_equal(wire_ad(copy[0], 51, ad0), 0);
}

static void test_v1_detected(void **st)
{
	/* a v1 PING: 36-byte header (version 1, type 2, flags 0), 28-byte payload */
	uint8_t v1[36 + 28] = { 1, 2, 0, 0 };
	struct wire_hdr got;
	const uint8_t *p;
	enum wire_drop why;

	(void)st;
	v1[15] = 1;		/* session */
	v1[23] = 1;		/* epoch */
	v1[31] = 1;		/* seq */
	v1[33] = 28;		/* len */
	assert_true(wire_is_v1(v1, sizeof(v1)));
	assert_false(wire_decode(v1, sizeof(v1), &got, &p, &why));
	assert_int_equal(why, WIRE_E_V1);
	v1[2] = 0x02;		/* sealed v1: 16 more bytes expected */
	assert_false(wire_is_v1(v1, sizeof(v1)));
	assert_false(wire_decode(v1, sizeof(v1), &got, &p, &why));
	assert_int_equal(why, WIRE_E_VERSION);
	v1[2] = 0;
	v1[1] = 5;		/* v1 had no type 5 */
	assert_false(wire_is_v1(v1, sizeof(v1)));
	v1[1] = 1;
	assert_true(wire_is_v1(v1, sizeof(v1)));
	assert_false(wire_is_v1(v1, 35));
	assert_false(wire_decode(v1, 1, &got, &p, &why));
	assert_int_equal(why, WIRE_E_SHORT);
}

static void test_encode_bounds(void **st)
{
	struct wire_hdr h = sample(WIRE_DATA, 0, 10);

	(void)st;
	assert_int_equal(wire_encode(&h, "0123456789", buf, 52 + 10 + 3), 0);
	assert_int_equal(wire_encode(&h, "0123456789", buf, 52 + 10 + 4), 52 + 10 + 4);
	h.suite = 2;
	assert_int_equal(wire_encode(&h, "0123456789", buf, 52 + 10 + 15), 0);
	assert_false(wire_encode_hdr(&h, buf, WIRE_HDR_LEN - 1));
	assert_true(wire_encode_hdr(&h, buf, WIRE_HDR_LEN));
	h.flags = WIRE_F_FEC;
	assert_false(wire_encode_hdr(&h, buf, WIRE_HDR_LEN + 7));
	h.flags = 0;
	h.len = WIRE_MAX_PAYLOAD;
	assert_int_equal(wire_encode(&h, buf, buf, sizeof(buf)), WIRE_MAX_DGRAM);
	h.len = WIRE_MAX_PAYLOAD + 1;
	assert_int_equal(wire_encode(&h, buf, buf, sizeof(buf)), 0);
	h.suite = 0;	/* a clear datagram may carry 12 bytes more */
	h.len = WIRE_MAX_PAYLOAD + 12;
	assert_int_equal(wire_encode(&h, buf, buf, sizeof(buf)), WIRE_MAX_DGRAM);
	h.len++;
	assert_int_equal(wire_encode(&h, buf, buf, sizeof(buf)), 0);
	assert_int_equal(WIRE_MAX_PAYLOAD, 65439);
}

/* ---- payloads ---- */

static struct wire_ping sample_ping(void)
{
	struct wire_ping p = {
		.stamp = 0x0102030405060708ull,
		.token = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
		.probe_size = 0, .path_flags = WIRE_PATH_F_BACKUP, .redundancy = WIRE_RED_FEC,
		.fec_k = 20, .fec_m = 10, .fec_wait = 0x1234, .target_loss = 0xa0b0c0d0u,
		.name = "wlan0",
	};
	return p;
}

static void test_ping_layout(void **st)
{
	static const uint8_t want[WIRE_PING_LEN] = {
		1, 2, 3, 4, 5, 6, 7, 8,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0, 0, 1, 2, 20, 10, 0x12, 0x34,
		0xa0, 0xb0, 0xc0, 0xd0, 0, 0, 0, 0,
		'w', 'l', 'a', 'n', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct wire_ping in = sample_ping(), out;
	uint8_t pl[WIRE_PING_LEN];

	(void)st;
	assert_int_equal(wire_ping_encode(&in, WIRE_PING_LEN, pl, sizeof(pl)), WIRE_PING_LEN);
	assert_memory_equal(pl, want, WIRE_PING_LEN);
	assert_int_equal(wire_ping_encode(&in, WIRE_PING_LEN, pl, WIRE_PING_LEN - 1), 0);
	assert_int_equal(wire_ping_encode(&in, WIRE_PING_LEN - 1, pl, sizeof(pl)), 0);
	assert_true(wire_ping_decode(pl, WIRE_PING_LEN, 200, false, &out));
	assert_true(wire_ping_decode(pl, WIRE_PING_LEN, 200, true, &out));
	assert_true(out.stamp == in.stamp);
	assert_memory_equal(out.token, in.token, WIRE_TOKEN_LEN);
	assert_int_equal(out.probe_size, 0);
	assert_int_equal(out.path_flags, WIRE_PATH_F_BACKUP);
	assert_int_equal(out.redundancy, WIRE_RED_FEC);
	assert_int_equal(out.fec_k, 20);
	assert_int_equal(out.fec_m, 10);
	assert_int_equal(out.fec_wait, 0x1234);
	assert_int_equal(out.target_loss, 0xa0b0c0d0u);
	assert_memory_equal(out.name, in.name, WIRE_PATH_NAME_LEN);
}

static void expect_ping_bad(size_t off, uint8_t value)
{
	struct wire_ping in = sample_ping(), out;
	uint8_t pl[WIRE_PING_LEN];

	wire_ping_encode(&in, WIRE_PING_LEN, pl, sizeof(pl));
	pl[off] = value;
	if (wire_ping_decode(pl, WIRE_PING_LEN, 0, false, &out))
		fail_msg("ping byte %zu = %u accepted", off, value);
}

static void test_ping_bad_fields(void **st)
{
	struct wire_ping in = sample_ping(), out;
	uint8_t pl[WIRE_PING_LEN + 1];
	unsigned off;

	(void)st;
	expect_ping_bad(26, 2);		/* unknown path flag */
	expect_ping_bad(26, 0x80);
	expect_ping_bad(27, 4);		/* unknown redundancy mode */
	expect_ping_bad(28, 0);		/* k = 0, m = 10 */
	expect_ping_bad(28, 65);
	expect_ping_bad(29, 0);
	expect_ping_bad(29, 65);
	for (off = 36; off < 40; off++)
		expect_ping_bad(off, 1);	/* reserved */
	expect_ping_bad(46, 'x');	/* after the name's NUL padding */
	expect_ping_bad(55, 1);
	wire_ping_encode(&in, WIRE_PING_LEN, pl, sizeof(pl));
	assert_false(wire_ping_decode(pl, WIRE_PING_LEN - 1, 200, false, &out));
	assert_false(wire_ping_decode(pl, WIRE_PING_LEN + 1, 200, false, &out));
	/* k = m = 0 is fine, a full 16-byte name too */
	in.fec_k = in.fec_m = 0;
	memcpy(in.name, "0123456789abcdef", 16);
	wire_ping_encode(&in, WIRE_PING_LEN, pl, sizeof(pl));
	assert_true(wire_ping_decode(pl, WIRE_PING_LEN, 200, false, &out));
	in.fec_k = 64;
	in.fec_m = 64;
	wire_ping_encode(&in, WIRE_PING_LEN, pl, sizeof(pl));
	assert_true(wire_ping_decode(pl, WIRE_PING_LEN, 200, false, &out));
	in.fec_k = 65;
	wire_ping_encode(&in, WIRE_PING_LEN, pl, sizeof(pl));
	assert_false(wire_ping_decode(pl, WIRE_PING_LEN, 200, false, &out));
}

static void test_ping_probe(void **st)
{
	struct wire_ping in = sample_ping(), out;
	struct wire_hdr h = sample(WIRE_PING, 0, 0), got;
	size_t plen, n;
	const uint8_t *p;

	(void)st;
	in.probe_size = 1400;
	plen = 1400 - WIRE_HDR_LEN - WIRE_CRC_LEN;
	memset(buf, 0xff, 1500);
	assert_int_equal(wire_ping_encode(&in, plen, buf + WIRE_HDR_LEN, sizeof(buf)), plen);
	h.len = (uint16_t)plen;
	n = wire_encode(&h, buf + WIRE_HDR_LEN, buf, sizeof(buf));
	assert_int_equal(n, 1400);
	assert_true(wire_decode(buf, n, &got, &p, NULL));
	assert_true(wire_ping_decode(p, got.len, n, false, &out));
	assert_int_equal(out.probe_size, 1400);
	/* the size must match the probe size */
	assert_false(wire_ping_decode(p, got.len, n - 1, false, &out));
	/* the padding must be zero */
	buf[WIRE_HDR_LEN + 100] = 1;
	assert_false(wire_ping_decode(p, got.len, n, false, &out));
	buf[WIRE_HDR_LEN + 100] = 0;
	assert_true(wire_ping_decode(p, got.len, n, false, &out));
	/* a PONG is never padded, and echoes any probe size */
	assert_false(wire_ping_decode(p, got.len, n, true, &out));
	assert_true(wire_ping_decode(p, WIRE_PING_LEN, 120, true, &out));
	assert_int_equal(out.probe_size, 1400);
	/* an unpadded PING with a probe size is refused */
	assert_false(wire_ping_decode(p, WIRE_PING_LEN, 120, false, &out));
}

static void test_notice(void **st)
{
	struct wire_notice in = { .code = WIRE_N_SUITE, .expected_suite = 2 }, out;
	uint8_t pl[WIRE_NOTICE_LEN];
	static const uint8_t want[WIRE_NOTICE_LEN] = { 0, 3, 2, 0, 0, 0, 0, 0 };
	unsigned i, c;

	(void)st;
	assert_int_equal(wire_notice_encode(&in, pl, sizeof(pl)), WIRE_NOTICE_LEN);
	assert_memory_equal(pl, want, sizeof(want));
	assert_int_equal(wire_notice_encode(&in, pl, 7), 0);
	assert_true(wire_notice_decode(pl, sizeof(pl), &out));
	assert_int_equal(out.code, 3);
	assert_int_equal(out.expected_suite, 2);
	assert_false(wire_notice_decode(pl, 7, &out));
	for (i = 3; i < 8; i++) {
		pl[i] = 1;
		assert_false(wire_notice_decode(pl, sizeof(pl), &out));
		pl[i] = 0;
	}
	for (c = 0; c <= 9; c++) {
		in.code = (uint16_t)c;
		wire_notice_encode(&in, pl, sizeof(pl));
		assert_int_equal(wire_notice_decode(pl, sizeof(pl), &out), c >= 1 && c <= 7);
		assert_true(strlen(wire_notice_text((uint16_t)c)) > 0);
	}
	in.code = 1;
	in.expected_suite = 3;
	wire_notice_encode(&in, pl, sizeof(pl));
	assert_false(wire_notice_decode(pl, sizeof(pl), &out));
	pl[0] = 1;		/* code 257 */
	pl[2] = 0;
	assert_false(wire_notice_decode(pl, sizeof(pl), &out));
}

static void test_notice_build(void **st)
{
	struct wire_hdr h;
	struct wire_notice n;
	const uint8_t *p;
	size_t len;

	(void)st;
	assert_int_equal(wire_notice_build(buf, sizeof(buf), 63, 1, 0, 0, 1, 1, 1), 0);
	len = wire_notice_build(buf, sizeof(buf), 64, WIRE_N_PEER_UNKEYED, 2, 77,
				 0x1122334455667788ull, 0x99ull, 42);
	assert_int_equal(len, 64);
	assert_int_equal(wire_notice_build(buf, 63, 1000, 1, 0, 0, 1, 1, 1), 0);
	assert_true(wire_decode(buf, len, &h, &p, NULL));
	assert_int_equal(h.type, WIRE_NOTICE);
	assert_int_equal(h.flags, WIRE_F_SERVER);
	assert_int_equal(h.suite, 0);
	assert_int_equal(h.key_id, 0);
	assert_int_equal(h.flow, 0);
	assert_int_equal(h.server, 77);
	assert_true(h.session == 0x1122334455667788ull);
	assert_true(h.epoch == 0x99ull);
	assert_true(h.seq == 42);
	assert_true(wire_notice_decode(p, h.len, &n));
	assert_int_equal(n.code, WIRE_N_PEER_UNKEYED);
	assert_int_equal(n.expected_suite, 2);
}

static void test_feedback(void **st)
{
	struct wire_feedback in = { .count = 2 }, out;
	static const uint8_t want[4 + 40] = {
		2, 0, 0, 0,
		3, 0, 0x00, 0x28, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xa0, 0xa1, 0xa2, 0xa3, 0, 0, 0x27, 0x10,
		15, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint8_t pl[4 + 20 * 17];
	unsigned i;

	(void)st;
	in.e[0] = (struct wire_feedback_entry){ 3, 40, 256, 255, 0xa0a1a2a3u, 10000 };
	in.e[1] = (struct wire_feedback_entry){ 15, 0, 0xffffffffu, 0, 0, 0 };
	assert_int_equal(wire_feedback_len(2), 44);
	assert_int_equal(wire_feedback_encode(&in, pl, sizeof(pl)), 44);
	assert_memory_equal(pl, want, sizeof(want));
	assert_true(wire_feedback_decode(pl, 44, &out));
	assert_int_equal(out.count, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(out.e[i].path, in.e[i].path);
		assert_int_equal(out.e[i].burst, in.e[i].burst);
		assert_int_equal(out.e[i].highest, in.e[i].highest);
		assert_int_equal(out.e[i].received, in.e[i].received);
		assert_int_equal(out.e[i].echo, in.e[i].echo);
		assert_int_equal(out.e[i].delay, in.e[i].delay);
	}
	assert_int_equal(wire_feedback_encode(&in, pl, 43), 0);
	for (i = 0; i < 44; i++)
		assert_false(wire_feedback_decode(pl, i, &out));
	assert_false(wire_feedback_decode(pl, 45, &out));
	/* reserved bytes (the entry's byte 1; bytes 2-3 are the burst figure) */
	for (i = 1; i < 4; i++) {
		pl[i] = 1;
		assert_false(wire_feedback_decode(pl, 44, &out));
		pl[i] = 0;
	}
	pl[25] = 1;
	assert_false(wire_feedback_decode(pl, 44, &out));
	pl[25] = 0;
	pl[26] = 0xff;
	pl[27] = 0xff;
	assert_true(wire_feedback_decode(pl, 44, &out));
	assert_int_equal(out.e[1].burst, 0xffff);
	pl[26] = pl[27] = 0;
	/* path id range, duplicate path */
	pl[24] = 16;
	assert_false(wire_feedback_decode(pl, 44, &out));
	pl[24] = 3;
	assert_false(wire_feedback_decode(pl, 44, &out));
	pl[24] = 15;
	assert_true(wire_feedback_decode(pl, 44, &out));
	/* empty, full, over-full */
	in.count = 0;
	assert_int_equal(wire_feedback_encode(&in, pl, sizeof(pl)), 4);
	assert_true(wire_feedback_decode(pl, 4, &out));
	assert_int_equal(out.count, 0);
	in.count = 16;
	for (i = 0; i < 16; i++)
		in.e[i] = (struct wire_feedback_entry){ (uint8_t)i, (uint16_t)i, i, i, i, i };
	assert_int_equal(wire_feedback_encode(&in, pl, sizeof(pl)), 4 + 320);
	assert_true(wire_feedback_decode(pl, 4 + 320, &out));
	in.count = 17;
	assert_int_equal(wire_feedback_encode(&in, pl, sizeof(pl)), 0);
	pl[0] = 17;
	memset(pl + 324, 0, 20);
	assert_false(wire_feedback_decode(pl, 4 + 340, &out));
}

static void test_coded(void **st)
{
	static const uint8_t want_prefix[WIRE_CODED_HDR] = {
		0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 9, 0, 5, WIRE_F_TARGET, 0,
	};
	struct wire_coded in = { .seq = 258, .flow = 9, .len = 5, .flags = WIRE_F_TARGET }, out;
	uint8_t sym[40];
	const uint8_t *p;
	size_t i;

	(void)st;
	memset(sym, 0xee, sizeof(sym));
	assert_int_equal(wire_coded_encode(&in, "hello", sym, 30), 30);
	assert_memory_equal(sym, want_prefix, WIRE_CODED_HDR);
	assert_memory_equal(sym + 16, "hello", 5);
	for (i = 21; i < 30; i++)
		assert_int_equal(sym[i], 0);
	assert_int_equal(sym[30], 0xee);
	assert_true(wire_coded_decode(sym, 30, &out, &p));
	assert_true(out.seq == 258);
	assert_int_equal(out.flow, 9);
	assert_int_equal(out.len, 5);
	assert_int_equal(out.flags, WIRE_F_TARGET);
	assert_ptr_equal(p, sym + 16);
	/* exact fit, too small */
	assert_int_equal(wire_coded_encode(&in, "hello", sym, 21), 21);
	assert_true(wire_coded_decode(sym, 21, &out, &p));
	assert_false(wire_coded_decode(sym, 20, &out, &p));
	assert_int_equal(wire_coded_encode(&in, "hello", sym, 20), 0);
	assert_int_equal(wire_coded_encode(&in, "hello", sym, 15), 0);
	/* bad fields */
	wire_coded_encode(&in, "hello", sym, 30);
	sym[25] = 1;					/* padding */
	assert_false(wire_coded_decode(sym, 30, &out, &p));
	wire_coded_encode(&in, "hello", sym, 30);
	sym[15] = 1;					/* reserved */
	assert_false(wire_coded_decode(sym, 30, &out, &p));
	wire_coded_encode(&in, "hello", sym, 30);
	sym[14] = WIRE_F_SERVER;			/* only TARGET */
	assert_false(wire_coded_decode(sym, 30, &out, &p));
	wire_coded_encode(&in, "hello", sym, 30);
	sym[13] = 15;					/* len beyond the symbol */
	assert_false(wire_coded_decode(sym, 30, &out, &p));
	in.flow = 0;
	wire_coded_encode(&in, "hello", sym, 30);
	assert_false(wire_coded_decode(sym, 30, &out, &p));
	in.flow = 9;
	in.seq = 0;
	wire_coded_encode(&in, "hello", sym, 30);
	assert_false(wire_coded_decode(sym, 30, &out, &p));
	assert_int_equal(WIRE_CODED_MAX_PAYLOAD, 65507 - 52 - 8 - 16 - 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_convention),
		cmocka_unit_test(test_layout_keyed),
		cmocka_unit_test(test_layout_clear_fec),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_payload_may_alias),
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_zero_ids_and_rules),
		cmocka_unit_test(test_flag_rules),
		cmocka_unit_test(test_extension),
		cmocka_unit_test(test_payload_sizes),
		cmocka_unit_test(test_every_reason_named),
		cmocka_unit_test(test_checksum_catches_every_bit),
		cmocka_unit_test(test_per_path_copies),
		cmocka_unit_test(test_v1_detected),
		cmocka_unit_test(test_encode_bounds),
		cmocka_unit_test(test_ping_layout),
		cmocka_unit_test(test_ping_bad_fields),
		cmocka_unit_test(test_ping_probe),
		cmocka_unit_test(test_notice),
		cmocka_unit_test(test_notice_build),
		cmocka_unit_test(test_feedback),
		cmocka_unit_test(test_coded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
