/* test_plpmtud.c - PLPMTUD against a simulated path whose MTU is known:
 * convergence for edge MTUs, a bounded probe count, black-hole detection
 * within 5 s when the MTU drops under traffic, ERROR below base and
 * recovery, nothing sent while idle after the search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "plpmtud.h"

#define BASE 1200
#define MAX 1472
#define RTT 0.020
#define TICK 0.005
#define TIMEOUT 0.2

struct sim {
	struct plpmtud p;
	uint16_t mtu;		/* the path's true limit */
	double now;
	uint16_t pending;	/* a probe on its way back */
	double arrives;
	unsigned sent;
};

/* Run for `secs`; busy: large data is flowing. */
static void run(struct sim *s, double secs, bool busy)
{
	double end = s->now + secs;

	while (s->now < end) {
		uint16_t size;
		s->now += TICK;
		if (s->pending && s->now >= s->arrives) {
			plpmtud_acked(&s->p, s->pending, s->now);
			s->pending = 0;
		}
		size = plpmtud_due(&s->p, s->now, TIMEOUT, busy);
		if (size) {
			s->sent++;
			assert_true(size >= BASE || s->p.state == PLPMTUD_BASE);
			assert_true(size <= MAX);
			if (size <= s->mtu) {
				s->pending = size;
				s->arrives = s->now + RTT;
			}
		}
	}
}

static void test_converges(void **st)
{
	static const uint16_t mtus[] = {BASE, BASE + 1, BASE + 7, BASE + 8, BASE + 9, 1400, 1471, MAX};

	(void)st;
	for (unsigned i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		struct sim s = {.mtu = mtus[i]};
		plpmtud_init(&s.p, BASE, MAX, 1.0, 0);
		assert_int_equal(plpmtud_mtu(&s.p), BASE);
		run(&s, 10, false);
		if (s.p.state != PLPMTUD_DONE)
			fail_msg("mtu %u: state %s", mtus[i], plpmtud_state_name(s.p.state));
		if (plpmtud_mtu(&s.p) > mtus[i] || plpmtud_mtu(&s.p) + PLPMTUD_STEP <= mtus[i])
			fail_msg("mtu %u: found %u", mtus[i], plpmtud_mtu(&s.p));
		/* base, then hi, then about log2(272 / 8) sizes: at most 3 tries each */
		if (s.sent > 1 + 7 * PLPMTUD_MAX_PROBES)
			fail_msg("mtu %u: %u probes", mtus[i], s.sent);
		/* idle: no confirmation probes */
		unsigned before = s.sent;
		run(&s, 30, false);
		assert_int_equal(s.sent, before);
	}
}

static void test_black_hole(void **st)
{
	struct sim s = {.mtu = MAX};
	double changed;

	(void)st;
	plpmtud_init(&s.p, BASE, MAX, 1.0, 0);
	run(&s, 5, true);
	assert_int_equal(plpmtud_mtu(&s.p), MAX);
	/* under traffic, a confirmation every second costs a probe each */
	unsigned before = s.sent;
	run(&s, 10, true);
	assert_true(s.sent - before >= 9 && s.sent - before <= 11);
	/* the path's MTU drops */
	s.mtu = 1300;
	changed = s.now;
	while (s.p.black_holes == 0 && s.now - changed < 10)
		run(&s, TICK, true);
	assert_int_equal(s.p.black_holes, 1);
	assert_true(s.now - changed <= 5.0);
	assert_true(plpmtud_mtu(&s.p) <= 1300);
	run(&s, 10, true);
	assert_int_equal(s.p.state, PLPMTUD_DONE);
	assert_true(plpmtud_mtu(&s.p) <= 1300 && plpmtud_mtu(&s.p) + PLPMTUD_STEP > 1300);
}

static void test_error_and_raise(void **st)
{
	struct sim s = {.mtu = 1000};

	(void)st;
	plpmtud_init(&s.p, BASE, MAX, 1.0, 0);
	run(&s, 2, false);
	assert_int_equal(s.p.state, PLPMTUD_ERROR);
	assert_int_equal(plpmtud_mtu(&s.p), 0);
	/* retried every PLPMTUD_RETRY seconds: a few probes, not a flood */
	unsigned before = s.sent;
	run(&s, 3 * PLPMTUD_RETRY, false);
	assert_true(s.sent - before <= 3 * PLPMTUD_MAX_PROBES + PLPMTUD_MAX_PROBES);
	s.mtu = 1400;
	run(&s, PLPMTUD_RETRY + 5, false);
	assert_int_equal(s.p.state, PLPMTUD_DONE);
	assert_true(plpmtud_mtu(&s.p) <= 1400 && plpmtud_mtu(&s.p) + PLPMTUD_STEP > 1400);
	/* the path grows: found again after the raise timer */
	s.mtu = MAX;
	run(&s, PLPMTUD_RAISE + 5, false);
	assert_int_equal(plpmtud_mtu(&s.p), MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converges), cmocka_unit_test(test_black_hole),
		cmocka_unit_test(test_error_and_raise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
