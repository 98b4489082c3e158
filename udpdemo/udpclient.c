/* udpclient - the seed's hello ping-pong, and a measuring mode that sends N
 * numbered, tagged datagrams at a paced rate and reports loss, duplicates
 * and round-trip times. */
#include "addr.h"
#include "clock.h"
#include "hello.h"
#include "log.h"
#include "measure.h"
#include "parse.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MPT_VERSION
#define MPT_VERSION "unknown"
#endif

#define DEFAULT_INTERVAL_S 1.0
#define DEFAULT_RATE 1000.0
#define DEFAULT_TIMEOUT_S 2.0
#define MIN_RATE 0.1
#define MAX_RATE 10000000.0
#define MAX_DURATION_S 86400.0
/* The reply is at most one byte longer (9 -> 10): it must still fit. */
#define MAX_SIZE (HELLO_MAX_DATAGRAM - 1)
/* Sends per wake-up at most, so replies are drained in between. */
#define SEND_BATCH 256
/* Receives per drain at most, so sending is not starved. */
#define RECV_BATCH 1024
/* The pacer never sleeps less than this: at high rates each wake-up sends
 * the small batch that fell due meanwhile. */
#define MIN_SLEEP_NS 500000ULL
/* Once every probe is answered, listen this much longer for duplicates. */
#define LINGER_NS 200000000ULL

struct options {
	const char *host, *port_str, *bind, *trace;
	uint16_t port;
	uint64_t count;		/* 0: forever (ping-pong only) */
	double interval_s, rate, timeout_s;
	size_t size;
	bool measure, json, quiet;
	const char *measure_opt;	/* first option that asked for measuring */
	int verbosity;
};

static volatile sig_atomic_t got_stop;
static sigset_t run_mask;	/* the signal mask inside ppoll() */
static char sbuf[65536], rbuf[65536];

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: udpclient [options] HOST PORT\n"
		"\n"
		"Ping-pong (default): send \"1 hello cli\", print each reply (\"2 hello srv\"),\n"
		"send \"2 hello cli\" at the next interval, and so on; without a reply within\n"
		"the interval the same number is sent again.\n"
		"  -c, --count N        stop after N sends (default: until SIGINT)\n"
		"  -i, --interval DUR   one exchange per DUR (default 1s; units us, ms, s, m)\n"
		"\n"
		"Measuring (--count N with any of --rate, --size, --timeout, --measure, --json):\n"
		"send \"K hello cli <tag> <padding>\" for K = 1..N (N at most %llu) and report\n"
		"sent, received, lost, duplicates, foreign (another run's tag), malformed,\n"
		"loss ratio and RTT min/p50/p99/max.\n"
		"  -r, --rate PPS       datagrams a second (default 1000)\n"
		"  -s, --size BYTES     pad each datagram to BYTES, at most %d (default 0:\n"
		"                       no padding; smaller than the header: no padding)\n"
		"  -t, --timeout DUR    wait for stragglers after the last send (default 2s;\n"
		"                       once all are answered, only 0.2s for duplicates)\n"
		"  -m, --measure        measuring mode with the defaults\n"
		"  -j, --json           report as one JSON object\n"
		"  -T, --trace FILE     one line per datagram: K SENT REPLIED (wall-clock s, '-' if none)\n"
		"\n"
		"  -b, --bind ADDR[:PORT]  local address and port\n"
		"  -q, --quiet          only warnings on stderr\n"
		"  -v, --verbose        more log output\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"SIGINT or SIGTERM ends the run; a measuring run still reports\n"
		"(\"interrupted\":true).  Exit status: 0 when the run completed (even with\n"
		"loss) or was ended by a signal, 1 on a system error, 2 on a usage error.\n",
		(unsigned long long)MEASURE_MAX_COUNT, MAX_SIZE);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "measure", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 'T' },
		{ "bind", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool interval_set = false;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->interval_s = DEFAULT_INTERVAL_S;
	o->rate = DEFAULT_RATE;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	o->verbosity = LOG_LVL_INFO;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:i:r:s:t:mjT:b:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_u64(optarg, 1, UINT64_MAX, &o->count))
				fatal_usage("bad --count '%s'", optarg);
			break;
		case 'i':
			if (!parse_duration(optarg, 1.0, MAX_DURATION_S, &o->interval_s) ||
			    o->interval_s <= 0)
				fatal_usage("bad --interval '%s'", optarg);
			interval_set = true;
			break;
		case 'r':
			if (!parse_double(optarg, MIN_RATE, MAX_RATE, &o->rate))
				fatal_usage("bad --rate '%s' (%g..%.0f datagrams a second)", optarg,
					    MIN_RATE, MAX_RATE);
			o->measure_opt = o->measure_opt ? o->measure_opt : "--rate";
			break;
		case 's':
			if (!parse_u64(optarg, 0, MAX_SIZE, &v))
				fatal_usage("bad --size '%s' (0..%d bytes)", optarg, MAX_SIZE);
			o->size = (size_t)v;
			o->measure_opt = o->measure_opt ? o->measure_opt : "--size";
			break;
		case 't':
			if (!parse_duration(optarg, 1.0, MAX_DURATION_S, &o->timeout_s))
				fatal_usage("bad --timeout '%s'", optarg);
			o->measure_opt = o->measure_opt ? o->measure_opt : "--timeout";
			break;
		case 'm':
			o->measure_opt = o->measure_opt ? o->measure_opt : "--measure";
			break;
		case 'T':
			if (!*optarg)
				fatal_usage("bad --trace '%s' (a file name)", optarg);
			o->trace = optarg;
			o->measure_opt = o->measure_opt ? o->measure_opt : "--trace";
			break;
		case 'j':
			o->json = true;
			o->measure_opt = o->measure_opt ? o->measure_opt : "--json";
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'q':
			o->quiet = true;
			o->verbosity = LOG_LVL_WARN;
			break;
		case 'v':
			o->verbosity = LOG_LVL_DEBUG;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("udpclient %s\n", MPT_VERSION);
			exit(0);
		case ':':
			fatal_usage("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				fatal_usage("unknown option '-%c'", optopt);
			fatal_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		fatal_usage(argc - optind == 0 ? "missing HOST and PORT" : "missing PORT");
	if (argc - optind > 2)
		fatal_usage("unexpected argument '%s'", argv[optind + 2]);
	o->host = argv[optind];
	o->port_str = argv[optind + 1];
	if (!*o->host)
		fatal_usage("bad HOST ''");
	if (!parse_port(o->port_str, false, &o->port))
		fatal_usage("bad port '%s'", o->port_str);
	if (o->measure_opt) {
		o->measure = true;
		if (o->count == 0)
			fatal_usage("%s needs --count N (measuring mode)", o->measure_opt);
		if (o->count > MEASURE_MAX_COUNT)
			fatal_usage("bad --count '%llu': measuring mode takes at most %llu",
				    (unsigned long long)o->count,
				    (unsigned long long)MEASURE_MAX_COUNT);
		if (interval_set)
			fatal_usage("--interval is for ping-pong; measuring mode paces with --rate");
	}
}

