/* path.h - liveness of a path: alive while something valid was received on
 * it within the path timeout (see PROTOCOL.md, Liveness). */
#ifndef MPT_PATH_H
#define MPT_PATH_H

#include <stdbool.h>

struct path_live {
	double last_rx;		/* time of the last accepted datagram; 0 = never */
	bool alive;
};

/* Something valid arrived at now; true when the path just came up. */
bool path_heard(struct path_live *p, double now);
/* Housekeeping at now; true when the path just went down (silent > timeout). */
bool path_check(struct path_live *p, double now, double timeout);
/* last_rx within timeout of now (mpserver's choice of paths to send on). */
bool path_fresh(double last_rx, double now, double timeout);

#endif
