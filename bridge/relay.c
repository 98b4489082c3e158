/* relay.c - sockets, libev watchers, timers and the glue to impair/capture. */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "udp.h"

#define SOCKBUF (4 << 20)

_Static_assert(RELAY_BATCH <= BATCH_MAX, "RELAY_BATCH");
_Static_assert(RELAY_STAGE >= RELAY_BUF, "RELAY_STAGE");

static uint8_t stage[RELAY_STAGE];	/* copies held for tx_flush */

double relay_now(const struct relay *r)
{
	return clock_now() - r->mono0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void set_bufs(int fd)
{
	int sz = SOCKBUF;

	/* best effort: capped by net.core.[rw]mem_max */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

/* ---- capture glue ---- */

static uint8_t tos_of(unsigned flags, int base)
{
	return (uint8_t)(base | (flags & 0x0f) << CAP_FLAG_SHIFT);
}

/* arrival-form addresses of a direction: peer -> bridge */
static void arrival_addrs(struct relay *r, int dir, const struct sockaddr **src,
			  const struct sockaddr **dst)
{
	if (dir == DIR_C2S) {
		*src = (const struct sockaddr *)&r->client.ss;
		*dst = (const struct sockaddr *)&r->client_dst.ss;
	} else {
		*src = (const struct sockaddr *)&r->target.ss;
		*dst = (const struct sockaddr *)&r->up_local.ss;
	}
}

/* ---- sending ---- */

/* Send one datagram at once: DROP_NONE or DROP_SEND.  A pending ICMP error
 * reported instead of the send is counted and the send retried once. */
static int send_now(struct relay *r, int dir, const uint8_t *buf, size_t len)
{
	ssize_t n;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (dir == DIR_C2S)
			n = send(r->up_fd, buf, len, 0);
		else
			n = sendto(r->lsn_fd, buf, len, 0, (struct sockaddr *)&r->client.ss,
				   r->client.len);
		if (n >= 0)
			return DROP_NONE;
		if (udp_err_icmp(errno)) {
			/* a pending ICMP error from an earlier datagram: reported
			 * instead of sending this one; the retry sends it */
			r->dir[dir].st.icmp_errors++;
			continue;
		}
		break;
	}
	log_limited(&r->rl, "%s: send: %s", dir_name(dir), strerror(errno));
	return DROP_SEND;
}

/* A copy that was counted forwarded did not go out after all. */
static void unforward(struct relay *r, int dir, unsigned k, size_t len)
{
	struct impair_stats *st = &r->dir[dir].st;

	st->forwarded -= k;
	st->bytes_forwarded -= (uint64_t)k * len;
	st->dropped[DROP_SEND] += k;
}

/*
 * Send the held-back datagrams, in order, with one batch_send (one sendmmsg:
 * each run of two or more of one size a UDP GSO message, the others plain
 * messages; a batch of mixed sizes, such as FEC's DATA and PARITY, costs one
 * system call, not one per lone datagram).  Failures turn forwarded copies
 * into dropped_send ones: batch_send sends in order, so the ones not sent are
 * the tail, and their bytes are exact.
 */
static void tx_flush(struct relay *r)
{
	int dir = r->out_dir;
	struct batch_tx *tx = &r->tx[dir];
	uint64_t icmp_before = tx->icmp;
	unsigned sent, i;

	if (r->nout == 0)
		return;
	sent = batch_send(dir == DIR_C2S ? r->up_fd : r->lsn_fd,
			  dir == DIR_C2S ? NULL : &r->client, r->out, r->nout, tx);
	/* ICMP errors reported instead of a send (batch_send retried) */
	r->dir[dir].st.icmp_errors += tx->icmp - icmp_before;
	if (sent < r->nout) {
		for (i = sent; i < r->nout; i++)
			unforward(r, dir, 1, r->out[i].iov_len);
		if (udp_err_icmp(tx->last_err))
			r->dir[dir].st.icmp_errors++;
		log_limited(&r->rl, "%s: send: %s", dir_name(dir), strerror(tx->last_err));
	}
	r->nout = 0;
	r->stage_used = 0;
}

/*
 * Hold a datagram back for tx_flush.  It is referenced where it is when that
 * stays put until the flush (a receive slot; a queue slot while the timer
 * releases them), else copied to the staging area (a queue slot freed before
 * a new arrival may take it, the duplicate's one clean buffer).
 */
static void tx_hold(struct relay *r, int dir, uint8_t *buf, size_t len)
{
	uintptr_t p = (uintptr_t)buf, rx0 = (uintptr_t)r->rx.mem;
	bool stays = (p >= rx0 && p - rx0 < (size_t)r->rx.cap * r->rx.slot_size) || r->in_timer;

	if (r->nout == RELAY_OUT || (r->nout && dir != r->out_dir) ||
	    (!stays && r->stage_used + len > RELAY_STAGE))
		tx_flush(r);
	if (!stays) {
		memcpy(stage + r->stage_used, buf, len);
		buf = stage + r->stage_used;
		r->stage_used += len;
	}
	r->out_dir = dir;
	r->out[r->nout].iov_base = buf;
	r->out[r->nout].iov_len = len;
	r->nout++;
}

/* ---- impair callbacks ---- */

static int emit_cb(void *ctx, int dir, uint8_t *buf, size_t len, unsigned flags, uint64_t seq,
		   double now)
{
	struct relay *r = ctx;
	int rc;

	if (dir == DIR_S2C && !r->have_client)
		return DROP_NOCLIENT;
	if (!r->capturing) {
		/* counted forwarded now; tx_flush corrects a failed send */
		tx_hold(r, dir, buf, len);
		return DROP_NONE;
	}
	/* capturing: sent at once, so each record follows its own send */
	rc = send_now(r, dir, buf, len);
	if (rc != DROP_NONE)
		return rc;
	{
		const struct sockaddr *src, *dst;

		if (dir == DIR_C2S) {
			src = (const struct sockaddr *)&r->up_local.ss;
			dst = (const struct sockaddr *)&r->target.ss;
		} else {
			src = (const struct sockaddr *)&r->client_dst.ss;
			dst = (const struct sockaddr *)&r->client.ss;
		}
		capture_write(&r->cap, dir, 0, src, dst, buf, len, tos_of(flags, CAP_TOS_FWD),
			      (uint16_t)seq, now);
	}
	return DROP_NONE;
}

static void drop_cb(void *ctx, int dir, const uint8_t *buf, size_t len, int reason,
		    unsigned flags, uint64_t seq, double now)
{
	struct relay *r = ctx;
	const struct sockaddr *src, *dst;

	if (!r->capturing)
		return;
	arrival_addrs(r, dir, &src, &dst);
	capture_write(&r->cap, dir, 1, src, dst, buf, len, tos_of(flags, reason),
		      (uint16_t)seq, now);
}

/* ---- timers ---- */

static void arm(struct relay *r, int dir, double now)
{
	double due = impair_next_due(&r->dir[dir]);

	if (due == r->armed[dir])
		return;
	ev_timer_stop(r->loop, &r->q_w[dir]);
	r->armed[dir] = due;
	if (isinf(due))
		return;
	ev_timer_set(&r->q_w[dir], due > now ? due - now : 0, 0);
	ev_timer_start(r->loop, &r->q_w[dir]);
}

static void queue_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct relay *r = w->data;
	int dir = w == &r->q_w[DIR_C2S] ? DIR_C2S : DIR_S2C;
	double now = relay_now(r);

	(void)loop;
	(void)revents;
	r->armed[dir] = INFINITY;	/* a fired one-shot timer is stopped */
	/* no arrival until the flush: the released slots keep their data */
	r->in_timer = true;
	impair_service(&r->dir[dir], now);
	r->in_timer = false;
	tx_flush(r);
	arm(r, dir, now);
}

