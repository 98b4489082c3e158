/* test_bridge_opts.c - mpbridge's command line: netem-like settings, per
 * direction, timeline, profiles, units, and every bad token named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/opts.h"

#define NARGS(...) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define PARSE(o, err, ...)                                                              \
	({                                                                              \
		char *av_[] = { "mpbridge", __VA_ARGS__, NULL };                        \
		opts_parse((o), (int)(sizeof(av_) / sizeof(av_[0]) - 1), av_, (err),    \
			   OPTS_ERRLEN);                                                \
	})

static void near(double a, double b)
{
	if (fabs(a - b) > 1e-12)
		fail_msg("%.15g != %.15g", a, b);
}

static void test_values(void **state)
{
	double p;
	uint64_t v;

	(void)state;
	assert_true(parse_percent("20%", &p));
	near(p, 0.2);
	/* netem's reading: a bare number is a percent (tc ... netem loss 1 = 1%) */
	assert_true(parse_percent("0.25", &p));
	near(p, 0.0025);
	assert_true(parse_percent("0.1%", &p));
	near(p, 0.001);
	assert_true(parse_percent("20", &p));
	near(p, 0.2);
	assert_true(parse_percent("1", &p));
	near(p, 0.01);
	assert_true(parse_percent("100", &p));
	near(p, 1.0);
	assert_false(parse_percent("101", &p));
	assert_false(parse_percent("101%", &p));
	assert_false(parse_percent("-1%", &p));
	assert_false(parse_percent("%", &p));
	assert_false(parse_percent("abc", &p));

	assert_true(parse_rate("5mbit", &v));
	assert_int_equal(v, 5000000);
	assert_true(parse_rate("200kbit", &v));
	assert_int_equal(v, 200000);
	assert_true(parse_rate("1mbps", &v));
	assert_int_equal(v, 8000000);
	assert_true(parse_rate("1Gbit", &v));
	assert_int_equal(v, 1000000000);
	assert_true(parse_rate("64kibit", &v));
	assert_int_equal(v, 65536);
	assert_true(parse_rate("1000", &v));
	assert_int_equal(v, 1000);
	assert_false(parse_rate("5mbits", &v));
	assert_false(parse_rate("fast", &v));
	assert_false(parse_rate("mbit", &v));

	assert_true(parse_size("10kb", &v));
	assert_int_equal(v, 10240);
	assert_true(parse_size("1500", &v));
	assert_int_equal(v, 1500);
	assert_true(parse_size("2m", &v));
	assert_int_equal(v, 2 << 20);
	assert_false(parse_size("10kq", &v));
}

static void test_basic(void **state)
{
	struct bridge_opts o;
	char err[OPTS_ERRLEN];

	(void)state;
	assert_true(PARSE(&o, err, "-l", "4000", "-t", "127.0.0.1:5000"));
	assert_int_equal(o.listen_port, 4000);
	assert_string_equal(o.listen_host, "");
	assert_string_equal(o.to_host, "127.0.0.1");
	assert_int_equal(o.to_port, 5000);
	assert_false(impair_cfg_active(&o.base[0]));
	assert_false(o.seed_set);
	opts_free(&o);

	assert_true(PARSE(&o, err, "--listen", "127.0.0.1:4000", "--to", "[::1]:5000", "--seed",
			  "7", "--stats", "s.json", "--pcap", "cap", "--decision-log", "d.log",
			  "-v", "-n", "--source", "9000"));
	assert_string_equal(o.to_host, "::1");
	assert_true(o.seed_set);
	assert_int_equal(o.seed, 7);
	assert_string_equal(o.stats_path, "s.json");
	assert_string_equal(o.pcap_prefix, "cap");
	assert_string_equal(o.declog_path, "d.log");
	assert_true(o.check);
	assert_true(o.have_source);
	assert_int_equal(o.source_port, 9000);
	opts_free(&o);

	assert_true(PARSE(&o, err, "--help"));
	assert_true(o.help);
	opts_free(&o);
	assert_true(PARSE(&o, err, "--version"));
	assert_true(o.version);
	opts_free(&o);
}

