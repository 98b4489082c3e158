/* opts.c - mpbridge command line: global options, netem-like settings,
 * profiles and the timeline. */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

#define MAX_PROFILE_DEPTH 4
#define MAX_TIME_S (365.0 * 86400)
#define MAX_DELAY_S 3600.0

static bool seterr(char *err, size_t errlen, const char *fmt, ...) MPT_PRINTF(3, 4);
static bool seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- value parsers ---- */

bool parse_percent(const char *s, double *out)
{
	char num[64];
	size_t len;
	double v;

	if (!s || (len = strlen(s)) == 0 || len >= sizeof(num))
		return false;
	memcpy(num, s, len + 1);
	if (num[len - 1] == '%') {
		num[len - 1] = '\0';
		if (!isdigit((unsigned char)num[0]) && num[0] != '.')
			return false;
		if (!parse_double(num, 0, 100, &v))
			return false;
		*out = v / 100.0;
		return true;
	}
	if (!isdigit((unsigned char)num[0]) && num[0] != '.')
		return false;
	if (!parse_double(num, 0, 1, &v))
		return false;
	*out = v;
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

static bool parse_time_s(const char *s, double *out)
{
	return parse_duration(s, 1.0, MAX_TIME_S, out);
}

static bool parse_delay_ms(const char *s, double *out)
{
	return parse_duration(s, 1e-3, MAX_DELAY_S, out);
}

static bool is_file_r(const char *p)
{
	return access(p, R_OK) == 0;
}

/* ---- settings ---- */

struct sctx {
	struct impair_cfg *cfg;		/* [DIR_N] */
	unsigned mask;			/* 1 c2s, 2 s2c */
	const char *argv0;
	char *err;
	size_t errlen;
	int depth;
};

static bool is_opt(const char *t)
{
	return t[0] == '-' && t[1] == '-';
}

#define FOR_DIRS(x, c) for (int x = 0; x < DIR_N; x++) if ((c)->mask & (1u << x))

static bool bad(struct sctx *c, const char *opt, const char *what, const char *tok)
{
	return seterr(c->err, c->errlen, "%s: bad %s '%s'", opt, what, tok);
}

static bool need(struct sctx *c, const char *opt, size_t n, size_t want, const char *what)
{
	if (n >= want)
		return true;
	return seterr(c->err, c->errlen, "%s: missing %s", opt, what);
}

static bool opt_loss(struct sctx *c, const char *opt, char **a, size_t n)
{
	struct loss_cfg l;
	size_t i = 0;
	double v[5];

	memset(&l, 0, sizeof(l));
	if (!need(c, opt, n, 1, "loss model or percentage"))
		return false;
	if (strcmp(a[0], "random") == 0 || parse_percent(a[0], &v[0])) {
		if (strcmp(a[0], "random") == 0) {
			if (!need(c, opt, n, 2, "percentage"))
				return false;
			i = 1;
			if (!parse_percent(a[1], &v[0]))
				return bad(c, opt, "percentage", a[1]);
		}
		if (n > i + 1) {
			if (parse_percent(a[i + 1], &v[1]))
				return seterr(c->err, c->errlen,
					      "%s: correlation '%s' is not supported (it gives far "
					      "less loss than asked); use 'gemodel' for bursts",
					      opt, a[i + 1]);
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[i + 1]);
		}
		l.kind = v[0] > 0 ? LOSS_RANDOM : LOSS_NONE;
		l.p = v[0];
	} else if (strcmp(a[0], "gemodel") == 0 || strcmp(a[0], "ge") == 0) {
		/* netem (iproute2): p [r [1-h [1-k]]], defaults r = 1 - p, 1-h = 100%,
		 * 1-k = 0%, so "gemodel P" alone is Bernoulli loss P */
		if (!need(c, opt, n, 2, "gemodel p"))
			return false;
		if (n > 5)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[5]);
		if (!parse_percent(a[1], &v[0]))
			return bad(c, opt, "percentage", a[1]);
		v[1] = 1.0 - v[0];
		v[2] = 1.0;
		v[3] = 0.0;
		for (i = 2; i < n; i++)
			if (!parse_percent(a[i], &v[i - 1]))
				return bad(c, opt, "percentage", a[i]);
		l.kind = LOSS_GE;
		l.ge_p = v[0];
		l.ge_r = v[1];
		l.ge_1h = v[2];
		l.ge_1k = v[3];
	} else if (strcmp(a[0], "state") == 0) {
		/* netem: p13 [p31 [p32 [p23 [p14]]]], defaults 1-p13, 0, 100%, 0 */
		if (!need(c, opt, n, 2, "state p13"))
			return false;
		if (n > 6)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[6]);
		if (!parse_percent(a[1], &v[0]))
			return bad(c, opt, "percentage", a[1]);
		v[1] = 1.0 - v[0];
		v[2] = 0;
		v[3] = 1.0;
		v[4] = 0;
		for (i = 2; i < n; i++)
			if (!parse_percent(a[i], &v[i - 1]))
				return bad(c, opt, "percentage", a[i]);
		if (v[0] + v[4] > 1.0)
			return seterr(c->err, c->errlen, "%s: p13 + p14 exceed 100%%", opt);
		if (v[1] + v[2] > 1.0)
			return seterr(c->err, c->errlen, "%s: p31 + p32 exceed 100%%", opt);
		l.kind = LOSS_STATE;
		l.p13 = v[0];
		l.p31 = v[1];
		l.p32 = v[2];
		l.p23 = v[3];
		l.p14 = v[4];
	} else if (strcmp(a[0], "nth") == 0 || strcmp(a[0], "every") == 0) {
		uint64_t k;

		if (!need(c, opt, n, 2, "N"))
			return false;
		if (!parse_u64(a[1], 1, UINT64_MAX, &k))
			return bad(c, opt, "N", a[1]);
		if (n > 2)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[2]);
		l.kind = LOSS_NTH;
		l.nth = k;
	} else if (strcmp(a[0], "none") == 0) {
		if (n > 1)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
		l.kind = LOSS_NONE;
	} else if (strcmp(a[0], "blackout") == 0 || strcmp(a[0], "flap") == 0) {
		double t1, t2;
		bool bo = a[0][0] == 'b';

		if (!need(c, opt, n, 3, bo ? "blackout START END" : "flap UP DOWN"))
			return false;
		if (!parse_time_s(a[1], &t1))
			return bad(c, opt, "time", a[1]);
		if (!parse_time_s(a[2], &t2))
			return bad(c, opt, "time", a[2]);
		if (n > 3)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[3]);
		if (bo && t2 <= t1)
			return seterr(c->err, c->errlen, "%s: blackout end '%s' not after start",
				      opt, a[2]);
		if (!bo && (t1 <= 0 || t2 <= 0))
			return seterr(c->err, c->errlen, "%s: flap times must be positive", opt);
		FOR_DIRS(d, c) {
			if (bo) {
				c->cfg[d].blackout_start = t1;
				c->cfg[d].blackout_end = t2;
			} else {
				c->cfg[d].flap_up = t1;
				c->cfg[d].flap_down = t2;
			}
		}
		return true;
	} else {
		return bad(c, opt, "loss model", a[0]);
	}
	FOR_DIRS(d, c) c->cfg[d].loss = l;
	return true;
}

