/* test_bridge_mean.c - the mean loss mpbridge reports for each loss model
 * (bridge/lossmodel.c, printed by --check --json) against a seeded run of
 * the impairment engine itself, the settings parsed from the command line
 * as a user types them (so iproute2's defaults for omitted parameters are
 * the parser's).
 *
 * The bound.  The loss indicators L_1..L_N of a model driven by a finite
 * Markov chain (Bernoulli: one state) have, for the count S = sum L_n,
 *   E S = N q + b,   |b| <= B = sum_n |P(L_n = 1 | start) - q|,
 *   Var S = N s2 + O(1),  s2 = q(1-q) + 2 sum_{m>=1} Cov(L_0, L_m),
 * with q the stationary mean and s2 the asymptotic variance, both computed
 * here from the test's own transition matrix (not lossmodel.c's).  By the
 * Markov-chain central limit theorem S is close to normal, so
 *   |S - N q| <= 5 sqrt(N s2) + B
 * fails with probability ~6e-7 per check for a correct engine; the seeds
 * are fixed, so the test is repeatable.  N = 2e6 makes the interval tight:
 * its half-width is at most 5% of N q for every model below (3.5% for the
 * smallest, 1% Bernoulli; asserted, so a loose check cannot pass
 * unnoticed), and a mean that is wrong by more than that fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../bridge/impair.h"
#include "markov.h"
#include "../../bridge/lossmodel.h"
#include "../../bridge/opts.h"
#include "../../bridge/settings_json.h"

#define N_DRAWS 2000000u

static int emit(void *ctx, int dir, uint8_t *buf, size_t len, unsigned flags, uint64_t seq,
		double now)
{
	(void)ctx, (void)dir, (void)buf, (void)len, (void)flags, (void)seq, (void)now;
	return DROP_NONE;
}

static const struct impair_ops OPS = { emit, NULL, NULL };

/* the settings of one direction from a command line's settings */
static void parse(struct bridge_opts *o, const char *settings)
{
	char buf[256], *av[32], err[OPTS_ERRLEN], *save = NULL, *t;
	int ac = 0;

	snprintf(buf, sizeof(buf), "mpbridge -l 1 -t h:2 %s", settings);
	for (t = strtok_r(buf, " ", &save); t && ac < 31; t = strtok_r(NULL, " ", &save))
		av[ac++] = t;
	av[ac] = NULL;
	if (!opts_parse(o, ac, av, err, sizeof(err)))
		fail_msg("'%s': %s", settings, err);
}

/* losses among n datagrams (one per ms from t0) */
static uint64_t run(const struct impair_cfg *c, uint64_t seed, size_t n, double t0, double dt)
{
	static uint8_t buf[64];
	struct impair_dir d;
	uint64_t lost;
	size_t i;

	assert_int_equal(impair_init(&d, DIR_C2S, c, seed, 0, 64, &OPS), 0);
	for (i = 0; i < n; i++)
		impair_input(&d, t0 + (double)i * dt, buf, sizeof(buf));
	lost = d.st.dropped[DROP_LOSS] + d.st.dropped[DROP_BLACKOUT];
	impair_free(&d);
	return lost;
}

static void check(const char *settings, const double *P, int k, const double *f, int start,
		  uint64_t seed)
{
	struct bridge_opts o;
	double q, s2, B, mean, half;
	uint64_t lost;

	parse(&o, settings);
	mean = loss_model_mean(&o.base[DIR_C2S].loss);
	markov_loss(P, k, f, start, &q, &s2, &B);
	if (fabs(mean - q) > 1e-9)
		fail_msg("'%s': mpbridge's mean %.12g, the chain's %.12g", settings, mean, q);
	lost = run(&o.base[DIR_C2S], seed, N_DRAWS, 0, 0.001);
	half = 5 * sqrt(N_DRAWS * s2) + B;
	if (half > 0.05 * N_DRAWS * mean)
		fail_msg("'%s': interval +-%.0f is not tight (mean %.6g)", settings, half,
			 N_DRAWS * mean);
	if (fabs((double)lost - N_DRAWS * mean) > half)
		fail_msg("'%s': %llu lost of %u, mpbridge's mean %.6g gives %.1f +- %.1f",
			 settings, (unsigned long long)lost, N_DRAWS, mean, N_DRAWS * mean, half);
	print_message("%-44s mean %.6f  simulated %.6f  (+- %.6f)\n", settings, mean,
		      (double)lost / N_DRAWS, half / N_DRAWS);
	opts_free(&o);
}

static void bernoulli(const char *settings, double p, uint64_t seed)
{
	double P[1] = { 1 }, f[1] = { p };

	check(settings, P, 1, f, 0, seed);
}

/* netem gemodel: loss by the state a datagram finds, then the move */
static void ge(const char *settings, double p, double r, double h1, double k1, uint64_t seed)
{
	double P[4] = { 1 - p, p, r, 1 - r }, f[2] = { k1, h1 };

	check(settings, P, 2, f, 0, seed);
}

static void test_mean_bernoulli(void **state)
{
	(void)state;
	bernoulli("--loss 10%", 0.10, 1);
	bernoulli("--loss 1", 0.01, 2);		/* netem's reading: 1% */
	bernoulli("--loss random 30", 0.30, 3);
}

