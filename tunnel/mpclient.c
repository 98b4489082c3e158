/* mpclient.c - command line and wiring of the client end. */
#include "client.h"
#include "client_reload.h"
#include "client_socks.h"
#include "config.h"
#include "ctlsock.h"
#include "daemon.h"
#include "keys.h"
#include "log.h"
#include "params.h"
#include "parse.h"
#include "preflight.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_LISTEN = OPT__PRIVATE, OPT_CONFIG, OPT_BRIDGE, OPT_PATH, OPT_SOCKS5, OPT_PACE = OPT__PRIVATE + 0x40 };
#define PACE_QUEUE (4u << 20)	/* --pace-delivery: bytes held for the pacer at most */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpclient [options] PORT CONFIG\n"
		"       mpclient [options] --listen [ADDR:]PORT (--config FILE | --bridge HOST:PORT ...)\n"
		"\n"
		"Listens on the local UDP PORT and sends every datagram over each bridge listed\n"
		"in CONFIG (lines of 'HOST PORT'; '#' starts a comment); replies come back from\n"
		"mpserver through the bridges, duplicates dropped.\n"
		"\n"
		"  -l, --listen [ADDR:]PORT local address (default: 127.0.0.1 and [::1]: this host's\n"
		"                           applications only; 0.0.0.0 lets anyone send through)\n"
		"  -c, --config FILE        bridge list\n"
		"  -b, --bridge HOST:PORT   a bridge (repeatable; adds to the config file)\n"
		"      --path dev=IF,src=ADDR,bridge=HOST:PORT\n"
		"                           a path leaving by interface IF and/or from source\n"
		"                           address ADDR (repeatable; bridge= required; an\n"
		"                           interface not there yet keeps the path down until\n"
		"                           it appears)\n"
		"  -t, --target NAME|HOST:PORT  the target every flow names: a name mpserver maps,\n"
		"                           or an address it allows this client (default: none,\n"
		"                           mpserver's default target)\n"
		"      --socks5 [ADDR:]PORT serve SOCKS5 UDP ASSOCIATE on TCP ADDR:PORT (default\n"
		"                           127.0.0.1): each datagram's destination is its flow's\n"
		"                           target (mpserver allows it, or maps a domain name)\n"
		"      --key-grace DUR      after a reload changed the key, replies under the old\n"
		"                           one are still accepted this long (default 60s)\n"
		"SIGHUP and 'mpctl reload' re-read the key file and the config file.\n"
		"      --redundancy MODE    broadcast (default: every datagram on every path),\n"
		"                           fec:K:M (Reed-Solomon across the paths: K data, M parity\n"
		"                           per block) or auto (the code of each direction sized\n"
		"                           from the paths' measured loss and bursts); both\n"
		"                           directions (mpserver applies it within its --fec-max)\n"
		"      --target-loss P      auto: the residual loss to hold (default 1e-3)\n"
		"      --fec-wait DUR       a block closes this long after its first datagram\n"
		"                           (default 5ms; a bare number is milliseconds)\n"
		"      --fec-depth N        blocks open at once, interleaved (default 4)\n"
		"      --pace-delivery      hand replies to the applications at most about twice\n"
		"                           their recent rate, a backlog queued (4 MiB) instead\n"
		"                           of sent as one burst (default off)\n"
		PARAMS_HELP);
}

/* The listen address binds, --stats can be written (the bridges are checked
 * by client_bridges_load).  False with a message printed. */
