/* fec.c - systematic Reed-Solomon across paths (ISA-L): see fec.h. */
#include "fec.h"

#include <errno.h>
#include <isa-l/erasure_code.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cursor.h"

/* A coder's pools are one mapping of zeroed pages: a page costs memory only
 * once written, and all of it goes back to the system when the coder is
 * freed (freed malloc chunks stay in the heap, where the long-lived
 * allocations between them pin them: 1000 coders set up and freed left 30
 * MB in mpserver's heap). */
static void *pages_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The offset of the next n bytes of a mapping laid out in *len (64-byte aligned). */
static size_t carve(size_t *len, size_t n)
{
	size_t o = (*len + 63) & ~(size_t)63;

	*len = o + n;
	return o;
}

static void pages_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

bool fec_code_valid(unsigned k, unsigned m)
{
	return k >= 1 && k <= FEC_K_MAX && m >= 1 && m <= FEC_M_MAX && k + m <= FEC_N_MAX;
}

size_t fec_coded_form(uint8_t *buf, size_t cap, uint64_t seq, uint32_t flow, uint8_t flags,
		      const void *payload, size_t len)
{
	struct cursor c;

	if (len > UINT16_MAX || FEC_HDR + len > cap)
		return 0;
	cursor_init(&c, buf, cap);
	put_u64(&c, seq);
	put_u32(&c, flow);
	put_u16(&c, (uint16_t)len);
	put_u8(&c, flags);
	put_u8(&c, 0);
	put_bytes(&c, payload, len);
	return cursor_ok(&c) ? c.pos : 0;
}

bool fec_parse_coded(const uint8_t *buf, size_t size, uint64_t *seq, uint32_t *flow,
		     uint16_t *len, uint8_t *flags)
{
	struct cursor c;
	size_t i;

	cursor_init_ro(&c, buf, size);
	*seq = get_u64(&c);
	*flow = get_u32(&c);
	*len = get_u16(&c);
	*flags = get_u8(&c);
	if (get_u8(&c) != 0 || (*flags & ~FEC_FLAGS_ALLOWED))
		return false;
	if (!cursor_ok(&c) || *len > cursor_left(&c))
		return false;
	for (i = FEC_HDR + *len; i < size; i++)	/* the padding is zero */
		if (buf[i])
			return false;
	return true;
}

/* ======================================================================== */
/* sender                                                                   */
/* ======================================================================== */

enum { TXB_FREE = 0, TXB_OPEN, TXB_PACED, TXB_NOW };

struct fec_txblock {
	uint32_t id;
	uint8_t state;
	uint8_t k;		/* data symbols so far (final once closed) */
	uint8_t m;		/* parity symbols (set at closing) */
	uint8_t sent;		/* parity handed out */
	uint16_t size;		/* largest coded form so far */
	uint16_t lens[FEC_K_MAX];
	bool touched;		/* used at least once (its pages are in memory) */
	uint64_t first_us, closed_us;
	uint8_t path[FEC_K_MAX];	/* the path each data symbol went on */
	uint32_t sent_off[FEC_K_MAX];	/* ... when: µs after first_us */
	uint64_t resend;	/* data symbols to send again (bit per index) */
	uint8_t *data;		/* k_max * symbol_max, in tx->map */
	uint8_t *parity;	/* m_max * symbol_max, in tx->map */
};

static unsigned default_m_for(unsigned k, unsigned m, unsigned kk, unsigned m_max)
{
	unsigned v = (m * kk + k - 1) / k;

	if (v < 1)
		v = 1;
	if (v > m_max)
		v = m_max;
	if (kk + v > FEC_N_MAX)
		v = FEC_N_MAX - kk;
	return v;
}

void fec_tx_free(struct fec_tx *tx)
{
	pages_free(tx->map, tx->map_len);
	memset(tx, 0, sizeof(*tx));
}

int fec_tx_init(struct fec_tx *tx, const struct fec_tx_config *cfg)
{
	struct fec_tx_config c = *cfg;
	size_t o_blocks, o_enc, o_scratch, o_matrix, o_bufs, per_block;
	unsigned i;

	memset(tx, 0, sizeof(*tx));
	if (!c.k_max)
		c.k_max = c.k;
	if (!c.m_max)
		c.m_max = c.m;
	if (!c.symbol_max)
		c.symbol_max = FEC_SYMBOL_DEFAULT;
	if (!fec_code_valid(c.k, c.m) || c.k_max > FEC_K_MAX || c.m_max > FEC_M_MAX ||
	    c.k > c.k_max || c.m > c.m_max || c.depth < 1 || c.depth > FEC_DEPTH_MAX ||
	    c.symbol_max < FEC_HDR || c.symbol_max > UINT16_MAX)
		return -EINVAL;
	tx->cfg = c;
	tx->nblocks = 2 * c.depth + 8;
	per_block = (size_t)(c.k_max + c.m_max) * c.symbol_max;
	carve(&tx->map_len, sizeof(*tx));	/* room for the struct itself (fec_tx_new) */
	o_blocks = carve(&tx->map_len, tx->nblocks * sizeof(*tx->blocks));
	o_enc = carve(&tx->map_len, 32u * c.k_max * c.m_max);
	o_scratch = carve(&tx->map_len, 32u * c.k_max * c.m_max);
	o_matrix = carve(&tx->map_len, (size_t)(c.k_max + c.m_max) * c.k_max);
	o_bufs = carve(&tx->map_len, tx->nblocks * per_block);	/* in memory as blocks use them */
	tx->map = pages_alloc(tx->map_len);
	if (!tx->map)
		goto nomem;
	tx->blocks = (struct fec_txblock *)(void *)(tx->map + o_blocks);
	tx->enc_tables = tx->map + o_enc;
	tx->scratch_tables = tx->map + o_scratch;
	tx->matrix = tx->map + o_matrix;
	for (i = 0; i < tx->nblocks; i++) {
		tx->blocks[i].data = tx->map + o_bufs + i * per_block;
		tx->blocks[i].parity = tx->blocks[i].data + (size_t)c.k_max * c.symbol_max;
	}
	for (i = 0; i < FEC_DEPTH_MAX; i++)
		tx->open[i] = UINT_MAX;
	tx->next_id = c.first_block ? c.first_block : 1;
	tx->lanes_used = 1;
	tx->gap_us = c.wait_us;
	if (!fec_tx_set_code(tx, c.k, c.m, NULL, 0))
		goto nomem;	/* cannot happen: validated above */
	return 0;
nomem:
	fec_tx_free(tx);
	return -ENOMEM;
}

