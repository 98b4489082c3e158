/* mpt-fecpipe.c - one direction of the tunnel's redundancy, end to end over
 * real paths: a paced stream of wire-v2 DATA datagrams (suite 0, CRC32C)
 * sent through N bridges (mpbridge, socat) as broadcast copies or as
 * Reed-Solomon blocks with PARITY (lib/fec.c), received back on one port,
 * decoded, and counted: residual loss, bytes on the wire, per-path loss,
 * recovery delay, and for `auto` the controller's choices over time
 * (lib/fec_ctl.c).  A lab and test tool until the tunnel carries FEC.
 *
 *   mpt-fecpipe --listen PORT --path HOST:PORT [--path ...]
 *               [--redundancy broadcast|fec:K:M|auto] [--target-loss P]
 *               [--fec-wait DUR] [--fec-depth N] [--count N] [--rate PPS]
 *               [--size BYTES] [--drain DUR] [--json FILE] [--window DUR]
 *
 * In auto mode the controller gets each path's loss every 100 ms from the
 * counts of both ends (datagrams sent on the path, datagrams received on
 * it: what FEEDBACK carries, here without its delay) and the mean loss burst
 * seen by the receiver (lib/pathmeas).  --window DUR reports the residual
 * per window of send time (for the loss-step scenario). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "fec.h"
#include "fec_ctl.h"
#include "log.h"
#include "parse.h"
#include "pathmeas.h"
#include "udp.h"
#include "wire.h"

#define MAXP FEC_PATHS_MAX
#define SESSION 0x5eed5eed5eed5eedull
#define TICK_US 100000u

struct pathst {
	int fd;
	uint32_t path_seq;
	uint64_t sent, sent_bytes, recv, recv_bytes;
	uint64_t last_sent;		/* at the last controller tick */
	uint32_t last_highest, last_rx;	/* receiver's counts at the last tick */
	double loss;			/* EWMA of the per-tick loss */
	bool have_loss;
	struct pathrx rx;
};

static struct pathst paths[MAXP];
static unsigned npaths;
static uint8_t *delivered;	/* per seq: 0 no, 1 arrived, 2 recovered */
static uint64_t *sent_at;	/* µs */
static uint32_t *blk;		/* block of each data seq (debug) */
static FILE *dbg;
static uint64_t count = 10000, size = 1000;
static double rate = 2000;
static uint64_t t0;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint8_t dgram[WIRE_MAX_DGRAM];
static uint64_t send_errors, send_waits;
static uint64_t next_seq = 1;

static void send_on(unsigned p, size_t n)
{
	struct pathst *ps = &paths[p];

	wire_set_per_path(dgram, n, (uint8_t)p, ++ps->path_seq, (uint32_t)now_us());
	for (;;) {
		if (send(ps->fd, dgram, n, 0) == (ssize_t)n) {
			ps->sent++;
			ps->sent_bytes += n;
			return;
		}
		if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
			send_errors++;	/* e.g. ICMP unreachable reported: the datagram is lost */
			return;
		}
		send_waits++;	/* socket buffer full: wait for room, as a blocking sender would */
		{
			struct pollfd w = { .fd = ps->fd, .events = POLLOUT };

			poll(&w, 1, 10);
		}
	}
}

static size_t encode(uint8_t type, uint64_t seq, uint32_t flow, const struct wire_ext *ext,
		     const void *payload, size_t len)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = type, .flags = ext ? WIRE_F_FEC : 0,
		.suite = WIRE_SUITE_CLEAR, .flow = flow, .session = SESSION, .epoch = SESSION,
		.seq = seq, .len = (uint16_t)len,
	};

	if (ext)
		h.ext = *ext;
	return wire_encode(&h, payload, dgram, sizeof(dgram));
}

/* the best n live paths in `mask` (lowest measured loss first) */
static void copies(size_t n, uint16_t mask, unsigned ncopies)
{
	unsigned order[MAXP], k = 0, i, j;

	for (i = 0; i < npaths; i++)
		if (mask & (1u << i))
			order[k++] = i;
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && paths[order[j]].loss < paths[order[j - 1]].loss; j--) {
			unsigned t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (ncopies > k)
		ncopies = k;
	for (i = 0; i < ncopies; i++)
		send_on(order[i], n);
}

static uint64_t bad_recovered;
static uint64_t recovered, arrived, parity_sent, parity_rx, dup_rx, bad_rx, lone;
static double rec_delay_sum, rec_delay_max;

