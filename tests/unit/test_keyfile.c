/* test_keyfile.c - pre-shared key parsing, loading and generation (lib/keyfile.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "keyset.h"

/* the key 00 01 02 .. 1f in both notations */
#define HEX_LO "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_UP "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
#define B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static char dir[PATH_MAX];

static void expect_key(const uint8_t key[KEY_LEN])
{
	size_t i;

	for (i = 0; i < KEY_LEN; i++)
		assert_int_equal(key[i], i);
}

static void test_parse_ok(void **state)
{
	static const char *const good[] = {
		HEX_LO, HEX_UP, "  " HEX_LO "\n", "\t\r\n" HEX_UP "\r\n\n",
		B64, B64 "\n", " " B64 " \n",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",	/* without padding */
	};
	uint8_t key[KEY_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(key, 0xee, sizeof(key));
		if (!key_parse(good[i], key))
			fail_msg("rejected good key #%zu", i);
		expect_key(key);
	}
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"   \n",
		HEX_LO "00",					/* 33 bytes */
		"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",	/* 31 */
		"00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",	/* 63 digits */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",	/* bad digit */
		"000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f",	/* inner space */
		"0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",	/* 31 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==",	/* 34 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=",	/* bad character */
		"AAECAwQFBgcICQoLDA0ODxAREhMU FRYXGBkaGxwdHh8",		/* inner space */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-=",	/* url-safe alphabet */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",	/* non-zero unused bits */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",	/* too much padding */
		"0000000000000000000000000000000000000000000000000000000000000000",	/* zero */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",	/* zero */
		HEX_LO "\n" HEX_LO,
		NULL,
	};
	uint8_t key[KEY_LEN], before[KEY_LEN];
	size_t i;

	(void)state;
	memset(before, 0xee, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(key, before, sizeof(key));
		if (key_parse(bad[i], key))
			fail_msg("accepted bad key #%zu '%s'", i, bad[i] ? bad[i] : "(null)");
		assert_memory_equal(key, before, sizeof(key));	/* untouched */
	}
}

static void test_generate_format(void **state)
{
	uint8_t a[KEY_LEN], b[KEY_LEN], back[KEY_LEN];
	char text[KEY_BASE64_LEN], small[KEY_BASE64_LEN - 1];
	size_t i;

	(void)state;
	for (i = 0; i < KEY_LEN; i++)
		a[i] = (uint8_t)i;
	key_format_base64(a, text, sizeof(text));
	assert_string_equal(text, B64);

	key_generate(a);
	key_generate(b);
	assert_false(sodium_is_zero(a, KEY_LEN));
	assert_memory_not_equal(a, b, KEY_LEN);
	key_format_base64(a, text, sizeof(text));
	assert_int_equal(strlen(text), KEY_BASE64_LEN - 1);
	assert_true(key_parse(text, back));
	assert_memory_equal(a, back, KEY_LEN);

	memset(small, 'x', sizeof(small));
	key_format_base64(a, small, sizeof(small));
	assert_string_equal(small, "");
}

/* Write a file in the test directory with exactly this mode. */
static const char *mkfile(const char *name, const void *data, size_t len, mode_t mode)
{
	static char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static int setup_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/mpt-keyfile.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown_dir(void **state)
{
	(void)state;
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_load_ok(void **state)
{
	uint8_t key[KEY_LEN];
	char err[512];

	(void)state;
	assert_int_equal(keyfile_load(mkfile("hex", HEX_LO "\n", sizeof(HEX_LO), 0600), key, err,
				      sizeof(err)), 0);
	expect_key(key);
	memset(key, 0, sizeof(key));
	assert_int_equal(keyfile_load(mkfile("b64", B64 "\n", sizeof(B64), 0400), key, err,
				      sizeof(err)), 0);
	expect_key(key);
	/* execute bits do not let anyone read it */
	assert_int_equal(keyfile_load(mkfile("x", B64, strlen(B64), 0711), key, err, sizeof(err)),
			 0);
}

static void test_load_permissions(void **state)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0620, 0602, 0660, 0666, 0777 };
	uint8_t key[KEY_LEN], before[KEY_LEN];
	char err[512], want[PATH_MAX + 64];
	size_t i;

	(void)state;
	memset(before, 0xee, sizeof(before));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const char *path = mkfile("open", HEX_LO, strlen(HEX_LO), modes[i]);

		memcpy(key, before, sizeof(key));
		err[0] = '\0';
		assert_int_equal(keyfile_load(path, key, err, sizeof(err)), -EPERM);
		snprintf(want, sizeof(want), "chmod 600 %s", path);
		if (!strstr(err, want))
			fail_msg("mode %04o: message '%s' lacks '%s'", (unsigned)modes[i], err, want);
		assert_memory_equal(key, before, sizeof(key));
		assert_null(strstr(err, "0102030405"));
	}
}

