/* opts.c - mpbridge's command line: global options, the settings given on
 * it and in --timeline files, gathered per step and applied in time order.
 * The settings language is in settings.c, profiles in profile.c, value
 * parsers in values.c, usage in usage.c. */
#include "opts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "log.h"
#include "parse.h"
#include "settings.h"
#include "values.h"

#define TIMELINE_FILE_MAX (1u << 20)	/* bytes */

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
	char origin[80], *line;
	struct lines lr;
	bool ok = true;
	size_t len;

	if (lines_open(&lr, file, TIMELINE_FILE_MAX, err, errlen) < 0) {
		char inner[OPTS_ERRLEN];

		snprintf(inner, sizeof(inner), "%s", err);
		return seterr(err, errlen, "--timeline: %s", inner);
	}
	while (ok && lines_next(&lr, &line, &len)) {
		char *h = strchr(line, '#'), *save = NULL, *t;
		struct tok_group *g = NULL;
		double at;

		if (memchr(line, '\0', len)) {
			ok = seterr(err, errlen, "%s:%u: unexpected NUL byte", file, lr.lineno);
			break;
		}
		if (h)
			*h = '\0';
		t = strtok_r(line, " \t\r\n", &save);
		if (!t)
			continue;
		if (!parse_time_s(t, &at)) {
			ok = seterr(err, errlen, "%s:%u: bad time '%s'", file, lr.lineno, t);
			break;
		}
		snprintf(origin, sizeof(origin), "%s:%u", file, lr.lineno);
		g = new_group(o, at, origin);
		if (!g) {
			ok = seterr(err, errlen, "out of memory");
			break;
		}
		while (ok && (t = strtok_r(NULL, " \t\r\n", &save))) {
			char *d = own(o, t);

			if (!d || !add_group_tok(g, d))
				ok = seterr(err, errlen, "out of memory");
		}
	}
	lines_close(&lr);
	return ok;
}

/* long options taking a value (settings are known to settings.c) */
static const char *const VALUE_OPTS[] = {
	"--listen", "--to", "--source", "--seed", "--stats", "--pcap", "--decision-log",
	"--timeline", "--at", "--learn",
};

/* --learn COUNT,WINDOW,QUIET (e.g. 3,1s,200ms) or "any" */
static bool parse_learn(const char *s, struct peer_rule *r)
{
	char buf[96], *a, *b, *c;

	if (strcmp(s, "any") == 0) {
		r->mode = PEER_ANY;
		return true;
	}
	if (strlen(s) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", s);
	a = buf;
	b = strchr(a, ',');
	if (!b)
		return false;
	*b++ = '\0';
	c = strchr(b, ',');
	if (!c)
		return false;
	*c++ = '\0';
	if (!parse_uint(a, 1, 1000000, &r->count) || !parse_time_s(b, &r->window) ||
	    r->window <= 0 || !parse_duration(c, 1.0, PEER_QUIET_MAX, &r->quiet))
		return false;
	r->mode = PEER_LEARN;
	return true;
}

static bool known_long(const char *name, size_t len)
{
	char buf[64];
	size_t i;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	for (i = 0; i < sizeof(VALUE_OPTS) / sizeof(VALUE_OPTS[0]); i++)
		if (strcmp(buf, VALUE_OPTS[i]) == 0)
			return true;
	return settings_is_setting(buf);
}

/*
 * argv with every "--name=value" split into "--name" "value" (the parts are
 * owned by o); *avp is malloc'd, freed by the caller.
 */
static bool split_eq(struct bridge_opts *o, int argc, char **argv, char ***avp, int *acp)
{
	char **av = calloc((size_t)argc * 2 + 1, sizeof(*av));
	int i, ac = 0;

	if (!av)
		return false;
	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (i > 0 && settings_is_opt(argv[i]) && eq &&
		    known_long(argv[i], (size_t)(eq - argv[i]))) {
			char *name = own(o, argv[i]), *val = own(o, eq + 1);

			if (!name || !val) {
				free(av);
				return false;
			}
			name[eq - argv[i]] = '\0';
			av[ac++] = name;
			av[ac++] = val;
		} else {
			av[ac++] = argv[i];
		}
	}
	*avp = av;
	*acp = ac;
	return true;
}

static bool parse_args(struct bridge_opts *o, int argc, char **argv, char *err, size_t errlen);

bool opts_parse(struct bridge_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	char **av;
	int ac;
	bool ok;

	memset(o, 0, sizeof(*o));
	if (!split_eq(o, argc, argv, &av, &ac))
		return seterr(err, errlen, "out of memory");
	ok = parse_args(o, ac, av, err, errlen);
	free(av);
	return ok;
}

static bool parse_args(struct bridge_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	size_t cur = 0;
	int i;
	size_t g, k;

	o->verbosity = LOG_LVL_INFO;
	peer_rule_default(&o->peer_rule);
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
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--lock") == 0) {
			o->peer_rule.mode = PEER_LOCK;
		} else if (strcmp(a, "--learn") == 0) {
			NEEDVAL();
			if (!parse_learn(val, &o->peer_rule))
				return seterr(err, errlen, "--learn: bad rule '%s' (COUNT,WINDOW,QUIET "
					      "as 3,1s,200ms, or any)", val);
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbosity++;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			o->verbosity--;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->help = true;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			o->version = true;
		} else if (settings_is_setting(a)) {
			/* the setting and its values, applied below */
			if (!add_group_tok(&o->groups[cur], argv[i]))
				return seterr(err, errlen, "out of memory");
			while (i + 1 < argc && !settings_is_opt(argv[i + 1]) && argv[i + 1][0] != '\0' &&
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
	if (!settings_apply(o->base, &o->tables, &o->traces, o->groups[0].tok, o->groups[0].ntok, o->argv0, err, errlen))
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
			if (!settings_apply(e->cfg, &o->tables, &o->traces, o->groups[g].tok, o->groups[g].ntok, o->argv0,
					    inner, sizeof(inner)))
				return seterr(err, errlen, "%s: %s", o->groups[g].origin, inner);
		}
	}
	if (o->json && !o->check)
		return seterr(err, errlen, "--json: only with --check (-n)");
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
	dist_tables_free(&o->tables);
	trace_set_free(&o->traces);
	o->groups = NULL;
	o->owned = NULL;
	o->tl = NULL;
	o->ngroups = o->nowned = o->ntl = 0;
}
