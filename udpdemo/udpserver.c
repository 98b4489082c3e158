/* udpserver - answers each "N hello cli<rest>" with "N+1 hello srv<rest>",
 * sent back to the datagram's source address (the seed's hello counter). */
#include "addr.h"
#include "hello.h"
#include "json.h"
#include "log.h"
#include "msg.h"
#include "parse.h"
#include "udp.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef MPT_VERSION
#define MPT_VERSION "unknown"
#endif

/* Datagrams handled per wake-up before signals are looked at again. */
#define SERVE_BATCH 256

struct server {
	int fd;
	bool pktinfo;		/* bound to a wildcard: reply from the address asked */
	const char *stats_path;
	bool quiet;
	uint64_t received, replied, malformed, send_errors;
	struct ratelimit rl_malformed, rl_send;
};

static volatile sig_atomic_t got_stop, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: udpserver [options] PORT\n"
		"Answers each UDP datagram \"N hello cli<rest>\" with \"N+1 hello srv<rest>\"\n"
		"sent back to its source address.\n"
		"\n"
		"  -b, --bind ADDR    listen on ADDR (default: all IPv4 addresses)\n"
		"  -s, --stats FILE   write {\"received\":..,\"replied\":..,\"malformed\":..} as JSON\n"
		"                     to FILE on SIGUSR1 and at exit\n"
		"  -v, --verbose      more log output\n"
		"  -q, --quiet        only warnings; no counters on stdout\n"
		"  -h, --help         this text\n"
		"  -V, --version      print the version\n"
		"\n"
		"SIGUSR1 prints the counters; SIGINT and SIGTERM exit with status 0.\n");
}

static bool is_wildcard(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return false;
}

/* Returns 0 or -errno; the socket is in srv->fd. */
static int server_open(struct server *srv, const struct addr *bind_addr)
{
	int fd, one = 1, bufsz = 1 << 21, rc;

	fd = socket(bind_addr->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* Best effort: a larger queue for bursts from many clients. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	srv->pktinfo = false;
	if (is_wildcard(bind_addr)) {
		if (bind_addr->ss.ss_family == AF_INET)
			rc = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		else
			rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		srv->pktinfo = rc == 0;
	}
	if (bind(fd, (const struct sockaddr *)&bind_addr->ss, bind_addr->len) < 0) {
		rc = -errno;
		goto out;
	}
	srv->fd = fd;
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static void print_counters(const struct server *srv)
{
	if (srv->quiet)
		return;
	printf("received %llu, replied %llu, malformed %llu, send errors %llu\n",
	       (unsigned long long)srv->received, (unsigned long long)srv->replied,
	       (unsigned long long)srv->malformed, (unsigned long long)srv->send_errors);
	fflush(stdout);
}

static void stats_json(struct json *j, void *arg)
{
	const struct server *srv = arg;

	json_doc_open(j, "udpserver");
	json_u64(j, "received", srv->received);
	json_u64(j, "replied", srv->replied);
	json_u64(j, "malformed", srv->malformed);
	json_u64(j, "send_errors", srv->send_errors);
	json_doc_close(j);
}

/* The counters as JSON, written atomically. Returns 0 or -errno. */
static int write_stats(struct server *srv)
{
	if (!srv->stats_path)
		return 0;
	return json_write_file(srv->stats_path, stats_json, srv);
}

static void report(struct server *srv)
{
	int rc;

	print_counters(srv);
	rc = write_stats(srv);
	if (rc < 0)
		log_errno(rc, "cannot write %s", srv->stats_path);
}

/* Send the reply, from the local address the request was sent to when the
 * socket listens on a wildcard address. */
static void send_reply(struct server *srv, const char *buf, size_t len,
		       const struct sockaddr_storage *to, socklen_t tolen, struct msghdr *req)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = msg_unconst(buf), .iov_len = len };
	struct msghdr msg;
	struct cmsghdr *c, *out;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = msg_unconst(to);
	msg.msg_namelen = tolen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	memset(&ctl, 0, sizeof(ctl));
	for (c = srv->pktinfo ? CMSG_FIRSTHDR(req) : NULL; c; c = CMSG_NXTHDR(req, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in, pi;

			memcpy(&in, CMSG_DATA(c), sizeof(in));
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = in.ipi_spec_dst;
			msg.msg_control = ctl.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			out = CMSG_FIRSTHDR(&msg);
			out->cmsg_level = IPPROTO_IP;
			out->cmsg_type = IP_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(out), &pi, sizeof(pi));
			break;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			msg.msg_control = ctl.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(pi6));
			out = CMSG_FIRSTHDR(&msg);
			out->cmsg_level = IPPROTO_IPV6;
			out->cmsg_type = IPV6_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi6));
			memcpy(CMSG_DATA(out), &pi6, sizeof(pi6));
			break;
		}
	}
	n = sendmsg(srv->fd, &msg, 0);
	if (n < 0 && msg.msg_control && errno == EINVAL) {
		/* e.g. a source address the kernel will not use: let it choose */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		n = sendmsg(srv->fd, &msg, 0);
	}
	if (n == (ssize_t)len) {
		srv->replied++;
		return;
	}
	srv->send_errors++;
	if (n < 0) {
		char who[ADDR_STRLEN];

		log_limited(&srv->rl_send, "send to %s: %s",
			    addr_format_sa((const struct sockaddr *)to, tolen, who, sizeof(who)),
			    strerror(errno));
	}
}