static void test_settings(void **state)
{
	struct bridge_opts o;
	char err[OPTS_ERRLEN];
	const struct impair_cfg *c;

	(void)state;
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "20%", "--delay", "50ms",
			  "10ms", "distribution", "normal", "--rate", "5mbit", "burst", "10kb",
			  "--limit", "50", "100kb", "--mtu", "1400", "--reorder", "25%", "gap", "5",
			  "--duplicate", "1%", "20ms", "--corrupt", "0.1%", "--truncate", "2%",
			  "100"));
	for (int d = 0; d < DIR_N; d++) {
		c = &o.base[d];
		assert_int_equal(c->loss.kind, LOSS_RANDOM);
		near(c->loss.p, 0.2);
		near(c->delay, 0.05);
		near(c->jitter, 0.01);
		assert_int_equal(c->dist, DIST_NORMAL);
		assert_false(c->unordered);
		assert_int_equal(c->rate_bps, 5000000);
		assert_int_equal(c->burst, 10240);
		assert_int_equal(c->limit_pkts, 50);
		assert_int_equal(c->limit_bytes, 102400);
		assert_int_equal(c->mtu, 1400);
		near(c->reorder_p, 0.25);
		assert_int_equal(c->reorder_gap, 5);
		near(c->dup_p, 0.01);
		near(c->dup_delay, 0.02);
		near(c->corrupt_p, 0.001);
		near(c->trunc_p, 0.02);
		assert_int_equal(c->trunc_len, 100);
	}
	opts_free(&o);

	/* gemodel and state: netem defaults */
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "gemodel", "1%"));
	c = &o.base[0];
	assert_int_equal(c->loss.kind, LOSS_GE);
	near(c->loss.ge_p, 0.01);
	near(c->loss.ge_r, 0.99);	/* iproute2: r = 1 - p */
	near(c->loss.ge_1h, 1.0);
	near(c->loss.ge_1k, 0.0);
	opts_free(&o);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "gemodel", "1%", "10%",
			  "70%", "0.1%"));
	c = &o.base[1];
	near(c->loss.ge_r, 0.1);
	near(c->loss.ge_1h, 0.7);
	near(c->loss.ge_1k, 0.001);
	opts_free(&o);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "state", "2%"));
	c = &o.base[0];
	assert_int_equal(c->loss.kind, LOSS_STATE);
	near(c->loss.p13, 0.02);
	near(c->loss.p31, 0.98);
	near(c->loss.p32, 0);
	near(c->loss.p23, 1);
	near(c->loss.p14, 0);
	opts_free(&o);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "nth", "10", "--blackout",
			  "5", "10s", "--flap", "3s", "500ms"));
	c = &o.base[0];
	assert_int_equal(c->loss.kind, LOSS_NTH);
	assert_int_equal(c->loss.nth, 10);
	near(c->blackout_start, 5);
	near(c->blackout_end, 10);
	near(c->flap_up, 3);
	near(c->flap_down, 0.5);
	opts_free(&o);
	/* --delay takes tc's units; "unordered" */
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--delay", "30ms", "500us",
			  "unordered"));
	near(o.base[0].delay, 0.03);
	near(o.base[0].jitter, 0.0005);
	assert_true(o.base[0].unordered);
	opts_free(&o);
	/* a bare delay is refused, naming both readings; 0 needs no unit */
	assert_false(PARSE(&o, err, "-l", "1", "-t", "h:2", "--delay", "30"));
	assert_non_null(strstr(err, "--delay: bad delay '30': give a unit, e.g. 30ms or 30us"));
	assert_non_null(strstr(err, "microseconds"));
	opts_free(&o);
	assert_false(PARSE(&o, err, "-l", "1", "-t", "h:2", "--delay", "30ms", "5"));
	assert_non_null(strstr(err, "bad jitter '5'"));
	opts_free(&o);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--delay", "0", "--duplicate", "1",
			  "0"));
	near(o.base[0].delay, 0);
	near(o.base[0].dup_p, 0.01);
	opts_free(&o);
	/* the netem reading of bare loss numbers */
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "1"));
	near(o.base[0].loss.p, 0.01);
	opts_free(&o);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "0.5"));
	near(o.base[0].loss.p, 0.005);
	opts_free(&o);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss", "gemodel", "5", "20", "80",
			  "1"));
	near(o.base[0].loss.ge_p, 0.05);
	near(o.base[0].loss.ge_r, 0.2);
	near(o.base[0].loss.ge_1h, 0.8);
	near(o.base[0].loss.ge_1k, 0.01);
	opts_free(&o);
	/* --opt=value for every long option, settings included */
	assert_true(PARSE(&o, err, "--listen=4000", "--to=h:2", "--seed=9", "--loss=5%",
			  "--delay=10ms", "2ms", "--dir=s2c", "--rate=1mbit", "--at=3s", "--down"));
	assert_int_equal(o.listen_port, 4000);
	assert_int_equal(o.seed, 9);
	near(o.base[DIR_C2S].loss.p, 0.05);
	near(o.base[DIR_S2C].jitter, 0.002);
	assert_int_equal(o.base[DIR_S2C].rate_bps, 1000000);
	assert_int_equal(o.base[DIR_C2S].rate_bps, 0);
	assert_int_equal(o.ntl, 1);
	near(o.tl[0].at, 3);
	opts_free(&o);
	assert_false(PARSE(&o, err, "-l", "1", "-t", "h:2", "--loss=bogus"));
	assert_non_null(strstr(err, "bogus"));
	opts_free(&o);
	/* netem slot */
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--slot", "1ms", "3ms", "packets",
			  "8", "bytes", "12kb"));
	near(o.base[0].slot_min, 0.001);
	near(o.base[0].slot_max, 0.003);
	assert_int_equal(o.base[0].slot_packets, 8);
	assert_int_equal(o.base[0].slot_bytes, 12288);
	assert_true(impair_cfg_needs_queue(&o.base[0]));
	opts_free(&o);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--slot", "2ms", "--slot", "none"));
	assert_false(impair_cfg_slotted(&o.base[0]));
	opts_free(&o);
}

