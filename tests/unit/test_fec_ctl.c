/* test_fec_ctl.c - the redundancy controller (lib/fec_ctl.c) and its theory:
 * the exact binomial block-failure formula, agreement with lab/theory_fec.py,
 * the choices of broadcast, fec:K:M and auto. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fec_ctl.h"

/* sum_{i>m} C(n,i) p^i (1-p)^(n-i) i/n, written out */
static double binomial_residual(unsigned k, unsigned m, double p)
{
	unsigned n = k + m, i;
	double r = 0;

	for (i = m + 1; i <= n; i++)
		r += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0)) * pow(p, i) *
		     pow(1 - p, n - i) * i / n;
	return r;
}

static void near(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want) + 1e-300)
		fail_msg("got %.17g, want %.17g", got, want);
}

static void test_binomial(void **state)
{
	static const unsigned codes[][2] = { { 20, 20 }, { 10, 20 }, { 32, 32 }, { 20, 10 },
					      { 1, 1 }, { 4, 2 }, { 64, 64 }, { 5, 1 } };
	static const double ps[] = { 0.01, 0.1, 0.3, 0.5 };
	double p3[3];
	unsigned i, j, s;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		for (j = 0; j < sizeof(ps) / sizeof(ps[0]); j++) {
			double want = binomial_residual(codes[i][0], codes[i][1], ps[j]);

			for (s = 1; s <= 3; s++) {
				p3[0] = p3[1] = p3[2] = ps[j];
				near(fec_theory_block(codes[i][0], codes[i][1], s, p3, NULL), want, 1e-9);
			}
		}
	}
	/* the figures of NOTES.md and issue 11 */
	p3[0] = p3[1] = p3[2] = 0.3;
	assert_true(fabs(fec_theory_block(20, 20, 3, p3, NULL) - 0.0013) < 0.0001);
	assert_true(fabs(fec_theory_block(10, 20, 3, p3, NULL) - 5.1e-6) < 0.1e-6);
	near(fec_theory_copies(3, p3), 0.027, 1e-9);
	p3[0] = p3[1] = p3[2] = 0.1;
	assert_true(fabs(fec_theory_block(20, 10, 3, p3, NULL) - 3.3e-5) < 0.1e-5);
	/* a dead path among three: a third of the symbols lost for sure */
	p3[0] = 0;
	p3[1] = 0;
	p3[2] = 1;
	assert_true(fec_theory_block(20, 20, 3, p3, NULL) == 0);	/* 13 lost of 40 */
	assert_true(fec_theory_block(20, 10, 3, p3, NULL) == 0);	/* 10 lost of 30: m = 10 */
	p3[0] = 1;
	p3[2] = 0;
	/* 20:9 puts 10 symbols (7 data) on the first path: those 7 are lost */
	near(fec_theory_block(20, 9, 3, p3, NULL), 7.0 / 20, 1e-12);
	/* clumps: bursts hurt when not interleaved */
	{
		unsigned c1[3] = { 1, 1, 1 }, c5[3] = { 5, 5, 5 };

		p3[0] = p3[1] = p3[2] = 0.1;
		assert_true(fec_theory_block(20, 10, 3, p3, c5) > 10 * fec_theory_block(20, 10, 3, p3, c1));
	}
	assert_int_equal(fec_theory_clump(5, 10), 1);
	assert_int_equal(fec_theory_clump(5, 1), 5);
	assert_int_equal(fec_theory_clump(0, 1), 1);
	assert_int_equal(fec_theory_clump(20, 4), 5);
}

/* lab/theory_fec.py --table: "k m s p... c... residual" per line */
static void test_agrees_with_python(void **state)
{
	const char *dir = getenv("MPT_SRCDIR");
	char cmd[512], line[1024];
	FILE *f;
	unsigned lines = 0;

	(void)state;
	snprintf(cmd, sizeof(cmd), "python3 %s/lab/theory_fec.py --table", dir && *dir ? dir : ".");
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned k, m, s, c[FEC_PATHS_MAX], j;
		double p[FEC_PATHS_MAX], want;
		char *q = line, *end;

		k = (unsigned)strtoul(q, &end, 10);
		m = (unsigned)strtoul(end, &end, 10);
		s = (unsigned)strtoul(end, &end, 10);
		assert_true(s >= 1 && s <= FEC_PATHS_MAX);
		for (j = 0; j < s; j++)
			p[j] = strtod(end, &end);
		for (j = 0; j < s; j++)
			c[j] = (unsigned)strtoul(end, &end, 10);
		want = strtod(end, &end);
		near(fec_theory_block(k, m, s, p, c), want, 1e-9);
		lines++;
	}
	assert_int_equal(pclose(f), 0);
	assert_true(lines >= 10);
}