struct fec_tx *fec_tx_new(const struct fec_tx_config *cfg)
{
	struct fec_tx tmp;

	if (fec_tx_init(&tmp, cfg) != 0)
		return NULL;
	memcpy(tmp.map, &tmp, sizeof(tmp));	/* no pointer into the struct itself */
	return (struct fec_tx *)(void *)tmp.map;
}

void fec_tx_delete(struct fec_tx *tx)
{
	struct fec_tx tmp;

	if (!tx)
		return;
	tmp = *tx;
	fec_tx_free(&tmp);
}

static void tx_close(struct fec_tx *tx, struct fec_txblock *b, uint64_t now_us, bool by_wait);

bool fec_tx_set_code(struct fec_tx *tx, unsigned k, unsigned m, const uint8_t *m_for_k,
		     uint64_t now_us)
{
	unsigned i;

	if (!fec_code_valid(k, m) || k > tx->cfg.k_max || m > tx->cfg.m_max)
		return false;
	if (m_for_k) {
		for (i = 1; i <= FEC_K_MAX; i++)
			if (m_for_k[i] < 1 || m_for_k[i] > tx->cfg.m_max ||
			    i + m_for_k[i] > FEC_N_MAX)
				return false;
	}
	if (k == tx->cfg.k && m == tx->cfg.m && tx->m_for_k[k] == m) {
		/* the same code: only the parity of blocks closed early changes */
		for (i = 1; i <= FEC_K_MAX; i++)
			if (i != k)
				tx->m_for_k[i] = m_for_k ? m_for_k[i]
						 : (uint8_t)default_m_for(k, m, i, tx->cfg.m_max);
		return true;
	}
	for (i = 1; i <= FEC_K_MAX; i++)
		tx->m_for_k[i] = m_for_k ? m_for_k[i] : (uint8_t)default_m_for(k, m, i, tx->cfg.m_max);
	tx->m_for_k[0] = 0;
	tx->m_for_k[k] = (uint8_t)m;	/* a full block gets the nominal parity */
	/* open blocks close now, with the parity the new code gives their
	 * size (more when loss rose) */
	for (i = 0; i < FEC_DEPTH_MAX; i++) {
		if (tx->open[i] != UINT_MAX) {
			tx_close(tx, &tx->blocks[tx->open[i]], now_us, true);
			tx->open[i] = UINT_MAX;
		}
	}
	tx->cfg.k = k;
	tx->cfg.m = m;
	gf_gen_cauchy1_matrix(tx->matrix, (int)(k + m), (int)k);
	ec_init_tables((int)k, (int)m, tx->matrix + k * k, tx->enc_tables);
	return true;
}

static void tx_close(struct fec_tx *tx, struct fec_txblock *b, uint64_t now_us, bool by_wait)
{
	size_t S = tx->cfg.symbol_max;
	unsigned j, kk = b->k, mm;
	uint8_t *dp[FEC_K_MAX], *pp[FEC_M_MAX], *tables;
	bool full = !by_wait && kk == tx->cfg.k;	/* its parity paced with the data */

	b->closed_us = now_us;
	b->sent = 0;
	tx->st.blocks++;
	if (full)
		tx->st.closed_full++;
	else
		tx->st.closed_wait++;
	mm = tx->m_for_k[kk];
	for (j = 0; j < kk; j++) {
		dp[j] = b->data + j * S;
		memset(dp[j] + b->lens[j], 0, b->size - b->lens[j]);
	}
	for (j = 0; j < mm; j++)
		pp[j] = b->parity + j * S;
	if (kk == tx->cfg.k && mm == tx->cfg.m) {
		tables = tx->enc_tables;	/* the nominal code's tables */
	} else {
		gf_gen_cauchy1_matrix(tx->matrix, (int)(kk + mm), (int)kk);
		ec_init_tables((int)kk, (int)mm, tx->matrix + kk * kk, tx->scratch_tables);
		tables = tx->scratch_tables;
	}
	/* all of the block's parity at once: each data symbol read once */
	ec_encode_data(b->size, (int)kk, (int)mm, tables, dp, pp);
	b->m = (uint8_t)mm;
	b->state = full ? TXB_PACED : TXB_NOW;
}

/* The path of symbol `index` of block `id`: the symbols of a block go over
 * the live paths in turn (starting at a place that moves with the block id),
 * whatever else is interleaved between them, so every block is spread evenly
 * over the paths. */
