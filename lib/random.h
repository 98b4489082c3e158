/* random.h - random identifiers from the kernel's generator. */
#ifndef MPT_RANDOM_H
#define MPT_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* A uniformly random non-zero 64-bit value (exits if getrandom fails). */
uint64_t random_u64_nonzero(void);
/* n random bytes (exits if getrandom fails): challenges, nonces. */
void random_bytes(void *out, size_t n);

#endif