static void tl_apply(struct relay *r, double now);

static void tl_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct relay *r = w->data;

	(void)loop;
	(void)revents;
	tl_apply(r, relay_now(r));
}

/* Apply the next timeline step now (`signal`: asked by SIGUSR2, not due). */
static void tl_step(struct relay *r, double now, bool signal)
{
	const struct tl_entry *e = &r->o->tl[r->tl_next];
	char desc[512];
	int d;

	for (d = 0; d < DIR_N; d++) {
		impair_set_cfg(&r->dir[d], &e->cfg[d]);
		impair_cfg_describe(&e->cfg[d], desc, sizeof(desc));
		log_info("t=%.3fs step %zu (%s %gs): %s:%s", now, r->tl_next + 1,
			 signal ? "SIGUSR2, planned at" : "at", e->at, dir_name(d), desc);
	}
	r->tl_next++;
}

/* Apply every timeline step that is due, arm for the next. */
static void tl_apply(struct relay *r, double now)
{
	const struct bridge_opts *o = r->o;

	while (r->tl_next < o->ntl && o->tl[r->tl_next].at <= now)
		tl_step(r, now, false);
	if (r->tl_next < o->ntl) {
		double at = o->tl[r->tl_next].at;

		ev_timer_stop(r->loop, &r->tl_w);
		ev_timer_set(&r->tl_w, at > now ? at - now : 0, 0);
		ev_timer_start(r->loop, &r->tl_w);
	}
}