static void test_mean_gemodel(void **state)
{
	(void)state;
	/* iproute2's defaults: r = 1 - p, 1-h = 100%, 1-k = 0% */
	ge("--loss gemodel 10%", 0.10, 0.90, 1, 0, 11);
	ge("--loss gemodel 5% 30%", 0.05, 0.30, 1, 0, 12);
	ge("--loss gemodel 5% 30% 80%", 0.05, 0.30, 0.80, 0, 13);
	ge("--loss gemodel 5% 20% 80% 1%", 0.05, 0.20, 0.80, 0.01, 14);
	ge("--loss gemodel 2 30 50 0.5", 0.02, 0.30, 0.50, 0.005, 15);
}

/* netem 4-state: the move first, loss in states 3 and 4 */
static void four(const char *settings, double p13, double p31, double p32, double p23,
		 double p14, uint64_t seed)
{
	double P[16] = {
		1 - p13 - p14, 0, p13, p14,
		0, 1 - p23, p23, 0,
		p31, p32, 1 - p31 - p32, 0,
		1, 0, 0, 0,
	};
	double f[4] = { 0, 0, 1, 1 };

	check(settings, P, 4, f, 0, seed);
}

static void test_mean_4state(void **state)
{
	(void)state;
	/* defaults p31 = 1 - p13, p32 = 0, p23 = 100%, p14 = 0 */
	four("--loss state 5%", 0.05, 0.95, 0, 1, 0, 21);
	four("--loss state 2% 50% 30% 20% 1%", 0.02, 0.50, 0.30, 0.20, 0.01, 22);
}

static void test_mean_nth(void **state)
{
	struct bridge_opts o;

	(void)state;
	parse(&o, "--loss nth 7");
	assert_true(fabs(loss_model_mean(&o.base[DIR_C2S].loss) - 1.0 / 7) < 1e-15);
	/* exact: datagrams 7, 14, ... */
	assert_int_equal(run(&o.base[DIR_C2S], 5, N_DRAWS, 0, 0.001), N_DRAWS / 7);
	opts_free(&o);
}

/* the JSON of o, in a malloc'd string */
static char *json_of(const struct bridge_opts *o)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	assert_int_equal(settings_json_write(f, o), 0);
	fclose(f);
	return s;
}

static void test_mean_blackout(void **state)
{
	struct bridge_opts o;
	struct impair_cfg c;
	char *js;

	(void)state;
	/* the window is a timeline entry of its own, with mean 1 */
	parse(&o, "--loss 10% --blackout 1s 2s");
	js = json_of(&o);
	assert_non_null(strstr(js, "\"timeline\":[{\"at\":1,\"until\":2,\"source\":\"--blackout\","
				   "\"c2s\":{\"loss\":{\"model\":\"blackout\""));
	assert_non_null(strstr(js, "\"mean\":1,\"underlying\":{\"model\":\"bernoulli\","
				   "\"params\":{\"p\":0.1},\"mean\":0.1}"));
	assert_non_null(strstr(js, "{\"at\":2,\"until\":null,\"source\":\"--blackout\","
				   "\"c2s\":{\"loss\":{\"model\":\"bernoulli\""));
	free(js);
	/* the engine: every datagram inside the window lost, the mean outside */
	c = o.base[DIR_C2S];
	assert_int_equal(run(&c, 7, 100000, 1.0, 1e-5), 100000);
	c.loss.kind = LOSS_NONE;
	assert_int_equal(run(&c, 7, 100000, 2.0, 1e-5), 0);
	assert_int_equal(run(&c, 7, 100000, 0.0, 1e-5), 0);
	opts_free(&o);

	/* --down in a step: model blackout from the step on */
	parse(&o, "--at 3s --down --at 5s --up");
	js = json_of(&o);
	assert_non_null(strstr(js, "{\"at\":3,\"until\":5,\"source\":\"--at 3s\",\"c2s\":{\"loss\":"
				   "{\"model\":\"blackout\",\"params\":{\"cause\":\"down\"},"
				   "\"mean\":1,"));
	free(js);
	assert_int_equal(run(&o.tl[0].cfg[DIR_S2C], 8, 1000, 3.0, 0.001), 1000);
	opts_free(&o);
}

static void test_mean_flap(void **state)
{
	struct bridge_opts o;
	double mean, up = 4.0 / 5.0, half;
	uint64_t lost;

	(void)state;
	/* up 4 s, down 1 s; 2% Bernoulli while up: 1 - 0.98 * 4/5 */
	parse(&o, "--flap 4s 1s --loss 2%");
	mean = 1 - (1 - loss_model_mean(&o.base[DIR_C2S].loss)) * up;
	assert_true(fabs(mean - 0.216) < 1e-12);
	/* N datagrams evenly over 400 periods: the down part is exact, the
	 * Bernoulli part binomial over the up datagrams */
	lost = run(&o.base[DIR_C2S], 9, N_DRAWS, 0, 2000.0 / N_DRAWS);
	half = 5 * sqrt(N_DRAWS * up * 0.02 * 0.98) + 2;
	if (fabs((double)lost - N_DRAWS * mean) > half)
		fail_msg("flap: %llu lost, want %.0f +- %.0f", (unsigned long long)lost,
			 N_DRAWS * mean, half);
	{
		char *js = json_of(&o);

		assert_non_null(strstr(js, "\"loss\":{\"model\":\"flap\",\"params\":{\"up_s\":4,"
					   "\"down_s\":1},\"mean\":0.21"));
		free(js);
	}
	opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_bernoulli),
		cmocka_unit_test(test_mean_gemodel),
		cmocka_unit_test(test_mean_4state),
		cmocka_unit_test(test_mean_nth),
		cmocka_unit_test(test_mean_blackout),
		cmocka_unit_test(test_mean_flap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