/* ---- netem .dist tables (loaded once, kept until opts_free) ---- */

#define MAX_TABLES 16

static struct {
	char path[PATH_MAX];
	int16_t *tab;
	uint32_t n;
} tables[MAX_TABLES];
static size_t ntables;

static bool dist_find(const char *name, char *path, size_t len)
{
	static const char *const dirs[] = { "/usr/lib/tc", "/usr/lib64/tc", "/usr/share/tc",
					    "/usr/local/lib/tc" };
	const char *env = getenv("TC_LIB_DIR");
	size_t i;

	if (strchr(name, '/')) {
		snprintf(path, len, "%s", name);
		return is_file_r(path);
	}
	if (env && *env) {
		snprintf(path, len, "%s/%s.dist", env, name);
		if (is_file_r(path))
			return true;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, len, "%s/%s.dist", dirs[i], name);
		if (is_file_r(path))
			return true;
	}
	return false;
}

/* Load a table: whitespace-separated integers in [-32768, 32767], '#' comments. */
static bool dist_load(struct sctx *c, const char *opt, const char *name, const int16_t **tab,
		      uint32_t *n)
{
	char path[PATH_MAX], line[4096];
	int16_t *t = NULL;
	uint32_t cnt = 0, cap = 0;
	int lineno = 0;
	size_t i;
	FILE *f;

	if (!dist_find(name, path, sizeof(path)))
		return seterr(c->err, c->errlen, "%s: bad distribution '%s' (uniform, normal, or "
			      "a netem .dist table)", opt, name);
	for (i = 0; i < ntables; i++) {
		if (strcmp(tables[i].path, path) == 0) {
			*tab = tables[i].tab;
			*n = tables[i].n;
			return true;
		}
	}
	if (ntables == MAX_TABLES)
		return seterr(c->err, c->errlen, "%s: too many distribution tables", opt);
	f = fopen(path, "r");
	if (!f)
		return seterr(c->err, c->errlen, "%s: %s: %s", opt, path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *h = strchr(line, '#'), *save = NULL, *tok;

		lineno++;
		if (h)
			*h = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			char *end;
			long v;

			errno = 0;
			v = strtol(tok, &end, 10);
			if (errno || *end || end == tok || v < INT16_MIN || v > INT16_MAX) {
				seterr(c->err, c->errlen, "%s: %s:%d: bad entry '%s'", opt, path,
				       lineno, tok);
				goto fail;
			}
			if (cnt == DIST_MAX_ENTRIES) {
				seterr(c->err, c->errlen, "%s: %s: more than %d entries", opt, path,
				       DIST_MAX_ENTRIES);
				goto fail;
			}
			if (cnt == cap) {
				int16_t *nt;

				cap = cap ? cap * 2 : 1024;
				nt = realloc(t, cap * sizeof(*t));
				if (!nt) {
					seterr(c->err, c->errlen, "out of memory");
					goto fail;
				}
				t = nt;
			}
			t[cnt++] = (int16_t)v;
		}
	}
	fclose(f);
	if (cnt == 0) {
		free(t);
		return seterr(c->err, c->errlen, "%s: %s: empty distribution table", opt, path);
	}
	snprintf(tables[ntables].path, sizeof(tables[ntables].path), "%s", path);
	tables[ntables].tab = t;
	tables[ntables].n = cnt;
	ntables++;
	*tab = t;
	*n = cnt;
	return true;
