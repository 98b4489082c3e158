/* settings.c - the netem-like settings language of mpbridge. */
#include "settings.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "profile.h"
#include "values.h"


bool settings_is_opt(const char *t)
{
	return t[0] == '-' && t[1] == '-';
}

#define FOR_DIRS(x, c) for (int x = 0; x < DIR_N; x++) if ((c)->mask & (1u << x))

static bool bad(struct settings_ctx *c, const char *opt, const char *what, const char *tok)
{
	return seterr(c->err, c->errlen, "%s: bad %s '%s'", opt, what, tok);
}

/* a delay without its unit gets a message naming both readings */
static bool bad_delay(struct settings_ctx *c, const char *opt, const char *what, const char *tok)
{
	if (is_bare_number(tok))
		return seterr(c->err, c->errlen, "%s: bad %s '%s': give a unit, e.g. %sms or %sus "
			      "(tc reads a bare number as microseconds)", opt, what, tok, tok, tok);
	return bad(c, opt, what, tok);
}

static bool need(struct settings_ctx *c, const char *opt, size_t n, size_t want, const char *what)
{
	if (n >= want)
		return true;
	return seterr(c->err, c->errlen, "%s: missing %s", opt, what);
}

static bool opt_loss(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_delay(struct settings_ctx *c, const char *opt, char **a, size_t n)
{
	double dl, jit = 0;
	enum dist_kind dist = DIST_UNIFORM;
	const int16_t *tab = NULL;
	uint32_t ntab = 0;
	bool unordered = false;
	char inner[256];
	size_t i = 1;

	if (!need(c, opt, n, 1, "delay"))
		return false;
	if (!parse_delay_s(a[0], &dl))
		return bad_delay(c, opt, "delay", a[0]);
	if (i < n && (isdigit((unsigned char)a[i][0]) || a[i][0] == '.')) {
		if (!parse_delay_s(a[i], &jit))
			return bad_delay(c, opt, "jitter", a[i]);
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
			else if (!c->tables)
				return seterr(c->err, c->errlen, "%s: no table store", opt);
			else if (dist_tables_get(c->tables, a[i + 1], &tab, &ntab, inner,
						 sizeof(inner)))
				dist = DIST_TABLE;
			else
				return seterr(c->err, c->errlen, "%s: %s", opt, inner);
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

static bool opt_reorder(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_duplicate(struct settings_ctx *c, const char *opt, char **a, size_t n)
{
	double p, dd = 0;

	if (!need(c, opt, n, 1, "percentage"))
		return false;
	if (!parse_percent(a[0], &p))
		return bad(c, opt, "percentage", a[0]);
	if (n >= 2 && !parse_delay_s(a[1], &dd))
		return bad_delay(c, opt, "delay", a[1]);
	if (n > 2)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[2]);
	FOR_DIRS(d, c) {
		c->cfg[d].dup_p = p;
		c->cfg[d].dup_delay = dd;
	}
	return true;
}

static bool opt_corrupt(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_truncate(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_rate(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_limit(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_mtu(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

/* netem: slot MIN [MAX] [packets N] [bytes N]; "slot none" */
static bool opt_slot(struct settings_ctx *c, const char *opt, char **a, size_t n)
{
	double lo, hi;
	unsigned pk = 0;
	uint64_t by = 0;
	size_t i = 1;

	if (!need(c, opt, n, 1, "slot MIN [MAX]"))
		return false;
	if (strcmp(a[0], "none") == 0) {
		if (n > 1)
			return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
		lo = hi = 0;
	} else {
		if (strcmp(a[0], "distribution") == 0 || strcmp(a[0], "dist") == 0)
			return seterr(c->err, c->errlen, "%s: '%s' is not supported (give MIN "
				      "[MAX]: uniform)", opt, a[0]);
		if (!parse_delay_s(a[0], &lo))
			return bad_delay(c, opt, "slot delay", a[0]);
		hi = lo;
		if (i < n && looks_numeric(a[i])) {
			if (!parse_delay_s(a[i], &hi))
				return bad_delay(c, opt, "slot delay", a[i]);
			i++;
		}
		if (hi < lo)
			return seterr(c->err, c->errlen, "%s: MAX '%s' below MIN '%s'", opt, a[1],
				      a[0]);
		if (hi <= 0)
			return seterr(c->err, c->errlen, "%s: slots need a delay above 0", opt);
		while (i < n) {
			if (i + 1 >= n)
				return seterr(c->err, c->errlen, "%s: missing value after '%s'",
					      opt, a[i]);
			if (strcmp(a[i], "packets") == 0) {
				if (!parse_uint(a[i + 1], 1, 1000000, &pk))
					return bad(c, opt, "packets", a[i + 1]);
			} else if (strcmp(a[i], "bytes") == 0) {
				if (!parse_size(a[i + 1], &by) || by < 1)
					return bad(c, opt, "bytes", a[i + 1]);
			} else {
				return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[i]);
			}
			i += 2;
		}
	}
	FOR_DIRS(d, c) {
		c->cfg[d].slot_min = lo;
		c->cfg[d].slot_max = hi;
		c->cfg[d].slot_packets = pk;
		c->cfg[d].slot_bytes = by;
	}
	return true;
}

/* a Mahimahi rate trace: --trace FILE, --trace none */
static bool opt_trace(struct settings_ctx *c, const char *opt, char **a, size_t n)
{
	const struct rate_trace *t = NULL;
	char inner[512];

	if (!need(c, opt, n, 1, "trace file"))
		return false;
	if (n > 1)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
	if (strcmp(a[0], "none") != 0) {
		if (!c->traces)
			return seterr(c->err, c->errlen, "%s: no trace store", opt);
		if (!trace_get(c->traces, a[0], &t, inner, sizeof(inner)))
			return seterr(c->err, c->errlen, "%s: %s", opt, inner);
	}
	FOR_DIRS(d, c) c->cfg[d].trace = t;
	return true;
}

static bool opt_dir(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_flag(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_window(struct settings_ctx *c, const char *opt, char **a, size_t n)
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

static bool opt_profile(struct settings_ctx *c, const char *opt, char **a, size_t n)
{
	if (!need(c, opt, n, 1, "profile name"))
		return false;
	if (n > 1)
		return seterr(c->err, c->errlen, "%s: unexpected '%s'", opt, a[1]);
	return profile_apply(c, a[0]);
}

static const struct setting {
	const char *name;
	bool (*fn)(struct settings_ctx *c, const char *opt, char **a, size_t n);
} SETTINGS[] = {
	{ "--loss", opt_loss },		{ "--delay", opt_delay },
	{ "--reorder", opt_reorder },	{ "--duplicate", opt_duplicate },
	{ "--corrupt", opt_corrupt },	{ "--truncate", opt_truncate },
	{ "--rate", opt_rate },		{ "--limit", opt_limit },
	{ "--mtu", opt_mtu },		{ "--dir", opt_dir },
	{ "--down", opt_flag },		{ "--up", opt_flag },
	{ "--clear", opt_flag },	{ "--blackout", opt_window },
	{ "--flap", opt_window },	{ "--profile", opt_profile },
	{ "--slot", opt_slot },		{ "--trace", opt_trace },
};

static const struct setting *settings_find(const char *tok)
{
	size_t i;

	for (i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++)
		if (strcmp(tok, SETTINGS[i].name) == 0)
			return &SETTINGS[i];
	return NULL;
}

#define MAX_SETTING_VALUES 32

bool settings_apply_tokens(struct settings_ctx *c, char **tok, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *eq = settings_is_opt(tok[i]) ? strchr(tok[i], '=') : NULL;
		char name[32], *vals[MAX_SETTING_VALUES];
		const struct setting *s;
		size_t j = i + 1, k, nv = 0;

		/* "--loss=5%" is "--loss 5%" */
		if (eq && (size_t)(eq - tok[i]) < sizeof(name)) {
			memcpy(name, tok[i], (size_t)(eq - tok[i]));
			name[eq - tok[i]] = '\0';
			vals[nv++] = (char *)(uintptr_t)(eq + 1);
		} else {
			snprintf(name, sizeof(name), "%s", tok[i]);
		}
		s = settings_find(name);
		if (!s) {
			if (settings_is_opt(tok[i]))
				return seterr(c->err, c->errlen, "unknown setting '%s'", tok[i]);
			return seterr(c->err, c->errlen, "unexpected '%s'", tok[i]);
		}
		while (j < n && !settings_is_opt(tok[j]))
			j++;
		if (nv + (j - i - 1) > MAX_SETTING_VALUES)
			return seterr(c->err, c->errlen, "%s: too many values", name);
		for (k = i + 1; k < j; k++)
			vals[nv++] = tok[k];
		if (!s->fn(c, name, vals, nv))
			return false;
		i = j;
	}
	return true;
}

bool settings_apply(struct impair_cfg cfg[DIR_N], struct dist_tables *tables,
		    struct trace_set *traces, char **tok, size_t n, const char *argv0, char *err,
		    size_t errlen)
{
	struct settings_ctx c = { cfg, 3, argv0, tables, traces, err, errlen, 0 };

	return settings_apply_tokens(&c, tok, n);
}

bool settings_is_setting(const char *tok)
{
	return settings_find(tok) != NULL;
}
