/* test_prom.c - the Prometheus writer: escaping, name checks, and the page
 * it writes validated by tests/prom_check.py (a page with a deliberate
 * duplicate must be refused, so the checker itself can fail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "prom.h"

static char *render(bool duplicate, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	const char *const l1[] = {"path", "wifi", "dir", "tx", NULL};
	const char *const l2[] = {"path", "a\"b\\c\nd", "dir", "tx", NULL};

	assert_true(prom_family(f, "mptunnel_path_datagrams_total", PROM_COUNTER,
				"Datagrams on a path.\nSecond line \\ backslash"));
	assert_true(prom_sample_u64(f, "mptunnel_path_datagrams_total", l1, 18446744073709551615ull));
	assert_true(prom_sample_u64(f, "mptunnel_path_datagrams_total", l2, 0));
	if (duplicate)
		assert_true(prom_sample_u64(f, "mptunnel_path_datagrams_total", l1, 1));
	assert_true(prom_family(f, "mptunnel_path_rtt_seconds", PROM_GAUGE, "Smoothed RTT."));
	assert_true(prom_sample(f, "mptunnel_path_rtt_seconds", l1, 0.000123));
	assert_true(prom_sample(f, "mptunnel_path_rtt_seconds", NULL, NAN));
	fclose(f);
	return buf;
}

static bool checker_accepts(const char *page, size_t len)
{
	char path[] = "/tmp/mpt-prom.XXXXXX", cmd[256];
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, page, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 tests/prom_check.py %s >/dev/null", path);
	rc = system(cmd);
	unlink(path);
	return rc == 0;
}

static void test_page(void **st)
{
	size_t len;
	char *page;

	(void)st;
	page = render(false, &len);
	assert_non_null(strstr(page, "# HELP mptunnel_path_datagrams_total Datagrams on a path.\\nSecond line \\\\ backslash\n"));
	assert_non_null(strstr(page, "# TYPE mptunnel_path_datagrams_total counter\n"));
	assert_non_null(strstr(page, "mptunnel_path_datagrams_total{path=\"wifi\",dir=\"tx\"} 18446744073709551615\n"));
	assert_non_null(strstr(page, "{path=\"a\\\"b\\\\c\\nd\",dir=\"tx\"} 0\n"));
	assert_non_null(strstr(page, "mptunnel_path_rtt_seconds NaN\n"));
	if (access("tests/prom_check.py", R_OK) == 0) {
		assert_true(checker_accepts(page, len));
		free(page);
		page = render(true, &len);
		assert_false(checker_accepts(page, len));
	}
	free(page);
}

static void test_names(void **st)
{
	FILE *f = fopen("/dev/null", "w");
	const char *const badlabel[] = {"__x", "v", NULL};
	const char *const nolabelvalue[] = {"x", NULL};

	(void)st;
	assert_false(prom_family(f, "mptunnel_datagrams", PROM_COUNTER, "not _total"));
	assert_false(prom_family(f, "1abc_total", PROM_COUNTER, ""));
	assert_false(prom_family(f, "a-b", PROM_GAUGE, ""));
	assert_false(prom_family(f, "", PROM_GAUGE, ""));
	assert_true(prom_family(f, "a:b_c", PROM_GAUGE, ""));
	assert_false(prom_sample(f, "x", badlabel, 1));
	assert_false(prom_sample(f, "x", nolabelvalue, 1));
	assert_false(prom_label_ok("a:b"));
	assert_true(prom_label_ok("_a1"));
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page), cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