/* ---- readers ---- */

/* A step due now applies before the datagram, however late its timer is. */
static inline void tl_due(struct relay *r, double now)
{
	if (r->tl_next < r->o->ntl && r->o->tl[r->tl_next].at <= now)
		tl_apply(r, now);
}

/* One datagram into receive slot i, with the address the client sent it to
 * (IP_PKTINFO, for captures) in r->rx_dst[i]: 1, 0 when none, or -errno. */
static int recv_pktinfo(struct relay *r, unsigned i)
{
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct iovec iov = { batch_slot(&r->rx, i), r->rx.slot_size };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &r->rx.from[i].ss;
	mh.msg_namelen = sizeof(r->rx.from[i].ss);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(r->lsn_fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	r->rx.from[i].len = mh.msg_namelen;
	r->rx.len[i] = (size_t)n;
	r->rx_dst_ok[i] = false;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			r->rx_dst[i] = pi.ipi_addr;
			r->rx_dst_ok[i] = true;
		}
	}
	return 1;
}

/*
 * Read up to RELAY_BATCH datagrams into r->rx: one recvmmsg, or with
 * IP_PKTINFO one recvmsg each.  An error (an ICMP error reported on the
 * socket) is counted in *icmp (and logged, rate-limited, when `what` is
 * given) and reading goes on; at most RELAY_BATCH calls in all.  Returns the
 * count, 0 when none.
 */
static unsigned rx_read(struct relay *r, int fd, uint64_t *icmp, const char *what)
{
	bool one = fd == r->lsn_fd && r->pktinfo;
	unsigned got = 0, calls;

	for (calls = 0; calls < RELAY_BATCH && got < RELAY_BATCH; calls++) {
		int n = one ? recv_pktinfo(r, got) : batch_recv(&r->rx, fd, 0);

		if (n == 0)
			break;
		if (n < 0) {
			if (n == -EINTR)
				continue;
			(*icmp)++;
			if (what)
				log_limited(&r->rl, "%s: recv: %s", what, strerror(-n));
			continue;
		}
		got += (unsigned)n;
		if (!one)
			break;
	}
	return got;
}

static void capture_arrival(struct relay *r, int dir, const uint8_t *buf, size_t len, double now)
{
	const struct sockaddr *src, *dst;

	arrival_addrs(r, dir, &src, &dst);
	capture_write(&r->cap, dir, 0, src, dst, buf, len, 0, (uint16_t)(r->dir[dir].seq + 1),
		      now);
}

