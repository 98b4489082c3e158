/* client_socks.c - mpclient's SOCKS5 UDP ASSOCIATE server (client_socks.h). */
#include "client_socks.h"
#include "client.h"
#include "socks5.h"
#include "target.h"
#include "udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOCKS_ID_SLOTS 128	/* association id = generation * 128 + slot */

static struct socks_assoc *assoc_of(struct client_socks *s, uint32_t id)
{
	struct socks_assoc *a = &s->a[id % SOCKS_ID_SLOTS];

	return id % SOCKS_ID_SLOTS < SOCKS_MAX_ASSOC && a->id == id ? a : NULL;
}

static void assoc_close(struct socks_assoc *a, const char *why)
{
	struct client_socks *s = a->s;
	char buf[ADDR_STRLEN];

	if (!a->id)
		return;
	log_debug("socks5: association %u of %s closed (%s)", a->id,
		  addr_format(&a->peer, buf, sizeof(buf)), why);
	client_core_assoc_close(&s->c->core, a->id);
	if (a->tcp >= 0) {
		ev_io_stop(s->loop, &a->tio);
		close(a->tcp);
	}
	if (a->udp >= 0) {
		ev_io_stop(s->loop, &a->uio);
		close(a->udp);
	}
	a->tcp = a->udp = -1;
	a->id = 0;
	s->n--;
}

/* A SOCKS destination as the target a flow names; false if it cannot be one. */
static bool target_of(const struct socks5_addr *d, struct target *t)
{
	struct addr a;

	if (d->atyp == SOCKS5_ATYP_DOMAIN)
		return target_from_name(t, d->u.domain);	/* mpserver's map gives the port */
	return socks5_addr_to(d, &a) && target_from_addr(t, &a);
}

static bool socks_of(const struct target *t, struct socks5_addr *d)
{
	struct addr a;

	if (t->kind != TARGET_NAME)
		return target_to_addr(t, &a) && socks5_addr_from(d, &a);
	memset(d, 0, sizeof(*d));
	d->atyp = SOCKS5_ATYP_DOMAIN;
	d->len = t->len;
	d->port = t->port;
	memcpy(d->u.domain, t->u.name, t->len);
	return true;
}

static void socks_drop(struct client_socks *s, const char *why, const struct addr *from)
{
	char buf[ADDR_STRLEN];

	drops_count(&s->c->core.drops, NULL, DROP_SOCKS, WIRE_OK, 1, 0);
	log_limited(&s->rl, "socks5: datagram from %s not relayed: %s",
		    addr_format(from, buf, sizeof(buf)), why);
}

/* Only the application's own address: its TCP peer's IP, and the port it
 * named (else the first one heard, kept). */
static bool from_app(struct socks_assoc *a, const struct addr *from)
{
	struct addr ip = *from, want = a->peer;

	addr_set_port(&ip, 0);
	addr_set_port(&want, 0);
	if (!addr_equal(&ip, &want))
		return false;
	if (addr_port(&a->app) == 0)
		a->app = *from;
	return addr_equal(&a->app, from);
}

static void udp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct socks_assoc *a = (struct socks_assoc *)((char *)w - offsetof(struct socks_assoc, uio));
	struct client_socks *s = a->s;
	struct client *c = s->c;
	double now = ev_now(loop);
	unsigned round, i, k;

	(void)revents;
	for (round = 0; round < CLIENT_BATCH / CLIENT_RECV_BATCH; round++) {
		int n = batch_recv(&s->inb, a->udp, WIRE_HDR_LEN);

		if (n < 0) {
			if (udp_err_transient(-n))
				continue;
			log_errno(n, "socks5: receiving on a relay socket");
			break;
		}
		if (n == 0)
			break;
		for (i = 0, k = 0; i < (unsigned)n; i++) {
			uint8_t *slot = batch_slot(&s->inb, i);
			struct socks5_addr dst;
			struct target t;
			enum socks5_udp_drop why;
			const uint8_t *data;
			size_t dlen, len, d;
			uint8_t *dg;

			if (!from_app(a, &s->inb.from[i])) {
				socks_drop(s, "not the association's application", &s->inb.from[i]);
				continue;
			}
			if (!socks5_udp_decode(slot + WIRE_HDR_LEN, s->inb.len[i], &dst, &data, &dlen,
					       &why)) {
				socks_drop(s, socks5_udp_drop_name(why), &s->inb.from[i]);
				continue;
			}
			if (!target_of(&dst, &t)) {
				socks_drop(s, "a domain name mpserver cannot map (1-63 characters)",
					   &s->inb.from[i]);
				continue;
			}
			/* the descriptor and the header go in front of the bytes,
			 * over the SOCKS header (never shorter than the descriptor) */
			d = target_desc_len(&t);
			dg = (uint8_t *)(uintptr_t)data - d - WIRE_HDR_LEN;
			len = client_tx_data_to(&c->core, dg, (size_t)(slot + CLIENT_SLOT - dg),
						&s->inb.from[i], a->id, &t, dlen, now);
			if (len) {
				c->out[k].iov_base = dg;
				c->out[k].iov_len = len;
				c->out_paths[k] = c->core.tx_paths;
				k++;
			}
		}
		if (k)
			client_send_out(c, k, now);
		if ((unsigned)n < s->inb.cap)
			break;
	}
}

