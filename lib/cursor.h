/* cursor.h - bounds-checked big-endian reader and writer over a byte buffer.
 * Once an access would overrun, the cursor is marked failed and every later
 * access is a no-op; callers check cursor_ok() once at the end. */
#ifndef MPT_CURSOR_H
#define MPT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	uint8_t *buf;		/* NULL-safe: readers never write through it */
	size_t len;
	size_t pos;
	bool failed;
};

void cursor_init(struct cursor *c, void *buf, size_t len);
void cursor_init_ro(struct cursor *c, const void *buf, size_t len);
static inline bool cursor_ok(const struct cursor *c) { return !c->failed; }
static inline size_t cursor_left(const struct cursor *c) { return c->failed ? 0 : c->len - c->pos; }

void put_u8(struct cursor *c, uint8_t v);
void put_u16(struct cursor *c, uint16_t v);
void put_u32(struct cursor *c, uint32_t v);
void put_u64(struct cursor *c, uint64_t v);
void put_bytes(struct cursor *c, const void *p, size_t n);

uint8_t get_u8(struct cursor *c);
uint16_t get_u16(struct cursor *c);
uint32_t get_u32(struct cursor *c);
uint64_t get_u64(struct cursor *c);
/* Returns a pointer to n bytes inside the buffer (NULL on overrun). */
const uint8_t *get_bytes(struct cursor *c, size_t n);

#endif
