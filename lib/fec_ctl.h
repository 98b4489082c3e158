/* fec_ctl.h - redundancy controller and its theory (pure: no I/O, no clock).
 *
 * Modes: broadcast (every datagram on every live path), fec:K:M (fixed
 * Reed-Solomon blocks, striped over the live paths) and auto: from each
 * path's measured loss and mean burst length in the direction we send (lib/
 * pathmeas.h, FEEDBACK), the arrival rate and the block wait, choose the
 * copies or the code (k, m) and the paths it is spread over that hold the
 * residual loss under the target at the fewest bytes on the wire, never
 * more than broadcast.  Too few datagrams per wait to fill a block (a lone
 * datagram after a pause): copies.
 *
 * The theory (the same formulas as lab/theory_fec.py; a unit test checks
 * they agree):
 *
 *   A block of n = k + m symbols goes round robin over s paths: path j gets
 *   n_j = floor(n / s) + (j < n mod s) symbols, k_j = floor(k / s) + (j < k
 *   mod s) of them data.  Losses come in clumps of c = max(1, round(burst /
 *   depth)) consecutive symbols of the block on a path (interleaving `depth`
 *   blocks spreads a burst of b datagrams over b / depth symbols of each),
 *   c_j for path j; path j's share is u_j = ceil(n_j / c_j) units lost
 *   independently with probability p_j, a lost unit costing c_j symbols.  A
 *   data symbol is lost for good when its unit is lost and the block lost
 *   more than m symbols:
 *
 *     residual = (1/k) sum_j k_j p_j P(L_(-j) >= m - c_j + 1)
 *
 *   where L_(-j) = sum_i c_i U_i counts the symbols lost in all units but
 *   one of path j (U_i binomial(u_i, p_i), one fewer unit on path j).
 *   With c = 1 and one loss rate p this is the exact binomial formula
 *   sum_{i>m} C(n,i) p^i (1-p)^(n-i) i/n.
 *
 *   Copies on the c best paths: residual = the product of their losses. */
#ifndef MPT_FEC_CTL_H
#define MPT_FEC_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "fec.h"

enum fec_mode {
	FEC_MODE_BROADCAST = 1,	/* PROTOCOL.md PING "redundancy mode" values */
	FEC_MODE_FIXED = 2,
	FEC_MODE_AUTO = 3,
};

#define FEC_CTL_K_MAX 32u	/* AUTO: the largest code by default */
#define FEC_CTL_M_MAX 32u

struct fec_ctl_path {
	bool live;
	double loss;		/* 0..1, measured in the direction we send */
	double burst;		/* mean loss-burst length in datagrams (0 or 1: none) */
};

struct fec_ctl_config {
	enum fec_mode mode;
	unsigned k, m;		/* FIXED */
	double target;		/* AUTO: residual loss target (e.g. 1e-3) */
	unsigned depth;		/* blocks interleaved */
	uint32_t wait_us;	/* block wait */
	unsigned k_max, m_max;	/* AUTO: largest code (0: 32, 32) */
	double loss_floor;	/* AUTO: a path measured better than this counts as this (0: 0.002) */
};

struct fec_ctl_choice {
	bool copies;		/* send copies, not blocks */
	unsigned ncopies;	/* copies: on the ncopies best live paths */
	unsigned k, m;		/* blocks */
	uint16_t paths;		/* the paths used (bit per path index) */
	uint8_t m_for_k[FEC_K_MAX + 1];	/* parity for a block closed early with k' symbols:
					 * auto: the least that holds the target; fec:K:M with
					 * measured losses: the least that holds the residual of
					 * a full block; without: ceil(M k' / K); never more bytes
					 * than broadcast */
	double residual;	/* expected residual loss (theory) */
	double cost;		/* bytes on the wire per data byte (theory, headers aside) */
	bool meets_target;
};

/* Parse "broadcast", "fec:K:M", "auto" into cfg (mode, k, m). */
bool fec_ctl_parse_mode(const char *s, struct fec_ctl_config *cfg);
/* The decision.  paths[0..npaths) indexed by path id; rate = data datagrams
 * per second recently sent (0: unknown, counts as plenty).  False if no path is live. */
bool fec_ctl_choose(const struct fec_ctl_config *cfg, const struct fec_ctl_path *paths,
		    unsigned npaths, double rate, struct fec_ctl_choice *out);

/* The residual (theory) of the code in use at the paths' figures: blocks of
 * (k, m) striped over every live path, or k == 0: copies on every live path
 * (broadcast).  1 when no path is live. */
double fec_ctl_residual(const struct fec_ctl_config *cfg, const struct fec_ctl_path *paths,
			unsigned npaths, unsigned k, unsigned m);

/* Hysteresis of auto: a code that no longer holds the target gives way at
 * once (fast attack); one that holds it gives way to a cheaper one only when
 * that costs at most FEC_CTL_SAVING of it and FEC_CTL_HOLD seconds passed
 * since the last change (slow decay: each change closes the open blocks). */
#define FEC_CTL_HOLD 1.0
#define FEC_CTL_SAVING 0.9
/* Should the code in use (cur_k, cur_m; cur_k 0: broadcast) give way to
 * `next` (from fec_ctl_choose on the same figures)? */
bool fec_ctl_change(const struct fec_ctl_config *cfg, const struct fec_ctl_path *paths,
		    unsigned npaths, unsigned cur_k, unsigned cur_m,
		    const struct fec_ctl_choice *next, double since_change);

/* Theory: residual loss of a (k, m) block over s paths (s <= FEC_PATHS_MAX)
 * with losses p[0..s) and clump sizes c[0..s) (NULL: all 1); see above. */
double fec_theory_block(unsigned k, unsigned m, unsigned s, const double *p, const unsigned *c);
/* Clump size for a mean burst b and an interleaving depth. */
unsigned fec_theory_clump(double burst, unsigned depth);
/* Theory: residual of copies on the paths with losses p[0..c). */
double fec_theory_copies(unsigned c, const double *p);

#endif
