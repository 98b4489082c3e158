/* seal.h - per-session keys and AEAD sealing (wire protocol v2,
 * tunnel/PROTOCOL.md "Keys and suites"; lib/wireseal.c applies it to whole
 * datagrams): suites (ChaCha20-Poly1305, AES-256-GCM), key ids, a
 * suite-independent seal/open of (seq, associated data, payload, tag), and
 * mpserver's freshness cookies.
 *
 * Nonce rule: a sender must never seal two different datagrams with the same
 * seq under one (session, epoch, direction): one counter per sender instance
 * and direction, shared by every message type, starting at 1, never reset
 * while the epoch lives.  Sending the *same sealed bytes* on several paths is
 * fine (same nonce, same plaintext; the per-path fields are outside the
 * associated data).
 *
 * Receiving order (the caller's job): wire_decode(); window_check() on the
 * (session, epoch, direction) window (read-only); wire_open(); only when it
 * returns true, window_commit() and create or refresh any state.
 *
 * seal_init() must be called once before any other (it calls sodium_init()).
 */
#ifndef MPT_SEAL_H
#define MPT_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#define SEAL_PSK_LEN 32
#define SEAL_KEY_LEN 32
#define SEAL_NONCE_LEN 12

/*
 * A key for one (session, epoch, direction), ready to seal and open.
 *
 * seal_key_init, seal_key_derive, seal_seal, seal_open: the suite and, once
 * prepared, the cipher context holding the key schedule (OpenSSL
 * EVP_CIPHER_CTX, allocated by the first seal_key_init of this struct and
 * reused by later ones).  A v2 key must start as SEAL_KEY_EMPTY (or all
 * zero), must not be copied by assignment (use seal_key_move()), and must be
 * released with seal_key_wipe().
 */
struct seal_key {
	uint8_t k[SEAL_KEY_LEN];
	uint8_t suite;		/* enum seal_suite; 0 until prepared */
	void *ctx;		/* EVP_CIPHER_CTX * */
};
#define SEAL_KEY_EMPTY { { 0 }, 0, NULL }

/* sodium_init() once; 0, or -1 if libsodium cannot be initialised. */
int seal_init(void);

/* Zero the key and free its cipher context; it is SEAL_KEY_EMPTY after. */
void seal_key_wipe(struct seal_key *k);

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

/* ---- Version 2 -----------------------------------------------------------
 *
 * Suites (the header's `suite` byte):
 *   1 ChaCha20-Poly1305 (RFC 8439, IETF: 96-bit nonce)
 *   2 AES-256-GCM (96-bit nonce, 128-bit tag)
 * Both run through OpenSSL's libcrypto (EVP), one context per key prepared
 * once with the key schedule and re-initialised per datagram with the nonce
 * only: bench/mpt-aead.c measured it faster than libsodium for both suites
 * on this project's machines (README, "Libraries").
 *
 * Key derivation (libsodium crypto_kdf, BLAKE2b):
 *   session_key = KDF(key = PSK,         subkey_id = session, ctx = "mpt2sess")
 *   seal key    = KDF(key = session_key, subkey_id = epoch,   ctx = "mpt2-c2s" | "mpt2-s2c")
 * The suite does not enter the derivation: one PSK is used with one suite
 * (the key file names it, see keyfile.h).
 *
 * Key id: BLAKE2b-256(key = PSK, message = "mptunnel key id"), first 4
 * bytes big-endian; 0 becomes 1.
 *
 * Sealing: nonce = 4 zero bytes || seq (8 bytes big-endian); associated data
 * = the 52-byte header with path, path seq and stamp zeroed, then the FEC
 * extension when present (built by the caller, lib/wire); plaintext = the
 * payload; the 16-byte tag is the trailer.  seal_seal() and seal_open() do
 * not know the header layout: the caller hands them seq, AD and the buffers.
 *
 * Hot path: seal_seal() and seal_open() allocate nothing; seal_key_init()
 * allocates one cipher context the first time a seal_key is used, and reuses
 * it on every later call (so a scratch key for candidates costs nothing per
 * datagram).
 */
