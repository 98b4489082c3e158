/* impair.h - the per-direction impairment pipeline of mpbridge.
 *
 * Every function takes "now" (seconds since the bridge started, monotonic)
 * as a parameter, so tests drive it with an injected clock.  Random
 * decisions come from per-direction, per-impairment RNG streams and each
 * arriving packet consumes the same draws whatever its fate, so the
 * decisions depend only on the seed and the input sequence.
 *
 * Pipeline for one arriving datagram (sequence number n, from 1):
 *   draws (loss model step, duplicate, corrupt, truncate, reorder, jitter)
 *   -> MTU cap            (dropped_mtu)
 *   -> link down          (blackout window, flap, timeline "down": dropped_blackout)
 *   -> loss model         (dropped_loss)
 *   -> duplicate          (a second copy, extra delay)
 *   -> corrupt / truncate (original copy only)
 *   -> queue limit        (packets/bytes held: dropped_queue)
 *   -> token bucket       (rate) -> delay + jitter (order kept unless asked)
 *   -> emitted when due   (forwarded, or dropped_noclient / dropped_send)
 */
#ifndef MPT_BRIDGE_IMPAIR_H
#define MPT_BRIDGE_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rng.h"
#include "trace.h"

enum { DIR_C2S = 0, DIR_S2C = 1, DIR_N = 2 };
const char *dir_name(int dir);

enum loss_kind {
	LOSS_NONE = 0,
	LOSS_RANDOM,		/* Bernoulli p */
	LOSS_GE,		/* Gilbert-Elliott: p r 1-h 1-k */
	LOSS_STATE,		/* 4-state Markov: p13 p31 p32 p23 p14 */
	LOSS_NTH,		/* every Nth packet */
};

enum dist_kind { DIST_UNIFORM = 0, DIST_NORMAL, DIST_TABLE };

/* netem .dist tables: jitter = J * table[i] / DIST_SCALE, i uniform */
#define DIST_SCALE 8192
#define DIST_MAX_ENTRIES 65536

struct loss_cfg {
	enum loss_kind kind;
	double p;			/* random: loss probability */
	double ge_p, ge_r, ge_1h, ge_1k;	/* GE: G->B, B->G, loss in B, loss in G */
	double p13, p31, p32, p23, p14;	/* 4-state */
	uint64_t nth;			/* every nth (nth >= 1) */
};

struct impair_cfg {
	struct loss_cfg loss;
	double delay, jitter;		/* seconds */
	enum dist_kind dist;
	const int16_t *dist_tab;	/* DIST_TABLE: entries (owned by the options) */
	uint32_t dist_n;
	bool unordered;			/* jitter may reorder */
	double reorder_p;		/* netem reorder P gap N */
	unsigned reorder_gap;
	double dup_p, dup_delay;
	double corrupt_p;
	double trunc_p;
	unsigned trunc_len;		/* 0: random length below the original */
	uint64_t rate_bps;		/* 0: unlimited */
	uint64_t burst;			/* token bucket depth, bytes */
	unsigned limit_pkts;		/* packets held at most */
	uint64_t limit_bytes;		/* bytes held at most */
	unsigned mtu;			/* 0: none; larger payloads dropped */
	double blackout_start, blackout_end;	/* seconds since start; end <= start: none */
	double flap_up, flap_down;	/* both > 0: periodic flap, up first */
	bool down;			/* link down (timeline) */
	/* netem slot: held copies leave only in slots; a slot opens a uniform
	 * [slot_min, slot_max] after the previous one closed (or after the head
	 * copy became due), lets out at most slot_packets / slot_bytes (0: no
	 * limit), then the next is drawn */
	double slot_min, slot_max;	/* seconds; slot_max > 0: slots on */
	unsigned slot_packets;
	uint64_t slot_bytes;
	/* a Mahimahi rate trace (owned by the options): replaces the token
	 * bucket while set; the queue in front of it is the --limit queue */
	const struct rate_trace *trace;
};

#define IMPAIR_LIMIT_DEFAULT 1000u
#define IMPAIR_LIMIT_BYTES_DEFAULT (64ull << 20)
#define IMPAIR_MAX_DGRAM 65535u

void impair_cfg_default(struct impair_cfg *c);
/* true when the config can hold packets (delay, jitter, rate, dup delay). */
bool impair_cfg_needs_queue(const struct impair_cfg *c);
/* true when the config does anything at all */
bool impair_cfg_active(const struct impair_cfg *c);
/* netem slots configured */
bool impair_cfg_slotted(const struct impair_cfg *c);
/* one-line human summary */
void impair_cfg_describe(const struct impair_cfg *c, char *buf, size_t len);