/* A datagram in for direction dir: the timeline's due steps first, then captured (when
 * capturing), impaired and its direction's timer armed. */
static void arrive(struct relay *r, int dir, uint8_t *buf, size_t len, double now)
{
	tl_due(r, now);
	if (r->capturing)
		capture_arrival(r, dir, buf, len, now);
	impair_input(&r->dir[dir], now, buf, len);
	arm(r, dir, now);
}

static void lsn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct relay *r = w->data;
	unsigned i, n;

	(void)loop;
	(void)revents;
	/* e.g. an ICMP error on the listening socket: counted (s2c), go on */
	n = rx_read(r, r->lsn_fd, &r->dir[DIR_S2C].st.icmp_errors, "listen");
	for (i = 0; i < n; i++) {
		const struct addr *from = &r->rx.from[i];
		uint8_t *buf = batch_slot(&r->rx, i);
		size_t len = r->rx.len[i] < r->rx.slot_size ? r->rx.len[i] : r->rx.slot_size;
		enum peer_verdict v;
		double now;

		now = relay_now(r);
		v = peer_input(&r->peer, from, now);
		if (v == PEER_LEARNED) {
			char b1[ADDR_STRLEN];

			r->client = r->peer.client;
			r->have_client = true;
			r->client_changes = r->peer.changes;
			if (ratelimit_allow(&r->rl_client, clock_now(), NULL))
				log_info("client is now %s",
					 addr_format(&r->client, b1, sizeof(b1)));
		} else if (v == PEER_IGNORED) {
			continue;	/* --lock: not our client */
		}
		if (v != PEER_STRANGER && r->pktinfo && r->rx_dst_ok[i])
			((struct sockaddr_in *)&r->client_dst.ss)->sin_addr = r->rx_dst[i];
		arrive(r, DIR_C2S, buf, len, now);
	}
	tx_flush(r);
}

static void up_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct relay *r = w->data;
	unsigned i, n;

	(void)loop;
	(void)revents;
	/* ICMP port unreachable etc. from the target: counted (c2s), go on */
	n = rx_read(r, r->up_fd, &r->dir[DIR_C2S].st.icmp_errors, NULL);
	for (i = 0; i < n; i++) {
		uint8_t *buf = batch_slot(&r->rx, i);
		size_t len = r->rx.len[i] < r->rx.slot_size ? r->rx.len[i] : r->rx.slot_size;
		double now = relay_now(r);

		arrive(r, DIR_S2C, buf, len, now);
	}
	tx_flush(r);
}

/* ---- signals ---- */

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* SIGUSR2: the next timeline step at once (a change made when the caller
 * wants it, not at a time after start); the later steps keep their times. */
static void usr2_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct relay *r = w->data;
	double now = relay_now(r);

	(void)loop;
	(void)revents;
	if (r->tl_next >= r->o->ntl) {
		log_info("t=%.3fs SIGUSR2: no timeline step left", now);
		return;
	}
	tl_step(r, now, true);
	tl_apply(r, now);
}

static void usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct relay *r = w->data;

	(void)loop;
	(void)revents;
	relay_print_counters(r);
	if (r->o->stats_path)
		relay_write_stats(r, r->o->stats_path);
	if (r->capturing)
		capture_flush(&r->cap);
	if (r->declog)
		fflush(r->declog);
}

/* ---- counters ---- */

static const struct {
	const char *key;
	size_t off;
	int drop;		/* >= 0: index into dropped[] */
} KEYS[] = {
#define K(f) { #f, offsetof(struct impair_stats, f), -1 }
#define D(f, i) { "dropped_" #f, 0, i }
	K(received), K(forwarded),
	D(loss, DROP_LOSS), D(queue, DROP_QUEUE), D(mtu, DROP_MTU), D(blackout, DROP_BLACKOUT),
	D(noclient, DROP_NOCLIENT), D(send, DROP_SEND), D(exit, DROP_EXIT),
	K(duplicated), K(reordered), K(corrupted), K(truncated), K(delayed),
	K(bytes_received), K(bytes_forwarded), K(icmp_errors), K(queued), K(queue_peak),
#undef K
#undef D
};

