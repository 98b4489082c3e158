/* random.h - random identifiers from the kernel's generator. */
#ifndef MPT_RANDOM_H
#define MPT_RANDOM_H

#include <stdint.h>

/* A uniformly random non-zero 64-bit value (exits if getrandom fails). */
uint64_t random_u64_nonzero(void);

#endif
