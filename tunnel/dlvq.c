/* dlvq.c - mpclient's paced delivery queue (see dlvq.h). */
#include "dlvq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REC_HDR 8		/* flow u32, length u32 (host order: never on the wire) */
#define WRAP UINT32_MAX		/* length of a wrap mark: the next record is at 0 */

static size_t rec_size(size_t len)
{
	return REC_HDR + ((len + 7) & ~(size_t)7);
}

int dlvq_init(struct dlvq *q, size_t bytes)
{
	memset(q, 0, sizeof(*q));
	if (bytes < 2 * rec_size(65536))
		return -EINVAL;
	q->buf = malloc(bytes);
	if (!q->buf)
		return -ENOMEM;
	q->cap = bytes & ~(size_t)7;
	return 0;
}

void dlvq_free(struct dlvq *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

static void put_hdr(uint8_t *at, uint32_t flow, uint32_t len)
{
	memcpy(at, &flow, 4);
	memcpy(at + 4, &len, 4);
}

bool dlvq_push(struct dlvq *q, uint32_t flow, const void *payload, size_t len)
{
	size_t need = rec_size(len), end = q->cap - q->tail, waste = 0;

	if (len >= WRAP)
		return false;
	if (end < need)
		waste = end;	/* a wrap mark (or nothing, when under REC_HDR) and the rest */
	if (q->used + waste + need > q->cap)
		return false;
	if (waste) {
		if (end >= REC_HDR)
			put_hdr(q->buf + q->tail, 0, WRAP);
		q->used += waste;
		q->tail = 0;
	}
	put_hdr(q->buf + q->tail, flow, (uint32_t)len);
	memcpy(q->buf + q->tail + REC_HDR, payload, len);
	q->tail = (q->tail + need) % q->cap;
	q->used += need;
	q->count++;
	return true;
}

/* Skip a wrap mark (or a tail too short for one) at head. */
static size_t head_of(const struct dlvq *q, size_t *skipped)
{
	uint32_t len;

	*skipped = 0;
	if (q->cap - q->head < REC_HDR) {
		*skipped = q->cap - q->head;
		return 0;
	}
	memcpy(&len, q->buf + q->head + 4, 4);
	if (len == WRAP) {
		*skipped = q->cap - q->head;
		return 0;
	}
	return q->head;
}

bool dlvq_front(const struct dlvq *q, uint32_t *flow, const uint8_t **payload, size_t *len)
{
	size_t skipped, h;
	uint32_t l;

	if (!q->count)
		return false;
	h = head_of(q, &skipped);
	memcpy(flow, q->buf + h, 4);
	memcpy(&l, q->buf + h + 4, 4);
	*len = l;
	*payload = q->buf + h + REC_HDR;
	return true;
}

void dlvq_pop(struct dlvq *q)
{
	size_t skipped, h, need;
	uint32_t l;

	if (!q->count)
		return;
	h = head_of(q, &skipped);
	q->used -= skipped;
	memcpy(&l, q->buf + h + 4, 4);
	need = rec_size(l);
	q->head = (h + need) % q->cap;
	q->used -= need;
	q->count--;
	if (!q->count) {
		q->head = q->tail = 0;	/* empty: start again at the front */
		q->used = 0;
	}
}
