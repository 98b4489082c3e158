/* keys.c - key setup shared by mpclient and mpserver. */
#include "keys.h"
#include "keyfile.h"
#include "log.h"

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
