/* seal.c - key derivation and in-place AEAD of wire datagrams (see seal.h). */
#include "seal.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

_Static_assert(crypto_kdf_CONTEXTBYTES == 8, "kdf context is 8 bytes");
_Static_assert(sizeof(SEAL2_CTX_SESSION) - 1 == crypto_kdf_CONTEXTBYTES, "session context");
_Static_assert(sizeof(SEAL2_CTX_C2S) - 1 == crypto_kdf_CONTEXTBYTES, "c2s context");
_Static_assert(sizeof(SEAL2_CTX_S2C) - 1 == crypto_kdf_CONTEXTBYTES, "s2c context");
_Static_assert(crypto_kdf_KEYBYTES == SEAL_PSK_LEN, "kdf master key size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == SEAL_KEY_LEN, "aead key size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == SEAL_NONCE_LEN, "aead nonce size");

int seal_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void seal_key_wipe(struct seal_key *k)
{
	if (k->ctx)
		EVP_CIPHER_CTX_free(k->ctx);	/* clears the key schedule too */
	sodium_memzero(k->k, sizeof(k->k));
	k->ctx = NULL;
	k->suite = 0;
}

void seal_nonce(uint64_t seq, uint8_t nonce[SEAL_NONCE_LEN])
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
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

/* ---- Version 2 ---- */

_Static_assert(sizeof(SEAL2_CTX_SESSION) - 1 == crypto_kdf_CONTEXTBYTES, "v2 session context");
_Static_assert(sizeof(SEAL2_CTX_C2S) - 1 == crypto_kdf_CONTEXTBYTES, "v2 c2s context");
_Static_assert(sizeof(SEAL2_CTX_S2C) - 1 == crypto_kdf_CONTEXTBYTES, "v2 s2c context");

static const char *const suite_names[SEAL_SUITE_MAX + 1] = {
	[SEAL_SUITE_NONE] = "none",
	[SEAL_SUITE_CHACHA20_POLY1305] = "chacha20-poly1305",
	[SEAL_SUITE_AES256_GCM] = "aes-256-gcm",
};

const char *seal_suite_name(unsigned suite)
{
	return suite <= SEAL_SUITE_MAX ? suite_names[suite] : "?";
}

bool seal_suite_parse(const char *name, enum seal_suite *out)
{
	unsigned s;

	for (s = SEAL_SUITE_CHACHA20_POLY1305; s <= SEAL_SUITE_MAX; s++)
		if (name && strcmp(name, suite_names[s]) == 0) {
			*out = (enum seal_suite)s;
			return true;
		}
	return false;
}

bool seal_cpu_has_aes(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
#elif defined(__aarch64__)
	unsigned long hw = getauxval(AT_HWCAP);

	return (hw & HWCAP_AES) && (hw & HWCAP_PMULL);
#else
	return false;
#endif
}

enum seal_suite seal_suite_default(void)
{
	return seal_cpu_has_aes() ? SEAL_SUITE_AES256_GCM : SEAL_SUITE_CHACHA20_POLY1305;
}

uint32_t seal_key_id(const uint8_t psk[SEAL_PSK_LEN])
{
	uint8_t h[32];
	uint32_t id;

	crypto_generichash(h, sizeof(h), (const uint8_t *)SEAL_KEY_ID_MSG,
			   sizeof(SEAL_KEY_ID_MSG) - 1, psk, SEAL_PSK_LEN);
	id = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	sodium_memzero(h, sizeof(h));
	return id ? id : 1;
}

bool seal_psk_set(struct seal_psk *out, const uint8_t key[SEAL_PSK_LEN], unsigned suite)
{
	if (suite != SEAL_SUITE_CHACHA20_POLY1305 && suite != SEAL_SUITE_AES256_GCM)
		return false;
	memcpy(out->key, key, SEAL_PSK_LEN);
	out->suite = (uint8_t)suite;
	out->id = seal_key_id(key);
	return true;
}

void seal_psk_wipe(struct seal_psk *p)
{
	sodium_memzero(p, sizeof(*p));
}

static const EVP_CIPHER *suite_cipher(unsigned suite)
{
	switch (suite) {
	case SEAL_SUITE_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	case SEAL_SUITE_AES256_GCM:
		return EVP_aes_256_gcm();
	default:
		return NULL;
	}
}

