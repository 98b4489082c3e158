/* fuzz_fec.c - the FEC receiver (lib/fec.c) under arbitrary symbol streams.
 *
 * The input picks a code and the receiver's limits, then drives it with
 * operations over four blocks encoded by the real sender (so decoding is
 * reached): deliver any genuine symbol (any order, duplicates), deliver
 * forged symbols (any block id, index, k, m, size, bytes), advance time and
 * expire.  Properties:
 *   - every recovered symbol of a block that saw no forged symbol is one of
 *     that block's data symbols, byte for byte;
 *   - every recovered symbol fits its block's symbol size;
 *   - after everything expires, every symbol buffer is free again (no leak
 *     of the pool), and the counters add up.
 * Input: k = 1 + b0 % 12, m = 1 + b1 % 12, b2: max_blocks = 1 + b2 % 8,
 * cache = 1 + b2 / 32; b3..b6: first block id (big-endian); then 3-byte
 * operations (op, a, b); see the switch below. */
#include "fuzz.h"
#include "fec.h"

#include <stdbool.h>
#include <string.h>

#define NB 4
#define SMAX 256	/* symbol_max of the receiver: small, so forged sizes hit it */

struct gsym {
	bool parity;
	uint8_t index, k, m;
	uint64_t seq;
	uint32_t flow;
	uint8_t flags;
	uint16_t len;
	uint8_t bytes[SMAX];
};

static struct gsym blocks[NB][FEC_N_MAX];
static unsigned nsym[NB];

static void encode(unsigned k, unsigned m, const uint8_t *seed, size_t seedlen)
{
	struct fec_tx tx;
	struct fec_tx_config cfg = { .k = k, .m = m, .depth = 1, .wait_us = 1000,
				     .symbol_max = SMAX };
	struct fec_tx_out out;
	uint64_t now = 1;
	unsigned b, i, pos = 0;

	if (fec_tx_init(&tx, &cfg) != 0)
		return;
	for (b = 0; b < NB; b++) {
		nsym[b] = 0;
		for (i = 0; i < k; i++) {
			struct gsym *g = &blocks[b][nsym[b]++];
			unsigned j;

			g->parity = false;
			g->seq = 1000u * (b + 1) + i;
			g->flow = 1 + b;
			g->flags = (i & 1) ? FEC_FLAGS_ALLOWED : 0;
			g->len = (uint16_t)(seedlen ? seed[pos++ % seedlen] % (SMAX - FEC_HDR) : i);
			for (j = 0; j < g->len; j++)
				g->bytes[j] = (uint8_t)(seedlen ? seed[(pos + j) % seedlen] ^ j : j);
			/* after the pause between blocks, the first try goes out as copies */
			while (fec_tx_data(&tx, ++now, g->seq, g->flow, g->flags, g->bytes, g->len, 1,
					   &out) !=
			       FEC_TX_CODED)
				;
			g->index = out.index;
		}
		now += 1000;
		while (fec_tx_parity(&tx, now, 1, &out)) {
			struct gsym *g = &blocks[b][nsym[b]++];

			g->parity = true;
			g->index = out.index;
			g->k = out.k;
			g->m = out.m;
			g->len = out.len;
			memcpy(g->bytes, out.payload, out.len);
		}
	}
	fec_tx_free(&tx);
}

static const char *check(const struct fec_rx *rx, unsigned b, bool tainted)
{
	const struct fec_recovered *r;
	unsigned n = fec_rx_recovered(rx, &r), i, j;

	for (i = 0; i < n; i++) {
		if (r[i].len > SMAX - FEC_HDR)
			return "recovered symbol larger than the pool's symbols";
		if (tainted || b >= NB)
			continue;
		for (j = 0; j < nsym[b]; j++) {
			const struct gsym *g = &blocks[b][j];

			if (!g->parity && g->seq == r[i].seq && g->flow == r[i].flow &&
			    g->flags == r[i].flags &&
			    g->len == r[i].len && !memcmp(g->bytes, r[i].payload, g->len))
				break;
		}
		if (j == nsym[b])
			return "recovered symbol is not one of the block's data symbols";
	}
	return NULL;
}

const char *fuzz_fec_one(const uint8_t *data, size_t size)
{
	struct fec_rx rx;
	struct fec_rx_config rc = { 0 };
	unsigned k, m, b;
	bool tainted[NB] = { false };
	uint32_t base;
	uint64_t now = 0;
	size_t pos;
	const char *why = NULL;

	if (size < 7)
		return NULL;
	k = 1 + data[0] % 12;
	m = 1 + data[1] % 12;
	rc.max_blocks = 1 + data[2] % 8;
	rc.cache = 1 + data[2] / 32;
	rc.slots = FEC_N_MAX;
	rc.symbol_max = SMAX;
	rc.hold_us = 50000;
	rc.k_max = 12;
	rc.m_max = 12;
	base = (uint32_t)data[3] << 24 | (uint32_t)data[4] << 16 | (uint32_t)data[5] << 8 | data[6];
	encode(k, m, data + 7, size - 7);
	if (fec_rx_init(&rx, &rc) != 0)
		return "fec_rx_init failed";
	for (pos = 7; pos + 3 <= size && !why; pos += 3) {
		uint8_t op = data[pos], a = data[pos + 1], c = data[pos + 2];
		uint32_t id;
		const struct gsym *g;
		enum fec_rx_verdict v;
		bool late;

		b = (op >> 2) % NB;
		id = base + b;
		switch (op & 3) {
		case 0:	/* a genuine symbol */
			g = &blocks[b][a % nsym[b]];
			late = fec_rx_late(&rx, id);
			if (g->parity)
				v = fec_rx_parity(&rx, now, id, g->index, g->k, g->m, g->bytes, g->len);
			else
				v = fec_rx_data(&rx, now, id, g->index, g->seq, g->flow, g->flags,
						g->bytes, g->len);
			/* what the receivers drop unread must be exactly what comes late */
			if (late != (v == FEC_RX_LATE) && !(late && v == FEC_RX_BAD))
				why = "fec_rx_late disagrees with the verdict";
			if (!why)
				why = check(&rx, b, tainted[b]);
			break;
		case 1:	/* a forged parity symbol: any index, k, m, size; bytes from the input */
			tainted[b] = true;
			fec_rx_parity(&rx, now, id, a, (uint8_t)(c & 0x3f), (uint8_t)(1 + (c >> 4)),
				      data + pos, (size_t)(a ^ c) % (size - pos + 1));
			why = check(&rx, b, true);
			break;
		case 2:	/* time passes */
			now += (uint64_t)a * 1000;
			if (c & 1)
				fec_rx_expire(&rx, now);
			break;
		default:	/* a forged data symbol, maybe for another block id */
			if (c & 0x80)
				id = base + NB + a;
			else
				tainted[b] = true;
			fec_rx_data(&rx, now, id, (uint8_t)(c & 0x7f), 7, 7, (uint8_t)(a & 5), data + pos,
				    (size_t)a % (size - pos + 1));
			why = check(&rx, (c & 0x80) ? NB : b, true);
			break;
		}
	}
	if (!why) {
		fec_rx_expire(&rx, now + 1000000);
		if (rx.nfree != rc.slots)
			why = "symbol buffers not all free after every block expired";
	}
	fec_rx_free(&rx);
	return why;
}

FUZZ_ENTRY(fuzz_fec_one)