static unsigned stripe_path(uint16_t paths, uint32_t id, unsigned index)
{
	unsigned n = (unsigned)__builtin_popcount(paths ? paths : 1), want, p;

	if (!paths)
		paths = 1;
	want = (unsigned)((id + index) % n);
	for (p = 0; p < FEC_PATHS_MAX; p++)
		if ((paths >> p) & 1 && want-- == 0)
			return p;
	return 0;
}

static unsigned popcount16(uint16_t v)
{
	return (unsigned)__builtin_popcount(v);
}

/* A free block buffer: the one freed longest ago, so that the data of recent
 * blocks stays for fec_tx_resend; an unused one (its pages not yet in
 * memory) only when every used one closed within FEC_TX_HISTORY_US. */
static unsigned free_block(struct fec_tx *tx, uint64_t now_us)
{
	unsigned i, old = UINT_MAX, fresh = UINT_MAX;

	for (i = 0; i < tx->nblocks; i++) {
		const struct fec_txblock *b = &tx->blocks[i];

		if (b->state != TXB_FREE)
			continue;
		if (!b->touched) {
			if (fresh == UINT_MAX)
				fresh = i;
		} else if (old == UINT_MAX || b->closed_us < tx->blocks[old].closed_us) {
			old = i;
		}
	}
	if (old != UINT_MAX && (fresh == UINT_MAX || now_us < tx->blocks[old].closed_us ||
				now_us - tx->blocks[old].closed_us >= FEC_TX_HISTORY_US))
		return old;
	return fresh != UINT_MAX ? fresh : old;
}

static bool any_open(const struct fec_tx *tx)
{
	unsigned i;

	for (i = 0; i < FEC_DEPTH_MAX; i++)
		if (tx->open[i] != UINT_MAX)
			return true;
	return false;
}

enum fec_tx_verdict fec_tx_data(struct fec_tx *tx, uint64_t now_us, uint64_t seq, uint32_t flow,
				uint8_t flags, const void *payload, size_t len, uint16_t paths,
				struct fec_tx_out *out)
{
	size_t S = tx->cfg.symbol_max;
	struct fec_txblock *b;
	unsigned lane, bi, npaths = popcount16(paths);
	uint16_t L;
	uint8_t *sym;
	unsigned j;
	bool pause;

	memset(out, 0, sizeof(*out));
	if (npaths == 0)
		npaths = 1;
	if (tx->any_data && now_us < tx->last_data_us)
		now_us = tx->last_data_us;	/* time does not go back */
	pause = !tx->any_data || now_us - tx->last_data_us > tx->cfg.wait_us;
	if (tx->any_data) {
		double gap = (double)(now_us - tx->last_data_us);

		if (gap > 4.0 * tx->cfg.wait_us)
			gap = 4.0 * tx->cfg.wait_us;
		tx->gap_us = 0.875 * tx->gap_us + 0.125 * gap;
	}
	tx->any_data = true;
	tx->last_data_us = now_us;
	if (FEC_HDR + len > S) {
		tx->st.too_big++;
		out->copies = (uint8_t)npaths;
		return FEC_TX_TOO_BIG;
	}
	if (pause && !any_open(tx)) {
		unsigned c = tx->m_for_k[1] + 1u;

		tx->st.lone++;
		out->copies = (uint8_t)(c < npaths ? c : npaths);
		return FEC_TX_LONE;
	}
	/* effective depth: as many lanes as can fill k symbols within the wait */
	{
		double per_wait = tx->gap_us > 0 ? tx->cfg.wait_us / tx->gap_us : tx->cfg.depth * 1e9;
		/* hysteresis: grow when a lane more still fills with a 50% margin,
		 * shrink only when the lanes cannot fill within the wait; lanes
		 * changing with every jitter leave blocks to close half empty */
		double up = per_wait / (1.5 * tx->cfg.k), down = per_wait / tx->cfg.k;
		unsigned l = tx->lanes_used;

		if (up >= l + 1)
			l = (unsigned)up;
		else if (down < l)
			l = down < 1 ? 1 : (unsigned)down;
		tx->lanes_used = l < 1 ? 1 : l > tx->cfg.depth ? tx->cfg.depth : l;
	}
	lane = tx->lane % tx->lanes_used;
	tx->lane = lane + 1;
	bi = tx->open[lane];
	if (bi == UINT_MAX) {
		bi = free_block(tx, now_us);
		if (bi == UINT_MAX) {
			/* every buffer holds parity not yet out: hurry it, send this as copies */
			for (j = 0; j < tx->nblocks; j++)
				if (tx->blocks[j].state == TXB_PACED)
					tx->blocks[j].state = TXB_NOW;
			tx->st.flushed++;
			out->copies = (uint8_t)(tx->m_for_k[1] + 1u < npaths ? tx->m_for_k[1] + 1u
									   : npaths);
			return FEC_TX_LONE;
		}
		b = &tx->blocks[bi];
		b->touched = true;
		b->state = TXB_OPEN;
		b->id = tx->next_id++;
		if (tx->next_id == 0)
			tx->next_id = 1;
		b->k = 0;
		b->m = 0;
		b->size = 0;
		b->resend = 0;
		b->first_us = now_us;
		tx->open[lane] = bi;
	}
	b = &tx->blocks[bi];
	sym = b->data + (size_t)b->k * S;
	L = (uint16_t)fec_coded_form(sym, S, seq, flow, flags, payload, len);
	if (L > b->size)
		b->size = L;
	b->lens[b->k] = L;
	out->block = b->id;
	out->index = b->k;
	out->path = (uint8_t)stripe_path(paths, b->id, b->k);
	b->path[b->k] = out->path;
	b->sent_off[b->k] = (uint32_t)(now_us - b->first_us);
	b->k++;
	tx->st.data++;
	tx->credit += (double)tx->cfg.m / tx->cfg.k;
	if (tx->credit > 2.0 + (double)tx->cfg.m / tx->cfg.k)
		tx->credit = 2.0 + (double)tx->cfg.m / tx->cfg.k;
	if (b->k == tx->cfg.k) {
		tx_close(tx, b, now_us, false);
		tx->open[lane] = UINT_MAX;
	}
	return FEC_TX_CODED;
}

