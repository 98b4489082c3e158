/* test_config.c - mpclient's bridge list: both seed forms and every kind of bad line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tunnel/config.h"

static struct client_config cfg;
static char err[2048];

static bool parse(const char *text)
{
	err[0] = '\0';
	return config_parse_buffer(&cfg, "test.conf", text, strlen(text), err, sizeof(err));
}

static void test_seed_form_with_blank_line(void **st)
{
	(void)st;
	/* README form: a comment, a blank line, three bridges */
	assert_true(parse("# mptunnel\n\nlocalhost 4001\nlocalhost 4002\nlocalhost 4003\n"));
	assert_int_equal(cfg.nbridges, 3);
	assert_string_equal(cfg.bridges[0].host, "localhost");
	assert_int_equal(cfg.bridges[0].port, 4001);
	assert_int_equal(cfg.bridges[0].line, 3);
	assert_int_equal(cfg.bridges[2].port, 4003);
}

static void test_seed_form_compact(void **st)
{
	(void)st;
	/* blog form: comment then lines, no blank; the English README's hosts */
	assert_true(parse("# mptunnel\nlocalhost 4001\nlocalhost 4002\nlocalhost 4003"));
	assert_int_equal(cfg.nbridges, 3);
	assert_true(parse("1.1.1.1 4000\nbridge1.myhost.com 4000\nbridge2.myhost.com 4000\n"));
	assert_int_equal(cfg.nbridges, 3);
	assert_string_equal(cfg.bridges[1].host, "bridge1.myhost.com");
}

static void test_other_forms(void **st)
{
	(void)st;
	assert_true(parse("  localhost\t4001   # trailing comment\r\n"
			  "127.0.0.1:4002\n[::1]:4003\n::1 4004\n   \n#only\n"));
	assert_int_equal(cfg.nbridges, 4);
	assert_int_equal(cfg.bridges[1].port, 4002);
	assert_string_equal(cfg.bridges[2].host, "::1");
	assert_string_equal(cfg.bridges[3].host, "::1");
}

struct bad_case {
	const char *text;
	const char *want;	/* substring of the message */
};

static void test_bad_lines(void **st)
{
	static const struct bad_case cases[] = {
		{ "localhost 4001\nlocalhost abc\n", "test.conf:2: bad port 'abc'" },
		{ "localhost 0\n", "test.conf:1: bad port '0'" },
		{ "localhost 65536\n", "bad port '65536'" },
		{ "localhost -1\n", "bad port '-1'" },
		{ "localhost\n", "test.conf:1: expected 'HOST PORT', got 'localhost'" },
		{ "localhost 4001 extra\n", "unexpected 'extra'" },
		{ "\n\nlocal/host 4001\n", "test.conf:3: bad host 'local/host'" },
		{ "localhost 4001\nlocalhost 4001\n", "test.conf:2: duplicate bridge 'localhost 4001'" },
		{ "# nothing\n\n", "no bridges" },
		{ "", "no bridges" },
		{ "localhost 4001\x01\n", "control byte 0x01" },
		{ "host:abc\n", "bad port 'abc'" },
		{ "[::1]4001\n", "bad" },
		/* bytes that are not UTF-8 are named as such, not as control bytes */
		{ "b\xc3" "cher.example 4001\n", "test.conf:1: invalid UTF-8 byte 0xc3" },
		{ "\xc0\xaf 4001\n", "invalid UTF-8 byte 0xc0" },	/* overlong '/' */
		{ "\xed\xa0\x80 4001\n", "invalid UTF-8 byte 0xed" },	/* surrogate */
		{ "h\xf4\x90\x80\x80 4001\n", "invalid UTF-8 byte 0xf4" },	/* > U+10FFFF */
		{ "h 4001 \xe2\x82\n", "invalid UTF-8 byte 0xe2" },	/* cut short */
		{ "h 4001\x7f\n", "control byte 0x7f" },
	};
	unsigned i;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].text))
			fail_msg("case %u accepted", i);
		if (!strstr(err, cases[i].want))
			fail_msg("case %u: message '%s' lacks '%s'", i, err, cases[i].want);
	}
}

static void test_utf8(void **st)
{
	(void)st;
	/* an internationalised host name is kept as written (resolved as IDN) */
	assert_true(parse("b\xc3\xbc" "cher.example 4001\n"));
	assert_int_equal(cfg.nbridges, 1);
	assert_string_equal(cfg.bridges[0].host, "b\xc3\xbc" "cher.example");
	/* UTF-8 in comments, 3- and 4-byte sequences */
	assert_true(parse("# \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\nh 1 # \xe2\x82\xac\n"));
	assert_true(parse("\xe2\x82\xac.example 1\n"));
}

