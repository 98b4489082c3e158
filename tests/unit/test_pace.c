/* test_pace.c - delivery pacing (lib/pace.c) with simulated time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "pace.h"

#define STEP 0.0001	/* simulated event-loop iteration: 100 us */

struct sim {
	struct pace p;
	double now;
	double queue;		/* datagrams waiting in our sockets */
	unsigned long delivered;
	double max_queue;
	unsigned max_in_ms;	/* most datagrams delivered within one 1-ms slot */
	unsigned cur_ms_count;
	long cur_ms;
};

static void sim_init(struct sim *s)
{
	static const struct pace_params prm = PACE_DEFAULTS;

	pace_init(&s->p, &prm);
	s->now = 1000.0;
	s->queue = 0;
	s->delivered = 0;
	s->max_queue = 0;
	s->max_in_ms = 0;
	s->cur_ms_count = 0;
	s->cur_ms = -1;
}

/* One loop iteration: arrivals, then (unless stalled) delivery by the pacer. */
static void sim_step(struct sim *s, double arrivals, bool stalled)
{
	long ms = lround(floor(s->now * 1000));
	unsigned allow, n;

	s->queue += arrivals;
	if (s->queue > s->max_queue)
		s->max_queue = s->queue;
	if (ms != s->cur_ms) {
		s->cur_ms = ms;
		s->cur_ms_count = 0;
	}
	if (!stalled && s->queue >= 1) {
		allow = pace_allow(&s->p, s->now);
		n = (unsigned)s->queue < allow ? (unsigned)s->queue : allow;
		if (n) {
			pace_spent(&s->p, n, s->now);
			s->queue -= n;
			s->delivered += n;
			s->cur_ms_count += n;
			if (s->cur_ms_count > s->max_in_ms)
				s->max_in_ms = s->cur_ms_count;
		}
	}
	s->now += STEP;
}

/* iperf3-like: bursts of `burst` datagrams every ms at `rate` datagrams/s */
static double arrivals_at(double t, double rate, unsigned burst)
{
	double period = burst / rate;
	double k = floor(t / period), k2 = floor((t + STEP) / period);

	return (k2 - k) * burst;
}

/* A steady flow, bursty as iperf3 sends, is never held back: nothing queues. */
static void test_steady_not_delayed(void **state)
{
	static const struct {
		double rate;
		unsigned burst;
	} cases[] = { { 900, 1 }, { 8929, 9 }, { 50000, 50 }, { 200000, 64 } };
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct sim s;
		unsigned i;
		double t0;

		sim_init(&s);
		/* warm up: the rate is learnt within a few tau */
		for (i = 0; i < 2000; i++)
			sim_step(&s, arrivals_at(s.now, cases[c].rate, cases[c].burst), false);
		s.max_queue = 0;
		t0 = s.now;
		for (i = 0; i < 20000; i++)
			sim_step(&s, arrivals_at(s.now, cases[c].rate, cases[c].burst), false);
		if (s.max_queue > cases[c].burst + 1)
			fail_msg("rate %.0f/s: %.0f datagrams queued (bursts of %u)", cases[c].rate,
				 s.max_queue, cases[c].burst);
		assert_true(fabs(s.now - t0 - 2.0) < 0.01);
	}
}

/*
 * After a stall the backlog goes out at most about factor x the flow's rate
 * (floor included) in bursts of at most the bucket depth, and is gone in
 * bounded time.
 */
static void test_backlog_drained_paced(void **state)
{
	static const double rates[] = { 8929, 100000 };
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(rates) / sizeof(rates[0]); c++) {
		struct sim s;
		unsigned i, steps = 0;
		double rate = rates[c], bound_ms, stall = 0.010;

		sim_init(&s);
		for (i = 0; i < 3000; i++)
			sim_step(&s, arrivals_at(s.now, rate, 9), false);
		for (i = 0; i < (unsigned)(stall / STEP); i++)
			sim_step(&s, arrivals_at(s.now, rate, 9), true);
		assert_true(s.queue >= rate * stall * 0.9);
		s.max_in_ms = 0;
		while (s.queue > 10 && steps < 100000) {
			sim_step(&s, arrivals_at(s.now, rate, 9), false);
			steps++;
		}
		/* drained at (factor - 1) x rate at least: stall x rate / ((f-1) rate) = stall */
		if (steps * STEP > 3 * stall)
			fail_msg("rate %.0f: backlog took %.1f ms", rate, steps * STEP * 1e3);
		/* never more in one ms than the pace rate's ms plus one bucket */
		bound_ms = fmax(2 * rate, 20000) * 0.001 + fmax(2 * rate * 0.001, 16) + 2;
		if (s.max_in_ms > bound_ms)
			fail_msg("rate %.0f: %u datagrams in one ms (bound %.0f)", rate, s.max_in_ms,
				 bound_ms);
		/* unpaced it would have been the whole backlog at once */
		assert_true(s.max_in_ms < rate * stall);
	}
}

/* A flow that starts at 200,000/s from nothing is through within 150 ms. */
static void test_ramp_up(void **state)
{
	struct sim s;
	unsigned i;

	(void)state;
	sim_init(&s);
	for (i = 0; i < 1500; i++)
		sim_step(&s, arrivals_at(s.now, 200000, 20), false);
	for (i = 0; i < 1000; i++)
		sim_step(&s, arrivals_at(s.now, 200000, 20), false);
	if (s.queue > 40)
		fail_msg("after 250 ms at 200000/s still %.0f queued", s.queue);
	assert_true(pace_rate(&s.p) > 300000);
}

/* Tokens: the first burst, debt after an overdraft, the delay until the next. */
static void test_tokens(void **state)
{
	static const struct pace_params prm = { 2.0, 1000.0, 0.02, 0.001, 16 };
	struct pace p;

	(void)state;
	pace_init(&p, &prm);
	assert_int_equal(pace_allow(&p, 5.0), 16);
	assert_true(pace_delay(&p) == 0);
	pace_spent(&p, 40, 5.0);		/* a whole batch went: 24 in debt */
	assert_int_equal(pace_allow(&p, 5.0), 0);
	assert_true(fabs(pace_delay(&p) - 25.0 / 1000) < 1e-9);
	assert_int_equal(pace_allow(&p, 5.0 + 0.001), 0);	/* inside the window: floor rate */
	assert_true(pace_allow(&p, 5.0 + 0.0251) >= 1);
	/* idle for long: back to a full bucket, not more */
	assert_int_equal(pace_allow(&p, 100.0), 16);
	assert_true(pace_rate(&p) >= 1000);
	assert_true(pace_depth(&p) >= 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_not_delayed),
		cmocka_unit_test(test_backlog_drained_paced),
		cmocka_unit_test(test_ramp_up),
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