static void emit(struct fec_tx *tx, struct fec_txblock *b, uint16_t paths, struct fec_tx_out *out)
{
	out->block = b->id;
	out->index = (uint8_t)(b->k + b->sent);
	out->k = b->k;
	out->m = b->m;
	out->path = (uint8_t)stripe_path(paths, b->id, (unsigned)b->k + b->sent);
	out->copies = 0;
	out->len = b->size;
	out->payload = b->parity + (size_t)b->sent * tx->cfg.symbol_max;
	b->sent++;
	tx->st.parity++;
	if (b->sent == b->m)
		b->state = TXB_FREE;
}

unsigned fec_tx_resend(struct fec_tx *tx, unsigned path, uint64_t since_us)
{
	unsigned i, j, n = 0;

	for (i = 0; i < tx->nblocks; i++) {
		struct fec_txblock *b = &tx->blocks[i];

		if (!b->touched)
			continue;
		for (j = 0; j < b->k; j++)
			if (b->path[j] == path && b->first_us + b->sent_off[j] >= since_us &&
			    !((b->resend >> j) & 1)) {
				b->resend |= 1ull << j;
				n++;
			}
	}
	return n;
}

/* the oldest block with a data symbol to send again: one of them */
static bool emit_resend(struct fec_tx *tx, uint16_t paths, struct fec_tx_out *out)
{
	unsigned i, best = UINT_MAX, j;
	struct fec_txblock *b;

	for (i = 0; i < tx->nblocks; i++)
		if (tx->blocks[i].resend &&
		    (best == UINT_MAX || (int32_t)(tx->blocks[i].id - tx->blocks[best].id) < 0))
			best = i;
	if (best == UINT_MAX)
		return false;
	b = &tx->blocks[best];
	j = (unsigned)__builtin_ctzll(b->resend);
	b->resend &= b->resend - 1;
	out->block = b->id;
	out->index = (uint8_t)j;
	out->data = true;
	out->path = (uint8_t)stripe_path(paths, b->id, j + 1);	/* another path than before, if it is still there */
	out->len = b->lens[j];
	out->payload = b->data + (size_t)j * tx->cfg.symbol_max;
	tx->st.resent++;
	return true;
}

bool fec_tx_parity(struct fec_tx *tx, uint64_t now_us, uint16_t paths, struct fec_tx_out *out)
{
	unsigned i, best = UINT_MAX;

	memset(out, 0, sizeof(*out));
	if (emit_resend(tx, paths, out))
		return true;
	for (i = 0; i < FEC_DEPTH_MAX; i++) {
		unsigned bi = tx->open[i];

		if (bi != UINT_MAX && now_us >= tx->blocks[bi].first_us &&
		    now_us - tx->blocks[bi].first_us >= tx->cfg.wait_us) {
			tx_close(tx, &tx->blocks[bi], now_us, true);
			tx->open[i] = UINT_MAX;
		}
	}
	/* due at once: closed by the wait, or paced past their wait: oldest first */
	for (i = 0; i < tx->nblocks; i++) {
		struct fec_txblock *b = &tx->blocks[i];

		if (b->state == TXB_PACED && now_us >= b->closed_us &&
		    now_us - b->closed_us >= tx->cfg.wait_us)
			b->state = TXB_NOW;
		if (b->state == TXB_NOW &&
		    (best == UINT_MAX || (int32_t)(b->id - tx->blocks[best].id) < 0))
			best = i;
	}
	if (best != UINT_MAX) {
		emit(tx, &tx->blocks[best], paths, out);
		return true;
	}
	if (tx->credit < 1.0)
		return false;
	for (i = 0; i < tx->nblocks; i++) {
		unsigned bi = (tx->parity_rr + i) % tx->nblocks;

		if (tx->blocks[bi].state == TXB_PACED) {
			tx->parity_rr = bi + 1;
			tx->credit -= 1.0;
			emit(tx, &tx->blocks[bi], paths, out);
			return true;
		}
	}
	if (tx->credit > 1.0)
		tx->credit = 1.0;	/* nothing queued: do not bank a burst */
	return false;
}

bool fec_tx_busy(const struct fec_tx *tx)
{
	unsigned i;

	for (i = 0; i < tx->nblocks; i++)
		if (tx->blocks[i].state != TXB_FREE || tx->blocks[i].resend)
			return true;
	return false;
}

size_t fec_tx_memory(const struct fec_tx *tx)
{
	size_t per_block = (size_t)(tx->cfg.k_max + tx->cfg.m_max) * tx->cfg.symbol_max;
	size_t n = tx->map_len - tx->nblocks * per_block;
	unsigned i;

	for (i = 0; i < tx->nblocks; i++)
		if (tx->blocks[i].touched)
			n += (size_t)(tx->cfg.k_max + tx->cfg.m_max) * tx->cfg.symbol_max;
	return n;
}

