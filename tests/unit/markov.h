/* markov.h - the tests' own analysis of a loss indicator driven by a finite
 * Markov chain (Bernoulli: one state), to check the impairment engine's
 * seeded runs against: independent of bridge/lossmodel.c by construction. */
#ifndef MPT_TESTS_MARKOV_H
#define MPT_TESTS_MARKOV_H

#define MARKOV_MAX_STATES 8

/*
 * P: the transition matrix (k x k, row-major, 1 <= k <= MARKOV_MAX_STATES);
 * f[s]: the loss probability of a datagram that finds (or, 4-state, moves
 * into) state s.  Returns in *q the stationary mean loss and in *s2 the
 * asymptotic variance per datagram, q(1-q) + 2 sum_{m>=1} Cov(L_0, L_m).
 * When B is not NULL, *B = sum_n |P(L_n = 1 | start) - q|: the bias a run
 * that begins in state `start` carries at most.
 */
void markov_loss(const double *P, int k, const double *f, int start, double *q, double *s2,
		 double *B);

#endif
