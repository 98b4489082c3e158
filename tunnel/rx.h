/* rx.h - what the protocol core decides about one received datagram, and
 * the one place where every dropped datagram is counted.
 *
 * The receivers (client_rx.c, server_rx.c) are functions of (state,
 * datagram bytes, now): they change the state and return a verdict; the
 * daemons (client.c, server.c) do the I/O the verdict asks for:
 *
 *   RX_DROP     nothing more (already counted, under r->drop)
 *   RX_ACCEPT   a control message was taken in (PING, PONG, COOKIE)
 *   RX_DELIVER  r->payload (r->len bytes) goes to flow r->flow
 *
 * and, whatever the verdict, r->rec[0 .. r->nrec): datagrams the FEC decoder
 * recovered with this one (a DATA or PARITY), each already through the
 * window, for flow rec[i].flow; their payloads live in the decoder and stay
 * valid only until the next call on the core (deliver them at once);
 * and, whatever the verdict, r->reply: a PONG or COOKIE the core built in
 * r->reply_buf for the sender's address, or a round of PINGs on every path.
 *
 * A datagram passes these stages, each of which may drop it:
 *   decode -> classify (direction, session, epoch, type) -> window (read
 *   only) -> authenticate -> accept (commit the window, create or refresh
 *   state) -> deliver
 * Later stages (an FEC decoder between accept and deliver, per-path tables
 * indexed by a path id, keys looked up by key id) slot in between these
 * without changing the verdict.
 */
#ifndef MPT_RX_H
#define MPT_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "stats.h"
#include "wire.h"

#define RX_NONE UINT32_MAX	/* no flow, session or path */
#define RX_REC_MAX 64		/* recovered datagrams per call (FEC_M_MAX) */

/* One datagram the FEC decoder recovered, to deliver like an RX_DELIVER. */
struct rx_rec {
	const uint8_t *payload;
	uint64_t seq;		/* its seq (from the coded form) */
	uint16_t len;
	uint32_t flow;		/* slot in the end's flow table */
	bool flow_new;		/* mpserver: the flow was created: open its socket */
};

enum rx_verdict {
	RX_DROP = 0,
	RX_ACCEPT,
	RX_DELIVER,
};

enum rx_reply {
	RX_REPLY_NONE = 0,
	RX_REPLY_PONG,		/* mpserver: r->reply_buf to r->path's return address;
				 * mpclient: r->reply_buf on path r->path (a challenge answered) */
	RX_REPLY_CHALLENGE,	/* mpserver: r->reply_buf (a PING with a path challenge) to
				 * the sender, a new address of path r->path */
	RX_REPLY_COOKIE,	/* mpserver: r->reply_buf to the sender */
	RX_REPLY_NOTICE,	/* mpserver: r->reply_buf (a NOTICE) to the sender */
	RX_REPLY_PING_BURST,	/* mpclient: a PING on every path now */
};

struct rx_result {
	enum rx_verdict verdict;
	enum drop_reason drop;	/* RX_DROP: why */
	enum wire_drop wire;	/* DROP_MALFORMED: the decoder's reason */
	enum rx_reply reply;
	bool reply_limited;	/* a COOKIE was due but the rate limit refused it */
	const uint8_t *reply_buf;	/* PONG/COOKIE/NOTICE datagram */
	size_t reply_len;
	const uint8_t *payload;	/* RX_DELIVER: into the received buffer */
	uint16_t len;
	uint32_t flow;		/* RX_DELIVER: slot in the end's flow table */
	bool flow_new;		/* mpserver: the flow was created: open its socket */
	uint32_t session;	/* mpserver: the session's slot, or RX_NONE */
	uint32_t path;		/* client: path index; server: session path slot; or RX_NONE */
	struct wire_hdr h;	/* decoded header (valid from the classify stage on) */
	unsigned nrec;		/* FEC: recovered datagrams to deliver too */
	unsigned rec_drops;	/* FEC: recovered datagrams dropped (each counted, beside
				 * this datagram's own verdict) */
	struct rx_rec rec[RX_REC_MAX];
};

/* Where drops go: the counters, and one log rate limit per reason. */
struct drops {
	struct tunnel_counters *cnt;
	struct ratelimit rl[DROP__COUNT];
};

void drops_init(struct drops *d, struct tunnel_counters *cnt);
/*
 * Count n datagrams dropped for why (wire: the decoder's reason for
 * DROP_MALFORMED; err: an errno for the log line, or 0), on the path stats
 * ps as well when not NULL (duplicates, too_old, malformed), and log the
 * reasons worth a line, rate-limited per reason.
 */
void drops_count(struct drops *d, struct path_stats *ps, enum drop_reason why,
		 enum wire_drop wire, uint64_t n, int err);

static inline void rx_reset(struct rx_result *r)
{
	r->verdict = RX_DROP;
	r->drop = DROP__COUNT;
	r->wire = WIRE_OK;
	r->reply = RX_REPLY_NONE;
	r->reply_limited = false;
	r->reply_buf = NULL;
	r->reply_len = 0;
	r->payload = NULL;
	r->len = 0;
	r->flow = r->session = r->path = RX_NONE;
	r->flow_new = false;
	r->nrec = 0;
	r->rec_drops = 0;
}

/* Set a drop verdict; returns RX_DROP (for `return rx_drop(r, ...)`). */
static inline enum rx_verdict rx_drop(struct rx_result *r, enum drop_reason why)
{
	r->verdict = RX_DROP;
	r->drop = why;
	return RX_DROP;
}

#endif
