/* mpserver.c - command line and wiring of the server end. */
#include "ctlsock.h"
#include "daemon.h"
#include "keyring.h"
#include "keys.h"
#include "keyset.h"
#include "log.h"
#include "params.h"
#include "parse.h"
#include "preflight.h"
#include "server.h"
#include "server_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpserver [options] PORT HOST PORT\n"
		"       mpserver [options] --listen [ADDR:]PORT --target HOST:PORT\n"
		"\n"
		"Receives what mpclient sends over its bridges on UDP PORT, drops the duplicates\n"
		"and forwards one copy of each datagram to HOST PORT (one socket per client\n"
		"flow); replies go back over every live path.\n"
		"\n"
		"  -l, --listen [ADDR:]PORT tunnel port (default: all IPv4 addresses)\n"
		"  -t, --target HOST:PORT   where datagrams are delivered\n"
		"      --max-sessions N     at most N mpclient sessions (default 64)\n"
		"      --session-timeout DUR forget sessions idle this long (default 120s)\n"
		"      --server-id N        routable server id in every datagram (1-65535; default 0)\n"
		"      --key-file FILE      repeatable: each file one key; sessions use any of them\n"
		"      --key-dir DIR        every *.key file in DIR is a key (besides --key-file)\n"
		"SIGHUP and 'mpctl reload' re-read the key files: keys added or removed live;\n"
		"a session under a removed key is closed; a bad file refuses the whole reload.\n"
		"      --fec-max K:M        largest FEC code applied when a client asks for one\n"
		"                           (default 32:32; 0:0: broadcast only)\n"
		"      --fec-depth N        FEC blocks open at once, interleaved (default 4)\n"
		PARAMS_HELP);
}

static int report(const void *arg, struct tunnel_report *r)
{
	return server_report(arg, r);
}

struct reload_ctx {
	struct server *srv;
	const struct tunnel_params *prm;
	unsigned suite_opt;	/* --suite, 0: each key file's own */
};

