/* test_plpmtud.c - PLPMTUD against a simulated path whose MTU is known:
 * convergence for edge MTUs (also from a 65507-byte interface limit), a
 * bounded probe count, black-hole detection within 5 s when the MTU drops
 * under traffic, ERROR below base and recovery, nothing sent while idle
 * after the search, and a path that answers nothing concludes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "plpmtud.h"

#define BASE 1200
#define MAX 1472
#define RTT 0.020
#define TICK 0.005
#define TIMEOUT 0.2

#define INFLIGHT 256

static uint16_t plpmtud_s_hi(const struct plpmtud *p)
{
	return p->hi;
}

struct sim {
	struct plpmtud p;
	uint16_t mtu;		/* the path's true limit */
	uint16_t max;		/* the interface's */
	bool dead;		/* the path answers nothing */
	uint16_t want;		/* the largest datagram the sender sends (plpmtud_need) */
	double now;
	uint16_t pending[INFLIGHT];	/* probes on their way back */
	double arrives[INFLIGHT];
	unsigned sent;
};

/* Run for `secs`; busy: large data is flowing. */
static void run(struct sim *s, double secs, bool busy)
{
	double end = s->now + secs;
	uint16_t out[PLPMTUD_OUT];

	while (s->now < end) {
		unsigned n, i;

		s->now += TICK;
		if (s->want)
			plpmtud_need(&s->p, s->want, s->now);
		for (i = 0; i < INFLIGHT; i++) {
			if (s->pending[i] && s->now >= s->arrives[i]) {
				plpmtud_acked(&s->p, s->pending[i], s->now);
				s->pending[i] = 0;
			}
		}
		n = plpmtud_due(&s->p, s->now, TIMEOUT, busy, out);
		assert_true(n <= PLPMTUD_OUT);
		for (i = 0; i < n; i++) {
			unsigned k;

			s->sent++;
			assert_true(out[i] >= BASE || out[i] == s->p.min ||
				    (s->p.min && out[i] > s->p.min));
			assert_true(out[i] <= (s->max ? s->max : MAX));
			if (out[i] > s->mtu || s->dead)
				continue;
			for (k = 0; k < INFLIGHT && s->pending[k]; k++)
				;
			assert_true(k < INFLIGHT);
			s->pending[k] = out[i];
			s->arrives[k] = s->now + RTT;
		}
	}
}

static void test_converges(void **st)
{
	static const uint16_t mtus[] = {BASE, BASE + 1, BASE + 7, BASE + 8, BASE + 9, 1400, 1471, MAX};

	(void)st;
	for (unsigned i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		struct sim s = {.mtu = mtus[i], .want = MAX};
		plpmtud_init(&s.p, BASE, MAX, 1.0, 0);
		assert_int_equal(plpmtud_mtu(&s.p), 0);
		assert_int_equal(plpmtud_cap(&s.p), 0);
		run(&s, 10, false);
		if (s.p.state != PLPMTUD_DONE)
			fail_msg("mtu %u: state %s", mtus[i], plpmtud_state_name(s.p.state));
		if (plpmtud_mtu(&s.p) > mtus[i] || plpmtud_mtu(&s.p) + PLPMTUD_STEP <= mtus[i])
			fail_msg("mtu %u: found %u", mtus[i], plpmtud_mtu(&s.p));
		/* what is lost is capped; a path that carries its interface's MTU is not */
		if (mtus[i] < MAX ? plpmtud_cap(&s.p) != plpmtud_s_hi(&s.p) : plpmtud_cap(&s.p) != 0)
			fail_msg("mtu %u: cap %u", mtus[i], plpmtud_cap(&s.p));
		assert_true(plpmtud_cap(&s.p) == 0 || plpmtud_cap(&s.p) >= plpmtud_mtu(&s.p));
		assert_true(plpmtud_cap(&s.p) == 0 || plpmtud_cap(&s.p) < mtus[i] + PLPMTUD_STEP);
		/* base, then rounds of at most 9 probes, 3 tries each, 4 rounds */
		if (s.sent > 1 + 4 * PLPMTUD_OUT * PLPMTUD_MAX_PROBES)
			fail_msg("mtu %u: %u probes", mtus[i], s.sent);
		/* idle: no confirmation probes */
		unsigned before = s.sent;
		run(&s, 30, false);
		assert_int_equal(s.sent, before);
	}
}