enum drop_reason {
	DROP_NONE = 0,
	DROP_LOSS = 1,
	DROP_QUEUE = 2,
	DROP_MTU = 3,
	DROP_BLACKOUT = 4,
	DROP_NOCLIENT = 5,
	DROP_SEND = 6,
	DROP_EXIT = 7,
	DROP__COUNT
};
const char *drop_reason_name(int reason);

enum pkt_flags {
	PF_DUP = 0x01,		/* this is the extra copy */
	PF_CORRUPT = 0x02,
	PF_TRUNC = 0x04,
	PF_REORDER = 0x08,	/* left before a packet that arrived earlier */
};

struct impair_stats {
	uint64_t received, forwarded;
	uint64_t dropped[DROP__COUNT];
	uint64_t duplicated, reordered, corrupted, truncated, delayed;
	uint64_t bytes_received, bytes_forwarded;
	uint64_t icmp_errors;
	uint64_t queued, queued_bytes, queue_peak;
};

/* Token bucket with an injected clock.  rate in bits/s; burst in bytes
 * (0: pure serialisation at the rate). */
struct tbucket {
	double rate_Bps;	/* bytes per second; 0 = unlimited */
	double burst;
	double tokens;
	double last;		/* time the token count refers to */
};
void tb_init(struct tbucket *tb, uint64_t rate_bps, uint64_t burst);
void tb_set(struct tbucket *tb, uint64_t rate_bps, uint64_t burst);
/* Departure time of a len-byte packet handed over at now (FIFO). */
double tb_schedule(struct tbucket *tb, double now, size_t len);

/*
 * Callbacks.  emit returns DROP_NONE when sent, or DROP_NOCLIENT /
 * DROP_SEND; buf may be modified by the callee.  drop and arrive are
 * optional (capture).
 */
struct impair_ops {
	int (*emit)(void *ctx, int dir, uint8_t *buf, size_t len, unsigned flags, uint64_t seq,
		    double now);
	void (*drop)(void *ctx, int dir, const uint8_t *buf, size_t len, int reason,
		     unsigned flags, uint64_t seq, double now);
	void *ctx;
};

struct qslot {
	double due;
	uint64_t seq;		/* arrival sequence number */
	uint64_t order;		/* insertion order, tie-break */
	uint32_t len;
	uint8_t flags;
	unsigned hpos, spos;	/* positions in heap and sheap */
	uint8_t *data;
};

struct impair_dir {
	int dir;
	const struct impair_cfg *cfg;
	struct impair_ops ops;
	FILE *declog;		/* optional decision log */

	struct rng r_loss, r_dup, r_corrupt, r_trunc, r_reorder, r_delay, r_slot;
	int ge_bad;		/* GE state: 0 good, 1 bad */
	int st4;		/* 4-state: 1..4 */
	uint64_t reorder_count;	/* netem gap counter */
	struct tbucket tb;
	double last_due;	/* latest in-order due time (order keeping) */
	double slot_next;	/* slots: when the current slot opens */
	struct trace_link tl;	/* trace-driven link */
	int64_t slot_pkts_left, slot_bytes_left;

	uint64_t seq;		/* arrivals so far */
	uint64_t order;

	/* held packets: slots (preallocated), a min-heap on (due, order) and
	 * a FIFO of arrival order to detect overtaking */
	unsigned cap;		/* slots */
	size_t slot_cap;	/* bytes per slot */
	uint8_t *arena;
	struct qslot *slots;
	unsigned *freelist, nfree;
	unsigned *heap, nheap;
	unsigned *sheap, nsheap;	/* min-heap on (seq, order): oldest held arrival */

	struct impair_stats st;
};

/*
 * cap: slots to preallocate (the largest packet limit the run will use, 0
 * for no queue at all); slot_cap: largest datagram held.  Returns 0 or -ENOMEM.
 */
int impair_init(struct impair_dir *d, int dir, const struct impair_cfg *cfg, uint64_t seed,
		unsigned cap, size_t slot_cap, const struct impair_ops *ops);
void impair_free(struct impair_dir *d);
/* Switch settings (timeline); model state survives unless the model changes. */
void impair_set_cfg(struct impair_dir *d, const struct impair_cfg *cfg);
/* One arriving datagram.  buf (len bytes, room for IMPAIR_MAX_DGRAM) may be
 * modified and is emitted at once when nothing delays it. */
void impair_input(struct impair_dir *d, double now, uint8_t *buf, size_t len);
/* Emit what is due at now; returns the next due time, or INFINITY. */
double impair_service(struct impair_dir *d, double now);
double impair_next_due(const struct impair_dir *d);
/* Drop everything still held (DROP_EXIT). */
void impair_flush(struct impair_dir *d, double now);
/* Is the link down at now (blackout, flap, timeline down)? */
bool impair_link_down(const struct impair_cfg *c, double now);

#endif
