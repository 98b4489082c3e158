/* redundancy.c - redundancy modes and the FEC glue of one direction (see redundancy.h). */
#include "redundancy.h"
#include "json.h"
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- modes ---- */

bool redundancy_parse(const char *s, struct redundancy *r)
{
	unsigned k, m;
	char tail;

	if (strcmp(s, "broadcast") == 0) {
		r->mode = WIRE_RED_BROADCAST;
		r->k = r->m = 0;
		return true;
	}
	/* fec:K:M, digits only (sscanf alone would take signs and spaces) */
	if (strncmp(s, "fec:", 4) != 0 || strspn(s + 4, "0123456789:") != strlen(s + 4) ||
	    sscanf(s + 4, "%3u:%3u%c", &k, &m, &tail) != 2 || !fec_code_valid(k, m))
		return false;
	r->mode = WIRE_RED_FEC;
	r->k = (uint8_t)k;
	r->m = (uint8_t)m;
	return true;
}

const char *redundancy_format(const struct redundancy *r, char *buf, size_t len)
{
	if (r->mode == WIRE_RED_FEC)
		snprintf(buf, len, "fec:%u:%u", r->k, r->m);
	else
		snprintf(buf, len, "broadcast");
	return buf;
}

void redundancy_to_ping(const struct redundancy *r, struct wire_ping *p)
{
	p->redundancy = r->mode;
	p->fec_k = p->fec_m = 0;
	p->fec_wait = 0;
	p->target_loss = 0;
	if (r->mode == WIRE_RED_FEC) {
		uint32_t w = (r->wait_us + 99) / 100;

		p->fec_k = r->k;
		p->fec_m = r->m;
		p->fec_wait = (uint16_t)(w > UINT16_MAX ? UINT16_MAX : w);
	}
}

bool redundancy_from_ping(const struct wire_ping *p, struct redundancy *r)
{
	switch (p->redundancy) {
	case WIRE_RED_BROADCAST:
		r->mode = WIRE_RED_BROADCAST;
		r->k = r->m = 0;
		return true;
	case WIRE_RED_FEC:
		if (!fec_code_valid(p->fec_k, p->fec_m))
			return false;	/* wire_ping_decode checked it already */
		r->mode = WIRE_RED_FEC;
		r->k = p->fec_k;
		r->m = p->fec_m;
		r->wait_us = p->fec_wait ? (uint32_t)p->fec_wait * 100u : RED_WAIT_DEFAULT_US;
		if (r->wait_us > RED_WAIT_MAX_US)
			r->wait_us = RED_WAIT_MAX_US;
		return true;
	default:
		return false;	/* keep; auto is not applied yet */
	}
}

void redundancy_clamp(struct redundancy *r, unsigned kmax, unsigned mmax)
{
	if (r->mode != WIRE_RED_FEC)
		return;
	if (kmax == 0 || mmax == 0) {
		r->mode = WIRE_RED_BROADCAST;
		r->k = r->m = 0;
		return;
	}
	if (r->k > kmax)
		r->k = (uint8_t)kmax;
	if (r->m > mmax)
		r->m = (uint8_t)mmax;
}

/* ---- sender ---- */

int fec_send_apply(struct fec_send *s, const struct redundancy *r, unsigned depth,
		   uint64_t now_us)
{
	uint32_t wait;

	if (r->mode != WIRE_RED_FEC) {
		/* a coder still holding parity sends it out, then is trimmed */
		s->red = *r;
		s->red.mode = WIRE_RED_BROADCAST;
		s->on = false;
		return 0;
	}
	wait = r->wait_us ? r->wait_us : RED_WAIT_DEFAULT_US;
	if (!fec_code_valid(r->k, r->m) || depth < 1 || depth > FEC_DEPTH_MAX) {
		s->red.mode = WIRE_RED_BROADCAST;
		s->on = false;
		return -EINVAL;
	}
	if (s->tx && s->depth == depth && s->tx->cfg.wait_us == wait &&
	    r->k <= s->tx->cfg.k_max && r->m <= s->tx->cfg.m_max) {
		if (s->tx->cfg.k != r->k || s->tx->cfg.m != r->m)
			if (!fec_tx_set_code(s->tx, r->k, r->m, NULL, now_us))
				return -EINVAL;
	} else if (s->tx) {
		/* a larger code or another wait: a new coder at the next datagram
		 * (parity of the old blocks not yet out is lost: a reconfiguration,
		 * not a datagram) */
		s->next_block = s->tx->next_id;
		fec_tx_delete(s->tx);
		s->tx = NULL;
	}
	s->on = true;
	s->depth = depth;
	s->red = *r;
	s->red.wait_us = wait;
	return 0;
}

void fec_send_free(struct fec_send *s)
{
	fec_tx_delete(s->tx);
	s->tx = NULL;
	s->on = false;
	s->next_block = 0;
	s->red.mode = WIRE_RED_BROADCAST;
}