uint64_t fec_tx_deadline(const struct fec_tx *tx)
{
	uint64_t t = UINT64_MAX;
	unsigned i;

	for (i = 0; i < tx->nblocks; i++) {
		const struct fec_txblock *b = &tx->blocks[i];
		uint64_t d;

		if (b->resend)
			return 0;
		switch (b->state) {
		case TXB_OPEN: d = b->first_us + tx->cfg.wait_us; break;
		case TXB_PACED: d = b->closed_us + tx->cfg.wait_us; break;
		case TXB_NOW: d = 0; break;
		default: continue;
		}
		if (d < t)
			t = d;
	}
	return t;
}

/* ======================================================================== */
/* receiver                                                                 */
/* ======================================================================== */

enum { RXB_FREE = 0, RXB_OPEN, RXB_DONE };
#define NO_SLOT UINT16_MAX

struct fec_rxblock {
	uint32_t id;
	uint8_t state;
	uint8_t k, m;		/* 0: not yet known (no parity seen) */
	uint8_t ndata, npar;
	uint16_t size;		/* symbol size, 0 until a parity says it */
	uint64_t first_us;
	uint64_t have_data;	/* bit i: data index i */
	uint64_t have_par;	/* bit r: parity index k + r */
	uint16_t lens[FEC_K_MAX];
	uint16_t slot[FEC_K_MAX + FEC_M_MAX];	/* data i at [i], parity r at [64 + r] */
};

struct fec_cache_entry {
	bool used;
	bool touched;		/* written at least once (its pages are in memory) */
	uint8_t k, e;
	uint64_t miss, par;
	uint8_t *tables;	/* ec_init_tables(k, e): 32 * k * e */
};

#define E_MAX(rx) ((rx)->cfg.k_max < (rx)->cfg.m_max ? (rx)->cfg.k_max : (rx)->cfg.m_max)
#define CACHE_TABLES(rx) (32u * (size_t)(rx)->cfg.k_max * E_MAX(rx))

void fec_rx_free(struct fec_rx *rx)
{
	pages_free(rx->map, rx->map_len);
	memset(rx, 0, sizeof(*rx));
}

/* scratch layout in rx->matrix: generator (FEC_N_MAX * k_max), A, Ainv, D (e_max * k_max each) */
int fec_rx_init(struct fec_rx *rx, const struct fec_rx_config *cfg)
{
	struct fec_rx_config c = *cfg;
	size_t o_blocks, o_pool, o_free, o_cache, o_tables, o_matrix;
	unsigned i;

	memset(rx, 0, sizeof(*rx));
	if (!c.max_blocks)
		c.max_blocks = 64;
	if (!c.slots)
		c.slots = 2048;
	if (!c.symbol_max)
		c.symbol_max = FEC_SYMBOL_DEFAULT;
	if (!c.cache)
		c.cache = 16;
	if (!c.k_max)
		c.k_max = FEC_K_MAX;
	if (!c.m_max)
		c.m_max = FEC_M_MAX;
	if (!c.hold_us)
		c.hold_us = 2000000;
	if (c.max_blocks > 4096 || c.slots >= NO_SLOT || c.slots < FEC_N_MAX ||
	    c.symbol_max < FEC_HDR || c.symbol_max > UINT16_MAX || c.cache > 4096 ||
	    c.k_max > FEC_K_MAX || c.m_max > FEC_M_MAX)
		return -EINVAL;
	rx->cfg = c;
	carve(&rx->map_len, sizeof(*rx));	/* room for the struct itself (fec_rx_new) */
	o_blocks = carve(&rx->map_len, c.max_blocks * sizeof(*rx->blocks));
	o_free = carve(&rx->map_len, c.slots * sizeof(*rx->free_slots));
	o_cache = carve(&rx->map_len, c.cache * sizeof(*rx->cache));
	o_matrix = carve(&rx->map_len, (size_t)FEC_N_MAX * c.k_max + 3u * FEC_M_MAX * FEC_K_MAX);
	o_tables = carve(&rx->map_len, c.cache * CACHE_TABLES(rx));	/* in memory as used */
	o_pool = carve(&rx->map_len, (size_t)c.slots * c.symbol_max);	/* the same */
	rx->map = pages_alloc(rx->map_len);
	if (!rx->map)
		goto nomem;
	rx->blocks = (struct fec_rxblock *)(void *)(rx->map + o_blocks);
	rx->free_slots = (uint16_t *)(void *)(rx->map + o_free);
	rx->cache = (struct fec_cache_entry *)(void *)(rx->map + o_cache);
	rx->matrix = rx->map + o_matrix;
	rx->cache_tables = rx->map + o_tables;
	rx->pool = rx->map + o_pool;
	for (i = 0; i < c.cache; i++)
		rx->cache[i].tables = rx->cache_tables + (size_t)i * CACHE_TABLES(rx);
	for (i = 0; i < c.slots; i++)
		rx->free_slots[i] = (uint16_t)(c.slots - 1 - i);
	rx->nfree = c.slots;
	return 0;
nomem:
	fec_rx_free(rx);
	return -ENOMEM;
}

struct fec_rx *fec_rx_new(const struct fec_rx_config *cfg)
{
	struct fec_rx tmp;

	if (fec_rx_init(&tmp, cfg) != 0)
		return NULL;
	memcpy(tmp.map, &tmp, sizeof(tmp));	/* no pointer into the struct itself */
	return (struct fec_rx *)(void *)tmp.map;
}

