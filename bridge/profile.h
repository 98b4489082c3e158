/* profile.h - mpbridge profiles: files of settings, found by name. */
#ifndef MPT_BRIDGE_PROFILE_H
#define MPT_BRIDGE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

#define PROFILE_MAX_DEPTH 4
#define PROFILE_FILE_MAX (64u << 10)	/* bytes */

/* Find profile NAME; path gets the file.  Search order in bridge/README.md. */
bool profile_find(const char *name, const char *argv0, char *path, size_t len);
/*
 * Apply profile NAME's settings within c (a --dir inside ends with it).
 * Errors read "profile NAME:LINE: ...".
 */
bool profile_apply(struct settings_ctx *c, const char *name);

#endif
