/* mpt-refrelay - the reference fan-out relay of `make bench`: the tunnel's
 * pattern of socket calls with no protocol, the upper limit to compare with.
 *
 *   mpt-refrelay client --listen [ADDR:]PORT --path HOST:PORT [--path ...]
 *       recvmmsg() a batch from the application, put an 8-byte sequence
 *       number in front of each datagram, one sendmmsg() of the batch on
 *       every path socket.
 *   mpt-refrelay server --listen [ADDR:]PORT --target HOST:PORT
 *       recvmmsg() a batch from the paths, keep the first copy of each
 *       sequence number (a 64 Ki-bit sliding bitmap), one sendmmsg() of the
 *       survivors, header stripped, to the target.
 *   mpt-refrelay bridge --listen [ADDR:]PORT --to HOST:PORT
 *
 * --gso (client and server): each run of equal-sized datagrams of a batch goes
 * out as one UDP GSO message (UDP_SEGMENT), to measure whether it pays.
 * --single (client and server): one datagram per system call (recvmmsg and
 * sendmmsg of one), the unbatched socket pattern, to measure what batching
 * is worth.
 *       a minimal bridge: batches from the client (re-learned from the latest
 *       datagram) to the target, and back.
 *
 * One direction only for client and server (the bench load is one-way).
 * No allocation after start; SIGINT/SIGTERM print counters and exit.
 */
#include "addr.h"
#include "msg.h"
#include "parse.h"
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUFSZ 65536
#define SEQ_LEN 8
#define MAX_PATHS 16
#define WIN_BITS 65536u
#define SOCKBUF (4 << 20)

static volatile sig_atomic_t got_stop;
static uint8_t bufs[BATCH][BUFSZ + SEQ_LEN];
static struct mmsghdr in[BATCH], out[BATCH];
static struct iovec in_iov[BATCH], out_iov[BATCH];
static struct sockaddr_storage from[BATCH];
static bool use_gso;
static unsigned batch_max = BATCH;	/* 1 with --single */
static struct mmsghdr gso_out[BATCH];
static union {
	struct cmsghdr h;
	uint8_t b[CMSG_SPACE(sizeof(uint16_t))];
} gso_cm[BATCH];

struct counters {
	unsigned long long received, forwarded, duplicates, too_old, send_errors;
};

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void usage(FILE *f)
{
	fputs("usage: mpt-refrelay client --listen [ADDR:]PORT --path HOST:PORT [--path ...]\n"
	      "       mpt-refrelay server --listen [ADDR:]PORT --target HOST:PORT\n"
	      "       mpt-refrelay bridge --listen [ADDR:]PORT --to HOST:PORT\n"
	      "  --gso (client, server): send runs of equal-sized datagrams as UDP GSO\n"
	      "  --single (client, server): one datagram per system call\n"
	      "       mpt-refrelay --help | --version\n", f);
}

static bool resolve(const char *s, bool passive, struct addr *a)
{
	char host[256];
	uint16_t port;
	const char *err = NULL;

	if (!parse_hostport(s, passive, host, sizeof(host), &port)) {
		fprintf(stderr, "mpt-refrelay: bad address '%s'\n", s);
		return false;
	}
	if (addr_resolve(host[0] ? host : NULL, port, passive, a, &err) != 0) {
		fprintf(stderr, "mpt-refrelay: cannot resolve '%s': %s\n", s, err ? err : "?");
		return false;
	}
	return true;
}

