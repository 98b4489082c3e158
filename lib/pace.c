/* pace.c - token-bucket pacing that follows the delivered rate (see pace.h). */
#include "pace.h"

#include <math.h>

void pace_init(struct pace *p, const struct pace_params *prm)
{
	p->prm = *prm;
	p->rate = 0;
	p->tokens = 0;
	p->last = 0;
	p->win_start = 0;
	p->win_count = 0;
	p->started = false;
}

double pace_rate(const struct pace *p)
{
	double r = p->prm.factor * p->rate;

	return r > p->prm.floor ? r : p->prm.floor;
}

double pace_depth(const struct pace *p)
{
	double d = pace_rate(p) * p->prm.depth;

	return d > p->prm.min_burst ? d : p->prm.min_burst;
}

/* close measurement windows up to now and fold them into the smoothed rate */
static void measure(struct pace *p, double now)
{
	double dt = now - p->win_start;

	if (dt < PACE_WINDOW)
		return;
	p->rate += (1 - exp(-dt / p->prm.tau)) * (p->win_count / dt - p->rate);
	p->win_start = now;
	p->win_count = 0;
}

unsigned pace_allow(struct pace *p, double now)
{
	double depth;

	if (!p->started) {
		p->started = true;
		p->last = p->win_start = now;
		p->tokens = pace_depth(p);
	}
	measure(p, now);
	depth = pace_depth(p);
	if (now > p->last) {
		p->tokens += (now - p->last) * pace_rate(p);
		p->last = now;
	}
	if (p->tokens > depth)
		p->tokens = depth;
	return p->tokens >= 1 ? (unsigned)p->tokens : 0;
}

void pace_spent(struct pace *p, unsigned n, double now)
{
	(void)now;
	p->tokens -= n;
	p->win_count += n;
}

double pace_delay(const struct pace *p)
{
	return p->tokens >= 1 ? 0 : (1 - p->tokens) / pace_rate(p);
}