/* The coder of the applied code (false: none could be allocated). */
static bool send_coder(struct fec_send *s, struct fec_counters *cnt)
{
	struct fec_tx_config cfg = { .k = s->red.k, .m = s->red.m, .depth = s->depth,
				     .wait_us = s->red.wait_us, .first_block = s->next_block,
				     .symbol_max = FEC_SYMBOL_DEFAULT };	/* RED_PARITY_DGRAM */

	if (s->pool_k > cfg.k)
		cfg.k_max = s->pool_k;
	if (s->pool_m > cfg.m)
		cfg.m_max = s->pool_m;

	if (s->tx)
		return true;
	s->tx = fec_tx_new(&cfg);
	if (!s->tx) {
		cnt->nomem++;
		return false;
	}
	cnt->coders++;
	return true;
}

bool fec_send_trim(struct fec_send *s, uint64_t now_us, uint64_t idle_us,
		   struct fec_counters *cnt)
{
	if (!s->tx || fec_tx_busy(s->tx) ||
	    (s->tx->any_data && now_us >= s->tx->last_data_us &&
	     now_us - s->tx->last_data_us < idle_us))
		return false;
	s->next_block = s->tx->next_id;
	fec_tx_delete(s->tx);
	s->tx = NULL;
	cnt->coders_freed++;
	return true;
}

size_t fec_send_memory(const struct fec_send *s)
{
	return s->tx ? fec_tx_memory(s->tx) : 0;
}

/* n of the live paths, starting at a place that rotates. */
static uint16_t pick_copies(struct fec_send *s, uint16_t live, unsigned n)
{
	unsigned have = (unsigned)__builtin_popcount(live), skip, p;
	uint16_t out = 0;

	if (n >= have)
		return live;
	skip = s->copy_rr++ % have;
	for (p = 0; n && p < 2 * FEC_PATHS_MAX; p++) {
		unsigned b = p % FEC_PATHS_MAX;

		if (!((live >> b) & 1) || (out >> b) & 1)
			continue;
		if (skip) {
			skip--;
			continue;
		}
		out |= (uint16_t)(1u << b);
		n--;
	}
	return out;
}

uint16_t fec_send_data(struct fec_send *s, uint64_t now_us, uint64_t seq, uint32_t flow,
		       uint8_t flags, const void *payload, size_t len, uint16_t live,
		       struct wire_ext *ext, bool *coded, struct fec_counters *cnt)
{
	struct fec_tx_out out;
	enum fec_tx_verdict v;

	*coded = false;
	if (!live)
		live = 1;
	if (!send_coder(s, cnt)) {
		cnt->tx_copies++;
		return live;	/* no memory for the code: broadcast this one */
	}
	v = fec_tx_data(s->tx, now_us, seq, flow, flags & FEC_FLAGS_ALLOWED, payload, len, live,
			&out);
	if (v == FEC_TX_CODED) {
		*coded = true;
		*ext = (struct wire_ext){ .block = out.block, .index = out.index };
		cnt->tx_data++;
		return (uint16_t)(1u << out.path);
	}
	cnt->tx_copies++;
	return pick_copies(s, live, out.copies ? out.copies : FEC_PATHS_MAX);
}

bool fec_send_parity(struct fec_send *s, uint64_t now_us, uint16_t live, struct fec_tx_out *out,
		     struct fec_counters *cnt)
{
	if (!s->tx)
		return false;
	if (!fec_tx_parity(s->tx, now_us, live ? live : 1, out))
		return false;
	if (out->data)
		cnt->tx_resent++;
	else
		cnt->tx_parity++;
	return true;
}

unsigned fec_send_resend(struct fec_send *s, unsigned path, uint64_t since_us)
{
	return s->tx ? fec_tx_resend(s->tx, path, since_us) : 0;
}

uint64_t fec_send_deadline(const struct fec_send *s)
{
	return s->tx ? fec_tx_deadline(s->tx) : UINT64_MAX;
}

/* ---- receiver ---- */

void fec_recv_free(struct fec_recv *r)
{
	fec_rx_delete(r->rx);
	memset(r, 0, sizeof(*r));
}

static bool recv_coder(struct fec_recv *r, struct fec_counters *cnt)
{
	struct fec_rx_config cfg = { .max_blocks = 64, .slots = 1024, .hold_us = 2000000,
				     .floor = r->floor };

	if (r->rx)
		return true;
	r->rx = fec_rx_new(&cfg);
	if (!r->rx) {
		cnt->nomem++;
		return false;
	}
	memset(&r->seen, 0, sizeof(r->seen));
	cnt->coders++;
	return true;
}

/* What the decoder's counters moved since the last look. */
static void sync_stats(struct fec_recv *r, struct fec_counters *cnt)
{
	const struct fec_rx_stats *st = &r->rx->st;

	cnt->blocks_complete += st->complete - r->seen.complete;
	cnt->blocks_decoded += st->decoded - r->seen.decoded;
	cnt->blocks_failed += st->abandoned - r->seen.abandoned;
	cnt->blocks_unknown += st->unknown - r->seen.unknown;
	cnt->unrecoverable += st->lost - r->seen.lost;
	/* only the five it reads: this runs for every symbol taken */
	r->seen.complete = st->complete;
	r->seen.decoded = st->decoded;
	r->seen.abandoned = st->abandoned;
	r->seen.unknown = st->unknown;
	r->seen.lost = st->lost;
}

