/* keyfile.c - pre-shared key parsing, loading and generation (see keyfile.h). */
#include "keyfile.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_HEX_LEN (2 * KEY_LEN)

static bool parse_hex(const char *s, size_t n, uint8_t out[KEY_LEN])
{
	const char *end = NULL;
	size_t binlen = 0;

	if (n != KEY_HEX_LEN)
		return false;
	return sodium_hex2bin(out, KEY_LEN, s, n, NULL, &binlen, &end) == 0 &&
	       binlen == KEY_LEN && end == s + n;
}

static bool parse_base64(const char *s, size_t n, uint8_t out[KEY_LEN])
{
	const char *end = NULL;
	size_t binlen = 0;
	int variant;

	if (n == 44)
		variant = sodium_base64_VARIANT_ORIGINAL;
	else if (n == 43)
		variant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	else
		return false;
	return sodium_base642bin(out, KEY_LEN, s, n, NULL, &binlen, &end, variant) == 0 &&
	       binlen == KEY_LEN && end == s + n;
}

bool key_parse(const char *text, uint8_t key[KEY_LEN])
{
	uint8_t tmp[KEY_LEN];
	const char *s, *end;
	bool ok;

	if (!text)
		return false;
	for (s = text; isspace((unsigned char)*s); s++)
		;
	for (end = s + strlen(s); end > s && isspace((unsigned char)end[-1]); end--)
		;
	ok = parse_hex(s, (size_t)(end - s), tmp) || parse_base64(s, (size_t)(end - s), tmp);
	if (ok && sodium_is_zero(tmp, sizeof(tmp)))
		ok = false;
	if (ok)
		memcpy(key, tmp, KEY_LEN);
	sodium_memzero(tmp, sizeof(tmp));
	return ok;
}

int keyfile_load(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen)
{
	char buf[KEYFILE_MAX + 2];
	size_t n = 0;
	struct stat st;
	int fd, rc = 0;

	if (err && errlen)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	/* as ssh: a key someone else owns could be replaced by them */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		rc = -EPERM;
		snprintf(err, errlen,
			 "%s: key file is owned by uid %u, not by this user (uid %u) or root; "
			 "run: chown %u %s", path, (unsigned)st.st_uid, (unsigned)geteuid(),
			 (unsigned)geteuid(), path);
		goto out;
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		rc = -EPERM;
		snprintf(err, errlen,
			 "%s: key file is readable or writable by group or others (mode %04o); "
			 "run: chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > KEYFILE_MAX) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: too large for a key file (at most %d bytes)", path,
			 KEYFILE_MAX);
		goto out;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n) || !key_parse(buf, key)) {
		rc = -EINVAL;
		snprintf(err, errlen,
			 "%s: bad key (expected 64 hex digits or base64 of 32 bytes, not all zero)",
			 path);
		goto out;
	}
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

void key_generate(uint8_t key[KEY_LEN])
{
	if (sodium_init() < 0)
		fatalx("cannot initialise libsodium");
	do
		randombytes_buf(key, KEY_LEN);
	while (sodium_is_zero(key, KEY_LEN));
}

void key_format_base64(const uint8_t key[KEY_LEN], char *out, size_t outlen)
{
	_Static_assert(KEY_BASE64_LEN == sodium_base64_ENCODED_LEN(KEY_LEN,
						sodium_base64_VARIANT_ORIGINAL), "base64 size");

	if (outlen < KEY_BASE64_LEN) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	sodium_bin2base64(out, outlen, key, KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}
