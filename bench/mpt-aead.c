/* mpt-aead - per-datagram cost of the AEAD candidates and of lib/seal.
 *
 *   mpt-aead [--sizes 200,1400] [--ms 200] [--rounds 5] [--json]   (JSON: lib/json document, "results")
 *
 * For each size, seal + open one datagram (in place, 52 bytes of associated
 * data, nonce = 4 zero bytes || seq, a new seq every datagram) with:
 *
 *   sodium-chacha   libsodium crypto_aead_chacha20poly1305_ietf (detached)
 *   openssl-chacha  OpenSSL EVP chacha20-poly1305, one context per key, re-initialised
 *                   with the nonce only
 *   sodium-aesgcm   libsodium crypto_aead_aes256gcm with the precomputed key state
 *                   (afternm; only where libsodium finds AES-NI + PCLMUL)
 *   openssl-aesgcm  OpenSSL EVP aes-256-gcm, one context per key, nonce-only re-init
 *   seal-chacha,    what the tunnel runs: lib/seal's seal_seal + seal_open for
 *   seal-aesgcm     each suite
 *
 * Each round runs --ms milliseconds (of this thread's CPU time) of seal+open
 * pairs; the best round is reported.  Time is CPU time of the thread
 * (CLOCK_THREAD_CPUTIME_ID), so a shared machine that takes the CPU away
 * does not inflate the figure (caches shared with others still may).
 * A micro-benchmark of the cipher only, not of the tunnel.
 */
#include "json.h"
#include "seal.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AD_LEN 52
#define MAX_SIZE 65536

typedef bool (*pair_fn)(void *ctx, uint64_t seq, uint8_t *buf, size_t len);

static uint8_t key[32], ad[AD_LEN];
static uint8_t tag[16];

static void mknonce(uint64_t seq, uint8_t n[12])
{
	int i;

	memset(n, 0, 4);
	for (i = 0; i < 8; i++)
		n[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

static bool sodium_chacha(void *ctx, uint64_t seq, uint8_t *buf, size_t len)
{
	uint8_t n[12];

	(void)ctx;
	mknonce(seq, n);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf, tag, NULL, buf, len, ad, AD_LEN,
							   NULL, n, key);
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(buf, NULL, buf, len, tag, ad,
								  AD_LEN, n, key) == 0;
}

static bool sodium_aesgcm(void *ctx, uint64_t seq, uint8_t *buf, size_t len)
{
	const crypto_aead_aes256gcm_state *st = ctx;
	uint8_t n[12];

	mknonce(seq, n);
	crypto_aead_aes256gcm_encrypt_detached_afternm(buf, tag, NULL, buf, len, ad, AD_LEN, NULL,
						       n, st);
	return crypto_aead_aes256gcm_decrypt_detached_afternm(buf, NULL, buf, len, tag, ad,
							      AD_LEN, n, st) == 0;
}

/* OpenSSL: the same context for both operations, nonce-only re-init */
static bool openssl_pair(void *ctx, uint64_t seq, uint8_t *buf, size_t len)
{
	EVP_CIPHER_CTX *c = ctx;
	uint8_t n[12];
	int outl;

	mknonce(seq, n);
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, n, 1) != 1 ||
	    EVP_CipherUpdate(c, NULL, &outl, ad, AD_LEN) != 1 ||
	    EVP_CipherUpdate(c, buf, &outl, buf, (int)len) != 1 ||
	    EVP_CipherFinal_ex(c, buf + outl, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
		return false;
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, n, 0) != 1 ||
	    EVP_CipherUpdate(c, NULL, &outl, ad, AD_LEN) != 1 ||
	    EVP_CipherUpdate(c, buf, &outl, buf, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1)
		return false;
	return EVP_CipherFinal_ex(c, buf + outl, &outl) == 1;
}