static uint64_t key_val(const struct impair_stats *s, size_t i)
{
	if (KEYS[i].drop >= 0)
		return s->dropped[KEYS[i].drop];
	return *(const uint64_t *)((const char *)s + KEYS[i].off);
}

void relay_print_counters(struct relay *r)
{
	int d;

	for (d = 0; d < DIR_N; d++) {
		char line[1024];
		size_t p = 0, i;

		for (i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]) && p < sizeof(line); i++) {
			int n = snprintf(line + p, sizeof(line) - p, " %s=%llu", KEYS[i].key,
					 (unsigned long long)key_val(&r->dir[d].st, i));

			if (n > 0)
				p += (size_t)n;
		}
		log_info("%s:%s", dir_name(d), line);
	}
}

static void stats_json(struct json *j, void *arg)
{
	struct relay *r = arg;
	char b1[ADDR_STRLEN], b2[ADDR_STRLEN], b3[ADDR_STRLEN], b4[ADDR_STRLEN];
	int d;

	json_doc_open(j, "mpbridge");
	json_u64(j, "seed", r->seed);
	json_fixed(j, "start", r->wall0, 6);
	json_fixed(j, "uptime", relay_now(r), 6);
	json_str(j, "listen", addr_format(&r->lsn_addr, b1, sizeof(b1)));
	json_str(j, "upstream", addr_format(&r->up_local, b2, sizeof(b2)));
	json_str(j, "target", addr_format(&r->target, b3, sizeof(b3)));
	json_str(j, "client", r->have_client ? addr_format(&r->client, b4, sizeof(b4)) : NULL);
	json_u64(j, "client_changes", r->client_changes);
	json_str(j, "client_rule", r->peer.rule.mode == PEER_LOCK ? "lock"
				   : r->peer.rule.mode == PEER_ANY ? "any" : "learn");
	json_u64(j, "stranger_datagrams", r->peer.strangers);
	json_u64(j, "stranger_ignored", r->peer.ignored);
	json_u64(j, "timeline_steps_applied", r->tl_next);
	/* one line per direction: the shell tests grep them */
	for (d = 0; d < DIR_N; d++) {
		size_t i;

		json_newline(j);
		json_obj_open(j, dir_name(d));
		for (i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++)
			json_u64(j, KEYS[i].key, key_val(&r->dir[d].st, i));
		json_obj_close(j);
	}
	json_newline(j);
	json_doc_close(j);
}

int relay_write_stats(struct relay *r, const char *path)
{
	int rc = json_write_file(path, stats_json, r);

	if (rc < 0)
		log_errno(rc, "cannot write %s", path);
	return rc;
}

/* ---- setup ---- */

