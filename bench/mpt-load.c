/* mpt-load - paced UDP load generator and sink for `make bench`.
 *
 *   mpt-load --to HOST:PORT --sink [ADDR:]PORT --rate MBIT --size BYTES --duration DUR
 *       send numbered, timestamped datagrams to HOST:PORT at the offered rate
 *       and receive them on the sink port in the same process (one-way: the
 *       tunnel under test delivers to the sink); report JSON.
 *   mpt-load --to HOST:PORT --echo-reply ...
 *       the same, but the datagrams come back on the sending socket (a remote
 *       `mpt-load --serve PORT --echo` returned them): round-trip latency.
 *   mpt-load --serve [ADDR:]PORT [--echo] [--idle DUR]
 *       a standalone sink: count (and echo) until SIGINT/SIGTERM or until idle.
 *
 * Pacing: batches of --batch datagrams (default: what falls due in 200 us,
 * 1..64) sent with one sendmmsg() on absolute CLOCK_MONOTONIC deadlines
 * (clock_nanosleep TIMER_ABSTIME): the sender sleeps between batches, never
 * spins.  The receiver is a second thread blocked in recvmmsg().  Latency is
 * now - stamp (both monotonic, one machine) in a 1 us histogram.
 *
 * Payload: magic u32 "MPTL", run u32, seq u64, stamp_ns u64, then zeros.
 * Datagrams of other runs (stragglers of an earlier point) are counted as
 * foreign and otherwise ignored.
 */
#include "addr.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "udp.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x4d50544cu	/* "MPTL" */
#define HDR_LEN 24
#define MAX_SIZE 65507
#define MAX_BATCH 64
#define RX_BATCH 64
#define RX_BUF 2048		/* bytes kept per received datagram (echoed up to this) */
#define HIST_US 100000		/* 1 us buckets up to 100 ms, then one overflow bucket */
#define SOCKBUF (4 << 20)
#define MAX_DGRAMS 50000000ull	/* bound on one run (bitmap of 6 MB) */

struct opts {
	const char *to, *sink, *serve, *bind;
	double mbit, pps, duration, drain, idle;
	size_t size;
	unsigned batch;
	bool echo, echo_reply, json, gso;
};

struct rx {
	int fd;
	uint32_t run;
	uint64_t nseq;		/* datagrams expected: seq 1..nseq */
	uint8_t *seen;		/* bitmap of nseq bits */
	uint32_t *hist;		/* HIST_US + 1 buckets */
	bool echo;		/* --serve --echo: send each datagram back */
	/* written by the receiver thread, read by main after join or atomically */
	_Atomic uint64_t received, last_rx_ns;
	uint64_t first_rx_ns;	/* the first receipt (receiver thread; main reads after join) */
	uint64_t dups, foreign, reordered, bytes, max_seq, lat_max_ns, echo_errors;
};

static volatile sig_atomic_t got_stop;
static atomic_bool rx_stop;

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpt-load --to HOST:PORT (--sink [ADDR:]PORT | --echo-reply) [options]\n"
		"       mpt-load --serve [ADDR:]PORT [--echo] [--idle DUR] [--json]\n\n"
		"  -t, --to HOST:PORT     send the load here\n"
		"  -k, --sink [ADDR:]PORT receive it here, in this process (one-way latency)\n"
		"  -e, --echo-reply       receive it back on the sending socket (round trip)\n"
		"  -B, --bind [ADDR:]PORT send from here (a fixed source port: socat locks onto one)\n"
		"  -r, --rate MBIT        offered load, Mbit/s of UDP payload (default 100)\n"
		"  -p, --pps N            offered load in datagrams/s (instead of --rate)\n"
		"  -s, --size BYTES       UDP payload size, %d..%d (default 1400)\n"
		"  -d, --duration DUR     sending time (default 1s)\n"
		"  -D, --drain DUR        after sending, stop when idle this long (default 200ms;\n"
		"                         never more than 10 times it)\n"
		"  -G, --gso              send each batch as UDP GSO super-datagrams (UDP_SEGMENT):\n"
		"                         one trip through the sender's stack per batch\n"
		"  -b, --batch N          datagrams per sendmmsg (default: 200 us worth, 1..%d)\n"
		"  -S, --serve [ADDR:]PORT standalone sink; --echo sends each datagram back;\n"
		"                         --idle DUR exits after DUR without traffic (default: never)\n"
		"  -j, --json             one JSON object on stdout\n"
		"  -h, --help, -V, --version\n",
		HDR_LEN, MAX_SIZE, MAX_BATCH);
}