static bool seal_pair(void *ctx, uint64_t seq, uint8_t *buf, size_t len)
{
	const struct seal_key *k = ctx;

	return seal_seal(k, seq, ad, AD_LEN, buf, len, tag) &&
	       seal_open(k, seq, ad, AD_LEN, buf, len, tag);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* best ns per seal+open pair over rounds of ms milliseconds; < 0 on failure */
static double measure(pair_fn fn, void *ctx, uint8_t *buf, size_t len, unsigned ms,
		      unsigned rounds)
{
	static uint64_t seq = 1;
	double best = -1;
	unsigned r;

	for (r = 0; r < rounds; r++) {
		double t0 = now_ns(), t1, deadline = t0 + ms * 1e6;
		unsigned long n = 0;

		do {
			unsigned i;

			for (i = 0; i < 256; i++, n++)
				if (!fn(ctx, seq++, buf, len))
					return -1;
			t1 = now_ns();
		} while (t1 < deadline);
		if (best < 0 || (t1 - t0) / (double)n < best)
			best = (t1 - t0) / (double)n;
	}
	return best;
}

static void usage(void)
{
	fprintf(stderr, "usage: mpt-aead [--sizes N[,N...]] [--ms MS] [--rounds N] [--json]\n"
			"       mpt-aead --version\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAX_SIZE];
	char sizes_arg[256] = "200,1400";
	unsigned ms = 200, rounds = 5;
	bool json = false;
	struct json js;
	crypto_aead_aes256gcm_state *aes_state = NULL;
	EVP_CIPHER_CTX *ossl_chacha, *ossl_aes;
	struct seal_key seal_chacha = { 0 }, seal_aes = { 0 };
	char *tok, *save = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
			snprintf(sizes_arg, sizeof(sizes_arg), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--ms") && i + 1 < argc)
			ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("mpt-aead %s\n", MPT_VERSION);
			return 0;
		} else
			usage();
	}
	if (!ms || !rounds || seal_init() != 0)
		usage();
	randombytes_buf(key, sizeof(key));
	randombytes_buf(ad, sizeof(ad));
	if (crypto_aead_aes256gcm_is_available()) {
		aes_state = sodium_malloc(sizeof(*aes_state));
		if (!aes_state)
			return 1;
		crypto_aead_aes256gcm_beforenm(aes_state, key);
	}
	ossl_chacha = EVP_CIPHER_CTX_new();
	ossl_aes = EVP_CIPHER_CTX_new();
	if (!ossl_chacha || !ossl_aes ||
	    EVP_CipherInit_ex(ossl_chacha, EVP_chacha20_poly1305(), NULL, key, NULL, 1) != 1 ||
	    EVP_CipherInit_ex(ossl_aes, EVP_aes_256_gcm(), NULL, key, NULL, 1) != 1) {
		fprintf(stderr, "mpt-aead: OpenSSL contexts failed\n");
		return 1;
	}
	if (seal_key_init(&seal_chacha, SEAL_SUITE_CHACHA20_POLY1305, key) != 0 ||
	    seal_key_init(&seal_aes, SEAL_SUITE_AES256_GCM, key) != 0) {
		fprintf(stderr, "mpt-aead: seal_key_init failed\n");
		return 1;
	}
	if (json) {
		json_begin(&js, stdout);
		json_doc_open(&js, "mpt-aead");
		json_arr_open(&js, "results");
	} else
		printf("%-16s %6s %10s %10s\n", "implementation", "bytes", "ns/dgram", "Mbit/s/core");
	for (tok = strtok_r(sizes_arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t len = strtoul(tok, NULL, 10);
		struct {
			const char *name;
			pair_fn fn;
			void *ctx;
		} impl[] = {
			{ "sodium-chacha", sodium_chacha, NULL },
			{ "openssl-chacha", openssl_pair, ossl_chacha },
			{ "sodium-aesgcm", aes_state ? sodium_aesgcm : NULL, aes_state },
			{ "openssl-aesgcm", openssl_pair, ossl_aes },
			{ "seal-chacha", seal_pair, &seal_chacha },
			{ "seal-aesgcm", seal_pair, &seal_aes },
		};
		size_t j;

		if (!len || len > MAX_SIZE)
			usage();
		for (j = 0; j < sizeof(impl) / sizeof(impl[0]); j++) {
			double ns;

			if (!impl[j].fn)
				continue;
			randombytes_buf(buf, len);
			ns = measure(impl[j].fn, impl[j].ctx, buf, len, ms, rounds);
			if (ns < 0) {
				fprintf(stderr, "mpt-aead: %s failed to open what it sealed\n",
					impl[j].name);
				return 1;
			}
			/* one datagram = one seal + one open (both ends' cost) */
			if (json) {
				json_obj_open(&js, NULL);
				json_str(&js, "impl", impl[j].name);
				json_u64(&js, "bytes", len);
				json_fixed(&js, "ns_per_dgram", ns, 1);
				json_obj_close(&js);
			} else
				printf("%-16s %6zu %10.1f %10.0f\n", impl[j].name, len, ns,
				       (double)len * 8 / ns * 1e3);
		}
	}
	if (json) {
		json_arr_close(&js);
		json_doc_close(&js);
		json_end(&js);
	}
	seal_key_wipe(&seal_chacha);
	seal_key_wipe(&seal_aes);
	EVP_CIPHER_CTX_free(ossl_chacha);
	EVP_CIPHER_CTX_free(ossl_aes);
	if (aes_state)
		sodium_free(aes_state);
	return 0;
}
