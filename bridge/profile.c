/* profile.c - find and apply mpbridge profiles. */
#include "profile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "values.h"

static bool is_file_r(const char *p)
{
	return access(p, R_OK) == 0;
}

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

bool profile_apply(struct settings_ctx *c, const char *name)
{
	char path[PATH_MAX + 64], inner[512];
	char *tok[MAX_LINE_TOK], *line;
	unsigned saved_mask = c->mask;
	struct lines lr;
	bool ok = true;
	size_t len, n;

	if (c->depth >= PROFILE_MAX_DEPTH)
		return seterr(c->err, c->errlen, "--profile: '%s' nested too deeply", name);
	if (!profile_find(name, c->argv0, path, sizeof(path)))
		return seterr(c->err, c->errlen, "--profile: no profile '%s' (see --help)", name);
	if (lines_open(&lr, path, PROFILE_FILE_MAX, inner, sizeof(inner)) < 0)
		return seterr(c->err, c->errlen, "--profile: %s", inner);
	c->depth++;
	while (ok && lines_next(&lr, &line, &len)) {
		if (memchr(line, '\0', len)) {
			ok = seterr(c->err, c->errlen, "profile %s:%u: unexpected NUL byte", name,
				    lr.lineno);
		} else if (!lines_tokens(line, tok, MAX_LINE_TOK, &n)) {
			ok = seterr(c->err, c->errlen, "profile %s:%u: line too long", name,
				    lr.lineno);
		} else if (!settings_apply_tokens(c, tok, n)) {
			snprintf(inner, sizeof(inner), "%s", c->err);
			ok = seterr(c->err, c->errlen, "profile %s:%u: %s", name, lr.lineno, inner);
		}
	}
	lines_close(&lr);
	c->depth--;
	c->mask = saved_mask;
	return ok;
}
