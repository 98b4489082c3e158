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
#include "server_access.h"
#include "server_conf.h"
#include "server_keys.h"
#include "workers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpserver [options] PORT HOST PORT\n"
		"       mpserver [options] --listen [ADDR:]PORT --target HOST:PORT\n"
		"       mpserver [options] -c FILE        (clients, keys, targets: mptunnel.conf(5))\n"
		"\n"
		"Receives what mpclient sends over its bridges on UDP PORT, drops the duplicates\n"
		"and forwards one copy of each datagram to HOST PORT (one socket per client\n"
		"flow); replies go back over every live path.\n"
		"\n"
		"  -l, --listen [ADDR:]PORT tunnel port (default: every address, IPv6 and IPv4:\n"
		"                           [::] dual-stack; IPv4 only without IPv6); repeatable\n"
		"                           (at most 8, one worker): replies leave by the address\n"
		"                           a path's datagrams came in on\n"
		"  -t, --target HOST:PORT   where datagrams are delivered (flows naming no target)\n"
		"  -c, --config FILE        clients with their keys, targets, allow rules, maps,\n"
		"                           listen addresses, limits (the command line wins)\n"
		"      --allow ADDR[/LEN]:PORTS  a target clients may name (repeatable; PORTS:\n"
		"                           PORT, PORT-PORT or *; or HOST:PORT)\n"
		"      --max-sessions N     at most N mpclient sessions (default 64)\n"
		"      --session-timeout DUR forget sessions idle this long (default 120s)\n"
		"      --server-id N        routable server id in every datagram (1-65535; default 0)\n"
		"      --key-file FILE      repeatable: each file one key; sessions use any of them\n"
		"      --key-dir DIR        every *.key file in DIR is a key (besides --key-file)\n"
		"SIGHUP and 'mpctl reload' re-read the key files and the config file: clients,\n"
		"keys and targets added or removed live; a session under a removed key is\n"
		"closed; an error anywhere refuses the whole reload.\n"
		"      --fec-max K:M        largest FEC code applied when a client asks for one\n"
		"                           (default 32:32; 0:0: broadcast only)\n"
		"      --fec-depth N        FEC blocks open at once, interleaved (default 4)\n"
		"      --workers N|auto     N threads, each with its own event loop and socket;\n"
		"                           the kernel steers every path of a session to one\n"
		"                           (default 1; auto: one per CPU; limits are per worker)\n"
		PARAMS_HELP);
}

struct reload_ctx {
	struct workers *ws;
	const struct tunnel_params *prm;
	const struct server_cli *cli;
	bool sealed;
};

/* SIGHUP / mpctl reload: the config file and key files again, all or nothing. */
static int reload(void *arg, char *err, size_t errlen)
{
	struct reload_ctx *c = arg;
	struct srvconf conf;
	struct keyset set;
	int rc;

	rc = server_conf_build(c->prm, c->cli, &conf, &set, err, errlen);
	if (rc)
		return rc;
	if ((keyset_count(&set) > 0) != c->sealed) {
		snprintf(err, errlen, "%s", c->sealed ? "no key left: a keyed mpserver needs one "
			 "(restart it to run without keys)" : "keys added to an unkeyed mpserver: "
			 "restart it to use them");
		rc = -EINVAL;
	} else {
		rc = workers_access_replace(c->ws, &conf, c->sealed ? &set : NULL, err, errlen);
	}
	srvconf_free(&conf);
	keyset_free(&set);
	return rc;
}

static int report(const void *arg, struct tunnel_report *r)
{
	const struct reload_ctx *c = arg;

	return workers_report(c->ws, r);
}

