/* test_udpdemo_hello.c - the hello datagram parser, formatter, server answer
 * and the measuring probes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../udpdemo/hello.h"

static bool parse_str(const char *s, struct hello *h)
{
	return hello_parse(s, strlen(s), h);
}

static void test_parse_valid(void **state)
{
	struct hello h;

	(void)state;
	assert_true(parse_str("1 hello cli", &h));
	assert_int_equal(h.num, 1);
	assert_int_equal(h.role, HELLO_CLI);
	assert_int_equal(h.rest_len, 0);

	assert_true(parse_str("42 hello srv", &h));
	assert_int_equal(h.num, 42);
	assert_int_equal(h.role, HELLO_SRV);

	assert_true(parse_str("0 hello cli", &h));
	assert_int_equal(h.num, 0);

	assert_true(parse_str("18446744073709551615 hello cli", &h));
	assert_true(h.num == UINT64_MAX);

	assert_true(parse_str("7 hello cli and more", &h));
	assert_int_equal(h.num, 7);
	assert_int_equal(h.rest_len, 9);
	assert_memory_equal(h.rest, " and more", 9);

	/* newline (nc, echo) and a trailing NUL are separators too */
	assert_true(parse_str("3 hello cli\n", &h));
	assert_int_equal(h.rest_len, 1);
	assert_true(hello_parse("3 hello cli\0", 12, &h));
	assert_int_equal(h.rest_len, 1);
	/* binary rest */
	assert_true(hello_parse("5 hello srv \0\xff\x01", 15, &h));
	assert_int_equal(h.rest_len, 4);
}

static void test_parse_missing_number(void **state)
{
	struct hello h;

	(void)state;
	assert_false(parse_str("hello cli", &h));
	assert_false(parse_str(" hello cli", &h));
	assert_false(parse_str("+1 hello cli", &h));
	assert_false(parse_str("-1 hello cli", &h));
	assert_false(parse_str(" 1 hello cli", &h));
	assert_false(parse_str("x hello cli", &h));
	assert_false(parse_str("1x hello cli", &h));
	assert_false(parse_str("01 hello cli", &h));	/* leading zero */
	assert_false(parse_str("00 hello cli", &h));
	assert_false(hello_parse(NULL, 0, &h));
	assert_false(hello_parse("", 0, &h));
}

static void test_parse_overflow(void **state)
{
	struct hello h;

	(void)state;
	assert_false(parse_str("18446744073709551616 hello cli", &h));
	assert_false(parse_str("99999999999999999999 hello cli", &h));
	assert_false(parse_str("123456789012345678901234567890 hello cli", &h));
}

static void test_parse_wrong_word(void **state)
{
	struct hello h;

	(void)state;
	assert_false(parse_str("1 hallo cli", &h));
	assert_false(parse_str("1 HELLO cli", &h));
	assert_false(parse_str("1 hello CLI", &h));
	assert_false(parse_str("1 hello clx", &h));
	assert_false(parse_str("1 hello client", &h));
	assert_false(parse_str("1 hello srvx", &h));
	assert_false(parse_str("1  hello cli", &h));	/* two spaces */
	assert_false(parse_str("1\thello cli", &h));
	assert_false(parse_str("1 hello  cli", &h));
	assert_false(parse_str("1 goodbye cli", &h));
}

static void test_parse_truncated(void **state)
{
	static const char full[] = "12 hello cli";
	struct hello h;
	size_t len;

	(void)state;
	/* every proper prefix of a valid datagram is malformed */
	for (len = 0; len < strlen(full); len++)
		assert_false(hello_parse(full, len, &h));
	assert_true(hello_parse(full, strlen(full), &h));
	/* the length is honoured, not a NUL */
	assert_false(hello_parse("1 hello cli", 10, &h));
}

