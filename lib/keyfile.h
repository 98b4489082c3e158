/* keyfile.h - the tunnel's pre-shared key: parse, load from a private file, generate.
 *
 * A key file holds 32 bytes written as 64 hex digits (either case) or as
 * base64 (standard alphabet, 44 characters with '=' padding or 43 without),
 * and the AEAD suite the key is for on a line "suite NAME" (protocol v2;
 * without it, ChaCha20-Poly1305); blank lines and '#' comments are allowed,
 * nothing else (see keyfile_parse()).
 * An all-zero key is refused.  The file must be a regular file owned by
 * the user running us or by root (as ssh requires) that neither group nor
 * others may read or write (chmod 600).  Secrets passing through
 * these functions are wiped with sodium_memzero(); error messages never
 * contain key material.
 */
#ifndef MPT_KEYFILE_H
#define MPT_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seal.h"

#define KEY_LEN 32
#define KEY_BASE64_LEN 45	/* 44 characters + NUL, for key_format_base64() */
#define KEYFILE_MAX 4096	/* larger files are refused unread */
#define KEYFILE_TEXT_LEN 80	/* room for keyfile_format() */

/* Parse a key (hex or base64, surrounding whitespace allowed). */
bool key_parse(const char *text, uint8_t key[KEY_LEN]);

/*
 * Load a key file: 0, or -errno (open/read errors; -EPERM if group or
 * others may read or write it, with err saying "chmod 600 PATH", or if
 * another user than us or root owns it), or -EINVAL
 * (not a regular file, too large, bad content).  err gets a one-line
 * message starting with PATH.  key is written only on success.
 */
int keyfile_load(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen);

/*
 * Parse a key file's text (modified: lines are cut in place): the key on a
 * line of its own, optionally a line "suite NAME" (chacha20-poly1305 or
 * aes-256-gcm) before or after it; blank lines and lines starting with '#'
 * are ignored, anything else is an error.  Without a suite line the key is
 * a ChaCha20-Poly1305 key (key files written before suites existed).  Fills
 * *out (key, suite, key id); false with err naming the line otherwise.
 */
bool keyfile_parse(char *text, struct seal_psk *out, char *err, size_t errlen);
/* keyfile_load() returning the suite and key id too (see keyfile_parse()). */
int keyfile_load_psk(const char *path, struct seal_psk *out, char *err, size_t errlen);
/* The text of a key file: "BASE64\nsuite NAME\n" ("" if outlen < KEYFILE_TEXT_LEN). */
void keyfile_format(const uint8_t key[KEY_LEN], unsigned suite, char *out, size_t outlen);

/*
 * Several key files into a keyset (mpserver: per-client keys, rotation):
 * each file as keyfile_load_psk(); 0, or the first error with err naming
 * the file; -EEXIST when two files hold the same key id (both named).  The
 * set must be initialised with room for n keys; it is emptied first, and on
 * error left empty.
 */
struct keyset;
int keyfile_load_set(const char *const *paths, unsigned n, struct keyset *set, char *err,
		     size_t errlen);
/*
 * Every file named *.key in a folder (in name order; other names, dot
 * files and subfolders ignored) into the set, as keyfile_load_set().  The
 * folder must not be writable by group or others (-EPERM).  -ENOENT with a
 * message when it holds no key file; -E2BIG when more than the set holds.
 */
int keyfile_load_dir(const char *dir, struct keyset *set, char *err, size_t errlen);

/* A new random key (libsodium's randombytes; calls sodium_init()). */
void key_generate(uint8_t key[KEY_LEN]);

/* The key as padded base64 (44 characters); out gets "" if outlen < KEY_BASE64_LEN. */
void key_format_base64(const uint8_t key[KEY_LEN], char *out, size_t outlen);

#endif