void fec_rx_delete(struct fec_rx *rx)
{
	struct fec_rx tmp;

	if (!rx)
		return;
	tmp = *rx;
	fec_rx_free(&tmp);
}

static uint8_t *slot_ptr(const struct fec_rx *rx, uint16_t s)
{
	return rx->pool + (size_t)s * rx->cfg.symbol_max;
}

static void release_block(struct fec_rx *rx, struct fec_rxblock *b)
{
	unsigned i;

	for (i = 0; i < FEC_K_MAX + FEC_M_MAX; i++) {
		if ((i < FEC_K_MAX ? (b->have_data >> i) & 1 : (b->have_par >> (i - FEC_K_MAX)) & 1) &&
		    b->slot[i] != NO_SLOT) {
			rx->free_slots[rx->nfree++] = b->slot[i];
			b->slot[i] = NO_SLOT;
		}
	}
}

enum give_up_reason { GU_EVICTED, GU_EXPIRED, GU_POOL };

static void give_up(struct fec_rx *rx, struct fec_rxblock *b, enum give_up_reason why)
{
	if (b->k) {
		rx->st.abandoned++;
		rx->st.lost += (uint64_t)(b->k - b->ndata);
	} else {
		rx->st.unknown++;
	}
	if (why == GU_EVICTED)
		rx->st.evicted++;
	else if (why == GU_EXPIRED)
		rx->st.expired++;
	else
		rx->st.pool_full++;
	release_block(rx, b);
	b->state = RXB_DONE;	/* keeps its id: a late symbol of it is late, not a new block */
}

static void begin_call(struct fec_rx *rx)
{
	unsigned i;

	for (i = 0; i < rx->nrec_slots; i++)
		rx->free_slots[rx->nfree++] = rx->rec_slots[i];
	rx->nrec_slots = 0;
	rx->nrec = 0;
}

/* A free symbol buffer, evicting the oldest open block other than keep if need be. */
static bool take_slot(struct fec_rx *rx, const struct fec_rxblock *keep, uint16_t *s)
{
	while (rx->nfree == 0) {
		struct fec_rxblock *old = NULL;
		unsigned i;

		for (i = 0; i < rx->cfg.max_blocks; i++) {
			struct fec_rxblock *b = &rx->blocks[i];

			if (b->state == RXB_OPEN && b != keep &&
			    (!old || (int32_t)(b->id - old->id) < 0))
				old = b;
		}
		if (!old)
			return false;
		give_up(rx, old, GU_POOL);
	}
	*s = rx->free_slots[--rx->nfree];
	return true;
}

static struct fec_rxblock *lookup(struct fec_rx *rx, uint64_t now_us, uint32_t id,
				  enum fec_rx_verdict *v)
{
	struct fec_rxblock *b;

	if (id == 0) {
		*v = FEC_RX_BAD;
		return NULL;
	}
	if (rx->cfg.floor && (int32_t)(id - rx->cfg.floor) <= 0) {
		/* before this receiver was started again: as its predecessor would
		 * have said (every block it held was done) */
		*v = (int32_t)(rx->cfg.floor - id) >= (int32_t)rx->cfg.max_blocks ? FEC_RX_STALE
										     : FEC_RX_LATE;
		return NULL;
	}
	if (rx->highest && (int32_t)(rx->highest - id) >= (int32_t)rx->cfg.max_blocks) {
		*v = FEC_RX_STALE;
		return NULL;
	}
	b = &rx->blocks[id % rx->cfg.max_blocks];
	if (b->state != RXB_FREE && b->id == id)
		return b;
	if (b->state != RXB_FREE && (int32_t)(id - b->id) < 0) {
		*v = FEC_RX_STALE;
		return NULL;
	}
	if (b->state == RXB_OPEN)
		give_up(rx, b, GU_EVICTED);
	memset(b, 0, offsetof(struct fec_rxblock, slot));
	memset(b->slot, 0xff, sizeof(b->slot));
	b->id = id;
	b->state = RXB_OPEN;
	b->first_us = now_us;
	if (!rx->highest || (int32_t)(id - rx->highest) > 0)
		rx->highest = id;
	return b;
}

static unsigned cache_hash(unsigned k, uint64_t miss, uint64_t par, unsigned n)
{
	uint64_t h = miss * 0x9e3779b97f4a7c15ull ^ (par + k) * 0xc2b2ae3d27d4eb4full;

	h ^= h >> 29;
	return (unsigned)(h % n);
}

