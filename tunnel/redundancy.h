/* redundancy.h - how one direction of the tunnel protects its DATA
 * (PROTOCOL.md, "Redundancy"), and the FEC glue of one direction.
 *
 * Modes: broadcast (every DATA on every path, the default) or fec:K:M
 * (systematic Reed-Solomon across paths, lib/fec).  mpclient chooses both
 * directions: what it sends follows its own --redundancy; it asks for the
 * server -> client direction in every PING (mode, k, m, wait), and mpserver
 * applies the request within its limits (--fec-max K:M) and says what it
 * applies in the PONG.
 *
 * struct fec_send: one direction's sender.  Each DATA is coded into a block
 * and goes out at once on one path (lib/fec stripes the symbols of a block
 * over the live paths); parity follows as the blocks close (k symbols or the
 * wait), handed out by fec_send_parity().  A datagram the code cannot take
 * (a lone one after a pause, one too big) goes as copies on several paths.
 *
 * struct fec_recv: one direction's receiver: data symbols and parity in, data
 * symbols recovered out (lib/fec's bounded pools).  The cores put each
 * recovered one through their window (nothing is delivered twice) and
 * deliver it like a received DATA.
 *
 * Memory: a direction in FEC mode holds only its mode until it sends or
 * receives a symbol; the coder (lib/fec's pools, one mapping of about 1 MB
 * of address space a sender and 3.7 MB a receiver, its pages in memory only
 * as written) is allocated then and freed again once it has nothing in flight and has been
 * idle for RED_IDLE_US (fec_send_trim, fec_recv_trim from the daemons'
 * housekeeping timers).  Block ids go on increasing over such a pause (the
 * sender keeps the next id, the receiver the highest seen: a late symbol of a
 * block before the pause is late, not a new block).  Never an allocation per
 * datagram: one per coder set up, and one per block buffer at its first use.
 */
#ifndef MPT_REDUNDANCY_H
#define MPT_REDUNDANCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fec.h"
#include "wire.h"

#define RED_WAIT_DEFAULT_US 5000u	/* --fec-wait: a block closes 5 ms after its first symbol */
#define RED_WAIT_MAX_US 1000000u	/* the PING field holds up to 6.5 s; we take 1 s */
#define RED_DEPTH_DEFAULT 4u		/* blocks open at once (interleaving in time) */
#define RED_IDLE_US 1000000u		/* a coder with nothing in flight is freed after 1 s idle */

struct redundancy {
	uint8_t mode;		/* WIRE_RED_BROADCAST or WIRE_RED_FEC (mpclient's option: or WIRE_RED_AUTO) */
	uint8_t k, m;		/* fec */
	uint32_t wait_us;	/* fec: block wait */
	double target;		/* auto: residual loss target (--target-loss) */
};

#define RED_TARGET_DEFAULT 1e-3	/* --target-loss */

/* "broadcast" or "fec:K:M" (1 <= K, M <= 64, K + M <= 128); wait_us is kept. */
bool redundancy_parse(const char *s, struct redundancy *r);
/* "broadcast", "fec:20:20" into buf. */
const char *redundancy_format(const struct redundancy *r, char *buf, size_t len);
/* The request for the other direction, written into a PING's fields. */
void redundancy_to_ping(const struct redundancy *r, struct wire_ping *p);
/* A PING's (or PONG's) fields; false when the mode is `keep` or not one we
 * apply (auto), r unchanged. */
bool redundancy_from_ping(const struct wire_ping *p, struct redundancy *r);
/* mpserver's limits: k <= kmax and m <= mmax (kmax or mmax 0: broadcast only). */
void redundancy_clamp(struct redundancy *r, unsigned kmax, unsigned mmax);

/* ---- counters (both ends, both roles) ---- */

struct fec_counters {
	/* sender */
	uint64_t tx_data;	/* DATA sent as coded symbols (one path each) */
	uint64_t tx_parity;	/* PARITY sent */
	uint64_t tx_copies;	/* DATA sent as copies in FEC mode (lone after a pause, too big) */
	uint64_t tx_resent;	/* coded DATA sent again: its path stopped delivering */
	/* receiver */
	uint64_t rx_data;	/* coded DATA taken by the decoder */
	uint64_t rx_parity;	/* PARITY taken by the decoder */
	uint64_t parity_unneeded;	/* PARITY for a block already whole or decoded */
	uint64_t blocks_complete;	/* blocks with every data symbol received */
	uint64_t blocks_decoded;	/* blocks that needed parity and got it */
	uint64_t blocks_failed;	/* blocks given up with data missing (k known) */
	uint64_t blocks_unknown;	/* blocks given up before any parity said k */
	uint64_t recovered;	/* data symbols recovered and delivered */
	uint64_t recovered_dup;	/* recovered but already received (window): not delivered */
	uint64_t unrecoverable;	/* data symbols lost in failed blocks */
	uint64_t rx_refused;	/* symbols the decoder refused (in drops as fec_*) */
	/* memory */
	uint64_t coders;	/* coders (a sender or a receiver) set up */
	uint64_t coders_freed;	/* ... freed when idle */
	uint64_t nomem;		/* a coder or block buffer could not be allocated (copies / refused) */
	uint64_t auto_changes;	/* auto: codes chosen (either direction) */
};

/* ---- sender ---- */

/* The daemons send the PARITY due at once in batches of up to this many,
 * each into a buffer of RED_PARITY_DGRAM bytes (the largest parity: a
 * symbol of the coder's symbol_max under the header and its extension). */
#define RED_PARITY_BATCH 64
#define RED_PARITY_DGRAM (FEC_SYMBOL_DEFAULT + WIRE_AD_MAX + WIRE_TAG_LEN)

