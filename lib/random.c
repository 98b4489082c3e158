/* random.c - random identifiers from the kernel's generator. */
#include "random.h"
#include "log.h"

#include <sys/random.h>

uint64_t random_u64_nonzero(void)
{
	uint64_t v = 0;

	while (v == 0) {
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			fatal("getrandom");
	}
	return v;
}

void random_bytes(void *out, size_t n)
{
	uint8_t *p = out;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got <= 0)
			fatal("getrandom");
		p += got;
		n -= (size_t)got;
	}
}
