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
	}
	/* MSG_TRUNC: msg_len is the datagram's real size, even when cut */
	n = recvmmsg(fd, b->msgs, b->cap, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (i = 0; i < (unsigned)n; i++) {
		b->from[i].len = b->msgs[i].msg_hdr.msg_namelen;
		b->len[i] = b->msgs[i].msg_len;
	}
	return n;
}

static void fail(struct batch_tx *tx, unsigned k)
{
	tx->errors += k;
	tx->last_err = errno;
}

/* One GSO message of k equal datagrams; true if sent (or counted failed). */
static bool send_gso(int fd, const struct addr *to, struct iovec *dg, unsigned k,
		     struct batch_tx *tx)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctrl;
	struct msghdr msg;
	struct cmsghdr *cm;
	uint16_t seg = (uint16_t)dg[0].iov_len;
	int attempt;

	memset(&msg, 0, sizeof(msg));
	memset(&ctrl, 0, sizeof(ctrl));
	if (to) {
		msg.msg_name = msg_unconst(&to->ss);
		msg.msg_namelen = to->len;
	}
	msg.msg_iov = dg;
	msg.msg_iovlen = k;
	msg.msg_control = ctrl.buf;
	msg.msg_controllen = sizeof(ctrl.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	for (attempt = 0; attempt < 2; attempt++) {
		if (sendmsg(fd, &msg, 0) >= 0) {
			tx->sent += k;
			tx->gso_msgs++;
			return true;
		}
		if (!udp_err_icmp(errno))
			break;
		tx->icmp++;
	}
	if (errno == EIO || errno == ENOPROTOOPT || errno == EOPNOTSUPP) {
		tx->no_gso = true;	/* e.g. no checksum offload: never again here */
		return false;
	}
	if (errno == EINVAL || errno == EMSGSIZE)
		return false;		/* this run (segment above the MTU, say): sendmmsg */
	fail(tx, k);
	return true;
}

static unsigned send_mmsg(int fd, const struct addr *to, struct iovec *dg, unsigned n,
			  struct batch_tx *tx)
{
	struct mmsghdr msgs[BATCH_MAX];
	unsigned i, done = 0;
	int r;

	if (n > BATCH_MAX)
		n = BATCH_MAX;
	for (i = 0; i < n; i++) {
		memset(&msgs[i], 0, sizeof(msgs[i]));
		if (to) {
			msgs[i].msg_hdr.msg_name = msg_unconst(&to->ss);
			msgs[i].msg_hdr.msg_namelen = to->len;
		}
		msgs[i].msg_hdr.msg_iov = &dg[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		r = sendmmsg(fd, msgs + done, n - done, 0);
		if (r < 0 && udp_err_icmp(errno)) {
			tx->icmp++;
			r = sendmmsg(fd, msgs + done, n - done, 0);
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

unsigned batch_send(int fd, const struct addr *to, struct iovec *dg, unsigned n,
		    struct batch_tx *tx)
{
	uint64_t before = tx->sent;
	unsigned i = 0;

	while (i < n) {
		unsigned k = 1;
		size_t seg = dg[i].iov_len, total = seg;

		if (!gso_disabled && !tx->no_gso && seg > 0) {
			while (i + k < n && k < BATCH_GSO_SEGS && dg[i + k].iov_len == seg &&
			       total + seg <= BATCH_GSO_BYTES) {
				total += seg;
				k++;
			}
			if (k >= 2 && send_gso(fd, to, dg + i, k, tx)) {
				i += k;
				continue;
			}
		}
		/* not a run (or GSO refused): datagrams up to the next run */
		if (k < 2)
			k = 1;
		while (i + k < n && (gso_disabled || tx->no_gso ||
				     dg[i + k].iov_len != dg[i + k - 1].iov_len))
			k++;
		i += send_mmsg(fd, to, dg + i, k, tx);
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