/* A loopback interface: up to 65507, the black hole at 1472: within 5 s */
static void test_loopback_far(void **st)
{
	static const uint16_t mtus[] = {1472, 1200, 9000, 65507, 30000};

	(void)st;
	for (unsigned i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		struct sim s = {.mtu = mtus[i], .max = 65507, .want = 65507};
		double t = 0;

		plpmtud_init(&s.p, BASE, 65507, 2.0, 0);
		while (s.p.state != PLPMTUD_DONE && t < 20) {
			run(&s, TICK, false);
			t += TICK;
		}
		if (s.p.state != PLPMTUD_DONE || t > 5.0)
			fail_msg("mtu %u: state %s after %.2f s", mtus[i],
				 plpmtud_state_name(s.p.state), t);
		if (plpmtud_mtu(&s.p) > mtus[i] || plpmtud_mtu(&s.p) + PLPMTUD_STEP <= mtus[i])
			fail_msg("mtu %u: found %u", mtus[i], plpmtud_mtu(&s.p));
		print_message("mtu %u: found %u in %.2f s, %u probes, %llu rounds\n", mtus[i],
			      plpmtud_mtu(&s.p), t, s.sent, (unsigned long long)s.p.rounds);
	}
}

/* A path that answers nothing: no size is concluded lost, no cap */
static void test_dead_path(void **st)
{
	struct sim s = {.mtu = MAX, .max = 1600, .want = 1600};

	(void)st;
	plpmtud_init(&s.p, BASE, 1600, 1.0, 0);
	s.mtu = 1600;
	run(&s, 0.035, false);	/* base answered, the search round sent */
	assert_int_equal(plpmtud_mtu(&s.p), BASE);
	s.dead = true;
	memset(s.pending, 0, sizeof(s.pending));	/* what was on its way is lost too */
	run(&s, 5, true);
	assert_int_equal(plpmtud_cap(&s.p), 0);
	assert_int_equal(plpmtud_mtu(&s.p), BASE);
	/* held between rounds: a few probes a second, not a flood */
	assert_true(s.sent < 6 * PLPMTUD_OUT * PLPMTUD_MAX_PROBES);
	s.dead = false;
	run(&s, 5, false);
	assert_int_equal(s.p.state, PLPMTUD_DONE);
	assert_int_equal(plpmtud_mtu(&s.p), 1600);
	assert_int_equal(plpmtud_cap(&s.p), 0);
	/* reset (the path went down; its interface now takes less): searched again */
	plpmtud_reset(&s.p, MAX, s.now);
	assert_int_equal(plpmtud_mtu(&s.p), 0);
	run(&s, 5, false);
	assert_int_equal(plpmtud_mtu(&s.p), MAX);
}