fail:
	fclose(f);
	free(t);
	return false;
}

static void dist_free_all(void)
{
	size_t i;

	for (i = 0; i < ntables; i++)
		free(tables[i].tab);
	ntables = 0;
}

static bool opt_delay(struct sctx *c, const char *opt, char **a, size_t n)
{
	double dl, jit = 0;
	enum dist_kind dist = DIST_UNIFORM;
	const int16_t *tab = NULL;
	uint32_t ntab = 0;
	bool unordered = false;
	size_t i = 1;

	if (!need(c, opt, n, 1, "delay"))
		return false;
	if (!parse_delay_ms(a[0], &dl))
		return bad(c, opt, "delay", a[0]);
	if (i < n && (isdigit((unsigned char)a[i][0]) || a[i][0] == '.')) {
		if (!parse_delay_ms(a[i], &jit))
			return bad(c, opt, "jitter", a[i]);
		i++;
	}
	while (i < n) {
		if (strcmp(a[i], "distribution") == 0 || strcmp(a[i], "dist") == 0) {
			if (i + 1 >= n)
				return seterr(c->err, c->errlen, "%s: missing distribution", opt);
			if (strcmp(a[i + 1], "uniform") == 0)
				dist = DIST_UNIFORM;
			else if (strcmp(a[i + 1], "normal") == 0)
				dist = DIST_NORMAL;
			else if (dist_load(c, opt, a[i + 1], &tab, &ntab))
				dist = DIST_TABLE;
			else
				return false;
			i += 2;
		} else if (strcmp(a[i], "unordered") == 0) {
			unordered = true;
			i++;
		} else {
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[i]);
		}
	}
	FOR_DIRS(d, c) {
		c->cfg[d].delay = dl;
		c->cfg[d].jitter = jit;
		c->cfg[d].dist = dist;
		c->cfg[d].dist_tab = tab;
		c->cfg[d].dist_n = ntab;
		c->cfg[d].unordered = unordered;
	}
	return true;
}

static bool opt_reorder(struct sctx *c, const char *opt, char **a, size_t n)
{
	double p;
	unsigned gap = 1;

	if (!need(c, opt, n, 1, "percentage"))
		return false;
	if (!parse_percent(a[0], &p))
		return bad(c, opt, "percentage", a[0]);
	if (n >= 2) {
		if (strcmp(a[1], "gap") != 0) {
			if (parse_percent(a[1], &p))
				return seterr(c->err, c->errlen,
					      "%s: correlation '%s' is not supported", opt, a[1]);
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
		}
		if (n < 3)
			return seterr(c->err, c->errlen, "%s: missing gap", opt);
		if (!parse_uint(a[2], 1, 1000000, &gap))
			return bad(c, opt, "gap", a[2]);
		if (n > 3)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[3]);
	}
	FOR_DIRS(d, c) {
		c->cfg[d].reorder_p = p;
		c->cfg[d].reorder_gap = gap;
	}
	return true;
}