/* The decoding tables for (k, missing data, parity used): cached. */
static uint8_t *decode_tables(struct fec_rx *rx, unsigned k, unsigned e, uint64_t miss,
				    uint64_t par, const uint8_t *mi, const uint8_t *ri,
				    const uint8_t *present)
{
	struct fec_cache_entry *ce = &rx->cache[cache_hash(k, miss, par, rx->cfg.cache)];
	uint8_t *gen = rx->matrix;
	uint8_t *A = gen + (size_t)FEC_N_MAX * rx->cfg.k_max;
	uint8_t *Ainv = A + FEC_M_MAX * FEC_K_MAX;
	uint8_t *D = Ainv + FEC_M_MAX * FEC_K_MAX;
	unsigned a, b, c, rows = k + ri[e - 1] + 1;

	if (ce->used && ce->k == k && ce->e == e && ce->miss == miss && ce->par == par) {
		rx->st.cache_hit++;
		return ce->tables;
	}
	rx->st.cache_miss++;
	ce->touched = true;
	gf_gen_cauchy1_matrix(gen, (int)rows, (int)k);
	for (a = 0; a < e; a++)
		for (b = 0; b < e; b++)
			A[a * e + b] = gen[(k + ri[a]) * k + mi[b]];
	ce->used = false;	/* until the tables are written */
	if (gf_invert_matrix(A, Ainv, (int)e) != 0) {
		rx->st.singular++;
		return NULL;
	}
	/* d_M = Ainv (p_R + C_{R,P} d_P): columns are the present data, then the parity */
	for (a = 0; a < e; a++) {
		for (c = 0; c < k - e; c++) {
			uint8_t s = 0;

			for (b = 0; b < e; b++)
				s ^= gf_mul(Ainv[a * e + b], gen[(k + ri[b]) * k + present[c]]);
			D[a * k + c] = s;
		}
		for (b = 0; b < e; b++)
			D[a * k + (k - e) + b] = Ainv[a * e + b];
	}
	ec_init_tables((int)k, (int)e, D, ce->tables);
	ce->used = true;
	ce->k = (uint8_t)k;
	ce->e = (uint8_t)e;
	ce->miss = miss;
	ce->par = par;
	return ce->tables;
}

static void decode(struct fec_rx *rx, struct fec_rxblock *b)
{
	unsigned k = b->k, e = k - b->ndata, i, n = 0, np = 0;
	uint8_t mi[FEC_K_MAX], ri[FEC_K_MAX], present[FEC_K_MAX];
	uint8_t *in[FEC_K_MAX], *outp[FEC_K_MAX];
	uint16_t outs[FEC_K_MAX];
	uint64_t miss = 0, par = 0;
	uint8_t *tables;	/* ISA-L takes them non-const */

	for (i = 0; i < k; i++) {
		if ((b->have_data >> i) & 1) {
			uint8_t *p = slot_ptr(rx, b->slot[i]);

			memset(p + b->lens[i], 0, b->size - b->lens[i]);
			in[np] = p;
			present[np++] = (uint8_t)i;
		} else {
			mi[n++] = (uint8_t)i;
			miss |= 1ull << i;
		}
	}
	for (i = 0, n = 0; i < b->m && n < e; i++) {
		if ((b->have_par >> i) & 1) {
			ri[n++] = (uint8_t)i;
			par |= 1ull << i;
			in[np++] = slot_ptr(rx, b->slot[FEC_K_MAX + i]);
		}
	}
	for (i = 0; i < e; i++) {
		if (!take_slot(rx, b, &outs[i])) {
			while (i--)
				rx->free_slots[rx->nfree++] = outs[i];
			give_up(rx, b, GU_POOL);
			return;
		}
		outp[i] = slot_ptr(rx, outs[i]);
	}
	tables = decode_tables(rx, k, e, miss, par, mi, ri, present);
	if (!tables) {
		for (i = 0; i < e; i++)
			rx->free_slots[rx->nfree++] = outs[i];
		give_up(rx, b, GU_POOL);
		return;
	}
	ec_encode_data(b->size, (int)k, (int)e, tables, in, outp);
	rx->st.decoded++;
	for (i = 0; i < e; i++) {
		struct fec_recovered *r = &rx->rec[rx->nrec];

		rx->rec_slots[rx->nrec_slots++] = outs[i];
		if (!fec_parse_coded(outp[i], b->size, &r->seq, &r->flow, &r->len, &r->flags)) {
			rx->st.bad_recovered++;
			continue;
		}
		r->payload = outp[i] + FEC_HDR;
		rx->nrec++;
		rx->st.recovered++;
	}
	release_block(rx, b);
	b->state = RXB_DONE;
}

static void progress(struct fec_rx *rx, struct fec_rxblock *b)
{
	if (!b->k)
		return;
	if (b->ndata == b->k) {
		rx->st.complete++;
		release_block(rx, b);
		b->state = RXB_DONE;
	} else if (b->ndata + b->npar >= b->k) {
		decode(rx, b);
	}
}

enum fec_rx_verdict fec_rx_data(struct fec_rx *rx, uint64_t now_us, uint32_t block, uint8_t index,
				uint64_t seq, uint32_t flow, uint8_t flags, const void *payload,
				size_t len)
{
	enum fec_rx_verdict v = FEC_RX_OK;
	struct fec_rxblock *b;
	uint16_t s;
	size_t L;

	begin_call(rx);
	if (index >= rx->cfg.k_max || index >= FEC_K_MAX) {
		rx->st.bad++;
		return FEC_RX_BAD;
	}
	if (FEC_HDR + len > rx->cfg.symbol_max) {
		rx->st.too_big++;
		return FEC_RX_TOO_BIG;
	}
	b = lookup(rx, now_us, block, &v);
	if (!b)
		goto out;
	if (b->state == RXB_DONE) {
		v = FEC_RX_LATE;
		goto out;
	}
	if ((b->k && index >= b->k) || (b->size && FEC_HDR + len > b->size)) {
		v = FEC_RX_BAD;
		goto out;
	}
	if ((b->have_data >> index) & 1) {
		v = FEC_RX_DUP;
		goto out;
	}
	if (!take_slot(rx, b, &s)) {
		give_up(rx, b, GU_POOL);
		v = FEC_RX_STALE;
		goto out;
	}
	L = fec_coded_form(slot_ptr(rx, s), rx->cfg.symbol_max, seq, flow, flags, payload, len);
	b->slot[index] = s;
	b->lens[index] = (uint16_t)L;
	b->have_data |= 1ull << index;
	b->ndata++;
	rx->st.data++;
	progress(rx, b);
	return FEC_RX_OK;
out:
	switch (v) {
	case FEC_RX_DUP: rx->st.dup++; break;
	case FEC_RX_STALE: rx->st.stale++; break;
	case FEC_RX_LATE: rx->st.late++; break;
	default: rx->st.bad++; break;
	}
	return v;
}

