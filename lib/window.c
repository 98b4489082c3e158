/* window.c - ring of 64-bit words holding one bit per sequence number. */
#include "window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int window_init(struct window *w, uint32_t size)
{
	memset(w, 0, sizeof(*w));
	if (size < WINDOW_MIN || size > WINDOW_MAX || size % 64)
		return -EINVAL;
	w->nwords = size / 64 + 1;
	w->words = calloc(w->nwords, sizeof(*w->words));
	if (!w->words)
		return -ENOMEM;
	w->size = size;
	return 0;
}

void window_free(struct window *w)
{
	free(w->words);
	w->words = NULL;
	w->nwords = 0;
}

void window_reset(struct window *w)
{
	memset(w->words, 0, w->nwords * sizeof(*w->words));
	w->top = 0;
}

static inline uint32_t word_of(const struct window *w, uint64_t seq)
{
	return (uint32_t)((seq / 64) % w->nwords);
}

enum window_verdict window_check(const struct window *w, uint64_t seq)
{
	if (seq == 0)
		return WINDOW_OLD;
	if (w->top == 0 || seq > w->top)
		return WINDOW_NEW;
	if (w->top - seq >= w->size)
		return WINDOW_OLD;
	return (w->words[word_of(w, seq)] >> (seq % 64)) & 1 ? WINDOW_DUP : WINDOW_NEW;
}

void window_commit(struct window *w, uint64_t seq)
{
	if (seq == 0)
		return;
	if (w->top == 0) {
		/* first number: nothing below it is known */
		memset(w->words, 0, w->nwords * sizeof(*w->words));
		w->top = seq;
	} else if (seq > w->top) {
		uint64_t from = w->top / 64 + 1, to = seq / 64, i;

		if (to >= from && to - from >= w->nwords)
			memset(w->words, 0, w->nwords * sizeof(*w->words));
		else
			for (i = from; i <= to; i++)
				w->words[i % w->nwords] = 0;
		w->top = seq;
	} else if (w->top - seq >= w->size) {
		return;
	}
	w->words[word_of(w, seq)] |= 1ull << (seq % 64);
}

void window_set_floor(struct window *w, uint64_t seq)
{
	unsigned bit = (unsigned)(seq % 64);

	memset(w->words, 0xff, w->nwords * sizeof(*w->words));
	/* numbers above seq in its own word are still to come */
	if (bit < 63)
		w->words[word_of(w, seq)] &= ~0ull >> (63 - bit);
	w->top = seq;
}

enum window_verdict window_update(struct window *w, uint64_t seq)
{
	enum window_verdict v = window_check(w, seq);

	if (v == WINDOW_NEW)
		window_commit(w, seq);
	return v;
}

const char *window_verdict_name(enum window_verdict v)
{
	switch (v) {
	case WINDOW_NEW: return "new";
	case WINDOW_DUP: return "duplicate";
	case WINDOW_OLD: return "too-old";
	}
	return "?";
}
