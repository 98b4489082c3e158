/* clock.h - monotonic time helpers. */
#ifndef MPT_CLOCK_H
#define MPT_CLOCK_H

#include <stdint.h>

double clock_now(void);		/* monotonic seconds */
uint64_t clock_now_ns(void);	/* monotonic nanoseconds */
double clock_wall(void);	/* wall-clock seconds since the epoch */

#endif