#define OPT_WORKERS (OPT__PRIVATE + 0x40)

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
		{ "session-timeout", required_argument, NULL, OPT_SESSION_TIMEOUT },
		{ "server-id", required_argument, NULL, OPT_SERVER_ID },
		{ "key-dir", required_argument, NULL, OPT_KEY_DIR },
		{ "fec-max", required_argument, NULL, OPT_FEC_MAX },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "fec-depth", required_argument, NULL, OPT_FEC_DEPTH },
		PARAMS_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tunnel_params prm;
	struct server_cli cli = { .file = NULL };
	struct srvconf conf = { .nlisten = 0 };
	bool cli_limits[5] = { false };	/* server-id, max-sessions, max-flows, the two timeouts */
	struct addr listen, target, more[SERVER_MAX_LISTEN];
	const char *listen_arg = NULL, *target_arg = NULL, *errstr = NULL;
	const char *listen_args[SERVER_MAX_LISTEN];
	unsigned nlisten = 0, li;
	char lhost[256], lbuf[SERVER_MAX_LISTEN][300], lshow[SERVER_MAX_LISTEN * 300], tbuf[300];
	char tshow[300], err[512];
	uint16_t lport, tport, port0 = 0;
	struct ev_loop *loop;
	struct daemon_hooks hooks;
	char ctl_path[CTL_PATH_MAX], ctl_label[64];
	struct workers *ws;
	unsigned nworkers = 1;
	uint8_t psk[SEAL_PSK_LEN];
	struct seal_psk sp = { .suite = 0 };
	struct keyset keys = { .count = 0 };
	struct reload_ctx rctx;
	bool sealed = false;
	int opt, rc;

	log_init(argv[0], LOG_LVL_INFO);
	params_defaults(&prm);
	while ((opt = getopt_long(argc, argv, "l:t:c:" PARAMS_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (nlisten >= SERVER_MAX_LISTEN) {
				log_warnx("too many --listen (at most %d)", SERVER_MAX_LISTEN);
				return params_usage_error();
			}
			listen_args[nlisten++] = listen_arg = optarg;
			break;
		case 't': target_arg = optarg; break;
		case 'c': cli.file = optarg; break;
		case OPT_ALLOW:
			if (!server_conf_allow_ok(optarg)) {
				log_warnx("bad --allow '%s' (ADDR[/LEN]:PORT, PORT-PORT or *, or HOST:PORT)",
					  optarg);
				return params_usage_error();
			}
			if (cli.nallow >= SERVER_CONF_MAX_ALLOW) {
				log_warnx("too many --allow (at most %d; a config file holds more)",
					  SERVER_CONF_MAX_ALLOW);
				return params_usage_error();
			}
			cli.allow[cli.nallow++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		case OPT_WORKERS:
			if (!workers_parse(optarg, &nworkers)) {
				log_warnx("bad --workers '%s' (expected 1-%u or auto)", optarg,
					  WORKERS_MAX);
				return params_usage_error();
			}
			break;
		default:
			cli_limits[0] |= opt == OPT_SERVER_ID;
			cli_limits[1] |= opt == OPT_MAX_SESSIONS;
			cli_limits[2] |= opt == OPT_MAX_FLOWS;
			cli_limits[3] |= opt == OPT_SESSION_TIMEOUT;
			cli_limits[4] |= opt == OPT_IDLE_TIMEOUT;
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
		listen_args[nlisten++] = listen_arg = argv[optind];
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
	cli.target = target_arg;
	cli.suite = prm.suite;	/* --suite overrides the key files' suite lines */
	if (!params_validate(&prm))
		return params_usage_error();
	if (seal_init() != 0) {
		log_warnx("cannot initialise libsodium");
		return 1;
	}
	/* the config file and the command line: clients, keys, targets (-n checks them all) */
	rc = server_conf_build(&prm, &cli, &conf, &keys, err, sizeof(err));
	if (rc) {
		log_warnx("%s", err);
		return 2;	/* a configuration error */
	}
	/* the command line's listen addresses, else the file's listen lines */
	_Static_assert(SRVCONF_MAX_LISTEN <= SERVER_MAX_LISTEN, "the file's listen lines fit");
	for (li = 0; !listen_arg && li < conf.nlisten; li++) {
		snprintf(lbuf[li], sizeof(lbuf[li]), strchr(conf.listen[li].host, ':') ? "[%s]:%u" :
			 "%s:%u", conf.listen[li].host, (unsigned)conf.listen[li].port);
		listen_args[nlisten++] = lbuf[li];
	}
	if (nlisten == 0) {
		log_warnx("no tunnel port: give PORT HOST PORT, --listen or a 'listen' line");
		goto config_error_usage;
	}
	if (nlisten > 1 && nworkers > 1) {
		log_warnx("several listen addresses take one worker for now (--workers 1)");
		goto config_error_usage;
	}
	lshow[0] = '\0';
	for (li = 0; li < nlisten; li++) {
		listen_arg = listen_args[li];
		if (!parse_hostport(listen_arg, true, lhost, sizeof(lhost), &lport)) {
			log_warnx("bad port '%s' (expected PORT or ADDR:PORT)", listen_arg);
			goto config_error_usage;
		}
		/* a bare PORT: dual-stack, [::] taking IPv4 too (IPV6_V6ONLY off, lib/udp.c);
		 * all IPv4 addresses where this host has no IPv6 */
		if (!lhost[0] && (addr_resolve("::", lport, true, &more[li], &errstr) != 0 ||
				  preflight_listen(&more[li], err, sizeof(err)) != 0))
			lhost[0] = '\0';
		else if (!lhost[0])
			snprintf(lhost, sizeof(lhost), "::");
		if (addr_resolve(lhost, lport, true, &more[li], &errstr) != 0) {
			log_warnx("cannot resolve local address '%s': %s", lhost, errstr);
			goto config_error;
		}
		if (preflight_listen(&more[li], err, sizeof(err)) != 0) {
			log_warnx("%s", err);
			goto config_error;
		}
		if (li == 0)
			port0 = lport;
		snprintf(lshow + strlen(lshow), sizeof(lshow) - strlen(lshow), "%s%s", li ? ", " : "",
			 listen_arg);
	}
	listen = more[0];
	lport = port0;
	listen_arg = lshow;
	/* the file's limits where the command line gave none */
	if (conf.server_id && !cli_limits[0])
		prm.server_id = (uint16_t)conf.server_id;
	if (conf.max_sessions && !cli_limits[1])
		prm.max_sessions = conf.max_sessions;
	if (conf.max_flows && !cli_limits[2])
		prm.max_flows = conf.max_flows;
	if (conf.session_timeout > 0 && !cli_limits[3])
		prm.session_timeout = conf.session_timeout;
	if (conf.idle_timeout > 0 && !cli_limits[4])
		prm.idle_timeout = conf.idle_timeout;
	if (keyset_count(&keys) > 0) {
		sp = *keyset_at(&keys, 0);
		sealed = true;
	} else {
		rc = keys_setup_psk(&prm, &sp, &sealed);	/* MPTUNNEL_ENCRYPT without a key */
		if (rc) {
			srvconf_free(&conf);
			keyset_free(&keys);
			return rc;
		}
	}
	if (sealed) {
		memcpy(psk, sp.key, sizeof(psk));
		prm.suite = sp.suite;
	}
	seal_psk_wipe(&sp);
	/* the default target, for the report and the daemon's own flows */
	if (conf.global.has_target)
		target = conf.global.target.addr;
	else
		memset(&target, 0, sizeof(target));
	if (conf.global.has_target)
		snprintf(tshow, sizeof(tshow), strchr(conf.global.target.host, ':') ? "[%s]:%u" : "%s:%u",
			 conf.global.target.host, (unsigned)conf.global.target.port);
	else
		snprintf(tshow, sizeof(tshow), "none (allowed targets only)");
	target_arg = tshow;
	/* what start will do, tried now: -n and start fail alike, with exit 2 */
	if (preflight_stats(prm.stats_file, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		goto config_error;
	}
	if (prm.check) {
		if (sealed)
			printf("configuration OK: listen %s, target %s, %u clients, %u allow rules, "
			       "encrypted (%u keys)\n", listen_arg, target_arg, conf.nclients,
			       conf.global.nallow, keyset_count(&keys));
		else
			printf("configuration OK: listen %s, target %s, %u allow rules, not encrypted\n",
			       listen_arg, target_arg, conf.global.nallow);
		srvconf_free(&conf);
		keyset_free(&keys);
		return 0;
	}

	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop)
		fatalx("cannot initialise libev");
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		fatalx("out of memory");
	rc = workers_init(ws, nworkers, loop, &prm, &listen, &target, sealed ? psk : NULL);
	memset(psk, 0, sizeof(psk));
	for (li = 1; rc == 0 && li < nlisten; li++)	/* one worker (checked above) */
		rc = server_listen_more(&ws->w[0].srv, &prm, &more[li]);
	if (rc == 0 && keyset_count(&keys) > 0) {
		rc = workers_keys_replace(ws, &keys, err, sizeof(err));	/* all of them */
		if (rc)
			log_warnx("cannot hold the keys");
	}
	if (rc == 0) {
		rc = workers_access_replace(ws, &conf, NULL, err, sizeof(err));
		if (rc)
			log_warnx("%s", err);
	}
	srvconf_free(&conf);
	keyset_free(&keys);
	if (rc) {
		if (ws->n)
			workers_free(ws);
		return 1;
	}
	if (sealed)
		log_info("listening on %s, forwarding to %s, encrypted (%u keys)%s", listen_arg,
			 target_arg, keyset_count(&ws->w[0].srv.core.keys.set),
			 nworkers > 1 ? ", workers steered by session" : "");
	else
		log_info("listening on %s, forwarding to %s, not encrypted%s", listen_arg, target_arg,
			 nworkers > 1 ? ", workers steered by session" : "");
	if (nworkers > 1)
		log_info("%u workers (threads), each with its own event loop and socket", nworkers);
	if (!sealed)
		log_warnx("no key: forwarding unauthenticated traffic from anyone who can reach "
			  "port %u (see --key-file)", (unsigned)lport);
	if (workers_start(ws) != 0) {
		workers_free(ws);
		return 1;
	}
	rctx = (struct reload_ctx){ .ws = ws, .prm = &prm, .cli = &cli, .sealed = sealed };
	hooks = (struct daemon_hooks){ .report = report, .arg = &rctx, .stats_file = prm.stats_file };
	if (sealed || cli.file) {
		hooks.reload = reload;
		hooks.reload_arg = &rctx;
	}
	daemon_hooks_control(&hooks, &prm, "mpserver", lport, ctl_path, sizeof(ctl_path), ctl_label,
			     sizeof(ctl_label));
	rc = daemon_run(loop, &hooks);
	workers_stop(ws);
	workers_free(ws);
	free(ws);
	ev_loop_destroy(loop);
	return rc;
config_error:
	srvconf_free(&conf);
	keyset_free(&keys);
	return 2;
config_error_usage:
	srvconf_free(&conf);
	keyset_free(&keys);
	return params_usage_error();
}
