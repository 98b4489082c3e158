/* settings.h - mpbridge's netem-like settings language (--loss, --delay,
 * --rate, --dir, ...), applied to the two directions' impair_cfg. */
#ifndef MPT_BRIDGE_SETTINGS_H
#define MPT_BRIDGE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "dist.h"
#include "impair.h"
#include "trace.h"

struct settings_ctx {
	struct impair_cfg *cfg;		/* [DIR_N] */
	unsigned mask;			/* 1 c2s, 2 s2c */
	const char *argv0;		/* for the profile search */
	struct dist_tables *tables;	/* where .dist tables are loaded */
	struct trace_set *traces;	/* where rate traces are loaded */
	char *err;
	size_t errlen;
	int depth;			/* profile nesting */
};

/*
 * Apply settings tokens (e.g. {"--loss", "20%", "--delay", "50ms"}) to
 * cfg[DIR_N], starting with both directions in scope ("--dir" narrows it).
 */
bool settings_apply(struct impair_cfg cfg[DIR_N], struct dist_tables *tables,
		    struct trace_set *traces, char **tok, size_t n, const char *argv0, char *err,
		    size_t errlen);
/* The same within a context (profiles apply their lines through it). */
bool settings_apply_tokens(struct settings_ctx *c, char **tok, size_t n);
/* Is tok the name of a setting ("--loss", ...)? */
bool settings_is_setting(const char *tok);
/* "--x" */
bool settings_is_opt(const char *tok);

#endif
