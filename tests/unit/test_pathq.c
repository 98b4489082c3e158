/* test_pathq.c - one path's quality at one end (tunnel/pathq.c): the
 * FEEDBACK entry it reports, what it takes from the peer's, loss both
 * ways, and the down rule's transitions, table-driven.  No sockets; time
 * is a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "pathq.h"

/* what we report: highest, received, echo, delay; due only when new */
static void test_feedback_entry(void **state)
{
	struct pathq q;
	struct wire_feedback_entry e;
	uint32_t s;

	(void)state;
	pathq_init(&q);
	assert_false(pathq_feedback_due(&q, 1.0));
	assert_false(pathq_feedback_entry(&q, 3, 1.0, &e));
	assert_true(isnan(pathq_loss(&q, PATHQ_RX)) && isnan(pathq_loss(&q, PATHQ_TX)));
	assert_true(isnan(pathq_srtt(&q)) && isnan(pathq_burst(&q, PATHQ_TX)));
	assert_null(pathq_state_name(q.state));
	/* path seqs 1..100 but 41..45 (a burst of 5) */
	for (s = 1; s <= 100; s++)
		if (s < 41 || s > 45)
			assert_int_equal(pathq_on_rx(&q, s, s * 1000, 100, true, 1.0 + s * 0.001), s == 1);
	assert_string_equal(pathq_state_name(q.state), "up");
	assert_true(pathq_feedback_due(&q, 1.2));
	assert_true(pathq_feedback_entry(&q, 3, 1.2, &e));
	assert_int_equal(e.path, 3);
	assert_int_equal(e.highest, 100);
	assert_int_equal(e.received, 95);
	assert_int_equal(e.echo, 100000);
	assert_true(e.delay >= 99999 && e.delay <= 100001);	/* 1.1 -> 1.2 s */
	assert_int_equal(e.burst, 5 * 16);
	/* nothing new: not due; something new but within PATHQ_FEEDBACK_MIN: not due */
	assert_false(pathq_feedback_due(&q, 2.0));
	assert_true(pathq_on_rx(&q, 101, 0, 100, true, 1.21) == false);
	assert_false(pathq_feedback_due(&q, 1.21));
	assert_true(pathq_feedback_due(&q, 1.2 + PATHQ_FEEDBACK_MIN + 1e-9));
	assert_true(pathq_feedback_entry(&q, 3, 1.3, &e));
	/* the peer's FEEDBACK (or a PING, a PONG) counts but calls for none:
	 * two ends must not answer each other's FEEDBACK forever */
	pathq_on_rx(&q, 102, 0, 80, false, 1.4);
	assert_false(pathq_feedback_due(&q, 2.0));
	assert_true(pathq_feedback_entry(&q, 3, 2.0, &e));
	assert_int_equal(e.highest, 102);
	/* the receive-direction loss: 1000 more, every 10th lost -> 10% */
	for (s = 103; s <= 1102; s++)
		if (s % 10)
			pathq_on_rx(&q, s, 0, 100, true, 2.0);
	assert_true(pathq_feedback_entry(&q, 3, 2.0, &e));
	assert_int_equal(e.highest, 1102);
	assert_int_equal(e.received, 97 + 900);
	/* over that interval: 1 - 900 / 1000 (more than the span: it counts in full) */
	assert_true(fabs(pathq_loss(&q, PATHQ_RX) - (1 - 900.0 / 1000)) < 1e-9);
}

