/* rx.c - counting (and logging) of dropped datagrams, in one place. */
#include "rx.h"

#include <string.h>

void drops_init(struct drops *d, struct tunnel_counters *cnt)
{
	unsigned i;

	d->cnt = cnt;
	for (i = 0; i < DROP__COUNT; i++)
		ratelimit_init(&d->rl[i], 1.0, 5.0);
}

/* The reasons worth a (rate-limited) log line, and the line. */
static const char *drop_message(enum drop_reason why)
{
	switch (why) {
	case DROP_MALFORMED: return "malformed datagram";
	case DROP_SESSION_CAP: return "session table full: datagram dropped";
	case DROP_FLOW_CAP: return "flow table full: datagram dropped";
	case DROP_TOO_BIG: return "datagram larger than the tunnel carries: dropped";
	case DROP_SOCKET: return "cannot open a socket to the target";
	case DROP_TARGET: return "target unreachable or send failed";
	default: return NULL;
	}
}

void drops_count(struct drops *d, struct path_stats *ps, enum drop_reason why,
		 enum wire_drop wire, uint64_t n, int err)
{
	const char *msg;

	if ((unsigned)why >= DROP__COUNT || n == 0)
		return;
	d->cnt->drop[why] += n;
	switch (why) {
	case DROP_MALFORMED:
		if ((unsigned)wire >= WIRE_E__COUNT || wire == WIRE_OK)
			wire = WIRE_E_SHORT;
		d->cnt->wire[wire] += n;
		if (ps)
			ps->malformed += n;
		break;
	case DROP_DUPLICATE:
		if (ps)
			ps->duplicates += n;
		break;
	case DROP_TOO_OLD:
		if (ps)
			ps->too_old += n;
		break;
	case DROP_FEC_UNNEEDED:
		d->cnt->fec.parity_unneeded += n;
		break;
	default:
		break;
	}
	msg = drop_message(why);
	if (!msg)
		return;
	if (why == DROP_MALFORMED && wire == WIRE_E_V1)
		return;	/* the receivers say it, naming the peer */
	if (why == DROP_MALFORMED && wire == WIRE_E_CHECKSUM)
		log_limited(&d->rl[why], "datagram failed its CRC32C check (corrupted on the way): dropped");
	else if (why == DROP_MALFORMED)
		log_limited(&d->rl[why], "%s (%s)", msg, wire_drop_name(wire));
	else if (err)
		log_limited(&d->rl[why], "%s: %s", msg, strerror(err));
	else
		log_limited(&d->rl[why], "%s", msg);
}
