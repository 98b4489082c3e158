/* dlvq.h - mpclient's paced delivery queue (issue 15, reverse-path bursts).
 *
 * With --pace-delivery, what mpclient accepts from the paths is copied here
 * at once (the path sockets are always read: pausing them was measured
 * worse, wip/README.md 0002) and lib/pace releases it to the applications at
 * a bounded rate, so a backlog read after mpclient was descheduled does not
 * land in the application's socket buffer as one burst.
 *
 * A byte ring of records (flow, length, payload padded to 8 bytes), each
 * contiguous; a record that does not fit before the end starts again at the
 * front (a wrap mark is left).  Bounded: dlvq_push refuses when full (the
 * caller counts the drop).  No allocation after dlvq_init.
 */
#ifndef MPT_DLVQ_H
#define MPT_DLVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dlvq {
	uint8_t *buf;
	size_t cap;		/* bytes */
	size_t head, tail;	/* next record to read, next byte to write */
	size_t used;		/* bytes held, wrap marks and padding included */
	unsigned count;		/* records */
};

/* Room for `bytes` (at least one record of the largest payload): 0 or -ENOMEM/-EINVAL. */
int dlvq_init(struct dlvq *q, size_t bytes);
void dlvq_free(struct dlvq *q);
/* Copy a payload in: false when there is no room (nothing changed). */
bool dlvq_push(struct dlvq *q, uint32_t flow, const void *payload, size_t len);
/* The oldest record (its payload stays valid until the next push): false when empty. */
bool dlvq_front(const struct dlvq *q, uint32_t *flow, const uint8_t **payload, size_t *len);
/* Forget the oldest record. */
void dlvq_pop(struct dlvq *q);

#endif
