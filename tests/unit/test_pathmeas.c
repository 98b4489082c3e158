/* test_pathmeas.c - per-path measurement: RTT smoothing and the
 * failure-detection bound, loss from FEEDBACK against a seeded Bernoulli
 * link (bound from the estimator's own variance), burst lengths, reorder,
 * wrap-around of the 32-bit stamp clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "pathmeas.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_rtt(void **st)
{
	struct pathtx t;

	(void)st;
	pathtx_init(&t);
	assert_true(fabs(pathtx_down_after(&t, 3.0) - 3.0) < 1e-12);
	pathtx_rtt(&t, 0.050);
	assert_true(fabs(t.srtt - 0.050) < 1e-12);
	assert_true(fabs(t.rttvar - 0.025) < 1e-12);
	for (int i = 0; i < 100; i++)
		pathtx_rtt(&t, 0.050);
	assert_true(fabs(t.srtt - 0.050) < 1e-9);
	assert_true(fabs(pathtx_down_after(&t, 3.0) - 0.170) < 1e-6);
	pathtx_rtt(&t, 0.010);
	assert_true(fabs(t.srtt - (0.875 * 0.050 + 0.125 * 0.010)) < 1e-9);
	assert_true(fabs(t.min_rtt - 0.010) < 1e-12);
	/* a fast path is never declared down in less than 100 ms */
	pathtx_init(&t);
	pathtx_rtt(&t, 0.0005);
	assert_true(fabs(pathtx_down_after(&t, 3.0) - PATHMEAS_DOWN_MIN) < 1e-12);
	/* nonsense samples are ignored */
	pathtx_rtt(&t, -1);
	pathtx_rtt(&t, 100);
	pathtx_rtt(&t, NAN);
	assert_int_equal(t.samples, 1);
}

/* RTT from FEEDBACK: sent at stamp S, held `delay` µs by the peer, back at R. */
static void test_feedback_rtt_wrap(void **st)
{
	struct pathtx t;
	static const uint32_t sent[] = {1000, 0xfffff000u, 0xffffffffu};

	(void)st;
	for (unsigned i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		pathtx_init(&t);
		/* sent at sent[i], peer held it 7000 µs, back 30000 µs after sending */
		assert_true(pathtx_feedback(&t, 10, 10, sent[i], 7000, 0, sent[i] + 30000u, 1.0));
		assert_true(t.have_rtt);
		assert_true(fabs(t.latest_rtt - 0.023) < 1e-9);
		/* no progress: no new sample, no loss change */
		assert_false(pathtx_feedback(&t, 10, 10, sent[i], 9000, 0, sent[i] + 90000u, 2.0));
		assert_int_equal(t.samples, 1);
		/* an older report is ignored */
		assert_false(pathtx_feedback(&t, 9, 9, sent[i], 0, 0, sent[i] + 90000u, 2.0));
	}
}

/* Bernoulli loss p on a link; FEEDBACK every `every` datagrams. */
static double run_link(double p, unsigned n, unsigned every, uint16_t *burst16)
{
	struct pathrx r;
	struct pathtx t;
	double now = 0;
	uint32_t h, rc, echo, delay;

	pathrx_init(&r);
	pathtx_init(&t);
	for (uint32_t seq = 1; seq <= n; seq++) {
		now += 0.001;
		pathtx_sent(&t, 100, now);
		if (uniform() >= p)
			pathrx_on(&r, seq, pathmeas_stamp(now), 100, now);
		if (seq % every == 0 && pathrx_feedback(&r, now, &h, &rc, &echo, &delay, burst16))
			pathtx_feedback(&t, h, rc, echo, delay, *burst16, pathmeas_stamp(now + 0.01),
					now + 0.01);
	}
	return t.loss;
}

static void test_loss_bernoulli(void **st)
{
	static const double ps[] = {0.0, 0.01, 0.1, 0.3, 0.5};
	const unsigned every = 50;
	uint16_t b16;

	(void)st;
	for (unsigned i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double p = ps[i], alpha = every / PATHMEAS_LOSS_SPAN;
		/* stationary std of an EWMA of interval means (weight alpha) */
		double sigma = sqrt(alpha / (2 - alpha) * p * (1 - p) / every);
		double est = run_link(p, 20000, every, &b16);
		if (fabs(est - p) > 4.5 * sigma + 1e-9)
			fail_msg("p=%.3f: estimate %.4f, allowed %.4f", p, est, 4.5 * sigma);
	}
}

static void test_burst_and_reorder(void **st)
{
	struct pathrx r;
	uint32_t h, rc, echo, delay, seq = 0;
	uint16_t b16;

	(void)st;
	pathrx_init(&r);
	assert_false(pathrx_feedback(&r, 0, &h, &rc, &echo, &delay, &b16));
	/* runs of exactly 3 lost every 20 */
	for (int k = 0; k < 50; k++) {
		for (int j = 0; j < 17; j++)
			pathrx_on(&r, ++seq, 0, 10, 1.0);
		seq += 3;
	}
	assert_true(pathrx_feedback(&r, 1.0, &h, &rc, &echo, &delay, &b16));
	assert_int_equal(b16, 48);
	assert_int_equal(rc, 850);
	assert_int_equal(r.lost_runs, 49);
	/* reorder: 1 2 4 3 -> nothing lost in the sender's eyes */
	pathrx_init(&r);
	pathrx_on(&r, 1, 100, 10, 1.0);
	pathrx_on(&r, 2, 200, 10, 1.0);
	pathrx_on(&r, 4, 400, 10, 1.5);
	pathrx_on(&r, 3, 300, 10, 1.6);
	assert_true(pathrx_feedback(&r, 2.0, &h, &rc, &echo, &delay, &b16));
	assert_int_equal(h, 4);
	assert_int_equal(rc, 4);
	assert_int_equal(echo, 400);
	assert_int_equal(delay, 500000);
	assert_int_equal(r.reordered, 1);
	/* the path seq wraps */
	pathrx_init(&r);
	pathrx_on(&r, 0xfffffffeu, 0, 10, 1.0);
	pathrx_on(&r, 0xffffffffu, 0, 10, 1.0);
	pathrx_on(&r, 1, 0, 10, 1.0);	/* 0 is never used: one gap */
	assert_int_equal(r.highest, 1);
	assert_int_equal(r.lost_runs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtt), cmocka_unit_test(test_feedback_rtt_wrap),
		cmocka_unit_test(test_loss_bernoulli), cmocka_unit_test(test_burst_and_reorder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
