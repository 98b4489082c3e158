/* test_srclimit.c - answers to strangers: at most N a second in all, one per source per interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "srclimit.h"

static struct addr a4(unsigned host, unsigned port)
{
	struct addr a;
	struct sockaddr_in *s = (struct sockaddr_in *)&a.ss;

	memset(&a, 0, sizeof(a));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(0xc6120000u | host);	/* 198.18.x.y */
	s->sin_port = htons((uint16_t)port);
	a.len = sizeof(*s);
	return a;
}

static void test_one_per_source_per_second(void **st)
{
	static struct srclimit l;
	struct addr a = a4(1, 1000);
	unsigned i, allowed = 0;

	(void)st;
	srclimit_init(&l, 10, 1.0);
	/* one source sending 100 a second for 5 s: 5 answers */
	for (i = 0; i < 500; i++)
		allowed += srclimit_allow(&l, &a, 0.01 * i);
	assert_int_equal(allowed, 5);
}

static void test_ten_per_second_in_all(void **st)
{
	static struct srclimit l;
	unsigned i, allowed = 0;

	(void)st;
	srclimit_init(&l, 10, 1.0);
	/* 1000 different sources in 2 s: the total bound holds (burst 10 + 10/s) */
	for (i = 0; i < 1000; i++) {
		struct addr a = a4(i + 1, 2000 + i);

		allowed += srclimit_allow(&l, &a, 0.002 * i);
	}
	assert_true(allowed >= 20 && allowed <= 30);
}

static void test_sources_apart(void **st)
{
	static struct srclimit l;
	struct addr a = a4(1, 1000), b = a4(2, 1000);

	(void)st;
	srclimit_init(&l, 10, 1.0);
	assert_true(srclimit_allow(&l, &a, 0));
	assert_false(srclimit_allow(&l, &a, 0.5));
	assert_true(srclimit_allow(&l, &a, 1.0));
	assert_true(srclimit_allow(&l, &b, 1.1));	/* another source */
	/* a clock that went backwards does not refuse forever */
	assert_true(srclimit_allow(&l, &a, 0.2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_per_source_per_second),
		cmocka_unit_test(test_ten_per_second_in_all),
		cmocka_unit_test(test_sources_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
