/* test_keylimit.c - answers per key: at most N a second in all, one per key per interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "keylimit.h"

static void test_one_per_key_per_second(void **st)
{
	static struct keylimit l;
	unsigned i, allowed = 0, per_key = 0;
	bool pk;

	(void)st;
	keylimit_init(&l, 1000, 1000, 1.0);
	/* one session replayed 1000 times a second for 5 s: 5 answers */
	for (i = 0; i < 5000; i++) {
		allowed += keylimit_allow(&l, 0x1234567890abcdefull, 0.001 * i, &pk);
		per_key += pk;
	}
	assert_int_equal(allowed, 5);
	assert_int_equal(per_key, 4995);
}

static void test_rate_in_all(void **st)
{
	static struct keylimit l;
	unsigned i, allowed = 0;

	(void)st;
	keylimit_init(&l, 1000, 1000, 1.0);
	/* 100,000 different keys in 2 s: burst 1000 + 1000/s */
	for (i = 0; i < 100000; i++)
		allowed += keylimit_allow(&l, 0x1000000ull + i, 2.0 * i / 100000, NULL);
	assert_true(allowed >= 2900 && allowed <= 3001);
}

static void test_many_keys_each_answered(void **st)
{
	static struct keylimit l;
	unsigned i, allowed = 0;

	(void)st;
	keylimit_init(&l, 1000, 1000, 1.0);
	/* 64 sessions asking at once (an mpserver restart): each is answered once,
	 * whatever slots they share, and not again within the second */
	for (i = 0; i < 64; i++)
		allowed += keylimit_allow(&l, 0xabc000ull + i * 7919, 0.0, NULL);
	assert_int_equal(allowed, 64);
	for (i = 0; i < 64; i++)
		allowed += keylimit_allow(&l, 0xabc000ull + i * 7919, 0.5, NULL);
	/* two keys sharing a slot take it over from each other, so each pair can
	 * be answered again (about 2 pairs expected among 64 keys in 1024 slots) */
	assert_true(allowed <= 64 + 24);
	for (i = 0; i < 64; i++)
		allowed += keylimit_allow(&l, 0xabc000ull + i * 7919, 1.5, NULL);
	assert_true(allowed >= 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_per_key_per_second),
		cmocka_unit_test(test_rate_in_all),
		cmocka_unit_test(test_many_keys_each_answered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