static void test_format(void **state)
{
	char buf[64];
	size_t n;
	struct hello h;

	(void)state;
	n = hello_format(buf, sizeof(buf), 1, HELLO_CLI, NULL, 0);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "1 hello cli", 11);
	n = hello_format(buf, sizeof(buf), 1234567, HELLO_SRV, " x", 2);
	assert_int_equal(n, 19);
	assert_memory_equal(buf, "1234567 hello srv x", 19);
	assert_true(hello_parse(buf, n, &h));
	assert_int_equal(h.num, 1234567);
	assert_int_equal(h.role, HELLO_SRV);
	assert_int_equal(h.rest_len, 2);
	/* does not fit */
	assert_int_equal(hello_format(buf, 10, 1, HELLO_CLI, NULL, 0), 0);
	assert_int_equal(hello_format(buf, 11, 1, HELLO_CLI, NULL, 0), 11);
	assert_int_equal(hello_format(buf, 12, 1, HELLO_CLI, "ab", 2), 0);
	n = hello_format(buf, sizeof(buf), UINT64_MAX, HELLO_SRV, NULL, 0);
	assert_int_equal(n, 30);
	assert_memory_equal(buf, "18446744073709551615 hello srv", 30);
}

static void test_answer(void **state)
{
	char out[128];
	size_t n;

	(void)state;
	n = hello_answer("1 hello cli", 11, out, sizeof(out));
	assert_int_equal(n, 11);
	assert_memory_equal(out, "2 hello srv", 11);

	n = hello_answer("9 hello cli rest of it", 22, out, sizeof(out));
	assert_int_equal(n, 23);
	assert_memory_equal(out, "10 hello srv rest of it", 23);

	n = hello_answer("41 hello cli\0\x01\xff", 15, out, sizeof(out));
	assert_int_equal(n, 15);
	assert_memory_equal(out, "42 hello srv\0\x01\xff", 15);

	n = hello_answer("18446744073709551614 hello cli", 30, out, sizeof(out));
	assert_int_equal(n, 30);
	assert_memory_equal(out, "18446744073709551615 hello srv", 30);

	/* no answer: server hellos (no loops), N+1 overflow, malformed, no room */
	assert_int_equal(hello_answer("1 hello srv", 11, out, sizeof(out)), 0);
	assert_int_equal(hello_answer("18446744073709551615 hello cli", 30, out, sizeof(out)), 0);
	assert_int_equal(hello_answer("junk", 4, out, sizeof(out)), 0);
	assert_int_equal(hello_answer("", 0, out, sizeof(out)), 0);
	assert_int_equal(hello_answer("9 hello cli", 11, out, 11), 0);
}

static void test_tag_hex(void **state)
{
	char hex[HELLO_TAG_HEXLEN + 1];

	(void)state;
	hello_tag_hex(0x0123456789abcdefULL, hex);
	assert_string_equal(hex, "0123456789abcdef");
	hello_tag_hex(0, hex);
	assert_string_equal(hex, "0000000000000000");
}

static void test_probe_build(void **state)
{
	static char buf[HELLO_MAX_DATAGRAM + 1];
	const uint64_t tag = 0xfeedfacecafebeefULL;
	struct hello h;
	size_t n;

	(void)state;
	/* bare header when the size is smaller */
	n = hello_build_probe(buf, sizeof(buf), 5, tag, 0);
	assert_int_equal(n, 28);
	assert_memory_equal(buf, "5 hello cli feedfacecafebeef", 28);
	assert_int_equal(hello_probe_len(5, 0), 28);
	assert_int_equal(hello_probe_len(5, 28), 28);
	assert_int_equal(hello_probe_len(5, 29), 29);

	n = hello_build_probe(buf, sizeof(buf), 5, tag, 29);	/* header and a space */
	assert_int_equal(n, 29);
	assert_int_equal(buf[28], ' ');

	/* padded sizes are exact whatever the number of digits */
	n = hello_build_probe(buf, sizeof(buf), 7, tag, 100);
	assert_int_equal(n, 100);
	n = hello_build_probe(buf, sizeof(buf), 123456, tag, 100);
	assert_int_equal(n, 100);
	assert_true(hello_parse(buf, n, &h));
	assert_int_equal(h.num, 123456);
	assert_int_equal(h.role, HELLO_CLI);

	n = hello_build_probe(buf, sizeof(buf), 1, tag, HELLO_MAX_DATAGRAM);
	assert_int_equal(n, HELLO_MAX_DATAGRAM);
	/* no room */
	assert_int_equal(hello_build_probe(buf, 50, 1, tag, 100), 0);
}