void client_socks_deliver(struct client_socks *s, uint32_t f, const uint8_t *payload, size_t len)
{
	const struct cflow *fl = &s->c->core.flows.f[f];
	struct socks_assoc *a = assoc_of(s, fl->assoc);
	uint8_t hdr[SOCKS5_UDP_HDR_MAX];
	struct socks5_addr src;
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t hl;

	if (!a || a->udp < 0 || !socks_of(&fl->named, &src) ||
	    !(hl = socks5_udp_encode_hdr(&src, hdr, sizeof(hdr)))) {
		drops_count(&s->c->core.drops, NULL, DROP_NO_FLOW, WIRE_OK, 1, 0);
		return;
	}
	iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = hl };
	iov[1] = (struct iovec){ .iov_base = (void *)(uintptr_t)payload, .iov_len = len };
	msg.msg_name = (void *)(uintptr_t)&fl->app.ss;
	msg.msg_namelen = fl->app.len;
	if (sendmsg(a->udp, &msg, MSG_DONTWAIT) < 0)
		drops_count(&s->c->core.drops, NULL, DROP_TARGET, WIRE_OK, 1, errno);
	else
		s->c->core.cnt.delivered++;
}

/* Send a control reply; false when the connection cannot take it. */
static bool ctl_send(struct socks_assoc *a, const uint8_t *buf, size_t len)
{
	return send(a->tcp, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len;
}

/* UDP ASSOCIATE: a relay socket on the address the application reached us at. */
static void associate(struct socks_assoc *a, const struct socks5_addr *dst)
{
	struct client_socks *s = a->s;
	uint8_t out[32];
	struct addr local, want;
	socklen_t sl = sizeof(local.ss);
	size_t n;
	int rc;

	if (getsockname(a->tcp, (struct sockaddr *)&local.ss, &sl) < 0) {
		n = socks5_encode_reply(SOCKS5_REP_FAILURE, NULL, out, sizeof(out));
		ctl_send(a, out, n);
		assoc_close(a, "getsockname");
		return;
	}
	local.len = sl;
	addr_set_port(&local, 0);
	rc = udp_bind(&local, &a->udp);
	if (rc == 0)
		rc = udp_local(a->udp, &local);
	if (rc) {
		n = socks5_encode_reply(SOCKS5_REP_FAILURE, NULL, out, sizeof(out));
		ctl_send(a, out, n);
		assoc_close(a, "no relay socket");
		return;
	}
	udp_set_buffers(a->udp, params_tunnel_buf(s->c->core.prm.sndbuf),
			params_tunnel_buf(s->c->core.prm.rcvbuf));
	/* the port it says it sends from, if any (its address is its TCP peer's) */
	a->app = a->peer;
	addr_set_port(&a->app, 0);
	if (socks5_addr_to(dst, &want) && addr_port(&want))
		addr_set_port(&a->app, addr_port(&want));
	n = socks5_encode_reply(SOCKS5_REP_OK, &local, out, sizeof(out));
	if (!n || !ctl_send(a, out, n)) {
		assoc_close(a, "reply not sent");
		return;
	}
	a->state = SOCKS_ASSOCIATED;
	ev_io_init(&a->uio, udp_cb, a->udp, EV_READ);
	ev_io_start(s->loop, &a->uio);
}

static void tcp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct socks_assoc *a = (struct socks_assoc *)((char *)w - offsetof(struct socks_assoc, tio));
	struct socks5_addr dst;
	uint8_t out[32], cmd;
	size_t used, n;
	ssize_t got;
	bool noauth;

	(void)loop;
	(void)revents;
	if (a->inlen == sizeof(a->in))
		a->inlen = 0;	/* associated: what the application says is ignored */
	got = recv(a->tcp, a->in + a->inlen, sizeof(a->in) - a->inlen, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got <= 0) {
		assoc_close(a, got == 0 ? "the application closed its connection" : "error");
		return;
	}
	if (a->state == SOCKS_ASSOCIATED)
		return;
	a->inlen += (size_t)got;
	if (a->state == SOCKS_GREETING) {
		switch (socks5_parse_greeting(a->in, a->inlen, &used, &noauth)) {
		case SOCKS5_MORE:
			return;
		case SOCKS5_BAD:
			a->s->refused++;
			assoc_close(a, "bad greeting");
			return;
		case SOCKS5_OK:
			break;
		}
		n = socks5_encode_method(noauth ? SOCKS5_METHOD_NOAUTH : SOCKS5_METHOD_NONE, out,
					 sizeof(out));
		if (!ctl_send(a, out, n) || !noauth) {
			a->s->refused++;
			assoc_close(a, "no acceptable method (only 'no authentication')");
			return;
		}
		memmove(a->in, a->in + used, a->inlen - used);
		a->inlen -= used;
		a->state = SOCKS_REQUEST;
	}
	switch (socks5_parse_request(a->in, a->inlen, &used, &cmd, &dst)) {
	case SOCKS5_MORE:
		return;
	case SOCKS5_BAD:
		n = socks5_encode_reply(SOCKS5_REP_FAILURE, NULL, out, sizeof(out));
		ctl_send(a, out, n);
		a->s->refused++;
		assoc_close(a, "bad request");
		return;
	case SOCKS5_OK:
		break;
	}
	a->inlen = 0;
	if (cmd != SOCKS5_CMD_UDP_ASSOCIATE) {
		n = socks5_encode_reply(SOCKS5_REP_CMD_UNSUPPORTED, NULL, out, sizeof(out));
		ctl_send(a, out, n);
		a->s->refused++;
		assoc_close(a, "not UDP ASSOCIATE (the only command served)");
		return;
	}
	associate(a, &dst);
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client_socks *s = (struct client_socks *)((char *)w - offsetof(struct client_socks, lio));
	unsigned round, i;

	(void)loop;
	(void)revents;
	for (round = 0; round < 16; round++) {
		struct addr peer;
		socklen_t sl = sizeof(peer.ss);
		int fd = accept4(s->lfd, (struct sockaddr *)&peer.ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct socks_assoc *a = NULL;

		if (fd < 0)
			return;
		peer.len = sl;
		for (i = 0; i < SOCKS_MAX_ASSOC && !a; i++)
			if (!s->a[i].id)
				a = &s->a[i];
		if (!a) {
			s->refused++;
			log_limited(&s->rl, "socks5: %u associations open: a new connection refused",
				    SOCKS_MAX_ASSOC);
			close(fd);
			continue;
		}
		memset(a, 0, sizeof(*a));
		a->s = s;
		if (++s->gen == 0 || s->gen >= UINT32_MAX / SOCKS_ID_SLOTS)
			s->gen = 1;
		a->id = s->gen * SOCKS_ID_SLOTS + (uint32_t)(a - s->a);
		a->tcp = fd;
		a->udp = -1;
		a->peer = peer;
		a->state = SOCKS_GREETING;
		s->n++;
		ev_io_init(&a->tio, tcp_cb, fd, EV_READ);
		ev_io_start(s->loop, &a->tio);
	}
}

int client_socks_init(struct client_socks *s, struct client *c, struct ev_loop *loop,
		      const struct addr *laddr)
{
	char buf[ADDR_STRLEN];
	int one = 1, rc, i;

	memset(s, 0, sizeof(*s));
	s->c = c;
	s->loop = loop;
	s->laddr = *laddr;
	s->lfd = -1;
	for (i = 0; i < SOCKS_MAX_ASSOC; i++)
		s->a[i].tcp = s->a[i].udp = -1;
	ratelimit_init(&s->rl, 1.0, 5.0);
	rc = batch_init(&s->inb, CLIENT_RECV_BATCH, CLIENT_SLOT);
	if (rc)
		return rc;
	s->lfd = socket(laddr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		rc = -errno;
		goto fail;
	}
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (const struct sockaddr *)&laddr->ss, laddr->len) < 0 ||
	    listen(s->lfd, 64) < 0) {
		rc = -errno;
		goto fail;
	}
	ev_io_init(&s->lio, listen_cb, s->lfd, EV_READ);
	return 0;
fail:
	log_errno(rc, "socks5: cannot listen on %s", addr_format(laddr, buf, sizeof(buf)));
	client_socks_free(s);
	return rc;
}

void client_socks_start(struct client_socks *s)
{
	ev_io_start(s->loop, &s->lio);
}

void client_socks_stop(struct client_socks *s)
{
	ev_io_stop(s->loop, &s->lio);
}

void client_socks_free(struct client_socks *s)
{
	unsigned i;

	for (i = 0; i < SOCKS_MAX_ASSOC; i++)
		if (s->a[i].id)
			assoc_close(&s->a[i], "exit");
	if (s->lfd >= 0) {
		ev_io_stop(s->loop, &s->lio);
		close(s->lfd);
	}
	s->lfd = -1;
	batch_free(&s->inb);
}
