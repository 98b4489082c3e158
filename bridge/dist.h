/* dist.h - netem .dist distribution tables for mpbridge's jitter.
 *
 * A table is whitespace-separated integers in [-32768, 32767] ('#'
 * comments), as iproute2 ships them (normal.dist, pareto.dist, ...); the
 * jitter is J * entry / DIST_SCALE with the entry drawn uniformly.  Tables
 * are loaded once per path and kept in a dist_tables owned by the caller
 * (the options), which the impairment configs point into. */
#ifndef MPT_BRIDGE_DIST_H
#define MPT_BRIDGE_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIST_MAX_TABLES 16
#define DIST_FILE_MAX (1u << 20)	/* bytes */

struct dist_table {
	char *path;
	int16_t *tab;
	uint32_t n;
};

struct dist_tables {
	struct dist_table t[DIST_MAX_TABLES];
	size_t n;
};

/*
 * Find NAME (a path if it contains '/', else NAME.dist in $TC_LIB_DIR,
 * /usr/lib/tc, /usr/lib64/tc, /usr/share/tc, /usr/local/lib/tc).
 */
bool dist_find(const char *name, char *path, size_t len);
/*
 * The table NAME, loaded on first use.  On failure err names the table,
 * the file and line, or the bad entry.
 */
bool dist_tables_get(struct dist_tables *dt, const char *name, const int16_t **tab,
		     uint32_t *n, char *err, size_t errlen);
void dist_tables_free(struct dist_tables *dt);

#endif