/*
 * --bind ADDR[:PORT]: "1.2.3.4", "1.2.3.4:5000", ":5000", "[::1]:5000",
 * "[::1]" or a bare IPv6 address.  Returns false for a bad token.
 */
static bool parse_bind(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	size_t n = strlen(s);

	*port = 0;
	if (n == 0 || n >= hostlen)
		return false;
	if (s[0] == '[' && s[n - 1] == ']') {	/* [v6] without a port */
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		return n > 2;
	}
	if (!colon || (s[0] != '[' && strchr(colon + 1, ':'))) {
		memcpy(host, s, n + 1);		/* no port: IPv4/name, or bare IPv6 */
		return true;
	}
	return parse_hostport(s, false, host, hostlen, port);
}

/* The local address of --bind, in the family of dst; exits 2 on a bad token. */
static void resolve_bind(const struct options *o, const struct addr *dst, struct addr *local)
{
	const char *errstr = "";
	char host[256];
	uint16_t port;

	if (!parse_bind(o->bind, host, sizeof(host), &port))
		fatal_usage("bad --bind '%s'", o->bind);
	if (addr_resolve(host, port, true, local, &errstr) < 0)
		fatal_usage("bad --bind '%s': %s", o->bind, errstr);
	if (local->ss.ss_family != dst->ss.ss_family)
		fatal_usage("bad --bind '%s': not the address family of '%s'", o->bind, o->host);
}

/* A UDP socket for dst, bound to local if not NULL. Returns 0 or -errno. */
static int open_socket(const struct addr *dst, const struct addr *local, int *fdp)
{
	int fd, bufsz = 1 << 22, rc = 0;

	fd = socket(dst->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* Best effort: room for bursts at high rates. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (local && bind(fd, (const struct sockaddr *)&local->ss, local->len) < 0) {
		rc = -errno;
		goto out;
	}
	*fdp = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Wait until fd is readable, a signal arrives, or the absolute monotonic
 * deadline (0: no wait) passes. */
static void wait_until(int fd, uint64_t deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t now = clock_now_ns(), left = deadline_ns > now ? deadline_ns - now : 0;
	struct timespec ts = { .tv_sec = (time_t)(left / 1000000000ULL),
			       .tv_nsec = (long)(left % 1000000000ULL) };

	if (ppoll(&pfd, 1, &ts, &run_mask) < 0 && errno != EINTR)
		log_warn("poll");
}

/* One datagram into rbuf; its length, or -1 when nothing (more) is queued. */
static ssize_t receive_one(int fd, struct ratelimit *rl)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT | MSG_TRUNC);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_limited(rl, "receive: %s", strerror(errno));
		return -1;
	}
}