enum seal_suite {
	SEAL_SUITE_NONE = 0,			/* clear, CRC32C trailer (not sealed here) */
	SEAL_SUITE_CHACHA20_POLY1305 = 1,
	SEAL_SUITE_AES256_GCM = 2,
};
#define SEAL_SUITE_MAX 2
#define SEAL_TAG_LEN 16

#define SEAL2_CTX_SESSION "mpt2sess"
#define SEAL2_CTX_C2S "mpt2-c2s"
#define SEAL2_CTX_S2C "mpt2-s2c"
#define SEAL_KEY_ID_MSG "mptunnel key id"

/* A pre-shared key with its suite and key id (see keyfile.h, keyring.h). */
struct seal_psk {
	uint8_t key[SEAL_PSK_LEN];
	uint32_t id;		/* seal_key_id(key) */
	uint8_t suite;		/* SEAL_SUITE_CHACHA20_POLY1305 or SEAL_SUITE_AES256_GCM */
};

/* "chacha20-poly1305", "aes-256-gcm" ("none" for 0, "?" otherwise). */
const char *seal_suite_name(unsigned suite);
/* Parse a suite name as above (keyed suites only); false if unknown. */
bool seal_suite_parse(const char *name, enum seal_suite *out);
/* True when the CPU has AES and carry-less multiply instructions (x86 AES-NI
 * + PCLMULQDQ, ARMv8 AES + PMULL), as OpenSSL detects them. */
bool seal_cpu_has_aes(void);
/* The suite for a new key on this machine: AES-256-GCM where seal_cpu_has_aes(), else ChaCha20-Poly1305. */
enum seal_suite seal_suite_default(void);

/* The key id of a PSK (never 0). */
uint32_t seal_key_id(const uint8_t psk[SEAL_PSK_LEN]);
/* Fill *out (key, suite, id); false (out untouched) if suite is not a keyed suite. */
bool seal_psk_set(struct seal_psk *out, const uint8_t key[SEAL_PSK_LEN], unsigned suite);
void seal_psk_wipe(struct seal_psk *p);

/*
 * Prepare k for suite with the 32 key bytes: 0, -EINVAL (unknown suite),
 * -ENOMEM (no context).  k must be SEAL_KEY_EMPTY or a key from an earlier
 * seal_key_init (its context is reused; on failure k is wiped).
 */
int seal_key_init(struct seal_key *k, unsigned suite, const uint8_t bytes[SEAL_KEY_LEN]);
/* Derive and prepare the v2 key of one (session, epoch, direction) under psk; as seal_key_init. */
int seal_key_derive(struct seal_key *k, const struct seal_psk *psk, uint64_t session,
		    uint64_t epoch, bool from_server);
/* The raw v2 key bytes of one (session, epoch, direction) (tests, seal_key_derive). */
void seal_derive2(const uint8_t psk[SEAL_PSK_LEN], uint64_t session, uint64_t epoch,
		  bool from_server, uint8_t out[SEAL_KEY_LEN]);
/* Move src into dst (dst wiped first); src is SEAL_KEY_EMPTY after. */
void seal_key_move(struct seal_key *dst, struct seal_key *src);

/*
 * Encrypt buf (len bytes) in place and write the 16-byte tag.  ad (adlen
 * bytes) is authenticated, not encrypted.  False only if k is not a
 * prepared v2 key or a length is out of range (buf then unchanged).
 */
bool seal_seal(const struct seal_key *k, uint64_t seq, const uint8_t *ad, size_t adlen,
	       uint8_t *buf, size_t len, uint8_t tag[SEAL_TAG_LEN]);
/*
 * Verify and decrypt buf in place.  True: buf is the plaintext.  False (bad
 * tag, wrong key or suite, lengths): buf is zeroed, no part of a rejected
 * datagram is usable.
 */
bool seal_open(const struct seal_key *k, uint64_t seq, const uint8_t *ad, size_t adlen,
	       uint8_t *buf, size_t len, const uint8_t tag[SEAL_TAG_LEN]);

#endif
