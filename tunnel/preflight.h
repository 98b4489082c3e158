/* preflight.h - try at start what running will need, so that a setup that
 * cannot work fails at once with a message naming it (exit 2), and -n
 * (--check) fails alike instead of saying OK. */
#ifndef MPT_PREFLIGHT_H
#define MPT_PREFLIGHT_H

#include <stddef.h>

#include "addr.h"

/* Bind a UDP socket to a (then close it): "cannot listen on ADDR: reason". */
int preflight_listen(const struct addr *a, char *err, size_t errlen);
/* A peer (bridge, target) must be a unicast address the routing table can
 * reach: a connected UDP socket to it is opened and closed. err gets the
 * reason only ("not a unicast address (...)", strerror). */
int preflight_peer(const struct addr *a, char *err, size_t errlen);
/* --stats FILE can be written (its folder exists and is writable, it is
 * not a folder): "FILE: cannot write it: reason". */
int preflight_stats(const char *path, char *err, size_t errlen);

#endif