static bool check_setup(const struct tunnel_params *prm, const struct addr *listen)
{
	char err[512];

	if (preflight_listen(listen, err, sizeof(err)) != 0 ||
	    preflight_stats(prm->stats_file, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return false;
	}
	return true;
}

/* --target: a NAME (no ':'), mapped by mpserver, or HOST:PORT resolved here
 * to the address mpserver must allow.  False with a message printed. */
static bool parse_target(const char *arg, struct target *t)
{
	char host[256];
	uint16_t port;
	struct addr a;
	const char *e = NULL;

	if (!strchr(arg, ':')) {
		if (target_from_name(t, arg))
			return true;
		log_warnx("bad --target '%s' (a name of 1-%d printable characters, or HOST:PORT)",
			  arg, TARGET_NAME_MAX);
		return false;
	}
	if (!parse_hostport(arg, false, host, sizeof(host), &port) || !host[0]) {
		log_warnx("bad --target '%s' (HOST:PORT, [V6ADDR]:PORT or a name)", arg);
		return false;
	}
	if (addr_resolve(host, port, false, &a, &e) != 0) {
		log_warnx("--target '%s': cannot resolve '%s': %s", arg, host, e ? e : "error");
		return false;
	}
	return target_from_addr(t, &a);
}

static int report(const void *arg, struct tunnel_report *r)
{
	return client_report(arg, r);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "target", required_argument, NULL, 't' },
		{ "socks5", required_argument, NULL, OPT_SOCKS5 },
		{ "key-grace", required_argument, NULL, OPT_KEY_GRACE },
		{ "redundancy", required_argument, NULL, OPT_REDUNDANCY },
		{ "fec-wait", required_argument, NULL, OPT_FEC_WAIT },
		{ "fec-depth", required_argument, NULL, OPT_FEC_DEPTH },
		{ "target-loss", required_argument, NULL, OPT_TARGET_LOSS },
		{ "pace-delivery", no_argument, NULL, OPT_PACE },
		PARAMS_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct tunnel_params prm;
	static struct client_config extra;
	static struct client_bridges br;
	struct config_parser extra_p;
	struct addr listen, listen2;
	char lbuf[ADDR_STRLEN], lbuf2[ADDR_STRLEN];
	bool have2 = false;
	const char *names[CONFIG_MAX_BRIDGES];
	const char *listen_arg = NULL, *config_arg = NULL, *errstr = NULL, *socks_arg = NULL;
	static struct client_socks socks;
	struct addr socks_addr;
	char lhost[CONFIG_HOST_MAX], err[CONFIG_LINE_MAX + 256];
	uint16_t lport;
	struct ev_loop *loop;
	struct daemon_hooks hooks;
	char ctl_path[CTL_PATH_MAX], ctl_label[64];
	struct client *cl;
	unsigned i;
	uint8_t psk[SEAL_PSK_LEN];
	struct seal_psk sp = { .suite = 0 };
	struct client_reload rctx;
	unsigned suite_opt;
	bool sealed = false, pace = false;
	int opt, rc;

	log_init(argv[0], LOG_LVL_INFO);
	params_defaults(&prm);
	config_init(&extra_p, &extra, "--bridge");
	while ((opt = getopt_long(argc, argv, "l:c:b:t:" PARAMS_SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_arg = optarg; break;
		case 't':
			if (!parse_target(optarg, &prm.target))
				return 2;
			break;
		case OPT_SOCKS5:
			socks_arg = optarg;
			break;
		case 'c': config_arg = optarg; break;
		case 'b':
		case OPT_PATH:
			if (!config_add_bridge(&extra_p, optarg)) {
				log_warnx("%s: %s", opt == 'b' ? "--bridge" : "--path", extra_p.err);
				return params_usage_error();
			}
			break;
		case 'h': usage(stdout); return 0;
		case OPT_PACE: pace = true; break;
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
	/* the original's form: mpclient PORT CONFIG */
	if (argc - optind >= 2 && !listen_arg && !config_arg) {
		if (argc - optind > 2) {
			log_warnx("unexpected argument '%s' after PORT CONFIG", argv[optind + 2]);
			return params_usage_error();
		}
		listen_arg = argv[optind];
		config_arg = argv[optind + 1];
	} else if (argc - optind == 1 && !listen_arg && !config_arg) {
		log_warnx("missing PORT before '%s' (the form is 'mpclient PORT CONFIG')",
			  argv[optind]);
		return params_usage_error();
	} else if (argc - optind > 0) {
		log_warnx("unexpected argument '%s'", argv[optind]);
		return params_usage_error();
	}
	if (!listen_arg) {
		log_warnx("no local port: give PORT CONFIG or --listen");
		return params_usage_error();
	}
	if (!parse_hostport(listen_arg, true, lhost, sizeof(lhost), &lport)) {
		log_warnx("bad local port '%s' (expected PORT or ADDR:PORT)", listen_arg);
		return params_usage_error();
	}
	if (!params_validate(&prm))
		return params_usage_error();
	if (prm.nkey_files > 1) {
		log_warnx("--key-file '%s': mpclient takes one key file (several are mpserver's)",
			  prm.key_files[1]);
		return params_usage_error();
	}
	suite_opt = prm.suite;
	rc = keys_setup_psk(&prm, &sp, &sealed);
	if (rc)
		return rc;
	if (sealed) {
		memcpy(psk, sp.key, sizeof(psk));
		if (!prm.suite)	/* --suite overrides the key file's suite line */
			prm.suite = sp.suite;
	}
	seal_psk_wipe(&sp);

	if (!config_arg && extra.nbridges == 0) {
		log_warnx("no bridges: give a CONFIG file, --bridge HOST:PORT or --path ...");
		return params_usage_error();
	}

	if (!*lhost) {
		/* the default: this host's applications only, on both loopbacks */
		addr_resolve("127.0.0.1", lport, true, &listen, &errstr);
		if (addr_resolve("::1", lport, true, &listen2, &errstr) == 0 &&
		    preflight_listen(&listen2, err, sizeof(err)) == 0)
			have2 = true;	/* (a host without IPv6 just has 127.0.0.1) */
	} else if (addr_resolve(lhost, lport, true, &listen, &errstr) != 0) {
		log_warnx("cannot resolve local address '%s': %s", lhost, errstr);
		return 2;
	} else if (addr_is_any(&listen)) {
		log_warnx("listening on all addresses: anyone who can reach port %u can send "
			  "through the tunnel and take flows; for applications on this host give "
			  "--listen 127.0.0.1:%u (the default)", (unsigned)lport, (unsigned)lport);
	}
	/* what start will do, tried now: -n and start fail alike, with exit 2 */
	if (!client_bridges_load(config_arg, &extra, &br, err, sizeof(err))) {
		log_warnx("%s", err);
		return 2;
	}
	for (i = 0; i < br.n; i++)
		names[i] = br.name[i];
	if (!check_setup(&prm, &listen))
		return 2;
	if (prm.check) {
		printf("configuration OK: listen %s, %u bridges, %s\n", listen_arg, br.n,
		       sealed ? "encrypted" : "not encrypted");
		return 0;
	}

	if (socks_arg) {
		char shost[256];
		uint16_t sport;

		if (!parse_hostport(socks_arg, true, shost, sizeof(shost), &sport)) {
			log_warnx("bad --socks5 '%s' (expected [ADDR:]PORT)", socks_arg);
			return params_usage_error();
		}
		if (addr_resolve(shost[0] ? shost : "127.0.0.1", sport, true, &socks_addr, &errstr) != 0) {
			log_warnx("--socks5 '%s': cannot resolve '%s': %s", socks_arg, shost, errstr);
			return 2;
		}
	}
	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop)
		fatalx("cannot initialise libev");
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		fatalx("out of memory");
	rc = client_init(cl, loop, &prm, &listen, have2 ? &listen2 : NULL, br.addr, names, br.bind,
			 br.n, sealed ? psk : NULL);
	memset(psk, 0, sizeof(psk));
	if (rc == 0 && pace && (rc = client_pace_enable(cl, PACE_QUEUE)) != 0)
		log_errno(rc, "--pace-delivery");
	if (rc)
		return 1;
	for (i = 0; i < br.n; i++)	/* path i is bridge i at start */
		client_core_path_role(&cl->core, i, br.backup[i]);
	log_info("session %016llx: listening on %s%s%s, %u paths, %s",
		 (unsigned long long)cl->core.session, addr_format(&listen, lbuf, sizeof(lbuf)),
		 have2 ? " and " : "", have2 ? addr_format(&listen2, lbuf2, sizeof(lbuf2)) : "",
		 cl->npaths,
		 sealed ? "encrypted (ChaCha20-Poly1305)" : "NOT encrypted");
	if (socks_arg) {
		if (client_socks_init(&socks, cl, loop, &socks_addr) != 0) {
			client_free(cl);
			free(cl);
			return 2;
		}
		cl->socks = &socks;
		log_info("SOCKS5 (UDP ASSOCIATE) on %s", addr_format(&socks_addr, lbuf, sizeof(lbuf)));
		client_socks_start(&socks);
	}
	client_start(cl);
	hooks = (struct daemon_hooks){ .report = report, .arg = cl, .stats_file = prm.stats_file };
	rctx = (struct client_reload){ .cl = cl, .prm = &prm, .suite_opt = suite_opt,
				       .config = config_arg, .extra = &extra };
	hooks.reload = client_reload;
	hooks.reload_arg = &rctx;
	daemon_hooks_control(&hooks, &prm, "mpclient", lport, ctl_path, sizeof(ctl_path), ctl_label,
			     sizeof(ctl_label));
	rc = daemon_run(loop, &hooks);
	if (cl->socks)
		client_socks_free(cl->socks);
	client_stop(cl);
	client_free(cl);
	free(cl);
	ev_loop_destroy(loop);
	return rc;
}
