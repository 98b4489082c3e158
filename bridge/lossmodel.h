/* lossmodel.h - what mpbridge's loss models amount to: names and the
 * long-run mean loss, computed from the same parameters impair.c steps. */
#ifndef MPB_LOSSMODEL_H
#define MPB_LOSSMODEL_H

#include "impair.h"

/* "none", "bernoulli", "gemodel", "4state", "nth" */
const char *loss_model_name(enum loss_kind k);

/*
 * The long-run fraction of datagrams the model drops, started as
 * impair.c starts it (gemodel in the good state, 4-state in state 1):
 *   bernoulli p; nth 1/N; none 0;
 *   gemodel: pi_B = p / (p + r), mean = (1 - pi_B) (1-k) + pi_B (1-h)
 *     (p + r = 0: the chain stays good, 1-k);
 *   4-state: the stationary law of netem's chain (1 -> 3 p13, 1 -> 4 p14,
 *     2 -> 3 p23, 3 -> 2 p32, 3 -> 1 p31, 4 -> 1), mean = pi_3 + pi_4; when
 *     the chain has no unique stationary law, the Cesaro mean from state 1.
 */
double loss_model_mean(const struct loss_cfg *l);

/* 4-state: the stationary law (pi[1..4] in pi[0..3]) as above. */
void loss_4state_law(const struct loss_cfg *l, double pi[4]);

#endif
