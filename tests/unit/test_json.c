/* test_json.c - lib/json: escaping, nesting, null, NaN and infinities,
 * number forms, the document header and the atomic file writer. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"

/* A writer on a memory stream; out() closes it and returns the text. */
struct mem {
	FILE *f;
	char *buf;
	size_t len;
	struct json j;
};

static struct json *mem_open(struct mem *m)
{
	memset(m, 0, sizeof(*m));
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	json_begin(&m->j, m->f);
	return &m->j;
}

static const char *mem_text(struct mem *m)
{
	assert_true(json_ok(&m->j));
	assert_int_equal(fclose(m->f), 0);
	m->f = NULL;
	return m->buf;
}

static void mem_free(struct mem *m)
{
	if (m->f)
		fclose(m->f);
	free(m->buf);
}

static void test_escaping(void **state)
{
	struct mem m;
	struct json *j = mem_open(&m);

	(void)state;
	json_obj_open(j, NULL);
	json_str(j, "plain", "abc");
	json_str(j, "quote\"key", "a\"b\\c");
	json_str(j, "ctl", "tab\there\nnl\rcr\x01\x1f\x7f");
	json_str(j, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_str(j, "bad", "a\xff" "b\xc3" "c\xed\xa0\x80" "d\xc0\xaf");
	json_str(j, "", "");
	json_obj_close(j);
	assert_string_equal(mem_text(&m),
		"{\"plain\":\"abc\",\"quote\\\"key\":\"a\\\"b\\\\c\","
		"\"ctl\":\"tab\\there\\nnl\\rcr\\u0001\\u001f\\u007f\","
		"\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
		"\"bad\":\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\","
		"\"\":\"\"}");
	mem_free(&m);
}

static void test_nesting(void **state)
{
	struct mem m;
	struct json *j = mem_open(&m);

	(void)state;
	json_obj_open(j, NULL);
	json_arr_open(j, "paths");
	json_obj_open(j, NULL);
	json_u64(j, "index", 0);
	json_arr_open(j, "empty");
	json_arr_close(j);
	json_obj_close(j);
	json_obj_open(j, NULL);
	json_u64(j, "index", 1);
	json_obj_open(j, "inner");
	json_obj_close(j);
	json_obj_close(j);
	json_u64(j, NULL, 7);
	json_arr_close(j);
	json_bool(j, "t", true);
	json_bool(j, "f", false);
	json_obj_close(j);
	json_end(j);
	assert_string_equal(mem_text(&m),
		"{\"paths\":[{\"index\":0,\"empty\":[]},{\"index\":1,\"inner\":{}},7],"
		"\"t\":true,\"f\":false}\n");
	mem_free(&m);
}

static void test_null_and_nonfinite(void **state)
{
	struct mem m;
	struct json *j = mem_open(&m);

	(void)state;
	json_arr_open(j, NULL);
	json_null(j, NULL);
	json_str(j, NULL, NULL);
	json_dbl(j, NULL, NAN);
	json_dbl(j, NULL, INFINITY);
	json_dbl(j, NULL, -INFINITY);
	json_fixed(j, NULL, NAN, 3);
	json_fixed(j, NULL, -INFINITY, 3);
	json_arr_close(j);
	assert_string_equal(mem_text(&m), "[null,null,null,null,null,null,null]");
	mem_free(&m);

	j = mem_open(&m);
	json_obj_open(j, NULL);
	json_null(j, "rtt_ms");
	json_dbl(j, "x", NAN);
	json_obj_close(j);
	assert_string_equal(mem_text(&m), "{\"rtt_ms\":null,\"x\":null}");
	mem_free(&m);
}

static void test_numbers(void **state)
{
	struct mem m;
	struct json *j = mem_open(&m);
	const char *t;
	double back;

	(void)state;
	json_arr_open(j, NULL);
	json_u64(j, NULL, UINT64_MAX);
	json_i64(j, NULL, INT64_MIN);
	json_i64(j, NULL, -1);
	json_dbl(j, NULL, 0.1);
	json_dbl(j, NULL, 1.5);
	json_dbl(j, NULL, 100);
	json_dbl(j, NULL, -2.25e-7);
	json_fixed(j, NULL, 1764247133.1234567, 6);
	json_fixed(j, NULL, 2.5, 0);
	json_dbl(j, NULL, 1.0 / 3.0);
	json_arr_close(j);
	t = mem_text(&m);
	assert_string_equal(t, "[18446744073709551615,-9223372036854775808,-1,0.1,1.5,100,"
			       "-2.25e-07,1764247133.123457,2,0.3333333333333333]");
	/* the shortest form reads back to the same double */
	back = strtod(strrchr(t, ',') + 1, NULL);
	assert_true(back == 1.0 / 3.0);
	mem_free(&m);
}

static void test_document(void **state)
{
	struct mem m;
	struct json *j = mem_open(&m);
	const char *t;
	char want[128];
	int yy, mo, dd, hh, mi, ss, ms, n = 0;

	(void)state;
	json_doc_open(j, "mpt-test");
	json_u64(j, "n", 1);
	json_doc_close(j);
	json_end(j);
	t = mem_text(&m);
	snprintf(want, sizeof(want), "{\"program\":\"mpt-test\",\"version\":\"%s\",\"time\":\"",
		 MPT_VERSION);
	assert_memory_equal(t, want, strlen(want));
	t += strlen(want);
	assert_int_equal(sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ\"%n", &yy, &mo, &dd, &hh, &mi,
				&ss, &ms, &n), 7);
	assert_true(yy >= 2024 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31);
	assert_true(hh < 24 && mi < 60 && ss <= 60 && ms < 1000);
	assert_int_equal(n, 25);
	assert_string_equal(t + n, ",\"n\":1}\n");
	mem_free(&m);
}

