/* test_fec.c - Reed-Solomon sender and receiver (lib/fec.c): every erasure
 * pattern up to m for small codes, random patterns for large ones, the
 * block / interleave / striping bookkeeping, duplicates, reorder, stale and
 * inconsistent symbols, abandoned blocks, the decoding-table cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fec.h"
#include "wire.h"

#define WAIT 5000u	/* µs */

/* Under AddressSanitizer (make SANITIZE=address,undefined: gcc defines
 * __SANITIZE_ADDRESS__) the loops run a lighter workload, the same checks on
 * fewer patterns and datagrams (223 s in CI at full size); the normal build
 * runs the full one. */
#ifdef __SANITIZE_ADDRESS__
#define LIGHT 1
#else
#define LIGHT 0
#endif
#define M_LOSSES_K_MAX (LIGHT ? 6u : 8u)	/* exhaustive m losses: k = 5 .. this */
#define RANDOM_TRIALS (LIGHT ? 8u : 40u)	/* random patterns per large code */
#define STREAM_N (LIGHT ? 4000u : 20000u)	/* datagrams of test_stream */
#define PMAX 300	/* payload sizes in the small tests */

/* deterministic generator (xorshift64*) */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

struct sym {
	bool parity;
	uint32_t block;
	uint8_t index, k, m, path;
	uint64_t seq;
	uint32_t flow;
	uint8_t flags;
	uint16_t len;
	uint8_t bytes[FEC_SYMBOL_DEFAULT];
};

/* One block of k data symbols through a fresh sender; fills syms[0..k+m). */
static unsigned make_block(unsigned k, unsigned m, size_t pmax, uint64_t seq0, struct sym *syms)
{
	struct fec_tx tx;
	struct fec_tx_config cfg = { .k = k, .m = m, .depth = 1, .wait_us = WAIT };
	struct fec_tx_out out;
	uint64_t now = 1000;
	unsigned i, n = 0;

	assert_int_equal(fec_tx_init(&tx, &cfg), 0);
	/* the first datagram after a pause is sent as copies, not coded */
	assert_int_equal(fec_tx_data(&tx, now, 1, 1, 0, "x", 1, 0x7, &out), FEC_TX_LONE);
	assert_true(out.copies >= 2);
	for (i = 0; i < k; i++) {
		struct sym *s = &syms[n++];

		now += 10;
		s->parity = false;
		s->seq = seq0 + i;
		s->flow = 1 + (uint32_t)(rnd() % 7);
		s->flags = (rnd() & 1) ? FEC_FLAGS_ALLOWED : 0;
		s->len = (uint16_t)(pmax ? rnd() % (pmax + 1) : 0);
		for (unsigned j = 0; j < s->len; j++)
			s->bytes[j] = (uint8_t)rnd();
		assert_int_equal(fec_tx_data(&tx, now, s->seq, s->flow, s->flags, s->bytes, s->len, 0x7,
					     &out),
				 FEC_TX_CODED);
		assert_int_equal(out.index, i);
		s->block = out.block;
		s->index = out.index;
		s->path = out.path;
	}
	now += WAIT;	/* all paced parity due */
	while (fec_tx_parity(&tx, now, 0x7, &out)) {
		struct sym *s = &syms[n++];

		assert_true(n <= k + m);
		s->parity = true;
		s->block = out.block;
		s->index = out.index;
		s->k = out.k;
		s->m = out.m;
		s->path = out.path;
		s->len = out.len;
		memcpy(s->bytes, out.payload, out.len);
		assert_int_equal(out.index, k + (n - 1 - k));
	}
	assert_int_equal(n, k + m);
	assert_int_equal(tx.st.parity, m);
	assert_int_equal(fec_tx_deadline(&tx), UINT64_MAX);
	fec_tx_free(&tx);
	return n;
}

/* fec_rx_late said before a symbol of `block` was taken: the verdict must
 * agree (late exactly when it said so; a malformed symbol is bad anyway). */
static void check_late(bool said, enum fec_rx_verdict v)
{
	if (v == FEC_RX_LATE)
		assert_true(said);
	else if (said)
		assert_true(v == FEC_RX_BAD || v == FEC_RX_TOO_BIG);
}

static enum fec_rx_verdict feed(struct fec_rx *rx, uint64_t now, const struct sym *s)
{
	bool late = fec_rx_late(rx, s->block);
	enum fec_rx_verdict v;