static bool opt_duplicate(struct sctx *c, const char *opt, char **a, size_t n)
{
	double p, dd = 0;

	if (!need(c, opt, n, 1, "percentage"))
		return false;
	if (!parse_percent(a[0], &p))
		return bad(c, opt, "percentage", a[0]);
	if (n >= 2 && !parse_delay_ms(a[1], &dd))
		return bad(c, opt, "delay", a[1]);
	if (n > 2)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[2]);
	FOR_DIRS(d, c) {
		c->cfg[d].dup_p = p;
		c->cfg[d].dup_delay = dd;
	}
	return true;
}

static bool opt_corrupt(struct sctx *c, const char *opt, char **a, size_t n)
{
	double p;

	if (!need(c, opt, n, 1, "percentage"))
		return false;
	if (!parse_percent(a[0], &p))
		return bad(c, opt, "percentage", a[0]);
	if (n > 1)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
	FOR_DIRS(d, c) c->cfg[d].corrupt_p = p;
	return true;
}

static bool opt_truncate(struct sctx *c, const char *opt, char **a, size_t n)
{
	double p;
	unsigned len = 0;

	if (!need(c, opt, n, 1, "percentage"))
		return false;
	if (!parse_percent(a[0], &p))
		return bad(c, opt, "percentage", a[0]);
	if (n >= 2 && !parse_uint(a[1], 0, 65535, &len))
		return bad(c, opt, "length", a[1]);
	if (n > 2)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[2]);
	FOR_DIRS(d, c) {
		c->cfg[d].trunc_p = p;
		c->cfg[d].trunc_len = len;
	}
	return true;
}

static bool opt_rate(struct sctx *c, const char *opt, char **a, size_t n)
{
	uint64_t bps, burst = 0;
	bool have_burst = false;

	if (!need(c, opt, n, 1, "rate"))
		return false;
	if (strcmp(a[0], "none") == 0)
		bps = 0;
	else if (!parse_rate(a[0], &bps))
		return bad(c, opt, "rate", a[0]);
	if (n >= 2) {
		if (strcmp(a[1], "burst") != 0)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
		if (n < 3)
			return seterr(c->err, c->errlen, "%s: missing burst", opt);
		if (!parse_size(a[2], &burst))
			return bad(c, opt, "burst", a[2]);
		have_burst = true;
		if (n > 3)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[3]);
	}
	FOR_DIRS(d, c) {
		c->cfg[d].rate_bps = bps;
		if (have_burst || bps == 0)
			c->cfg[d].burst = burst;
	}
	return true;
}

static bool opt_limit(struct sctx *c, const char *opt, char **a, size_t n)
{
	unsigned pk;
	uint64_t by = IMPAIR_LIMIT_BYTES_DEFAULT;

	if (!need(c, opt, n, 1, "packet limit"))
		return false;
	if (!parse_uint(a[0], 1, 1000000, &pk))
		return bad(c, opt, "packet limit", a[0]);
	if (n >= 2 && (!parse_size(a[1], &by) || by < 1))
		return bad(c, opt, "byte limit", a[1]);
	if (n > 2)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[2]);
	FOR_DIRS(d, c) {
		c->cfg[d].limit_pkts = pk;
		c->cfg[d].limit_bytes = by;
	}
	return true;
}

static bool opt_mtu(struct sctx *c, const char *opt, char **a, size_t n)
{
	unsigned m;

	if (!need(c, opt, n, 1, "MTU"))
		return false;
	if (strcmp(a[0], "none") == 0)
		m = 0;
	else if (!parse_uint(a[0], 1, 65535, &m))
		return bad(c, opt, "MTU", a[0]);
	if (n > 1)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
	FOR_DIRS(d, c) c->cfg[d].mtu = m;
	return true;
}

static bool opt_dir(struct sctx *c, const char *opt, char **a, size_t n)
{
	if (!need(c, opt, n, 1, "direction"))
		return false;
	if (strcmp(a[0], "c2s") == 0)
		c->mask = 1;
	else if (strcmp(a[0], "s2c") == 0)
		c->mask = 2;
	else if (strcmp(a[0], "both") == 0)
		c->mask = 3;
	else
		return bad(c, opt, "direction (c2s, s2c or both)", a[0]);
	if (n > 1)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
	return true;
}

static bool opt_flag(struct sctx *c, const char *opt, char **a, size_t n)
{
	if (n > 0)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[0]);
	FOR_DIRS(d, c) {
		if (strcmp(opt, "--down") == 0) {
			c->cfg[d].down = true;
		} else if (strcmp(opt, "--up") == 0) {
			c->cfg[d].down = false;
		} else {
			impair_cfg_default(&c->cfg[d]);	/* --clear */
		}
	}
	return true;
}