static void test_parse(void **state)
{
	struct fec_ctl_config c = { 0 };

	(void)state;
	assert_true(fec_ctl_parse_mode("broadcast", &c));
	assert_int_equal(c.mode, FEC_MODE_BROADCAST);
	assert_true(fec_ctl_parse_mode("auto", &c));
	assert_int_equal(c.mode, FEC_MODE_AUTO);
	assert_true(fec_ctl_parse_mode("fec:20:20", &c));
	assert_int_equal(c.mode, FEC_MODE_FIXED);
	assert_int_equal(c.k, 20);
	assert_int_equal(c.m, 20);
	assert_true(fec_ctl_parse_mode("fec:64:64", &c));
	assert_false(fec_ctl_parse_mode("fec:65:1", &c));
	assert_false(fec_ctl_parse_mode("fec:64:65", &c));
	assert_false(fec_ctl_parse_mode("fec:0:1", &c));
	assert_false(fec_ctl_parse_mode("fec:1:0", &c));
	assert_false(fec_ctl_parse_mode("fec:20", &c));
	assert_false(fec_ctl_parse_mode("fec:20:20:1", &c));
	assert_false(fec_ctl_parse_mode("fec:-1:2", &c));
	assert_false(fec_ctl_parse_mode("fec:99999999999999999999:2", &c));
	assert_false(fec_ctl_parse_mode("Broadcast", &c));
	assert_false(fec_ctl_parse_mode("", &c));
}

static void paths3(struct fec_ctl_path *p, double a, double b, double c, double burst)
{
	memset(p, 0, 3 * sizeof(*p));
	p[0].live = p[1].live = p[2].live = true;
	p[0].loss = a;
	p[1].loss = b;
	p[2].loss = c;
	p[0].burst = p[1].burst = p[2].burst = burst;
}

static void test_modes(void **state)
{
	struct fec_ctl_config cfg = { .mode = FEC_MODE_BROADCAST, .depth = 10, .wait_us = 5000 };
	struct fec_ctl_path p[3];
	struct fec_ctl_choice ch;
	unsigned i;

	(void)state;
	paths3(p, 0.3, 0.3, 0.3, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 10000, &ch));
	assert_true(ch.copies);
	assert_int_equal(ch.ncopies, 3);
	assert_int_equal(ch.paths, 7);
	near(ch.residual, 0.027, 1e-9);
	p[1].live = false;
	assert_true(fec_ctl_choose(&cfg, p, 3, 10000, &ch));
	assert_int_equal(ch.ncopies, 2);
	assert_int_equal(ch.paths, 5);
	p[0].live = p[2].live = false;
	assert_false(fec_ctl_choose(&cfg, p, 3, 10000, &ch));

	cfg.mode = FEC_MODE_FIXED;
	cfg.k = 20;
	cfg.m = 20;
	paths3(p, 0.3, 0.3, 0.3, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 10000, &ch));
	assert_false(ch.copies);
	assert_int_equal(ch.k, 20);
	assert_int_equal(ch.m, 20);
	assert_int_equal(ch.paths, 7);
	near(ch.cost, 2.0, 1e-12);
	assert_int_equal(ch.m_for_k[20], 20);
	/* measured losses: a block closed early holds a full block's residual, or costs
	 * as much as broadcast */
	for (i = 1; i <= FEC_K_MAX; i++)
		assert_true(fec_code_valid(i, ch.m_for_k[i]));
	{
		double pp[3] = { 0.3, 0.3, 0.3 }, full = fec_theory_block(20, 20, 3, pp, NULL);

		assert_int_equal(ch.m_for_k[1], 2);
		for (i = 1; i < 20; i++)
			assert_true(fec_theory_block(i, ch.m_for_k[i], 3, pp, NULL) <= full ||
				    ch.m_for_k[i] == 2 * i);
		assert_true(ch.m_for_k[10] > 10);	/* proportional would not do */
	}
	/* nothing measured yet: proportional */
	paths3(p, 0, 0, 0, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 10000, &ch));
	assert_int_equal(ch.m_for_k[1], 1);
	assert_int_equal(ch.m_for_k[5], 5);
}

