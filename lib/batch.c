/* batch.c - recvmmsg into slots; GSO or sendmmsg out. */
#include "batch.h"
#include "msg.h"
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

static bool gso_disabled;

void batch_gso_disable(bool off)
{
	gso_disabled = off;
}

int batch_init(struct batch *b, unsigned cap, size_t slot_size)
{
	memset(b, 0, sizeof(*b));
	if (cap == 0 || cap > BATCH_MAX || slot_size == 0)
		return -EINVAL;
	b->mem = malloc((size_t)cap * slot_size);
	if (!b->mem)
		return -ENOMEM;
	b->cap = cap;
	b->slot_size = slot_size;
	return 0;
}

void batch_free(struct batch *b)
{
	free(b->mem);
	b->mem = NULL;
	b->cap = 0;
}

/* The destination address of a received datagram from its control messages. */
static void dst_of(struct msghdr *m, struct addr *dst)
{
	struct cmsghdr *cm;

	dst->len = 0;
	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			struct sockaddr_in *sin = (struct sockaddr_in *)&dst->ss;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(sin, 0, sizeof(*sin));
			sin->sin_family = AF_INET;
			sin->sin_addr = pi.ipi_addr;
			dst->len = sizeof(*sin);
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst->ss;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(sin6, 0, sizeof(*sin6));
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = pi.ipi6_addr;
			dst->len = sizeof(*sin6);
		}
	}
}

