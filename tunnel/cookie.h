/* cookie.h - mpserver's freshness cookies (keyed mode; see PROTOCOL.md):
 * issue a sealed COOKIE for a session, check the cookie a PING echoes.
 * One cookie is valid for the minute it was made and the next one. */
#ifndef MPT_COOKIE_H
#define MPT_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keylimit.h"
#include "log.h"
#include "seal.h"

#define COOKIE_RATE 1000.0	/* COOKIEs a second in all (PROTOCOL.md) */
#define COOKIE_BURST 100.0

struct cookie_jar {
	uint8_t secret[SEAL_KEY_LEN];	/* random per instance */
	uint64_t hs_epoch, hs_seq;	/* epoch and counter of COOKIE messages */
	struct keylimit lim;		/* COOKIEs sent: 1000 a second, 1 per session a second */
};

/* A new random secret and handshake epoch. */
void cookie_jar_init(struct cookie_jar *j);
void cookie_jar_wipe(struct cookie_jar *j);
uint64_t cookie_bucket(double now);
bool cookie_valid(const struct cookie_jar *j, uint64_t session, const uint8_t *cookie,
		  double now);
/*
 * A sealed COOKIE datagram for session into out (psk: the key it is sealed
 * under; server: our server id).  Returns its size, or 0 when the rate
 * limits refuse one now (*limited set: 1000 a second in all, one per
 * session a second) or it cannot be built.  The path fields are the
 * caller's (wire_set_per_path).
 */
size_t cookie_build(struct cookie_jar *j, const struct seal_psk *psk, uint16_t server,
		    uint64_t session, double now, uint8_t *out, size_t outlen, bool *limited);

#endif
