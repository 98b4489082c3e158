/* test_lines.c - lib/lines: the one reader of config-like files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/lines.h"

static char dir[] = "/tmp/mpt-lines-XXXXXX";

static void put(const char *name, const char *data, size_t len, char *path, size_t plen)
{
	FILE *f;

	snprintf(path, plen, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_lines_numbered(void **state)
{
	static const char text[] = "one two\r\n\n# c\nlast # tail";
	char path[256], err[256], *line, *tok[4];
	struct lines lr;
	size_t len, n;

	(void)state;
	put("a", text, sizeof(text) - 1, path, sizeof(path));
	assert_int_equal(lines_open(&lr, path, 1024, err, sizeof(err)), 0);
	assert_true(lines_next(&lr, &line, &len));
	assert_int_equal(lr.lineno, 1);
	assert_string_equal(line, "one two");	/* \r dropped */
	assert_int_equal(len, 7);
	assert_true(lines_tokens(line, tok, 4, &n));
	assert_int_equal(n, 2);
	assert_string_equal(tok[1], "two");
	assert_true(lines_next(&lr, &line, &len));
	assert_int_equal(len, 0);
	assert_true(lines_next(&lr, &line, &len));
	assert_true(lines_tokens(line, tok, 4, &n));
	assert_int_equal(n, 0);
	assert_true(lines_next(&lr, &line, &len));
	assert_int_equal(lr.lineno, 4);
	assert_true(lines_tokens(line, tok, 1, &n));
	assert_int_equal(n, 1);
	assert_string_equal(tok[0], "last");
	assert_false(lines_next(&lr, &line, &len));
	lines_close(&lr);

	/* too many tokens */
	{
		char l[] = "a b c";

		assert_false(lines_tokens(l, tok, 2, &n));
	}
	unlink(path);
}

static void test_lines_limits(void **state)
{
	char path[256], err[256], data[100];
	struct lines lr;

	(void)state;
	memset(data, 'x', sizeof(data));
	put("b", data, sizeof(data), path, sizeof(path));
	/* exactly the cap is allowed, one byte more is not */
	assert_int_equal(lines_open(&lr, path, 100, err, sizeof(err)), 0);
	assert_int_equal(lr.len, 100);
	lines_close(&lr);
	assert_int_equal(lines_open(&lr, path, 99, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "file too large (at most 99 bytes)"));
	unlink(path);
	put("c", "", 0, path, sizeof(path));
	assert_int_equal(lines_open(&lr, path, 0, err, sizeof(err)), 0);
	lines_close(&lr);
	unlink(path);
	/* 1 MiB is named as such */
	put("d", data, sizeof(data), path, sizeof(path));
	assert_int_equal(lines_open(&lr, path, 1u << 20, err, sizeof(err)), 0);
	lines_close(&lr);
	unlink(path);
}

static void test_lines_not_regular(void **state)
{
	char path[256], err[256];
	struct lines lr;

	(void)state;
	/* a FIFO without a writer: refused at once, not waited on */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_true(lines_open(&lr, path, 1024, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_true(lines_open(&lr, dir, 1024, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(lines_open(&lr, "/dev/null", 1024, err, sizeof(err)), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(lines_open(&lr, path, 1024, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing: No such file"));
}

static void test_lines_buffer(void **state)
{
	static const char buf[] = "a\nb\0c\nd";
	struct lines lr;
	char *line;
	size_t len;

	(void)state;
	lines_init_buffer(&lr, "buf", buf, sizeof(buf) - 1);
	assert_true(lines_next(&lr, &line, &len));
	assert_int_equal(len, 1);
	assert_true(lines_next(&lr, &line, &len));
	assert_int_equal(len, 3);
	assert_non_null(memchr(line, '\0', len));
	assert_true(lines_next(&lr, &line, &len));
	assert_int_equal(len, 1);
	assert_int_equal(line[0], 'd');
	assert_false(lines_next(&lr, &line, &len));
	lines_close(&lr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_numbered),
		cmocka_unit_test(test_lines_limits),
		cmocka_unit_test(test_lines_not_regular),
		cmocka_unit_test(test_lines_buffer),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