	if (s->parity)
		v = fec_rx_parity(rx, now, s->block, s->index, s->k, s->m, s->bytes, s->len);
	else
		v = fec_rx_data(rx, now, s->block, s->index, s->seq, s->flow, s->flags, s->bytes,
				s->len);
	check_late(late, v);
	return v;
}

/* The recovered symbols of the last call must be exactly the data in `want` (mask). */
static void check_recovered(const struct fec_rx *rx, const struct sym *syms, uint64_t want)
{
	const struct fec_recovered *r;
	unsigned n = fec_rx_recovered(rx, &r), i;
	uint64_t got = 0;

	for (i = 0; i < n; i++) {
		const struct sym *s = NULL;
		unsigned j;

		for (j = 0; j < 64; j++)
			if (((want >> j) & 1) && syms[j].seq == r[i].seq)
				s = &syms[j];
		if (!s)
			fail_msg("recovered seq %llu not expected (want %llx, %u recovered)", (unsigned long long)r[i].seq, (unsigned long long)want, n);
		assert_int_equal(r[i].flow, s->flow);
		assert_int_equal(r[i].flags, s->flags);
		assert_int_equal(r[i].len, s->len);
		assert_memory_equal(r[i].payload, s->bytes, s->len);
		got |= 1ull << s->index;
	}
	assert_int_equal(got, want);
}

