/* test_dlvq.c - mpclient's paced delivery queue (tunnel/dlvq.c) against a model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "dlvq.h"

#define CAP (2 * (65536 + 16) + 1000)

static uint64_t rng = 0x0123456789abcdefull;

static uint32_t next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* The content of record number k: a pattern from k, so order and bytes are checked. */
static void fill(uint8_t *p, size_t len, uint32_t k)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(k * 131 + i);
}

static void test_fifo_random(void **state)
{
	static uint8_t buf[70000], want[70000];
	struct dlvq q;
	size_t lens[4096];
	uint32_t pushed = 0, popped = 0, refused = 0;
	unsigned round;

	(void)state;
	assert_int_equal(dlvq_init(&q, CAP), 0);
	for (round = 0; round < 200000; round++) {
		if (next32() % 100 < 55) {
			/* mostly small, sometimes large: wraps at every offset */
			size_t len = next32() % 10 ? next32() % 1500 : next32() % 65536;

			fill(buf, len, pushed);
			if (pushed - popped < 4096 && dlvq_push(&q, pushed * 7 + 1, buf, len)) {
				lens[pushed % 4096] = len;
				pushed++;
			} else {
				refused++;
			}
		} else {
			uint32_t flow;
			const uint8_t *p;
			size_t len;

			if (popped == pushed) {
				assert_false(dlvq_front(&q, &flow, &p, &len));
				continue;
			}
			assert_true(dlvq_front(&q, &flow, &p, &len));
			assert_int_equal(flow, popped * 7 + 1);
			assert_int_equal(len, lens[popped % 4096]);
			fill(want, len, popped);
			assert_memory_equal(p, want, len);
			dlvq_pop(&q);
			popped++;
		}
		assert_int_equal(q.count, pushed - popped);
		assert_true(q.used <= q.cap);
	}
	print_message("pushed %u, refused %u\n", pushed, refused);
	assert_true(refused > 0);	/* it filled up sometimes: the bound was exercised */
	dlvq_free(&q);
}

static void test_bounds(void **state)
{
	static uint8_t big[65536];
	struct dlvq q;
	unsigned n = 0;

	(void)state;
	assert_int_equal(dlvq_init(&q, 1000), -EINVAL);
	assert_int_equal(dlvq_init(&q, CAP), 0);
	/* two of the largest always fit */
	assert_true(dlvq_push(&q, 1, big, sizeof(big)));
	assert_true(dlvq_push(&q, 2, big, sizeof(big)));
	while (dlvq_push(&q, 3, big, 100))
		n++;
	assert_true(n < 100);
	assert_false(dlvq_push(&q, 4, big, 0) && dlvq_push(&q, 4, big, 64));
	dlvq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_random),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