static bool opt_window(struct sctx *c, const char *opt, char **a, size_t n)
{
	char *b[3] = { strcmp(opt, "--blackout") == 0 ? "blackout" : "flap", NULL, NULL };

	if (n != 2) {
		if (n > 2)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[2]);
		return seterr(c->err, c->errlen, "%s: needs two times", opt);
	}
	b[1] = a[0];
	b[2] = a[1];
	return opt_loss(c, opt, b, 3);
}

static bool apply_profile(struct sctx *c, const char *name);

static bool opt_profile(struct sctx *c, const char *opt, char **a, size_t n)
{
	if (!need(c, opt, n, 1, "profile name"))
		return false;
	if (n > 1)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
	return apply_profile(c, a[0]);
}

static const struct setting {
	const char *name;
	bool (*fn)(struct sctx *c, const char *opt, char **a, size_t n);
} SETTINGS[] = {
	{ "--loss", opt_loss },		{ "--delay", opt_delay },
	{ "--reorder", opt_reorder },	{ "--duplicate", opt_duplicate },
	{ "--corrupt", opt_corrupt },	{ "--truncate", opt_truncate },
	{ "--rate", opt_rate },		{ "--limit", opt_limit },
	{ "--mtu", opt_mtu },		{ "--dir", opt_dir },
	{ "--down", opt_flag },		{ "--up", opt_flag },
	{ "--clear", opt_flag },	{ "--blackout", opt_window },
	{ "--flap", opt_window },	{ "--profile", opt_profile },
};

static const struct setting *find_setting(const char *tok)
{
	size_t i;

	for (i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++)
		if (strcmp(tok, SETTINGS[i].name) == 0)
			return &SETTINGS[i];
	return NULL;
}

static bool apply_tokens(struct sctx *c, char **tok, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const struct setting *s = find_setting(tok[i]);
		size_t j = i + 1;

		if (!s) {
			if (is_opt(tok[i]))
				return seterr(c->err, c->errlen, "unknown setting '%s'", tok[i]);
			return seterr(c->err, c->errlen, "unexpected '%s'", tok[i]);
		}
		while (j < n && !is_opt(tok[j]))
			j++;
		if (!s->fn(c, tok[i], tok + i + 1, j - i - 1))
			return false;
		i = j;
	}
	return true;
}

bool settings_apply(struct impair_cfg cfg[DIR_N], char **tok, size_t n, const char *argv0,
		    char *err, size_t errlen)
{
	struct sctx c = { cfg, 3, argv0, err, errlen, 0 };

	return apply_tokens(&c, tok, n);
}

/* ---- profiles ---- */


bool profile_find(const char *name, const char *argv0, char *path, size_t len)
{
	const char *env = getenv("MPBRIDGE_PROFILES");
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n;

	if (strchr(name, '/')) {
		snprintf(path, len, "%s", name);
		return is_file_r(path);
	}
	if (name[0] == '.' || name[0] == '\0')
		return false;
	if (env && *env) {
		/* a colon-separated list of directories */
		const char *p = env;

		while (*p) {
			const char *e = strchr(p, ':');
			size_t l = e ? (size_t)(e - p) : strlen(p);

			if (l > 0 && l < sizeof(dir)) {
				memcpy(dir, p, l);
				dir[l] = '\0';
				snprintf(path, len, "%s/%s", dir, name);
				if (is_file_r(path))
					return true;
			}
			p += l + (e ? 1 : 0);
		}
	}
	snprintf(path, len, "bridge/profiles/%s", name);
	if (is_file_r(path))
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
	} else if (argv0 && strchr(argv0, '/')) {
		snprintf(exe, sizeof(exe), "%s", argv0);
	} else {
		return false;
	}
	{
		char *slash = strrchr(exe, '/');

		if (!slash)
			return false;
		*slash = '\0';
	}
	snprintf(path, len, "%s/../bridge/profiles/%s", exe, name);
	if (is_file_r(path))
		return true;
	snprintf(path, len, "%s/../../bridge/profiles/%s", exe, name);
	if (is_file_r(path))
		return true;
	snprintf(path, len, "%s/../share/mptunnel/profiles/%s", exe, name);
	return is_file_r(path);
}

#define MAX_LINE_TOK 64