/* what we take from the peer's FEEDBACK: RTT = now - echo - delay, loss, burst */
static void test_take_feedback(void **state)
{
	struct pathq q;
	struct wire_feedback_entry e = { .path = 0 };
	unsigned i;
	double now;

	(void)state;
	pathq_init(&q);
	for (i = 1; i <= 400; i++) {	/* 4000 datagrams: the estimate settles */
		/* we sent 10 datagrams a round, the peer got 9; 40 ms round trip
		 * of which it held the report 5 ms */
		now = 10.0 + i * 0.1;
		e.highest = i * 10;
		e.received = i * 9;
		e.echo = pathmeas_stamp(now - 0.040);
		e.delay = 5000;
		e.burst = 16;
		pathq_take_feedback(&q, &e, now);
	}
	assert_true(fabs(pathq_srtt(&q) - 0.035) < 0.0005);
	assert_true(pathq_rttvar(&q) < 0.001);
	assert_true(fabs(pathq_loss(&q, PATHQ_TX) - 0.1) < 0.02);
	assert_true(fabs(pathq_burst(&q, PATHQ_TX) - 1.0) < 1e-9);
	/* an old report (highest going back) changes nothing */
	e.highest = 100;
	e.received = 0;
	pathq_take_feedback(&q, &e, 20.0);
	assert_true(fabs(pathq_loss(&q, PATHQ_TX) - 0.1) < 0.02);
	/* the down bound: max(3 SRTT + 20 ms, 100 ms) */
	assert_true(fabs(pathq_down_after(&q, 3.0) - 0.125) < 0.002);
}

/* the down rule, table-driven: (silence, others' arrivals) -> state */
struct down_case {
	const char *name;
	double srtt;		/* <0: unknown */
	double silent;		/* s since our last arrival */
	double others_for;	/* s the others went on delivering after our last */
	unsigned others_n;	/* datagrams they delivered meanwhile */
	double sent_at;		/* s after our last arrival we sent DATA on it; <0 none */
	bool down;
	bool probes;		/* the path brought only PINGs/PONGs (a backup, a path not sent on) */
};

/* d = max(3 SRTT + 20 ms, 100 ms); ds = max(d, SRTT + 2 x 50 ms) on a clean path */
static const struct down_case down_cases[] = {
	/* R (the receiver's view) and S (the sender's) agree past d */
	{ "both views past the 100 ms floor", 0.010, 0.105, 0.105, 50, 0.001, true, false },
	{ "both views, below the floor", 0.010, 0.090, 0.090, 50, 0.001, false, false },
	{ "both views, below 3 SRTT + 20 ms", 0.060, 0.180, 0.180, 50, 0.001, false, false },
	{ "both views, past 3 SRTT + 20 ms", 0.060, 0.205, 0.205, 50, 0.001, true, false },
	/* R alone (nothing sent on it): twice its bound */
	{ "R alone past d: a suspicion", 0.010, 0.150, 0.150, 50, -1, false, false },
	{ "R alone past 2d", 0.010, 0.205, 0.205, 50, -1, true, false },
	/* S alone: the others corroborate (the peer answers elsewhere) past ds */
	{ "S past ds, the others deliver", 0.010, 0.115, 0.115, 2, 0.001, true, true },
	/* S alone, nothing elsewhere either (a stall of the peer, or every path
	 * failing at once): twice ds */
	{ "S past ds, every path silent (a suspicion)", 0.010, 0.150, 0, 0, 0.001, false, false },
	{ "S past 2 ds, every path silent", 0.010, 0.230, 0, 0, 0.001, true, false },
	{ "the others stopped too (no traffic)", 0.010, 0.500, 0.050, 20, -1, false, false },
	{ "sparse keepalives are not traffic", 0.010, 1.000, 1.000, 2, -1, false, false },
	{ "idle past the path timeout", 0.010, 3.500, 0, 0, -1, true, false },
	{ "RTT unknown: only the path timeout", -1, 2.000, 2.000, 500, -1, false, false },
	{ "only probes: not under traffic", 0.010, 0.900, 0.900, 500, -1, false, true },
	{ "only probes, past the idle bound", 0.010, 3.100, 3.100, 500, -1, true, true },
};

