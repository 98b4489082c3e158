/* test_hashtab.c - the hash index and LRU order of lib/ against naive models
 * (seeded random operations), and their edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "hashtab.h"
#include "lru.h"

#define N 512

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* values present under hash h, as a bitmap over 0..N-1 */
static unsigned count_under(const struct hashtab *t, uint64_t h, uint32_t val)
{
	struct hashtab_iter it;
	unsigned n = 0;
	uint32_t v;

	for (v = hashtab_first(t, h, &it); v != HASHTAB_NONE; v = hashtab_next(t, &it))
		if (v == val)
			n++;
	return n;
}

static void test_hashtab_model(void **state)
{
	static uint64_t hash_of[N];
	static bool present[N];
	struct hashtab t;
	unsigned i, round, n = 0;

	(void)state;
	assert_int_equal(hashtab_init(&t, N), 0);
	/* few distinct hashes: long runs, collisions, wrap-around at the end */
	for (i = 0; i < N; i++)
		hash_of[i] = (rng() % 37) * 0x100000001ull + (i % 3 == 0 ? t.mask : 0);
	for (round = 0; round < 200000; round++) {
		uint32_t v = (uint32_t)(rng() % N);

		if (!present[v]) {
			assert_true(hashtab_insert(&t, hash_of[v], v));
			present[v] = true;
			n++;
		} else if (rng() % 2) {
			assert_true(hashtab_remove(&t, hash_of[v], v));
			assert_false(hashtab_remove(&t, hash_of[v], v));
			present[v] = false;
			n--;
		}
		assert_int_equal(t.count, n);
		if (round % 64 == 0) {
			for (i = 0; i < N; i++)
				if (count_under(&t, hash_of[i], i) != (present[i] ? 1u : 0u))
					fail_msg("round %u: value %u found %u times, present %d", round,
						 i, count_under(&t, hash_of[i], i), present[i]);
		}
	}
	/* full: one more is refused */
	for (i = 0; i < N; i++)
		if (!present[i])
			assert_true(hashtab_insert(&t, hash_of[i], i));
	assert_false(hashtab_insert(&t, 1, 0));
	assert_false(hashtab_insert(&t, 1, HASHTAB_NONE));
	hashtab_free(&t);
}

static void test_hashtab_edges(void **state)
{
	struct hashtab t;
	struct hashtab_iter it;

	(void)state;
	assert_int_equal(hashtab_init(&t, 0), -EINVAL);
	assert_int_equal(hashtab_init(&t, 1), 0);
	assert_int_equal(hashtab_first(&t, 5, &it), HASHTAB_NONE);
	assert_true(hashtab_insert(&t, 5, 7));
	assert_false(hashtab_insert(&t, 6, 8));
	assert_int_equal(hashtab_first(&t, 5, &it), 7);
	assert_int_equal(hashtab_next(&t, &it), HASHTAB_NONE);
	assert_int_equal(hashtab_first(&t, 6, &it), HASHTAB_NONE);
	hashtab_clear(&t);
	assert_int_equal(t.count, 0);
	assert_int_equal(hashtab_first(&t, 5, &it), HASHTAB_NONE);
	hashtab_free(&t);
	assert_int_equal(hashtab_first(&t, 5, &it), HASHTAB_NONE);
}

static void test_hash_keyed(void **state)
{
	struct hash_key a, b;
	struct addr x, y;
	const char *err = NULL;

	(void)state;
	hash_key_random(&a);
	hash_key_random(&b);
	assert_memory_not_equal(a.k, b.k, HASH_KEY_LEN);
	/* same key, same input: same hash; another key: another hash */
	assert_true(hash_u64(&a, 42) == hash_u64(&a, 42));
	assert_true(hash_u64(&a, 42) != hash_u64(&b, 42));
	assert_true(hash_u64(&a, 42) != hash_u64(&a, 43));
	assert_int_equal(addr_resolve("127.0.0.1", 4000, false, &x, &err), 0);
	assert_int_equal(addr_resolve("127.0.0.1", 4001, false, &y, &err), 0);
	assert_true(hash_addr(&a, &x, 0) == hash_addr(&a, &x, 0));
	assert_true(hash_addr(&a, &x, 0) != hash_addr(&a, &y, 0));
	assert_true(hash_addr(&a, &x, 0) != hash_addr(&a, &x, 1));
	assert_true(hash_addr(&a, &x, 0) != hash_addr(&b, &x, 0));
}

static void test_lru_model(void **state)
{
	uint32_t order[64];
	unsigned n = 0, round, i;
	struct lru l;

	(void)state;
	assert_int_equal(lru_init(&l, 64), 0);
	assert_int_equal(lru_oldest(&l), LRU_NONE);
	for (round = 0; round < 100000; round++) {
		uint32_t v = (uint32_t)(rng() % 64);
		unsigned pos;
		uint32_t cur;

		for (pos = 0; pos < n && order[pos] != v; pos++)
			;
		assert_int_equal(lru_contains(&l, v), pos < n);
		if (pos == n) {
			lru_push(&l, v);
			order[n++] = v;
		} else {
			memmove(order + pos, order + pos + 1, (n - pos - 1) * sizeof(order[0]));
			if (rng() % 2) {
				lru_touch(&l, v);
				order[n - 1] = v;
			} else {
				lru_remove(&l, v);
				n--;
			}
		}
		assert_int_equal(l.count, n);
		for (i = 0, cur = lru_oldest(&l); i < n; i++, cur = lru_newer(&l, cur))
			assert_int_equal(cur, order[i]);
		assert_int_equal(cur, LRU_NONE);
	}
	lru_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashtab_model),
		cmocka_unit_test(test_hashtab_edges),
		cmocka_unit_test(test_hash_keyed),
		cmocka_unit_test(test_lru_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
