/* test_udpdemo_measure.c - bookkeeping of udpclient's measuring mode:
 * duplicates, foreign and malformed replies, loss ratio, percentiles and
 * the JSON/text reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../udpdemo/measure.h"

#define MS 1000000ULL

static void test_init_limits(void **state)
{
	struct measure m;

	(void)state;
	assert_int_equal(measure_init(&m, 0), -EINVAL);
	assert_int_equal(measure_init(&m, MEASURE_MAX_COUNT + 1), -EINVAL);
	assert_int_equal(measure_init(&m, 1), 0);
	measure_free(&m);
	assert_int_equal(measure_init(&m, 1000), 0);
	assert_int_equal(m.n, 1000);
	measure_free(&m);
}

static void test_send_bounds(void **state)
{
	struct measure m;

	(void)state;
	assert_int_equal(measure_init(&m, 10), 0);
	assert_false(measure_on_send(&m, 0, 1));
	assert_false(measure_on_send(&m, 11, 1));
	assert_true(measure_on_send(&m, 1, 1));
	assert_false(measure_on_send(&m, 1, 2));	/* each probe once */
	assert_true(measure_on_send(&m, 10, 1));
	assert_int_equal(m.sent, 2);
	measure_free(&m);
}

static void test_duplicates_and_invalid(void **state)
{
	struct measure_report r;
	struct measure m;
	uint64_t k;

	(void)state;
	assert_int_equal(measure_init(&m, 100), 0);
	for (k = 1; k <= 100; k++)
		assert_true(measure_on_send(&m, k, 1000 * MS + k));
	assert_int_equal(measure_on_reply(&m, 5, 1001 * MS + 5), MEASURE_NEW);
	assert_int_equal(measure_on_reply(&m, 5, 1002 * MS), MEASURE_DUPLICATE);
	assert_int_equal(measure_on_reply(&m, 5, 1003 * MS), MEASURE_DUPLICATE);
	assert_int_equal(measure_on_reply(&m, 6, 1001 * MS + 6), MEASURE_NEW);
	/* out of range: malformed, never a crash */
	assert_int_equal(measure_on_reply(&m, 0, 1001 * MS), MEASURE_INVALID);
	assert_int_equal(measure_on_reply(&m, 101, 1001 * MS), MEASURE_INVALID);
	assert_int_equal(measure_on_reply(&m, UINT64_MAX, 1001 * MS), MEASURE_INVALID);
	measure_on_foreign(&m);
	measure_on_foreign(&m);
	measure_on_malformed(&m);
	measure_on_send_error(&m);
	measure_finish(&m, 1.5, &r);
	assert_int_equal(r.sent, 100);
	assert_int_equal(r.received, 2);
	assert_int_equal(r.lost, 98);
	assert_int_equal(r.duplicates, 2);
	assert_int_equal(r.foreign, 2);
	assert_int_equal(r.malformed, 4);
	assert_int_equal(r.send_errors, 1);
	assert_true(fabs(r.loss_ratio - 0.98) < 1e-12);
	assert_true(r.have_rtt);
	assert_true(fabs(r.rtt_min_ms - 1.0) < 1e-9);
	assert_true(fabs(r.rtt_max_ms - 1.0) < 1e-9);
	/* after the report, more replies do not touch the reused arrays */
	assert_int_equal(measure_on_reply(&m, 7, 2000 * MS), MEASURE_INVALID);
	measure_free(&m);
}

static void test_reply_to_unsent(void **state)
{
	struct measure m;

	(void)state;
	assert_int_equal(measure_init(&m, 10), 0);
	assert_true(measure_on_send(&m, 1, 100));
	assert_int_equal(measure_on_reply(&m, 2, 200), MEASURE_INVALID);
	assert_int_equal(m.malformed, 1);
	assert_int_equal(m.received, 0);
	measure_free(&m);
}

