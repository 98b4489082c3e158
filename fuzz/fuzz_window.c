/* fuzz_window.c - the replay window against a naive reference model.
 *
 * The model keeps every committed sequence number in a sorted array and the
 * highest one in top; its rules are the window's specification:
 *   check(seq):  0 -> OLD; nothing committed or seq > top -> NEW;
 *                top - seq >= size -> OLD; committed before -> DUP; else NEW
 *   commit(seq): ignored if 0 or top - seq >= size; else remembered, top = max
 *   update(seq): check, and commit when NEW
 *   reset:       forget everything
 *   floor(seq):  forget everything, then every number <= seq counts as seen
 * Input: byte 0 picks the size (64 * (1 + b % 16)), then 3-byte operations
 * (op, arg u16 big-endian; see fuzz.h for the op encoding).  Every result is
 * compared, and after each operation a handful of probes around the window's
 * edges are checked too; any disagreement is a failure. */
#include "fuzz.h"
#include "window.h"

#include <stdbool.h>
#include <string.h>

#define MAX_OPS 4096

struct model {
	uint64_t top;
	uint64_t floor;		/* 0 = none */
	uint32_t size;
	size_t n;
	uint64_t seen[MAX_OPS];	/* sorted */
};

static struct model m;

static size_t lower_bound(const struct model *r, uint64_t seq)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->seen[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool model_seen(const struct model *r, uint64_t seq)
{
	size_t i = lower_bound(r, seq);

	return i < r->n && r->seen[i] == seq;
}

static bool model_any(const struct model *r)
{
	return r->n || r->floor;
}

static enum window_verdict model_check(const struct model *r, uint64_t seq)
{
	if (seq == 0)
		return WINDOW_OLD;
	if (!model_any(r) || seq > r->top)
		return WINDOW_NEW;
	if (r->top - seq >= r->size)
		return WINDOW_OLD;
	if (seq <= r->floor)
		return WINDOW_DUP;
	return model_seen(r, seq) ? WINDOW_DUP : WINDOW_NEW;
}

static void model_commit(struct model *r, uint64_t seq)
{
	size_t i;

	if (seq == 0)
		return;
	if (model_any(r) && seq <= r->top && r->top - seq >= r->size)
		return;
	if (seq <= r->floor)
		return;
	if (!model_any(r) || seq > r->top)
		r->top = seq;
	i = lower_bound(r, seq);
	if (i < r->n && r->seen[i] == seq)
		return;
	memmove(&r->seen[i + 1], &r->seen[i], (r->n - i) * sizeof(r->seen[0]));
	r->seen[i] = seq;
	r->n++;
}

static uint64_t pick_seq(const struct model *r, uint8_t op, uint16_t arg)
{
	uint64_t top = model_any(r) ? r->top : 0;

	switch (op & 0x70) {
	case FUZZ_WIN_FWD: return top + 1 + arg;
	case FUZZ_WIN_BACK: return top - arg;
	case FUZZ_WIN_ABS: return arg;
	case FUZZ_WIN_HIGH: return UINT64_MAX - arg;
	case FUZZ_WIN_JUMP: return top + 64 * (uint64_t)arg;
	case FUZZ_WIN_EDGE: return top - r->size + arg % 3 - 1;
	case FUZZ_WIN_NEXT: return top + 1;
	default: return top - arg % 64;
	}
}

static const char *probe(const struct window *w, const struct model *r, uint16_t arg)
{
	const uint64_t back[] = { 0, 1, 2, 63, 64, 65, r->size - 64, r->size - 1, r->size,
				  r->size + 1, arg, (uint64_t)arg * 3 };
	size_t i;

	for (i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
		uint64_t seq = r->top - back[i];

		if (window_check(w, seq) != model_check(r, seq))
			return "probe: window_check disagrees with the model";
		if (window_check(w, r->top + 1 + back[i]) != model_check(r, r->top + 1 + back[i]))
			return "probe above top: window_check disagrees with the model";
	}
	return NULL;
}

const char *fuzz_window_one(const uint8_t *data, size_t size)
{
	struct window w;
	const char *why = NULL;
	size_t pos, ops = 0;

	if (size < 1)
		return NULL;
	m.size = 64u * (1u + data[0] % 16u);
	m.n = 0;
	m.top = 0;
	m.floor = 0;
	if (window_init(&w, m.size) != 0)
		return "window_init failed";
	for (pos = 1; pos + 3 <= size && ops < MAX_OPS; pos += 3, ops++) {
		uint8_t op = data[pos];
		uint16_t arg = (uint16_t)(data[pos + 1] << 8 | data[pos + 2]);
		uint64_t seq = pick_seq(&m, op, arg);
		enum window_verdict want = model_check(&m, seq);

		if (window_check(&w, seq) != want) {
			why = "window_check disagrees with the model";
			break;
		}
		switch (op & 0x03) {
		case FUZZ_WIN_OP_CHECK:
			break;
		case FUZZ_WIN_OP_COMMIT:
			window_commit(&w, seq);
			model_commit(&m, seq);
			break;
		case FUZZ_WIN_OP_UPDATE:
			if (window_update(&w, seq) != want) {
				why = "window_update disagrees with the model";
				goto out;
			}
			if (want == WINDOW_NEW)
				model_commit(&m, seq);
			break;
		default:
			if (op & 0x80) {
				window_reset(&w);
				m.n = 0;
				m.top = 0;
				m.floor = 0;
			} else if ((op & 0x04) && seq) {
				window_set_floor(&w, seq);
				m.n = 0;
				m.top = seq;
				m.floor = seq;
			} else if (window_update(&w, seq) != want) {
				why = "window_update disagrees with the model";
				goto out;
			} else if (want == WINDOW_NEW) {
				model_commit(&m, seq);
			}
			break;
		}
		if (window_check(&w, seq) != model_check(&m, seq)) {
			why = "window_check after the operation disagrees with the model";
			break;
		}
		if (model_any(&m) && (why = probe(&w, &m, arg)))
			break;
		if (model_any(&m) && w.top != m.top) {
			why = "window top differs from the model's";
			break;
		}
	}
out:
	window_free(&w);
	return why;
}

FUZZ_ENTRY(fuzz_window_one)