static bool parse_addr(const char *s, bool passive, struct addr *a)
{
	char host[256];
	uint16_t port;
	const char *err = NULL;

	if (!parse_hostport(s, passive, host, sizeof(host), &port)) {
		fprintf(stderr, "mpt-load: bad address '%s'\n", s);
		return false;
	}
	if (addr_resolve(host[0] ? host : (passive ? "127.0.0.1" : NULL), port, passive, a,
			 &err) != 0) {
		fprintf(stderr, "mpt-load: cannot resolve '%s': %s\n", s, err ? err : "?");
		return false;
	}
	return true;
}

static int open_socket(const struct addr *bind_to, const struct addr *conn, int *fdp)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 };
	int rc = udp_open(bind_to, conn, false, fdp);

	if (rc)
		return rc;
	/* best effort, capped by net.core.[rw]mem_max */
	(void)udp_set_buffers(*fdp, SOCKBUF, SOCKBUF);
	/* the receiver wakes up to look at its stop flag */
	(void)setsockopt(*fdp, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

/* ---- receiving ---- */

static void rx_account(struct rx *r, const uint8_t *b, size_t len, uint64_t now)
{
	uint64_t seq, stamp, lat;

	if (len < HDR_LEN || get_u32(b) != MAGIC || (r->run && get_u32(b + 4) != r->run)) {
		r->foreign++;
		return;
	}
	seq = get_u64(b + 8);
	stamp = get_u64(b + 16);
	if (r->seen) {
		if (seq == 0 || seq > r->nseq) {
			r->foreign++;
			return;
		}
		if (r->seen[(seq - 1) / 8] & (1u << ((seq - 1) % 8))) {
			r->dups++;
			return;
		}
		r->seen[(seq - 1) / 8] |= (uint8_t)(1u << ((seq - 1) % 8));
	}
	if (seq < r->max_seq)
		r->reordered++;
	else
		r->max_seq = seq;
	lat = now > stamp ? now - stamp : 0;
	if (lat > r->lat_max_ns)
		r->lat_max_ns = lat;
	lat /= 1000;
	r->hist[lat < HIST_US ? lat : HIST_US]++;
	r->bytes += len;
	atomic_store_explicit(&r->received, atomic_load_explicit(&r->received,
				memory_order_relaxed) + 1, memory_order_relaxed);
}

static void *rx_thread(void *arg)
{
	struct rx *r = arg;
	static uint8_t bufs[RX_BATCH][RX_BUF];
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sockaddr_storage from[RX_BATCH];
	int i, n;

	while (!atomic_load(&rx_stop) && !got_stop) {
		for (i = 0; i < RX_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = RX_BUF;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(r->fd, msgs, RX_BATCH, MSG_WAITFORONE | MSG_TRUNC, NULL);
		if (n <= 0)
			continue;	/* timeout (stop flag check), EINTR, ICMP error */
		{
			uint64_t now = clock_now_ns();

			if (!r->first_rx_ns)
				r->first_rx_ns = now;
			for (i = 0; i < n; i++) {
				/* MSG_TRUNC: msg_len is the datagram's full length,
				 * of which the header, all we read, is in bufs[i] */
				rx_account(r, bufs[i], msgs[i].msg_len, now);
			}
			atomic_store_explicit(&r->last_rx_ns, now, memory_order_relaxed);
		}
		if (r->echo) {
			int sent = 0;

			for (i = 0; i < n; i++)
				iov[i].iov_len = msgs[i].msg_len < RX_BUF ? msgs[i].msg_len : RX_BUF;
			while (sent < n) {
				int k = sendmmsg(r->fd, msgs + sent, (unsigned)(n - sent), 0);

				if (k <= 0) {
					r->echo_errors++;
					sent++;
				} else {
					sent += k;
				}
			}
		}
	}
	return NULL;
}

static uint64_t hist_pct(const struct rx *r, double pct)
{
	uint64_t total = atomic_load(&r->received), want, acc = 0;
	unsigned i;

	if (total == 0)
		return 0;
	want = (uint64_t)(pct / 100.0 * (double)total);
	if (want >= total)
		want = total - 1;
	for (i = 0; i <= HIST_US; i++) {
		acc += r->hist[i];
		if (acc > want)
			return i;
	}
	return HIST_US;
}

/* Latency percentiles in us (and the maximum); null when nothing arrived. */
static void json_latency(struct json *j, const struct rx *r)
{
	static const struct {
		const char *key;
		double pct;
	} pcts[] = { { "lat_p50_us", 50 }, { "lat_p90_us", 90 }, { "lat_p99_us", 99 } };
	bool any = atomic_load(&r->received) > 0;
	size_t i;

	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		if (any)
			json_u64(j, pcts[i].key, hist_pct(r, pcts[i].pct));
		else
			json_null(j, pcts[i].key);
	}
	json_fixed(j, "lat_max_us", any ? (double)r->lat_max_ns / 1e3 : NAN, 1);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---- sending ---- */

struct tx_result {
	uint64_t sent, send_errors, batches, late_batches, late_max_ns, elapsed_ns;
};

static void ts_of(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

static void run_sender(int fd, const struct opts *o, uint32_t run, uint64_t count, double pps,
		       struct tx_result *res)
{
	static uint8_t bufs[MAX_BATCH][MAX_SIZE];
	struct mmsghdr msgs[MAX_BATCH], gmsgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	unsigned batch = o->batch, i, per = 1;
	uint64_t seq = 1, t0, k = 0, period_ns;

	if (!batch) {
		batch = (unsigned)(pps * 200e-6 + 0.999);
		if (batch < 1)
			batch = 1;
		if (batch > MAX_BATCH)
			batch = MAX_BATCH;
	}
	period_ns = (uint64_t)((double)batch / pps * 1e9);
	if (period_ns == 0)
		period_ns = 1;
	for (i = 0; i < batch; i++) {
		memset(bufs[i], 0, o->size);
		put_u32(bufs[i], MAGIC);
		put_u32(bufs[i] + 4, run);
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = o->size;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if (o->gso) {
		int seg = (int)o->size;

		/* as many segments as fit one 64 KiB UDP datagram */
		per = (unsigned)(65507 / o->size);
		if (per > MAX_BATCH)
			per = MAX_BATCH;
		if (per < 2 || setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)) < 0) {
			fprintf(stderr, "mpt-load: no UDP GSO for %zu-byte datagrams: sending without\n",
				o->size);
			per = 1;
		}
	}
	memset(res, 0, sizeof(*res));
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);	/* wake on time, not 50 us late */
	t0 = clock_now_ns();
	while (seq <= count && !got_stop) {
		uint64_t due = t0 + k * period_ns, now;
		unsigned n = 0, done = 0;
		struct timespec ts;

		ts_of(due, &ts);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
		       !got_stop)
			;
		now = clock_now_ns();
		if (now > due + period_ns) {
			res->late_batches++;
			if (now - due > res->late_max_ns)
				res->late_max_ns = now - due;
		}
		for (n = 0; n < batch && seq <= count; n++, seq++) {
			put_u64(bufs[n] + 8, seq);
			put_u64(bufs[n] + 16, now);
		}
		if (per > 1) {
			/* message j carries datagrams j*per .. j*per+per-1 as segments */
			unsigned nm = (n + per - 1) / per, j;

			for (j = 0; j < nm; j++) {
				memset(&gmsgs[j], 0, sizeof(gmsgs[j]));
				gmsgs[j].msg_hdr.msg_iov = &iov[j * per];
				gmsgs[j].msg_hdr.msg_iovlen = j + 1 < nm ? per : n - j * per;
			}
			while (done < nm) {
				int s = sendmmsg(fd, gmsgs + done, nm - done, 0);

				if (s <= 0) {
					res->send_errors++;
					done++;
					continue;
				}
				for (j = done; j < done + (unsigned)s; j++)
					res->sent += gmsgs[j].msg_hdr.msg_iovlen;
				done += (unsigned)s;
			}
		}
		while (per == 1 && done < n) {
			int s = sendmmsg(fd, msgs + done, n - done, 0);

			if (s <= 0) {
				/* e.g. ECONNREFUSED for an earlier datagram, ENOBUFS */
				res->send_errors++;
				done++;
				continue;
			}
			res->sent += (unsigned)s;
			done += (unsigned)s;
		}
		res->batches++;
		k++;
	}
	/* the offered load lasted until the next batch would have been due, or
	 * longer if the sender fell behind (then the offered rate was lower) */
	res->elapsed_ns = k * period_ns;
	if (clock_now_ns() - t0 > res->elapsed_ns + period_ns)
		res->elapsed_ns = clock_now_ns() - t0;
}