static void test_auto(void **state)
{
	struct fec_ctl_config cfg = { .mode = FEC_MODE_AUTO, .target = 1e-3, .depth = 10,
				      .wait_us = 5000 };
	struct fec_ctl_path p[3];
	struct fec_ctl_choice ch;
	double pp[3];
	unsigned i;

	(void)state;
	/* clean paths, plenty of traffic: a long block with one parity (<= 1.15x) */
	paths3(p, 0, 0, 0, 0);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	assert_false(ch.copies);
	assert_true(ch.cost <= 1.15);
	assert_true(ch.meets_target);
	/* 3 x 30%: blocks at well under broadcast's 3x, under the target */
	paths3(p, 0.3, 0.3, 0.3, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	assert_false(ch.copies);
	assert_true(ch.meets_target);
	assert_true(ch.residual <= 1e-3);
	assert_true(ch.cost < 2.5);
	pp[0] = pp[1] = pp[2] = 0.3;
	near(ch.residual, fec_theory_block(ch.k, ch.m, 3, pp, NULL), 1e-12);
	/* every smaller m of the chosen k misses the target */
	assert_true(fec_theory_block(ch.k, ch.m - 1, 3, pp, NULL) > 1e-3);
	/* the step 1% -> 20% */
	paths3(p, 0.01, 0.01, 0.01, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	assert_true(ch.cost < 1.3);
	paths3(p, 0.2, 0.2, 0.2, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	assert_true(ch.residual <= 1e-3);
	/* a lone datagram now and then: copies (1 per wait is too few for a block) */
	paths3(p, 0.1, 0.1, 0.1, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 50, &ch));
	assert_true(ch.copies);
	assert_int_equal(ch.ncopies, 3);	/* 0.1^3 = 1e-3 <= target */
	/* a dead path is left out of the spread */
	paths3(p, 0.01, 0.01, 1.0, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	assert_true(ch.meets_target);
	assert_int_equal(ch.paths & 4, 0);
	/* bursts, interleaved 10 deep: GE 10% burst 5 needs little more than iid */
	paths3(p, 0.1, 0.1, 0.1, 5);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	assert_true(ch.meets_target);
	assert_true(ch.cost <= 1.6);
	/* not interleaved: clumps of 5 cost more */
	cfg.depth = 1;
	{
		struct fec_ctl_choice ch1;

		assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch1));
		assert_true(ch1.cost > ch.cost);
	}
	cfg.depth = 10;
	/* unreachable target: the best it can do, never more bytes than broadcast */
	cfg.target = 1e-12;
	paths3(p, 0.5, 0.5, 0.5, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	assert_false(ch.meets_target);
	assert_true(ch.cost <= 3.0 + 1e-9);
	/* the m_for_k table is a valid code everywhere and holds the target where it can */
	cfg.target = 1e-3;
	paths3(p, 0.1, 0.1, 0.1, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 20000, &ch));
	pp[0] = pp[1] = pp[2] = 0.1;
	for (i = 1; i <= FEC_K_MAX; i++)
		assert_true(fec_code_valid(i, ch.m_for_k[i]));
	for (i = 2; i <= ch.k; i++)
		assert_true(fec_theory_block(i, ch.m_for_k[i], 3, pp, NULL) <= 1e-3 ||
			    (double)(i + ch.m_for_k[i]) / i >= 3.0 - 1e-9);
}

/* Hysteresis (fec_ctl_change), table-driven: the code in use, the paths'
 * figures, how long since the last change -> change or keep. */
struct change_case {
	const char *name;
	unsigned cur_k, cur_m;	/* 0, 0: broadcast */
	double loss;		/* every path */
	double since;
	bool change;
};

static void test_change(void **state)
{
	static const struct change_case cases[] = {
		{ "broadcast, clean: to a code", 0, 0, 0.0, 100, true },
		{ "a code that holds, a slightly cheaper one: keep", 32, 3, 0.0, 100, false },
		{ "a code too weak for 20%: at once", 32, 2, 0.2, 0.0, true },
		{ "a code too weak for 20%, just changed: still at once", 32, 2, 0.2, 0.01, true },
		{ "a strong code after the loss fell: not within the hold", 32, 32, 0.01, 0.5, false },
		{ "a strong code after the loss fell: after the hold", 32, 32, 0.01, 2.0, true },
		{ "the chosen code itself: no change", 0, 0, 0.0, 100, false },
	};
	struct fec_ctl_config cfg = { .mode = FEC_MODE_AUTO, .target = 1e-3, .depth = 4,
				      .wait_us = 200000 };
	struct fec_ctl_path p[3];
	struct fec_ctl_choice ch;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct change_case *c = &cases[i];
		unsigned k = c->cur_k, m = c->cur_m;

		paths3(p, c->loss, c->loss, c->loss, 1);
		assert_true(fec_ctl_choose(&cfg, p, 3, 0, &ch));
		if (i == sizeof(cases) / sizeof(cases[0]) - 1) {
			k = ch.copies ? 0 : ch.k;	/* what it chose is in use */
			m = ch.copies ? 0 : ch.m;
		}
		if (fec_ctl_change(&cfg, p, 3, k, m, &ch, c->since) != c->change)
			fail_msg("%s: fec:%u:%u -> %s%u:%u: %s expected", c->name, k, m,
				 ch.copies ? "copies " : "fec:", ch.k, ch.m,
				 c->change ? "a change" : "no change");
	}
	/* a path going down: the code in use is judged on the paths left */
	paths3(p, 0.01, 0.01, 0.01, 1);
	assert_true(fec_ctl_choose(&cfg, p, 3, 0, &ch));
	assert_true(fec_ctl_residual(&cfg, p, 3, ch.k, ch.m) <= 1e-3);
	p[1].live = false;
	near(fec_ctl_residual(&cfg, p, 3, 0, 0), 0.01 * 0.01, 1e-12);	/* copies on the 2 left */
	assert_true(fec_ctl_residual(&cfg, p, 3, 32, 1) > 1e-3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binomial),
		cmocka_unit_test(test_agrees_with_python),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
