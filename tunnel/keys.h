/* keys.h - the pre-shared key of mpclient and mpserver: --key-file,
 * MPTUNNEL_ENCRYPT (the original's switch) and --genkey. */
#ifndef MPT_KEYS_H
#define MPT_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "params.h"
#include "seal.h"

/*
 * Decide whether the tunnel is sealed and load the key.  Returns 0 with
 * *sealed set (psk filled when true), or the status to exit with, message
 * printed: 2 when MPTUNNEL_ENCRYPT asks for encryption without a key or the
 * key file cannot be used (a configuration error: the message names the
 * file), 1 when libsodium cannot be initialised.
 */
int keys_setup(const struct tunnel_params *prm, uint8_t psk[SEAL_PSK_LEN], bool *sealed);
/*
 * keys_setup() for protocol v2: the key with the suite its file names
 * (keyfile.h: "suite NAME", none = ChaCha20-Poly1305) and its key id.  The
 * suite comes from the file only, never from this machine's CPU, so both
 * ends use the same one.  Same returns as keys_setup().
 */
int keys_setup_psk(const struct tunnel_params *prm, struct seal_psk *psk, bool *sealed);
/*
 * mpserver's keys: every --key-file and every *.key file of --key-dir into
 * set (initialised with room for KEYRING_MAX keys; emptied first), each
 * key's suite its file's, or suite_override when not 0 (--suite).  0, or
 * -errno with err naming the file (and line) at fault, the set left empty:
 * a start exits 2, a reload is refused.  Called again by a reload.
 */
struct keyset;
int keys_load_set(const struct tunnel_params *prm, unsigned suite_override, struct keyset *set,
		  char *err, size_t errlen);

/*
 * --genkey[=SUITE]: print a new key file on stdout (the key in base64, then
 * "suite NAME": SUITE, or seal_suite_default()); returns the exit status
 * (2 with a message for an unknown SUITE).
 */
int keys_genkey(const char *suite);

#endif
