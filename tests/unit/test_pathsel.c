/* test_pathsel.c - which paths carry traffic (tunnel/pathsel.h), table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "tunnel/pathsel.h"

struct sel_case {
	const char *name;
	uint16_t usable, down, backup;
	double loss[4];		/* paths 0-3; -1: unknown */
	uint16_t want;
};

static const struct sel_case cases[] = {
	{ "all up, no backup: all", 0x7, 0, 0, { 0, 0, 0, -1 }, 0x7 },
	{ "one down: the others", 0x7, 0x2, 0, { 0, 0, 0, -1 }, 0x5 },
	{ "all down: all usable (never drop)", 0x7, 0x7, 0, { 0, 0, 0, -1 }, 0x7 },
	{ "nothing usable: nothing", 0, 0, 0, { -1, -1, -1, -1 }, 0 },
	{ "a backup waits while a primary is good", 0x7, 0, 0x4, { 0.001, 0, 0, -1 }, 0x3 },
	{ "primaries down: the backup", 0x7, 0x3, 0x4, { 0, 0, 0, -1 }, 0x4 },
	{ "primaries and backup down: all usable", 0x7, 0x7, 0x4, { 0, 0, 0, -1 }, 0x7 },
	{ "one primary down, the other good: no backup", 0x7, 0x1, 0x4, { 0, 0.005, 0, -1 }, 0x2 },
	{ "the one primary up loses 5%: backup joins", 0x7, 0x1, 0x4, { 0, 0.05, 0, -1 }, 0x6 },
	{ "two at 20%: residual 4% > 1%: backup joins", 0x7, 0, 0x4, { 0.2, 0.2, 0, -1 }, 0x7 },
	{ "two at 5%: residual 0.25%: no backup", 0x7, 0, 0x4, { 0.05, 0.05, 0.5, -1 }, 0x3 },
	{ "unknown loss counts as 0", 0x7, 0, 0x4, { -1, 0.5, 0, -1 }, 0x3 },
	{ "a down backup is not used", 0xf, 0x3, 0x4, { 0, 0, 0, 0 }, 0x8 },
	{ "two backups, one down", 0xf, 0x1 | 0x4, 0xc, { 0.5, 0.5, 0, 0 }, 0xa },
	{ "not usable is never chosen", 0x5, 0, 0x4, { 0, 0, 0, 0 }, 0x1 },
};

static void test_pick(void **state)
{
	unsigned i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sel_case *c = &cases[i];
		struct pathsel s = { .usable = c->usable, .down = c->down, .backup = c->backup };
		uint16_t got;

		for (k = 0; k < 16; k++)
			s.loss[k] = k < 4 && c->loss[k] >= 0 ? c->loss[k] : NAN;
		got = pathsel_pick(&s, PATHSEL_TARGET_LOSS);
		if (got != c->want)
			fail_msg("%s: got 0x%x, want 0x%x", c->name, got, c->want);
	}
}

static void test_residual_and_idle(void **state)
{
	struct pathsel s = { .usable = 0x7 };
	unsigned k;

	(void)state;
	for (k = 0; k < 16; k++)
		s.loss[k] = NAN;
	s.loss[0] = 0.1;
	s.loss[1] = 0.2;
	assert_true(fabs(pathsel_residual(&s, 0x3) - 0.02) < 1e-12);
	assert_true(pathsel_residual(&s, 0x7) == 0.0);	/* path 2 unknown: lossless */
	assert_true(pathsel_residual(&s, 0) == 0.0);
	/* a backup probed every 5 keepalives: down after three probe intervals */
	assert_true(fabs(pathsel_idle(1.0, 3.0) - 15.0) < 1e-12);
	assert_true(fabs(pathsel_idle(0.1, 3.0) - 3.0) < 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_residual_and_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
