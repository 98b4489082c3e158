/* test_fuzz_corpus.c - replay the fuzzers' corpora through the harness bodies.
 *
 * Every file in fuzz/corpus/NAME/ (must exist and be non-empty) and in
 * fuzz/regress/NAME/ (crash reproducers; optional) goes through the same
 * function libFuzzer calls (fuzz/fuzz_NAME.c), here built with the unit-test
 * compiler and sanitizers.  The fuzz directory is $MPT_FUZZ_DIR, or "fuzz"
 * relative to the current directory (tests/run runs from the repo root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../fuzz/fuzz.h"

#define REPLAY_MAX (1 << 20)

struct harness {
	const char *name;
	const char *(*one)(const uint8_t *data, size_t size);
};

static uint8_t input[REPLAY_MAX + 1];

static const char *fuzz_dir(void)
{
	const char *d = getenv("MPT_FUZZ_DIR");

	return d && *d ? d : "fuzz";
}

static size_t read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		fail_msg("%s: cannot open", path);
	n = fread(input, 1, sizeof(input), f);
	if (ferror(f))
		fail_msg("%s: read error", path);
	fclose(f);
	if (n > REPLAY_MAX)
		fail_msg("%s: larger than %d bytes", path, REPLAY_MAX);
	return n;
}

/* Replay every regular file in DIR/SUB/NAME; returns the count, -1 if no such dir. */
static int replay_dir(const struct harness *h, const char *sub)
{
	char path[PATH_MAX], file[PATH_MAX + 256];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int count = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", fuzz_dir(), sub, h->name);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		const char *why;
		size_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		n = read_file(file);
		why = h->one(input, n);
		if (why) {
			closedir(d);
			fail_msg("%s: %s", file, why);
		}
		count++;
	}
	closedir(d);
	return count;
}

static void replay(const struct harness *h)
{
	static const uint8_t zeros[64];
	int seeds, regress;

	/* inputs every harness must survive */
	assert_null(h->one(zeros, 0));
	assert_null(h->one(NULL, 0));
	assert_null(h->one(zeros, sizeof(zeros)));

	seeds = replay_dir(h, "corpus");
	if (seeds <= 0)
		fail_msg("%s/corpus/%s: no corpus (set MPT_FUZZ_DIR or run from the repo root)",
			 fuzz_dir(), h->name);
	regress = replay_dir(h, "regress");
	print_message("%s: %d corpus files, %d regression files\n", h->name, seeds,
		      regress < 0 ? 0 : regress);
}

static void test_wire(void **state)
{
	static const struct harness h = { "wire", fuzz_wire_one };

	(void)state;
	replay(&h);
}

static void test_open(void **state)
{
	static const struct harness h = { "open", fuzz_open_one };

	(void)state;
	replay(&h);
}

static void test_window(void **state)
{
	static const struct harness h = { "window", fuzz_window_one };

	(void)state;
	replay(&h);
}

static void test_config(void **state)
{
	static const struct harness h = { "config", fuzz_config_one };

	(void)state;
	replay(&h);
}

static void test_fec(void **state)
{
	static const struct harness h = { "fec", fuzz_fec_one };

	(void)state;
	replay(&h);
}

static void test_rx(void **state)
{
	static const struct harness h = { "rx", fuzz_rx_one };

	(void)state;
	replay(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_fec),
		cmocka_unit_test(test_rx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
