/* fec.h - systematic Reed-Solomon across paths (ISA-L), sender and receiver.
 *
 * The code is the one tunnel/PROTOCOL.md specifies (version 2, "FEC
 * extension"): GF(2^8), ISA-L's gf_gen_cauchy1_matrix(k + m, k) generator,
 * data symbols in their *coded form*
 *
 *     seq (8) | flow (4) | len (2) | flags (1) | 0 (1) | payload (len) | zero padding
 *
 * (flags: the DATA's TARGET bit; the same layout as lib/wire's
 * wire_coded_encode, checked by the unit test)
 *
 * and parity symbols of the block's symbol size (the largest coded form).
 *
 * Sender (struct fec_tx): every data datagram goes out at once, as DATA with
 * the extension (block, index); it is copied into the block, and the block's
 * parity is computed when it closes (ec_encode_data: each data symbol read
 * once for all m parity; folding each datagram into the parity as it came,
 * ec_encode_data_update, moved every open block's m parity buffers through
 * the cache at each datagram and was done again for a block closed early).
 * A block closes at k data symbols or `wait` after its first one; a block
 * closed early by the wait has k' < k symbols and gets m_for_k[k'] parity.
 * `depth` blocks are open at once and consecutive datagrams go to them in turn (interleaving in
 * time); the symbols of a block, data and parity, go over the live paths
 * in turn (striping: symbol i of block b on live path (b + i) mod n).  Parity of a block that closed full is paced out
 * with the data (m/k parity per datagram, across the queued blocks in turn,
 * all of it at the latest `wait` after closing; not in bursts: a burst puts
 * a block's parity side by side on a path, where one loss burst sinks it); parity of a block closed by
 * the wait goes out at once.  A lone datagram after a pause longer than the
 * wait is not coded: the caller sends it as copies.
 *
 * Receiver (struct fec_rx): per (session, direction); takes data and parity
 * symbols in any order, keeps at most `max_blocks` open blocks (direct
 * mapped by block id) and `slots` symbol buffers, decodes as soon as any k of
 * the k + m are present and hands back the recovered data symbols.  The
 * decoding tables are cached per loss pattern.  Duplicates, stale and
 * inconsistent symbols, blocks abandoned by eviction, time-out or a full
 * pool: all counted.
 *
 * Memory: the pools are allocated at init, never per datagram, as one
 * mapping per coder: its pages (the sender's 2 * depth + 8 block buffers,
 * the receiver's symbol buffers and decoding tables) are in memory only once
 * written, and all of it is given back to the system by fec_*_free.  A caller that wants an idle
 * coder to hold nothing frees it when fec_tx_busy/fec_rx_busy say it has
 * nothing in flight and starts a new one later with first_block / floor, so
 * block ids go on increasing (tunnel/redundancy.c does).  Both sides are I/O free: time is passed in
 * (microseconds, monotonic). */
#ifndef MPT_FEC_H
#define MPT_FEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEC_K_MAX 64u		/* data symbols per block (PROTOCOL.md) */
#define FEC_M_MAX 64u		/* parity symbols per block */
#define FEC_N_MAX 128u		/* k + m */
#define FEC_HDR 16u		/* seq | flow | len | flags | 0 before the payload in the coded form */
#define FEC_FLAGS_ALLOWED 0x04u	/* WIRE_F_TARGET: the only flag a coded form carries */
#define FEC_PATHS_MAX 16u
#define FEC_DEPTH_MAX 32u
#define FEC_SYMBOL_DEFAULT 1516u	/* 1500-byte payloads + FEC_HDR */

/* ---- sender ------------------------------------------------------------ */

struct fec_tx_config {
	unsigned k, m;		/* nominal code; 1 <= k <= k_max, 1 <= m <= m_max, k + m <= 128 */
	unsigned k_max, m_max;	/* pool sizes (0: k, m) */
	unsigned depth;		/* blocks open at once, 1..FEC_DEPTH_MAX */
	uint32_t wait_us;	/* a block closes this long after its first symbol */
	size_t symbol_max;	/* largest coded form protected (0: FEC_SYMBOL_DEFAULT) */
	uint32_t first_block;	/* id of the first block (0: 1); a coder started again goes on */
};

