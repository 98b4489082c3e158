/* parse.c - strict parsers: every number is read with an end pointer and a range check. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (!parse_u64(s, min, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

bool parse_port(const char *s, bool allow_zero, uint16_t *out)
{
	uint64_t v;

	if (!parse_u64(s, allow_zero ? 0 : 1, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_duration(const char *s, double default_unit_s, double max_s, double *out)
{
	static const struct { const char *suffix; double mult; } units[] = {
		{ "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1.0 }, { "m", 60.0 },
	};
	char num[64];
	double mult = default_unit_s, v;
	size_t len, i;

	if (!s)
		return false;
	len = strlen(s);
	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, s, len + 1);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t sl = strlen(units[i].suffix);

		if (len > sl && strcmp(num + len - sl, units[i].suffix) == 0 &&
		    !isalpha((unsigned char)num[len - sl - 1])) {
			num[len - sl] = '\0';
			mult = units[i].mult;
			break;
		}
	}
	if (!isdigit((unsigned char)num[0]) && num[0] != '.')
		return false;
	if (!parse_double(num, 0, INFINITY, &v))
		return false;
	v *= mult;
	if (v > max_s)
		return false;
	*out = v;
	return true;
}

bool parse_hostport(const char *s, bool allow_bare_port, char *host, size_t hostlen,
		    uint16_t *port)
{
	const char *colon, *hs = s, *he;
	size_t n;

	if (!s || !*s || hostlen == 0)
		return false;
	if (s[0] == '[') {
		he = strchr(s, ']');
		if (!he || he[1] != ':')
			return false;
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			if (!allow_bare_port || !parse_port(s, false, port))
				return false;
			host[0] = '\0';
			return true;
		}
		if (memchr(s, ':', (size_t)(colon - s)))
			return false;	/* bare IPv6 must be bracketed */
		he = colon;
	}
	n = (size_t)(he - hs);
	if (n >= hostlen || !parse_port(colon + 1, false, port))
		return false;
	memcpy(host, hs, n);
	host[n] = '\0';
	return true;
}