int batch_recv(struct batch *b, int fd, size_t off)
{
	unsigned i;
	int n;

	for (i = 0; i < b->cap; i++) {
		b->iov[i].iov_base = batch_slot(b, i) + off;
		b->iov[i].iov_len = b->slot_size - off;
		memset(&b->msgs[i].msg_hdr, 0, sizeof(b->msgs[i].msg_hdr));
		b->msgs[i].msg_hdr.msg_name = &b->from[i].ss;
		b->msgs[i].msg_hdr.msg_namelen = sizeof(b->from[i].ss);
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		if (b->pktinfo) {
			b->msgs[i].msg_hdr.msg_control = b->ctl[i].buf;
			b->msgs[i].msg_hdr.msg_controllen = sizeof(b->ctl[i].buf);
		}
	}
	/* MSG_TRUNC: msg_len is the datagram's real size, even when cut */
	n = recvmmsg(fd, b->msgs, b->cap, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (i = 0; i < (unsigned)n; i++) {
		b->from[i].len = b->msgs[i].msg_hdr.msg_namelen;
		b->len[i] = b->msgs[i].msg_len;
		if (b->pktinfo)
			dst_of(&b->msgs[i].msg_hdr, &b->dst[i]);
		else
			b->dst[i].len = 0;
	}
	return n;
}


static void fail(struct batch_tx *tx, unsigned k)
{
	tx->errors += k;
	tx->last_err = errno;
}

static unsigned send_mmsg(int fd, const struct addr *to, const struct addr *src, struct iovec *dg,
			  unsigned n, struct batch_tx *tx)
{
	struct mmsghdr msgs[BATCH_MAX];
	union {
		char buf[UDP_CTL_SIZE];
		struct cmsghdr align;
	} ctrl;		/* the same source for each: one control message they share */
	size_t clen;
	unsigned i, done = 0;
	int r;

	if (n > BATCH_MAX)
		n = BATCH_MAX;
	memset(&ctrl, 0, sizeof(ctrl));
	clen = udp_src_cmsg(&ctrl.align, src);
	for (i = 0; i < n; i++) {
		memset(&msgs[i], 0, sizeof(msgs[i]));
		if (to) {
			msgs[i].msg_hdr.msg_name = msg_unconst(&to->ss);
			msgs[i].msg_hdr.msg_namelen = to->len;
		}
		if (clen) {
			msgs[i].msg_hdr.msg_control = ctrl.buf;
			msgs[i].msg_hdr.msg_controllen = clen;
		}
		msgs[i].msg_hdr.msg_iov = &dg[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		r = sendmmsg(fd, msgs + done, n - done, 0);
		tx->calls++;
		if (r < 0 && udp_err_icmp(errno)) {
			tx->icmp++;
			r = sendmmsg(fd, msgs + done, n - done, 0);
			tx->calls++;
		}
		if (r <= 0) {
			fail(tx, 1);	/* the first one failed; go on after it */
			done++;
			continue;
		}
		tx->sent += (unsigned)r;
		done += (unsigned)r;
	}
	return n;
}

/* One message of a batch: datagrams dg[first .. first + k), one GSO
 * message when gso (k >= 2 equal sizes), else k == 1. */
struct part {
	unsigned first, k;
	bool gso;
};

/* The datagrams from i on as messages (GSO runs where allowed, single
 * datagrams otherwise), at most BATCH_MAX of them; returns their count. */
static unsigned plan(const struct iovec *dg, unsigned i, unsigned n, bool gso,
		     struct part *parts)
{
	unsigned np = 0;

	while (i < n && np < BATCH_MAX) {
		size_t seg = dg[i].iov_len, total = seg;
		unsigned k = 1;

		if (gso && seg > 0)
			while (i + k < n && k < BATCH_GSO_SEGS && dg[i + k].iov_len == seg &&
			       total + seg <= BATCH_GSO_BYTES) {
				total += seg;
				k++;
			}
		parts[np++] = (struct part){ .first = i, .k = k, .gso = k >= 2 };
		i += k;
	}
	return np;
}

unsigned batch_send(int fd, const struct addr *to, struct iovec *dg, unsigned n,
		    struct batch_tx *tx)
{
	return batch_send_from(fd, to, NULL, dg, n, tx);
}

unsigned batch_send_from(int fd, const struct addr *to, const struct addr *src, struct iovec *dg,
			 unsigned n, struct batch_tx *tx)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t)) + UDP_CTL_SIZE];
		struct cmsghdr align;
	} ctrl[BATCH_MAX];
	struct mmsghdr msgs[BATCH_MAX];
	struct part parts[BATCH_MAX];
	uint64_t before = tx->sent;
	unsigned i = 0;

	/* every run of equal sizes one GSO message, the lone datagrams between
	 * them plain ones, all of them in one sendmmsg */
	while (i < n) {
		unsigned np = plan(dg, i, n, !gso_disabled && !tx->no_gso, parts), j, done = 0;

		for (j = 0; j < np; j++) {
			struct msghdr *h = &msgs[j].msg_hdr;

			memset(&msgs[j], 0, sizeof(msgs[j]));
			if (to) {
				h->msg_name = msg_unconst(&to->ss);
				h->msg_namelen = to->len;
			}
			h->msg_iov = dg + parts[j].first;
			h->msg_iovlen = parts[j].k;
			if (parts[j].gso || src) {
				size_t clen = 0;

				memset(&ctrl[j], 0, sizeof(ctrl[j]));
				if (parts[j].gso) {
					struct cmsghdr *cm = &ctrl[j].align;
					uint16_t seg = (uint16_t)dg[parts[j].first].iov_len;

					cm->cmsg_level = SOL_UDP;
					cm->cmsg_type = UDP_SEGMENT;
					cm->cmsg_len = CMSG_LEN(sizeof(seg));
					memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
					clen = CMSG_SPACE(sizeof(seg));
				}
				/* the source address (a wildcard socket's reply) after it */
				clen += udp_src_cmsg((struct cmsghdr *)(ctrl[j].buf + clen), src);
				if (clen) {
					h->msg_control = ctrl[j].buf;
					h->msg_controllen = clen;
				}
			}
		}
		while (done < np) {
			const struct part *f;
			int r = sendmmsg(fd, msgs + done, np - done, 0);

			tx->calls++;
			if (r < 0 && udp_err_icmp(errno)) {
				tx->icmp++;	/* an ICMP error for an earlier datagram: once more */
				r = sendmmsg(fd, msgs + done, np - done, 0);
				tx->calls++;
			}
			if (r > 0) {
				for (j = done; j < done + (unsigned)r; j++) {
					tx->sent += parts[j].k;
					tx->gso_msgs += parts[j].gso;
				}
				done += (unsigned)r;
				continue;
			}
			/* message `done` failed */
			f = &parts[done];
			if (f->gso && (errno == EIO || errno == ENOPROTOOPT || errno == EOPNOTSUPP)) {
				/* e.g. no checksum offload: never again here; the rest
				 * planned again without GSO */
				tx->no_gso = true;
				break;
			}
			if (f->gso && (errno == EINVAL || errno == EMSGSIZE))
				send_mmsg(fd, to, src, dg + f->first, f->k, tx);	/* this run one by one */
			else
				fail(tx, f->k);
			done++;
		}
		i = done < np ? parts[done].first : parts[np - 1].first + parts[np - 1].k;
	}
	return (unsigned)(tx->sent - before);
}

unsigned batch_queue_flush(struct batch_queue *q, const struct batch_queue_ops *ops)
{
	unsigned i = 0, total = 0;

	while (i < q->n) {
		uint32_t dst = q->dst[i];
		struct batch_dest d;
		unsigned k = 1, sent = 0;

		while (i + k < q->n && q->dst[i + k] == dst)
			k++;
		if (ops->dest(ops->arg, dst, &d)) {
			sent = batch_send(d.fd, d.to, q->iov + i, k, d.tx);
			ops->done(ops->arg, dst, k, sent, sent < k ? d.tx->last_err : 0);
		} else {
			ops->done(ops->arg, dst, k, 0, 0);
		}
		total += sent;
		i += k;
	}
	q->n = 0;
	return total;
}