/* Answer what is queued, at most SERVE_BATCH datagrams. Returns 0 or -errno. */
static int serve_batch(struct server *srv)
{
	static char in[65536], out[65536 + 32];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage from;
	struct iovec iov;
	struct msghdr msg;
	char who[ADDR_STRLEN];
	size_t rlen;
	ssize_t n;
	int i;

	for (i = 0; i < SERVE_BATCH; i++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = in;
		iov.iov_len = sizeof(in);
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(srv->fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			if (udp_err_icmp(errno))
				continue;	/* a stale ICMP error; keep serving */
			return -errno;
		}
		srv->received++;
		rlen = 0;
		if (!(msg.msg_flags & MSG_TRUNC))
			rlen = hello_answer(in, (size_t)n, out, sizeof(out));
		if (rlen == 0) {
			srv->malformed++;
			log_limited(&srv->rl_malformed, "malformed datagram of %zd bytes from %s",
				    n, addr_format_sa((struct sockaddr *)&from, msg.msg_namelen,
						      who, sizeof(who)));
			continue;
		}
		send_reply(srv, out, rlen, &from, msg.msg_namelen, &msg);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "stats", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct server srv;
	struct addr bind_addr;
	struct sigaction sa;
	sigset_t block, orig;
	const char *bind_host = NULL, *errstr = "";
	char where[ADDR_STRLEN];
	int verbosity = LOG_LVL_INFO, c, rc, status = 0;
	uint16_t port;

	memset(&srv, 0, sizeof(srv));
	srv.fd = -1;
	log_init("udpserver", LOG_LVL_INFO);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:s:vqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bind_host = optarg;
			break;
		case 's':
			if (!*optarg)
				fatal_usage("bad --stats ''");
			srv.stats_path = optarg;
			break;
		case 'v':
			verbosity = LOG_LVL_DEBUG;
			break;
		case 'q':
			verbosity = LOG_LVL_WARN;
			srv.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("udpserver %s\n", MPT_VERSION);
			return 0;
		case ':':
			fatal_usage("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				fatal_usage("unknown option '-%c'", optopt);
			fatal_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	log_set_verbosity(verbosity);
	if (optind >= argc)
		fatal_usage("missing PORT");
	if (argc - optind > 1)
		fatal_usage("unexpected argument '%s'", argv[optind + 1]);
	if (!parse_port(argv[optind], false, &port))
		fatal_usage("bad port '%s'", argv[optind]);
	if (bind_host && !*bind_host)
		fatal_usage("bad --bind ''");
	if (addr_resolve(bind_host ? bind_host : "0.0.0.0", port, true, &bind_addr, &errstr) < 0)
		fatal_usage("bad --bind '%s': %s", bind_host ? bind_host : "0.0.0.0", errstr);

	ratelimit_init(&srv.rl_malformed, 1, 5);
	ratelimit_init(&srv.rl_send, 1, 5);

	/* Signals are only taken inside ppoll(), so none is lost between checks. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);
	sigdelset(&orig, SIGUSR1);

	rc = server_open(&srv, &bind_addr);
	if (rc < 0) {
		log_errno(rc, "cannot listen on %s", addr_format(&bind_addr, where, sizeof(where)));
		return 1;
	}
	log_info("listening on %s", addr_format(&bind_addr, where, sizeof(where)));

	while (!got_stop) {
		struct pollfd pfd = { .fd = srv.fd, .events = POLLIN };

		if (got_usr1) {
			got_usr1 = 0;
			report(&srv);
		}
		rc = ppoll(&pfd, 1, NULL, &orig);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			status = 1;
			break;
		}
		if (pfd.revents & (POLLIN | POLLERR)) {
			rc = serve_batch(&srv);
			if (rc < 0) {
				log_errno(rc, "receive");
				status = 1;
				break;
			}
		}
	}
	report(&srv);
	close(srv.fd);
	return status;
}