static void test_depth_overflow(void **state)
{
	struct mem m;
	struct json *j = mem_open(&m);
	int i;

	(void)state;
	for (i = 0; i < JSON_MAX_DEPTH - 1; i++)
		json_arr_open(j, NULL);
	assert_true(json_ok(j));
	json_arr_open(j, NULL);
	assert_false(json_ok(j));
	fclose(m.f);
	m.f = NULL;
	mem_free(&m);
}

static void write_one(struct json *j, void *arg)
{
	json_obj_open(j, NULL);
	json_str(j, "k", arg);
	json_obj_close(j);
}

static void write_deep(struct json *j, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_arr_open(j, NULL);
}

static int write_fails(FILE *f, void *arg)
{
	(void)arg;
	fputs("half", f);
	return -EPROTO;
}

static void test_write_file(void **state)
{
	char dir[] = "/tmp/mpt-test-json.XXXXXX", path[128], tmp[160], buf[64];
	struct stat st;
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	assert_int_equal(json_write_file(path, write_one, "v1"), 0);
	assert_int_equal(json_write_file(path, write_one, "v2"), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	assert_string_equal(buf, "{\"k\":\"v2\"}\n");
	assert_int_equal(stat(tmp, &st), -1);

	/* a failed writer leaves the old file and no temporary */
	assert_int_equal(file_write_atomic(path, write_fails, NULL), -EPROTO);
	assert_int_equal(json_write_file(path, write_deep, NULL), -EOVERFLOW);
	assert_int_equal(stat(tmp, &st), -1);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	assert_string_equal(buf, "{\"k\":\"v2\"}\n");

	/* a directory that does not exist */
	snprintf(path, sizeof(path), "%s/nodir/stats.json", dir);
	assert_int_equal(json_write_file(path, write_one, "x"), -ENOENT);

	snprintf(path, sizeof(path), "%s/stats.json", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_null_and_nonfinite),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_depth_overflow),
		cmocka_unit_test(test_write_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