static bool apply_profile(struct sctx *c, const char *name)
{
	char path[PATH_MAX + 64], line[1024];
	char *tok[MAX_LINE_TOK];
	unsigned saved_mask = c->mask;
	int lineno = 0;
	bool ok = true;
	FILE *f;

	if (c->depth >= MAX_PROFILE_DEPTH)
		return seterr(c->err, c->errlen, "--profile: '%s' nested too deeply", name);
	if (!profile_find(name, c->argv0, path, sizeof(path)))
		return seterr(c->err, c->errlen, "--profile: no profile '%s' (see --help)", name);
	f = fopen(path, "r");
	if (!f)
		return seterr(c->err, c->errlen, "--profile: %s: %s", path, strerror(errno));
	c->depth++;
	while (ok && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '#'), *save = NULL, *t;
		size_t n = 0;

		lineno++;
		if (p)
			*p = '\0';
		for (t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == MAX_LINE_TOK) {
				ok = seterr(c->err, c->errlen, "profile %s:%d: line too long", name,
					    lineno);
				break;
			}
			tok[n++] = t;
		}
		if (ok && !apply_tokens(c, tok, n)) {
			char inner[OPTS_ERRLEN];

			snprintf(inner, sizeof(inner), "%s", c->err);
			seterr(c->err, c->errlen, "profile %s:%d: %s", name, lineno, inner);
			ok = false;
		}
	}
	fclose(f);
	c->depth--;
	c->mask = saved_mask;
	return ok;
}

/* ---- the command line ---- */

void opts_usage(FILE *f)
{
	fprintf(f,
"usage: mpbridge -l [ADDR:]PORT -t HOST:PORT [options] [settings] [--at TIME settings]...\n"
"\n"
"A UDP relay that impairs traffic per direction: c2s (client -> target) and\n"
"s2c (target -> client).  The client is re-learned from the latest datagram.\n"
"\n"
"Options:\n"
"  -l, --listen [ADDR:]PORT   listen here for the client (default ADDR: any)\n"
"  -t, --to HOST:PORT         the target (one upstream socket for the whole run)\n"
"      --source [ADDR:]PORT   bind the upstream socket here (fixed source port)\n"
"  -s, --seed N               seed the decisions (default: random, printed)\n"
"      --stats FILE           write counters as JSON at exit and on SIGUSR1\n"
"      --pcap PREFIX          capture PREFIX-c2s.pcap, PREFIX-c2s-drop.pcap,\n"
"                             PREFIX-s2c.pcap, PREFIX-s2c-drop.pcap\n"
"      --decision-log FILE    one line per packet: seq dir verdict reason flags delay_ms\n"
"      --timeline FILE        lines 'TIME settings...' (as --at)\n"
"      --at TIME settings...  from TIME (seconds after start) change these settings\n"
"  -n, --check                validate the options and exit\n"
"  -v, -q                     more / less logging\n"
"  -h, --help, -V, --version\n"
"\n"
"Settings (netem-like; they apply to both directions unless --dir says otherwise):\n"
"  --dir c2s|s2c|both         direction of the settings that follow\n"
"  --loss P                   Bernoulli loss, P as 20%% or 0.2\n"
"  --loss gemodel P [R [1-H [1-K]]]   Gilbert-Elliott (netem defaults R=1-P, 1-H=100%%,\n"
"                             1-K=0%%: P alone is Bernoulli P)\n"
"  --loss state P13 [P31 [P32 [P23 [P14]]]]   4-state Markov (netem defaults)\n"
"  --loss nth N               drop every Nth packet (N, 2N, ...)\n"
"  --loss none                no loss model\n"
"  --blackout T1 T2           link down from T1 to T2 (seconds after start)\n"
"  --flap UP DOWN             link up UP seconds, then down DOWN seconds, repeatedly\n"
"  --down, --up               link down / up (for --at)\n"
"  --delay D [J] [distribution uniform|normal|TABLE] [unordered]\n"
"                             delay D plus jitter J (uniform +-J or normal sigma J;\n"
"                             bare numbers are ms; TABLE: a netem .dist file, by\n"
"                             path or NAME in $TC_LIB_DIR, /usr/lib/tc, ...);\n"
"                             order kept unless 'unordered'\n"
"  --reorder P [gap N]        netem: every Nth packet, with probability P, skips the delay\n"
"  --duplicate P [D]          duplicate with probability P, the copy D later\n"
"  --corrupt P                flip one random bit with probability P\n"
"  --truncate P [LEN]         cut to LEN bytes (default: random length) with probability P\n"
"  --rate R [burst SIZE]      token bucket, R like 5mbit, 200kbit, 1mbps (bytes/s)\n"
"  --limit PKTS [BYTES]       packets/bytes held per direction (default 1000, 64mb)\n"
"  --mtu N                    drop datagrams with more than N payload bytes\n"
"  --clear                    no impairment\n"
"  --profile NAME             settings from a profile file (lossy-wifi, 3g, satellite,\n"
"                             blackout, ...): $MPBRIDGE_PROFILES, ./bridge/profiles,\n"
"                             BINDIR/../bridge/profiles, BINDIR/../../bridge/profiles,\n"
"                             BINDIR/../share/mptunnel/profiles\n"
"\n"
"Example: mpbridge -l 4001 -t 127.0.0.1:5000 --seed 7 --loss 20%% \\\n"
"           --dir s2c --delay 30ms 5ms --at 5s --down --at 10s --up\n"
"SIGUSR1 prints the counters and writes --stats; SIGINT/SIGTERM exit cleanly.\n");
}

