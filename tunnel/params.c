/* params.c - shared options of mpclient and mpserver. */
#include "params.h"
#include "keys.h"
#include "log.h"
#include "parse.h"
#include "seal.h"
#include "window.h"

#include <stdio.h>
#include <string.h>

void params_defaults(struct tunnel_params *p)
{
	memset(p, 0, sizeof(*p));
	p->window = WINDOW_DEFAULT;
	p->keepalive = 1.0;
	p->path_timeout = 3.0;
	p->idle_timeout = 120.0;
	p->session_timeout = 120.0;
	p->max_sessions = 64;
	p->max_flows = 256;
	p->key_grace = PARAMS_KEY_GRACE;
	p->verbosity = 2;	/* LOG_LVL_INFO */
	p->red.mode = WIRE_RED_BROADCAST;
	p->red.wait_us = RED_WAIT_DEFAULT_US;
	p->red.target = RED_TARGET_DEFAULT;
	p->fec_depth = RED_DEPTH_DEFAULT;
	p->fec_max_k = p->fec_max_m = 32;
}

static int bad(const char *opt, const char *arg, const char *what)
{
	log_warnx("bad %s '%s' (%s)", opt, arg, what);
	return -1;
}

int params_option(struct tunnel_params *p, int opt, const char *arg)
{
	unsigned u;

	switch (opt) {
	case OPT_WINDOW:
		if (!parse_uint(arg, WINDOW_MIN, WINDOW_MAX, &u) || u % 64)
			return bad("--window", arg, "a multiple of 64 from 64 to 1048576");
		p->window = u;
		return 1;
	case OPT_KEEPALIVE:
		if (!parse_duration(arg, 1.0, 3600, &p->keepalive) || p->keepalive < 0.01)
			return bad("--keepalive", arg, "a duration from 10ms to 1h");
		return 1;
	case OPT_PATH_TIMEOUT:
		if (!parse_duration(arg, 1.0, 3600, &p->path_timeout) || p->path_timeout < 0.05)
			return bad("--path-timeout", arg, "a duration from 50ms to 1h");
		return 1;
	case OPT_IDLE_TIMEOUT:
		if (!parse_duration(arg, 1.0, 86400, &p->idle_timeout) || p->idle_timeout < 1)
			return bad("--idle-timeout", arg, "a duration from 1s to 1d");
		return 1;
	case OPT_SESSION_TIMEOUT:
		if (!parse_duration(arg, 1.0, 86400, &p->session_timeout) ||
		    p->session_timeout < 1)
			return bad("--session-timeout", arg, "a duration from 1s to 1d");
		return 1;
	case OPT_MAX_SESSIONS:
		if (!parse_uint(arg, 1, 65536, &p->max_sessions))
			return bad("--max-sessions", arg, "a number from 1 to 65536");
		return 1;
	case OPT_MAX_FLOWS:
		if (!parse_uint(arg, 1, 65536, &p->max_flows))
			return bad("--max-flows", arg, "a number from 1 to 65536");
		return 1;
	case OPT_SNDBUF:
	case OPT_RCVBUF:
		if (!parse_uint(arg, 4096, 1u << 30, &u))
			return bad(opt == OPT_SNDBUF ? "--sndbuf" : "--rcvbuf", arg,
				   "bytes from 4096 to 1073741824");
		if (opt == OPT_SNDBUF)
			p->sndbuf = (int)u;
		else
			p->rcvbuf = (int)u;
		return 1;
	case OPT_REDUNDANCY: {
		uint32_t wait = p->red.wait_us;
		double target = p->red.target;

		if (strcmp(arg, "auto") == 0) {
			p->red.mode = WIRE_RED_AUTO;
			p->red.k = p->red.m = 0;
			return 1;
		}
		if (!redundancy_parse(arg, &p->red))
			return bad("--redundancy", arg,
				   "broadcast, auto or fec:K:M with K, M from 1 to 64, K + M <= 128");
		p->red.wait_us = wait;
		p->red.target = target;
		return 1;
	}
	case OPT_TARGET_LOSS: {
		double t;

		if (!parse_double(arg, 1e-9, 0.5, &t))
			return bad("--target-loss", arg, "a residual loss ratio from 1e-9 to 0.5 (e.g. 1e-3)");
		p->red.target = t;
		return 1;
	}
	case OPT_FEC_WAIT: {
		double d;

		if (!parse_duration(arg, 0.001, 1.0, &d) || d < 0.0001)
			return bad("--fec-wait", arg,
				   "a duration from 100us to 1s (a bare number is milliseconds)");
		p->red.wait_us = (uint32_t)(d * 1e6 + 0.5);
		return 1;
	}
	case OPT_FEC_DEPTH:
		if (!parse_uint(arg, 1, FEC_DEPTH_MAX, &p->fec_depth))
			return bad("--fec-depth", arg, "a number from 1 to 32");
		return 1;
	case OPT_FEC_MAX: {
		unsigned k, m;
		char tail;

		if (strspn(arg, "0123456789:") != strlen(arg) ||
		    sscanf(arg, "%3u:%3u%c", &k, &m, &tail) != 2 ||
		    !((k == 0 && m == 0) || fec_code_valid(k, m)))
			return bad("--fec-max", arg, "K:M with K, M from 1 to 64, K + M <= 128, or 0:0");
		p->fec_max_k = k;
		p->fec_max_m = m;
		return 1;
	}
	case OPT_STATS:
		if (!*arg)
			return bad("--stats", arg, "a file name");
		p->stats_file = arg;
		return 1;
	case OPT_KEY_FILE:
		if (!*arg)
			return bad("--key-file", arg, "a file name");
		if (p->nkey_files >= PARAMS_MAX_KEY_FILES) {
			log_warnx("too many --key-file (at most %d; a --key-dir holds more)",
				  PARAMS_MAX_KEY_FILES);
			return -1;
		}
		if (!p->key_file)
			p->key_file = arg;
		p->key_files[p->nkey_files++] = arg;
		return 1;
	case OPT_KEY_DIR:
		if (!*arg)
			return bad("--key-dir", arg, "a folder");
		p->key_dir = arg;
		return 1;
	case OPT_KEY_GRACE:
		if (!parse_duration(arg, 1.0, 86400, &p->key_grace))
			return bad("--key-grace", arg, "a duration up to 1 day, e.g. 60s");
		return 1;
	case OPT_SYSLOG:
		p->syslog = true;
		return 1;
	case OPT_CONTROL:
		if (!*arg || strlen(arg) >= 108)
			return bad("--control", arg, "a socket path of at most 107 bytes");
		p->control = arg;
		return 1;
	case OPT_NO_CONTROL:
		p->no_control = true;
		return 1;
	case OPT_METRICS: {
		char host[256];
		uint16_t port;
		if (!parse_hostport(arg, true, host, sizeof(host), &port))
			return bad("--metrics", arg, "[ADDR:]PORT");
		p->metrics = arg;
		return 1;
	}
	case OPT_SUITE: {
		enum seal_suite su;

		if (!seal_suite_parse(arg, &su))
			return bad("--suite", arg, "aes-256-gcm or chacha20-poly1305");
		p->suite = (uint8_t)su;
		return 1;
	}
	case OPT_SERVER_ID:
		if (!parse_uint(arg, 0, 65535, &u))
			return bad("--server-id", arg, "a number from 0 to 65535");
		p->server_id = (uint16_t)u;
		return 1;
	case 'n':
		p->check = true;
		return 1;
	case 'v':
		p->verbosity++;
		return 1;
	case 'q':
		p->verbosity = 0;
		return 1;
	}
	return 0;
}

bool params_validate(const struct tunnel_params *p)
{
	if (p->path_timeout <= p->keepalive) {
		log_warnx("--path-timeout (%gs) must be longer than --keepalive (%gs)",
			  p->path_timeout, p->keepalive);
		return false;
	}
	return true;
}

int params_usage_error(void)
{
	fprintf(stderr, "Try '%s --help'.\n", log_progname());
	return 2;
}

int params_default_option(struct tunnel_params *p, int opt, const char *arg)
{
	switch (opt) {
	case 'V':
		printf("%s %s\n", log_progname(), MPT_VERSION);
		return 0;
	case OPT_GENKEY:
		return keys_genkey(arg);
	}
	if (params_option(p, opt, arg) == 1)
		return -1;
	return params_usage_error();
}

int params_tunnel_buf(int configured)
{
	return configured > 0 ? configured : PARAMS_TUNNEL_BUF;
}
