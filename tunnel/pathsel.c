/* pathsel.c - which paths carry traffic (see pathsel.h). */
#include "pathsel.h"

#include <math.h>

double pathsel_residual(const struct pathsel *s, uint16_t bits)
{
	double r = 1.0;
	unsigned i;

	if (!bits)
		return 0.0;
	for (i = 0; i < 16; i++)
		if (((bits >> i) & 1) && !isnan(s->loss[i]))
			r *= s->loss[i] < 0 ? 0 : s->loss[i] > 1 ? 1 : s->loss[i];
		else if ((bits >> i) & 1)
			r = 0.0;	/* unknown: counted as lossless */
	return r;
}

double pathsel_idle(double keepalive, double path_timeout)
{
	double d = 3.0 * PATHSEL_BACKUP_PROBE_EVERY * keepalive;

	return d > path_timeout ? d : path_timeout;
}

uint16_t pathsel_pick(const struct pathsel *s, double target)
{
	uint16_t up = s->usable & (uint16_t)~s->down;
	uint16_t prim = up & (uint16_t)~s->backup, standby = up & s->backup;

	if (!prim)
		return standby ? standby : s->usable;
	if (standby && pathsel_residual(s, prim) > target)
		return prim | standby;
	return prim;
}
