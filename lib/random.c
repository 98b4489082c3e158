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