struct fec_tx_stats {
	uint64_t data;		/* data symbols coded */
	uint64_t parity;	/* parity symbols handed out */
	uint64_t blocks;	/* blocks closed */
	uint64_t closed_full;	/* ... at k symbols */
	uint64_t closed_wait;	/* ... by the wait */
	uint64_t lone;		/* datagrams sent as copies (after a pause) */
	uint64_t too_big;	/* datagrams too large to code (sent as copies) */
	uint64_t flushed;	/* parity sent before its pace because the pool was full */
	uint64_t resent;	/* data symbols sent again (fec_tx_resend) */
};

enum fec_tx_verdict {
	FEC_TX_CODED = 0,	/* send as DATA with the extension on out->path */
	FEC_TX_LONE,		/* send uncoded, as out->copies copies on distinct paths */
	FEC_TX_TOO_BIG,		/* send uncoded, as copies (bigger than symbol_max) */
};

/* One symbol to send. For data: block, index, path. For parity: all fields;
 * payload/len is the parity symbol, valid until the next fec_tx call. */
struct fec_tx_out {
	uint32_t block;
	uint8_t index, k, m;
	uint8_t path;
	uint8_t copies;		/* FEC_TX_LONE: how many copies */
	bool data;		/* fec_tx_parity: a data symbol sent again (fec_tx_resend):
				 * payload/len is its coded form (fec_parse_coded), to go
				 * as the same DATA (seq, flow, flags, block, index) */
	uint16_t len;
	const uint8_t *payload;
};

struct fec_txblock;

struct fec_tx {
	struct fec_tx_config cfg;
	uint8_t m_for_k[FEC_K_MAX + 1];	/* parity for a block closed with k' symbols */
	uint8_t *enc_tables;	/* ec_init_tables for (k, m): 32 * k * m */
	uint8_t *scratch_tables;	/* for blocks closed early: 32 * k_max * m_max */
	uint8_t *matrix;	/* (k_max + m_max) * k_max */
	struct fec_txblock *blocks;
	unsigned nblocks;
	uint8_t *map;		/* one mapping holds every pool (fec.c pages_alloc) */
	size_t map_len;
	unsigned open[FEC_DEPTH_MAX];	/* block index per interleave lane, or UINT_MAX */
	unsigned lane;		/* next lane */
	unsigned lanes_used;	/* effective depth (from the arrival rate) */
	uint32_t next_id;	/* next block id (from 1) */
	unsigned parity_rr;	/* parity pacing cursor (block index) */
	double credit;		/* parity credit of paced blocks */
	uint64_t last_data_us;
	double gap_us;		/* EWMA of the gap between data datagrams */
	bool any_data;
	struct fec_tx_stats st;
};

int fec_tx_init(struct fec_tx *tx, const struct fec_tx_config *cfg);
void fec_tx_free(struct fec_tx *tx);
/* The same, the struct itself in the coder's mapping (NULL: bad config or no memory). */
struct fec_tx *fec_tx_new(const struct fec_tx_config *cfg);
void fec_tx_delete(struct fec_tx *tx);
/* Change the code for blocks opened from now on (open blocks are closed at
 * once, as if their wait had passed, unless k and m stay the same, and get
 * the parity the new code gives a block of their size).  m_for_k may
 * be NULL: then a block closed with k' symbols gets ceil(m * k' / k) parity.
 * Returns false (nothing changed) if k, m or a table entry is out of range. */
bool fec_tx_set_code(struct fec_tx *tx, unsigned k, unsigned m, const uint8_t *m_for_k,
		     uint64_t now_us);