enum fec_rx_verdict fec_rx_parity(struct fec_rx *rx, uint64_t now_us, uint32_t block,
				  uint8_t index, uint8_t k, uint8_t m, const void *payload,
				  size_t len)
{
	enum fec_rx_verdict v = FEC_RX_OK;
	struct fec_rxblock *b;
	unsigned r;
	uint16_t s;

	begin_call(rx);
	if (!fec_code_valid(k, m) || k > rx->cfg.k_max || m > rx->cfg.m_max || index < k ||
	    index >= k + m || len < FEC_HDR) {
		rx->st.bad++;
		return FEC_RX_BAD;
	}
	if (len > rx->cfg.symbol_max) {
		rx->st.too_big++;
		return FEC_RX_TOO_BIG;
	}
	b = lookup(rx, now_us, block, &v);
	if (!b)
		goto out;
	if (b->state == RXB_DONE) {
		v = FEC_RX_LATE;
		goto out;
	}
	if (b->k) {
		if (b->k != k || b->m != m || b->size != len) {
			v = FEC_RX_BAD;
			goto out;
		}
	} else {
		unsigned i;

		if (k < 64 && (b->have_data >> k)) {
			v = FEC_RX_BAD;	/* data with an index beyond k */
			goto out;
		}
		for (i = 0; i < k; i++)
			if (((b->have_data >> i) & 1) && b->lens[i] > len) {
				v = FEC_RX_BAD;
				goto out;
			}
		b->k = k;
		b->m = m;
		b->size = (uint16_t)len;
	}
	r = index - k;
	if ((b->have_par >> r) & 1) {
		v = FEC_RX_DUP;
		goto out;
	}
	if (b->ndata == b->k) {	/* k just learned: every data symbol was already here */
		rx->st.parity++;
		progress(rx, b);
		return FEC_RX_OK;
	}
	if (!take_slot(rx, b, &s)) {
		give_up(rx, b, GU_POOL);
		v = FEC_RX_STALE;
		goto out;
	}
	memcpy(slot_ptr(rx, s), payload, len);
	b->slot[FEC_K_MAX + r] = s;
	b->have_par |= 1ull << r;
	b->npar++;
	rx->st.parity++;
	progress(rx, b);
	return FEC_RX_OK;
out:
	switch (v) {
	case FEC_RX_DUP: rx->st.dup++; break;
	case FEC_RX_STALE: rx->st.stale++; break;
	case FEC_RX_LATE: rx->st.late++; break;
	default: rx->st.bad++; break;
	}
	return v;
}

bool fec_rx_late(const struct fec_rx *rx, uint32_t block)
{
	const struct fec_rxblock *b;

	/* lookup()'s tests, in its order, where it answers FEC_RX_LATE */
	if (block == 0)
		return false;
	if (rx->cfg.floor && (int32_t)(block - rx->cfg.floor) <= 0)
		return (int32_t)(rx->cfg.floor - block) < (int32_t)rx->cfg.max_blocks;
	if (rx->highest && (int32_t)(rx->highest - block) >= (int32_t)rx->cfg.max_blocks)
		return false;	/* stale */
	b = &rx->blocks[block % rx->cfg.max_blocks];
	return b->state == RXB_DONE && b->id == block;
}

unsigned fec_rx_recovered(const struct fec_rx *rx, const struct fec_recovered **out)
{
	*out = rx->rec;
	return rx->nrec;
}

void fec_rx_expire(struct fec_rx *rx, uint64_t now_us)
{
	unsigned i;

	begin_call(rx);
	for (i = 0; i < rx->cfg.max_blocks; i++) {
		struct fec_rxblock *b = &rx->blocks[i];

		/* a caller's clock read before the block's first symbol is not "later" */
		if (b->state == RXB_OPEN && now_us > b->first_us &&
		    now_us - b->first_us >= rx->cfg.hold_us)
			give_up(rx, b, GU_EXPIRED);
	}
}

bool fec_rx_busy(const struct fec_rx *rx)
{
	unsigned i;

	for (i = 0; i < rx->cfg.max_blocks; i++)
		if (rx->blocks[i].state == RXB_OPEN)
			return true;
	return false;
}

uint32_t fec_rx_highest(const struct fec_rx *rx)
{
	return rx->highest;
}

size_t fec_rx_memory(const struct fec_rx *rx)
{
	size_t n = rx->map_len - rx->cfg.cache * CACHE_TABLES(rx);
	unsigned i;

	for (i = 0; i < rx->cfg.cache; i++)
		if (rx->cache[i].touched)
			n += CACHE_TABLES(rx);
	return n;
}

const char *fec_rx_verdict_name(enum fec_rx_verdict v)
{
	switch (v) {
	case FEC_RX_OK: return "ok";
	case FEC_RX_DUP: return "dup";
	case FEC_RX_STALE: return "stale";
	case FEC_RX_LATE: return "late";
	case FEC_RX_BAD: return "bad";
	case FEC_RX_TOO_BIG: return "too_big";
	}
	return "?";
}
