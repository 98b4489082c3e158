/* lru.c - doubly linked list of slot numbers in arrays. */
#include "lru.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int lru_init(struct lru *l, uint32_t cap)
{
	uint32_t i;

	memset(l, 0, sizeof(*l));
	l->head = l->tail = LRU_NONE;
	if (cap == 0 || cap >= LRU_NONE)
		return -EINVAL;
	l->prev = malloc((size_t)cap * sizeof(*l->prev));
	l->next = malloc((size_t)cap * sizeof(*l->next));
	if (!l->prev || !l->next) {
		lru_free(l);
		return -ENOMEM;
	}
	for (i = 0; i < cap; i++)
		l->prev[i] = l->next[i] = LRU_NONE;
	l->cap = cap;
	return 0;
}

void lru_free(struct lru *l)
{
	free(l->prev);
	free(l->next);
	l->prev = l->next = NULL;
	l->cap = l->count = 0;
	l->head = l->tail = LRU_NONE;
}

bool lru_contains(const struct lru *l, uint32_t i)
{
	return i < l->cap && (l->head == i || l->prev[i] != LRU_NONE);
}

void lru_push(struct lru *l, uint32_t i)
{
	l->prev[i] = l->tail;
	l->next[i] = LRU_NONE;
	if (l->tail != LRU_NONE)
		l->next[l->tail] = i;
	else
		l->head = i;
	l->tail = i;
	l->count++;
}

void lru_remove(struct lru *l, uint32_t i)
{
	if (l->prev[i] != LRU_NONE)
		l->next[l->prev[i]] = l->next[i];
	else
		l->head = l->next[i];
	if (l->next[i] != LRU_NONE)
		l->prev[l->next[i]] = l->prev[i];
	else
		l->tail = l->prev[i];
	l->prev[i] = l->next[i] = LRU_NONE;
	l->count--;
}

void lru_touch(struct lru *l, uint32_t i)
{
	if (l->tail == i)
		return;
	lru_remove(l, i);
	lru_push(l, i);
}