enum fec_recv_verdict fec_recv_symbol(struct fec_recv *r, const struct wire_hdr *h,
				      const uint8_t *payload, uint64_t now_us,
				      struct fec_counters *cnt)
{
	enum fec_rx_verdict v;

	if (!recv_coder(r, cnt)) {
		cnt->rx_refused++;
		return FEC_RECV_REFUSED;
	}
	r->last_us = now_us;
	if (h->type == WIRE_PARITY)
		v = fec_rx_parity(r->rx, now_us, h->ext.block, h->ext.index, h->ext.k, h->ext.m,
				  payload, h->len);
	else
		v = fec_rx_data(r->rx, now_us, h->ext.block, h->ext.index, h->seq, h->flow,
				h->flags & FEC_FLAGS_ALLOWED, payload, h->len);
	sync_stats(r, cnt);
	switch (v) {
	case FEC_RX_OK:
		if (h->type == WIRE_PARITY)
			cnt->rx_parity++;
		else
			cnt->rx_data++;
		return FEC_RECV_OK;
	case FEC_RX_LATE:
		if (h->type == WIRE_PARITY)
			cnt->parity_unneeded++;
		return FEC_RECV_UNNEEDED;
	default:
		cnt->rx_refused++;
		return FEC_RECV_REFUSED;
	}
}

unsigned fec_recv_recovered(const struct fec_recv *r, const struct fec_recovered **out)
{
	if (!r->rx) {
		*out = NULL;
		return 0;
	}
	return fec_rx_recovered(r->rx, out);
}

bool fec_recv_unneeded(const struct fec_recv *r, const struct wire_hdr *h)
{
	/* a valid extension (else fec_rx_parity counts it bad), for a block done */
	return h->type == WIRE_PARITY && r->rx && fec_code_valid(h->ext.k, h->ext.m) &&
	       h->ext.k <= r->rx->cfg.k_max && h->ext.m <= r->rx->cfg.m_max &&
	       h->ext.index >= h->ext.k && h->ext.index < h->ext.k + h->ext.m &&
	       h->len >= FEC_HDR && h->len <= r->rx->cfg.symbol_max &&
	       fec_rx_late(r->rx, h->ext.block);
}

void fec_recv_expire(struct fec_recv *r, uint64_t now_us, struct fec_counters *cnt)
{
	if (!r->rx)
		return;
	fec_rx_expire(r->rx, now_us);
	sync_stats(r, cnt);
}

bool fec_recv_trim(struct fec_recv *r, uint64_t now_us, uint64_t idle_us,
		   struct fec_counters *cnt)
{
	uint32_t hi;

	if (!r->rx || fec_rx_busy(r->rx) || (now_us >= r->last_us && now_us - r->last_us < idle_us))
		return false;
	sync_stats(r, cnt);
	hi = fec_rx_highest(r->rx);
	if (hi)
		r->floor = hi;
	fec_rx_delete(r->rx);
	r->rx = NULL;
	cnt->coders_freed++;
	return true;
}

size_t fec_recv_memory(const struct fec_recv *r)
{
	return r->rx ? fec_rx_memory(r->rx) : 0;
}

/* ---- counters ---- */

bool fec_counters_any(const struct fec_counters *c)
{
	return c->tx_data || c->tx_parity || c->tx_copies || c->rx_data || c->rx_parity ||
	       c->rx_refused || c->recovered_dup;
}

void fec_counters_json(struct json *j, const struct fec_counters *c)
{
	json_u64(j, "tx_data", c->tx_data);
	json_u64(j, "tx_parity", c->tx_parity);
	json_u64(j, "tx_copies", c->tx_copies);
	json_u64(j, "tx_resent", c->tx_resent);
	json_u64(j, "rx_data", c->rx_data);
	json_u64(j, "rx_parity", c->rx_parity);
	json_u64(j, "parity_unneeded", c->parity_unneeded);
	json_u64(j, "blocks_complete", c->blocks_complete);
	json_u64(j, "blocks_decoded", c->blocks_decoded);
	json_u64(j, "blocks_failed", c->blocks_failed);
	json_u64(j, "blocks_unknown", c->blocks_unknown);
	json_u64(j, "recovered", c->recovered);
	json_u64(j, "recovered_dup", c->recovered_dup);
	json_u64(j, "unrecoverable", c->unrecoverable);
	json_u64(j, "rx_refused", c->rx_refused);
	json_u64(j, "coders", c->coders);
	json_u64(j, "coders_freed", c->coders_freed);
	json_u64(j, "nomem", c->nomem);
	json_u64(j, "auto_changes", c->auto_changes);
}
