/* parse.h - strict parsers for numbers, durations and host:port tokens.
 * Each returns true on success and leaves *out untouched on failure. */
#ifndef MPT_PARSE_H
#define MPT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned integer in [min, max]; no sign, no trailing garbage. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);
/* UDP port 1..65535 (0 allowed only if allow_zero). */
bool parse_port(const char *s, bool allow_zero, uint16_t *out);
/* Duration: a number with an optional unit (us, ms, s, m); a bare number is
 * taken in `default_unit_s` seconds (e.g. 1.0 for seconds, 0.001 for ms).
 * Result in seconds, in [0, max_s]. */
bool parse_duration(const char *s, double default_unit_s, double max_s, double *out);
/* A finite double in [min, max]. */
bool parse_double(const char *s, double min, double max, double *out);
/*
 * Split "host:port", "[v6addr]:port" or (if allow_bare_port) "port" into
 * host (copied into host, hostlen bytes) and port.  A bare port gives an
 * empty host.
 */
bool parse_hostport(const char *s, bool allow_bare_port, char *host, size_t hostlen,
		    uint16_t *port);

#endif
