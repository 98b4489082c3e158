/* cookie.c - freshness cookies of a keyed mpserver. */
#include "cookie.h"
#include "random.h"
#include "tx.h"
#include "wire.h"

#include <sodium.h>
#include <string.h>

void cookie_jar_init(struct cookie_jar *j)
{
	randombytes_buf(j->secret, sizeof(j->secret));
	j->hs_epoch = random_u64_nonzero();
	j->hs_seq = 0;
	keylimit_init(&j->lim, COOKIE_RATE, COOKIE_BURST, 1.0);
}

void cookie_jar_wipe(struct cookie_jar *j)
{
	sodium_memzero(j->secret, sizeof(j->secret));
}

uint64_t cookie_bucket(double now)
{
	return (uint64_t)(now / 60.0);
}

bool cookie_valid(const struct cookie_jar *j, uint64_t session, const uint8_t *cookie,
		  double now)
{
	uint8_t want[SEAL_COOKIE_LEN];
	uint64_t b = cookie_bucket(now);
	unsigned i;

	for (i = 0; i < 2 && (i == 0 || b > 0); i++) {
		seal_cookie(j->secret, session, b - i, want);
		if (sodium_memcmp(want, cookie, SEAL_COOKIE_LEN) == 0)
			return true;
	}
	return false;
}

size_t cookie_build(struct cookie_jar *j, const struct seal_psk *psk, uint16_t server,
		    uint64_t session, double now, uint8_t *out, size_t outlen, bool *limited)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_COOKIE, .flags = WIRE_F_SERVER,
		.suite = psk->suite, .server = server, .key_id = psk->id,
		.flow = 0, .session = session, .epoch = j->hs_epoch, .seq = j->hs_seq + 1,
		.path_seq = 1, .len = WIRE_COOKIE_LEN,
	};
	uint8_t cookie[SEAL_COOKIE_LEN];
	struct seal_key k = SEAL_KEY_EMPTY;
	size_t n;

	*limited = false;
	if (!keylimit_allow(&j->lim, session, now, NULL)) {
		*limited = true;
		return 0;
	}
	j->hs_seq++;
	seal_cookie(j->secret, session, cookie_bucket(now), cookie);
	if (seal_key_derive(&k, psk, session, j->hs_epoch, true) != 0)
		return 0;
	n = tx_build(&k, &h, cookie, out, outlen);
	seal_key_wipe(&k);
	return n;
}
