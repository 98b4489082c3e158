/* seal.c - key derivation and in-place AEAD of wire v1 datagrams (see seal.h). */
#include "seal.h"

#include <sodium.h>
#include <string.h>

_Static_assert(crypto_kdf_CONTEXTBYTES == 8, "kdf context is 8 bytes");
_Static_assert(sizeof(SEAL_CTX_SESSION) - 1 == crypto_kdf_CONTEXTBYTES, "session context");
_Static_assert(sizeof(SEAL_CTX_C2S) - 1 == crypto_kdf_CONTEXTBYTES, "c2s context");
_Static_assert(sizeof(SEAL_CTX_S2C) - 1 == crypto_kdf_CONTEXTBYTES, "s2c context");
_Static_assert(crypto_kdf_KEYBYTES == SEAL_PSK_LEN, "kdf master key size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == SEAL_KEY_LEN, "aead key size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == SEAL_NONCE_LEN, "aead nonce size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == WIRE_TAG_LEN, "aead tag size");

int seal_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void seal_derive(const uint8_t psk[SEAL_PSK_LEN], uint64_t session, uint64_t epoch,
		 bool from_server, struct seal_key *out)
{
	uint8_t session_key[crypto_kdf_KEYBYTES];

	/* both calls only fail for out-of-range sizes, which are constants here */
	crypto_kdf_derive_from_key(session_key, sizeof(session_key), session, SEAL_CTX_SESSION,
				   psk);
	crypto_kdf_derive_from_key(out->k, sizeof(out->k), epoch,
				   from_server ? SEAL_CTX_S2C : SEAL_CTX_C2S, session_key);
	sodium_memzero(session_key, sizeof(session_key));
}

void seal_derive_for(const uint8_t psk[SEAL_PSK_LEN], const struct wire_hdr *h,
		     struct seal_key *out)
{
	seal_derive(psk, h->session, h->epoch, (h->flags & WIRE_F_SERVER) != 0, out);
}

void seal_key_wipe(struct seal_key *k)
{
	sodium_memzero(k->k, sizeof(k->k));
}

void seal_nonce(uint64_t seq, uint8_t nonce[SEAL_NONCE_LEN])
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

bool seal_datagram(const struct seal_key *k, uint8_t *dgram, size_t len)
{
	struct wire_hdr h;
	const uint8_t *payload;
	uint8_t nonce[SEAL_NONCE_LEN];
	uint8_t *body;

	if (!wire_decode(dgram, len, &h, &payload, NULL) || !(h.flags & WIRE_F_SEALED) ||
	    h.len > WIRE_MAX_PAYLOAD)
		return false;
	body = dgram + WIRE_HDR_LEN;
	seal_nonce(h.seq, nonce);
	/* in place: libsodium allows c == m */
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(body, body + h.len, NULL, body, h.len,
							   dgram, WIRE_HDR_LEN, NULL, nonce,
							   k->k);
	return true;
}

bool open_datagram(const struct seal_key *k, const struct wire_hdr *h, uint8_t *dgram,
		   size_t len)
{
	uint8_t hdr[WIRE_HDR_LEN];
	uint8_t nonce[SEAL_NONCE_LEN];
	uint8_t *body;

	if (!(h->flags & WIRE_F_SEALED) || h->len > WIRE_MAX_PAYLOAD ||
	    len != wire_dgram_len(h->flags, h->len))
		goto fail;
	/* the header we were handed must be the one these bytes carry */
	if (!wire_encode_hdr(h, hdr, sizeof(hdr)) || memcmp(hdr, dgram, WIRE_HDR_LEN) != 0)
		goto fail;
	body = dgram + WIRE_HDR_LEN;
	seal_nonce(h->seq, nonce);
	/* detached decryption verifies the tag before writing any plaintext */
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(body, NULL, body, h->len,
							       body + h->len, dgram, WIRE_HDR_LEN,
							       nonce, k->k) != 0)
		goto fail;
	return true;
fail:
	if (len > WIRE_HDR_LEN)
		sodium_memzero(dgram + WIRE_HDR_LEN, len - WIRE_HDR_LEN);
	return false;
}

void seal_cookie(const uint8_t secret[SEAL_KEY_LEN], uint64_t session, uint64_t bucket,
		 uint8_t out[SEAL_COOKIE_LEN])
{
	uint8_t msg[16];
	unsigned i;

	for (i = 0; i < 8; i++) {
		msg[i] = (uint8_t)(session >> (56 - 8 * i));
		msg[8 + i] = (uint8_t)(bucket >> (56 - 8 * i));
	}
	crypto_generichash(out, SEAL_COOKIE_LEN, msg, sizeof(msg), secret, SEAL_KEY_LEN);
}