static int open_sockets(struct relay *r)
{
	const struct bridge_opts *o = r->o;
	const char *es = NULL;
	char b1[ADDR_STRLEN], b2[ADDR_STRLEN], b3[ADDR_STRLEN];
	int rc, one = 1;
	socklen_t sl;

	rc = addr_resolve(o->to_host, o->to_port, false, &r->target, &es);
	if (rc < 0) {
		log_warnx("--to: cannot resolve '%s': %s", o->to_host, es ? es : "?");
		return rc;
	}
	rc = addr_resolve(o->listen_host, o->listen_port, true, &r->lsn_addr, &es);
	if (rc < 0) {
		log_warnx("--listen: cannot resolve '%s': %s", o->listen_host, es ? es : "?");
		return rc;
	}
	r->lsn_fd = socket(r->lsn_addr.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->lsn_fd < 0)
		goto fail_errno;
	(void)setsockopt(r->lsn_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(r->lsn_fd, (struct sockaddr *)&r->lsn_addr.ss, r->lsn_addr.len) < 0) {
		rc = -errno;
		log_warn("bind %s", addr_format(&r->lsn_addr, b1, sizeof(b1)));
		return rc;
	}
	set_bufs(r->lsn_fd);
	if ((rc = set_nonblock(r->lsn_fd)) < 0)
		return rc;
	/* the address clients send to (for captures) */
	r->client_dst = r->lsn_addr;
	if (r->capturing && r->lsn_addr.ss.ss_family == AF_INET) {
		if (setsockopt(r->lsn_fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == 0)
			r->pktinfo = true;
	}

	r->up_fd = socket(r->target.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->up_fd < 0)
		goto fail_errno;
	if (o->have_source) {
		struct addr src;

		rc = addr_resolve(o->source_host, o->source_port, true, &src, &es);
		if (rc < 0) {
			log_warnx("--source: cannot resolve '%s': %s", o->source_host,
				  es ? es : "?");
			return rc;
		}
		(void)setsockopt(r->up_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(r->up_fd, (struct sockaddr *)&src.ss, src.len) < 0) {
			rc = -errno;
			log_warn("bind %s", addr_format(&src, b1, sizeof(b1)));
			return rc;
		}
	}
	if (connect(r->up_fd, (struct sockaddr *)&r->target.ss, r->target.len) < 0) {
		rc = -errno;
		log_warn("connect %s", addr_format(&r->target, b1, sizeof(b1)));
		return rc;
	}
	sl = sizeof(r->up_local.ss);
	if (getsockname(r->up_fd, (struct sockaddr *)&r->up_local.ss, &sl) < 0)
		goto fail_errno;
	r->up_local.len = sl;
	set_bufs(r->up_fd);
	if ((rc = set_nonblock(r->up_fd)) < 0)
		return rc;
	log_info("listening on %s, relaying to %s from %s",
		 addr_format(&r->lsn_addr, b1, sizeof(b1)), addr_format(&r->target, b2, sizeof(b2)),
		 addr_format(&r->up_local, b3, sizeof(b3)));
	return 0;
fail_errno:
	rc = -errno;
	log_warn("socket");
	return rc;
}

/* slots a direction needs: the largest limit of any config that can hold packets */
static void queue_size(const struct bridge_opts *o, int d, unsigned *cap, size_t *slot)
{
	size_t i;
	bool all_mtu = true;
	unsigned maxmtu = 0;

	*cap = 0;
	for (i = 0; i <= o->ntl; i++) {
		const struct impair_cfg *c = i == 0 ? &o->base[d] : &o->tl[i - 1].cfg[d];

		if (impair_cfg_needs_queue(c) && c->limit_pkts > *cap)
			*cap = c->limit_pkts;
		if (c->mtu == 0)
			all_mtu = false;
		else if (c->mtu > maxmtu)
			maxmtu = c->mtu;
	}
	*slot = all_mtu ? maxmtu : IMPAIR_MAX_DGRAM;
}

int relay_init(struct relay *r, const struct bridge_opts *o, uint64_t seed)
{
	struct impair_ops ops = { emit_cb, drop_cb, r };
	char err[512], desc[512];
	int rc, d;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->seed = seed;
	r->lsn_fd = r->up_fd = -1;
	r->mono0 = clock_now();
	r->wall0 = clock_wall();
	ratelimit_init(&r->rl, 1.0, 5.0);
	ratelimit_init(&r->rl_client, 1.0, 5.0);
	peer_init(&r->peer, &o->peer_rule);
	for (d = 0; d < DIR_N; d++)
		r->armed[d] = INFINITY;
	signal(SIGPIPE, SIG_IGN);

	if (o->pcap_prefix) {
		rc = capture_open(&r->cap, o->pcap_prefix, r->wall0, err, sizeof(err));
		if (rc < 0) {
			log_warnx("--pcap: %s", err);
			return rc;
		}
		r->capturing = true;
	}
	if (o->declog_path) {
		r->declog = fopen(o->declog_path, "w");
		if (!r->declog) {
			rc = -errno;
			log_warn("--decision-log: %s", o->declog_path);
			return rc;
		}
	}
	if ((rc = open_sockets(r)) < 0)
		return rc;
	if ((rc = batch_init(&r->rx, RELAY_BATCH, RELAY_BUF)) < 0) {
		log_errno(rc, "receive buffers");
		return rc;
	}
	for (d = 0; d < DIR_N; d++) {
		unsigned cap;
		size_t slot;

		queue_size(o, d, &cap, &slot);
		rc = impair_init(&r->dir[d], d, &o->base[d], seed, cap, slot, &ops);
		if (rc < 0) {
			log_errno(rc, "%s: queue of %u packets", dir_name(d), cap);
			return rc;
		}
		r->dir[d].declog = r->declog;
		impair_cfg_describe(&o->base[d], desc, sizeof(desc));
		log_info("%s:%s", dir_name(d), desc);
	}
	log_info("seed %llu", (unsigned long long)seed);

	r->loop = ev_default_loop(EVFLAG_AUTO);
	if (!r->loop) {
		log_warnx("libev: no event loop");
		return -ENOMEM;
	}
	ev_io_init(&r->lsn_w, lsn_cb, r->lsn_fd, EV_READ);
	ev_io_init(&r->up_w, up_cb, r->up_fd, EV_READ);
	r->lsn_w.data = r->up_w.data = r;
	ev_io_start(r->loop, &r->lsn_w);
	ev_io_start(r->loop, &r->up_w);
	for (d = 0; d < DIR_N; d++) {
		ev_init(&r->q_w[d], queue_cb);
		r->q_w[d].data = r;
	}
	ev_init(&r->tl_w, tl_cb);
	r->tl_w.data = r;
	ev_signal_init(&r->int_w, stop_cb, SIGINT);
	ev_signal_init(&r->term_w, stop_cb, SIGTERM);
	ev_signal_init(&r->usr1_w, usr1_cb, SIGUSR1);
	ev_signal_init(&r->usr2_w, usr2_cb, SIGUSR2);
	r->int_w.data = r->term_w.data = r->usr1_w.data = r->usr2_w.data = r;
	ev_signal_start(r->loop, &r->int_w);
	ev_signal_start(r->loop, &r->term_w);
	ev_signal_start(r->loop, &r->usr1_w);
	ev_signal_start(r->loop, &r->usr2_w);
	tl_apply(r, relay_now(r));
	r->started = true;
	return 0;
}

int relay_run(struct relay *r)
{
	ev_run(r->loop, 0);
	return r->exit_code;
}

void relay_close(struct relay *r)
{
	double now = relay_now(r);
	int d;

	if (r->started) {
		for (d = 0; d < DIR_N; d++)
			impair_flush(&r->dir[d], now);
		relay_print_counters(r);
		if (r->o->stats_path)
			relay_write_stats(r, r->o->stats_path);
	}
	if (r->loop) {
		ev_io_stop(r->loop, &r->lsn_w);
		ev_io_stop(r->loop, &r->up_w);
		for (d = 0; d < DIR_N; d++)
			ev_timer_stop(r->loop, &r->q_w[d]);
		ev_timer_stop(r->loop, &r->tl_w);
		ev_signal_stop(r->loop, &r->int_w);
		ev_signal_stop(r->loop, &r->term_w);
		ev_signal_stop(r->loop, &r->usr1_w);
		ev_signal_stop(r->loop, &r->usr2_w);
		ev_loop_destroy(r->loop);
		r->loop = NULL;
	}
	for (d = 0; d < DIR_N; d++)
		impair_free(&r->dir[d]);
	batch_free(&r->rx);
	if (r->capturing)
		capture_close(&r->cap);
	r->capturing = false;
	if (r->declog)
		fclose(r->declog);
	r->declog = NULL;
	if (r->lsn_fd >= 0)
		close(r->lsn_fd);
	if (r->up_fd >= 0)
		close(r->up_fd);
	r->lsn_fd = r->up_fd = -1;
}
