/* test_parse.c - strict number, duration and host:port parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

static void test_u64(void **st)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "-1", "+1", "1x", "0x10", "18446744073709551616", "abc", "1.0",
	};
	uint64_t v = 77;
	unsigned i;

	(void)st;
	assert_true(parse_u64("0", 0, 10, &v));
	assert_true(v == 0);
	assert_true(parse_u64("18446744073709551615", 0, UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 77;
		if (parse_u64(bad[i], 0, UINT64_MAX, &v))
			fail_msg("accepted '%s'", bad[i]);
		assert_true(v == 77);
	}
	assert_false(parse_u64("11", 0, 10, &v));
	assert_false(parse_u64("4", 5, 10, &v));
	assert_false(parse_u64(NULL, 0, 10, &v));
}

static void test_port(void **st)
{
	uint16_t p;

	(void)st;
	assert_true(parse_port("1", false, &p));
	assert_int_equal(p, 1);
	assert_true(parse_port("65535", false, &p));
	assert_false(parse_port("65536", false, &p));
	assert_false(parse_port("0", false, &p));
	assert_true(parse_port("0", true, &p));
	assert_false(parse_port("http", false, &p));
}

static void test_duration(void **st)
{
	double d;

	(void)st;
	assert_true(parse_duration("2", 1.0, 100, &d));
	assert_true(d == 2.0);
	assert_true(parse_duration("500ms", 1.0, 100, &d));
	assert_true(d > 0.4999 && d < 0.5001);
	assert_true(parse_duration("250us", 1.0, 100, &d));
	assert_true(d > 0.000249 && d < 0.000251);
	assert_true(parse_duration("1m", 1.0, 100, &d));
	assert_true(d == 60.0);
	assert_true(parse_duration("1.5s", 1.0, 100, &d));
	assert_true(d == 1.5);
	assert_true(parse_duration("20", 0.001, 100, &d));
	assert_true(d > 0.0199 && d < 0.0201);
	assert_false(parse_duration("2m", 1.0, 100, &d));	/* over max */
	assert_false(parse_duration("s", 1.0, 100, &d));
	assert_false(parse_duration("ms", 1.0, 100, &d));
	assert_false(parse_duration("-1s", 1.0, 100, &d));
	assert_false(parse_duration("1h", 1.0, 100, &d));
	assert_false(parse_duration("1 s", 1.0, 100, &d));
	assert_false(parse_duration("nan", 1.0, 100, &d));
	assert_false(parse_duration("inf", 1.0, 1e300, &d));
	assert_false(parse_duration("", 1.0, 100, &d));
}

static void test_hostport(void **st)
{
	char host[64];
	uint16_t port;

	(void)st;
	assert_true(parse_hostport("localhost:4000", false, host, sizeof(host), &port));
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 4000);
	assert_true(parse_hostport("[::1]:53", false, host, sizeof(host), &port));
	assert_string_equal(host, "::1");
	assert_int_equal(port, 53);
	assert_true(parse_hostport("4000", true, host, sizeof(host), &port));
	assert_string_equal(host, "");
	assert_false(parse_hostport("4000", false, host, sizeof(host), &port));
	assert_false(parse_hostport("::1:53", false, host, sizeof(host), &port));
	assert_false(parse_hostport("host:", false, host, sizeof(host), &port));
	assert_false(parse_hostport("host:0", false, host, sizeof(host), &port));
	assert_false(parse_hostport("host:99999", false, host, sizeof(host), &port));
	assert_false(parse_hostport("[::1]53", false, host, sizeof(host), &port));
	assert_false(parse_hostport("verylonghostname:1", false, host, 8, &port));
	assert_false(parse_hostport("", true, host, sizeof(host), &port));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_hostport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
