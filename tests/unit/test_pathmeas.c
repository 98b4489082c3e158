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

/* The guard (fast attack, slow decay), table-driven in FEEDBACK rounds of
 * `per` datagrams with seeded Bernoulli loss: `before` for 200 rounds, then
 * `after`.  rise: rounds until the guard first reaches `reach` (at most
 * rise_max); the long average's own figure is checked to be much slower
 * (what the controller used before).  fall: the guard stays at least `hold`
 * for `hold_rounds` rounds after a drop. */
struct guard_case {
	const char *name;
	double before, after;
	unsigned per;
	double reach;
	unsigned rise_max;
	double hold;
	unsigned hold_rounds;
};

static void test_guard(void **st)
{
	static const struct guard_case cases[] = {
		/* 1% -> 20.8% (the lab's auto-step): within 8 rounds of 10 datagrams */
		{ "step up", 0.01, 0.208, 10, 0.15, 8, 0, 0 },
		{ "step up, 3 per round", 0.01, 0.208, 3, 0.15, 20, 0, 0 },
		/* 20% -> 1%: the guard comes down only slowly (a code shrinks late) */
		{ "step down", 0.2, 0.01, 10, 0, 0, 0.1, 30 },
		/* clean stays 0, exactly */
		{ "clean", 0.0, 0.0, 10, 0, 0, 0, 0 },
	};
	unsigned i, r, k;

	(void)st;
	rng = 0x1234567ull;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct guard_case *c = &cases[i];
		struct pathmeas_guard g = { 0, 0 };
		double slow = 0;
		unsigned rise = 0, slow_rise = 0;

		for (r = 0; r < 200 + 400; r++) {
			double p = r < 200 ? c->before : c->after;
			uint32_t got = 0;

			for (k = 0; k < c->per; k++)
				got += uniform() >= p;
			slow += c->per / PATHMEAS_LOSS_SPAN * ((1.0 - (double)got / c->per) - slow);
			pathmeas_guard_update(&g, c->per, got, slow);
			assert_true(g.value >= 0 && g.value <= 1);
			if (r >= 200 && c->reach > 0 && !rise && g.value >= c->reach)
				rise = r - 200 + 1;
			if (r >= 200 && c->reach > 0 && !slow_rise && slow >= c->reach)
				slow_rise = r - 200 + 1;
			if (r >= 200 && r < 200 + c->hold_rounds && g.value < c->hold)
				fail_msg("%s: guard %.3f under %.3f %u rounds after the drop", c->name,
					 g.value, c->hold, r - 200);
			if (c->before == 0 && c->after == 0 && g.value != 0)
				fail_msg("%s: guard %.4f on a clean link", c->name, g.value);
		}
		if (c->reach > 0) {
			if (!rise || rise > c->rise_max)
				fail_msg("%s: guard reached %.2f after %u rounds (max %u)", c->name,
					 c->reach, rise, c->rise_max);
			/* the long average alone (the old controller's figure) is far slower */
			assert_true(!slow_rise || slow_rise > 4 * rise);
		}
		if (c->after > 0 && c->after < 0.05) {	/* settled on a low loss: a margin, not a multiple */
			assert_true(g.value >= c->after * 0.5 && g.value <= c->after + 0.06);
		}
	}
	/* nothing delivered in an interval: the guard is 1 at once */
	{
		struct pathmeas_guard g = { 0, 0 };

		pathmeas_guard_update(&g, 40, 0, 0.08);
		assert_true(fabs(g.value - 1.0) < 1e-12);
		pathmeas_guard_update(&g, 0, 0, 0.08);	/* no interval: no change */
		assert_true(fabs(g.value - 1.0) < 1e-12);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtt), cmocka_unit_test(test_feedback_rtt_wrap),
		cmocka_unit_test(test_loss_bernoulli), cmocka_unit_test(test_burst_and_reorder),
		cmocka_unit_test(test_guard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
