/* pathmeas.h - per-path measurement from wire v2's per-path fields
 * (PROTOCOL.md: path seq, stamp, FEEDBACK).  Pure arithmetic: no I/O, no
 * clock of its own (callers pass monotonic seconds and the 32-bit µs
 * stamps), no allocation.
 *
 * Receiving side (struct pathrx): what arrived on a path, in the form a
 * FEEDBACK entry reports it: the highest path seq, datagrams received, the
 * stamp of the highest and when it came, and the mean loss-burst length.
 *
 * Sending side (struct pathtx): from the peer's FEEDBACK about our
 * datagrams on that path: smoothed RTT and its variation (RFC 6298
 * weights), the loss rate over roughly the last PATHMEAS_LOSS_SPAN
 * datagrams, the burst length; and the failure-detection bound
 * max(3 x SRTT + 20 ms, 100 ms). */
#ifndef MPT_PATHMEAS_H
#define MPT_PATHMEAS_H

#include <stdbool.h>
#include <stdint.h>

#define PATHMEAS_LOSS_SPAN 500.0	/* datagrams the loss estimate averages over */
#define PATHMEAS_DOWN_MIN 0.100		/* s: a path is never declared down sooner */
#define PATHMEAS_DOWN_SLACK 0.020	/* s: added to 3 x SRTT */
#define PATHMEAS_RTT_MAX_US 60000000u	/* samples above 60 s are discarded */
#define PATHMEAS_GUARD_SPAN 32.0	/* datagrams the guard's fast average spans */

/*
 * The loss figure the FEC controller sizes its codes by (the guard): fast
 * attack, slow decay.  A fast average of the interval losses (each interval
 * weighs dh / PATHMEAS_GUARD_SPAN, at most 1) follows a rise within a few
 * dozen datagrams; the guard takes it at once when it is higher, and
 * otherwise falls towards max(fast, the long average) only at the long
 * average's pace (dh / PATHMEAS_LOSS_SPAN).  So a loss step from 1% to 20%
 * reaches the guard after about 50 datagrams of the path (the long average
 * needs about 1500), while a drop in loss lowers it over about 1000; on a
 * steady link it sits near the upper envelope of the fast average (a
 * margin for the code), on a clean link at 0.
 */
struct pathmeas_guard {
	double fast;		/* fast average, 0..1 */
	double value;		/* the guard, 0..1 */
};
/* An interval of dh datagrams of which dr arrived; slow: the long average after it. */
void pathmeas_guard_update(struct pathmeas_guard *g, uint32_t dh, uint32_t dr, double slow);

struct pathrx {
	uint32_t highest;	/* highest path seq received (0: none) */
	uint32_t received;	/* datagrams received, modulo 2^32 */
	uint32_t echo;		/* stamp of the datagram that carried `highest` */
	double echo_at;		/* when it arrived (monotonic s) */
	double last_rx;		/* last datagram of any order (monotonic s; 0: never) */
	uint64_t bytes, datagrams;
	uint64_t lost_runs;	/* gaps seen */
	uint64_t reordered;	/* arrived below `highest` */
	double burst;		/* mean gap length (EWMA over gaps), 0 = no loss seen */
};

struct pathtx {
	bool have_rtt;
	double srtt, rttvar, min_rtt, latest_rtt;	/* seconds */
	bool have_fb;
	uint32_t fb_highest, fb_received;	/* last FEEDBACK */
	double fb_at;				/* when a FEEDBACK last showed progress */
	double loss;				/* estimate, 0..1 */
	struct pathmeas_guard guard;		/* the controller's figure (above) */
	double burst;				/* mean loss-burst length (datagrams; 0 = none) */
	uint64_t samples;			/* RTT samples taken */
	uint64_t bytes, datagrams;		/* sent */
	double last_tx;				/* monotonic s, 0: never */
};

void pathrx_init(struct pathrx *r);
/* A datagram arrived on the path. */
void pathrx_on(struct pathrx *r, uint32_t path_seq, uint32_t stamp, unsigned bytes, double now);
/* The FEEDBACK entry fields for it: delay in µs since `highest` arrived,
 * burst in 1/16 datagram (saturating). False when nothing arrived yet. */
bool pathrx_feedback(const struct pathrx *r, double now, uint32_t *highest, uint32_t *received,
		     uint32_t *echo, uint32_t *delay_us, uint16_t *burst16);

void pathtx_init(struct pathtx *t);
void pathtx_sent(struct pathtx *t, unsigned bytes, double now);
/* A FEEDBACK entry for this path arrived; now_us = our stamp clock now.
 * Returns true if it showed progress (a higher `highest`). */
bool pathtx_feedback(struct pathtx *t, uint32_t highest, uint32_t received, uint32_t echo,
		     uint32_t delay_us, uint16_t burst16, uint32_t now_us, double now);
/* An RTT sample in seconds from elsewhere (PING/PONG). */
void pathtx_rtt(struct pathtx *t, double rtt);
/* Under traffic, the path is down when nothing arrived on it for this long. */
double pathtx_down_after(const struct pathtx *t, double fallback);

/* The 32-bit µs stamp of a monotonic time in seconds. */
uint32_t pathmeas_stamp(double now);

#endif