/* as ssh: a key file another user (not root) owns is refused */
static void test_load_owner(void **state)
{
	uint8_t key[KEY_LEN], before[KEY_LEN];
	char err[512];
	const char *path;

	(void)state;
	if (geteuid() != 0) {
		print_message("not root: cannot give a file to another user, owner check not run\n");
		skip();
	}
	path = mkfile("theirs", HEX_LO, strlen(HEX_LO), 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	memset(before, 0xee, sizeof(before));
	memcpy(key, before, sizeof(key));
	assert_int_equal(keyfile_load(path, key, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "owned by uid 65534"));
	assert_memory_equal(key, before, sizeof(key));
	/* root's own file is accepted (this is root) */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(keyfile_load(path, key, err, sizeof(err)), 0);
	expect_key(key);
}

static void test_load_bad(void **state)
{
	static const char almost[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e";
	static char big[KEYFILE_MAX + 1];
	uint8_t key[KEY_LEN];
	char err[512], path[PATH_MAX + 64];

	(void)state;
	/* bad content: says so, without echoing it */
	assert_int_equal(keyfile_load(mkfile("short", almost, strlen(almost), 0600), key, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad key"));
	assert_null(strstr(err, "0a0b0c"));
	assert_int_equal(keyfile_load(mkfile("empty", "", 0, 0600), key, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(keyfile_load(mkfile("nul", HEX_LO "\0", sizeof(HEX_LO), 0600), key, err,
				      sizeof(err)), -EINVAL);
	assert_int_equal(keyfile_load(mkfile("two", HEX_LO "\n" HEX_LO "\n",
					     2 * sizeof(HEX_LO), 0600), key, err, sizeof(err)),
			 -EINVAL);
	memset(big, ' ', sizeof(big));
	memcpy(big, HEX_LO, strlen(HEX_LO));
	assert_int_equal(keyfile_load(mkfile("big", big, sizeof(big), 0600), key, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too large"));
	/* exactly KEYFILE_MAX bytes is fine */
	assert_int_equal(keyfile_load(mkfile("max", big, KEYFILE_MAX, 0600), key, err,
				      sizeof(err)), 0);

	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(keyfile_load(path, key, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	assert_int_equal(keyfile_load(dir, key, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	/* a NULL message buffer is allowed with errlen 0 */
	assert_int_equal(keyfile_load(path, key, NULL, 0), -ENOENT);
}

static bool parse_text(const char *text, struct seal_psk *p, char *err, size_t errlen)
{
	char copy[512];

	snprintf(copy, sizeof(copy), "%s", text);
	return keyfile_parse(copy, p, err, errlen);
}

/* The suite line: named suites, the default for files without one, errors naming the line. */
static void test_suite_line(void **state)
{
	static const struct {
		const char *text;
		unsigned suite;
	} good[] = {
		{ B64 "\n", SEAL_SUITE_CHACHA20_POLY1305 },
		{ B64 "\nsuite aes-256-gcm\n", SEAL_SUITE_AES256_GCM },
		{ "suite aes-256-gcm\n" HEX_LO, SEAL_SUITE_AES256_GCM },
		{ "# made by mpclient --genkey\n\n" HEX_UP "\n  suite \tchacha20-poly1305  \r\n",
		  SEAL_SUITE_CHACHA20_POLY1305 },
		{ "\r\n" B64 "\r\nsuite aes-256-gcm", SEAL_SUITE_AES256_GCM },
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ B64 "\nsuite aes-128-gcm\n", "line 2: unknown suite 'aes-128-gcm'" },
		{ B64 "\nsuite\n", "line 2: unknown suite ''" },
		{ B64 "\nsuite aes-256-gcm\nsuite aes-256-gcm\n", "line 3: a second suite" },
		{ B64 "\n" B64 "\n", "line 2: unexpected text" },
		{ "suite aes-256-gcm\n", "no key" },
		{ "# only a comment\n", "no key" },
		{ B64 " suite aes-256-gcm\n", "line 1: bad key" },
		{ B64 "\nsuites aes-256-gcm\n", "line 2: unexpected" },
		{ B64 "\nSUITE aes-256-gcm\n", "line 2: unexpected" },
	};
	struct seal_psk p;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&p, 0xee, sizeof(p));
		if (!parse_text(good[i].text, &p, err, sizeof(err)))
			fail_msg("rejected good key file #%zu: %s", i, err);
		expect_key(p.key);
		assert_int_equal(p.suite, good[i].suite);
		assert_int_equal(p.id, seal_key_id(p.key));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_text(bad[i].text, &p, err, sizeof(err)))
			fail_msg("accepted bad key file #%zu", i);
		if (!strstr(err, bad[i].why))
			fail_msg("bad key file #%zu: '%s' does not say '%s'", i, err, bad[i].why);
		assert_null(strstr(err, "AAECAw"));
	}
}

/* keyfile_format() writes what keyfile_load_psk() reads back; the v1 loader takes it too. */
static void test_format_roundtrip(void **state)
{
	uint8_t key[KEY_LEN], back[KEY_LEN];
	char text[KEYFILE_TEXT_LEN], small[KEYFILE_TEXT_LEN - 1], err[256];
	struct seal_psk p;
	unsigned suite;

	(void)state;
	for (suite = SEAL_SUITE_CHACHA20_POLY1305; suite <= SEAL_SUITE_AES256_GCM; suite++) {
		key_generate(key);
		keyfile_format(key, suite, text, sizeof(text));
		assert_int_equal(strlen(text), 44 + 1 + 6 + strlen(seal_suite_name(suite)) + 1);
		assert_int_equal(keyfile_load_psk(mkfile("fmt", text, strlen(text), 0600), &p, err,
						  sizeof(err)), 0);
		assert_memory_equal(p.key, key, KEY_LEN);
		assert_int_equal(p.suite, suite);
		assert_int_equal(keyfile_load(mkfile("fmt", text, strlen(text), 0600), back, err,
					      sizeof(err)), 0);
		assert_memory_equal(back, key, KEY_LEN);
	}
	keyfile_format(key, SEAL_SUITE_AES256_GCM, small, sizeof(small));
	assert_string_equal(small, "");
	/* errors from the parser carry the path */
	assert_int_equal(keyfile_load_psk(mkfile("badsuite", B64 "\nsuite rot13\n",
						 strlen(B64) + 13, 0600), &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "badsuite: line 2: unknown suite 'rot13'"));
}

/* Write a fresh key file NAME in folder sub (made if needed); returns its path. */
static const char *mkkey(const char *sub, const char *name, unsigned suite, uint8_t key[KEY_LEN])
{
	static char path[PATH_MAX + 128];
	char folder[PATH_MAX + 64], text[KEYFILE_TEXT_LEN];
	int fd;

	snprintf(folder, sizeof(folder), "%s/%s", dir, sub);
	mkdir(folder, 0700);
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	key_generate(key);
	keyfile_format(key, suite, text, sizeof(text));
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
	return path;
}

/* Several key files (mpserver's --key-file given more than once) into a keyset. */
static void test_load_set(void **state)
{
	uint8_t k1[KEY_LEN], k2[KEY_LEN], k3[KEY_LEN];
	char p1[PATH_MAX + 128], p2[PATH_MAX + 128], p3[PATH_MAX + 128], err[1024];
	const char *paths[4];
	struct keyset set;
	const struct seal_psk *p;

	(void)state;
	assert_int_equal(keyset_init(&set, 3), 0);
	snprintf(p1, sizeof(p1), "%s", mkkey("set", "old.key", SEAL_SUITE_AES256_GCM, k1));
	snprintf(p2, sizeof(p2), "%s", mkkey("set", "new.key", SEAL_SUITE_CHACHA20_POLY1305, k2));
	snprintf(p3, sizeof(p3), "%s", mkkey("set", "third.key", SEAL_SUITE_AES256_GCM, k3));
	paths[0] = p1;
	paths[1] = p2;
	assert_int_equal(keyfile_load_set(paths, 2, &set, err, sizeof(err)), 0);
	assert_int_equal(keyset_count(&set), 2);
	p = keyset_find(&set, seal_key_id(k1));
	assert_non_null(p);
	assert_memory_equal(p->key, k1, KEY_LEN);
	assert_int_equal(p->suite, SEAL_SUITE_AES256_GCM);
	p = keyset_find(&set, seal_key_id(k2));
	assert_non_null(p);
	assert_int_equal(p->suite, SEAL_SUITE_CHACHA20_POLY1305);
	/* reloading replaces the set: the old key is gone */
	paths[0] = p2;
	paths[1] = p3;
	assert_int_equal(keyfile_load_set(paths, 2, &set, err, sizeof(err)), 0);
	assert_null(keyset_find(&set, seal_key_id(k1)));
	assert_non_null(keyset_find(&set, seal_key_id(k3)));
	/* the same file twice: refused naming both, the set left empty */
	paths[0] = p1;
	paths[1] = p2;
	paths[2] = p1;
	assert_int_equal(keyfile_load_set(paths, 3, &set, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "the same key twice"));
	assert_non_null(strstr(err, "old.key"));
	assert_int_equal(keyset_count(&set), 0);
	/* a bad file among good ones names it */
	paths[2] = mkfile("notakey.key", "hello\n", 6, 0600);
	assert_int_equal(keyfile_load_set(paths, 3, &set, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "notakey.key: line 1: bad key"));
	assert_int_equal(keyset_count(&set), 0);
	/* more files than room */
	paths[2] = p3;
	paths[3] = mkkey("set", "fourth.key", SEAL_SUITE_AES256_GCM, k3);
	assert_int_equal(keyfile_load_set(paths, 4, &set, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "too many keys"));
	keyset_free(&set);
}

/* A key folder: *.key files only, in name order; its own permissions checked. */
static void test_load_dir(void **state)
{
	uint8_t k1[KEY_LEN], k2[KEY_LEN], k3[KEY_LEN];
	char folder[PATH_MAX + 64], other[PATH_MAX + 128], err[1024];
	struct keyset set;

	(void)state;
	assert_int_equal(keyset_init(&set, 4), 0);
	snprintf(folder, sizeof(folder), "%s/keys", dir);
	mkdir(folder, 0700);
	assert_int_equal(keyfile_load_dir(folder, &set, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no key files"));
	mkkey("keys", "2026-11.key", SEAL_SUITE_AES256_GCM, k1);
	mkkey("keys", "2026-12.key", SEAL_SUITE_AES256_GCM, k2);
	mkkey("keys", "2026-12.key.old", SEAL_SUITE_AES256_GCM, k3);	/* not *.key */
	mkkey("keys", ".hidden.key", SEAL_SUITE_AES256_GCM, k3);
	snprintf(other, sizeof(other), "%s/sub.key", folder);
	mkdir(other, 0700);
	assert_int_equal(keyfile_load_dir(folder, &set, err, sizeof(err)), 0);
	assert_int_equal(keyset_count(&set), 2);
	assert_non_null(keyset_find(&set, seal_key_id(k1)));
	assert_non_null(keyset_find(&set, seal_key_id(k2)));
	assert_null(keyset_find(&set, seal_key_id(k3)));
	/* a rotation step: the old file removed, a reload drops its key */
	snprintf(other, sizeof(other), "%s/2026-11.key", folder);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(keyfile_load_dir(folder, &set, err, sizeof(err)), 0);
	assert_int_equal(keyset_count(&set), 1);
	assert_null(keyset_find(&set, seal_key_id(k1)));
	/* a folder others may write to is refused */
	assert_int_equal(chmod(folder, 0770), 0);
	assert_int_equal(keyfile_load_dir(folder, &set, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "chmod go-w"));
	assert_int_equal(chmod(folder, 0700), 0);
	/* not a folder, missing */
	assert_int_equal(keyfile_load_dir(mkfile("plain", "x", 1, 0600), &set, err,
					  sizeof(err)), -ENOTDIR);
	snprintf(other, sizeof(other), "%s/missing", dir);
	assert_int_equal(keyfile_load_dir(other, &set, err, sizeof(err)), -ENOENT);
	assert_int_equal(keyset_count(&set), 0);
	keyset_free(&set);
	/* more files than the set holds */
	assert_int_equal(keyset_init(&set, 1), 0);
	mkkey("keys", "2027-01.key", SEAL_SUITE_AES256_GCM, k1);
	assert_int_equal(keyfile_load_dir(folder, &set, err, sizeof(err)), -E2BIG);
	keyset_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_generate_format),
		cmocka_unit_test(test_load_ok),
		cmocka_unit_test(test_load_permissions),
		cmocka_unit_test(test_load_owner),
		cmocka_unit_test(test_load_bad),
		cmocka_unit_test(test_suite_line),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_load_set),
		cmocka_unit_test(test_load_dir),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
