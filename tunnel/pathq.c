/* pathq.c - one path's quality at one end (see pathq.h). */
#include "pathq.h"
#include "report.h"

#include <math.h>
#include <string.h>

void pathq_init(struct pathq *q)
{
	memset(q, 0, sizeof(*q));
	pathrx_init(&q->rx);
	pathtx_init(&q->tx);
}

bool pathq_on_rx(struct pathq *q, uint32_t path_seq, uint32_t stamp, unsigned bytes, bool traffic,
		 double now)
{
	pathrx_on(&q->rx, path_seq, stamp, bytes, now);
	q->tx_wait = 0;
	q->suspect_at = 0;
	if (traffic) {
		q->traffic++;
		q->traffic_at = now;
	}
	if (q->state == PATHQ_UP)
		return false;
	if (q->state == PATHQ_DOWN) {
		q->rebase_rx = q->rebase_tx = true;
		/* it delivers to us again, which says nothing of our direction
		 * (an outage often ends one way first): FEC tries it after the
		 * retry period, or at its first FEEDBACK progress */
		q->tx_silent = true;
		q->silent_until = now + PATHQ_SILENT_RETRY;
		q->unacked_at = 0;
	}
	q->state = PATHQ_UP;
	return true;
}

void pathq_on_tx(struct pathq *q, unsigned bytes, bool traffic, double now)
{
	pathtx_sent(&q->tx, bytes, now);
	if (traffic && q->tx_wait <= 0)
		q->tx_wait = now;
}

bool pathq_feedback_due(const struct pathq *q, double now)
{
	double gap = PATHQ_FEEDBACK_MIN;

	if (q->rx.highest == 0 || q->traffic == q->fb_traffic)
		return false;
	if (q->tx.have_rtt && q->tx.srtt / 4 > gap)
		gap = q->tx.srtt / 4;
	return q->fb_at <= 0 || now - q->fb_at >= gap;
}

bool pathq_feedback_entry(struct pathq *q, uint8_t path, double now,
			  struct wire_feedback_entry *e)
{
	uint32_t dh, dr;

	memset(e, 0, sizeof(*e));
	e->path = path;
	if (!pathrx_feedback(&q->rx, now, &e->highest, &e->received, &e->echo, &e->delay,
			     &e->burst))
		return false;
	q->fb_traffic = q->traffic;
	q->fb_at = now;
	/* the loss we see, by the rule the peer applies to our reports */
	dh = e->highest - q->snap_highest;
	dr = e->received - q->snap_received;
	if (q->have_snap && (dh == 0 || dh > 0x7fffffffu))
		return true;	/* no progress since the last snapshot */
	if (q->rebase_rx) {
		q->rebase_rx = false;	/* the interval spans an outage */
	} else if (q->have_snap) {
		double w = (double)dh / PATHMEAS_LOSS_SPAN;

		if (dr > dh)
			dr = dh;	/* late arrivals counted after their gap */
		if (w > 1)
			w = 1;
		q->rx_loss += w * ((1.0 - (double)dr / dh) - q->rx_loss);
		pathmeas_guard_update(&q->rx_guard, dh, dr, q->rx_loss);
	}
	q->have_snap = true;
	q->snap_highest = e->highest;
	q->snap_received = e->received;
	return true;
}

void pathq_take_feedback(struct pathq *q, const struct wire_feedback_entry *e, double now)
{
	if (q->rebase_tx && q->tx.have_fb) {
		q->rebase_tx = false;
		q->tx.have_fb = false;	/* a new base: the interval spans an outage */
	}
	if (pathtx_feedback(&q->tx, e->highest, e->received, e->echo, e->delay, e->burst,
			    pathmeas_stamp(now), now)) {
		q->unacked_at = 0;	/* heard */
		q->tx_silent = false;
		q->silent_until = 0;
	}
}

void pathq_sent_traffic(struct pathq *q, double now)
{
	if (q->unacked_at <= 0)
		q->unacked_at = now;
}

bool pathq_tx_check(struct pathq *q, double now, double others_fb)
{
	double d = pathtx_down_after(&q->tx, PATHMEAS_DOWN_MIN) + 2 * PATHQ_FEEDBACK_MIN;

	if (q->tx_silent) {
		if (now < q->silent_until)
			return false;
		q->tx_silent = false;	/* try it again */
		q->unacked_at = 0;
		return false;
	}
	if (q->unacked_at > 0 && now - q->unacked_at > d && others_fb - q->unacked_at > d) {
		q->tx_silent = true;
		q->silent_until = now + PATHQ_SILENT_RETRY;
		return true;
	}
	return false;
}

void pathq_rtt(struct pathq *q, double rtt)
{
	pathtx_rtt(&q->tx, rtt);
}

double pathq_down_after(const struct pathq *q, double idle)
{
	return pathtx_down_after(&q->tx, idle);
}

static bool under_traffic(const struct pathq *q)
{
	return q->traffic_at > 0 && q->rx.last_rx - q->traffic_at <= PATHQ_TRAFFIC_RECENT;
}

/* The peer's FEEDBACK gap as it computes it (pathq_feedback_due), from our
 * SRTT: the same path both ways. */
