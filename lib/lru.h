/* lru.h - an ordered list of slot numbers (0 .. cap-1), least recently
 * touched first: O(1) touch, remove and oldest.  No allocation after
 * lru_init().  Used by the daemons' tables to find the entry to evict or
 * expire without scanning. */
#ifndef MPT_LRU_H
#define MPT_LRU_H

#include <stdbool.h>
#include <stdint.h>

#define LRU_NONE UINT32_MAX

struct lru {
	uint32_t *prev, *next;	/* per slot; LRU_NONE at the ends */
	uint32_t head, tail;	/* oldest, newest */
	uint32_t cap, count;
};

/* 0, -EINVAL or -ENOMEM. */
int lru_init(struct lru *l, uint32_t cap);
void lru_free(struct lru *l);
bool lru_contains(const struct lru *l, uint32_t i);
/* Append i (not in the list) as the newest. */
void lru_push(struct lru *l, uint32_t i);
void lru_remove(struct lru *l, uint32_t i);
/* Move i (in the list) to the newest end. */
void lru_touch(struct lru *l, uint32_t i);
static inline uint32_t lru_oldest(const struct lru *l) { return l->head; }
static inline uint32_t lru_newer(const struct lru *l, uint32_t i) { return l->next[i]; }

#endif