static void shuffle(unsigned *order, unsigned n)
{
	unsigned i;

	for (i = n; i > 1; i--) {
		unsigned j = (unsigned)(rnd() % i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
}

/* Feed every symbol not in `erased` (mask over k + m) in a random order.  The
 * block decodes at the first symbol that makes k present once a parity told
 * k, recovering the data not yet fed; later symbols are late. */
static void run_pattern(struct fec_rx *rx, const struct sym *syms, unsigned k, unsigned m,
			__uint128_t erased)
{
	unsigned order[FEC_N_MAX], n = 0, i, fed = 0, parity = 0, lost = 0;
	uint64_t fed_data = 0, all = k == 64 ? UINT64_MAX : (1ull << k) - 1;
	bool done = false;

	for (i = 0; i < k + m; i++) {
		if ((erased >> i) & 1)
			lost++;
		else
			order[n++] = i;
	}
	shuffle(order, n);
	for (i = 0; i < n; i++) {
		const struct sym *s = &syms[order[i]];
		enum fec_rx_verdict v = feed(rx, 1000 + i, s);
		const struct fec_recovered *r;
		unsigned nr = fec_rx_recovered(rx, &r);

		if (done) {
			assert_int_equal(v, FEC_RX_LATE);
			assert_int_equal(nr, 0);
			continue;
		}
		assert_int_equal(v, FEC_RX_OK);
		fed++;
		if (s->parity)
			parity++;
		else
			fed_data |= 1ull << s->index;
		if (parity && fed >= k) {
			check_recovered(rx, syms, all & ~fed_data);
			done = true;
		} else {
			assert_int_equal(nr, 0);
		}
	}
	if (lost <= m && parity) {
		if (!done)
			fail_msg("k=%u m=%u: not decoded", k, m);
	} else if (lost > m) {
		assert_false(done);
	}
}

static void test_coded_form(void **state)
{
	uint8_t buf[64], p[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, sym[64], flags;
	uint64_t seq;
	uint32_t flow;
	uint16_t len;
	struct wire_coded wc = { .seq = 0x0102030405060708ull, .flow = 0xa0b0c0d0, .len = 10,
				  .flags = WIRE_F_TARGET };
	const uint8_t *pl;

	(void)state;
	assert_int_equal(FEC_HDR, WIRE_CODED_HDR);
	assert_int_equal(FEC_FLAGS_ALLOWED, WIRE_F_TARGET);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(fec_coded_form(buf, sizeof(buf), 0x0102030405060708ull, 0xa0b0c0d0,
					WIRE_F_TARGET, p, 10), 26);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[7], 8);
	assert_int_equal(buf[8], 0xa0);
	assert_int_equal(buf[12], 0);
	assert_int_equal(buf[13], 10);
	assert_int_equal(buf[14], WIRE_F_TARGET);
	assert_int_equal(buf[15], 0);
	assert_int_equal(fec_coded_form(buf, 25, 1, 1, 0, p, 10), 0);
	memset(buf + 26, 0, 8);
	/* the same bytes as lib/wire's coded form, both ways */
	assert_int_equal(wire_coded_encode(&wc, p, sym, 34), 34);
	assert_memory_equal(sym, buf, 34);
	assert_true(wire_coded_decode(buf, 34, &wc, &pl));
	assert_true(fec_parse_coded(buf, 34, &seq, &flow, &len, &flags));
	assert_int_equal(seq, 0x0102030405060708ull);
	assert_int_equal(flow, 0xa0b0c0d0);
	assert_int_equal(len, 10);
	assert_int_equal(flags, WIRE_F_TARGET);
	buf[30] = 1;	/* padding must be zero */
	assert_false(fec_parse_coded(buf, 34, &seq, &flow, &len, &flags));
	buf[30] = 0;
	buf[15] = 1;	/* reserved */
	assert_false(fec_parse_coded(buf, 34, &seq, &flow, &len, &flags));
	buf[15] = 0;
	buf[14] = 0x01;	/* unknown flag */
	assert_false(fec_parse_coded(buf, 34, &seq, &flow, &len, &flags));
	buf[14] = 0;
	buf[13] = 19;	/* longer than the symbol */
	assert_false(fec_parse_coded(buf, 34, &seq, &flow, &len, &flags));
	assert_false(fec_parse_coded(buf, 15, &seq, &flow, &len, &flags));
	assert_true(fec_code_valid(1, 1));
	assert_true(fec_code_valid(64, 64));
	assert_false(fec_code_valid(64, 65));
	assert_false(fec_code_valid(0, 4));
	assert_false(fec_code_valid(4, 0));
}

/* Every erasure pattern of every code with k, m <= 4: decoded iff <= m lost. */
static void test_exhaustive_small(void **state)
{
	static struct sym syms[FEC_N_MAX];
	struct fec_rx_config rc = { .max_blocks = 4, .slots = 256, .cache = 64 };
	unsigned k, m, patterns = 0;

	(void)state;
	for (k = 1; k <= 4; k++) {
		for (m = 1; m <= 4; m++) {
			uint32_t e;

			make_block(k, m, PMAX, 100, syms);
			for (e = 0; e < (1u << (k + m)); e++) {
				struct fec_rx rx;

				assert_int_equal(fec_rx_init(&rx, &rc), 0);
				run_pattern(&rx, syms, k, m, e);
				if ((unsigned)__builtin_popcount(e) > m && (e & ((1u << k) - 1)) &&
				    e != (1u << (k + m)) - 1) {
					fec_rx_expire(&rx, 1000 + 3000000);
					assert_int_equal(rx.st.abandoned + rx.st.unknown, 1);
				}
				fec_rx_free(&rx);
				patterns++;
			}
		}
	}
	assert_int_equal(patterns, 30 * 30);	/* sum over k of 2^k times sum over m of 2^m */
}

/* Every pattern of exactly m losses for k, m up to 8 with payloads of size 0. */
static void test_exhaustive_m_losses(void **state)
{
	static struct sym syms[FEC_N_MAX];
	struct fec_rx_config rc = { .max_blocks = 4, .slots = 256, .cache = 8 };
	struct fec_rx rx;
	unsigned k, m;

	(void)state;
	assert_int_equal(fec_rx_init(&rx, &rc), 0);
	for (k = 5; k <= M_LOSSES_K_MAX; k++) {
		for (m = 1; m <= 8; m += 3) {
			uint32_t e;

			make_block(k, m, k == 6 ? 0 : 40, 1000, syms);
			for (e = 0; e < (1u << (k + m)); e++) {
				if ((unsigned)__builtin_popcount(e) != m)
					continue;
				fec_rx_free(&rx);
				assert_int_equal(fec_rx_init(&rx, &rc), 0);
				run_pattern(&rx, syms, k, m, e);
			}
		}
	}
	fec_rx_free(&rx);
}

/* Large codes: random erasure patterns of up to m (and some beyond). */
static void test_random_large(void **state)
{
	static struct sym syms[FEC_N_MAX];
	static const unsigned codes[][2] = { { 20, 20 }, { 20, 10 }, { 10, 20 }, { 32, 32 },
					      { 64, 64 }, { 64, 1 }, { 1, 64 }, { 40, 7 } };
	struct fec_rx_config rc = { .max_blocks = 4, .slots = 512, .cache = 16 };
	unsigned c, t;

	(void)state;
	for (c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		unsigned k = codes[c][0], m = codes[c][1];

		make_block(k, m, 1400, 5000, syms);
		for (t = 0; t < RANDOM_TRIALS; t++) {
			struct fec_rx rx;
			__uint128_t e = 0;
			unsigned lose = (unsigned)(rnd() % (m + 2)), i = 0;

			while (i < lose) {
				unsigned x = (unsigned)(rnd() % (k + m));

				if (!((e >> x) & 1)) {
					e |= (__uint128_t)1 << x;
					i++;
				}
			}
			assert_int_equal(fec_rx_init(&rx, &rc), 0);
			run_pattern(&rx, syms, k, m, e);
			fec_rx_free(&rx);
		}
	}
}

/* A block closed by the wait with fewer symbols than k: k' data, m_for_k[k'] parity. */
static void test_close_by_wait(void **state)
{
	struct fec_tx tx;
	struct fec_tx_config cfg = { .k = 20, .m = 20, .depth = 1, .wait_us = WAIT };
	struct fec_rx rx;
	struct fec_rx_config rc = { 0 };
	struct fec_tx_out out;
	static struct sym syms[FEC_N_MAX];
	uint64_t now = 100;
	unsigned i, n = 0;
	uint8_t table[FEC_K_MAX + 1];

	(void)state;
	assert_int_equal(fec_tx_init(&tx, &cfg), 0);
	assert_int_equal(fec_rx_init(&rx, &rc), 0);
	fec_tx_data(&tx, now, 1, 1, 0, "a", 1, 1, &out);
	for (i = 0; i < 5; i++) {
		struct sym *s = &syms[n++];

		s->seq = 10 + i;
		s->flow = 3;
		s->len = (uint16_t)(100 * i + 1);
		memset(s->bytes, (int)i + 1, s->len);
		assert_int_equal(fec_tx_data(&tx, now + i, s->seq, s->flow, 0, s->bytes, s->len, 1, &out),
				 FEC_TX_CODED);
		s->block = out.block;
		s->index = out.index;
	}
	assert_int_equal(fec_tx_deadline(&tx), now + WAIT);
	assert_false(fec_tx_parity(&tx, now + WAIT - 1, 1, &out));
	while (fec_tx_parity(&tx, now + WAIT, 1, &out)) {
		struct sym *s = &syms[n++];

		s->parity = true;
		s->block = out.block;
		s->index = out.index;
		s->k = out.k;
		s->m = out.m;
		s->len = out.len;
		memcpy(s->bytes, out.payload, out.len);
		assert_int_equal(out.k, 5);
		assert_int_equal(out.m, 5);	/* ceil(20 * 5 / 20) */
		assert_int_equal(out.len, FEC_HDR + 401);
	}
	assert_int_equal(n, 10);
	assert_int_equal(tx.st.closed_wait, 1);
	/* lose all five data: the five parity recover them */
	for (i = 5; i < 10; i++) {
		assert_int_equal(feed(&rx, now, &syms[i]), FEC_RX_OK);
		if (i < 9)
			assert_int_equal(rx.nrec, 0);
	}
	check_recovered(&rx, syms, 0x1f);
	assert_int_equal(rx.st.recovered, 5);
	/* a table from a controller */
	for (i = 0; i <= FEC_K_MAX; i++)
		table[i] = 2;
	assert_true(fec_tx_set_code(&tx, 10, 3, table, now + WAIT));
	assert_int_equal(tx.m_for_k[10], 3);
	assert_int_equal(tx.m_for_k[1], 2);
	table[7] = 0;
	assert_false(fec_tx_set_code(&tx, 10, 3, table, now + WAIT));
	assert_false(fec_tx_set_code(&tx, 21, 3, NULL, now + WAIT));
	fec_tx_free(&tx);
	fec_rx_free(&rx);
}

/* depth 4 at a high rate: datagrams go to 4 blocks in turn, symbols to the
 * paths in turn, paced parity interleaves the blocks. */
static void test_interleave(void **state)
{
	struct fec_tx tx;
	struct fec_tx_config cfg = { .k = 4, .m = 2, .depth = 4, .wait_us = WAIT };
	struct fec_tx_out out;
	uint64_t now = 1;
	unsigned i, paths[3] = { 0 }, last_block = 0, parity = 0;
	uint32_t sym_block[256];
	uint8_t sym_path[256];
	unsigned nsym = 0, same = 0;
	uint8_t p[8] = { 0 };

	(void)state;
	assert_int_equal(fec_tx_init(&tx, &cfg), 0);
	assert_int_equal(fec_tx_data(&tx, now, 1, 1, 0, p, 8, 0x7, &out), FEC_TX_LONE);
	/* 1 µs apart: the rate fills 4 lanes */
	for (i = 0; i < 200; i++)
		fec_tx_data(&tx, ++now, 2 + i, 1, 0, p, 8, 0x7, &out), fec_tx_parity(&tx, now, 0x7, &out);
	assert_int_equal(tx.lanes_used, 4);
	/* from here on, look at the pattern */
	for (i = 0; i < 64; i++) {
		assert_int_equal(fec_tx_data(&tx, ++now, 1000 + i, 1, 0, p, 8, 0x7, &out), FEC_TX_CODED);
		paths[out.path]++;
		assert_int_not_equal(out.block, last_block);	/* a different block each time */
		last_block = out.block;
		sym_block[nsym] = out.block;
		sym_path[nsym++] = out.path;
		while (fec_tx_parity(&tx, now, 0x7, &out)) {
			paths[out.path]++;
			parity++;
			sym_block[nsym] = out.block;
			sym_path[nsym++] = out.path;
		}
	}
	/* m/k = 1/2 parity per datagram */
	assert_in_range(parity, 30, 34);
	/* on each path, consecutive symbols come from different blocks */
	for (i = 0; i < nsym; i++)
		for (unsigned j = i + 1; j < nsym; j++)
			if (sym_path[j] == sym_path[i]) {
				if (sym_block[j] == sym_block[i])
					same++;
				break;
			}
	fprintf(stderr, "interleave: %u of %u consecutive pairs on a path in one block\n", same,
		nsym);
	assert_true(same <= nsym / 10);	/* short blocks (k = 4) make some inevitable */
	/* striping: every path gets a third */
	for (i = 0; i < 3; i++)
		assert_in_range(paths[i], (64 + parity) / 3 - 1, (64 + parity) / 3 + 1);
	/* only path 2 live */
	fec_tx_data(&tx, ++now, 5000, 1, 0, p, 8, 0x4, &out);
	assert_int_equal(out.path, 2);
	/* a long pause: everything closes and goes out; the next lone datagram is copies */
	now += 10 * WAIT;
	while (fec_tx_parity(&tx, now, 0x7, &out))
		;
	assert_int_equal(fec_tx_deadline(&tx), UINT64_MAX);
	assert_int_equal(fec_tx_data(&tx, now, 6000, 1, 0, p, 8, 0x3, &out), FEC_TX_LONE);
	assert_int_equal(out.copies, 2);	/* m_for_k[1] + 1 = 2, two paths */
	assert_int_equal(fec_tx_data(&tx, now, 6001, 1, 0, p, 8, 0x3, &out), FEC_TX_CODED);
	/* too big */
	{
		static uint8_t big[FEC_SYMBOL_DEFAULT];

		assert_int_equal(fec_tx_data(&tx, now, 6002, 1, 0, big, sizeof(big), 0x7, &out),
				 FEC_TX_TOO_BIG);
		assert_int_equal(out.copies, 3);
	}
	assert_int_equal(tx.st.too_big, 1);
	fec_tx_free(&tx);
}

/* Paced parity of full blocks: over time m/k per datagram (less at most
 * what the credit banks and a block still queued), never more; a block's
 * parity all out by its wait.  Table: k, m. */
static void test_parity_pace(void **state)
{
	static const struct {
		unsigned k, m;
	} cases[] = { { 4, 4 }, { 20, 20 }, { 10, 3 } };
	unsigned c;
	uint8_t p[8] = { 0 };

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fec_tx tx;
		struct fec_tx_config cfg = { .k = cases[c].k, .m = cases[c].m, .depth = 1,
					     .wait_us = WAIT };
		struct fec_tx_out out;
		uint64_t now = 1;
		unsigned i, parity = 0, n = 40 * cases[c].k;

		assert_int_equal(fec_tx_init(&tx, &cfg), 0);
		fec_tx_data(&tx, now, 1, 1, 0, p, 8, 0x7, &out);	/* lone */
		for (i = 0; i < n; i++) {
			assert_int_equal(fec_tx_data(&tx, ++now, 2 + i, 1, 0, p, 8, 0x7, &out),
					 FEC_TX_CODED);
			while (fec_tx_parity(&tx, now, 0x7, &out))
				parity++;
		}
		/* the pace: m/k per datagram, less at most the credit's cap and a block */
		assert_true(parity * cases[c].k + (3 + 2 * cases[c].m) * cases[c].k >=
			    n * cases[c].m);
		assert_true(parity * cases[c].k <= n * cases[c].m);
		/* a block's parity is out by its wait */
		now += WAIT;
		while (fec_tx_parity(&tx, now, 0x7, &out))
			parity++;
		assert_int_equal(fec_tx_deadline(&tx), UINT64_MAX);
		assert_int_equal(parity, tx.st.blocks * cases[c].m);
		fec_tx_free(&tx);
	}
}

/* Duplicates, late, stale, inconsistent symbols, eviction, expiry, pool. */
static void test_receiver_anomalies(void **state)
{
	static struct sym a[FEC_N_MAX], b[FEC_N_MAX];
	struct fec_rx_config rc = { .max_blocks = 4, .slots = FEC_N_MAX, .cache = 4, .hold_us = 1000 };
	struct fec_rx rx;
	struct sym s;
	unsigned i;

	(void)state;
	make_block(4, 2, 100, 10, a);
	assert_int_equal(fec_rx_init(&rx, &rc), 0);
	assert_int_equal(feed(&rx, 1, &a[0]), FEC_RX_OK);
	assert_int_equal(feed(&rx, 1, &a[0]), FEC_RX_DUP);
	assert_int_equal(feed(&rx, 1, &a[4]), FEC_RX_OK);
	assert_int_equal(feed(&rx, 1, &a[4]), FEC_RX_DUP);
	/* a parity that disagrees about k, m or the size */
	s = a[5];
	s.k = 3;
	s.index = 4;
	assert_int_equal(feed(&rx, 1, &s), FEC_RX_BAD);
	s = a[5];
	s.len--;
	assert_int_equal(feed(&rx, 1, &s), FEC_RX_BAD);
	s = a[5];
	s.index = 9;
	assert_int_equal(feed(&rx, 1, &s), FEC_RX_BAD);
	/* a data index beyond k */
	s = a[1];
	s.index = 5;
	assert_int_equal(feed(&rx, 1, &s), FEC_RX_BAD);
	/* data longer than the block's symbol size */
	s = a[1];
	s.len = a[4].len;
	assert_int_equal(feed(&rx, 1, &s), FEC_RX_BAD);
	assert_int_equal(feed(&rx, 1, &a[5]), FEC_RX_OK);
	assert_false(fec_rx_late(&rx, a[0].block));	/* open */
	assert_int_equal(feed(&rx, 1, &a[2]), FEC_RX_OK);	/* 4 of 6: decode */
	check_recovered(&rx, a, 0x2 | 0x8);
	assert_true(fec_rx_late(&rx, a[0].block));	/* decoded */
	assert_false(fec_rx_late(&rx, a[0].block + 1));	/* not seen yet */
	assert_false(fec_rx_late(&rx, 0));
	assert_int_equal(feed(&rx, 1, &a[1]), FEC_RX_LATE);
	assert_int_equal(feed(&rx, 1, &a[3]), FEC_RX_LATE);
	assert_int_equal(rx.st.dup, 2);
	assert_int_equal(rx.st.bad, 5);
	assert_int_equal(rx.st.late, 2);
	assert_int_equal(rx.st.decoded, 1);
	/* the same loss pattern again hits the cache */
	for (i = 0; i < 6; i++)
		a[i].block += 1;
	feed(&rx, 2, &a[0]);
	feed(&rx, 2, &a[4]);
	feed(&rx, 2, &a[5]);
	feed(&rx, 2, &a[2]);
	check_recovered(&rx, a, 0xa);
	assert_int_equal(rx.st.cache_hit, 1);
	assert_int_equal(rx.st.cache_miss, 1);
	/* a block with every data symbol and the parity afterwards: complete */
	for (i = 0; i < 6; i++)
		a[i].block += 1;
	for (i = 0; i < 4; i++)
		assert_int_equal(feed(&rx, 3, &a[i]), FEC_RX_OK);
	assert_int_equal(rx.st.complete, 0);	/* k not known yet */
	assert_int_equal(feed(&rx, 3, &a[5]), FEC_RX_OK);
	assert_int_equal(rx.st.complete, 1);
	assert_int_equal(feed(&rx, 3, &a[4]), FEC_RX_LATE);
	/* stale: far below the highest block */
	s = a[0];
	s.block += 100;
	assert_int_equal(feed(&rx, 3, &s), FEC_RX_OK);
	s.block -= 50;
	assert_false(fec_rx_late(&rx, s.block));	/* stale, not late */
	assert_int_equal(feed(&rx, 3, &s), FEC_RX_STALE);
	assert_int_equal(rx.st.stale, 1);
	/* eviction: a newer block in the same place (4 places) */
	s = a[5];
	s.block = a[0].block + 104;	/* open, k known, 3 data missing after this */
	assert_int_equal(feed(&rx, 3, &s), FEC_RX_OK);
	s = a[0];
	s.block += 104 + 4;
	assert_int_equal(feed(&rx, 4, &s), FEC_RX_OK);
	assert_int_equal(rx.st.evicted, 2);	/* +104 (open, no parity) by +107, +107 by +111 */
	assert_int_equal(rx.st.unknown, 1);
	assert_int_equal(rx.st.abandoned, 1);
	assert_int_equal(rx.st.lost, 4);
	/* the evicted block's symbols are stale now */
	s.block -= 4;
	assert_int_equal(feed(&rx, 4, &s), FEC_RX_STALE);
	/* expiry; a clock read before the block's first symbol does not expire it */
	fec_rx_expire(&rx, 2);
	assert_int_equal(rx.st.expired, 0);
	fec_rx_expire(&rx, 4 + 999);
	assert_int_equal(rx.st.expired, 0);
	fec_rx_expire(&rx, 4 + 1000);
	assert_int_equal(rx.st.expired, 1);	/* +111 */
	assert_int_equal(rx.st.unknown, 2);
	assert_int_equal(rx.nfree, FEC_N_MAX);
	/* a receiver started again at a floor: blocks up to it are late, far
	 * below it stale */
	fec_rx_free(&rx);
	rc.floor = 1000;
	assert_int_equal(fec_rx_init(&rx, &rc), 0);
	assert_true(fec_rx_late(&rx, 1000));
	assert_true(fec_rx_late(&rx, 1000 - 3));
	assert_false(fec_rx_late(&rx, 1000 - 4));
	assert_false(fec_rx_late(&rx, 1001));
	s = a[4];
	s.block = 998;
	assert_int_equal(feed(&rx, 1, &s), FEC_RX_LATE);
	s.block = 990;
	assert_int_equal(feed(&rx, 1, &s), FEC_RX_STALE);
	rc.floor = 0;
	/* the pool: 128 slots, blocks of 64 data symbols without parity */
	fec_rx_free(&rx);
	rc.max_blocks = 8;
	assert_int_equal(fec_rx_init(&rx, &rc), 0);
	make_block(64, 1, 10, 1, b);
	for (i = 0; i < 3 * 64; i++) {
		s = b[i % 64];
		s.block = 1 + i / 64;
		assert_int_equal(feed(&rx, 5, &s), FEC_RX_OK);
	}
	assert_int_equal(rx.st.pool_full, 1);
	assert_int_equal(rx.st.unknown, 1);
	/* out-of-range inputs */
	assert_int_equal(fec_rx_data(&rx, 5, 1, 64, 1, 1, 0, "", 0), FEC_RX_BAD);
	assert_int_equal(fec_rx_data(&rx, 5, 0, 1, 1, 1, 0, "", 0), FEC_RX_BAD);
	assert_int_equal(fec_rx_parity(&rx, 5, 9, 3, 3, 0, b[0].bytes, 20), FEC_RX_BAD);
	assert_int_equal(fec_rx_parity(&rx, 5, 9, 3, 100, 100, b[0].bytes, 20), FEC_RX_BAD);
	assert_int_equal(fec_rx_parity(&rx, 5, 9, 3, 3, 1, b[0].bytes, 10), FEC_RX_BAD);
	assert_int_equal(fec_rx_parity(&rx, 5, 9, 3, 3, 1, b[0].bytes, 2000), FEC_RX_TOO_BIG);
	assert_int_equal(fec_rx_data(&rx, 5, 9, 1, 1, 1, 0, b[0].bytes, FEC_SYMBOL_DEFAULT - FEC_HDR + 1), FEC_RX_TOO_BIG);
	fec_rx_free(&rx);
}

/* A stream through sender and receiver with random iid loss over 3 paths,
 * several blocks open: every data symbol arrives or is recovered unless its
 * block lost more than m; the counters add up. */
static void test_stream(void **state)
{
	struct fec_tx tx;
	struct fec_tx_config cfg = { .k = 10, .m = 5, .depth = 4, .wait_us = WAIT };
	struct fec_rx rx;
	struct fec_rx_config rc = { 0 };
	struct fec_tx_out out;
	static uint8_t seen[STREAM_N + 1];
	static uint8_t p[1200];
	uint64_t now = 0, delivered = 0, coded = 0, nlate = 0;
	unsigned i;

	(void)state;
	assert_int_equal(fec_tx_init(&tx, &cfg), 0);
	assert_int_equal(fec_rx_init(&rx, &rc), 0);
	for (i = 1; i <= STREAM_N; i++) {
		size_t len = rnd() % sizeof(p);
		enum fec_tx_verdict v;

		now += 20;
		memset(p, (int)(i & 0xff), len);
		v = fec_tx_data(&tx, now, i, 1 + i % 3, 0, p, len, 0x7, &out);
		if (v != FEC_TX_CODED) {
			seen[i] = 1;	/* copies: assume one got through */
			delivered++;
		} else {
			coded++;
			if (rnd() % 100 >= 10) {
				seen[i] = 1;
				delivered++;
				fec_rx_data(&rx, now, out.block, out.index, i, 1 + i % 3, 0, p, len);
			}
		}
		while (fec_tx_parity(&tx, now, 0x7, &out)) {
			const struct fec_recovered *r;
			unsigned n, j;

			bool late = fec_rx_late(&rx, out.block);

			if (rnd() % 100 < 10)
				continue;
			check_late(late, fec_rx_parity(&rx, now, out.block, out.index, out.k, out.m,
						       out.payload, out.len));
			nlate += late;
			n = fec_rx_recovered(&rx, &r);
			for (j = 0; j < n; j++) {
				assert_true(r[j].seq >= 1 && r[j].seq <= STREAM_N);
				assert_false(seen[r[j].seq]);
				assert_int_equal(r[j].flow, 1 + r[j].seq % 3);
				if (r[j].len)
					assert_int_equal(r[j].payload[0], r[j].seq & 0xff);
				seen[r[j].seq] = 1;
				delivered++;
			}
		}
	}
	assert_true(nlate > 0);	/* parity after its block was whole or decoded */
	now += 100 * WAIT;
	while (fec_tx_parity(&tx, now, 0x7, &out))
		fec_rx_parity(&rx, now, out.block, out.index, out.k, out.m, out.payload, out.len);
	fec_rx_expire(&rx, now + 10000000);
	/* P(block of 15 loses > 5 at 10%) ~ 2.2e-3: residual well under 1% */
	assert_true(delivered >= STREAM_N - STREAM_N / 100);
	assert_int_equal(rx.st.recovered + rx.st.data, coded - rx.st.lost);
	assert_int_equal(rx.st.decoded + rx.st.complete + rx.st.abandoned + rx.st.unknown,
			 tx.st.blocks);
	fprintf(stderr, "stream: coded %llu, recovered %llu, lost %llu, blocks %llu, cache %llu/%llu\n",
		(unsigned long long)coded, (unsigned long long)rx.st.recovered,
		(unsigned long long)rx.st.lost, (unsigned long long)tx.st.blocks,
		(unsigned long long)rx.st.cache_hit, (unsigned long long)rx.st.cache_miss);
	fec_tx_free(&tx);
	fec_rx_free(&rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coded_form),
		cmocka_unit_test(test_exhaustive_small),
		cmocka_unit_test(test_exhaustive_m_losses),
		cmocka_unit_test(test_random_large),
		cmocka_unit_test(test_close_by_wait),
		cmocka_unit_test(test_interleave),
		cmocka_unit_test(test_parity_pace),
		cmocka_unit_test(test_receiver_anomalies),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