static void test_black_hole(void **st)
{
	struct sim s = {.mtu = MAX, .want = MAX};
	double changed;

	(void)st;
	plpmtud_init(&s.p, BASE, MAX, 1.0, 0);
	run(&s, 5, true);
	assert_int_equal(plpmtud_mtu(&s.p), MAX);
	/* under traffic, a confirmation every second costs two probes (lo, base) */
	unsigned before = s.sent;
	run(&s, 10, true);
	assert_true(s.sent - before >= 18 && s.sent - before <= 22);
	/* the path's MTU drops */
	s.mtu = 1300;
	changed = s.now;
	while (s.p.black_holes == 0 && s.now - changed < 10)
		run(&s, TICK, true);
	assert_int_equal(s.p.black_holes, 1);
	assert_true(s.now - changed <= 5.0);
	assert_true(plpmtud_mtu(&s.p) <= 1300);
	assert_true(plpmtud_cap(&s.p) < MAX);
	run(&s, 10, true);
	assert_int_equal(s.p.state, PLPMTUD_DONE);
	assert_true(plpmtud_mtu(&s.p) <= 1300 && plpmtud_mtu(&s.p) + PLPMTUD_STEP > 1300);
	/* and below base (its control lost too; keepalives answer): searched from min */
	plpmtud_set_min(&s.p, 124);
	s.mtu = 1100;
	changed = s.now;
	while (s.p.black_holes == 1 && s.now - changed < 10) {
		plpmtud_acked(&s.p, 124, s.now);	/* a keepalive's PONG */
		run(&s, TICK, true);
	}
	assert_int_equal(s.p.black_holes, 2);
	assert_true(plpmtud_mtu(&s.p) <= 1100);
	assert_true(plpmtud_cap(&s.p) < 1300);
	run(&s, 10, true);
	assert_int_equal(s.p.state, PLPMTUD_DONE);
	assert_true(plpmtud_mtu(&s.p) <= 1100 && plpmtud_mtu(&s.p) + PLPMTUD_STEP > 1100);
}

/* A path below base: the control (an unpadded PING) answers, so it is
 * searched down to it and capped, not left unknown */
static void test_below_base(void **st)
{
	struct sim s = {.mtu = 1000};	/* nothing larger than base sent: found anyway */

	(void)st;
	plpmtud_init(&s.p, BASE, MAX, 1.0, 0);
	plpmtud_set_min(&s.p, 124);
	s.p.base = BASE;
	run(&s, 5, false);
	assert_int_equal(s.p.state, PLPMTUD_DONE);
	assert_true(plpmtud_mtu(&s.p) <= 1000 && plpmtud_mtu(&s.p) + PLPMTUD_STEP > 1000);
	assert_true(plpmtud_cap(&s.p) >= plpmtud_mtu(&s.p) && plpmtud_cap(&s.p) < 1000 + PLPMTUD_STEP);
}

static void test_error_and_raise(void **st)
{
	struct sim s = {.mtu = 1000, .want = MAX};

	(void)st;
	plpmtud_init(&s.p, BASE, MAX, 1.0, 0);
	run(&s, 2, false);
	assert_int_equal(s.p.state, PLPMTUD_ERROR);
	assert_int_equal(plpmtud_mtu(&s.p), 0);
	assert_int_equal(plpmtud_cap(&s.p), 0);	/* proves nothing: no limit */
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

/* Only as far as needed: 1000-byte datagrams on a 65507-byte interface
 * cost base and one round up to 2400, then a larger datagram searches on */
static void test_as_needed(void **st)
{
	struct sim s = {.mtu = 65507, .max = 65507, .want = 1000};

	(void)st;
	plpmtud_init(&s.p, BASE, 65507, 2.0, 0);
	run(&s, 3, false);
	assert_int_equal(s.p.state, PLPMTUD_DONE);
	assert_int_equal(plpmtud_mtu(&s.p), 2000);
	assert_int_equal(plpmtud_cap(&s.p), 0);
	assert_true(s.sent <= 1 + 1 + PLPMTUD_OUT);
	s.want = 9000;
	run(&s, 3, false);
	assert_int_equal(plpmtud_mtu(&s.p), 18000);
	assert_int_equal(plpmtud_cap(&s.p), 0);
	s.mtu = 1400;
	plpmtud_reset(&s.p, 0, s.now);
	run(&s, 5, false);
	assert_true(plpmtud_mtu(&s.p) <= 1400 && plpmtud_mtu(&s.p) + PLPMTUD_STEP > 1400);
	assert_true(plpmtud_cap(&s.p) >= plpmtud_mtu(&s.p) && plpmtud_cap(&s.p) < 1400 + PLPMTUD_STEP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converges), cmocka_unit_test(test_loopback_far),
		cmocka_unit_test(test_dead_path), cmocka_unit_test(test_black_hole),
		cmocka_unit_test(test_below_base), cmocka_unit_test(test_error_and_raise),
		cmocka_unit_test(test_as_needed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
