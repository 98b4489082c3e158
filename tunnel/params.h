/* params.h - tunables and options shared by mpclient and mpserver. */
#ifndef MPT_PARAMS_H
#define MPT_PARAMS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#define PARAMS_MAX_KEY_FILES 16
#define PARAMS_KEY_GRACE 60.0	/* s: mpclient's default --key-grace */
#include "redundancy.h"
#include "target.h"

struct tunnel_params {
	uint32_t window;	/* de-duplication window, sequence numbers */
	double keepalive;	/* s between keepalives on each path */
	double path_timeout;	/* s without hearing a path before it counts as dead */
	double idle_timeout;	/* s before an idle flow is forgotten */
	double session_timeout;	/* s before an idle session is forgotten (mpserver) */
	unsigned max_sessions;	/* mpserver */
	unsigned max_flows;
	int sndbuf, rcvbuf;	/* socket buffers, bytes; 0 = PARAMS_TUNNEL_BUF (1 MiB)
				 * on every socket: paths, local port, flows to the target */
	const char *stats_file;
	const char *key_file;	/* the first --key-file (mpclient's only one) */
	const char *key_files[PARAMS_MAX_KEY_FILES];	/* mpserver: every --key-file */
	unsigned nkey_files;
	const char *key_dir;	/* mpserver --key-dir: every *.key file in it */
	double key_grace;	/* mpclient --key-grace: s the old key still opens replies */
	const char *control;	/* --control PATH (NULL: the default path) */
	bool no_control;	/* --no-control */
	const char *metrics;	/* --metrics [ADDR:]PORT (NULL: off) */
	uint8_t suite;		/* --suite (keyed): 0 = the machine's default (seal_suite_default) */
	uint16_t server_id;	/* mpserver --server-id: routable id written in every datagram */
	int verbosity;
	bool syslog;		/* --syslog: messages to syslog, not stderr */
	bool check;		/* -n: validate configuration and exit */
	struct redundancy red;	/* mpclient --redundancy, --fec-wait: both directions */
	unsigned fec_depth;	/* --fec-depth: FEC blocks open at once (what this end sends) */
	unsigned fec_max_k, fec_max_m;	/* mpserver --fec-max K:M (0:0: broadcast only) */
	struct target target;	/* mpclient --target: what every flow names (kind 0: none,
				 * mpserver's default target) */
};

enum {
	OPT_WINDOW = 0x100, OPT_KEEPALIVE, OPT_PATH_TIMEOUT, OPT_IDLE_TIMEOUT,
	OPT_SESSION_TIMEOUT, OPT_MAX_SESSIONS, OPT_MAX_FLOWS, OPT_SNDBUF, OPT_RCVBUF,
	OPT_STATS, OPT_KEY_FILE, OPT_GENKEY, OPT_SYSLOG, OPT_CONTROL, OPT_NO_CONTROL, OPT_METRICS,
	OPT_SUITE, OPT_SERVER_ID, OPT_KEY_DIR, OPT_KEY_GRACE,
	OPT_REDUNDANCY, OPT_FEC_WAIT, OPT_FEC_DEPTH, OPT_FEC_MAX, OPT_ALLOW, OPT_TARGET_LOSS,
	OPT__PRIVATE = 0x200,	/* programs number their own options from here */
};

#define PARAMS_LONG_OPTIONS                                                   \
	{ "window", required_argument, NULL, OPT_WINDOW },                    \
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },              \
	{ "path-timeout", required_argument, NULL, OPT_PATH_TIMEOUT },        \
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },        \
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },              \
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },                    \
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },                    \
	{ "stats", required_argument, NULL, OPT_STATS },                      \
	{ "key-file", required_argument, NULL, OPT_KEY_FILE },                \
	{ "genkey", optional_argument, NULL, OPT_GENKEY },                    \
	{ "suite", required_argument, NULL, OPT_SUITE },                      \
	{ "syslog", no_argument, NULL, OPT_SYSLOG },                          \
	{ "control", required_argument, NULL, OPT_CONTROL },                  \
	{ "no-control", no_argument, NULL, OPT_NO_CONTROL },                  \
	{ "metrics", required_argument, NULL, OPT_METRICS },                  \
	{ "check", no_argument, NULL, 'n' },                                  \
	{ "verbose", no_argument, NULL, 'v' },                                \
	{ "quiet", no_argument, NULL, 'q' },                                  \
	{ "help", no_argument, NULL, 'h' },                                   \
	{ "version", no_argument, NULL, 'V' }

