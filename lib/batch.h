/* batch.h - batched UDP I/O: recvmmsg into preallocated slots, and sending a
 * run of datagrams with UDP GSO (one sendmsg per run of equal sizes) or
 * sendmmsg.  No allocation after batch_init(). */
#ifndef MPT_BATCH_H
#define MPT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addr.h"
#include "udp.h"

#define BATCH_MAX 64		/* datagrams per batch */
#define BATCH_GSO_SEGS 64	/* segments per GSO message (the kernel's floor) */
#define BATCH_GSO_BYTES 65000	/* payload bytes per GSO message */

struct batch {
	unsigned cap;
	size_t slot_size;
	uint8_t *mem;			/* cap * slot_size */
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	struct addr from[BATCH_MAX];	/* sources, after batch_recv */
	size_t len[BATCH_MAX];		/* real datagram sizes (beyond the slot: truncated) */
	/* with pktinfo (the socket asked for it: udp_set_pktinfo): the address each
	 * datagram was sent to, after batch_recv (len 0: none given) */
	bool pktinfo;
	struct addr dst[BATCH_MAX];
	union {
		char buf[UDP_CTL_SIZE];
		struct cmsghdr align;
	} ctl[BATCH_MAX];
};

/* 0, -EINVAL or -ENOMEM. */
int batch_init(struct batch *b, unsigned cap, size_t slot_size);
void batch_free(struct batch *b);
static inline uint8_t *batch_slot(const struct batch *b, unsigned i)
{
	return b->mem + (size_t)i * b->slot_size;
}
/*
 * Receive up to cap datagrams, each at offset `off` of its slot (at most
 * slot_size - off bytes kept; len[] gets the real size, so a larger one is
 * seen as such).  Returns the count (0 when none), or -errno for an error
 * other than EAGAIN (an ICMP error, say: the caller decides).
 */
int batch_recv(struct batch *b, int fd, size_t off);

/* Transmit state of one socket (or one destination). */
struct batch_tx {
	bool no_gso;		/* GSO refused once (e.g. EIO without checksum offload) */
	uint64_t sent, errors, gso_msgs;
	uint64_t calls;		/* sendmmsg calls made */
	uint64_t icmp;		/* ICMP errors reported instead of a send (then retried) */
	int last_err;		/* errno of the last failure */
};

/*
 * Send n datagrams (dg[i].iov_base/iov_len) on fd, to `to` (NULL when fd is
 * connected), in order, with one sendmmsg per BATCH_MAX messages: each run of
 * two or more equal sizes one UDP GSO message when the socket allows it, the
 * other datagrams plain messages.  A pending ICMP error (refused, host/net
 * unreachable) reported instead of a send is counted in tx->icmp and the send
 * retried once.  GSO is turned off for the socket only when the kernel cannot
 * do it at all (no checksum offload, no support); a run it refuses for its
 * size goes out datagram by datagram.  Counts in *tx; returns the number sent.
 */
unsigned batch_send(int fd, const struct addr *to, struct iovec *dg, unsigned n,
		    struct batch_tx *tx);
/* The same from source address `src` (NULL: the kernel's choice), for a socket
 * bound to the unspecified address: replies leave from the address the peer
 * sent to (IP_PKTINFO / IPV6_PKTINFO), not from the route's. */
unsigned batch_send_from(int fd, const struct addr *to, const struct addr *src, struct iovec *dg,
			 unsigned n, struct batch_tx *tx);

/*
 * Datagrams waiting for delivery, in arrival order, each to a destination the
 * caller numbers (a flow).  batch_queue_flush() sends them with one
 * batch_send() per run of the same destination.  Payloads are not copied:
 * they must stay where they are until the flush.
 */
struct batch_queue {
	unsigned n;
	uint32_t dst[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
};

struct batch_dest {
	int fd;
	const struct addr *to;	/* NULL when fd is connected */
	struct batch_tx *tx;
};

struct batch_queue_ops {
	/* Where destination dst goes; false drops its run (done() with sent 0). */
	bool (*dest)(void *arg, uint32_t dst, struct batch_dest *d);
	/* queued datagrams of a run for dst, sent of them went out (err: last errno). */
	void (*done)(void *arg, uint32_t dst, unsigned queued, unsigned sent, int err);
	void *arg;
};

static inline bool batch_queue_full(const struct batch_queue *q)
{
	return q->n >= BATCH_MAX;
}

/* Append one datagram (the queue must not be full). */
static inline void batch_queue_add(struct batch_queue *q, uint32_t dst, const void *p,
				   size_t len)
{
	q->dst[q->n] = dst;
	q->iov[q->n].iov_base = (void *)(uintptr_t)p;
	q->iov[q->n].iov_len = len;
	q->n++;
}

/* Send and empty the queue; returns the number sent. */
unsigned batch_queue_flush(struct batch_queue *q, const struct batch_queue_ops *ops);

/* Append one datagram, sending the queue first when it is full. */
static inline void batch_queue_put(struct batch_queue *q, const struct batch_queue_ops *ops,
				   uint32_t dst, const void *p, size_t len)
{
	if (batch_queue_full(q))
		batch_queue_flush(q, ops);
	batch_queue_add(q, dst, p, len);
}

/* Disable GSO for every batch_send (e.g. from an option or a test). */
void batch_gso_disable(bool off);

#endif