static void test_down_rule(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(down_cases) / sizeof(down_cases[0]); i++) {
		const struct down_case *c = &down_cases[i];
		struct pathq q;
		double t0 = 100.0;
		bool went;

		pathq_init(&q);
		if (c->srtt >= 0)
			pathq_rtt(&q, c->srtt);
		pathq_on_rx(&q, 1, 0, 100, !c->probes, t0);
		assert_false(pathq_check(&q, t0, t0, 1000, 3.0));	/* snapshot of the others */
		if (c->sent_at >= 0)
			pathq_on_tx(&q, 100, true, t0 + c->sent_at);
		went = pathq_check(&q, t0 + c->silent, c->others_for > 0 ? t0 + c->others_for : 0,
				   1000 + c->others_n, 3.0);
		if (went != c->down)
			fail_msg("%s: down %d, want %d", c->name, went, c->down);
		assert_string_equal(pathq_state_name(q.state), c->down ? "down" : "up");
		/* a view that held but was not confirmed is a suspicion */
		if (strstr(c->name, "suspicion"))
			assert_true(pathq_suspect(&q));
		/* up again at the next datagram, no longer suspect */
		assert_int_equal(pathq_on_rx(&q, 2, 0, 100, true, t0 + c->silent + 0.001), c->down);
		assert_string_equal(pathq_state_name(q.state), "up");
		assert_false(pathq_suspect(&q));
	}
}

/* The sender's view (pathq_tx_check), table-driven: DATA sent on the path
 * at t = 10 s (RTT 20 ms: bound 100 ms + 2 FEEDBACK intervals = 200 ms),
 * FEEDBACK progress on it at `heard` (0: none), the others' latest progress
 * `others`; checked at `now`: silent or not. */
struct silent_case {
	const char *name;
	double heard, others, now;
	bool silent;
};

static void test_tx_silent(void **state)
{
	static const struct silent_case cases[] = {
		{ "answered", 10.05, 10.3, 10.3, false },
		{ "unanswered, the others heard for longer than the bound", 0, 10.3, 10.3, true },
		{ "unanswered, not yet the bound", 0, 10.1, 10.1, false },
		{ "unanswered, the others silent too (the peer or we stalled)", 0, 10.05, 10.3, false },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct silent_case *c = &cases[i];
		struct wire_feedback_entry e = { .path = 0, .highest = 5, .received = 5 };
		struct pathq q;

		pathq_init(&q);
		e.echo = pathmeas_stamp(9.0 - 0.02);	/* RTT 20 ms */
		pathq_take_feedback(&q, &e, 9.0);	/* a first FEEDBACK: the base */
		pathq_sent_traffic(&q, 10.0);
		pathq_sent_traffic(&q, 10.02);	/* the first unanswered one counts */
		if (c->heard > 0) {
			e.highest = 7;
			e.received = 7;
			e.echo = pathmeas_stamp(c->heard - 0.02);
			pathq_take_feedback(&q, &e, c->heard);
		}
		if (pathq_tx_check(&q, c->now, c->others) != c->silent || q.tx_silent != c->silent)
			fail_msg("%s: silent %d expected", c->name, c->silent);
	}
	/* silent: tried again after PATHQ_SILENT_RETRY; heard again at its next progress */
	{
		struct wire_feedback_entry e = { .path = 0, .highest = 5, .received = 5 };
		struct pathq q;

		pathq_init(&q);
		e.echo = pathmeas_stamp(9.0 - 0.02);
		pathq_take_feedback(&q, &e, 9.0);
		pathq_sent_traffic(&q, 10.0);
		assert_true(pathq_tx_check(&q, 10.3, 10.3));
		assert_false(pathq_tx_check(&q, 10.3 + PATHQ_SILENT_RETRY / 2, 10.5));
		assert_true(q.tx_silent);
		assert_false(pathq_tx_check(&q, 10.3 + PATHQ_SILENT_RETRY + 0.01, 10.8));
		assert_false(q.tx_silent);	/* tried again */
		pathq_sent_traffic(&q, 10.9);
		assert_true(pathq_tx_check(&q, 11.12, 11.12));
		e.highest = 9;
		e.received = 9;
		e.echo = pathmeas_stamp(11.15 - 0.02);
		pathq_take_feedback(&q, &e, 11.15);
		assert_false(q.tx_silent);	/* heard */
		assert_false(pathq_tx_check(&q, 11.5, 11.5));
		/* down, then a datagram from the peer: up, but silent our way until tried */
		q.state = PATHQ_DOWN;
		assert_true(pathq_on_rx(&q, 50, 0, 100, true, 12.0));
		assert_true(q.tx_silent);
		assert_false(pathq_tx_check(&q, 12.0 + PATHQ_SILENT_RETRY / 2, 12.2));
		assert_true(q.tx_silent);
		assert_false(pathq_tx_check(&q, 12.0 + PATHQ_SILENT_RETRY + 0.01, 12.6));
		assert_false(q.tx_silent);
	}
}

