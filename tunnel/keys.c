/* keys.c - key setup shared by mpclient and mpserver. */
#include "keys.h"
#include "keyfile.h"
#include "keyring.h"
#include "keyset.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool encrypt_requested(void)
{
	const char *v = getenv("MPTUNNEL_ENCRYPT");

	return v && *v && strcmp(v, "0") != 0;
}

int keys_setup_psk(const struct tunnel_params *prm, struct seal_psk *psk, bool *sealed)
{
	char err[512];

	*sealed = false;
	if (!prm->key_file) {
		if (encrypt_requested()) {
			log_warnx("MPTUNNEL_ENCRYPT is set but there is no key: give --key-file FILE "
				  "(make one with '%s --genkey > FILE; chmod 600 FILE')",
				  log_progname());
			return 2;
		}
		return 0;
	}
	if (seal_init() != 0) {
		log_warnx("cannot initialise libsodium");
		return 1;
	}
	if (keyfile_load_psk(prm->key_file, psk, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 2;	/* a configuration error, like a bad config file */
	}
	*sealed = true;
	return 0;
}

int keys_setup(const struct tunnel_params *prm, uint8_t psk[SEAL_PSK_LEN], bool *sealed)
{
	struct seal_psk p;
	int rc = keys_setup_psk(prm, &p, sealed);

	if (rc == 0 && *sealed)
		memcpy(psk, p.key, SEAL_PSK_LEN);
	seal_psk_wipe(&p);
	return rc;
}

static int add_key(struct keyset *set, struct seal_psk *p, unsigned suite_override,
		   const char *from, char *err, size_t errlen)
{
	int rc;

	if (suite_override)
		p->suite = (uint8_t)suite_override;
	rc = keyset_add(set, p);
	if (rc == -EEXIST)
		snprintf(err, errlen, "%s: key id %08x is given twice (another key file holds it)",
			 from, p->id);
	else if (rc)
		snprintf(err, errlen, "%s: cannot hold the key: %s", from, strerror(-rc));
	seal_psk_wipe(p);
	return rc;
}

int keys_load_set(const struct tunnel_params *prm, unsigned suite_override, struct keyset *set,
		  char *err, size_t errlen)
{
	struct seal_psk p;
	struct keyset dir;
	unsigned i;
	int rc = 0;

	while (keyset_count(set))
		keyset_remove(set, keyset_at(set, 0)->id);
	for (i = 0; i < prm->nkey_files && rc == 0; i++) {
		rc = keyfile_load_psk(prm->key_files[i], &p, err, errlen);
		if (rc == 0)
			rc = add_key(set, &p, suite_override, prm->key_files[i], err, errlen);
	}
	if (rc == 0 && prm->key_dir) {
		rc = keyset_init(&dir, KEYRING_MAX);
		if (rc == 0)
			rc = keyfile_load_dir(prm->key_dir, &dir, err, errlen);
		for (i = 0; rc == 0 && i < keyset_count(&dir); i++) {
			p = *keyset_at(&dir, i);
			rc = add_key(set, &p, suite_override, prm->key_dir, err, errlen);
		}
		keyset_free(&dir);
	}
	if (rc == 0 && keyset_count(set) == 0) {
		snprintf(err, errlen, "no key (give --key-file FILE or --key-dir DIR)");
		rc = -ENOENT;
	}
	if (rc)
		while (keyset_count(set))
			keyset_remove(set, keyset_at(set, 0)->id);
	return rc;
}

int keys_genkey(const char *suite_name)
{
	uint8_t key[SEAL_PSK_LEN];
	char text[KEYFILE_TEXT_LEN];
	enum seal_suite suite = seal_suite_default();

	if (suite_name && !seal_suite_parse(suite_name, &suite)) {
		log_warnx("--genkey: unknown suite '%s' (aes-256-gcm or chacha20-poly1305)",
			  suite_name);
		return 2;
	}
	if (seal_init() != 0) {
		log_warnx("cannot initialise libsodium");
		return 1;
	}
	key_generate(key);
	keyfile_format(key, suite, text, sizeof(text));
	fputs(text, stdout);
	memset(key, 0, sizeof(key));
	memset(text, 0, sizeof(text));
	return fflush(stdout) == 0 ? 0 : 1;
}
