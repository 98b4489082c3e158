/* test_keyset.c - pre-shared keys by key id (lib/keyset.c) against a model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

#define N 300

static struct seal_psk pool[N];

static int setup(void **state)
{
	unsigned i, j;

	(void)state;
	if (seal_init() < 0)
		return -1;
	/* deterministic keys; a pair sharing an id would make the model wrong: none here */
	for (i = 0; i < N; i++) {
		uint8_t key[SEAL_PSK_LEN];

		for (j = 0; j < SEAL_PSK_LEN; j++)
			key[j] = (uint8_t)(j * 7 + 1);
		key[0] = (uint8_t)i;
		key[1] = (uint8_t)(i >> 8);
		if (!seal_psk_set(&pool[i], key, 1 + i % 2))
			return -1;
		for (j = 0; j < i; j++)
			if (pool[j].id == pool[i].id)
				return -1;
	}
	return 0;
}

static void test_basics(void **state)
{
	struct keyset s;
	struct seal_psk bad = pool[0];

	(void)state;
	assert_int_equal(keyset_init(&s, 0), -EINVAL);
	assert_int_equal(keyset_init(&s, KEYSET_MAX + 1), -EINVAL);
	assert_null(keyset_find(&s, pool[0].id));
	assert_int_equal(keyset_add(&s, &pool[0]), -ENOSPC);	/* not initialised */
	assert_int_equal(keyset_init(&s, 2), 0);
	assert_null(keyset_find(&s, pool[0].id));
	assert_false(keyset_remove(&s, pool[0].id));
	assert_int_equal(keyset_add(&s, &pool[0]), 0);
	assert_int_equal(keyset_add(&s, &pool[0]), -EEXIST);
	bad.id ^= 1;
	assert_int_equal(keyset_add(&s, &bad), -EINVAL);	/* id must match the key */
	bad = pool[1];
	bad.suite = 0;
	assert_int_equal(keyset_add(&s, &bad), -EINVAL);
	assert_int_equal(keyset_add(&s, &pool[1]), 0);
	assert_int_equal(keyset_add(&s, &pool[2]), -ENOSPC);
	assert_int_equal(keyset_count(&s), 2);
	assert_memory_equal(keyset_find(&s, pool[1].id), &pool[1], sizeof(pool[1]));
	assert_non_null(keyset_at(&s, 1));
	assert_null(keyset_at(&s, 2));
	assert_true(keyset_remove(&s, pool[0].id));
	assert_null(keyset_find(&s, pool[0].id));
	assert_memory_equal(keyset_find(&s, pool[1].id), &pool[1], sizeof(pool[1]));
	assert_int_equal(keyset_add(&s, &pool[2]), 0);
	keyset_free(&s);
	assert_null(keyset_find(&s, pool[1].id));
	keyset_free(&s);
}

/* A copy holds the same keys with the same tags in its own memory; a
 * change to either leaves the other as it was. */
static void test_copy(void **state)
{
	struct keyset s, c;
	uint32_t i;

	(void)state;
	assert_int_equal(keyset_init(&s, 8), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(keyset_add_tagged(&s, &pool[i], 100 + i), 0);
	assert_true(keyset_remove(&s, pool[2].id));
	assert_int_equal(keyset_copy(&c, &s), 0);
	assert_int_equal(keyset_count(&c), 4);
	assert_int_equal(c.max, s.max);
	for (i = 0; i < 5; i++) {
		const struct seal_psk *p = keyset_find(&c, pool[i].id);

		if (i == 2) {
			assert_null(p);
			continue;
		}
		assert_non_null(p);
		assert_memory_equal(p, &pool[i], sizeof(pool[i]));
		assert_int_equal(keyset_tag(&c, p), 100 + i);
	}
	assert_true(keyset_remove(&s, pool[0].id));
	assert_non_null(keyset_find(&c, pool[0].id));
	assert_int_equal(keyset_add(&c, &pool[7]), 0);
	assert_null(keyset_find(&s, pool[7].id));
	keyset_free(&s);
	assert_memory_equal(keyset_find(&c, pool[1].id), &pool[1], sizeof(pool[1]));
	keyset_free(&c);
}

/* Random adds and removes against a membership model; every lookup agrees. */
static void test_model(void **state)
{
	static const uint32_t caps[] = { 1, 3, 64, N };
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct keyset s;
		bool in[N] = { false };
		uint32_t count = 0, rng = 12345 + (uint32_t)c, step, i;

		assert_int_equal(keyset_init(&s, caps[c]), 0);
		for (step = 0; step < 20000; step++) {
			rng = rng * 1103515245u + 12345u;
			i = (rng >> 8) % N;
			if ((rng >> 28) & 1) {
				int rc = keyset_add(&s, &pool[i]);

				if (in[i])
					assert_int_equal(rc, -EEXIST);
				else if (count == caps[c])
					assert_int_equal(rc, -ENOSPC);
				else {
					assert_int_equal(rc, 0);
					in[i] = true;
					count++;
				}
			} else {
				assert_int_equal(keyset_remove(&s, pool[i].id), in[i]);
				if (in[i]) {
					in[i] = false;
					count--;
				}
			}
			if (step % 97 == 0 || caps[c] < 8) {
				uint32_t j;

				assert_int_equal(keyset_count(&s), count);
				for (j = 0; j < N; j++) {
					const struct seal_psk *p = keyset_find(&s, pool[j].id);

					if (in[j]) {
						assert_non_null(p);
						assert_memory_equal(p, &pool[j], sizeof(*p));
					} else {
						assert_null(p);
					}
				}
			}
		}
		keyset_free(&s);
	}
}

/* Unknown ids are looked up in a bounded number of probes: the table is at most half full. */
static void test_unknown_ids(void **state)
{
	struct keyset s;
	uint32_t i, id;

	(void)state;
	assert_int_equal(keyset_init(&s, N), 0);
	for (i = 0; i < N; i++)
		assert_int_equal(keyset_add(&s, &pool[i]), 0);
	assert_true(s.mask + 1 >= 2 * N);
	for (id = 0; id < 100000; id++) {
		const struct seal_psk *p = keyset_find(&s, id * 2654435761u);

		if (p)
			assert_int_equal(p->id, id * 2654435761u);
	}
	keyset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_unknown_ids),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
