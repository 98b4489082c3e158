/* pace.h - pacing of delivery to an application: never much burstier than
 * the traffic itself.
 *
 * Why: a receiver that falls behind for a moment (descheduled on a busy
 * machine) finds a backlog in its own sockets and would hand all of it to
 * the application at once, faster than the application reads, and the
 * application's socket buffer overflows (iperf3 -R through the tunnel lost
 * 1.2% where sent directly it lost nothing: issue 15).  The pacer releases
 * the backlog at a bounded rate; where the backlog waits is the caller's
 * choice, and it matters: leaving it in the path sockets (pausing their
 * watchers) was measured worse on a loaded machine (load average 14,
 * iperf3 -u -R -b 100M, 2 runs each: 13.0% and 13.7% lost, most of it in
 * mpclient's own path sockets, against 4.5% and 10.5% unpaced), because all
 * paths' copies wait there together.  The backlog belongs in a bounded
 * user-space queue read at once from the sockets: mpclient --pace-delivery
 * (tunnel/dlvq.c).
 *
 * How: a token bucket whose rate follows the delivered rate.  The delivered
 * rate is measured over windows of PACE_WINDOW seconds and smoothed (time
 * constant tau); the bucket fills at max(floor, factor x smoothed rate) and
 * holds max(min_burst, that rate x depth) datagrams.  A steady flow is never
 * held back (its rate is below factor x itself); after a stall the backlog
 * drains at factor x the flow's rate in bursts of at most the bucket's
 * depth; a flow that speeds up is let through factor x faster every tau, and
 * nothing below the floor rate is ever delayed.  Tokens may go negative (a
 * batch already read is delivered whole); the debt delays what follows.
 *
 * Pure arithmetic on a caller-supplied monotonic clock (seconds); no
 * allocation; unit-tested with simulated time.
 */
#ifndef MPT_PACE_H
#define MPT_PACE_H

#include <stdbool.h>

#define PACE_WINDOW 0.002		/* rate measurement window, s */

struct pace_params {
	double factor;		/* release up to factor x the measured rate (> 1) */
	double floor;		/* datagrams/s never delayed */
	double tau;		/* smoothing time constant of the rate, s */
	double depth;		/* bucket depth in seconds of the pace rate */
	unsigned min_burst;	/* bucket depth at least this many datagrams */
};

/* factor 2, floor 20000/s, tau 20 ms, depth 1 ms, at least 16 datagrams */
#define PACE_DEFAULTS { 2.0, 20000.0, 0.02, 0.001, 16 }

struct pace {
	struct pace_params prm;
	double rate;		/* smoothed delivered datagrams/s */
	double tokens;		/* datagrams that may go now (negative: debt) */
	double last;		/* time of the last refill */
	double win_start;	/* start of the current measurement window */
	unsigned win_count;	/* datagrams delivered in it */
	bool started;
};

void pace_init(struct pace *p, const struct pace_params *prm);
/* The current release rate (datagrams/s) and bucket depth (datagrams). */
double pace_rate(const struct pace *p);
double pace_depth(const struct pace *p);
/* Refill at now; how many datagrams may go now (0 if none). */
unsigned pace_allow(struct pace *p, double now);
/* n datagrams were delivered at now (after pace_allow at the same now). */
void pace_spent(struct pace *p, unsigned n, double now);
/* Seconds from the last refill until one datagram may go (0 if now). */
double pace_delay(const struct pace *p);

#endif
