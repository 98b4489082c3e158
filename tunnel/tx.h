/* tx.h - building what both ends send: header flags, encode and seal. */
#ifndef MPT_TX_H
#define MPT_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seal.h"
#include "wire.h"

/* Flags of everything an end sends: WIRE_F_SERVER from mpserver, WIRE_F_SEALED when keyed. */
static inline uint8_t tx_flags(bool from_server, bool sealed)
{
	return (uint8_t)((from_server ? WIRE_F_SERVER : 0) | (sealed ? WIRE_F_SEALED : 0));
}

/*
 * Encode h and payload into out (the payload may already sit at out +
 * WIRE_HDR_LEN) and seal it under key when h is flagged sealed.  Returns the
 * datagram's size, or 0 if it does not fit or cannot be sealed.
 */
size_t tx_build(const struct seal_key *key, const struct wire_hdr *h, const void *payload,
		uint8_t *out, size_t outlen);

#endif
