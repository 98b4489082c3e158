/* event.c - tunnel events (see event.h). */
#include "event.h"

#include <stdarg.h>
#include <stdio.h>

static event_sink sink_fn;
static void *sink_arg;
static event_sink relay_fn;	/* set while worker threads run (workers.c) */
static void *relay_arg;

void event_set_sink(event_sink sink, void *arg)
{
	sink_fn = sink;
	sink_arg = arg;
}

void event_log(const char *kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("%s", msg);
	if (relay_fn)
		relay_fn(kind, msg, relay_arg);
	else if (sink_fn)
		sink_fn(kind, msg, sink_arg);
}

void event_set_relay(event_sink relay, void *arg)
{
	relay_fn = relay;
	relay_arg = arg;
}

void event_deliver(const char *kind, const char *message)
{
	if (sink_fn)
		sink_fn(kind, message, sink_arg);
}