struct fec_send {
	bool on;		/* FEC applied (red.mode == WIRE_RED_FEC) */
	struct redundancy red;	/* applied now */
	unsigned depth;
	unsigned copy_rr;	/* rotates the first path of copies */
	uint32_t next_block;	/* the next block id of a coder set up again (0: 1) */
	/* the coder's pools hold codes up to this (0: the applied code's own
	 * size): a code that changes within them changes in place, keeping the
	 * parity still due of blocks sent (auto and mpserver set them) */
	uint8_t pool_k, pool_m;
	uint16_t striped;	/* the paths symbols went on at the last check (resends) */
	struct fec_tx *tx;	/* the coder; NULL until a datagram needs it, and when idle */
};

/*
 * Apply r (broadcast: FEC off, a coder with parity still due finishes it and
 * is freed when idle; fec: the coder is set up at the next datagram, or the
 * code changed in place when it fits).  0, or -EINVAL (then broadcast).
 */
int fec_send_apply(struct fec_send *s, const struct redundancy *r, unsigned depth,
		   uint64_t now_us);
void fec_send_free(struct fec_send *s);
static inline bool fec_send_active(const struct fec_send *s)
{
	return s->on && s->red.mode == WIRE_RED_FEC;
}

/*
 * One DATA (seq, flow, TARGET flag, plaintext payload) with FEC on; live:
 * the paths usable now (bit i: path i).  Returns the paths to send it on:
 * one bit when coded (*ext is its extension), several for copies (*ext
 * untouched, coded false).
 */
uint16_t fec_send_data(struct fec_send *s, uint64_t now_us, uint64_t seq, uint32_t flow,
		       uint8_t flags, const void *payload, size_t len, uint16_t live,
		       struct wire_ext *ext, bool *coded, struct fec_counters *cnt);
/* The next parity symbol due (out->path: its path); false when none. */
bool fec_send_parity(struct fec_send *s, uint64_t now_us, uint16_t live, struct fec_tx_out *out,
		     struct fec_counters *cnt);
/* The data symbols sent on `path` at or after since_us go again on the
 * paths fec_send_parity is given (it hands them out first, out->data set:
 * the caller sends each as the same DATA, seq, flow and extension as
 * before): called when a path leaves the paths symbols go on (down by the
 * fast rule, its FEEDBACK silent), so that the blocks striped over it do not
 * fail for the share it lost before that was known.  How many were queued. */
unsigned fec_send_resend(struct fec_send *s, unsigned path, uint64_t since_us);
/* When fec_send_parity next has work (UINT64_MAX: never). */
uint64_t fec_send_deadline(const struct fec_send *s);
/* Free the coder when it has nothing in flight and sent no data for idle_us;
 * true when it was freed. */
bool fec_send_trim(struct fec_send *s, uint64_t now_us, uint64_t idle_us,
		   struct fec_counters *cnt);
/* Bytes held by the coder (0 when none). */
size_t fec_send_memory(const struct fec_send *s);

/* ---- receiver ---- */

struct fec_recv {
	struct fec_rx *rx;	/* the decoder; NULL until a symbol comes, and when idle */
	struct fec_rx_stats seen;	/* rx->st already added to the counters */
	uint32_t floor;		/* highest block id of the decoder before (0: none) */
	uint64_t last_us;	/* last symbol taken */
};

/* The decoder's sizes: 64 open blocks, 1024 symbol buffers of 1516 bytes. */
/* Free the decoder and forget the block ids (a new sender instance). */
void fec_recv_free(struct fec_recv *r);
/* Free the decoder when no block is open and no symbol came for idle_us
 * (block ids go on: see above); true when it was freed. */
bool fec_recv_trim(struct fec_recv *r, uint64_t now_us, uint64_t idle_us,
		   struct fec_counters *cnt);
size_t fec_recv_memory(const struct fec_recv *r);

enum fec_recv_verdict {
	FEC_RECV_OK = 0,	/* taken (see fec_recv_recovered) */
	FEC_RECV_UNNEEDED,	/* parity for a block already whole: not a fault */
	FEC_RECV_REFUSED,	/* duplicate, stale, inconsistent or too big: count a drop */
};

/*
 * An accepted (authenticated, windowed) DATA with the extension or PARITY,
 * h its header and payload its plaintext (the decoder is set up at need; if
 * it cannot be, the symbol is refused and counted nomem).  Recovered data
 * symbols, if any, are then in fec_recv_recovered() until the next call.
 */
enum fec_recv_verdict fec_recv_symbol(struct fec_recv *r, const struct wire_hdr *h,
				      const uint8_t *payload, uint64_t now_us,
				      struct fec_counters *cnt);
unsigned fec_recv_recovered(const struct fec_recv *r, const struct fec_recovered **out);
/*
 * Is h (decoded, not yet authenticated) a PARITY of a block the decoder is
 * done with?  Such a one is not needed: the receivers drop it before the
 * authentication (DROP_FEC_UNNEEDED, counted as fec parity_unneeded), as
 * they drop a duplicate.  Read only.
 */
bool fec_recv_unneeded(const struct fec_recv *r, const struct wire_hdr *h);
/* Give up blocks held too long (timers). */
void fec_recv_expire(struct fec_recv *r, uint64_t now_us, struct fec_counters *cnt);

/* Both directions' FEC state of one mpserver session (allocated when the
 * session first uses FEC; about 100 bytes while both coders are idle). */
struct session_fec {
	struct fec_send tx;
	struct fec_recv rx;
	uint32_t at;		/* mpserver: its place in server_core.fec_at */
};

/* The counters as text (one line) and in a JSON object (stats.c calls these). */
struct json;
void fec_counters_json(struct json *j, const struct fec_counters *c);
bool fec_counters_any(const struct fec_counters *c);

#endif
