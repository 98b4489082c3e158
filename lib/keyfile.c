/* keyfile.c - pre-shared key parsing, loading and generation (see keyfile.h). */
#include "keyfile.h"
#include "keyset.h"
#include "log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
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

/* Split off the next line of *s (without its newline); NULL at the end. */
static char *next_line(char **s)
{
	char *line = *s, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*s = nl + 1;
	} else {
		*s = line + strlen(line);
	}
	return line;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	for (end = s + strlen(s); end > s && isspace((unsigned char)end[-1]); end--)
		;
	*end = '\0';
	return s;
}

bool keyfile_parse(char *text, struct seal_psk *out, char *err, size_t errlen)
{
	uint8_t key[KEY_LEN];
	enum seal_suite suite = SEAL_SUITE_CHACHA20_POLY1305;	/* files from before suites */
	bool have_key = false, have_suite = false, ok = false;
	unsigned lineno = 0;
	char *rest = text, *line;

	if (err && errlen)
		err[0] = '\0';
	while ((line = next_line(&rest))) {
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		if (strncmp(line, "suite", 5) == 0 &&
		    (!line[5] || isspace((unsigned char)line[5]))) {
			const char *name = trim(line + 5);

			if (have_suite) {
				snprintf(err, errlen, "line %u: a second suite line", lineno);
				goto out;
			}
			if (!seal_suite_parse(name, &suite)) {
				snprintf(err, errlen,
					 "line %u: unknown suite '%.40s' (chacha20-poly1305 or "
					 "aes-256-gcm)", lineno, name);
				goto out;
			}
			have_suite = true;
			continue;
		}
		if (have_key) {
			snprintf(err, errlen, "line %u: unexpected text after the key "
				 "(one key per file; 'suite NAME' may follow)", lineno);
			goto out;
		}
		if (!key_parse(line, key)) {
			snprintf(err, errlen, "line %u: bad key (expected 64 hex digits or base64 "
				 "of 32 bytes, not all zero)", lineno);
			goto out;
		}
		have_key = true;
	}
	if (!have_key) {
		snprintf(err, errlen, "no key (expected 64 hex digits or base64 of 32 bytes)");
		goto out;
	}
	ok = seal_psk_set(out, key, suite);
out:
	sodium_memzero(key, sizeof(key));
	return ok;
}

int keyfile_load_psk(const char *path, struct seal_psk *out, char *err, size_t errlen)
{
	char buf[KEYFILE_MAX + 2], why[160];
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
	if (memchr(buf, '\0', n)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: bad key (a NUL byte in the file)", path);
		goto out;
	}
	if (!keyfile_parse(buf, out, why, sizeof(why))) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int keyfile_load(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen)
{
	struct seal_psk p;
	int rc = keyfile_load_psk(path, &p, err, errlen);

	if (rc == 0)
		memcpy(key, p.key, KEY_LEN);
	seal_psk_wipe(&p);
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

void keyfile_format(const uint8_t key[KEY_LEN], unsigned suite, char *out, size_t outlen)
{
	char b64[KEY_BASE64_LEN];

	key_format_base64(key, b64, sizeof(b64));
	if (outlen < KEYFILE_TEXT_LEN) {
		if (outlen)
			out[0] = '\0';
	} else {
		snprintf(out, outlen, "%s\nsuite %s\n", b64, seal_suite_name(suite));
	}
	sodium_memzero(b64, sizeof(b64));
}

static void keyset_empty(struct keyset *set)
{
	while (keyset_count(set))
		keyset_remove(set, keyset_at(set, 0)->id);
}

/* Add one loaded key; names[] says which file each key of the set came from. */
static int add_one(struct keyset *set, const char *path, const char **names,
		   char *err, size_t errlen)
{
	struct seal_psk p;
	const struct seal_psk *old;
	int rc = keyfile_load_psk(path, &p, err, errlen);

	if (rc)
		return rc;
	old = keyset_find(set, p.id);
	if (old) {
		snprintf(err, errlen, "%s: the same key id %08x as %s (%s)", path, p.id,
			 names[old - keyset_at(set, 0)],
			 memcmp(old->key, p.key, KEY_LEN) == 0 ? "the same key twice" :
			 "two keys sharing an id: generate another");
		rc = -EEXIST;
	} else {
		rc = keyset_add(set, &p);
		if (rc == 0)
			names[keyset_count(set) - 1] = path;
		else
			snprintf(err, errlen, "%s: %s", path, rc == -ENOSPC ?
				 "too many keys" : strerror(-rc));
	}
	seal_psk_wipe(&p);
	return rc;
}

int keyfile_load_set(const char *const *paths, unsigned n, struct keyset *set, char *err,
		     size_t errlen)
{
	const char **names;
	unsigned i;
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	keyset_empty(set);
	names = calloc(n ? n : 1, sizeof(*names));
	if (!names) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = add_one(set, paths[i], names, err, errlen);
	if (rc)
		keyset_empty(set);
	free(names);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int keyfile_load_dir(const char *dir, struct keyset *set, char *err, size_t errlen)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	char **paths = NULL;
	unsigned n = 0, cap = 0, i;
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	keyset_empty(set);
	if (stat(dir, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a folder", dir);
		return -ENOTDIR;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: key folder is writable by group or others (mode %04o); "
			 "run: chmod go-w %s", dir, (unsigned)(st.st_mode & 07777), dir);
		return -EPERM;
	}
	d = opendir(dir);
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char path[PATH_MAX];
		struct stat fst;

		if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".key") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &fst) < 0 || S_ISDIR(fst.st_mode))
			continue;
		if (n == cap) {
			char **np = realloc(paths, (cap ? 2 * cap : 16) * sizeof(*paths));

			if (!np) {
				rc = -ENOMEM;
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			paths = np;
			cap = cap ? 2 * cap : 16;
		}
		paths[n] = strdup(path);
		if (!paths[n]) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		n++;
	}
	if (n == 0) {
		rc = -ENOENT;
		snprintf(err, errlen, "%s: no key files (*.key) in the folder", dir);
		goto out;
	}
	if (n > set->max) {
		rc = -E2BIG;
		snprintf(err, errlen, "%s: %u key files, at most %u", dir, n, set->max);
		goto out;
	}
	qsort(paths, n, sizeof(*paths), by_name);
	rc = keyfile_load_set((const char *const *)paths, n, set, err, errlen);
out:
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	closedir(d);
	return rc;
}