static bool add_group_tok(struct tok_group *g, char *t)
{
	char **nt = realloc(g->tok, (g->ntok + 1) * sizeof(*nt));

	if (!nt)
		return false;
	nt[g->ntok++] = t;
	g->tok = nt;
	return true;
}

static struct tok_group *new_group(struct bridge_opts *o, double at, const char *origin)
{
	struct tok_group *ng = realloc(o->groups, (o->ngroups + 1) * sizeof(*ng));

	if (!ng)
		return NULL;
	o->groups = ng;
	ng = &o->groups[o->ngroups++];
	memset(ng, 0, sizeof(*ng));
	ng->at = at;
	snprintf(ng->origin, sizeof(ng->origin), "%s", origin);
	return ng;
}

static char *own(struct bridge_opts *o, const char *s)
{
	char **no = realloc(o->owned, (o->nowned + 1) * sizeof(*no));
	char *d;

	if (!no)
		return NULL;
	o->owned = no;
	d = strdup(s);
	if (d)
		o->owned[o->nowned++] = d;
	return d;
}

static bool read_timeline(struct bridge_opts *o, const char *file, char *err, size_t errlen)
{
	char line[1024], origin[80];
	int lineno = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		return seterr(err, errlen, "--timeline: %s: %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '#'), *save = NULL, *t;
		struct tok_group *g = NULL;
		double at;

		lineno++;
		if (p)
			*p = '\0';
		t = strtok_r(line, " \t\r\n", &save);
		if (!t)
			continue;
		if (!parse_time_s(t, &at)) {
			fclose(f);
			return seterr(err, errlen, "%s:%d: bad time '%s'", file, lineno, t);
		}
		snprintf(origin, sizeof(origin), "%s:%d", file, lineno);
		g = new_group(o, at, origin);
		if (!g) {
			fclose(f);
			return seterr(err, errlen, "out of memory");
		}
		while ((t = strtok_r(NULL, " \t\r\n", &save))) {
			char *d = own(o, t);

			if (!d || !add_group_tok(g, d)) {
				fclose(f);
				return seterr(err, errlen, "out of memory");
			}
		}
	}
	fclose(f);
	return true;
}

static bool is_setting_opt(const char *t)
{
	return find_setting(t) != NULL;
}