static int run_load(const struct opts *o)
{
	struct addr to, sink, src;
	struct rx r;
	struct tx_result tx;
	pthread_t th;
	double pps = o->pps ? o->pps : o->mbit * 1e6 / 8.0 / (double)o->size;
	uint64_t count = (uint64_t)(pps * o->duration + 0.5), t_end, limit_ns, idle_ns;
	double elapsed, cpu0, cpu;
	int txfd = -1, rxfd = -1, rc;

	if (count == 0)
		count = 1;
	if (count > MAX_DGRAMS) {
		fprintf(stderr, "mpt-load: %llu datagrams in one run: too many (at most %llu)\n",
			(unsigned long long)count, (unsigned long long)MAX_DGRAMS);
		return 2;
	}
	if (!parse_addr(o->to, false, &to))
		return 2;
	if (o->sink && !parse_addr(o->sink, true, &sink))
		return 2;
	if (o->bind && !parse_addr(o->bind, true, &src))
		return 2;
	memset(&r, 0, sizeof(r));
	if (getrandom(&r.run, sizeof(r.run), 0) != sizeof(r.run) || r.run == 0)
		r.run = (uint32_t)getpid() | 1u;
	r.nseq = count;
	r.seen = calloc((size_t)(count + 7) / 8, 1);
	r.hist = calloc(HIST_US + 1, sizeof(*r.hist));
	if (!r.seen || !r.hist) {
		fprintf(stderr, "mpt-load: out of memory\n");
		return 1;
	}
	rc = open_socket(o->bind ? &src : NULL, &to, &txfd);
	if (rc) {
		fprintf(stderr, "mpt-load: socket to %s: %s\n", o->to, strerror(-rc));
		return 1;
	}
	if (o->sink) {
		rc = open_socket(&sink, NULL, &rxfd);
		if (rc) {
			fprintf(stderr, "mpt-load: cannot bind %s: %s\n", o->sink, strerror(-rc));
			close(txfd);
			return 1;
		}
		r.fd = rxfd;
	} else {
		r.fd = txfd;
	}
	cpu0 = cpu_seconds();
	if (pthread_create(&th, NULL, rx_thread, &r) != 0) {
		fprintf(stderr, "mpt-load: cannot start the receiver thread\n");
		return 1;
	}
	run_sender(txfd, o, r.run, count, pps, &tx);
	/* drain: until nothing arrived for --drain, at most 10 times that */
	t_end = clock_now_ns();
	idle_ns = (uint64_t)(o->drain * 1e9);
	limit_ns = t_end + 10 * idle_ns;
	for (;;) {
		uint64_t now = clock_now_ns(), last = atomic_load(&r.last_rx_ns);
		struct timespec ts = { 0, 10000000 };

		if (got_stop || now >= limit_ns || atomic_load(&r.received) >= tx.sent)
			break;
		if (now - (last > t_end ? last : t_end) >= idle_ns)
			break;
		nanosleep(&ts, NULL);
	}
	atomic_store(&rx_stop, true);
	pthread_join(th, NULL);
	cpu = cpu_seconds() - cpu0;
	elapsed = (double)tx.elapsed_ns / 1e9;
	{
		uint64_t rcv = atomic_load(&r.received);
		double loss = tx.sent ? 1.0 - (double)rcv / (double)tx.sent : 0;
		double gp = elapsed > 0 ? (double)rcv * (double)o->size * 8 / elapsed / 1e6 : 0;

		if (loss < 0)
			loss = 0;
		if (o->json) {
			struct json j;

			json_begin(&j, stdout);
			json_doc_open(&j, "mpt-load");
			json_u64(&j, "size", o->size);
			json_fixed(&j, "offered_mbps", pps * (double)o->size * 8 / 1e6, 3);
			json_fixed(&j, "offered_pps", pps, 1);
			json_fixed(&j, "duration_s", elapsed, 6);
			json_u64(&j, "sent", tx.sent);
			json_u64(&j, "send_errors", tx.send_errors);
			json_fixed(&j, "sent_pps", elapsed > 0 ? (double)tx.sent / elapsed : NAN, 1);
			json_u64(&j, "received", rcv);
			json_u64(&j, "duplicates", r.dups);
			json_u64(&j, "foreign", r.foreign);
			json_u64(&j, "reordered", r.reordered);
			json_fixed(&j, "loss", tx.sent ? loss : NAN, 6);
			json_fixed(&j, "goodput_mbps", elapsed > 0 ? gp : NAN, 3);
			json_fixed(&j, "goodput_pps", elapsed > 0 ? (double)rcv / elapsed : NAN, 1);
			/* receipts from the first to the last: the delivery rate while data flowed
			 * (a rate-limited link drains its queue after the sender stops) */
			json_fixed(&j, "rx_span_s", rcv > 1 ? (double)(atomic_load(&r.last_rx_ns) -
								       r.first_rx_ns) / 1e9 : NAN, 6);
			json_latency(&j, &r);
			json_u64(&j, "late_batches", tx.late_batches);
			json_fixed(&j, "late_max_us", (double)tx.late_max_ns / 1e3, 1);
			json_u64(&j, "batches", tx.batches);
			json_fixed(&j, "load_cpu_s", cpu, 3);
			json_str(&j, "mode", o->sink ? "one-way" : "round-trip");
			json_doc_close(&j);
			json_end(&j);
		} else {
			printf("offered %.1f Mbit/s (%.0f datagrams/s of %zu bytes) for %.2fs: sent %llu, "
			       "received %llu (loss %.3f%%, %llu duplicates)\n"
			       "goodput %.1f Mbit/s, %.0f datagrams/s; %s latency p50 %llu us, "
			       "p99 %llu us, max %.0f us; load generator CPU %.2fs\n",
			       pps * (double)o->size * 8 / 1e6, pps, o->size, elapsed,
			       (unsigned long long)tx.sent, (unsigned long long)rcv, loss * 100,
			       (unsigned long long)r.dups, gp, elapsed > 0 ? (double)rcv / elapsed : 0,
			       o->sink ? "one-way" : "round-trip",
			       (unsigned long long)hist_pct(&r, 50), (unsigned long long)hist_pct(&r, 99),
			       (double)r.lat_max_ns / 1e3, cpu);
		}
	}
	close(txfd);
	if (rxfd >= 0)
		close(rxfd);
	free(r.seen);
	free(r.hist);
	return got_stop ? 130 : 0;
}

