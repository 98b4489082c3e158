/* test_window.c - table-driven edge cases of the replay window, and a
 * randomized comparison against a naive reference model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "window.h"

#define W 128u

struct step {
	uint64_t seq;
	enum window_verdict want;
};

static void run_steps(uint32_t size, const struct step *steps, size_t n)
{
	struct window w;
	size_t i;

	assert_int_equal(window_init(&w, size), 0);
	for (i = 0; i < n; i++) {
		enum window_verdict got = window_update(&w, steps[i].seq);

		if (got != steps[i].want)
			fail_msg("step %zu: seq %llu: got %s, want %s", i,
				 (unsigned long long)steps[i].seq, window_verdict_name(got),
				 window_verdict_name(steps[i].want));
	}
	window_free(&w);
}

#define RUN(size, ...)                                                      \
	do {                                                                \
		static const struct step s_[] = { __VA_ARGS__ };            \
		run_steps(size, s_, sizeof(s_) / sizeof(s_[0]));            \
	} while (0)

static void test_zero_rejected(void **st)
{
	(void)st;
	RUN(W, { 0, WINDOW_OLD }, { 1, WINDOW_NEW }, { 0, WINDOW_OLD });
}

static void test_first_and_duplicate(void **st)
{
	(void)st;
	RUN(W, { 1, WINDOW_NEW }, { 1, WINDOW_DUP }, { 2, WINDOW_NEW }, { 2, WINDOW_DUP },
	    { 1, WINDOW_DUP });
}

static void test_first_number_large(void **st)
{
	(void)st;
	/* a restarted peer's first datagram may carry any number */
	RUN(W, { 1000000, WINDOW_NEW }, { 999999, WINDOW_NEW }, { 1000000 - W + 1, WINDOW_NEW },
	    { 1000000 - W, WINDOW_OLD }, { 999999, WINDOW_DUP });
}

static void test_edges(void **st)
{
	(void)st;
	/* top = W + 10: W-1 below is inside, W below is outside */
	RUN(W, { W + 10, WINDOW_NEW },
	    { W + 10 - (W - 1), WINDOW_NEW },	/* top - (W-1): oldest inside */
	    { W + 10 - W, WINDOW_OLD },		/* top - W: just outside */
	    { W + 10 - (W + 1), WINDOW_OLD },	/* top - (W+1) */
	    { W + 10 - (W - 1), WINDOW_DUP });
}

static void test_out_of_order(void **st)
{
	(void)st;
	RUN(W, { 5, WINDOW_NEW }, { 3, WINDOW_NEW }, { 4, WINDOW_NEW }, { 1, WINDOW_NEW },
	    { 2, WINDOW_NEW }, { 3, WINDOW_DUP }, { 6, WINDOW_NEW }, { 5, WINDOW_DUP });
}

static void test_jump_exactly_window(void **st)
{
	(void)st;
	RUN(W, { 10, WINDOW_NEW }, { 10 + W, WINDOW_NEW }, { 10, WINDOW_OLD },
	    { 11, WINDOW_NEW }, { 11, WINDOW_DUP }, { 10 + W - 1, WINDOW_NEW });
}

static void test_large_jump_clears(void **st)
{
	(void)st;
	/* stale bits of a far earlier lap must not read as duplicates */
	RUN(W, { 1, WINDOW_NEW }, { 2, WINDOW_NEW }, { 3, WINDOW_NEW },
	    { 1 + 10 * (W + 64), WINDOW_NEW }, { 2 + 10 * (W + 64), WINDOW_NEW },
	    { 3 + 10 * (W + 64), WINDOW_NEW }, { 2 + 10 * (W + 64), WINDOW_DUP },
	    { UINT64_MAX - 1, WINDOW_NEW }, { UINT64_MAX, WINDOW_NEW },
	    { UINT64_MAX, WINDOW_DUP }, { UINT64_MAX - W, WINDOW_OLD });
}

