/* rng.c - xoshiro256** (Blackman & Vigna) seeded with splitmix64. */
#include "rng.h"

#include <math.h>

uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t st = seed ^ (stream * 0xd1b54a32d192ed03ull);
	int i;

	/* mix the stream number in twice so nearby streams diverge at once */
	(void)splitmix64(&st);
	st ^= stream;
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&st);
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;	/* the all-zero state is a fixed point */
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_double(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t x, lim;

	if (n <= 1)
		return 0;
	lim = -n % n;	/* 2^64 mod n: reject the short top slice */
	do
		x = rng_u64(r);
	while (x < lim);
	return x % n;
}

int rng_chance(struct rng *r, double p)
{
	double u = rng_double(r);

	return u < p;
}

double rng_normal(struct rng *r)
{
	double u1 = rng_double(r), u2 = rng_double(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
