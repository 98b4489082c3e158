/* event.h - what happens to a tunnel (path up/down, mpserver restart seen,
 * session or flow opened/closed), logged and handed to whoever listens:
 * the control socket streams them to `mpctl watch`.  Rare by nature (state
 * changes, never per datagram); one process-wide sink. */
#ifndef MPT_EVENT_H
#define MPT_EVENT_H

#include "log.h"

/* The sink gets the kind ("path_up", ...) and the formatted message. */
typedef void (*event_sink)(const char *kind, const char *message, void *arg);

void event_set_sink(event_sink sink, void *arg);
/* log_info the message and pass it to the sink. */
void event_log(const char *kind, const char *fmt, ...) MPT_PRINTF(2, 3);

#endif
