/* event.c - tunnel events (see event.h). */
#include "event.h"

#include <stdarg.h>
#include <stdio.h>

static event_sink sink_fn;
static void *sink_arg;

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
	if (sink_fn)
		sink_fn(kind, msg, sink_arg);
}