static void print_reply(const char *buf, size_t len)
{
	size_t i, shown = len > 1024 ? 1024 : len;

	for (i = 0; i < shown; i++) {
		unsigned char ch = (unsigned char)buf[i];

		putchar(ch >= 0x20 && ch < 0x7f ? ch : '.');
	}
	if (shown < len)
		fputs("...", stdout);
	putchar('\n');
	fflush(stdout);
}

static int run_pingpong(const struct options *o, int fd, const struct addr *dst)
{
	uint64_t interval_ns = (uint64_t)(o->interval_s * 1e9), num = 1, sends = 0;
	uint64_t answered = 0, other = 0, malformed = 0, next_send = clock_now_ns(), now;
	struct ratelimit rl_recv, rl_send, rl_bad;
	bool awaiting = false;
	struct hello h;
	size_t len;
	ssize_t n;
	int i;

	if (interval_ns == 0)
		interval_ns = 1;
	ratelimit_init(&rl_recv, 1, 5);
	ratelimit_init(&rl_send, 1, 5);
	ratelimit_init(&rl_bad, 1, 5);
	while (!got_stop) {
		if (o->count && sends >= o->count && !awaiting)
			break;		/* the last exchange completed */
		now = clock_now_ns();
		if (now >= next_send) {
			if (o->count && sends >= o->count)
				break;	/* the last one went unanswered for an interval */
			len = hello_format(sbuf, sizeof(sbuf), num, HELLO_CLI, NULL, 0);
			if (sendto(fd, sbuf, len, 0, (const struct sockaddr *)&dst->ss,
				   dst->len) < 0)
				log_limited(&rl_send, "send: %s", strerror(errno));
			sends++;
			awaiting = true;
			next_send += interval_ns;
			if (next_send <= now)	/* we stalled: do not send a burst */
				next_send = now + interval_ns;
		}
		wait_until(fd, next_send);
		for (i = 0; i < RECV_BATCH && (n = receive_one(fd, &rl_recv)) >= 0; i++) {
			if ((size_t)n > sizeof(rbuf) || !hello_parse(rbuf, (size_t)n, &h) ||
			    h.role != HELLO_SRV) {
				malformed++;
				log_limited(&rl_bad, "malformed reply of %zd bytes", n);
				continue;
			}
			print_reply(rbuf, (size_t)n);
			if (awaiting && h.num == num + 1 && h.rest_len == 0) {
				answered++;
				awaiting = false;
				if (num < UINT64_MAX - 1)
					num++;
			} else {
				other++;	/* late, duplicated or someone else's */
			}
		}
	}
	log_info("%llu sent, %llu answered, %llu other replies, %llu malformed",
		 (unsigned long long)sends, (unsigned long long)answered,
		 (unsigned long long)other, (unsigned long long)malformed);
	return 0;
}

static uint64_t random_tag(void)
{
	uint64_t tag = 0;

	if (getrandom(&tag, sizeof(tag), GRND_NONBLOCK) != (ssize_t)sizeof(tag))
		tag = clock_now_ns() ^ ((uint64_t)getpid() << 40) ^ (uint64_t)time(NULL) << 20;
	return tag;
}

/* Read every queued reply into the bookkeeping; *last_new gets the arrival
 * time of the latest first reply. */
static void drain_replies(int fd, struct measure *m, uint64_t tag, size_t size,
			  uint64_t *last_new, struct ratelimit *rl)
{
	uint64_t k, now;
	ssize_t n;
	int i;

	for (i = 0; i < RECV_BATCH && (n = receive_one(fd, rl)) >= 0; i++) {
		now = clock_now_ns();
		if ((size_t)n > sizeof(rbuf)) {
			measure_on_malformed(m);
			continue;
		}
		switch (hello_match_reply(rbuf, (size_t)n, tag, size, &k)) {
		case HELLO_OURS:
			if (measure_on_reply(m, k, now) == MEASURE_NEW)
				*last_new = now;
			break;
		case HELLO_FOREIGN:
			measure_on_foreign(m);
			break;
		case HELLO_BAD:
			measure_on_malformed(m);
			break;
		}
	}
}

