/* lossmodel.c - long-run mean loss of each loss model. */
#include "lossmodel.h"

#include <math.h>
#include <string.h>

const char *loss_model_name(enum loss_kind k)
{
	switch (k) {
	case LOSS_RANDOM:
		return "bernoulli";
	case LOSS_GE:
		return "gemodel";
	case LOSS_STATE:
		return "4state";
	case LOSS_NTH:
		return "nth";
	case LOSS_NONE:
		break;
	}
	return "none";
}

/* netem's 4-state transition matrix, row-major, states 1..4 as 0..3 */
static void state4_matrix(const struct loss_cfg *l, double P[16])
{
	memset(P, 0, 16 * sizeof(P[0]));
	P[0 * 4 + 3] = l->p14;
	P[0 * 4 + 2] = l->p13;
	P[0 * 4 + 0] = 1 - l->p13 - l->p14;
	P[1 * 4 + 2] = l->p23;
	P[1 * 4 + 1] = 1 - l->p23;
	P[2 * 4 + 1] = l->p32;
	P[2 * 4 + 0] = l->p31;
	P[2 * 4 + 2] = 1 - l->p31 - l->p32;
	P[3 * 4 + 0] = 1;
}

/* Solve pi P = pi, sum pi = 1 by Gaussian elimination; false if singular. */
static bool stationary(const double P[16], double pi[4])
{
	double A[4][5];
	int i, j, k;

	/* rows 0..2: (P^T - I) pi = 0; row 3: sum = 1 */
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 4; j++)
			A[i][j] = P[j * 4 + i] - (i == j ? 1.0 : 0.0);
		A[i][4] = 0;
	}
	for (j = 0; j < 4; j++)
		A[3][j] = 1;
	A[3][4] = 1;
	for (k = 0; k < 4; k++) {
		int piv = k;

		for (i = k + 1; i < 4; i++)
			if (fabs(A[i][k]) > fabs(A[piv][k]))
				piv = i;
		if (fabs(A[piv][k]) < 1e-12)
			return false;
		if (piv != k)
			for (j = 0; j < 5; j++) {
				double t = A[k][j];

				A[k][j] = A[piv][j];
				A[piv][j] = t;
			}
		for (i = 0; i < 4; i++) {
			double f;

			if (i == k)
				continue;
			f = A[i][k] / A[k][k];
			for (j = k; j < 5; j++)
				A[i][j] -= f * A[k][j];
		}
	}
	for (i = 0; i < 4; i++)
		pi[i] = A[i][4] / A[i][i];
	return true;
}

void loss_4state_law(const struct loss_cfg *l, double pi[4])
{
	double P[16], x[4] = { 1, 0, 0, 0 }, nx[4], sum[4] = { 0 };
	int it, i, j;
	const int steps = 1 << 20;

	state4_matrix(l, P);
	if (stationary(P, pi))
		return;
	/* several closed classes: the long-run average from state 1 */
	for (it = 0; it < steps; it++) {
		for (j = 0; j < 4; j++) {
			nx[j] = 0;
			for (i = 0; i < 4; i++)
				nx[j] += x[i] * P[i * 4 + j];
		}
		for (j = 0; j < 4; j++) {
			x[j] = nx[j];
			sum[j] += x[j];
		}
	}
	for (j = 0; j < 4; j++)
		pi[j] = sum[j] / steps;
}

double loss_model_mean(const struct loss_cfg *l)
{
	double pi[4], b;

	switch (l->kind) {
	case LOSS_RANDOM:
		return l->p;
	case LOSS_NTH:
		return l->nth ? 1.0 / (double)l->nth : 0;
	case LOSS_GE:
		if (l->ge_p + l->ge_r <= 0)
			return l->ge_1k;
		b = l->ge_p / (l->ge_p + l->ge_r);
		return (1 - b) * l->ge_1k + b * l->ge_1h;
	case LOSS_STATE:
		loss_4state_law(l, pi);
		return pi[2] + pi[3];
	case LOSS_NONE:
		break;
	}
	return 0;
}