static void mark(uint64_t seq, bool by_fec, uint64_t t)
{
	if (seq < 1 || seq > count || delivered[seq])
		return;
	delivered[seq] = by_fec ? 2 : 1;
	if (by_fec) {
		double d = (double)(t - sent_at[seq]) / 1000.0;

		recovered++;
		rec_delay_sum += d;
		if (d > rec_delay_max)
			rec_delay_max = d;
	} else {
		arrived++;
	}
}

static void receive(int fd, struct fec_rx *rx)
{
	static uint8_t buf[WIRE_MAX_DGRAM];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct wire_hdr h;
		const uint8_t *pl;
		uint64_t t = now_us();
		const struct fec_recovered *r;
		unsigned nr, i;

		enum wire_drop why = WIRE_OK;

		if (!wire_decode(buf, (size_t)n, &h, &pl, &why) || h.path >= npaths) {
			if (bad_rx++ < 3)
				fprintf(stderr, "mpt-fecpipe: dropped a datagram: %s\n", wire_drop_name(why));
			continue;
		}
		paths[h.path].recv++;
		paths[h.path].recv_bytes += (uint64_t)n;
		pathrx_on(&paths[h.path].rx, h.path_seq, h.stamp, (unsigned)n, (double)t / 1e6);
		if (h.type == WIRE_DATA) {
			if (h.seq >= 1 && h.seq <= count && delivered[h.seq])
				dup_rx++;
			mark(h.seq, false, t);
			if (!(h.flags & WIRE_F_FEC))
				continue;
			fec_rx_data(rx, t, h.ext.block, h.ext.index, h.seq, h.flow, 0, pl, h.len);
		} else if (h.type == WIRE_PARITY) {
			enum fec_rx_verdict v;

			parity_rx++;
			v = fec_rx_parity(rx, t, h.ext.block, h.ext.index, h.ext.k, h.ext.m, pl, h.len);
			if (dbg && v != FEC_RX_OK)
				fprintf(dbg, "rx parity block %u index %u: %s at %.4f\n", h.ext.block,
					h.ext.index, fec_rx_verdict_name(v), (double)(t - t0) / 1e6);
		} else {
			continue;
		}
		nr = fec_rx_recovered(rx, &r);
		for (i = 0; i < nr; i++) {
			uint64_t inside = 0;

			if (r[i].len >= sizeof(inside))
				memcpy(&inside, r[i].payload, sizeof(inside));
			if (inside != r[i].seq) {
				if (dbg)
					fprintf(dbg, "rx recovered seq %llu carries %llu (len %u) block %u\n",
						(unsigned long long)r[i].seq, (unsigned long long)inside,
						r[i].len, h.ext.block);
				bad_recovered++;
				continue;
			}
			mark(r[i].seq, true, t);
		}
	}
}

static int open_addr(const char *s, bool passive)
{
	char host[256];
	uint16_t port;
	struct addr a;
	const char *err = NULL;
	int fd = -1;

	if (!parse_hostport(s, passive, host, sizeof(host), &port) ||
	    addr_resolve(host, port, passive, &a, &err) < 0)
		fatalx("mpt-fecpipe: bad address '%s'%s%s", s, err ? ": " : "", err ? err : "");
	if ((passive ? udp_bind(&a, &fd) : udp_connect(&a, NULL, &fd)) < 0)
		fatalx("mpt-fecpipe: cannot open '%s'", s);
	return fd;
}