static void test_ring_wrap(void **st)
{
	struct window w;
	uint64_t s;

	(void)st;
	/* walk several times around the ring, one number at a time */
	assert_int_equal(window_init(&w, W), 0);
	for (s = 1; s < 20 * (W + 64); s++) {
		assert_int_equal(window_update(&w, s), WINDOW_NEW);
		assert_int_equal(window_check(&w, s), WINDOW_DUP);
		if (s > W)
			assert_int_equal(window_check(&w, s - W), WINDOW_OLD);
		if (s >= W)
			assert_int_equal(window_check(&w, s - W + 1), WINDOW_DUP);
		assert_int_equal(window_check(&w, s + 1), WINDOW_NEW);
	}
	window_free(&w);
}

static void test_check_is_read_only(void **st)
{
	struct window w;

	(void)st;
	assert_int_equal(window_init(&w, W), 0);
	assert_int_equal(window_check(&w, 7), WINDOW_NEW);
	assert_int_equal(window_check(&w, 7), WINDOW_NEW);
	window_commit(&w, 7);
	assert_int_equal(window_check(&w, 7), WINDOW_DUP);
	window_reset(&w);
	assert_int_equal(window_check(&w, 7), WINDOW_NEW);
	window_free(&w);
}

static void test_floor(void **st)
{
	struct window w;

	(void)st;
	assert_int_equal(window_init(&w, W), 0);
	window_set_floor(&w, 1000);
	assert_int_equal(window_check(&w, 1000), WINDOW_DUP);
	assert_int_equal(window_check(&w, 999), WINDOW_DUP);
	assert_int_equal(window_check(&w, 1000 - W + 1), WINDOW_DUP);
	assert_int_equal(window_check(&w, 1000 - W), WINDOW_OLD);
	/* above the floor: normal, out of order included */
	assert_int_equal(window_update(&w, 1003), WINDOW_NEW);
	assert_int_equal(window_update(&w, 1001), WINDOW_NEW);
	assert_int_equal(window_update(&w, 1002), WINDOW_NEW);
	assert_int_equal(window_update(&w, 1002), WINDOW_DUP);
	assert_int_equal(window_update(&w, 1003 + W + 5), WINDOW_NEW);
	assert_int_equal(window_check(&w, 1003 + W + 1), WINDOW_NEW);
	window_free(&w);
}

static void test_bad_sizes(void **st)
{
	struct window w;

	(void)st;
	assert_int_equal(window_init(&w, 0), -22);
	assert_int_equal(window_init(&w, 63), -22);
	assert_int_equal(window_init(&w, 100), -22);
	assert_int_equal(window_init(&w, WINDOW_MAX + 64), -22);
	assert_int_equal(window_init(&w, 64), 0);
	window_free(&w);
}

/* naive model: remember every accepted number */
static void test_against_model(void **st)
{
	enum { N = 20000 };
	static uint64_t seen[N];
	size_t nseen = 0;
	uint64_t top = 0, base = 1000;
	struct window w;
	unsigned i;

	(void)st;
	srand(12345);
	assert_int_equal(window_init(&w, W), 0);
	for (i = 0; i < N; i++) {
		uint64_t seq = base + (uint64_t)(rand() % (3 * W));
		enum window_verdict want, got;
		size_t k;
		int dup = 0;

		if (rand() % 50 == 0)
			base += W / 2;	/* drift forward */
		for (k = 0; k < nseen; k++)
			if (seen[k] == seq)
				dup = 1;
		if (top && seq <= top && top - seq >= W)
			want = WINDOW_OLD;
		else if (dup)
			want = WINDOW_DUP;
		else
			want = WINDOW_NEW;
		got = window_update(&w, seq);
		if (got != want)
			fail_msg("op %u seq %llu top %llu: got %s want %s", i,
				 (unsigned long long)seq, (unsigned long long)top,
				 window_verdict_name(got), window_verdict_name(want));
		if (want == WINDOW_NEW) {
			seen[nseen++] = seq;
			if (seq > top)
				top = seq;
		}
	}
	window_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_rejected),
		cmocka_unit_test(test_first_and_duplicate),
		cmocka_unit_test(test_first_number_large),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_jump_exactly_window),
		cmocka_unit_test(test_large_jump_clears),
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_check_is_read_only),
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
