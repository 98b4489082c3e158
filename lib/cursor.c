/* cursor.c - bounds-checked big-endian byte cursor. */
#include "cursor.h"

#include <string.h>

void cursor_init(struct cursor *c, void *buf, size_t len)
{
	c->buf = buf;
	c->len = len;
	c->pos = 0;
	c->failed = false;
}

void cursor_init_ro(struct cursor *c, const void *buf, size_t len)
{
	cursor_init(c, (void *)(uintptr_t)buf, len);
}

static uint8_t *take(struct cursor *c, size_t n)
{
	uint8_t *p;

	if (c->failed || c->len - c->pos < n) {
		c->failed = true;
		return NULL;
	}
	p = c->buf + c->pos;
	c->pos += n;
	return p;
}

static void put_be(struct cursor *c, uint64_t v, size_t n)
{
	uint8_t *p = take(c, n);
	size_t i;

	if (!p)
		return;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(struct cursor *c, size_t n)
{
	const uint8_t *p = take(c, n);
	uint64_t v = 0;
	size_t i;

	if (!p)
		return 0;
	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

void put_u8(struct cursor *c, uint8_t v) { put_be(c, v, 1); }
void put_u16(struct cursor *c, uint16_t v) { put_be(c, v, 2); }
void put_u32(struct cursor *c, uint32_t v) { put_be(c, v, 4); }
void put_u64(struct cursor *c, uint64_t v) { put_be(c, v, 8); }

void put_bytes(struct cursor *c, const void *src, size_t n)
{
	uint8_t *p = take(c, n);

	if (p && n)
		memmove(p, src, n);
}

uint8_t get_u8(struct cursor *c) { return (uint8_t)get_be(c, 1); }
uint16_t get_u16(struct cursor *c) { return (uint16_t)get_be(c, 2); }
uint32_t get_u32(struct cursor *c) { return (uint32_t)get_be(c, 4); }
uint64_t get_u64(struct cursor *c) { return get_be(c, 8); }

const uint8_t *get_bytes(struct cursor *c, size_t n)
{
	return take(c, n);
}
