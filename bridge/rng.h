/* rng.h - small seeded PRNG: xoshiro256** seeded through splitmix64.
 * Deterministic across platforms; not for cryptography. */
#ifndef MPT_BRIDGE_RNG_H
#define MPT_BRIDGE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* splitmix64 step: advances *state, returns the next output. */
uint64_t splitmix64(uint64_t *state);
/* Seed from a 64-bit seed and a stream number (independent streams). */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_u64(struct rng *r);
/* Uniform in [0, 1) with 53 bits. */
double rng_double(struct rng *r);
/* Uniform integer in [0, n), n > 0, unbiased. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* true with probability p (p <= 0: never, p >= 1: always; one draw either way). */
int rng_chance(struct rng *r, double p);
/* Standard normal deviate (Box-Muller, two draws). */
double rng_normal(struct rng *r);

#endif