/* The server's answer to probe k, into out. */
static size_t answer_probe(uint64_t k, uint64_t tag, size_t size, char *out, size_t cap)
{
	static char probe[HELLO_MAX_DATAGRAM + 1];
	size_t n = hello_build_probe(probe, sizeof(probe), k, tag, size);

	assert_true(n > 0);
	return hello_answer(probe, n, out, cap);
}

static void test_match_reply(void **state)
{
	static char rep[HELLO_MAX_DATAGRAM + 16], other[HELLO_MAX_DATAGRAM + 16];
	const uint64_t tag = 0x1111222233334444ULL, tag2 = 0x1111222233334445ULL;
	const size_t sizes[] = { 0, 29, 64, 1400 };
	uint64_t k = 0, kk;
	size_t n, n2, s, i;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (kk = 1; kk < 200000; kk = kk * 3 + 1) {
			n = answer_probe(kk, tag, sizes[s], rep, sizeof(rep));
			assert_true(n > 0);
			assert_int_equal(hello_match_reply(rep, n, tag, sizes[s], &k), HELLO_OURS);
			assert_int_equal(k, kk);
			/* another run's tag */
			assert_int_equal(hello_match_reply(rep, n, tag2, sizes[s], &k),
					 HELLO_FOREIGN);
			/* truncated by a bridge: every shorter length is rejected */
			for (i = 0; i < n; i += 1 + n / 40)
				assert_int_not_equal(hello_match_reply(rep, i, tag, sizes[s], &k),
						     HELLO_OURS);
		}
	}

	/* a ping-pong reply is someone else's */
	assert_int_equal(hello_match_reply("2 hello srv", 11, tag, 0, &k), HELLO_FOREIGN);
	assert_int_equal(hello_match_reply("2 hello srv zzz", 15, tag, 0, &k), HELLO_FOREIGN);
	/* our own probe reflected, junk, and a reply numbered 1 are bad */
	n = hello_build_probe(rep, sizeof(rep), 3, tag, 0);
	assert_int_equal(hello_match_reply(rep, n, tag, 0, &k), HELLO_BAD);
	assert_int_equal(hello_match_reply("junk", 4, tag, 0, &k), HELLO_BAD);
	assert_int_equal(hello_match_reply("1 hello srv 1111222233334444", 28, tag, 0, &k),
			 HELLO_BAD);

	/* corrupted padding */
	n = answer_probe(10, tag, 200, rep, sizeof(rep));
	rep[n - 1] ^= 1;
	assert_int_equal(hello_match_reply(rep, n, tag, 200, &k), HELLO_BAD);
	/* probe 11's reply renumbered to claim probe 10: the padding tells */
	n = answer_probe(10, tag, 200, rep, sizeof(rep));
	n2 = answer_probe(11, tag, 200, other, sizeof(other));
	assert_int_equal(n, n2);
	assert_memory_equal(other, "12 hello srv", 12);
	memcpy(other, "11", 2);
	assert_int_equal(hello_match_reply(other, n2, tag, 200, &k), HELLO_BAD);
	memcpy(other, "12", 2);
	assert_int_equal(hello_match_reply(other, n2, tag, 200, &k), HELLO_OURS);
	assert_int_equal(k, 11);
	/* a size different from the run's */
	n = answer_probe(10, tag, 200, rep, sizeof(rep));
	assert_int_equal(hello_match_reply(rep, n, tag, 300, &k), HELLO_BAD);
	/* a tag followed by something other than a space */
	assert_int_equal(hello_match_reply("2 hello srv 1111222233334444x", 29, tag, 0, &k),
			 HELLO_FOREIGN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_missing_number),
		cmocka_unit_test(test_parse_overflow),
		cmocka_unit_test(test_parse_wrong_word),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_tag_hex),
		cmocka_unit_test(test_probe_build),
		cmocka_unit_test(test_match_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