/* A UDP socket, bound and/or connected; 0 or -errno. */
static int sock(const struct addr *local, const struct addr *peer, int *fdp)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	int rc = udp_open(local, peer, false, fdp);

	if (rc)
		return rc;
	(void)udp_set_buffers(*fdp, SOCKBUF, SOCKBUF);
	/* a blocked receive looks at the stop flag this often */
	(void)setsockopt(*fdp, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

/* Receive up to BATCH datagrams at bufs[i] + off; the count, or 0. */
static int recv_batch(int fd, size_t off, int flags)
{
	int i, n;

	for (i = 0; i < BATCH; i++) {
		in_iov[i].iov_base = bufs[i] + off;
		in_iov[i].iov_len = BUFSZ;
		in[i].msg_hdr.msg_iov = &in_iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_name = &from[i];
		in[i].msg_hdr.msg_namelen = sizeof(from[i]);
		in[i].msg_hdr.msg_control = NULL;
		in[i].msg_hdr.msg_controllen = 0;
		in[i].msg_hdr.msg_flags = 0;
	}
	n = recvmmsg(fd, in, batch_max, flags, NULL);
	return n > 0 ? n : 0;
}

/* Send out[0..n) on fd, skipping a datagram that fails. */
static void send_batch(int fd, const struct sockaddr_storage *to, socklen_t tolen, int n,
		       struct counters *c)
{
	int i, done = 0;

	for (i = 0; i < n; i++) {
		out[i].msg_hdr.msg_name = msg_unconst(to);
		out[i].msg_hdr.msg_namelen = to ? tolen : 0;
	}
	while (done < n) {
		int k = sendmmsg(fd, out + done, (unsigned)(n - done), 0);

		if (k <= 0) {
			c->send_errors++;
			done++;
		} else {
			c->forwarded += (unsigned)k;
			done += k;
		}
	}
}

/* Send out[0..n) (one iovec each) on a connected fd, each run of equal-sized
 * datagrams as one GSO message of up to 64 KiB. */
static void send_batch_gso(int fd, int n, struct counters *c)
{
	int i = 0, m = 0, done = 0, j;

	while (i < n) {
		size_t seg = out_iov[i].iov_len;
		int k = 1;

		while (i + k < n && out_iov[i + k].iov_len == seg && (size_t)(k + 1) * seg <= 65507)
			k++;
		memset(&gso_out[m], 0, sizeof(gso_out[m]));
		gso_out[m].msg_hdr.msg_iov = &out_iov[i];
		gso_out[m].msg_hdr.msg_iovlen = (size_t)k;
		if (k > 1) {
			struct cmsghdr *cm = &gso_cm[m].h;
			uint16_t s16 = (uint16_t)seg;

			gso_out[m].msg_hdr.msg_control = gso_cm[m].b;
			gso_out[m].msg_hdr.msg_controllen = sizeof(gso_cm[m].b);
			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(s16));
			memcpy(CMSG_DATA(cm), &s16, sizeof(s16));
		}
		m++;
		i += k;
	}
	while (done < m) {
		int k = sendmmsg(fd, gso_out + done, (unsigned)(m - done), 0);

		if (k <= 0) {
			c->send_errors++;
			done++;
			continue;
		}
		for (j = done; j < done + k; j++)
			c->forwarded += gso_out[j].msg_hdr.msg_iovlen;
		done += k;
	}
}