static void test_limits(void **st)
{
	static char text[64 * 1024];
	size_t off = 0;
	unsigned i;

	(void)st;
	for (i = 0; i < CONFIG_MAX_BRIDGES; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "h %u\n", 1000 + i);
	assert_true(parse(text));
	assert_int_equal(cfg.nbridges, CONFIG_MAX_BRIDGES);
	snprintf(text + off, sizeof(text) - off, "h 9999\n");
	assert_false(parse(text));
	assert_non_null(strstr(err, "too many bridges"));

	/* an over-long line */
	memset(text, 'a', 2000);
	memcpy(text + 2000, " 1\n", 4);
	assert_false(parse(text));
	assert_non_null(strstr(err, "test.conf:1: line too long"));

	/* a NUL inside the buffer */
	assert_false(config_parse_buffer(&cfg, "x", "h 1\n\0h 2\n", 9, err, sizeof(err)));
	assert_non_null(strstr(err, "x:2: unexpected NUL"));
}

static void test_command_line_bridges(void **st)
{
	struct config_parser p;

	(void)st;
	config_init(&p, &cfg, "--bridge");
	assert_true(config_add_bridge(&p, "localhost:4001"));
	assert_true(config_add_bridge(&p, "[::1]:4002"));
	assert_false(config_add_bridge(&p, "localhost"));
	assert_false(config_add_bridge(&p, "localhost:x"));
	assert_non_null(strstr(p.err, "bad port 'x'"));
	assert_false(config_add_bridge(&p, "localhost:4001"));
	assert_non_null(strstr(p.err, "duplicate"));
	assert_true(config_finish(&p));
	assert_int_equal(cfg.nbridges, 2);
}

/* dev=, src=, bridge=: on the command line and in the file, errors naming the token */
static void test_paths(void **st)
{
	struct config_parser p;
	static const char good[] = "dev=veth1,src=198.18.0.2,bridge=198.18.9.1:4001\n"
				   "dev=veth2 bridge=198.18.9.1:4001\n"
				   "src=::1,bridge=[::1]:4002\n"
				   "198.18.9.1 4001\n";
	static const struct { const char *spec, *msg; } bad[] = {
		{ "dev=veth1", "without bridge" },
		{ "dev=veth1,bridge=x", "expected HOST:PORT" },
		{ "dev=veth1,bridge=h:0", "bad port '0'" },
		{ "dev=a/b,bridge=h:1", "bad interface name 'a/b'" },
		{ "dev=0123456789abcdef,bridge=h:1", "bad interface name '0123456789abcdef'" },
		{ "dev=,bridge=h:1", "bad interface name ''" },
		{ "src=1.2.3,bridge=h:1", "bad source address '1.2.3'" },
		{ "src=host,bridge=h:1", "bad source address 'host'" },
		{ "via=x,bridge=h:1", "unknown path item 'via=x'" },
		{ "dev=a,dev=b,bridge=h:1", "'dev=' given twice" },
		{ "dev=a,,bridge=h:1", "empty item" },
		{ "dev=a,bridge=h:1,", "empty item" },
		{ "dev=a,junk,bridge=h:1", "bad path item 'junk'" },
	};
	unsigned i;

	(void)st;
	config_init(&p, &cfg, "--path");
	assert_true(config_add_bridge(&p, "dev=wwan0,bridge=localhost:4001"));
	assert_true(config_add_bridge(&p, "bridge=localhost:4001,dev=wlan0"));
	assert_true(config_add_bridge(&p, "localhost:4001"));	/* unbound: a third path */
	assert_false(config_add_bridge(&p, "dev=wlan0,bridge=localhost:4001"));
	assert_non_null(strstr(p.err, "duplicate bridge 'wlan0 localhost 4001'"));
	assert_int_equal(cfg.nbridges, 3);
	assert_string_equal(cfg.bridges[0].dev, "wwan0");
	assert_string_equal(cfg.bridges[1].dev, "wlan0");
	assert_string_equal(cfg.bridges[2].dev, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(config_add_bridge(&p, bad[i].spec));
		if (!strstr(p.err, bad[i].msg))
			fail_msg("'%s': got '%s', expected '%s'", bad[i].spec, p.err, bad[i].msg);
	}
	assert_true(config_parse_buffer(&cfg, "c", good, sizeof(good) - 1, err, sizeof(err)));
	assert_int_equal(cfg.nbridges, 4);
	assert_string_equal(cfg.bridges[0].src, "198.18.0.2");
	assert_string_equal(cfg.bridges[1].dev, "veth2");
	assert_string_equal(cfg.bridges[2].host, "::1");
	assert_string_equal(cfg.bridges[2].src, "::1");
	assert_int_equal(cfg.bridges[2].port, 4002);
	assert_string_equal(cfg.bridges[3].host, "198.18.9.1");
	assert_false(config_parse_buffer(&cfg, "c", "localhost 1\ndev=x bridge=h:1 via=y\n", 34,
					 err, sizeof(err)));
	assert_non_null(strstr(err, "c:2: unknown path item 'via=y'"));
}