/* SIGHUP / mpctl reload: the key files again, all or nothing. */
static int reload(void *arg, char *err, size_t errlen)
{
	struct reload_ctx *c = arg;
	struct keyset set;
	int rc;

	rc = keyset_init(&set, KEYRING_MAX);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rc = keys_load_set(c->prm, c->suite_opt, &set, err, errlen);
	if (rc == 0)
		rc = server_keys_replace(&c->srv->core, &set, err, errlen);
	keyset_free(&set);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
		{ "session-timeout", required_argument, NULL, OPT_SESSION_TIMEOUT },
		{ "server-id", required_argument, NULL, OPT_SERVER_ID },
		{ "key-dir", required_argument, NULL, OPT_KEY_DIR },
		{ "fec-max", required_argument, NULL, OPT_FEC_MAX },
		{ "fec-depth", required_argument, NULL, OPT_FEC_DEPTH },
		PARAMS_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tunnel_params prm;
	struct addr listen, target;
	const char *listen_arg = NULL, *target_arg = NULL, *errstr = NULL;
	char lhost[256], thost[256], tbuf[300], err[512];
	uint16_t lport, tport;
	struct ev_loop *loop;
	struct daemon_hooks hooks;
	char ctl_path[CTL_PATH_MAX], ctl_label[64];
	struct server *srv;
	uint8_t psk[SEAL_PSK_LEN];
	struct seal_psk sp = { .suite = 0 };
	struct keyset keys = { .count = 0 };
	struct reload_ctx rctx;
	unsigned suite_opt;
	bool sealed = false;
	int opt, rc;

	log_init(argv[0], LOG_LVL_INFO);
	params_defaults(&prm);
	while ((opt = getopt_long(argc, argv, "l:t:" PARAMS_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_arg = optarg; break;
		case 't': target_arg = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			rc = params_default_option(&prm, opt, optarg);
			if (rc >= 0)
				return rc;
			break;
		}
	}
	log_set_verbosity(prm.verbosity);
	if (prm.syslog && !prm.check)
		log_syslog(true);
	/* the original's form: mpserver PORT HOST PORT */
	if (argc - optind >= 3 && !listen_arg && !target_arg) {
		if (argc - optind > 3) {
			log_warnx("unexpected argument '%s' after PORT HOST PORT", argv[optind + 3]);
			return params_usage_error();
		}
		listen_arg = argv[optind];
		if (!parse_port(argv[optind + 2], false, &tport)) {
			log_warnx("bad target port '%s' (expected 1-65535)", argv[optind + 2]);
			return params_usage_error();
		}
		snprintf(tbuf, sizeof(tbuf), strchr(argv[optind + 1], ':') ? "[%s]:%s" : "%s:%s",
			 argv[optind + 1], argv[optind + 2]);
		target_arg = tbuf;
	} else if (argc - optind > 0) {
		log_warnx("unexpected argument '%s'", argv[optind]);
		return params_usage_error();
	}
	if (!listen_arg || !target_arg) {
		log_warnx("%s", !listen_arg ? "no tunnel port: give PORT HOST PORT or --listen"
					    : "no target: give PORT HOST PORT or --target");
		return params_usage_error();
	}
	if (!parse_hostport(listen_arg, true, lhost, sizeof(lhost), &lport)) {
		log_warnx("bad port '%s' (expected PORT or ADDR:PORT)", listen_arg);
		return params_usage_error();
	}
	if (!parse_hostport(target_arg, false, thost, sizeof(thost), &tport) || !*thost) {
		log_warnx("bad target '%s' (expected HOST:PORT)", target_arg);
		return params_usage_error();
	}
	if (!params_validate(&prm))
		return params_usage_error();
	suite_opt = prm.suite;	/* --suite overrides the key files' suite lines */
	if (prm.key_file || prm.key_dir) {
		/* every key file now (-n checks them all), each one key */
		if (seal_init() != 0 || keyset_init(&keys, KEYRING_MAX) != 0) {
			log_warnx("cannot initialise libsodium");
			keyset_free(&keys);
			return 1;
		}
		rc = keys_load_set(&prm, suite_opt, &keys, err, sizeof(err));
		if (rc) {
			log_warnx("%s", err);
			goto config_error;	/* a configuration error, like a bad config file */
		}
		sp = *keyset_at(&keys, 0);
		sealed = true;
	} else {
		rc = keys_setup_psk(&prm, &sp, &sealed);	/* MPTUNNEL_ENCRYPT without a key */
		if (rc)
			return rc;
	}
	if (sealed) {
		memcpy(psk, sp.key, sizeof(psk));
		prm.suite = sp.suite;
	}
	seal_psk_wipe(&sp);
	if (addr_resolve(lhost, lport, true, &listen, &errstr) != 0) {
		log_warnx("cannot resolve local address '%s': %s", lhost, errstr);
		goto config_error;
	}
	if (addr_resolve(thost, tport, false, &target, &errstr) != 0) {
		log_warnx("cannot resolve target '%s': %s", thost, errstr);
		goto config_error;
	}
	/* what start will do, tried now: -n and start fail alike, with exit 2 */
	if (preflight_peer(&target, err, sizeof(err)) != 0) {
		log_warnx("target %s: %s", target_arg, err);
		goto config_error;
	}
	if (preflight_listen(&listen, err, sizeof(err)) != 0 ||
	    preflight_stats(prm.stats_file, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		goto config_error;
	}
	if (prm.check) {
		if (sealed)
			printf("configuration OK: listen %s, target %s, encrypted (%u keys)\n",
			       listen_arg, target_arg, keyset_count(&keys));
		else
			printf("configuration OK: listen %s, target %s, not encrypted\n", listen_arg,
			       target_arg);
		keyset_free(&keys);
		return 0;
	}

	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop)
		fatalx("cannot initialise libev");
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		fatalx("out of memory");
	rc = server_init(srv, loop, &prm, &listen, &target, sealed ? psk : NULL);
	memset(psk, 0, sizeof(psk));
	if (rc == 0 && sealed) {
		rc = server_keys_replace(&srv->core, &keys, err, sizeof(err));	/* all of them */
		if (rc)
			log_warnx("cannot hold the keys");
	}
	keyset_free(&keys);
	if (rc)
		return 1;
	if (sealed)
		log_info("listening on %s, forwarding to %s, encrypted (%u keys)", listen_arg,
			 target_arg, keyset_count(&srv->core.keys.set));
	else
		log_info("listening on %s, forwarding to %s, not encrypted", listen_arg, target_arg);
	if (!sealed)
		log_warnx("no key: forwarding unauthenticated traffic from anyone who can reach "
			  "port %u (see --key-file)", (unsigned)lport);
	server_start(srv);
	hooks = (struct daemon_hooks){ .report = report, .arg = srv, .stats_file = prm.stats_file };
	if (sealed) {
		rctx = (struct reload_ctx){ .srv = srv, .prm = &prm, .suite_opt = suite_opt };
		hooks.reload = reload;
		hooks.reload_arg = &rctx;
	}
	daemon_hooks_control(&hooks, &prm, "mpserver", lport, ctl_path, sizeof(ctl_path), ctl_label,
			     sizeof(ctl_label));
	rc = daemon_run(loop, &hooks);
	server_stop(srv);
	server_free(srv);
	free(srv);
	ev_loop_destroy(loop);
	return rc;
config_error:
	keyset_free(&keys);
	return 2;
}
