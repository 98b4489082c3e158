/* impair.c - per-direction impairment pipeline (see impair.h). */
#include "impair.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* RNG stream numbers: direction * 16 + impairment */
enum { RS_LOSS = 1, RS_DUP, RS_CORRUPT, RS_TRUNC, RS_REORDER, RS_DELAY, RS_SLOT };

const char *dir_name(int dir)
{
	return dir == DIR_C2S ? "c2s" : "s2c";
}

const char *drop_reason_name(int reason)
{
	static const char *names[DROP__COUNT] = {
		"none", "loss", "queue", "mtu", "blackout", "noclient", "send", "exit",
	};

	return reason >= 0 && reason < DROP__COUNT ? names[reason] : "?";
}

void impair_cfg_default(struct impair_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->loss.kind = LOSS_NONE;
	c->dist = DIST_UNIFORM;
	c->limit_pkts = IMPAIR_LIMIT_DEFAULT;
	c->limit_bytes = IMPAIR_LIMIT_BYTES_DEFAULT;
}

bool impair_cfg_slotted(const struct impair_cfg *c)
{
	return c->slot_max > 0;
}

bool impair_cfg_needs_queue(const struct impair_cfg *c)
{
	return c->delay > 0 || c->jitter > 0 || c->rate_bps > 0 ||
	       (c->dup_p > 0 && c->dup_delay > 0) || impair_cfg_slotted(c) || c->trace;
}

bool impair_cfg_active(const struct impair_cfg *c)
{
	return c->loss.kind != LOSS_NONE || impair_cfg_needs_queue(c) || c->reorder_p > 0 ||
	       c->dup_p > 0 || c->corrupt_p > 0 || c->trunc_p > 0 || c->mtu > 0 ||
	       c->blackout_end > c->blackout_start || (c->flap_up > 0 && c->flap_down > 0) ||
	       c->down;
}

