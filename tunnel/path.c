/* path.c - path liveness. */
#include "path.h"

bool path_heard(struct path_live *p, double now)
{
	p->last_rx = now;
	if (p->alive)
		return false;
	p->alive = true;
	return true;
}

bool path_check(struct path_live *p, double now, double timeout)
{
	if (!p->alive || now - p->last_rx <= timeout)
		return false;
	p->alive = false;
	return true;
}

bool path_fresh(double last_rx, double now, double timeout)
{
	return now - last_rx <= timeout;
}
