/* prom.h - Prometheus text exposition format 0.0.4 writer: metric families
 * with HELP and TYPE, samples with escaped label values.  Names follow the
 * Prometheus conventions (base units in the name, counters end in _total);
 * the writer checks names and label names and refuses bad ones (returns
 * false, writes nothing) so a typo cannot produce an unparseable page. */
#ifndef MPT_PROM_H
#define MPT_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum prom_type { PROM_COUNTER, PROM_GAUGE };

/* "# HELP name help" and "# TYPE name type"; counters must end in _total. */
bool prom_family(FILE *f, const char *name, enum prom_type type, const char *help);
/*
 * One sample: name{l1="v1",l2="v2"} value.  labels is a NULL-terminated
 * list of name, value pairs (may be NULL).  NaN is written as NaN, an
 * unknown value should simply not be written.
 */
bool prom_sample(FILE *f, const char *name, const char *const *labels, double value);
bool prom_sample_u64(FILE *f, const char *name, const char *const *labels, uint64_t value);
bool prom_name_ok(const char *name);
bool prom_label_ok(const char *label);

#endif
