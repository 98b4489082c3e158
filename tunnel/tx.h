/* tx.h - building what both ends send: the header's suite and key id, encode and seal. */
#ifndef MPT_TX_H
#define MPT_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fec.h"
#include "keyring.h"
#include "seal.h"
#include "wire.h"

/* Flags of everything an end sends: WIRE_F_SERVER from mpserver. */
static inline uint8_t tx_flags(bool from_server)
{
	return from_server ? WIRE_F_SERVER : 0;
}

/* Fill the suite and key id of h from the end's keyring. */
static inline void tx_keyed(struct wire_hdr *h, const struct keyring *keys)
{
	h->suite = keyring_suite(keys);
	h->key_id = keyring_id(keys);
}

/*
 * Encode h and payload into out (the payload may already sit at out +
 * wire_hdr_size(h->flags)) and seal it under key when h's suite is keyed
 * (suite 0: the CRC32C trailer).  The per-path fields are as in h; each
 * path's copy sets its own with wire_set_per_path().  Returns the
 * datagram's size, or 0 if it does not fit or cannot be sealed.
 */
size_t tx_build(const struct seal_key *key, const struct wire_hdr *h, const void *payload,
		uint8_t *out, size_t outlen);

/*
 * The header of what fec_send_parity() gave in o, from the session's fields
 * (server id, session, epoch, direction): a PARITY with the next of *tx_seq,
 * or a data symbol sent again (fec_tx_resend), the same DATA as before (seq,
 * flow, flags, extension, payload: the same sealed bytes) whose payload starts
 * FEC_HDR bytes into o's, set in *payload.  false: a data symbol that does not
 * parse.
 */
bool tx_fec_hdr(const struct fec_tx_out *o, bool from_server, uint16_t server,
		uint64_t session, uint64_t epoch, uint64_t *tx_seq, struct wire_hdr *h,
		const uint8_t **payload);

#endif