bool opts_parse(struct bridge_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	size_t cur = 0;
	int i;
	size_t g, k;

	memset(o, 0, sizeof(*o));
	o->verbosity = LOG_LVL_INFO;
	o->argv0 = argc > 0 ? argv[0] : "mpbridge";
	for (k = 0; k < DIR_N; k++)
		impair_cfg_default(&o->base[k]);
	if (!new_group(o, -1, "command line"))
		return seterr(err, errlen, "out of memory");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

#define NEEDVAL()                                                                   \
	do {                                                                         \
		if (!val)                                                            \
			return seterr(err, errlen, "option '%s' needs a value", a);  \
		i++;                                                                 \
	} while (0)

		if (strcmp(a, "-l") == 0 || strcmp(a, "--listen") == 0) {
			NEEDVAL();
			if (!parse_hostport(val, true, o->listen_host, sizeof(o->listen_host),
					    &o->listen_port))
				return seterr(err, errlen, "%s: bad address '%s'", a, val);
			o->have_listen = true;
		} else if (strcmp(a, "-t") == 0 || strcmp(a, "--to") == 0) {
			NEEDVAL();
			if (!parse_hostport(val, false, o->to_host, sizeof(o->to_host),
					    &o->to_port) || !o->to_host[0])
				return seterr(err, errlen, "%s: bad address '%s' (want HOST:PORT)",
					      a, val);
			o->have_to = true;
		} else if (strcmp(a, "--source") == 0) {
			NEEDVAL();
			if (!parse_hostport(val, true, o->source_host, sizeof(o->source_host),
					    &o->source_port))
				return seterr(err, errlen, "%s: bad address '%s'", a, val);
			o->have_source = true;
		} else if (strcmp(a, "-s") == 0 || strcmp(a, "--seed") == 0) {
			NEEDVAL();
			if (!parse_u64(val, 0, UINT64_MAX, &o->seed))
				return seterr(err, errlen, "%s: bad seed '%s'", a, val);
			o->seed_set = true;
		} else if (strcmp(a, "--stats") == 0) {
			NEEDVAL();
			o->stats_path = val;
		} else if (strcmp(a, "--pcap") == 0) {
			NEEDVAL();
			if (!*val)
				return seterr(err, errlen, "%s: empty prefix", a);
			o->pcap_prefix = val;
		} else if (strcmp(a, "--decision-log") == 0) {
			NEEDVAL();
			o->declog_path = val;
		} else if (strcmp(a, "--timeline") == 0) {
			NEEDVAL();
			if (!read_timeline(o, val, err, errlen))
				return false;
		} else if (strcmp(a, "--at") == 0) {
			double at;
			char origin[80];

			NEEDVAL();
			if (!parse_time_s(val, &at))
				return seterr(err, errlen, "--at: bad time '%s'", val);
			snprintf(origin, sizeof(origin), "--at %s", val);
			if (!new_group(o, at, origin))
				return seterr(err, errlen, "out of memory");
			cur = o->ngroups - 1;
		} else if (strcmp(a, "-n") == 0 || strcmp(a, "--check") == 0) {
			o->check = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbosity++;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->verbosity--;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->help = true;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			o->version = true;
		} else if (is_setting_opt(a)) {
			/* the setting and its values, applied below */
			if (!add_group_tok(&o->groups[cur], argv[i]))
				return seterr(err, errlen, "out of memory");
			while (i + 1 < argc && !is_opt(argv[i + 1]) && argv[i + 1][0] != '\0' &&
			       !(argv[i + 1][0] == '-' && isalpha((unsigned char)argv[i + 1][1]))) {
				i++;
				if (!add_group_tok(&o->groups[cur], argv[i]))
					return seterr(err, errlen, "out of memory");
			}
		} else if (a[0] == '-') {
			return seterr(err, errlen, "unknown option '%s' (see --help)", a);
		} else {
			return seterr(err, errlen, "unexpected '%s' (see --help)", a);
		}
#undef NEEDVAL
	}
	if (o->help || o->version)
		return true;

	/* base settings, then each timeline step on top of the one before */
	if (!settings_apply(o->base, o->groups[0].tok, o->groups[0].ntok, o->argv0, err, errlen))
		return false;
	if (o->ngroups > 1) {
		/* stable sort by time: insertion sort keeps command-line order on ties */
		for (g = 2; g < o->ngroups; g++) {
			struct tok_group t = o->groups[g];
			size_t j = g;

			while (j > 1 && o->groups[j - 1].at > t.at) {
				o->groups[j] = o->groups[j - 1];
				j--;
			}
			o->groups[j] = t;
		}
		o->ntl = o->ngroups - 1;
		o->tl = calloc(o->ntl, sizeof(*o->tl));
		if (!o->tl)
			return seterr(err, errlen, "out of memory");
		for (g = 1; g < o->ngroups; g++) {
			struct tl_entry *e = &o->tl[g - 1];
			char inner[OPTS_ERRLEN];

			memcpy(e->cfg, g == 1 ? o->base : o->tl[g - 2].cfg, sizeof(e->cfg));
			e->at = o->groups[g].at;
			if (!settings_apply(e->cfg, o->groups[g].tok, o->groups[g].ntok, o->argv0,
					    inner, sizeof(inner)))
				return seterr(err, errlen, "%s: %s", o->groups[g].origin, inner);
		}
	}
	if (!o->have_listen)
		return seterr(err, errlen, "missing --listen [ADDR:]PORT");
	if (!o->have_to)
		return seterr(err, errlen, "missing --to HOST:PORT");
	return true;
}

void opts_free(struct bridge_opts *o)
{
	size_t i;

	for (i = 0; i < o->ngroups; i++)
		free(o->groups[i].tok);
	free(o->groups);
	for (i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	free(o->tl);
	dist_free_all();
	o->groups = NULL;
	o->owned = NULL;
	o->tl = NULL;
	o->ngroups = o->nowned = o->ntl = 0;
}
