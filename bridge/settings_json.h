/* settings_json.h - mpbridge's effective settings as JSON (--check --json):
 * the one source of truth the lab computes its theory from.  The layout is
 * documented in bridge/README.md ("Settings as JSON"). */
#ifndef MPB_SETTINGS_JSON_H
#define MPB_SETTINGS_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "impair.h"
#include "json.h"
#include "opts.h"

/* One direction's settings as they hold at time t (blackout windows are
 * evaluated at t), as the value of key. */
void settings_json_dir(struct json *j, const char *key, const struct impair_cfg *c, double t);
/* The whole document: program, version, directions, timeline. */
void settings_json_doc(struct json *j, const struct bridge_opts *o);
/* The document on f with its final newline; 0 or -EIO. */
int settings_json_write(FILE *f, const struct bridge_opts *o);

#endif
