/* keylimit.c - rate limit in all and per 64-bit key (see keylimit.h). */
#include "keylimit.h"

#include <sodium.h>
#include <string.h>

void keylimit_init(struct keylimit *l, double per_sec, double burst, double interval)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	ratelimit_init(&l->all, per_sec, burst);
	l->interval = interval;
	randombytes_buf(l->hkey, sizeof(l->hkey));
	for (i = 0; i < KEYLIMIT_SLOTS; i++)
		l->slot[i].at = -1;
}

bool keylimit_allow(struct keylimit *l, uint64_t key, double now, bool *per_key)
{
	uint8_t in[8], out[crypto_shorthash_BYTES];
	uint64_t h = 0;
	unsigned i;

	_Static_assert(sizeof(l->hkey) == crypto_shorthash_KEYBYTES, "SipHash key size");
	for (i = 0; i < 8; i++)
		in[i] = (uint8_t)(key >> (56 - 8 * i));
	crypto_shorthash(out, in, sizeof(in), l->hkey);
	for (i = 0; i < 8; i++)
		h = h << 8 | out[i];
	i = (unsigned)(h % KEYLIMIT_SLOTS);
	if (per_key)
		*per_key = false;
	if (l->slot[i].at >= 0 && l->slot[i].key == key && now >= l->slot[i].at &&
	    now - l->slot[i].at < l->interval) {
		if (per_key)
			*per_key = true;
		return false;
	}
	if (!ratelimit_allow(&l->all, now, NULL))
		return false;
	l->slot[i].key = key;
	l->slot[i].at = now;
	return true;
}