static void test_directions(void **state)
{
	struct bridge_opts o;
	char err[OPTS_ERRLEN];

	(void)state;
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--delay", "10ms", "--dir", "c2s",
			  "--loss", "20%", "--dir", "s2c", "--loss", "5%", "--dir", "both",
			  "--mtu", "1000"));
	near(o.base[DIR_C2S].loss.p, 0.2);
	near(o.base[DIR_S2C].loss.p, 0.05);
	near(o.base[DIR_C2S].delay, 0.01);
	near(o.base[DIR_S2C].delay, 0.01);
	assert_int_equal(o.base[DIR_C2S].mtu, 1000);
	assert_int_equal(o.base[DIR_S2C].mtu, 1000);
	opts_free(&o);
}

static void test_timeline(void **state)
{
	struct bridge_opts o;
	char err[OPTS_ERRLEN];
	char path[] = "/tmp/mpb-tl-XXXXXX";
	int fd;
	FILE *f;

	(void)state;
	/* --at steps: sorted, each on top of the one before; global options anywhere */
	assert_true(PARSE(&o, err, "-l", "1", "--loss", "1%", "--at", "10s", "--up", "--at",
			  "5", "--dir", "c2s", "--down", "-t", "h:2", "--at", "12s", "--clear"));
	assert_int_equal(o.ntl, 3);
	near(o.tl[0].at, 5);
	assert_true(o.tl[0].cfg[DIR_C2S].down);
	assert_false(o.tl[0].cfg[DIR_S2C].down);
	near(o.tl[0].cfg[DIR_S2C].loss.p, 0.01);
	near(o.tl[1].at, 10);
	assert_false(o.tl[1].cfg[DIR_C2S].down);
	near(o.tl[1].cfg[DIR_C2S].loss.p, 0.01);
	near(o.tl[2].at, 12);
	assert_false(impair_cfg_active(&o.tl[2].cfg[DIR_C2S]));
	assert_false(impair_cfg_active(&o.tl[2].cfg[DIR_S2C]));
	near(o.base[DIR_C2S].loss.p, 0.01);
	assert_false(o.base[DIR_C2S].down);
	opts_free(&o);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# path 2 goes dark at 5 s, back at 10 s\n\n5s --down\n10s --up   # back\n"
		   "7 --dir s2c --delay 100ms\n");
	fclose(f);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--timeline", path));
	assert_int_equal(o.ntl, 3);
	near(o.tl[1].at, 7);
	assert_true(o.tl[1].cfg[DIR_C2S].down);
	near(o.tl[1].cfg[DIR_S2C].delay, 0.1);
	near(o.tl[1].cfg[DIR_C2S].delay, 0);
	assert_false(o.tl[2].cfg[DIR_S2C].down);
	near(o.tl[2].cfg[DIR_S2C].delay, 0.1);
	opts_free(&o);

	/* a bad line is named with file and line */
	f = fopen(path, "w");
	fprintf(f, "1s --down\n2s --loss 150%%\n");
	fclose(f);
	assert_false(PARSE(&o, err, "-l", "1", "-t", "h:2", "--timeline", path));
	assert_non_null(strstr(err, ":2:"));
	assert_non_null(strstr(err, "'150%'"));
	opts_free(&o);
	unlink(path);
}