/* parity due now; parity consumes seqs above count (the receiver ignores those) */
static void send_parity(struct fec_tx *tx, const struct fec_ctl_config *ctl,
			const struct fec_ctl_choice *ch, uint64_t t)
{
	struct fec_tx_out out;

	while (ctl->mode != FEC_MODE_BROADCAST && fec_tx_parity(tx, t, ch->paths, &out)) {
		struct wire_ext e = { .block = out.block, .index = out.index, .k = out.k,
				       .m = out.m };
		size_t n = encode(WIRE_PARITY, count + 1 + parity_sent, 0, &e, out.payload, out.len);

		parity_sent++;
		if (dbg)
			fprintf(dbg, "parity block %u index %u k %u m %u path %u t %.4f\n", out.block,
				out.index, out.k, out.m, out.path, (double)(t - t0) / 1e6);
		send_on(out.path, n);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mpt-fecpipe --listen PORT --path HOST:PORT [--path ...] [--redundancy "
		"broadcast|fec:K:M|auto]\n"
		"       [--target-loss P] [--fec-wait DUR] [--fec-depth N] [--count N] [--rate PPS]\n"
		"       [--size BYTES] [--drain DUR] [--window DUR] [--json FILE]\n"
		"       mpt-fecpipe --version\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "path", required_argument, NULL, 'p' },
		{ "redundancy", required_argument, NULL, 'r' },
		{ "target-loss", required_argument, NULL, 'T' },
		{ "fec-wait", required_argument, NULL, 'w' },
		{ "fec-depth", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'R' },
		{ "size", required_argument, NULL, 's' },
		{ "drain", required_argument, NULL, 'D' },
		{ "window", required_argument, NULL, 'W' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct fec_ctl_config ctl = { .mode = FEC_MODE_BROADCAST, .target = 1e-3, .depth = 10,
				      .wait_us = 20000 };
	struct fec_ctl_choice ch;
	struct fec_tx tx;
	struct fec_rx rx;
	struct fec_tx_config tc;
	struct fec_rx_config rc = { .max_blocks = 256, .slots = 8192, .hold_us = 2000000 };
	const char *json = NULL, *listen_s = NULL;
	double drain = 1.0, window = 0;
	uint64_t t, next_send, next_tick, end_send, i;
	int rfd, c;
	uint16_t mask;
	FILE *jf = NULL;
	static uint8_t payload[65536];
	unsigned ticks = 0;
	uint64_t bytes_data = 0;

	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		double d;
		uint64_t v;

		switch (c) {
		case 'l': listen_s = optarg; break;
		case 'p':
			if (npaths >= MAXP)
				fatalx("mpt-fecpipe: at most %u paths", MAXP);
			paths[npaths].fd = open_addr(optarg, false);
			pathrx_init(&paths[npaths].rx);
			npaths++;
			break;
		case 'r':
			if (!fec_ctl_parse_mode(optarg, &ctl))
				fatalx("mpt-fecpipe: bad redundancy '%s'", optarg);
			break;
		case 'T':
			if (!parse_double(optarg, 1e-12, 0.5, &d))
				fatalx("mpt-fecpipe: bad target loss '%s'", optarg);
			ctl.target = d;
			break;
		case 'w':
			if (!parse_duration(optarg, 0.001, 10, &d) || d <= 0)
				fatalx("mpt-fecpipe: bad wait '%s'", optarg);
			ctl.wait_us = (uint32_t)(d * 1e6);
			break;
		case 'd':
			if (!parse_u64(optarg, 1, FEC_DEPTH_MAX, &v))
				fatalx("mpt-fecpipe: bad depth '%s'", optarg);
			ctl.depth = (unsigned)v;
			break;
		case 'c':
			if (!parse_u64(optarg, 1, 100000000, &v))
				fatalx("mpt-fecpipe: bad count '%s'", optarg);
			count = v;
			break;
		case 'R':
			if (!parse_u64(optarg, 1, 1000000, &v))
				fatalx("mpt-fecpipe: bad rate '%s'", optarg);
			rate = (double)v;
			break;
		case 's':
			if (!parse_u64(optarg, 8, 1400, &v))
				fatalx("mpt-fecpipe: bad size '%s'", optarg);
			size = v;
			break;
		case 'D':
			if (!parse_duration(optarg, 1, 60, &drain))
				fatalx("mpt-fecpipe: bad drain '%s'", optarg);
			break;
		case 'W':
			if (!parse_duration(optarg, 1, 60, &window) || window <= 0)
				fatalx("mpt-fecpipe: bad window '%s'", optarg);
			break;
		case 'j': json = optarg; break;
		case 'V': printf("mpt-fecpipe %s\n", MPT_VERSION); return 0;
		default: usage();
		}
	}
	if (!listen_s || !npaths || optind != argc)
		usage();
	rfd = open_addr(listen_s, true);
	udp_set_buffers(rfd, 0, 1 << 24);
	delivered = calloc(count + 1, 1);
	sent_at = calloc(count + 1, sizeof(*sent_at));
	blk = calloc(count + 1, sizeof(*blk));
	if (getenv("FECPIPE_DEBUG"))
		dbg = fopen(getenv("FECPIPE_DEBUG"), "w");
	if (!delivered || !sent_at)
		fatalx("mpt-fecpipe: out of memory");
	tc = (struct fec_tx_config){ .k = ctl.mode == FEC_MODE_FIXED ? ctl.k : 20,
				     .m = ctl.mode == FEC_MODE_FIXED ? ctl.m : 20,
				     .k_max = 64, .m_max = 64, .depth = ctl.depth,
				     .wait_us = ctl.wait_us };
	if (fec_tx_init(&tx, &tc) != 0 || fec_rx_init(&rx, &rc) != 0)
		fatalx("mpt-fecpipe: FEC init failed");
	mask = (uint16_t)((1u << npaths) - 1);
	for (i = 0; i < npaths; i++) {
		paths[i].loss = 0;
	}
	{
		struct fec_ctl_path cp[MAXP];

		for (i = 0; i < npaths; i++)
			cp[i] = (struct fec_ctl_path){ .live = true };
		fec_ctl_choose(&ctl, cp, npaths, rate, &ch);
		if (ctl.mode == FEC_MODE_AUTO) {
			/* nothing measured yet: copies on every path until the first figures */
			ch.copies = true;
			ch.ncopies = npaths;
			ch.paths = mask;
		}
		if (!ch.copies && ctl.mode != FEC_MODE_FIXED)
			fec_tx_set_code(&tx, ch.k, ch.m, ch.m_for_k, 0);
		else if (ctl.mode == FEC_MODE_FIXED)
			fec_tx_set_code(&tx, ch.k, ch.m, ch.m_for_k, 0);
	}
	if (json) {
		jf = fopen(json, "w");
		if (!jf)
			fatal("mpt-fecpipe: %s", json);
		fprintf(jf, "{\"mode\":\"%s\",\"paths\":%u,\"count\":%llu,\"rate\":%g,\"size\":%llu,"
			"\"wait_ms\":%g,\"depth\":%u,\"target\":%g,\"choices\":[",
			ctl.mode == FEC_MODE_BROADCAST ? "broadcast" : ctl.mode == FEC_MODE_AUTO ? "auto"
			: "fec", npaths, (unsigned long long)count, rate, (unsigned long long)size,
			ctl.wait_us / 1000.0, ctl.depth, ctl.target);
	}
	t0 = now_us();
	next_send = t0;
	next_tick = t0 + TICK_US;
	end_send = t0 + (uint64_t)(count / rate * 1e6);
	i = 0;
	for (;;) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };
		struct fec_tx_out out;
		uint64_t wake;
		int timeout_ms;

		t = now_us();
		while (i < count && t >= next_send) {
			uint64_t seq = ++i;
			size_t n;
			enum fec_tx_verdict v;

			memset(payload, (int)(seq & 0xff), size);
			memcpy(payload, &seq, sizeof(seq));
			sent_at[seq] = t;
			bytes_data += size;
			next_send = t0 + (uint64_t)((double)seq / rate * 1e6);
			if (ctl.mode == FEC_MODE_BROADCAST || (ch.copies && ctl.mode == FEC_MODE_AUTO)) {
				n = encode(WIRE_DATA, next_seq++, 1, NULL, payload, size);
				copies(n, ch.copies ? ch.paths : mask, ch.copies ? ch.ncopies : npaths);
				/* the receiver's seq is the data number: keep them equal */
				continue;
			}
			v = fec_tx_data(&tx, t, next_seq, 1, 0, payload, size, ch.paths, &out);
			if (v == FEC_TX_CODED) {
				struct wire_ext e = { .block = out.block, .index = out.index };

				blk[next_seq] = out.block;
				n = encode(WIRE_DATA, next_seq++, 1, &e, payload, size);
				send_on(out.path, n);
				send_parity(&tx, &ctl, &ch, t);	/* after each datagram, as due */
			} else {
				lone++;
				n = encode(WIRE_DATA, next_seq++, 1, NULL, payload, size);
				copies(n, ch.paths, out.copies);
			}
		}
		send_parity(&tx, &ctl, &ch, t);
		receive(rfd, &rx);
		if (t >= next_tick) {
			struct fec_ctl_path cp[MAXP];
			unsigned p;

			next_tick += TICK_US;
			ticks++;
			fec_rx_expire(&rx, t);
			for (p = 0; p < npaths; p++) {
				struct pathst *ps = &paths[p];
				/* FEEDBACK's formula: 1 - received / highest path seq, over
				 * the tick (what is in flight is not counted) */
				uint32_t dh = ps->rx.highest - ps->last_highest;
				uint32_t dr = ps->rx.received - ps->last_rx;

				if (dh >= 5) {
					double l = dr >= dh ? 0 : 1.0 - (double)dr / dh;

					ps->loss = ps->have_loss ? 0.7 * ps->loss + 0.3 * l : l;
					ps->have_loss = true;
				}
				if (dh == 0 && ps->sent - ps->last_sent >= 2)
					ps->loss = 1.0;	/* nothing arrived while we sent: down */
				ps->last_highest = ps->rx.highest;
				ps->last_rx = ps->rx.received;
				ps->last_sent = ps->sent;
				cp[p].live = ps->loss < 0.9;
				cp[p].loss = ps->loss;
				cp[p].burst = ps->rx.burst;
				/* a probe on every path every tick (the tunnel's keepalive),
				 * so that a path left out is still measured */
				{
					static const uint8_t fb[4] = { 0 };
					size_t n = encode(WIRE_FEEDBACK, count + 1 + parity_sent + 1000000000ull +
							  (uint64_t)ticks * MAXP + p, 0, NULL, fb, sizeof(fb));

					send_on(p, n);
				}
			}
			bool measured = true;

			for (p = 0; p < npaths; p++)
				measured = measured && paths[p].have_loss;
			if (ctl.mode != FEC_MODE_BROADCAST && i < count && measured) {
				struct fec_ctl_choice nc;

				if (fec_ctl_choose(&ctl, cp, npaths, rate, &nc)) {
					if (!nc.copies && (ch.copies || nc.k != ch.k || nc.m != ch.m ||
							   memcmp(nc.m_for_k, ch.m_for_k, sizeof(nc.m_for_k))))
						fec_tx_set_code(&tx, nc.k, nc.m, nc.m_for_k, t);
					ch = nc;
				}
			}
			if (jf && i < count) {
				fprintf(jf, "%s{\"t\":%.3f,\"copies\":%s,\"n\":%u,\"k\":%u,\"m\":%u,"
					"\"paths\":%u,\"residual\":%.3g,\"cost\":%.4g,\"loss\":[",
					ticks > 1 ? "," : "", (double)(t - t0) / 1e6,
					ch.copies ? "true" : "false", ch.ncopies, ch.k, ch.m, ch.paths,
					ch.residual, ch.cost);
				for (p = 0; p < npaths; p++)
					fprintf(jf, "%s%.4f", p ? "," : "", cp[p].loss);
				fprintf(jf, "]}");
			}
		}
		if (i >= count && t >= end_send + (uint64_t)(drain * 1e6))
			break;
		wake = i < count ? next_send : t + 5000;
		if (next_tick < wake)
			wake = next_tick;
		{
			uint64_t d = fec_tx_deadline(&tx);

			if (ctl.mode != FEC_MODE_BROADCAST && d < wake)
				wake = d;
		}
		timeout_ms = wake > t ? (int)((wake - t + 999) / 1000) : 0;
		poll(&pfd, 1, timeout_ms);
	}
	receive(rfd, &rx);
	if (getenv("FECPIPE_DEBUG")) {
		for (i = 1; i <= count; i++)
			if (!delivered[i])
				fprintf(stderr, "lost %llu at %.3f s block %u\n", (unsigned long long)i,
					(double)(sent_at[i] - t0) / 1e6, blk[i]);
	}
	{
		uint64_t lost = count - arrived - recovered, wire = 0, wire_dgrams = 0;
		unsigned p;

		for (p = 0; p < npaths; p++) {
			wire += paths[p].sent_bytes;
			wire_dgrams += paths[p].sent;
		}
		printf("send errors %llu, waits for buffer room %llu, recovered symbols not what was "
		       "sent %llu\n", (unsigned long long)send_errors, (unsigned long long)send_waits,
		       (unsigned long long)bad_recovered);
		printf("sent %llu data (%llu bytes), arrived %llu, recovered %llu, lost %llu: "
		       "residual %.3g; parity %llu, lone %llu; %llu datagrams, %llu bytes on the wire "
		       "(%.3fx the data datagrams)\n",
		       (unsigned long long)count, (unsigned long long)bytes_data,
		       (unsigned long long)arrived, (unsigned long long)recovered,
		       (unsigned long long)lost, (double)lost / count, (unsigned long long)parity_sent,
		       (unsigned long long)lone, (unsigned long long)wire_dgrams,
		       (unsigned long long)wire,
		       (double)wire / ((double)count * (size + WIRE_HDR_LEN + WIRE_CRC_LEN)));
		for (p = 0; p < npaths; p++)
			printf("path %u: sent %llu received %llu (loss %.2f%%)\n", p,
			       (unsigned long long)paths[p].sent, (unsigned long long)paths[p].recv,
			       paths[p].sent ? 100.0 * (1 - (double)paths[p].recv / paths[p].sent) : 0);
		if (jf) {
			fprintf(jf, "],\"sent\":%llu,\"arrived\":%llu,\"recovered\":%llu,\"lost\":%llu,"
				"\"residual\":%.6g,\"parity\":%llu,\"lone\":%llu,\"wire_datagrams\":%llu,"
				"\"wire_bytes\":%llu,\"data_datagram_bytes\":%llu,\"bytes_ratio\":%.5f,"
				"\"recovery_ms_mean\":%.3f,\"recovery_ms_max\":%.3f,\"rx\":{\"decoded\":%llu,"
				"\"complete\":%llu,\"abandoned\":%llu,\"unknown\":%llu,\"lost\":%llu,"
				"\"cache_hit\":%llu,\"cache_miss\":%llu,\"dup\":%llu,\"late\":%llu,"
				"\"stale\":%llu,\"bad\":%llu,\"evicted\":%llu,\"expired\":%llu,"
				"\"pool_full\":%llu,\"recovered\":%llu,\"bad_recovered\":%llu,\"too_big\":%llu},\"tx\":{\"blocks\":%llu,\"closed_full\":%llu,"
				"\"closed_wait\":%llu,\"flushed\":%llu},\"path\":[",
				(unsigned long long)count, (unsigned long long)arrived,
				(unsigned long long)recovered, (unsigned long long)lost,
				(double)lost / count, (unsigned long long)parity_sent,
				(unsigned long long)lone, (unsigned long long)wire_dgrams,
				(unsigned long long)wire,
				(unsigned long long)(count * (size + WIRE_HDR_LEN + WIRE_CRC_LEN)),
				(double)wire / ((double)count * (size + WIRE_HDR_LEN + WIRE_CRC_LEN)),
				recovered ? rec_delay_sum / recovered : 0, rec_delay_max,
				(unsigned long long)rx.st.decoded, (unsigned long long)rx.st.complete,
				(unsigned long long)rx.st.abandoned, (unsigned long long)rx.st.unknown,
				(unsigned long long)rx.st.lost, (unsigned long long)rx.st.cache_hit,
				(unsigned long long)rx.st.cache_miss, (unsigned long long)rx.st.dup,
				(unsigned long long)rx.st.late, (unsigned long long)rx.st.stale,
				(unsigned long long)rx.st.bad, (unsigned long long)rx.st.evicted,
				(unsigned long long)rx.st.expired, (unsigned long long)rx.st.pool_full,
				(unsigned long long)rx.st.recovered, (unsigned long long)rx.st.bad_recovered,
				(unsigned long long)rx.st.too_big,
				(unsigned long long)tx.st.blocks, (unsigned long long)tx.st.closed_full,
				(unsigned long long)tx.st.closed_wait, (unsigned long long)tx.st.flushed);
			for (p = 0; p < npaths; p++)
				fprintf(jf, "%s{\"sent\":%llu,\"received\":%llu,\"bytes\":%llu}",
					p ? "," : "", (unsigned long long)paths[p].sent,
					(unsigned long long)paths[p].recv,
					(unsigned long long)paths[p].sent_bytes);
			fprintf(jf, "]");
			if (window > 0) {
				uint64_t w = (uint64_t)(window * 1e6), s, lo = 0, lost_w = 0, n_w = 0;

				fprintf(jf, ",\"windows\":[");
				for (s = 1; s <= count; s++) {
					uint64_t idx = (sent_at[s] - t0) / w;

					if (idx != lo && n_w) {
						fprintf(jf, "%s[%.3f,%llu,%llu]", lo ? "," : "",
							(double)(lo * w) / 1e6, (unsigned long long)n_w,
							(unsigned long long)lost_w);
						n_w = lost_w = 0;
					}
					lo = idx;
					n_w++;
					lost_w += !delivered[s];
				}
				if (n_w)
					fprintf(jf, "%s[%.3f,%llu,%llu]", lo ? "," : "",
						(double)(lo * w) / 1e6, (unsigned long long)n_w,
						(unsigned long long)lost_w);
				fprintf(jf, "]");
			}
			fprintf(jf, "}\n");
			fclose(jf);
		}
	}
	fec_tx_free(&tx);
	fec_rx_free(&rx);
	free(delivered);
	free(sent_at);
	return 0;
}
