/* seal.h - per-session keys and ChaCha20-Poly1305 sealing of wire v1 datagrams.
 *
 * Key derivation (libsodium crypto_kdf_derive_from_key, i.e. BLAKE2b-256
 * keyed with the master key, salt = subkey_id as 8 bytes little-endian + 8
 * zero bytes, personal = the 8-byte context + 8 zero bytes, empty message):
 *
 *   PSK          32 bytes from the key file (see keyfile.h)
 *   session_key  = KDF(key = PSK,         subkey_id = session, ctx = "mpt1sess")
 *   seal_key     = KDF(key = session_key, subkey_id = epoch,   ctx = DIR)
 *   DIR          = "mpt1-c2s" for datagrams from mpclient (WIRE_F_SERVER clear)
 *                  "mpt1-s2c" for datagrams from mpserver (WIRE_F_SERVER set)
 *   (contexts are the 8 ASCII bytes shown, no terminator; both keys 32 bytes)
 *
 * session, epoch and the direction are those of the datagram's own clear
 * header (the receiver derives the key from what it received; the header is
 * also authenticated, so a forged session, epoch or flag only fails to open).
 * Each (session, epoch, direction) has its own key: mpclient picks a new
 * random session at start, mpserver a new random epoch when it creates state
 * for a session, so a restarted end never uses an old key again.
 *
 * Sealing (crypto_aead_chacha20poly1305_ietf, detached):
 *
 *   nonce (12 bytes)  = 00 00 00 00 || seq as 8 bytes big-endian
 *                       (i.e. four zero bytes, then header bytes 24..31 as they are)
 *   associated data   = the 36-byte clear header exactly as sent, WIRE_F_SEALED set
 *   plaintext         = the payload, h.len bytes (len counts the payload, not the tag)
 *   datagram          = header || ciphertext (h.len bytes) || tag (16 bytes)
 *
 * Nonce rule: a sender must never seal two different datagrams with the same
 * seq under one (session, epoch, direction): one counter per sender instance
 * and direction, shared by DATA and PING/PONG, starting at 1, never reset
 * while the epoch lives.  Sending the *same sealed bytes* on several paths is
 * fine (same nonce, same plaintext).  If the counter would wrap, the sender
 * must start a new epoch (never happens in practice: 2^64 datagrams).
 *
 * Test vectors (computed independently with Python's hashlib.blake2b and
 * cryptography's ChaCha20Poly1305): tests/unit/test_seal.c, test_known_answer.
 *
 * Receiving order (the caller's job): wire_decode(); window_check() on the
 * (session, epoch, direction) window (read-only); open_datagram(); only when
 * it returns true, window_commit() and create or refresh any state.
 *
 * No function here allocates memory.  seal_init() must be called once before
 * any other (it calls sodium_init()).
 */
#ifndef MPT_SEAL_H
#define MPT_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define SEAL_PSK_LEN 32
#define SEAL_KEY_LEN 32
#define SEAL_NONCE_LEN 12

/* contexts for crypto_kdf (exactly 8 bytes each, no terminating NUL used) */
#define SEAL_CTX_SESSION "mpt1sess"
#define SEAL_CTX_C2S "mpt1-c2s"
#define SEAL_CTX_S2C "mpt1-s2c"

/* A key for one (session, epoch, direction).  Wipe with seal_key_wipe(). */
struct seal_key {
	uint8_t k[SEAL_KEY_LEN];
};

/* sodium_init() once; 0, or -1 if libsodium cannot be initialised. */
int seal_init(void);

/*
 * Derive the key for datagrams of one (session, epoch, direction):
 * from_server is true for datagrams carrying WIRE_F_SERVER.
 */
void seal_derive(const uint8_t psk[SEAL_PSK_LEN], uint64_t session, uint64_t epoch,
		 bool from_server, struct seal_key *out);

/* Derive the key a receiver needs for a decoded header (session, epoch, WIRE_F_SERVER). */
void seal_derive_for(const uint8_t psk[SEAL_PSK_LEN], const struct wire_hdr *h,
		     struct seal_key *out);

void seal_key_wipe(struct seal_key *k);

/*
 * Seal in place a datagram built by wire_encode() with WIRE_F_SEALED (len =
 * its full size, tag space included).  Encrypts the payload and writes the
 * tag.  False (datagram untouched) if dgram is not a valid sealed-flag
 * datagram of exactly len bytes.
 */
bool seal_datagram(const struct seal_key *k, uint8_t *dgram, size_t len);

/*
 * Verify and decrypt in place a datagram that wire_decode() accepted into
 * *h (len = its full size).  True: the payload bytes (dgram + WIRE_HDR_LEN,
 * h->len of them) are now plaintext.  False on any failure (not sealed, h
 * not matching the bytes, bad tag): nothing was decrypted and the payload
 * and tag bytes are zeroed, so no part of a rejected datagram is usable.
 */
bool open_datagram(const struct seal_key *k, const struct wire_hdr *h, uint8_t *dgram,
		   size_t len);

/*
 * mpserver's freshness cookie for a session (keyed mode): the first 16 bytes
 * of BLAKE2b keyed with a random per-instance secret over session (8 bytes
 * big-endian) || bucket (8 bytes big-endian), bucket = monotonic minutes.
 * A restarted mpserver has a new secret, so no cookie from before is valid.
 */
#define SEAL_COOKIE_LEN 16
void seal_cookie(const uint8_t secret[SEAL_KEY_LEN], uint64_t session, uint64_t bucket,
		 uint8_t out[SEAL_COOKIE_LEN]);

/* The 12-byte nonce for a sequence number (exposed for tests and documentation). */
void seal_nonce(uint64_t seq, uint8_t nonce[SEAL_NONCE_LEN]);

#endif
