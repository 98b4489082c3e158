/* srclimit.c - rate limit in all and per source address (see srclimit.h). */
#include "srclimit.h"

#include <netinet/in.h>
#include <stddef.h>

/* FNV-1a over the address's family, port and IP (not the sockaddr padding). */
static unsigned slot_of(const struct addr *a)
{
	const uint8_t *p = NULL;
	uint32_t h = 2166136261u;
	size_t n = 0, i;

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;

		p = (const uint8_t *)&s->sin_addr;
		n = sizeof(s->sin_addr);
		h = (h ^ s->sin_port) * 16777619u;
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->ss;

		p = (const uint8_t *)&s->sin6_addr;
		n = sizeof(s->sin6_addr);
		h = (h ^ s->sin6_port) * 16777619u;
	}
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return (unsigned)(h % SRCLIMIT_SLOTS);
}

void srclimit_init(struct srclimit *l, double per_sec, double interval)
{
	unsigned i;

	ratelimit_init(&l->all, per_sec, per_sec);
	l->interval = interval;
	for (i = 0; i < SRCLIMIT_SLOTS; i++)
		l->at[i] = -1;
}

bool srclimit_allow(struct srclimit *l, const struct addr *from, double now)
{
	unsigned i = slot_of(from);
	bool recent = l->at[i] >= 0 && now >= l->at[i] && now - l->at[i] < l->interval;

	if (recent)
		return false;	/* this source (or one sharing its slot) was answered just now */
	if (!ratelimit_allow(&l->all, now, NULL))
		return false;
	l->at[i] = now;
	return true;
}