static void put_seq(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_seq(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int run_client(int lfd, const int *pfd, unsigned npaths, struct counters *c)
{
	uint64_t seq = 0;

	while (!got_stop) {
		int n = recv_batch(lfd, SEQ_LEN, MSG_WAITFORONE), i;
		unsigned p;

		for (i = 0; i < n; i++) {
			put_seq(bufs[i], ++seq);
			out_iov[i].iov_base = bufs[i];
			out_iov[i].iov_len = in[i].msg_len + SEQ_LEN;
			out[i].msg_hdr = (struct msghdr){ .msg_iov = &out_iov[i], .msg_iovlen = 1 };
		}
		c->received += (unsigned)n;
		for (p = 0; p < npaths && n > 0; p++) {	/* one fan-out per batch */
			if (use_gso)
				send_batch_gso(pfd[p], n, c);
			else
				send_batch(pfd[p], NULL, 0, n, c);
		}
	}
	return 0;
}

/* ---- the server's duplicate check: a ring of WIN_BITS bits below top ---- */

static uint64_t win[WIN_BITS / 64], win_top;

/* true if seq is new (and now marked) */
static bool win_take(uint64_t seq)
{
	uint64_t w, b = 1ull << (seq % 64);

	if (seq > win_top) {
		if (seq - win_top >= WIN_BITS) {
			memset(win, 0, sizeof(win));
		} else {
			for (w = win_top / 64 + 1; w <= seq / 64; w++)
				win[w % (WIN_BITS / 64)] = 0;
		}
		win_top = seq;
	} else if (win_top - seq >= WIN_BITS) {
		return false;
	}
	w = (seq / 64) % (WIN_BITS / 64);
	if (win[w] & b)
		return false;
	win[w] |= b;
	return true;
}

static int run_server(int lfd, int tfd, struct counters *c)
{
	while (!got_stop) {
		int n = recv_batch(lfd, 0, MSG_WAITFORONE), i, m = 0;

		for (i = 0; i < n; i++) {
			uint64_t seq;

			c->received++;
			if (in[i].msg_len < SEQ_LEN)
				continue;
			seq = get_seq(bufs[i]);
			if (seq == 0 || !win_take(seq)) {
				if (seq && win_top - seq >= WIN_BITS)
					c->too_old++;
				else
					c->duplicates++;
				continue;
			}
			out_iov[m].iov_base = bufs[i] + SEQ_LEN;
			out_iov[m].iov_len = in[i].msg_len - SEQ_LEN;
			out[m].msg_hdr = (struct msghdr){ .msg_iov = &out_iov[m], .msg_iovlen = 1 };
			m++;
		}
		if (m && use_gso)
			send_batch_gso(tfd, m, c);
		else if (m)
			send_batch(tfd, NULL, 0, m, c);
	}
	return 0;
}

static int run_bridge(int lfd, int ufd, struct counters *c)
{
	struct sockaddr_storage client;
	socklen_t clen = 0;
	struct pollfd pf[2] = { { .fd = lfd, .events = POLLIN }, { .fd = ufd, .events = POLLIN } };

	while (!got_stop) {
		int n, i, k;

		if (poll(pf, 2, 100) <= 0)
			continue;
		for (k = 0; k < 2; k++) {
			if (!(pf[k].revents & POLLIN))
				continue;
			n = recv_batch(pf[k].fd, 0, MSG_DONTWAIT);
			for (i = 0; i < n; i++) {
				out_iov[i].iov_base = bufs[i];
				out_iov[i].iov_len = in[i].msg_len;
				out[i].msg_hdr = (struct msghdr){ .msg_iov = &out_iov[i], .msg_iovlen = 1 };
			}
			c->received += (unsigned)n;
			if (n == 0)
				continue;
			if (k == 0) {
				memcpy(&client, &from[n - 1], in[n - 1].msg_hdr.msg_namelen);
				clen = in[n - 1].msg_hdr.msg_namelen;
				send_batch(ufd, NULL, 0, n, c);
			} else if (clen) {
				send_batch(lfd, &client, clen, n, c);
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *role, *listen = NULL, *to = NULL, *paths[MAX_PATHS];
	struct addr la, ta, pa[MAX_PATHS];
	int lfd = -1, tfd = -1, pfd[MAX_PATHS], i, rc = 1;
	unsigned npaths = 0, p;
	struct counters c = { 0 };
	struct sigaction sa;

	if (argc >= 2 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("mpt-refrelay %s\n", MPT_VERSION);
		return 0;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	role = argv[1];
	if (strcmp(role, "client") && strcmp(role, "server") && strcmp(role, "bridge")) {
		fprintf(stderr, "mpt-refrelay: unknown role '%s'\n", role);
		usage(stderr);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--gso") && strcmp(role, "bridge")) {
			use_gso = true;
			continue;
		}
		if (!strcmp(o, "--single") && strcmp(role, "bridge")) {
			batch_max = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "mpt-refrelay: '%s' needs a value\n", o);
			return 2;
		}
		if (!strcmp(o, "--listen") || !strcmp(o, "-l")) {
			listen = argv[++i];
		} else if (!strcmp(role, "client") && (!strcmp(o, "--path") || !strcmp(o, "-p"))) {
			if (npaths == MAX_PATHS) {
				fprintf(stderr, "mpt-refrelay: at most %d paths\n", MAX_PATHS);
				return 2;
			}
			paths[npaths++] = argv[++i];
		} else if (strcmp(role, "client") &&
			   (!strcmp(o, "--target") || !strcmp(o, "--to") || !strcmp(o, "-t"))) {
			to = argv[++i];
		} else {
			fprintf(stderr, "mpt-refrelay: unknown option '%s'\n", o);
			usage(stderr);
			return 2;
		}
	}
	if (!listen || (!strcmp(role, "client") ? npaths == 0 : !to)) {
		usage(stderr);
		return 2;
	}
	if (!resolve(listen, true, &la) || (to && !resolve(to, false, &ta)))
		return 2;
	for (p = 0; p < npaths; p++)
		if (!resolve(paths[p], false, &pa[p]))
			return 2;
	for (p = 0; p < MAX_PATHS; p++)
		pfd[p] = -1;

	rc = sock(&la, NULL, &lfd);
	if (rc) {
		fprintf(stderr, "mpt-refrelay: cannot bind %s: %s\n", listen, strerror(-rc));
		return 1;
	}
	if (to) {
		rc = sock(NULL, &ta, &tfd);
		if (rc) {
			fprintf(stderr, "mpt-refrelay: socket to %s: %s\n", to, strerror(-rc));
			goto out;
		}
	}
	for (p = 0; p < npaths; p++) {
		rc = sock(NULL, &pa[p], &pfd[p]);
		if (rc) {
			fprintf(stderr, "mpt-refrelay: socket to %s: %s\n", paths[p], strerror(-rc));
			goto out;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(role, "client"))
		rc = run_client(lfd, pfd, npaths, &c);
	else if (!strcmp(role, "server"))
		rc = run_server(lfd, tfd, &c);
	else
		rc = run_bridge(lfd, tfd, &c);
	fprintf(stderr, "mpt-refrelay %s: received %llu, sent %llu, duplicates %llu, too old %llu, "
		"send errors %llu\n", role, c.received, c.forwarded, c.duplicates, c.too_old,
		c.send_errors);
out:
	for (p = 0; p < npaths; p++)
		if (pfd[p] >= 0)
			close(pfd[p]);
	if (tfd >= 0)
		close(tfd);
	close(lfd);
	return rc ? 1 : 0;
}