static void test_profiles(void **state)
{
	struct bridge_opts o;
	char err[OPTS_ERRLEN], dir[] = "/tmp/mpb-prof-XXXXXX", path[512];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/testprof", dir);
	f = fopen(path, "w");
	fprintf(f, "# a test profile\n--loss gemodel 1%% 10%%\n--dir s2c\n--delay 20ms\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/badprof", dir);
	f = fopen(path, "w");
	fprintf(f, "--loss 1%%\n--delay soon\n");
	fclose(f);
	setenv("MPBRIDGE_PROFILES", dir, 1);
	/* the profile's --dir does not leak out of it */
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--profile", "testprof", "--mtu",
			  "900"));
	assert_int_equal(o.base[DIR_C2S].loss.kind, LOSS_GE);
	near(o.base[DIR_S2C].delay, 0.02);
	near(o.base[DIR_C2S].delay, 0);
	assert_int_equal(o.base[DIR_C2S].mtu, 900);
	opts_free(&o);
	assert_false(PARSE(&o, err, "-l", "1", "-t", "h:2", "--profile", "badprof"));
	assert_non_null(strstr(err, "badprof:2"));
	assert_non_null(strstr(err, "'soon'"));
	opts_free(&o);
	assert_false(PARSE(&o, err, "-l", "1", "-t", "h:2", "--profile", "nosuch"));
	assert_non_null(strstr(err, "'nosuch'"));
	opts_free(&o);
	unsetenv("MPBRIDGE_PROFILES");
	unlink(path);
	snprintf(path, sizeof(path), "%s/testprof", dir);
	unlink(path);
	rmdir(dir);
}

static void test_dist_table(void **state)
{
	struct bridge_opts o;
	char err[OPTS_ERRLEN], path[] = "/tmp/mpb-dist-XXXXXX";
	int fd;
	FILE *f;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# a netem-style table\n-8192 0 8192\n  4096\n");
	fclose(f);
	assert_true(PARSE(&o, err, "-l", "1", "-t", "h:2", "--delay", "10ms", "2ms",
			  "distribution", path));
	assert_int_equal(o.base[0].dist, DIST_TABLE);
	assert_int_equal(o.base[0].dist_n, 4);
	assert_int_equal(o.base[0].dist_tab[0], -8192);
	assert_int_equal(o.base[0].dist_tab[3], 4096);
	opts_free(&o);
	f = fopen(path, "w");
	fprintf(f, "1 2 3\n4 five 6\n");
	fclose(f);
	assert_false(PARSE(&o, err, "-l", "1", "-t", "h:2", "--delay", "10ms", "2ms",
			   "distribution", path));
	assert_non_null(strstr(err, ":2: bad entry 'five'"));
	opts_free(&o);
	unlink(path);
}

