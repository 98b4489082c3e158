/* dist.c - netem .dist tables, loaded once into a caller-owned set. */
#include "dist.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "impair.h"
#include "lines.h"
#include "values.h"

static bool is_file_r(const char *p)
{
	return access(p, R_OK) == 0;
}

bool dist_find(const char *name, char *path, size_t len)
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

/* Parse the entries of an open table into *tab / *n (malloc'd). */
static bool dist_parse(struct lines *lr, int16_t **tab, uint32_t *n, char *err, size_t errlen)
{
	int16_t *t = NULL;
	uint32_t cnt = 0, cap = 0;
	char *line;
	size_t len;

	while (lines_next(lr, &line, &len)) {
		char *h = strchr(line, '#'), *save = NULL, *tok;

		if (h)
			*h = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			char *end;
			long v;

			errno = 0;
			v = strtol(tok, &end, 10);
			if (errno || *end || end == tok || v < INT16_MIN || v > INT16_MAX) {
				seterr(err, errlen, "%s:%u: bad entry '%s'", lr->source, lr->lineno,
				       tok);
				goto fail;
			}
			if (cnt == DIST_MAX_ENTRIES) {
				seterr(err, errlen, "%s: more than %d entries", lr->source,
				       DIST_MAX_ENTRIES);
				goto fail;
			}
			if (cnt == cap) {
				int16_t *nt;

				cap = cap ? cap * 2 : 1024;
				nt = realloc(t, cap * sizeof(*t));
				if (!nt) {
					seterr(err, errlen, "out of memory");
					goto fail;
				}
				t = nt;
			}
			t[cnt++] = (int16_t)v;
		}
	}
	if (cnt == 0) {
		seterr(err, errlen, "%s: empty distribution table", lr->source);
		goto fail;
	}
	*tab = t;
	*n = cnt;
	return true;
fail:
	free(t);
	return false;
}

bool dist_tables_get(struct dist_tables *dt, const char *name, const int16_t **tab,
		     uint32_t *n, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct dist_table *e;
	struct lines lr;
	size_t i;
	bool ok;

	if (!dist_find(name, path, sizeof(path)))
		return seterr(err, errlen, "bad distribution '%s' (uniform, normal, or a netem "
			      ".dist table)", name);
	for (i = 0; i < dt->n; i++) {
		if (strcmp(dt->t[i].path, path) == 0) {
			*tab = dt->t[i].tab;
			*n = dt->t[i].n;
			return true;
		}
	}
	if (dt->n == DIST_MAX_TABLES)
		return seterr(err, errlen, "too many distribution tables (at most %d)",
			      DIST_MAX_TABLES);
	e = &dt->t[dt->n];
	memset(e, 0, sizeof(*e));
	if (lines_open(&lr, path, DIST_FILE_MAX, err, errlen) < 0)
		return false;
	ok = dist_parse(&lr, &e->tab, &e->n, err, errlen);
	lines_close(&lr);
	if (!ok)
		return false;
	e->path = strdup(path);
	if (!e->path) {
		free(e->tab);
		return seterr(err, errlen, "out of memory");
	}
	dt->n++;
	*tab = e->tab;
	*n = e->n;
	return true;
}

void dist_tables_free(struct dist_tables *dt)
{
	size_t i;

	for (i = 0; i < dt->n; i++) {
		free(dt->t[i].path);
		free(dt->t[i].tab);
	}
	dt->n = 0;
}
