/* wireseal.h - sealing and opening whole wire datagrams (protocol v2) with
 * lib/seal's layout-free AEAD: the glue between lib/wire and lib/seal.
 *
 *   nonce       = 4 zero bytes || seq (lib/seal)
 *   associated  = wire_ad(): header with path, path seq and stamp zeroed,
 *                 then the FEC extension when present
 *   plaintext   = the payload (len bytes); the 16-byte tag is the trailer
 *
 * A datagram is sealed once (wire_encode with a keyed suite, then
 * wire_seal); its copies on each path differ only in the per-path fields
 * (wire_set_per_path), which the tag does not cover. */
#ifndef MPT_WIRESEAL_H
#define MPT_WIRESEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seal.h"
#include "wire.h"

/* Seal in place a keyed datagram of len bytes built by wire_encode(). */
bool wire_seal(const struct seal_key *k, uint8_t *dgram, size_t len);
/*
 * Verify and decrypt in place a keyed datagram that wire_decode() accepted
 * into *h (len: its size).  False: nothing usable is left (payload and tag
 * zeroed).
 */
bool wire_open(const struct seal_key *k, const struct wire_hdr *h, uint8_t *dgram, size_t len);

#endif
