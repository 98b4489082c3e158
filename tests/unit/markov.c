/* markov.c - see markov.h.  Power iteration: plain, slow and obviously
 * right, which is what a reference for a test should be. */
#include <math.h>
#include <string.h>

#include "markov.h"

/* out = row vector x times P */
static void step_row(const double *P, int k, const double *x, double *out)
{
	int i, j;

	for (j = 0; j < k; j++) {
		out[j] = 0;
		for (i = 0; i < k; i++)
			out[j] += x[i] * P[i * k + j];
	}
}

void markov_loss(const double *P, int k, const double *f, int start, double *q, double *s2,
		 double *B)
{
	double pi[MARKOV_MAX_STATES], x[MARKOV_MAX_STATES], nx[MARKOV_MAX_STATES];
	double v[MARKOV_MAX_STATES], nv[MARKOV_MAX_STATES], s, cov = 0;
	int i, j, it, m;

	for (i = 0; i < k; i++)
		pi[i] = 1.0 / k;
	for (it = 0; it < 200000; it++) {
		step_row(P, k, pi, nx);
		memcpy(pi, nx, sizeof(double) * (size_t)k);
	}
	*q = 0;
	for (i = 0; i < k; i++)
		*q += pi[i] * f[i];
	/* Cov(L_0, L_m) = sum_s pi_s f_s (P^m f)_s - q^2 */
	memcpy(v, f, sizeof(double) * (size_t)k);
	for (m = 1; m < 20000; m++) {
		for (i = 0; i < k; i++) {
			nv[i] = 0;
			for (j = 0; j < k; j++)
				nv[i] += P[i * k + j] * v[j];
		}
		memcpy(v, nv, sizeof(double) * (size_t)k);
		s = 0;
		for (i = 0; i < k; i++)
			s += pi[i] * f[i] * v[i];
		cov += s - *q * *q;
	}
	*s2 = *q * (1 - *q) + 2 * cov;
	if (!B)
		return;
	memset(x, 0, sizeof(x));
	x[start] = 1;
	*B = 0;
	for (it = 0; it < 100000; it++) {
		s = 0;
		for (i = 0; i < k; i++)
			s += x[i] * f[i];
		*B += fabs(s - *q);
		step_row(P, k, x, nx);
		memcpy(x, nx, sizeof(double) * (size_t)k);
	}
}
