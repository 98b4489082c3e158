/* values.h - mpbridge's value parsers: percentages, rates, sizes, times,
 * delays (tc's units), and the error helper every option parser uses. */
#ifndef MPT_BRIDGE_VALUES_H
#define MPT_BRIDGE_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define VALUES_MAX_TIME_S (365.0 * 86400)
#define VALUES_MAX_DELAY_S 3600.0

/* snprintf into err; returns false, so "return seterr(...)" reads well. */
bool seterr(char *err, size_t errlen, const char *fmt, ...) MPT_PRINTF(3, 4);

/* A probability as netem reads it: "20%" or "20" (a percent, 0..100). */
bool parse_percent(const char *s, double *out);
/* tc rate units (bit kbit mbit gbit, kibit ..., bps kbps = bytes/s); bits/s. */
bool parse_rate(const char *s, uint64_t *bps);
/* bytes: b, k/kb (1024), m/mb, g/gb, kbit, mbit; bare = bytes. */
bool parse_size(const char *s, uint64_t *bytes);
/* seconds after start: "5", "5s", "500ms", "2m" (bare = seconds). */
bool parse_time_s(const char *s, double *out);
/* a delay or jitter in seconds, with a unit (us, ms, s, m); a bare number
 * is refused (tc reads it as microseconds) except 0. */
bool parse_delay_s(const char *s, double *out);
/* a number without a unit ("30", "0.5") */
bool is_bare_number(const char *s);
/* true when s starts like a number (digit or '.') */
bool looks_numeric(const char *s);

#endif