int seal_key_init(struct seal_key *k, unsigned suite, const uint8_t bytes[SEAL_KEY_LEN])
{
	const EVP_CIPHER *cipher = suite_cipher(suite);
	EVP_CIPHER_CTX *c = k->ctx;

	if (!cipher) {
		seal_key_wipe(k);
		return -EINVAL;
	}
	if (c && k->suite != suite) {
		EVP_CIPHER_CTX_free(c);
		c = k->ctx = NULL;
	}
	if (!c) {
		c = EVP_CIPHER_CTX_new();
		if (!c) {
			seal_key_wipe(k);
			return -ENOMEM;
		}
		k->ctx = c;
		/* the cipher once; the nonce length is 12 bytes by default for both */
		if (EVP_CipherInit_ex(c, cipher, NULL, NULL, NULL, 1) != 1)
			goto fail;
	}
	/* the key schedule, kept across the per-datagram nonce-only re-inits */
	if (EVP_CipherInit_ex(c, NULL, NULL, bytes, NULL, 1) != 1)
		goto fail;
	memcpy(k->k, bytes, SEAL_KEY_LEN);
	k->suite = (uint8_t)suite;
	return 0;
fail:
	seal_key_wipe(k);
	return -EINVAL;
}

void seal_derive2(const uint8_t psk[SEAL_PSK_LEN], uint64_t session, uint64_t epoch,
		  bool from_server, uint8_t out[SEAL_KEY_LEN])
{
	uint8_t session_key[crypto_kdf_KEYBYTES];

	crypto_kdf_derive_from_key(session_key, sizeof(session_key), session, SEAL2_CTX_SESSION,
				   psk);
	crypto_kdf_derive_from_key(out, SEAL_KEY_LEN, epoch,
				   from_server ? SEAL2_CTX_S2C : SEAL2_CTX_C2S, session_key);
	sodium_memzero(session_key, sizeof(session_key));
}

int seal_key_derive(struct seal_key *k, const struct seal_psk *psk, uint64_t session,
		    uint64_t epoch, bool from_server)
{
	uint8_t bytes[SEAL_KEY_LEN];
	int rc;

	seal_derive2(psk->key, session, epoch, from_server, bytes);
	rc = seal_key_init(k, psk->suite, bytes);
	sodium_memzero(bytes, sizeof(bytes));
	return rc;
}

void seal_key_move(struct seal_key *dst, struct seal_key *src)
{
	if (dst == src)
		return;
	seal_key_wipe(dst);
	*dst = *src;
	sodium_memzero(src->k, sizeof(src->k));
	src->ctx = NULL;
	src->suite = 0;
}

static bool lengths_ok(const struct seal_key *k, size_t adlen, size_t len)
{
	return k->ctx && adlen <= INT_MAX && len <= INT_MAX;
}

bool seal_seal(const struct seal_key *k, uint64_t seq, const uint8_t *ad, size_t adlen,
	       uint8_t *buf, size_t len, uint8_t tag[SEAL_TAG_LEN])
{
	EVP_CIPHER_CTX *c = k->ctx;
	uint8_t nonce[SEAL_NONCE_LEN];
	int outl = 0, fin = 0;

	if (!lengths_ok(k, adlen, len))
		return false;
	seal_nonce(seq, nonce);
	/* nonce only: the cipher and key schedule stay as seal_key_init left them */
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 1) != 1 ||
	    (adlen && EVP_CipherUpdate(c, NULL, &outl, ad, (int)adlen) != 1) ||
	    (len && EVP_CipherUpdate(c, buf, &outl, buf, (int)len) != 1) ||
	    EVP_CipherFinal_ex(c, buf + outl, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, SEAL_TAG_LEN, tag) != 1)
		return false;	/* not reached with a prepared key: lengths are in range */
	return true;
}

bool seal_open(const struct seal_key *k, uint64_t seq, const uint8_t *ad, size_t adlen,
	       uint8_t *buf, size_t len, const uint8_t tag[SEAL_TAG_LEN])
{
	EVP_CIPHER_CTX *c = k->ctx;
	uint8_t nonce[SEAL_NONCE_LEN], t[SEAL_TAG_LEN];
	int outl = 0, fin = 0;

	if (!lengths_ok(k, adlen, len))
		goto fail;
	seal_nonce(seq, nonce);
	memcpy(t, tag, sizeof(t));	/* the ctrl takes a non-const pointer */
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 0) != 1 ||
	    (adlen && EVP_CipherUpdate(c, NULL, &outl, ad, (int)adlen) != 1) ||
	    (len && EVP_CipherUpdate(c, buf, &outl, buf, (int)len) != 1) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, SEAL_TAG_LEN, t) != 1 ||
	    EVP_CipherFinal_ex(c, buf + outl, &fin) != 1)
		goto fail;
	return true;
fail:
	/* decryption ran before the tag was checked: leave nothing of it */
	if (len)
		sodium_memzero(buf, len);
	return false;
}
