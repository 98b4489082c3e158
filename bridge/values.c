/* values.c - mpbridge's value parsers (tc's units). */
#include "values.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

bool seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

bool looks_numeric(const char *s)
{
	return isdigit((unsigned char)s[0]) || s[0] == '.';
}

bool parse_percent(const char *s, double *out)
{
	char num[64];
	size_t len;
	double v;

	/* netem's reading: "1" and "1%" are both 1% (tc ... netem loss 1) */
	if (!s || (len = strlen(s)) == 0 || len >= sizeof(num))
		return false;
	memcpy(num, s, len + 1);
	if (num[len - 1] == '%')
		num[len - 1] = '\0';
	if (!looks_numeric(num))
		return false;
	if (!parse_double(num, 0, 100, &v))
		return false;
	*out = v / 100.0;
	return true;
}

/* number followed by a unit from the table (case-insensitive) */
static bool parse_scaled(const char *s, const char *const *units, const double *mult,
			 size_t nunits, double dflt, double *out)
{
	char num[64];
	size_t len, i, nl;
	double v, m = dflt;

	if (!s || (len = strlen(s)) == 0 || len >= sizeof(num))
		return false;
	nl = len;
	while (nl > 0 && isalpha((unsigned char)s[nl - 1]))
		nl--;
	if (nl == 0)
		return false;
	if (nl < len) {
		for (i = 0; i < nunits; i++)
			if (strcasecmp(s + nl, units[i]) == 0)
				break;
		if (i == nunits)
			return false;
		m = mult[i];
	} else if (dflt <= 0) {
		return false;	/* unit required */
	}
	memcpy(num, s, nl);
	num[nl] = '\0';
	if (!isdigit((unsigned char)num[0]) && num[0] != '.')
		return false;
	if (!parse_double(num, 0, 1e18, &v))
		return false;
	*out = v * m;
	return true;
}

bool parse_rate(const char *s, uint64_t *bps)
{
	/* tc units: bit, kbit (1000), kibit (1024), ...; bps = bytes per second */
	static const char *const u[] = {
		"bit", "kbit", "mbit", "gbit", "tbit", "kibit", "mibit", "gibit",
		"bps", "kbps", "mbps", "gbps", "kibps", "mibps",
	};
	static const double m[] = {
		1, 1e3, 1e6, 1e9, 1e12, 1024.0, 1048576.0, 1073741824.0,
		8, 8e3, 8e6, 8e9, 8 * 1024.0, 8 * 1048576.0,
	};
	double v;

	if (!parse_scaled(s, u, m, sizeof(m) / sizeof(m[0]), 1, &v) || v > 1e15)
		return false;
	*bps = (uint64_t)llround(v);
	return true;
}

bool parse_size(const char *s, uint64_t *bytes)
{
	static const char *const u[] = { "b", "k", "kb", "m", "mb", "g", "gb", "kbit", "mbit" };
	static const double m[] = { 1, 1024, 1024, 1048576, 1048576, 1073741824.0,
				    1073741824.0, 1024 / 8.0, 1048576 / 8.0 };
	double v;

	if (!parse_scaled(s, u, m, sizeof(m) / sizeof(m[0]), 1, &v) || v > 1e15)
		return false;
	*bytes = (uint64_t)llround(v);
	return true;
}

bool parse_time_s(const char *s, double *out)
{
	return parse_duration(s, 1.0, VALUES_MAX_TIME_S, out);
}

bool is_bare_number(const char *s)
{
	double v;

	return looks_numeric(s) && parse_double(s, 0, INFINITY, &v);
}

bool parse_delay_s(const char *s, double *out)
{
	/* tc reads a bare number as microseconds, mpbridge used to read
	 * milliseconds: a bare number other than 0 is refused */
	if (is_bare_number(s)) {
		double v;

		if (!parse_double(s, 0, 0, &v))
			return false;
		*out = 0;
		return true;
	}
	return parse_duration(s, 1e-3, VALUES_MAX_DELAY_S, out);
}