static void test_loss_ratio(void **state)
{
	struct measure_report r;
	struct measure m;
	uint64_t k;

	(void)state;
	assert_int_equal(measure_init(&m, 1000), 0);
	for (k = 1; k <= 1000; k++)
		measure_on_send(&m, k, k * MS);
	for (k = 1; k <= 1000; k++)
		if (k % 4 != 0)	/* every 4th lost */
			assert_int_equal(measure_on_reply(&m, k, k * MS + 2 * MS), MEASURE_NEW);
	measure_finish(&m, 1.0, &r);
	assert_int_equal(r.received, 750);
	assert_int_equal(r.lost, 250);
	assert_true(fabs(r.loss_ratio - 0.25) < 1e-12);
	assert_true(fabs(r.rtt_p50_ms - 2.0) < 1e-9);
	measure_free(&m);

	/* nothing sent: ratio 0, no RTTs */
	assert_int_equal(measure_init(&m, 5), 0);
	measure_finish(&m, 0, &r);
	assert_int_equal(r.sent, 0);
	assert_true(r.loss_ratio == 0.0);
	assert_false(r.have_rtt);
	measure_free(&m);

	/* all lost */
	assert_int_equal(measure_init(&m, 5), 0);
	for (k = 1; k <= 5; k++)
		measure_on_send(&m, k, k);
	measure_finish(&m, 0, &r);
	assert_true(r.loss_ratio == 1.0);
	assert_int_equal(r.lost, 5);
	assert_false(r.have_rtt);
	measure_free(&m);
}

static void test_percentile_table(void **state)
{
	const uint64_t five[] = { 10, 20, 30, 40, 50 };
	uint64_t hundred[100], i;

	(void)state;
	/* nearest rank: ceil(p/100 * n)-th smallest */
	assert_int_equal(measure_percentile(five, 5, 0), 10);
	assert_int_equal(measure_percentile(five, 5, 20), 10);
	assert_int_equal(measure_percentile(five, 5, 21), 20);
	assert_int_equal(measure_percentile(five, 5, 50), 30);
	assert_int_equal(measure_percentile(five, 5, 80), 40);
	assert_int_equal(measure_percentile(five, 5, 99), 50);
	assert_int_equal(measure_percentile(five, 5, 100), 50);
	assert_int_equal(measure_percentile(five, 1, 50), 10);
	assert_int_equal(measure_percentile(five, 0, 50), 0);
	for (i = 0; i < 100; i++)
		hundred[i] = i + 1;
	assert_int_equal(measure_percentile(hundred, 100, 50), 50);
	assert_int_equal(measure_percentile(hundred, 100, 99), 99);
	assert_int_equal(measure_percentile(hundred, 100, 99.5), 100);
	assert_int_equal(measure_percentile(hundred, 100, 1), 1);
}

/* RTTs 1..200 ms given in a scrambled order: the report sorts them. */
static void test_rtt_stats(void **state)
{
	struct measure_report r;
	struct measure m;
	uint64_t k, rtt;

	(void)state;
	assert_int_equal(measure_init(&m, 200), 0);
	for (k = 1; k <= 200; k++)
		measure_on_send(&m, k, 1000 * MS);
	for (k = 1; k <= 200; k++) {
		rtt = (k * 77) % 200 + 1;	/* 77 is coprime with 200: a permutation */
		assert_int_equal(measure_on_reply(&m, k, 1000 * MS + rtt * MS), MEASURE_NEW);
	}
	measure_finish(&m, 3.25, &r);
	assert_int_equal(r.received, 200);
	assert_int_equal(r.lost, 0);
	assert_true(fabs(r.rtt_min_ms - 1.0) < 1e-9);
	assert_true(fabs(r.rtt_p50_ms - 100.0) < 1e-9);
	assert_true(fabs(r.rtt_p99_ms - 198.0) < 1e-9);
	assert_true(fabs(r.rtt_max_ms - 200.0) < 1e-9);
	assert_true(fabs(r.elapsed_s - 3.25) < 1e-12);
	measure_free(&m);
}

static char *report_string(const struct measure_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		measure_print_json(f, r);
	else
		measure_print_text(f, r);
	fclose(f);
	return buf;
}

