/* test_srvconf.c - mpserver's configuration file: every directive, every
 * kind of bad line naming file, line and token, allow rules at their edges
 * (prefix 0, /32, /128, port ranges, v4-mapped), and who may reach what. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tunnel/srvconf.h"

static bool parse(struct srvconf *c, const char *text, char *err, size_t errlen)
{
	struct srvconf_parser p;
	char *copy = strdup(text), *line, *save = NULL;
	bool ok = true;

	srvconf_init(&p, c, "s.conf");
	for (line = strtok_r(copy, "\n", &save); line && ok; line = strtok_r(NULL, "\n", &save))
		ok = srvconf_line(&p, line);
	if (ok)
		ok = srvconf_finish(&p);
	if (!ok)
		snprintf(err, errlen, "%s", p.err);
	free(copy);
	return ok;
}

static void test_good(void **st)
{
	static const char text[] =
		"# mpserver\n"
		"listen [::]:2000\n"
		"listen 127.0.0.1:2001\n"
		"target localhost:6666   # default\n"
		"allow 127.0.0.1:7000-7010\n"
		"map dns 127.0.0.1:53\n"
		"server-id 7\n"
		"max-sessions 10000\n"
		"session-timeout 5m\n"
		"[client alice]\n"
		"key /k/alice.key\n"
		"target 127.0.0.2:6666\n"
		"allow 198.18.0.0/15:*\n"
		"map game 127.0.0.1:27015\n"
		"[client bob]\n"
		"key /k/bob.key\n"
		"key /k/bob-new.key\n";
	struct srvconf c;
	char err[512];

	(void)st;
	if (!parse(&c, text, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(c.nlisten, 2);
	assert_int_equal(c.listen[0].port, 2000);
	assert_string_equal(c.listen[1].host, "127.0.0.1");
	assert_true(c.global.has_target);
	assert_int_equal(c.global.nallow, 1);
	assert_int_equal(c.global.nmaps, 1);
	assert_int_equal(c.server_id, 7);
	assert_int_equal(c.max_sessions, 10000);
	assert_true(c.session_timeout == 300);
	assert_int_equal(c.nclients, 2);
	assert_string_equal(c.clients[0].name, "alice");
	assert_int_equal(c.clients[0].line, 10);
	assert_int_equal(c.clients[1].scope.nkeys, 2);
	assert_string_equal(c.clients[1].scope.keys[1], "/k/bob-new.key");
	assert_int_equal(srvconf_resolve(&c, "s.conf", err, sizeof(err)), 0);
	assert_non_null(srvconf_client(&c, "bob"));
	assert_null(srvconf_client(&c, "carol"));
	srvconf_free(&c);
}

static void test_bad(void **st)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{"frobnicate 1\n", "s.conf:1: unknown keyword 'frobnicate'"},
		{"target localhost\n", "s.conf:1: bad target 'localhost'"},
		{"target a:1\ntarget b:2\n", "s.conf:2: a second 'target' (the first is on line 1)"},
		{"allow example.com:53\n", "s.conf:1: bad allow rule 'example.com:53'"},
		{"allow 10.0.0.0/33:53\n", "s.conf:1: bad allow rule '10.0.0.0/33:53'"},
		{"allow 10.0.0.1:9-8\n", "s.conf:1: bad allow rule '10.0.0.1:9-8'"},
		{"allow 10.0.0.1:0\n", "s.conf:1: bad allow rule"},
		{"map a b c\n", "s.conf:1: 'map' takes NAME HOST:PORT"},
		{"map x 1.2.3.4:1\nmap x 1.2.3.4:2\n", "s.conf:2: name 'x' mapped twice (line 1)"},
		{"server-id 65536\n", "s.conf:1: bad server-id '65536' (1-65535)"},
		{"max-sessions abc\n", "s.conf:1: bad max-sessions 'abc'"},
		{"session-timeout 0\n", "s.conf:1: bad session-timeout '0'"},
		{"target a:1\n[client a]\n", "s.conf:2: client 'a' has no key"},
		{"target a:1\n[client a b]\n", "s.conf:2: bad section '[client'"},
		{"target a:1\n[server x]\n", "s.conf:2: bad section '[server'"},
		{"target a:1\n[client a/b]\n", "s.conf:2: bad client name 'a/b'"},
		{"target a:1\n[client a]\nkey k\n[client a]\n", "s.conf:4: client 'a' defined twice (line 2)"},
		{"target a:1\n[client a]\nlisten 1\n", "s.conf:3: unknown keyword 'listen'"},
		{"listen 1 2\n", "s.conf:1: 'listen' takes one [ADDR:]PORT"},
		{"# nothing\n", "s.conf: no target"},
		{"target a:1\x01\n", "s.conf:1: control byte 0x01"},
	};
	struct srvconf c;
	char err[512];

	(void)st;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&c, bad[i].text, err, sizeof(err)))
			fail_msg("accepted: %s", bad[i].text);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %u: '%s', expected '%s...'", i, err, bad[i].msg);
		srvconf_free(&c);
	}
}

static void test_allow_rules(void **st)
{
	static const struct {
		const char *rule, *addr;
		uint16_t port;
		bool match;
	} cases[] = {
		{"10.1.2.3:53", "10.1.2.3", 53, true},
		{"10.1.2.3:53", "10.1.2.3", 54, false},
		{"10.1.2.3:53", "10.1.2.4", 53, false},
		{"10.0.0.0/8:1-1024", "10.255.255.255", 1024, true},
		{"10.0.0.0/8:1-1024", "10.255.255.255", 1025, false},
		{"10.0.0.0/8:1-1024", "11.0.0.0", 1, false},
		{"198.18.0.0/15:*", "198.19.255.255", 65535, true},
		{"198.18.0.0/15:*", "198.20.0.0", 1, false},
		{"0.0.0.0/0:7", "1.2.3.4", 7, true},
		{"0.0.0.0/0:7", "::1", 7, false},
		{"10.0.0.1:7", "::ffff:10.0.0.1", 7, true},
		{"[::1]:7", "::1", 7, true},
		{"[2001:db8::]/32:*", "2001:db8:ffff::1", 9, true},
		{"[2001:db8::]/33:*", "2001:db8:8000::1", 9, false},
		{"[::]/0:5", "10.0.0.1", 5, false},
	};
	static const char *const bad[] = {
		"10.0.0.1", "10.0.0.1:", ":53", "[::1:53", "[::1]53", "10.0.0.1/:5", "10.0.0.1/8/8:5",
		"300.0.0.1:5", "10.0.0.1:65536", "10.0.0.1:*-5", "[::1]/129:5", "::1:5",
	};
	struct allow_rule r;
	struct addr a;
	const char *err;

	(void)st;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(allow_rule_parse(cases[i].rule, &r));
		assert_int_equal(addr_resolve(cases[i].addr, cases[i].port, false, &a, &err), 0);
		if (allow_rule_match(&r, &a) != cases[i].match)
			fail_msg("%s vs %s:%u", cases[i].rule, cases[i].addr, cases[i].port);
	}
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (allow_rule_parse(bad[i], &r))
			fail_msg("accepted '%s'", bad[i]);
}

static void test_permits(void **st)
{
	static const char text[] =
		"allow 127.0.0.1:7000\n"
		"[client alice]\nkey a\nallow 127.0.0.1:7001\nmap game 127.0.0.1:7002\ntarget 127.0.0.1:7003\n"
		"[client bob]\nkey b\nallow 127.0.0.1:7004\n";
	struct srvconf c;
	struct target t;
	struct addr a, to;
	const struct srv_scope *alice, *bob;
	const char *e;
	char err[512];

	(void)st;
	assert_true(parse(&c, text, err, sizeof(err)));
	assert_int_equal(srvconf_resolve(&c, "s.conf", err, sizeof(err)), 0);
	alice = &srvconf_client(&c, "alice")->scope;
	bob = &srvconf_client(&c, "bob")->scope;
	for (uint16_t port = 7000; port <= 7005; port++) {
		addr_resolve("127.0.0.1", port, false, &a, &e);
		target_from_addr(&t, &a);
		assert_int_equal(srvconf_permits(&c, alice, &t, &to), port == 7000 || port == 7001 || port == 7003);
		assert_int_equal(srvconf_permits(&c, bob, &t, &to), port == 7000 || port == 7004);
		assert_int_equal(srvconf_permits(&c, NULL, &t, &to), port == 7000);
	}
	target_from_name(&t, "game");
	assert_true(srvconf_permits(&c, alice, &t, &to));
	assert_int_equal(addr_port(&to), 7002);
	assert_false(srvconf_permits(&c, bob, &t, &to));
	srvconf_free(&c);
}

static void test_file(void **st)
{
	char path[] = "/tmp/mpt-srvconf.XXXXXX", err[512];
	struct srvconf c;
	int fd = mkstemp(path);

	(void)st;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "target 127.0.0.1:9\nbogus\n", 25), 25);
	close(fd);
	assert_int_equal(srvconf_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: unknown keyword 'bogus'"));
	srvconf_free(&c);
	unlink(path);
	assert_true(srvconf_load(&c, "/nonexistent/x.conf", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/x.conf"));
	srvconf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good), cmocka_unit_test(test_bad),
		cmocka_unit_test(test_allow_rules), cmocka_unit_test(test_permits),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