/* paths: bit mask of live paths (non-zero). */
enum fec_tx_verdict fec_tx_data(struct fec_tx *tx, uint64_t now_us, uint64_t seq, uint32_t flow,
				uint8_t flags, const void *payload, size_t len, uint16_t paths,
				struct fec_tx_out *out);
/* The next parity symbol due at now_us (closing blocks whose wait passed);
 * false when none is due.  Call until false after each fec_tx_data and when
 * the timer of fec_tx_deadline fires. */
bool fec_tx_parity(struct fec_tx *tx, uint64_t now_us, uint16_t paths, struct fec_tx_out *out);
/* Send again, on the paths given to fec_tx_parity, the data symbols that
 * went on `path` at or after since_us (a path that stopped delivering: its
 * symbols in flight are lost, and a block losing a whole path's share fails
 * unless its code can lose that much).  Only symbols of blocks the coder
 * still holds (a freed block's buffer is reused last-freed-last, and no
 * sooner than FEC_TX_HISTORY_US after it closed while an unused buffer is
 * left).  fec_tx_parity hands them out first, with out->data set.  Returns
 * how many were queued. */
#define FEC_TX_HISTORY_US 400000u
unsigned fec_tx_resend(struct fec_tx *tx, unsigned path, uint64_t since_us);
/* When fec_tx_parity next has something to do (UINT64_MAX: never). */
uint64_t fec_tx_deadline(const struct fec_tx *tx);
/* Does the sender hold a block open or parity not yet handed out? */
bool fec_tx_busy(const struct fec_tx *tx);
/* Bytes of the sender's pools in use (block buffers used at least once). */
size_t fec_tx_memory(const struct fec_tx *tx);

/* ---- receiver ---------------------------------------------------------- */

struct fec_rx_config {
	unsigned max_blocks;	/* open blocks kept (0: 64) */
	unsigned slots;		/* symbol buffers (0: 2048) */
	size_t symbol_max;	/* largest symbol accepted (0: FEC_SYMBOL_DEFAULT) */
	unsigned cache;		/* cached decoding tables (0: 16) */
	unsigned k_max, m_max;	/* largest code accepted (0: FEC_K_MAX, FEC_M_MAX) */
	uint32_t hold_us;	/* an open block is abandoned this long after its first symbol (0: 2 s) */
	uint32_t floor;		/* blocks up to this id are done (a receiver started again: late) */
};

struct fec_rx_stats {
	uint64_t data, parity;	/* symbols taken */
	uint64_t dup;		/* a symbol already held */
	uint64_t stale;		/* for a block already done or evicted */
	uint64_t late;		/* for a block already done (recovered or complete) */
	uint64_t bad;		/* out of range, or disagreeing with the block (k, m, size) */
	uint64_t too_big;	/* larger than symbol_max */
	uint64_t complete;	/* blocks with every data symbol received */
	uint64_t decoded;	/* blocks decoded */
	uint64_t recovered;	/* data symbols recovered */
	uint64_t bad_recovered;	/* recovered bytes that are not a coded form (length, padding) */
	uint64_t abandoned;	/* blocks given up with k known and data missing */
	uint64_t lost;		/* data symbols in those */
	uint64_t unknown;	/* blocks given up before any parity said k (no loss known) */
	uint64_t evicted;	/* ... of those above, for a newer block in the same place */
	uint64_t expired;	/* ... by hold_us */
	uint64_t pool_full;	/* ... because the symbol pool was full */
	uint64_t cache_hit, cache_miss;
	uint64_t singular;	/* matrix not invertible (never for a Cauchy code) */
};

/* A recovered data symbol: payload points into the receiver's pool, valid
 * until the next call on the receiver. */
struct fec_recovered {
	uint64_t seq;
	uint32_t flow;
	uint16_t len;
	uint8_t flags;		/* the DATA's TARGET bit */
	const uint8_t *payload;
};

struct fec_rxblock;
struct fec_cache_entry;

