/* window.h - sliding-bitmap anti-duplicate / anti-replay window.
 *
 * Accepts each sequence number at most once, and rejects numbers that are
 * `size` or more below the highest accepted one.  Checking is read-only so a
 * caller can verify a datagram (e.g. its AEAD tag) before committing. */
#ifndef MPT_WINDOW_H
#define MPT_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define WINDOW_MIN 64u
#define WINDOW_MAX (1u << 20)
#define WINDOW_DEFAULT 8192u

enum window_verdict {
	WINDOW_NEW = 0,		/* never seen and inside the window */
	WINDOW_DUP,		/* seen before */
	WINDOW_OLD,		/* below the window (or zero) */
};

struct window {
	uint64_t *words;	/* ring of size/64 + 1 words */
	uint32_t nwords;
	uint32_t size;		/* window size in sequence numbers */
	uint64_t top;		/* highest committed; 0 = nothing yet */
};

/* size: multiple of 64 in [WINDOW_MIN, WINDOW_MAX]. Returns 0, -EINVAL or -ENOMEM. */
int window_init(struct window *w, uint32_t size);
void window_free(struct window *w);
void window_reset(struct window *w);
enum window_verdict window_check(const struct window *w, uint64_t seq);
void window_commit(struct window *w, uint64_t seq);
/* Treat every number up to and including seq as already seen (a fresh
 * session that must not accept anything its peer sent before). */
void window_set_floor(struct window *w, uint64_t seq);
/* check + commit when new */
enum window_verdict window_update(struct window *w, uint64_t seq);
const char *window_verdict_name(enum window_verdict v);

#endif