#define PARAMS_SHORT_OPTIONS "nvqhV"

#define PARAMS_HELP                                                                   \
	"  -n, --check              try the setup (resolve, bind, reach) and exit\n"   \
	"      --window N           de-duplication window in datagrams (default 8192)\n" \
	"      --keepalive DUR      keepalive interval per path (default 1s)\n"        \
	"      --path-timeout DUR   a path silent this long counts as dead (default 3s)\n" \
	"      --idle-timeout DUR   forget flows idle this long (default 120s)\n"      \
	"      --max-flows N        at most N flows (default 256)\n"                    \
	"      --sndbuf BYTES, --rcvbuf BYTES   buffers of every socket (default 1 MiB;\n" \
	"                           past net.core.[rw]mem_max with CAP_NET_ADMIN, else\n" \
	"                           capped there and a warning says so)\n"            \
	"      --stats FILE         write counters as JSON at exit and on SIGUSR1\n"    \
	"      --key-file FILE      pre-shared key (see README); MPTUNNEL_ENCRYPT=1 requires one\n" \
	"      --genkey[=SUITE]     print a new random key file and exit (SUITE: aes-256-gcm,\n" \
	"                           chacha20-poly1305; default by the CPU's AES support)\n" \
	"      --suite NAME         keyed: aes-256-gcm or chacha20-poly1305, overriding the\n" \
	"                           key file's suite line; the same at both ends\n" \
	"      --syslog             log to syslog (facility daemon) instead of stderr\n" \
	"      --control PATH       control socket for mpctl (default: PROG-PORT.sock in\n" \
	"                           /run/mptunnel as root, else $XDG_RUNTIME_DIR/mptunnel)\n" \
	"      --no-control         no control socket\n"                              \
	"      --metrics [ADDR:]PORT  serve Prometheus metrics over HTTP (default off)\n" \
	"  -v, --verbose            more messages (repeat for debug)\n"                \
	"  -q, --quiet              only errors\n"                                      \
	"  -h, --help               this help\n"                                        \
	"  -V, --version            print the version\n"                               \
	"Durations take a unit: 500ms, 2s, 1m (bare numbers are seconds).\n"           \
	"SIGUSR1 prints the counters; SIGHUP reloads; SIGINT/SIGTERM print them and exit.\n"

#define PARAMS_TUNNEL_BUF (1 << 20)	/* default buffers of the tunnel's own sockets */

void params_defaults(struct tunnel_params *p);
/* Buffer sizes of the daemons' sockets (listen, paths, flows to the target). */
int params_tunnel_buf(int configured);
/*
 * Handle one shared option.  Returns 1 if handled, 0 if the option is not a
 * shared one, -1 on a bad value (message printed, naming the token).
 */
int params_option(struct tunnel_params *p, int opt, const char *arg);
/*
 * The end of a program's getopt switch: shared options, --version, --genkey.
 * Returns -1 to go on, or the status to exit with (0 after --version or
 * --genkey, 2 after a usage error, with "Try 'PROG --help'." printed).
 */
int params_default_option(struct tunnel_params *p, int opt, const char *arg);
/* Print "Try 'PROG --help'." and return 2. */
int params_usage_error(void);
/* Cross-checks (e.g. path timeout longer than keepalive). */
bool params_validate(const struct tunnel_params *p);

#endif