struct fec_rx {
	struct fec_rx_config cfg;
	struct fec_rxblock *blocks;
	uint8_t *pool;		/* slots * symbol_max */
	uint16_t *free_slots;
	unsigned nfree;
	struct fec_cache_entry *cache;
	uint8_t *cache_tables;	/* cache * 32 * k_max * min(k_max, m_max) */
	uint8_t *map;		/* one mapping holds every pool (fec.c pages_alloc) */
	size_t map_len;
	uint8_t *matrix;	/* scratch: (k_max + m_max) * k_max, and more */
	uint32_t highest;	/* highest block id seen (0: none) */
	struct fec_recovered rec[FEC_M_MAX];
	unsigned nrec;
	uint16_t rec_slots[FEC_M_MAX];	/* slots holding rec[] until the next call */
	unsigned nrec_slots;
	struct fec_rx_stats st;
};

int fec_rx_init(struct fec_rx *rx, const struct fec_rx_config *cfg);
void fec_rx_free(struct fec_rx *rx);
/* The same, the struct itself in the coder's mapping (NULL: bad config or no memory). */
struct fec_rx *fec_rx_new(const struct fec_rx_config *cfg);
void fec_rx_delete(struct fec_rx *rx);

enum fec_rx_verdict {
	FEC_RX_OK = 0,		/* taken (and maybe decoded: see fec_rx_recovered) */
	FEC_RX_DUP,
	FEC_RX_STALE,
	FEC_RX_LATE,
	FEC_RX_BAD,
	FEC_RX_TOO_BIG,
};

/* A data symbol (a DATA datagram with the extension), already accepted. */
enum fec_rx_verdict fec_rx_data(struct fec_rx *rx, uint64_t now_us, uint32_t block, uint8_t index,
				uint64_t seq, uint32_t flow, uint8_t flags, const void *payload,
				size_t len);
/* A parity symbol (PARITY datagram's extension and payload). */
enum fec_rx_verdict fec_rx_parity(struct fec_rx *rx, uint64_t now_us, uint32_t block,
				  uint8_t index, uint8_t k, uint8_t m, const void *payload,
				  size_t len);
/* Would a symbol of `block` come late (the block done: every data symbol
 * received or recovered, or given up; or before the receiver's floor)?
 * Read only: a receiver may drop such a symbol unread (fec_rx_* would only
 * count it late). */
bool fec_rx_late(const struct fec_rx *rx, uint32_t block);
/* Data symbols recovered by the last fec_rx_data/fec_rx_parity call. */
unsigned fec_rx_recovered(const struct fec_rx *rx, const struct fec_recovered **out);
/* Abandon blocks open longer than hold_us. */
void fec_rx_expire(struct fec_rx *rx, uint64_t now_us);
/* Does the receiver hold an open block? */
bool fec_rx_busy(const struct fec_rx *rx);
/* The highest block id seen (0: none): the floor of a receiver started again. */
uint32_t fec_rx_highest(const struct fec_rx *rx);
/* Bytes of the receiver's pools: its symbol buffers (address space: written
 * as used) and the decoding tables used at least once. */
size_t fec_rx_memory(const struct fec_rx *rx);
const char *fec_rx_verdict_name(enum fec_rx_verdict v);

/* ---- shared ------------------------------------------------------------ */

/* Write the coded form of a data symbol into buf (cap bytes); returns its
 * length, or 0 if it does not fit. */
size_t fec_coded_form(uint8_t *buf, size_t cap, uint64_t seq, uint32_t flow, uint8_t flags,
		      const void *payload, size_t len);
/* Parse a coded form of a symbol of `size` bytes (recovered data): the
 * length fits, flags known, reserved and padding zero. */
bool fec_parse_coded(const uint8_t *buf, size_t size, uint64_t *seq, uint32_t *flow,
		     uint16_t *len, uint8_t *flags);
/* Is (k, m) a valid code? */
bool fec_code_valid(unsigned k, unsigned m);

#endif