static void test_json_report(void **state)
{
	struct measure_report r;
	struct measure m;
	char *s;
	uint64_t k;

	(void)state;
	assert_int_equal(measure_init(&m, 4), 0);
	for (k = 1; k <= 4; k++)
		measure_on_send(&m, k, 0);
	measure_on_reply(&m, 1, 1 * MS);
	measure_on_reply(&m, 2, 2 * MS);
	measure_on_reply(&m, 3, 4 * MS);
	measure_on_reply(&m, 3, 5 * MS);
	measure_on_foreign(&m);
	measure_finish(&m, 0.5, &r);
	strcpy(r.tag, "00000000000000ff");
	s = report_string(&r, true);
	/* after the document's "program", "version" and "time" */
	assert_true(strncmp(s, "{\"program\":\"udpclient\",\"version\":\"", 33) == 0);
	assert_non_null(strstr(s, "\"time\":\""));
	assert_string_equal(strstr(s, ",\"sent\":") + 1,
		"\"sent\":4,\"received\":3,\"lost\":1,\"duplicates\":1,\"foreign\":1,"
		"\"malformed\":0,\"loss_ratio\":0.250000,\"rtt_min_ms\":1.000,"
		"\"rtt_p50_ms\":2.000,\"rtt_p99_ms\":4.000,\"rtt_max_ms\":4.000,"
		"\"elapsed_s\":0.500,\"send_errors\":0,\"interrupted\":false,"
		"\"tag\":\"00000000000000ff\"}\n");
	free(s);
	s = report_string(&r, false);
	assert_non_null(strstr(s, "sent 4, received 3, lost 1 (25.000%), duplicates 1, "
				  "foreign 1, malformed 0"));
	assert_non_null(strstr(s, "rtt min/p50/p99/max 1.000/2.000/4.000/4.000 ms"));
	free(s);
	measure_free(&m);

	/* no replies: RTTs are null, still valid JSON */
	assert_int_equal(measure_init(&m, 2), 0);
	measure_on_send(&m, 1, 0);
	measure_finish(&m, 2.0, &r);
	r.interrupted = true;
	s = report_string(&r, true);
	assert_non_null(strstr(s, "\"rtt_min_ms\":null,\"rtt_p50_ms\":null,"
				  "\"rtt_p99_ms\":null,\"rtt_max_ms\":null,"));
	assert_non_null(strstr(s, "\"interrupted\":true"));
	free(s);
	measure_free(&m);
}

static void test_trace(void **st)
{
	struct measure m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)st;
	assert_int_equal(measure_init(&m, 4), 0);
	assert_int_equal(measure_write_trace(&m, stdout, 0), -EINVAL);	/* not enabled */
	assert_int_equal(measure_trace_enable(&m), 0);
	assert_true(measure_on_send(&m, 1, 1000000000ull));
	assert_true(measure_on_send(&m, 2, 1500000000ull));
	assert_true(measure_on_send(&m, 3, 2000000000ull));
	assert_int_equal(measure_on_reply(&m, 1, 1250000000ull), MEASURE_NEW);
	assert_int_equal(measure_on_reply(&m, 3, 2001000000ull), MEASURE_NEW);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	/* offset: +10 s; probe 4 was never sent: no line */
	assert_int_equal(measure_write_trace(&m, f, 10000000000ll), 0);
	fclose(f);
	assert_string_equal(buf, "1 11.000000 11.250000\n"
				 "2 11.500000 -\n"
				 "3 12.000000 12.001000\n");
	free(buf);
	measure_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_init_limits),
		cmocka_unit_test(test_send_bounds),
		cmocka_unit_test(test_duplicates_and_invalid),
		cmocka_unit_test(test_reply_to_unsent),
		cmocka_unit_test(test_loss_ratio),
		cmocka_unit_test(test_percentile_table),
		cmocka_unit_test(test_rtt_stats),
		cmocka_unit_test(test_json_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