static double fb_gap(const struct pathq *q)
{
	return q->tx.have_rtt && q->tx.srtt / 4 > PATHQ_FEEDBACK_MIN ? q->tx.srtt / 4 :
								       PATHQ_FEEDBACK_MIN;
}

double pathq_send_bound(const struct pathq *q, double idle)
{
	double d = pathq_down_after(q, idle), ds, l = 0, v;
	unsigned n = 2;

	if (!q->tx.have_rtt)
		return d;
	/* the FEEDBACKs that must all be lost for a live path to look dead
	 * with probability under 1%: 2 at loss up to 10%, 4 at 30% */
	v = pathq_loss(q, PATHQ_TX);
	if (!isnan(v) && v > l)
		l = v;
	v = pathq_loss(q, PATHQ_RX);
	if (!isnan(v) && v > l)
		l = v;
	while (n < PATHQ_SEND_FB_MAX && pow(l, n) > 0.01)
		n++;
	ds = q->tx.srtt + n * fb_gap(q);
	return ds > d ? ds : d;
}

/* SRTT, 0 while unknown. */
static double pathq_srtt0(const struct pathq *q)
{
	return q->tx.have_rtt ? q->tx.srtt : 0;
}

bool pathq_suspect(const struct pathq *q)
{
	return q->state == PATHQ_UP && q->suspect_at > 0;
}

double pathq_down_due(const struct pathq *q, double idle)
{
	double d = pathq_down_after(q, idle), ds = pathq_send_bound(q, idle);
	double last = q->rx.last_rx, due = last + idle, t;

	if (q->state != PATHQ_UP)
		return INFINITY;
	if (under_traffic(q) && last + 2 * d < due)
		due = last + 2 * d;	/* R alone, twice its bound */
	if (q->tx_wait > 0) {
		/* S with R (d), or corroborated (ds) */
		t = q->tx_wait > last ? q->tx_wait : last;
		t += under_traffic(q) ? d : ds;
		if (t < due)
			due = t;
	}
	return due;
}

bool pathq_check(struct pathq *q, double now, double newest_other, uint64_t others, double idle)
{
	double last = q->rx.last_rx, d = pathq_down_after(q, idle);
	double ds = pathq_send_bound(q, idle), silent = now - last;
	bool r, snd_d, snd, down;

	if (q->down_last != last) {	/* arrivals since the last check */
		q->down_last = last;
		q->down_others = others;
	}
	if (q->state != PATHQ_UP)
		return false;
	/* R: under traffic (it carried DATA until shortly before it went
	 * quiet), the others went on delivering for d after our last */
	r = under_traffic(q) && newest_other - last > d && silent > d &&
	    others - q->down_others >= PATHQ_DOWN_OTHERS;
	/* S: DATA sent on it, nothing back since: for d (agreeing with R), for
	 * ds (alone: two or more of the peer's FEEDBACKs missed) */
	snd_d = q->tx_wait > 0 && now - q->tx_wait > d && silent > d;
	snd = q->tx_wait > 0 && now - q->tx_wait > ds && silent > ds;
	down = silent > idle ||
	       (r && (snd_d || silent > 2 * d)) ||
	       (snd && (newest_other - q->tx_wait > pathq_srtt0(q) + fb_gap(q) ||
			(now - q->tx_wait > 2 * ds && silent > 2 * ds)));
	if (down) {
		q->state = PATHQ_DOWN;
		q->suspect_at = 0;
		return true;
	}
	if ((r || snd_d) && q->suspect_at <= 0)
		q->suspect_at = now;
	return false;
}

double pathq_loss(const struct pathq *q, enum pathq_dir dir)
{
	if (dir == PATHQ_TX)
		return q->tx.have_fb ? q->tx.loss : NAN;
	return q->have_snap ? q->rx_loss : NAN;
}

double pathq_loss_guard(const struct pathq *q, enum pathq_dir dir)
{
	if (dir == PATHQ_TX)
		return q->tx.have_fb ? q->tx.guard.value : NAN;
	return q->have_snap ? q->rx_guard.value : NAN;
}

double pathq_burst(const struct pathq *q, enum pathq_dir dir)
{
	if (dir == PATHQ_TX)
		return q->tx.have_fb ? q->tx.burst : NAN;
	return q->rx.highest ? q->rx.burst : NAN;
}

double pathq_srtt(const struct pathq *q)
{
	return q->tx.have_rtt ? q->tx.srtt : NAN;
}

double pathq_rttvar(const struct pathq *q)
{
	return q->tx.have_rtt ? q->tx.rttvar : NAN;
}

const char *pathq_state_name(enum pathq_state s)
{
	return s == PATHQ_UP ? "up" : s == PATHQ_DOWN ? "down" : NULL;
}

void report_path_quality(struct report_path *p, const struct pathq *q)
{
	int d;

	p->srtt = pathq_srtt(q);
	p->rttvar = pathq_rttvar(q);
	for (d = PATHQ_TX; d <= PATHQ_RX; d++) {
		p->loss[d] = pathq_loss(q, (enum pathq_dir)d);
		p->burst[d] = pathq_burst(q, (enum pathq_dir)d);
	}
	p->state = pathq_state_name(q->state);
}