static size_t addf(char *buf, size_t len, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t addf(char *buf, size_t len, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pos >= len)
		return pos;
	va_start(ap, fmt);
	n = vsnprintf(buf + pos, len - pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return pos;
	pos += (size_t)n;
	return pos < len ? pos : len;
}

void impair_cfg_describe(const struct impair_cfg *c, char *buf, size_t len)
{
	size_t p = 0;

	buf[0] = '\0';
	switch (c->loss.kind) {
	case LOSS_RANDOM:
		p = addf(buf, len, p, " loss %g%%", c->loss.p * 100);
		break;
	case LOSS_GE:
		p = addf(buf, len, p, " loss gemodel %g%% %g%% %g%% %g%%", c->loss.ge_p * 100,
			 c->loss.ge_r * 100, c->loss.ge_1h * 100, c->loss.ge_1k * 100);
		break;
	case LOSS_STATE:
		p = addf(buf, len, p, " loss state %g%% %g%% %g%% %g%% %g%%", c->loss.p13 * 100,
			 c->loss.p31 * 100, c->loss.p32 * 100, c->loss.p23 * 100,
			 c->loss.p14 * 100);
		break;
	case LOSS_NTH:
		p = addf(buf, len, p, " loss nth %llu", (unsigned long long)c->loss.nth);
		break;
	case LOSS_NONE:
		break;
	}
	if (c->delay > 0 || c->jitter > 0)
		p = addf(buf, len, p, " delay %gms %gms%s%s", c->delay * 1e3, c->jitter * 1e3,
			 c->dist == DIST_NORMAL  ? " distribution normal"
			 : c->dist == DIST_TABLE ? " distribution table"
						 : "",
			 c->unordered ? " unordered" : "");
	if (c->reorder_p > 0)
		p = addf(buf, len, p, " reorder %g%% gap %u", c->reorder_p * 100, c->reorder_gap);
	if (c->dup_p > 0)
		p = addf(buf, len, p, " duplicate %g%% %gms", c->dup_p * 100, c->dup_delay * 1e3);
	if (c->corrupt_p > 0)
		p = addf(buf, len, p, " corrupt %g%%", c->corrupt_p * 100);
	if (c->trunc_p > 0)
		p = addf(buf, len, p, " truncate %g%% %u", c->trunc_p * 100, c->trunc_len);
	if (c->rate_bps > 0)
		p = addf(buf, len, p, " rate %llubit burst %llu", (unsigned long long)c->rate_bps,
			 (unsigned long long)c->burst);
	if (c->limit_pkts != IMPAIR_LIMIT_DEFAULT || c->limit_bytes != IMPAIR_LIMIT_BYTES_DEFAULT)
		p = addf(buf, len, p, " limit %u %llu", c->limit_pkts,
			 (unsigned long long)c->limit_bytes);
	if (c->mtu > 0)
		p = addf(buf, len, p, " mtu %u", c->mtu);
	if (c->trace)
		p = addf(buf, len, p, " trace %s (%.6g Mbit/s)", c->trace->path,
			 trace_mean_bps(c->trace) / 1e6);
	if (impair_cfg_slotted(c)) {
		p = addf(buf, len, p, " slot %gms %gms", c->slot_min * 1e3, c->slot_max * 1e3);
		if (c->slot_packets)
			p = addf(buf, len, p, " packets %u", c->slot_packets);
		if (c->slot_bytes)
			p = addf(buf, len, p, " bytes %llu", (unsigned long long)c->slot_bytes);
	}
	if (c->blackout_end > c->blackout_start)
		p = addf(buf, len, p, " blackout %gs %gs", c->blackout_start, c->blackout_end);
	if (c->flap_up > 0 && c->flap_down > 0)
		p = addf(buf, len, p, " flap %gs %gs", c->flap_up, c->flap_down);
	if (c->down)
		p = addf(buf, len, p, " down");
	if (p == 0)
		addf(buf, len, p, " no impairment");
}

/* ---- token bucket ---- */

void tb_init(struct tbucket *tb, uint64_t rate_bps, uint64_t burst)
{
	tb->rate_Bps = (double)rate_bps / 8.0;
	tb->burst = (double)burst;
	tb->tokens = (double)burst;
	tb->last = 0;
}

void tb_set(struct tbucket *tb, uint64_t rate_bps, uint64_t burst)
{
	tb->rate_Bps = (double)rate_bps / 8.0;
	tb->burst = (double)burst;
	if (tb->tokens > tb->burst)
		tb->tokens = tb->burst;
}

double tb_schedule(struct tbucket *tb, double now, size_t len)
{
	double t0, tok, dep;

	if (tb->rate_Bps <= 0)
		return now;
	t0 = now > tb->last ? now : tb->last;
	tok = tb->tokens + (t0 - tb->last) * tb->rate_Bps;
	if (tok > tb->burst)
		tok = tb->burst;
	dep = t0;
	if (tok < (double)len) {
		dep = t0 + ((double)len - tok) / tb->rate_Bps;
		tok = 0;
	} else {
		tok -= (double)len;
	}
	tb->tokens = tok;
	tb->last = dep;
	return dep;
}

/* ---- indexed min-heaps over slots ---- */

#define NOT_IN_HEAP UINT32_MAX

static bool due_less(const struct impair_dir *d, unsigned a, unsigned b)
{
	const struct qslot *x = &d->slots[a], *y = &d->slots[b];

	return x->due < y->due || (x->due == y->due && x->order < y->order);
}

static bool seq_less(const struct impair_dir *d, unsigned a, unsigned b)
{
	const struct qslot *x = &d->slots[a], *y = &d->slots[b];

	return x->seq < y->seq || (x->seq == y->seq && x->order < y->order);
}

struct heapdef {
	unsigned *(*arr)(struct impair_dir *d);
	unsigned *(*n)(struct impair_dir *d);
	unsigned *(*pos)(struct impair_dir *d, unsigned slot);
	bool (*less)(const struct impair_dir *d, unsigned a, unsigned b);
};

static unsigned *h_arr(struct impair_dir *d) { return d->heap; }
static unsigned *h_n(struct impair_dir *d) { return &d->nheap; }
static unsigned *h_pos(struct impair_dir *d, unsigned s) { return &d->slots[s].hpos; }
static unsigned *s_arr(struct impair_dir *d) { return d->sheap; }
static unsigned *s_n(struct impair_dir *d) { return &d->nsheap; }
static unsigned *s_pos(struct impair_dir *d, unsigned s) { return &d->slots[s].spos; }

static const struct heapdef HDUE = { h_arr, h_n, h_pos, due_less };
static const struct heapdef HSEQ = { s_arr, s_n, s_pos, seq_less };

static void h_set(struct impair_dir *d, const struct heapdef *h, unsigned i, unsigned slot)
{
	h->arr(d)[i] = slot;
	*h->pos(d, slot) = i;
}

static void h_up(struct impair_dir *d, const struct heapdef *h, unsigned i)
{
	unsigned *a = h->arr(d), s = a[i];

	while (i > 0) {
		unsigned p = (i - 1) / 2;

		if (!h->less(d, s, a[p]))
			break;
		h_set(d, h, i, a[p]);
		i = p;
	}
	h_set(d, h, i, s);
}

static void h_down(struct impair_dir *d, const struct heapdef *h, unsigned i)
{
	unsigned *a = h->arr(d), n = *h->n(d), s = a[i];

	for (;;) {
		unsigned l = 2 * i + 1, m;

		if (l >= n)
			break;
		m = l;
		if (l + 1 < n && h->less(d, a[l + 1], a[l]))
			m = l + 1;
		if (!h->less(d, a[m], s))
			break;
		h_set(d, h, i, a[m]);
		i = m;
	}
	h_set(d, h, i, s);
}

static void h_push(struct impair_dir *d, const struct heapdef *h, unsigned slot)
{
	unsigned *n = h->n(d);

	h_set(d, h, *n, slot);
	(*n)++;
	h_up(d, h, *n - 1);
}

static void h_remove(struct impair_dir *d, const struct heapdef *h, unsigned slot)
{
	unsigned *n = h->n(d), i = *h->pos(d, slot), *a = h->arr(d);

	(*n)--;
	if (i == *n)
		return;
	{
		unsigned moved = a[*n];

		h_set(d, h, i, moved);
		h_down(d, h, i);
		h_up(d, h, *h->pos(d, moved));
	}
}

/* ---- init ---- */

int impair_init(struct impair_dir *d, int dir, const struct impair_cfg *cfg, uint64_t seed,
		unsigned cap, size_t slot_cap, const struct impair_ops *ops)
{
	uint64_t base = (uint64_t)dir * 16;
	unsigned i;

	memset(d, 0, sizeof(*d));
	d->dir = dir;
	d->cfg = cfg;
	if (ops)
		d->ops = *ops;
	rng_seed(&d->r_loss, seed, base + RS_LOSS);
	rng_seed(&d->r_dup, seed, base + RS_DUP);
	rng_seed(&d->r_corrupt, seed, base + RS_CORRUPT);
	rng_seed(&d->r_trunc, seed, base + RS_TRUNC);
	rng_seed(&d->r_reorder, seed, base + RS_REORDER);
	rng_seed(&d->r_delay, seed, base + RS_DELAY);
	rng_seed(&d->r_slot, seed, base + RS_SLOT);
	d->slot_next = -INFINITY;	/* no slot yet: the first held copy draws one */
	d->st4 = 1;
	tb_init(&d->tb, cfg->rate_bps, cfg->burst);
	if (slot_cap > IMPAIR_MAX_DGRAM)
		slot_cap = IMPAIR_MAX_DGRAM;
	d->cap = cap;
	d->slot_cap = slot_cap;
	if (cap == 0)
		return 0;
	/* One block; the kernel only backs the pages that get used. */
	d->arena = malloc((size_t)cap * slot_cap);
	d->slots = calloc(cap, sizeof(*d->slots));
	d->freelist = calloc(cap, sizeof(*d->freelist));
	d->heap = calloc(cap, sizeof(*d->heap));
	d->sheap = calloc(cap, sizeof(*d->sheap));
	if (!d->arena || !d->slots || !d->freelist || !d->heap || !d->sheap) {
		impair_free(d);
		return -ENOMEM;
	}
	for (i = 0; i < cap; i++) {
		d->slots[i].data = d->arena + (size_t)i * slot_cap;
		d->freelist[i] = cap - 1 - i;
	}
	d->nfree = cap;
	return 0;
}

void impair_free(struct impair_dir *d)
{
	free(d->arena);
	free(d->slots);
	free(d->freelist);
	free(d->heap);
	free(d->sheap);
	d->arena = NULL;
	d->slots = NULL;
	d->freelist = d->heap = d->sheap = NULL;
	d->cap = d->nfree = d->nheap = d->nsheap = 0;
}

void impair_set_cfg(struct impair_dir *d, const struct impair_cfg *cfg)
{
	if (cfg->loss.kind != d->cfg->loss.kind) {
		d->ge_bad = 0;
		d->st4 = 1;
	}
	tb_set(&d->tb, cfg->rate_bps, cfg->burst);
	if (cfg->trace != d->cfg->trace)
		d->tl.started = false;	/* a new trace starts at the next arrival */
	d->cfg = cfg;
}

bool impair_link_down(const struct impair_cfg *c, double now)
{
	if (c->down)
		return true;
	if (c->blackout_end > c->blackout_start && now >= c->blackout_start &&
	    now < c->blackout_end)
		return true;
	if (c->flap_up > 0 && c->flap_down > 0) {
		double period = c->flap_up + c->flap_down;
		double ph = fmod(now, period);

		if (ph >= c->flap_up)
			return true;
	}
	return false;
}

/* ---- decisions ---- */

/* Step the loss model for arrival number seq; true = lose it. */
static bool loss_step(struct impair_dir *d, uint64_t seq)
{
	const struct loss_cfg *l = &d->cfg->loss;
	double u, v;

	switch (l->kind) {
	case LOSS_RANDOM:
		return rng_double(&d->r_loss) < l->p;
	case LOSS_NTH:
		return l->nth > 0 && seq % l->nth == 0;
	case LOSS_GE: {
		bool lost;

		u = rng_double(&d->r_loss);
		v = rng_double(&d->r_loss);
		/* loss by the current state, then the transition (as netem) */
		lost = u < (d->ge_bad ? l->ge_1h : l->ge_1k);
		if (d->ge_bad) {
			if (v < l->ge_r)
				d->ge_bad = 0;
		} else if (v < l->ge_p) {
			d->ge_bad = 1;
		}
		return lost;
	}
	case LOSS_STATE:
		/* 1 gap/receive, 2 burst/receive, 3 burst/lose, 4 gap/isolated loss */
		u = rng_double(&d->r_loss);
		switch (d->st4) {
		case 1:
			if (u < l->p14)
				d->st4 = 4;
			else if (u < l->p14 + l->p13)
				d->st4 = 3;
			break;
		case 2:
			if (u < l->p23)
				d->st4 = 3;
			break;
		case 3:
			if (u < l->p32)
				d->st4 = 2;
			else if (u < l->p32 + l->p31)
				d->st4 = 1;
			break;
		default:
			d->st4 = 1;
			break;
		}
		return d->st4 == 3 || d->st4 == 4;
	case LOSS_NONE:
		break;
	}
	return false;
}

static double jitter_sample(struct impair_dir *d)
{
	const struct impair_cfg *c = d->cfg;

	if (c->jitter <= 0)
		return 0;
	if (c->dist == DIST_NORMAL)
		return rng_normal(&d->r_delay) * c->jitter;
	if (c->dist == DIST_TABLE && c->dist_n > 0)
		return c->jitter * c->dist_tab[rng_below(&d->r_delay, c->dist_n)] / DIST_SCALE;
	return (2.0 * rng_double(&d->r_delay) - 1.0) * c->jitter;
}

static void declog(struct impair_dir *d, uint64_t seq, const char *verdict, const char *reason,
		   unsigned flags, double delay)
{
	if (!d->declog)
		return;
	fprintf(d->declog, "%llu %s %s %s %s%s%s%s%s %.3f\n", (unsigned long long)seq,
		dir_name(d->dir), verdict, reason, flags ? "" : "-",
		flags & PF_DUP ? "d" : "", flags & PF_CORRUPT ? "c" : "",
		flags & PF_TRUNC ? "t" : "", flags & PF_REORDER ? "r" : "", delay * 1e3);
}

static void do_drop(struct impair_dir *d, const uint8_t *buf, size_t len, int reason,
		    unsigned flags, uint64_t seq, double now)
{
	d->st.dropped[reason]++;
	if (d->ops.drop)
		d->ops.drop(d->ops.ctx, d->dir, buf, len, reason, flags, seq, now);
}

/* Is an earlier arrival than seq still held? */
static bool overtakes(const struct impair_dir *d, uint64_t seq)
{
	return d->nsheap > 0 && d->slots[d->sheap[0]].seq < seq;
}

static void do_emit(struct impair_dir *d, uint8_t *buf, size_t len, unsigned flags,
		    uint64_t seq, double now)
{
	int r;

	if (overtakes(d, seq)) {
		flags |= PF_REORDER;
		d->st.reordered++;
	}
	r = d->ops.emit ? d->ops.emit(d->ops.ctx, d->dir, buf, len, flags, seq, now) : DROP_NONE;
	if (r == DROP_NONE) {
		d->st.forwarded++;
		d->st.bytes_forwarded += len;
	} else {
		do_drop(d, buf, len, r, flags, seq, now);
	}
}

/* Hold one copy until due, or send it now. */
static void place(struct impair_dir *d, double now, uint8_t *buf, size_t len, unsigned flags,
		  uint64_t seq, double due)
{
	unsigned s;
	struct qslot *q;

	if (due <= now && !impair_cfg_slotted(d->cfg)) {
		do_emit(d, buf, len, flags, seq, now);
		return;
	}
	if (d->nfree == 0 || len > d->slot_cap) {
		do_drop(d, buf, len, DROP_QUEUE, flags, seq, now);
		return;
	}
	s = d->freelist[--d->nfree];
	q = &d->slots[s];
	q->due = due;
	q->seq = seq;
	q->order = ++d->order;
	q->len = (uint32_t)len;
	q->flags = (uint8_t)flags;
	memcpy(q->data, buf, len);
	h_push(d, &HDUE, s);
	/* duplicates are not waited for: overtaking a copy is not reordering */
	if (flags & PF_DUP)
		q->spos = NOT_IN_HEAP;
	else
		h_push(d, &HSEQ, s);
	d->st.queued++;
	d->st.queued_bytes += len;
	if (d->st.queued > d->st.queue_peak)
		d->st.queue_peak = d->st.queued;
	d->st.delayed++;
}

static bool queue_full(const struct impair_dir *d, size_t len)
{
	const struct impair_cfg *c = d->cfg;

	return d->st.queued >= c->limit_pkts || d->st.queued_bytes + len > c->limit_bytes;
}

/* the rate stage: a trace-driven link, else the token bucket */
static double link_schedule(struct impair_dir *d, double now, size_t len)
{
	if (d->cfg->trace)
		return trace_schedule(&d->tl, d->cfg->trace, now, len);
	return tb_schedule(&d->tb, now, len);
}

void impair_input(struct impair_dir *d, double now, uint8_t *buf, size_t len)
{
	static uint8_t clean[IMPAIR_MAX_DGRAM];	/* the duplicate's clean copy */
	const struct impair_cfg *c = d->cfg;
	uint64_t seq = ++d->seq;
	bool lost, dup, corrupt, trunc, reorder = false;
	uint64_t cdraw = 0, tdraw = 0;
	double jit, base, due;
	unsigned flags = 0;
	size_t tlen = len;

	d->st.received++;
	d->st.bytes_received += len;
	impair_service(d, now);

	/* every draw first, whatever the packet's fate */
	lost = loss_step(d, seq);
	dup = c->dup_p > 0 && rng_chance(&d->r_dup, c->dup_p);
	corrupt = c->corrupt_p > 0 && rng_chance(&d->r_corrupt, c->corrupt_p);
	if (corrupt)
		cdraw = rng_u64(&d->r_corrupt);
	trunc = c->trunc_p > 0 && rng_chance(&d->r_trunc, c->trunc_p);
	if (trunc)
		tdraw = rng_u64(&d->r_trunc);
	if (c->reorder_p > 0) {
		unsigned gap = c->reorder_gap ? c->reorder_gap : 1;

		if (d->reorder_count + 1 >= gap && rng_chance(&d->r_reorder, c->reorder_p)) {
			reorder = true;
			d->reorder_count = 0;
		} else {
			d->reorder_count++;
		}
	}
	jit = jitter_sample(d);

	if (c->mtu && len > c->mtu) {
		declog(d, seq, "drop", "mtu", 0, 0);
		do_drop(d, buf, len, DROP_MTU, 0, seq, now);
		return;
	}
	if (impair_link_down(c, now)) {
		declog(d, seq, "drop", "blackout", 0, 0);
		do_drop(d, buf, len, DROP_BLACKOUT, 0, seq, now);
		return;
	}
	if (lost) {
		declog(d, seq, "drop", "loss", 0, 0);
		do_drop(d, buf, len, DROP_LOSS, 0, seq, now);
		return;
	}

	if (trunc) {
		if (c->trunc_len)
			tlen = c->trunc_len < len ? c->trunc_len : len;
		else
			tlen = len > 0 ? (size_t)(tdraw % len) : 0;
		if (tlen < len)
			flags |= PF_TRUNC;
	}
	if (corrupt && tlen > 0)
		flags |= PF_CORRUPT;
	if (flags & PF_CORRUPT)
		d->st.corrupted++;
	if (flags & PF_TRUNC)
		d->st.truncated++;
	if (dup)
		memcpy(clean, buf, len);
	if ((flags & PF_CORRUPT) && tlen > 0) {
		uint64_t bit = cdraw % ((uint64_t)tlen * 8);	/* one bit flip, as netem */

		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}

	if (queue_full(d, tlen)) {
		/* tail drop; a packet that does not get in has no duplicate */
		declog(d, seq, "drop", "queue", flags, 0);
		do_drop(d, buf, tlen, DROP_QUEUE, flags, seq, now);
		return;
	}
	base = link_schedule(d, now, tlen);
	if (reorder) {
		due = base;	/* skips the delay: jumps ahead of delayed packets */
	} else {
		double dl = c->delay + jit;

		due = base + (dl > 0 ? dl : 0);
		if (!c->unordered) {
			if (due < d->last_due)
				due = d->last_due;
			d->last_due = due;
		}
	}
	declog(d, seq, "pass", "-", flags, due - now);
	place(d, now, buf, tlen, flags, seq, due);

	if (dup) {
		d->st.duplicated++;
		if (queue_full(d, len)) {
			declog(d, seq, "drop", "queue", PF_DUP, 0);
			do_drop(d, clean, len, DROP_QUEUE, PF_DUP, seq, now);
		} else {
			/* same path as the original, its own serialisation, plus the extra delay */
			double ddue = due + (link_schedule(d, now, len) - base) + c->dup_delay;

			declog(d, seq, "pass", "-", PF_DUP, ddue - now);
			place(d, now, clean, len, PF_DUP, seq, ddue);
		}
	}
}

double impair_next_due(const struct impair_dir *d)
{
	double due;

	if (!d->nheap)
		return INFINITY;
	due = d->slots[d->heap[0]].due;
	if (impair_cfg_slotted(d->cfg) && d->slot_next > due)
		due = d->slot_next;	/* a slot opening after the head is due */
	return due;
}

/* The next slot opens a uniform [slot_min, slot_max] after now (netem). */
static void slot_open(struct impair_dir *d, double now)
{
	const struct impair_cfg *c = d->cfg;
	double span = c->slot_max > c->slot_min ? c->slot_max - c->slot_min : 0;

	d->slot_next = now + c->slot_min + span * rng_double(&d->r_slot);
	d->slot_pkts_left = c->slot_packets ? (int64_t)c->slot_packets : INT64_MAX;
	d->slot_bytes_left = c->slot_bytes ? (int64_t)c->slot_bytes : INT64_MAX;
}

static void release(struct impair_dir *d, unsigned s)
{
	h_remove(d, &HDUE, s);
	if (d->slots[s].spos != NOT_IN_HEAP)
		h_remove(d, &HSEQ, s);
	d->st.queued--;
	d->st.queued_bytes -= d->slots[s].len;
	d->freelist[d->nfree++] = s;
}

double impair_service(struct impair_dir *d, double now)
{
	bool slotted = impair_cfg_slotted(d->cfg);

	while (d->nheap && d->slots[d->heap[0]].due <= now) {
		unsigned s = d->heap[0];
		struct qslot *q = &d->slots[s];
		uint64_t seq = q->seq;
		unsigned flags = q->flags;
		size_t len = q->len;

		if (slotted) {
			/* as netem: a slot that opened before the head copy was due
			 * is stale, the copy waits for a new one drawn from now */
			if (d->slot_next < q->due)
				slot_open(d, now);
			if (d->slot_next > now)
				break;
		}
		/* take it out of both heaps first so it does not "overtake" itself */
		release(d, s);
		do_emit(d, q->data, len, flags, seq, now);
		if (slotted) {
			d->slot_pkts_left--;
			d->slot_bytes_left -= (int64_t)len;
			if (d->slot_pkts_left <= 0 || d->slot_bytes_left <= 0)
				slot_open(d, now);
		}
	}
	return impair_next_due(d);
}

void impair_flush(struct impair_dir *d, double now)
{
	while (d->nheap) {
		unsigned s = d->heap[0];
		struct qslot *q = &d->slots[s];

		release(d, s);
		do_drop(d, q->data, q->len, DROP_EXIT, q->flags, q->seq, now);
	}
}