/* the backup role: a word after HOST PORT / HOST:PORT, an item of a path */
static void test_backup(void **st)
{
	static const char good[] = "localhost 4001\n"
				   "localhost 4002 backup\n"
				   "localhost:4003 backup   # metered\n"
				   "dev=wwan0,bridge=localhost:4004,backup\n"
				   "backup dev=wwan1 bridge=localhost:4005\n"
				   "backup 4006\n";	/* a host named backup */
	static const struct { const char *text, *msg; } bad[] = {
		{ "localhost 4001 backup backup\n", "unexpected 'backup' after HOST PORT" },
		{ "localhost backup\n", "expected 'HOST PORT', got 'localhost'" },
		{ "bridge=h:1,backup,backup\n", "'backup' given twice" },
		{ "bridge=h:1,backup=yes\n", "unknown path item 'backup=yes'" },
		{ "localhost 4001 primary\n", "unexpected 'primary'" },
		{ "localhost 4001\nlocalhost 4001 backup\n", "duplicate bridge" },
	};
	struct config_parser p;
	unsigned i;

	(void)st;
	assert_true(parse(good));
	assert_int_equal(cfg.nbridges, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(cfg.bridges[i].backup, i >= 1 && i <= 4);
	assert_int_equal(cfg.bridges[2].port, 4003);
	assert_string_equal(cfg.bridges[3].dev, "wwan0");
	assert_string_equal(cfg.bridges[5].host, "backup");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(parse(bad[i].text));
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got '%s', expected '%s'", bad[i].text, err, bad[i].msg);
	}
	config_init(&p, &cfg, "--bridge");
	assert_true(config_add_bridge(&p, "localhost:4001 backup"));
	assert_true(config_add_bridge(&p, "bridge=localhost:4002,backup"));
	assert_true(config_add_bridge(&p, "localhost:4003"));
	assert_true(cfg.bridges[0].backup && cfg.bridges[1].backup && !cfg.bridges[2].backup);
}

static void test_load_file(void **st)
{
	char path[] = "/tmp/mpt-config-XXXXXX";
	int fd = mkstemp(path);

	(void)st;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "# mptunnel\nlocalhost 4001\n", 26), 26);
	close(fd);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.nbridges, 1);
	unlink(path);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -2);	/* ENOENT */
	assert_non_null(strstr(err, "No such file"));
}

/* A FIFO or a directory is refused at once; exactly CONFIG_FILE_MAX bytes is fine. */
static void test_load_kinds_and_size(void **st)
{
	static char big[CONFIG_FILE_MAX + 1];
	char dir[] = "/tmp/mpt-config-XXXXXX", path[64];
	size_t off = 0;
	int fd;

	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fifo: not a regular file"));
	unlink(path);
	assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "not a regular file"));

	off += (size_t)snprintf(big, sizeof(big), "localhost 4001\n");
	while (off + 64 <= CONFIG_FILE_MAX) {
		memset(big + off, '#', 63);
		big[off + 63] = '\n';
		off += 64;
	}
	memset(big + off, '#', CONFIG_FILE_MAX - off);
	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, CONFIG_FILE_MAX), (ssize_t)CONFIG_FILE_MAX);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.nbridges, 1);
	assert_int_equal(write(fd, "#", 1), 1);
	close(fd);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "file too large (at most 1 MiB)"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_form_with_blank_line),
		cmocka_unit_test(test_seed_form_compact),
		cmocka_unit_test(test_other_forms),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_command_line_bridges),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_backup),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_kinds_and_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