static int run_measure(const struct options *o, int fd, const struct addr *dst)
{
	const double interval_ns = 1e9 / o->rate;
	const uint64_t timeout_ns = (uint64_t)(o->timeout_s * 1e9);
	uint64_t tag = random_tag(), t0, now, ts, next = 1, last_send = 0, last_new = 0;
	uint64_t deadline, end;
	struct ratelimit rl_recv, rl_send;
	struct measure_report rep;
	struct measure m;
	unsigned batch;
	size_t len;
	ssize_t w;
	int rc;

	rc = measure_init(&m, o->count);
	if (rc < 0) {
		log_errno(rc, "cannot allocate the bookkeeping for %llu datagrams",
			  (unsigned long long)o->count);
		return 1;
	}
	if (o->trace && measure_trace_enable(&m) != 0) {
		log_warnx("cannot allocate the trace for %llu datagrams", (unsigned long long)o->count);
		measure_free(&m);
		return 1;
	}
	ratelimit_init(&rl_recv, 1, 5);
	ratelimit_init(&rl_send, 1, 5);
	hello_tag_hex(tag, sbuf);
	log_debug("tag %s, %llu datagrams of %zu bytes at %g/s", sbuf,
		  (unsigned long long)o->count, hello_probe_len(o->count, o->size), o->rate);

	/* Probe k is due at t0 + (k-1)/rate: absolute deadlines, no drift. */
	t0 = clock_now_ns();
	while (next <= o->count && !got_stop) {
		now = clock_now_ns();
		for (batch = 0; batch < SEND_BATCH && next <= o->count &&
				t0 + (uint64_t)((double)(next - 1) * interval_ns) <= now;
		     batch++, next++) {
			len = hello_build_probe(sbuf, sizeof(sbuf), next, tag, o->size);
			ts = clock_now_ns();
			w = sendto(fd, sbuf, len, 0, (const struct sockaddr *)&dst->ss, dst->len);
			if (w == (ssize_t)len) {
				measure_on_send(&m, next, ts);
				last_send = ts;
			} else {
				measure_on_send_error(&m);
				if (w < 0)
					log_limited(&rl_send, "send: %s", strerror(errno));
			}
		}
		drain_replies(fd, &m, tag, o->size, &last_new, &rl_recv);
		if (next > o->count)
			break;
		deadline = t0 + (uint64_t)((double)(next - 1) * interval_ns);
		now = clock_now_ns();
		if (batch == SEND_BATCH && deadline <= now)
			deadline = 0;	/* behind schedule: just look at replies */
		else if (deadline < now + MIN_SLEEP_NS)
			deadline = now + MIN_SLEEP_NS;
		wait_until(fd, deadline);
	}
	if (last_send == 0)
		last_send = clock_now_ns();

	/* Stragglers: up to --timeout after the last send; once all are in,
	 * a short linger for duplicates. */
	deadline = last_send + timeout_ns;
	while (!got_stop) {
		now = clock_now_ns();
		end = deadline;
		if (m.received == m.sent && last_new + LINGER_NS < end)
			end = last_new + LINGER_NS;
		if (now >= end)
			break;
		wait_until(fd, end);
		drain_replies(fd, &m, tag, o->size, &last_new, &rl_recv);
	}

	end = last_new > last_send ? last_new : last_send;
	if (o->trace) {
		FILE *tf = fopen(o->trace, "w");
		int64_t offset = (int64_t)(clock_wall() * 1e9) - (int64_t)clock_now_ns();

		int bad = !tf || measure_write_trace(&m, tf, offset) != 0;

		if ((tf && fclose(tf) != 0) || bad) {
			log_warn("cannot write the trace %s", o->trace);
			measure_free(&m);
			return 1;
		}
	}
	measure_finish(&m, (double)(end - t0) / 1e9, &rep);
	rep.interrupted = got_stop != 0;
	hello_tag_hex(tag, rep.tag);
	if (o->json)
		measure_print_json(stdout, &rep);
	else
		measure_print_text(stdout, &rep);
	measure_free(&m);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_warn("stdout");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct sigaction sa;
	struct addr dst, local;
	sigset_t block;
	const char *errstr = "";
	int fd = -1, rc;

	log_init("udpclient", LOG_LVL_INFO);
	parse_options(argc, argv, &o);
	log_set_verbosity(o.verbosity);
	if (addr_resolve(o.host, o.port, false, &dst, &errstr) < 0)
		fatal_usage("bad HOST '%s': %s", o.host, errstr);

	/* Signals are only taken inside ppoll(), so a stop is never missed. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &run_mask);
	sigdelset(&run_mask, SIGINT);
	sigdelset(&run_mask, SIGTERM);

	if (o.bind)
		resolve_bind(&o, &dst, &local);
	rc = open_socket(&dst, o.bind ? &local : NULL, &fd);
	if (rc < 0) {
		if (o.bind)
			log_errno(rc, "cannot bind to '%s'", o.bind);
		else
			log_errno(rc, "socket");
		return 1;
	}
	if (o.measure)
		rc = run_measure(&o, fd, &dst);
	else
		rc = run_pingpong(&o, fd, &dst);
	close(fd);
	return rc;
}
