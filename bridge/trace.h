/* trace.h - Mahimahi-format rate traces for mpbridge's trace-driven links.
 *
 * A trace is one non-negative integer per line, a millisecond timestamp:
 * one delivery opportunity of TRACE_MTU bytes at that time; a timestamp
 * repeated k times is k opportunities in that millisecond.  Timestamps do
 * not decrease; the trace repeats with a period of its last timestamp
 * (which must be > 0), as Mahimahi's.  Traces are loaded once into a set
 * owned by the options, which the impairment configs point into. */
#ifndef MPB_TRACE_H
#define MPB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_MTU 1500u			/* bytes per delivery opportunity */
#define TRACE_FILE_MAX (64u << 20)	/* bytes */
#define TRACE_MAX_SETS 8

struct rate_trace {
	char *path;
	uint32_t *ms;			/* n timestamps, ms */
	size_t n;
	double period;			/* s: the last timestamp */
};

struct trace_set {
	struct rate_trace t[TRACE_MAX_SETS];
	size_t n;
};

/* The trace in file path, loaded on first use; err names file:line. */
bool trace_get(struct trace_set *ts, const char *path, const struct rate_trace **out,
	       char *err, size_t errlen);
void trace_set_free(struct trace_set *ts);

/* Time (s) of opportunity k (counted from 0 over the repeating trace). */
double trace_time(const struct rate_trace *t, uint64_t k);
/* The first opportunity at or after time now (s). */
uint64_t trace_first_at(const struct rate_trace *t, double now);
/* The trace's mean rate, bits/s. */
double trace_mean_bps(const struct rate_trace *t);

/* The link's state: the opportunity being used and the bytes left in it. */
struct trace_link {
	uint64_t k;
	uint32_t left;
	bool started;
};

/*
 * FIFO departure of a len-byte datagram handed to the link at now: its
 * last byte leaves with the opportunity that carries it (a datagram may
 * span opportunities, as Mahimahi's; an opportunity not used by the time
 * it passes is lost).
 */
double trace_schedule(struct trace_link *l, const struct rate_trace *t, double now, size_t len);

#endif
