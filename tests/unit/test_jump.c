/* test_jump.c - the window jump bound: a far jump needs a confirmation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jump.h"
#include "window.h"

static struct window w;

static int setup(void **st)
{
	(void)st;
	return window_init(&w, 8192);
}

static int teardown(void **st)
{
	(void)st;
	window_free(&w);
	return 0;
}

/* The receiver's use: check, jump bound, commit; true when accepted. */
static bool rx(struct jump_guard *g, uint64_t seq, double now)
{
	if (window_check(&w, seq) != WINDOW_NEW)
		return false;
	if (jump_is(&w, seq) && !jump_confirm(g, &w, seq, now))
		return false;
	window_commit(&w, seq);
	return true;
}

static void test_empty_window_never_jumps(void **st)
{
	(void)st;
	window_reset(&w);
	assert_false(jump_is(&w, UINT64_MAX));
	window_commit(&w, 1000);
	assert_false(jump_is(&w, 1000 + JUMP_MAX));
	assert_true(jump_is(&w, 1000 + JUMP_MAX + 1));
	assert_true(jump_is(&w, UINT64_MAX));
	assert_false(jump_is(&w, 999));
	assert_false(jump_is(&w, 1));
}

/* issue 16 item 2: one datagram with seq 2^64-1 must not stop the traffic */
static void test_single_max_seq_is_dropped(void **st)
{
	struct jump_guard g;
	uint64_t s;

	(void)st;
	window_reset(&w);
	jump_reset(&g);
	for (s = 1; s <= 100; s++)
		assert_true(rx(&g, s, 0.001 * (double)s));
	assert_false(rx(&g, UINT64_MAX, 0.2));
	for (s = 101; s <= 20000; s++)
		assert_true(rx(&g, s, 0.2 + 1e-5 * (double)s));
	assert_true(w.top == 20000);
	/* and after it expired, still nothing moves the window alone */
	assert_false(rx(&g, UINT64_MAX - 5, 5.0));
	assert_true(rx(&g, 20001, 5.0));
}

static void test_real_jump_costs_one(void **st)
{
	struct jump_guard g;
	uint64_t s, far = 50 + 200000;

	(void)st;
	window_reset(&w);
	jump_reset(&g);
	for (s = 1; s <= 50; s++)
		assert_true(rx(&g, s, 0));
	/* every path was down: 200,000 datagrams lost; the first after is held */
	assert_false(rx(&g, far, 1.0));
	/* its copies from the other paths do not confirm it */
	assert_false(rx(&g, far, 1.0001));
	assert_true(rx(&g, far + 1, 1.001));
	assert_true(w.top == far + 1);
	for (s = far + 2; s < far + 100; s++)
		assert_true(rx(&g, s, 1.01));
}

static void test_confirmation_rules(void **st)
{
	struct jump_guard g;

	(void)st;
	window_reset(&w);
	jump_reset(&g);
	window_commit(&w, 10);
	/* too late */
	assert_false(rx(&g, 1000000, 1.0));
	assert_false(rx(&g, 1000001, 2.01));
	/* that one is now pending: a confirmation within the time works */
	assert_true(rx(&g, 1000002, 2.5));
	/* below the pending one, or a window or more above it: no */
	window_reset(&w);
	jump_reset(&g);
	window_commit(&w, 10);
	assert_false(rx(&g, 2000000, 0));
	assert_false(rx(&g, 1999999, 0.1));		/* becomes pending */
	assert_false(rx(&g, 1999999 + 8192, 0.2));	/* too far above it */
	assert_true(rx(&g, 1999999 + 8192 + 8191, 0.3));
	/* a clock that went backwards confirms nothing */
	window_reset(&w);
	jump_reset(&g);
	window_commit(&w, 10);
	assert_false(rx(&g, 3000000, 5.0));
	assert_false(rx(&g, 3000001, 4.0));
}

static void test_wrap_safe(void **st)
{
	struct jump_guard g;

	(void)st;
	window_reset(&w);
	jump_reset(&g);
	window_commit(&w, UINT64_MAX - 10);
	assert_false(jump_is(&w, UINT64_MAX));
	assert_true(rx(&g, UINT64_MAX, 0));
	window_reset(&w);
	window_commit(&w, 5);
	assert_false(rx(&g, UINT64_MAX - 1, 0));
	assert_true(rx(&g, UINT64_MAX, 0.5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_window_never_jumps),
		cmocka_unit_test(test_single_max_seq_is_dropped),
		cmocka_unit_test(test_real_jump_costs_one),
		cmocka_unit_test(test_confirmation_rules),
		cmocka_unit_test(test_wrap_safe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
