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
/*
 * Threads (mpserver --workers, workers.c): the sink runs on the main thread
 * only.  While a relay is set, event_log() hands every event to it instead
 * (from any thread; it must be thread-safe), and the main thread passes them
 * on with event_deliver().  Set and cleared while no other thread runs.
 */
void event_set_relay(event_sink relay, void *arg);
void event_deliver(const char *kind, const char *message);
/* log_info the message and pass it to the sink (or the relay). */
void event_log(const char *kind, const char *fmt, ...) MPT_PRINTF(2, 3);

#endif
