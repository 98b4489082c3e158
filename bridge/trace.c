/* trace.c - Mahimahi-format rate traces: loading and the link schedule. */
#include "trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "parse.h"
#include "values.h"

static bool trace_parse(struct lines *lr, struct rate_trace *t, char *err, size_t errlen)
{
	uint32_t *ms = NULL, prev = 0;
	size_t n = 0, cap = 0, len;
	char *line;

	while (lines_next(lr, &line, &len)) {
		char *tok[2];
		size_t k;
		unsigned v;

		if (memchr(line, '\0', len)) {
			seterr(err, errlen, "%s:%u: unexpected NUL byte", lr->source, lr->lineno);
			goto fail;
		}
		if (!lines_tokens(line, tok, 1, &k)) {
			seterr(err, errlen, "%s:%u: one timestamp per line", lr->source,
			       lr->lineno);
			goto fail;
		}
		if (k == 0)
			continue;
		if (!parse_uint(tok[0], 0, UINT32_MAX - 1, &v)) {
			seterr(err, errlen, "%s:%u: bad timestamp '%s' (milliseconds)",
			       lr->source, lr->lineno, tok[0]);
			goto fail;
		}
		if (v < prev) {
			seterr(err, errlen, "%s:%u: timestamp '%s' goes back", lr->source,
			       lr->lineno, tok[0]);
			goto fail;
		}
		if (n == cap) {
			uint32_t *nm;

			cap = cap ? cap * 2 : 4096;
			nm = realloc(ms, cap * sizeof(*ms));
			if (!nm) {
				seterr(err, errlen, "out of memory");
				goto fail;
			}
			ms = nm;
		}
		ms[n++] = v;
		prev = v;
	}
	if (n == 0 || prev == 0) {
		seterr(err, errlen, "%s: the last timestamp must be above 0 (it is the period)",
		       lr->source);
		goto fail;
	}
	t->ms = ms;
	t->n = n;
	t->period = prev / 1000.0;
	return true;
fail:
	free(ms);
	return false;
}

bool trace_get(struct trace_set *ts, const char *path, const struct rate_trace **out,
	       char *err, size_t errlen)
{
	struct rate_trace *t;
	struct lines lr;
	size_t i;
	bool ok;

	for (i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].path, path) == 0) {
			*out = &ts->t[i];
			return true;
		}
	if (ts->n == TRACE_MAX_SETS)
		return seterr(err, errlen, "too many traces (at most %d)", TRACE_MAX_SETS);
	t = &ts->t[ts->n];
	memset(t, 0, sizeof(*t));
	if (lines_open(&lr, path, TRACE_FILE_MAX, err, errlen) < 0)
		return false;
	ok = trace_parse(&lr, t, err, errlen);
	lines_close(&lr);
	if (!ok)
		return false;
	t->path = strdup(path);
	if (!t->path) {
		free(t->ms);
		return seterr(err, errlen, "out of memory");
	}
	ts->n++;
	*out = t;
	return true;
}

void trace_set_free(struct trace_set *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		free(ts->t[i].path);
		free(ts->t[i].ms);
	}
	ts->n = 0;
}

double trace_time(const struct rate_trace *t, uint64_t k)
{
	return (double)(k / t->n) * t->period + t->ms[k % t->n] / 1000.0;
}

uint64_t trace_first_at(const struct rate_trace *t, double now)
{
	double cyc = now > 0 ? floor(now / t->period) : 0;
	double r = (now - cyc * t->period) * 1000.0;	/* ms into the cycle */
	size_t lo = 0, hi = t->n;

	/* lower bound: the first timestamp >= r (a hair of slack for rounding) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((double)t->ms[mid] < r - 1e-9)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint64_t)cyc * t->n + lo;	/* lo == n: the next cycle's first */
}

double trace_mean_bps(const struct rate_trace *t)
{
	return (double)t->n * TRACE_MTU * 8 / t->period;
}

double trace_schedule(struct trace_link *l, const struct rate_trace *t, double now, size_t len)
{
	size_t rem = len;

	if (!l->started || trace_time(t, l->k) < now) {
		/* the link was idle: the opportunities that passed are lost */
		l->k = trace_first_at(t, now);
		l->left = TRACE_MTU;
		l->started = true;
	}
	for (;;) {
		size_t amt;

		if (l->left == 0) {
			l->k++;
			l->left = TRACE_MTU;
		}
		amt = rem < l->left ? rem : l->left;
		l->left -= (uint32_t)amt;
		rem -= amt;
		if (rem == 0)
			return trace_time(t, l->k);
	}
}