/* the sender's view: DATA sent on the path and nothing back; when it is due,
 * what clears it, what does not count */
static void test_sender_rule(void **state)
{
	struct pathq q;
	double t0 = 50.0;

	(void)state;
	pathq_init(&q);
	pathq_rtt(&q, 0.010);	/* d = 100 ms, ds = 110 ms */
	assert_true(fabs(pathq_send_bound(&q, 3.0) - 0.110) < 1e-9);
	pathq_on_rx(&q, 1, 0, 100, true, t0);
	pathq_on_tx(&q, 100, true, t0 + 0.010);
	pathq_on_tx(&q, 100, true, t0 + 0.050);	/* the first one after the arrival counts */
	/* under traffic: R and S can agree at d after the DATA */
	assert_true(fabs(pathq_down_due(&q, 3.0) - (t0 + 0.110)) < 1e-9);
	assert_false(pathq_check(&q, t0 + 0.105, 0, 0, 3.0));	/* 95 ms since the DATA */
	/* nothing elsewhere: a suspicion until 2 ds */
	assert_false(pathq_check(&q, t0 + 0.150, 0, 0, 3.0));
	assert_true(pathq_suspect(&q));
	assert_false(pathq_check(&q, t0 + 0.225, 0, 0, 3.0));
	assert_true(pathq_check(&q, t0 + 0.235, 0, 0, 3.0));
	assert_string_equal(pathq_state_name(q.state), "down");
	/* an arrival clears it */
	pathq_on_rx(&q, 2, 0, 100, false, t0 + 1.0);
	pathq_on_tx(&q, 100, true, t0 + 1.010);
	pathq_on_rx(&q, 3, 0, 80, false, t0 + 1.040);
	assert_false(pathq_check(&q, t0 + 1.130, 0, 0, 3.0));
	/* FEEDBACK and PINGs we send ask for nothing that must come back */
	pathq_on_tx(&q, 80, false, t0 + 1.050);
	assert_false(pathq_check(&q, t0 + 2.0, 0, 0, 3.0));
	assert_string_equal(pathq_state_name(q.state), "up");
	assert_false(pathq_suspect(&q));
}

/* ds grows with the loss measured on the path: more of the peer's FEEDBACKs
 * may be lost in a row */
static void test_send_bound_loss(void **state)
{
	struct pathq q;
	struct wire_feedback_entry e = { 0 };
	double t0 = 10.0, ds0;
	unsigned i;

	(void)state;
	pathq_init(&q);
	pathq_rtt(&q, 0.010);
	ds0 = pathq_send_bound(&q, 3.0);
	/* the peer reports 30% of 1000 lost */
	for (i = 0; i < 1000; i++)
		pathq_on_tx(&q, 100, true, t0);
	e.highest = 1000;
	e.received = 700;
	pathq_take_feedback(&q, &e, t0 + 0.01);
	e.highest = 2000;
	e.received = 1400;
	pathq_take_feedback(&q, &e, t0 + 0.02);
	if (!(pathq_loss(&q, PATHQ_TX) > 0.1))
		skip();
	assert_true(pathq_send_bound(&q, 3.0) > ds0 + 0.09);	/* 4 gaps, not 2 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feedback_entry),
		cmocka_unit_test(test_take_feedback),
		cmocka_unit_test(test_down_rule),
		cmocka_unit_test(test_tx_silent),
		cmocka_unit_test(test_sender_rule),
		cmocka_unit_test(test_send_bound_loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