/* ---- standalone sink ---- */

static int run_serve(const struct opts *o)
{
	struct addr a;
	struct rx r;
	pthread_t th;
	uint64_t t0 = clock_now_ns();
	int fd, rc;

	if (!parse_addr(o->serve, true, &a))
		return 2;
	rc = open_socket(&a, NULL, &fd);
	if (rc) {
		fprintf(stderr, "mpt-load: cannot bind %s: %s\n", o->serve, strerror(-rc));
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.fd = fd;
	r.echo = o->echo;
	r.hist = calloc(HIST_US + 1, sizeof(*r.hist));
	if (!r.hist) {
		close(fd);
		return 1;
	}
	if (pthread_create(&th, NULL, rx_thread, &r) != 0) {
		close(fd);
		free(r.hist);
		return 1;
	}
	while (!got_stop) {
		struct timespec ts = { 0, 20000000 };
		uint64_t last = atomic_load(&r.last_rx_ns);

		nanosleep(&ts, NULL);
		if (o->idle > 0 && clock_now_ns() - (last ? last : t0) > (uint64_t)(o->idle * 1e9))
			break;
	}
	atomic_store(&rx_stop, true);
	pthread_join(th, NULL);
	if (o->json) {
		struct json j;

		json_begin(&j, stdout);
		json_doc_open(&j, "mpt-load");
		json_u64(&j, "received", atomic_load(&r.received));
		json_u64(&j, "bytes", r.bytes);
		json_u64(&j, "foreign", r.foreign);
		json_u64(&j, "reordered", r.reordered);
		json_u64(&j, "echo_errors", r.echo_errors);
		json_latency(&j, &r);
		json_doc_close(&j);
		json_end(&j);
	}
	else
		printf("received %llu datagrams (%llu bytes), %llu foreign\n",
		       (unsigned long long)atomic_load(&r.received), (unsigned long long)r.bytes,
		       (unsigned long long)r.foreign);
	close(fd);
	free(r.hist);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "sink", required_argument, NULL, 'k' },
		{ "echo-reply", no_argument, NULL, 'e' },
		{ "bind", required_argument, NULL, 'B' },
		{ "rate", required_argument, NULL, 'r' },
		{ "pps", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "drain", required_argument, NULL, 'D' },
		{ "batch", required_argument, NULL, 'b' },
		{ "gso", no_argument, NULL, 'G' },
		{ "serve", required_argument, NULL, 'S' },
		{ "echo", no_argument, NULL, 'E' },
		{ "idle", required_argument, NULL, 'I' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .mbit = 100, .size = 1400, .duration = 1.0, .drain = 0.2 };
	struct sigaction sa;
	unsigned u;
	int c;

	log_init("mpt-load", 0);
	while ((c = getopt_long(argc, argv, "t:k:eB:r:p:s:d:D:b:GS:EI:jhV", longopts, NULL)) != -1) {
		const char *bad = NULL;

		switch (c) {
		case 't': o.to = optarg; break;
		case 'k': o.sink = optarg; break;
		case 'e': o.echo_reply = true; break;
		case 'B': o.bind = optarg; break;
		case 'r': if (!parse_double(optarg, 0.001, 1e6, &o.mbit)) bad = "--rate"; break;
		case 'p': if (!parse_double(optarg, 1, 1e8, &o.pps)) bad = "--pps"; break;
		case 's':
			if (!parse_uint(optarg, HDR_LEN, MAX_SIZE, &u))
				bad = "--size";
			else
				o.size = u;
			break;
		case 'd': if (!parse_duration(optarg, 1.0, 3600, &o.duration)) bad = "--duration"; break;
		case 'D': if (!parse_duration(optarg, 1.0, 60, &o.drain)) bad = "--drain"; break;
		case 'b': if (!parse_uint(optarg, 1, MAX_BATCH, &o.batch)) bad = "--batch"; break;
		case 'G': o.gso = true; break;
		case 'S': o.serve = optarg; break;
		case 'E': o.echo = true; break;
		case 'I': if (!parse_duration(optarg, 1.0, 3600, &o.idle)) bad = "--idle"; break;
		case 'j': o.json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("mpt-load %s\n", MPT_VERSION); return 0;
		default: usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "mpt-load: bad %s '%s'\n", bad, optarg);
			return 2;
		}
	}
	if (optind != argc || (!o.serve && !o.to) || (o.serve && o.to) ||
	    (o.to && !o.sink == !o.echo_reply)) {
		usage(stderr);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return o.serve ? run_serve(&o) : run_load(&o);
}