/* every bad token is rejected and named */
static void test_bad_tokens(void **state)
{
	static const struct {
		const char *tok;	/* must appear in the message */
		char *args[14];	/* argv is not const (getopt) */
	} cases[] = {
		{ "abc", { "-l", "abc", "-t", "h:2" } },
		{ "99999", { "-l", "99999", "-t", "h:2" } },
		{ "h:0", { "-l", "1", "-t", "h:0" } },
		{ "noport", { "-l", "1", "-t", "noport" } },
		{ "--listen", { "-t", "h:2" } },
		{ "--to", { "-l", "1" } },
		{ "-x", { "-l", "1", "-t", "h:2", "-x" } },
		{ "--bogus", { "-l", "1", "-t", "h:2", "--bogus" } },
		{ "stray", { "-l", "1", "-t", "h:2", "stray" } },
		{ "-1", { "-l", "1", "-t", "h:2", "--seed", "-1" } },
		{ "--seed", { "-l", "1", "-t", "h:2", "--seed" } },
		{ "101", { "-l", "1", "-t", "h:2", "--loss", "101" } },
		{ "3ms", { "-l", "1", "-t", "h:2", "--slot", "3ms", "1ms" } },
		{ "5", { "-l", "1", "-t", "h:2", "--slot", "5" } },
		{ "lots", { "-l", "1", "-t", "h:2", "--slot", "1ms", "packets", "lots" } },
		{ "--bogus=1", { "-l", "1", "-t", "h:2", "--bogus=1" } },
		{ "/nonexistent/x.trace", { "-l", "1", "-t", "h:2", "--trace", "/nonexistent/x.trace" } },
		{ "none", { "-l", "1", "-t", "h:2", "--trace", "none", "none" } },
		{ "bogus", { "-l", "1", "-t", "h:2", "--learn", "bogus" } },
		{ "3,0s,1s", { "-l", "1", "-t", "h:2", "--learn", "3,0s,1s" } },
		{ "120%", { "-l", "1", "-t", "h:2", "--loss", "120%" } },
		{ "25%", { "-l", "1", "-t", "h:2", "--loss", "20%", "25%" } },
		{ "bogus", { "-l", "1", "-t", "h:2", "--loss", "bogus", "1%" } },
		{ "x%", { "-l", "1", "-t", "h:2", "--loss", "gemodel", "1%", "x%" } },
		{ "5%", { "-l", "1", "-t", "h:2", "--loss", "gemodel", "1%", "1%", "1%", "1%", "5%" } },
		{ "missing", { "-l", "1", "-t", "h:2", "--loss", "gemodel" } },
		{ "p13 + p14", { "-l", "1", "-t", "h:2", "--loss", "state", "60%", "1%", "0", "1",
				 "50%" } },
		{ "0", { "-l", "1", "-t", "h:2", "--loss", "nth", "0" } },
		{ "--loss", { "-l", "1", "-t", "h:2", "--loss" } },
		{ "fast", { "-l", "1", "-t", "h:2", "--delay", "fast" } },
		{ "lots", { "-l", "1", "-t", "h:2", "--delay", "10ms", "lots" } },
		{ "gaussian", { "-l", "1", "-t", "h:2", "--delay", "10ms", "1ms", "distribution",
				"gaussian" } },
		{ "10x", { "-l", "1", "-t", "h:2", "--delay", "10ms", "10x" } },
		{ "often", { "-l", "1", "-t", "h:2", "--reorder", "often" } },
		{ "0", { "-l", "1", "-t", "h:2", "--reorder", "5%", "gap", "0" } },
		{ "later", { "-l", "1", "-t", "h:2", "--duplicate", "5%", "later" } },
		{ "200", { "-l", "1", "-t", "h:2", "--corrupt", "200" } },
		{ "big", { "-l", "1", "-t", "h:2", "--truncate", "5%", "big" } },
		{ "5mbits", { "-l", "1", "-t", "h:2", "--rate", "5mbit", "burst", "5mbits" } },
		{ "quick", { "-l", "1", "-t", "h:2", "--rate", "quick" } },
		{ "0", { "-l", "1", "-t", "h:2", "--limit", "0" } },
		{ "70000", { "-l", "1", "-t", "h:2", "--mtu", "70000" } },
		{ "up", { "-l", "1", "-t", "h:2", "--dir", "up" } },
		{ "3s", { "-l", "1", "-t", "h:2", "--blackout", "5s", "3s" } },
		{ "needs two", { "-l", "1", "-t", "h:2", "--flap", "1s" } },
		{ "soon", { "-l", "1", "-t", "h:2", "--at", "soon", "--down" } },
		{ "x", { "-l", "1", "-t", "h:2", "--down", "x" } },
		{ "--at 5s", { "-l", "1", "-t", "h:2", "--at", "5s", "--loss", "200%" } },
		{ "/nonexistent", { "-l", "1", "-t", "h:2", "--timeline", "/nonexistent/tl" } },
		{ "abc", { "-l", "1", "-t", "h:2", "--source", "abc" } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *av[16] = { "mpbridge" };
		int ac = 1, k;
		struct bridge_opts o;
		char err[OPTS_ERRLEN] = "";

		for (k = 0; k < 14 && cases[i].args[k]; k++)
			av[ac++] = cases[i].args[k];
		if (opts_parse(&o, ac, av, err, sizeof(err)))
			fail_msg("case %zu accepted (want error naming '%s')", i, cases[i].tok);
		if (!strstr(err, cases[i].tok))
			fail_msg("case %zu: message '%s' does not name '%s'", i, err, cases[i].tok);
		opts_free(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_dist_table),
		cmocka_unit_test(test_bad_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
