/* pathmeas.c - per-path measurement (see pathmeas.h). */
#include "pathmeas.h"

#include <math.h>
#include <string.h>

#define BURST_GAIN 0.125	/* EWMA weight of one loss burst */

void pathrx_init(struct pathrx *r)
{
	memset(r, 0, sizeof(*r));
}

void pathrx_on(struct pathrx *r, uint32_t path_seq, uint32_t stamp, unsigned bytes, double now)
{
	r->received++;
	r->datagrams++;
	r->bytes += bytes;
	r->last_rx = now;
	if (r->highest != 0 && (int32_t)(path_seq - r->highest) <= 0) {
		r->reordered++;		/* late or duplicated: counted, not a new high */
		return;
	}
	if (r->highest != 0 && path_seq - r->highest > 1) {
		double gap = (double)(path_seq - r->highest - 1);
		r->lost_runs++;
		r->burst = r->burst == 0 ? gap : r->burst + BURST_GAIN * (gap - r->burst);
	}
	r->highest = path_seq;
	r->echo = stamp;
	r->echo_at = now;
}

bool pathrx_feedback(const struct pathrx *r, double now, uint32_t *highest, uint32_t *received,
		     uint32_t *echo, uint32_t *delay_us, uint16_t *burst16)
{
	double d = (now - r->echo_at) * 1e6, b = r->burst * 16.0;

	if (r->highest == 0)
		return false;
	*highest = r->highest;
	*received = r->received;
	*echo = r->echo;
	*delay_us = d <= 0 ? 0 : d >= 4294967295.0 ? UINT32_MAX : (uint32_t)d;
	*burst16 = b >= 65535.0 ? UINT16_MAX : (uint16_t)lround(b);
	return true;
}

void pathtx_init(struct pathtx *t)
{
	memset(t, 0, sizeof(*t));
}

void pathtx_sent(struct pathtx *t, unsigned bytes, double now)
{
	t->datagrams++;
	t->bytes += bytes;
	t->last_tx = now;
}

void pathtx_rtt(struct pathtx *t, double rtt)
{
	if (!(rtt >= 0) || rtt * 1e6 > PATHMEAS_RTT_MAX_US)
		return;
	t->samples++;
	t->latest_rtt = rtt;
	if (!t->have_rtt) {
		t->have_rtt = true;
		t->srtt = rtt;
		t->rttvar = rtt / 2;
		t->min_rtt = rtt;
		return;
	}
	if (rtt < t->min_rtt)
		t->min_rtt = rtt;
	t->rttvar = 0.75 * t->rttvar + 0.25 * fabs(t->srtt - rtt);
	t->srtt = 0.875 * t->srtt + 0.125 * rtt;
}

bool pathtx_feedback(struct pathtx *t, uint32_t highest, uint32_t received, uint32_t echo,
		     uint32_t delay_us, uint16_t burst16, uint32_t now_us, double now)
{
	uint32_t dh, dr;
	double interval_loss, weight;

	if (highest == 0)
		return false;
	if (t->have_fb) {
		/* the loss over what this report adds to the last one */
		dh = highest - t->fb_highest;
		if (dh == 0 || dh > 0x7fffffffu)
			return false;		/* no progress, or an older report */
		dr = received - t->fb_received;
		if (dr > dh)
			dr = dh;		/* late arrivals counted after their gap */
		interval_loss = 1.0 - (double)dr / (double)dh;
		weight = (double)dh / PATHMEAS_LOSS_SPAN;
		if (weight > 1)
			weight = 1;
		t->loss += weight * (interval_loss - t->loss);
		pathmeas_guard_update(&t->guard, dh, dr, t->loss);
	}
	t->have_fb = true;
	t->fb_highest = highest;
	t->fb_received = received;
	t->fb_at = now;
	t->burst = burst16 / 16.0;
	pathtx_rtt(t, (double)(uint32_t)(now_us - echo - delay_us) / 1e6);
	return true;
}

void pathmeas_guard_update(struct pathmeas_guard *g, uint32_t dh, uint32_t dr, double slow)
{
	double il, wf, ws, floor;

	if (dh == 0)
		return;
	if (dr > dh)
		dr = dh;
	il = 1.0 - (double)dr / (double)dh;
	wf = (double)dh / PATHMEAS_GUARD_SPAN;
	ws = (double)dh / PATHMEAS_LOSS_SPAN;
	g->fast += (wf > 1 ? 1 : wf) * (il - g->fast);
	if (g->fast >= g->value) {
		g->value = g->fast;	/* attack */
		return;
	}
	floor = g->fast > slow ? g->fast : slow;
	if (floor < g->value)
		g->value += (ws > 1 ? 1 : ws) * (floor - g->value);	/* decay */
	else
		g->value = floor;
}

double pathtx_down_after(const struct pathtx *t, double fallback)
{
	double d;

	if (!t->have_rtt)
		return fallback;
	d = 3 * t->srtt + PATHMEAS_DOWN_SLACK;
	return d < PATHMEAS_DOWN_MIN ? PATHMEAS_DOWN_MIN : d;
}

uint32_t pathmeas_stamp(double now)
{
	return (uint32_t)(uint64_t)(now * 1e6);
}
