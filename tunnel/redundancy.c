/* redundancy.c - redundancy modes and the FEC glue of one direction (see redundancy.h). */
#include "redundancy.h"
#include "json.h"
#include "parse.h"

#include <errno.h>
#include <stdio.h>
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
	struct fec_tx_config cfg;
	int rc;

	if (r->mode != WIRE_RED_FEC) {
		s->red = *r;
		s->red.mode = WIRE_RED_BROADCAST;
		return 0;
	}
	if (s->on && s->depth == depth && s->tx.cfg.wait_us == r->wait_us && r->k <= s->tx.cfg.k_max &&
	    r->m <= s->tx.cfg.m_max) {
		if (s->red.mode != WIRE_RED_FEC || s->red.k != r->k || s->red.m != r->m)
			if (!fec_tx_set_code(&s->tx, r->k, r->m, NULL, now_us))
				return -EINVAL;
		s->red = *r;
		return 0;
	}
	/* first switch, a larger code or another wait: new pools (parity of
	 * the old blocks not yet out is lost: a reconfiguration, not a datagram) */
	if (s->on)
		fec_tx_free(&s->tx);
	s->on = false;
	s->red.mode = WIRE_RED_BROADCAST;
	cfg = (struct fec_tx_config){ .k = r->k, .m = r->m, .depth = depth,
				      .wait_us = r->wait_us ? r->wait_us : RED_WAIT_DEFAULT_US };
	rc = fec_tx_init(&s->tx, &cfg);
	if (rc)
		return rc;
	s->on = true;
	s->depth = depth;
	s->red = *r;
	s->red.wait_us = cfg.wait_us;
	return 0;
}

void fec_send_free(struct fec_send *s)
{
	if (s->on)
		fec_tx_free(&s->tx);
	s->on = false;
	s->red.mode = WIRE_RED_BROADCAST;
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
	v = fec_tx_data(&s->tx, now_us, seq, flow, flags & FEC_FLAGS_ALLOWED, payload, len, live,
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
	if (!s->on)
		return false;
	if (!fec_tx_parity(&s->tx, now_us, live ? live : 1, out))
		return false;
	cnt->tx_parity++;
	return true;
}

uint64_t fec_send_deadline(const struct fec_send *s)
{
	return s->on ? fec_tx_deadline(&s->tx) : UINT64_MAX;
}

/* ---- receiver ---- */

int fec_recv_init(struct fec_recv *r)
{
	struct fec_rx_config cfg = { .max_blocks = 64, .slots = 1024, .hold_us = 2000000 };
	int rc;

	memset(r, 0, sizeof(*r));
	rc = fec_rx_init(&r->rx, &cfg);
	if (rc == 0)
		r->on = true;
	return rc;
}

void fec_recv_free(struct fec_recv *r)
{
	if (r->on)
		fec_rx_free(&r->rx);
	r->on = false;
}

/* What the decoder's counters moved since the last look. */
static void sync_stats(struct fec_recv *r, struct fec_counters *cnt)
{
	const struct fec_rx_stats *st = &r->rx.st;

	cnt->blocks_complete += st->complete - r->seen.complete;
	cnt->blocks_decoded += st->decoded - r->seen.decoded;
	cnt->blocks_failed += st->abandoned - r->seen.abandoned;
	cnt->blocks_unknown += st->unknown - r->seen.unknown;
	cnt->unrecoverable += st->lost - r->seen.lost;
	r->seen = *st;
}

enum fec_recv_verdict fec_recv_symbol(struct fec_recv *r, const struct wire_hdr *h,
				      const uint8_t *payload, uint64_t now_us,
				      struct fec_counters *cnt)
{
	enum fec_rx_verdict v;

	if (h->type == WIRE_PARITY)
		v = fec_rx_parity(&r->rx, now_us, h->ext.block, h->ext.index, h->ext.k, h->ext.m,
				  payload, h->len);
	else
		v = fec_rx_data(&r->rx, now_us, h->ext.block, h->ext.index, h->seq, h->flow,
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
	return fec_rx_recovered(&r->rx, out);
}

void fec_recv_expire(struct fec_recv *r, uint64_t now_us, struct fec_counters *cnt)
{
	if (!r->on)
		return;
	fec_rx_expire(&r->rx, now_us);
	sync_stats(r, cnt);
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
}
