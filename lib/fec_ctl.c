/* fec_ctl.c - redundancy controller and its theory: see fec_ctl.h. */
#include "fec_ctl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


#define LMAX (2 * FEC_N_MAX + 2)	/* symbols lost, clumps may overcount a little */

unsigned fec_theory_clump(double burst, unsigned depth)
{
	double c;

	if (depth < 1)
		depth = 1;
	c = floor(burst / depth + 0.5);
	if (!(c >= 1))
		return 1;
	if (c > FEC_N_MAX)
		return FEC_N_MAX;
	return (unsigned)c;
}

/* pmf of Binomial(u, p), in pmf[0..u] */
static void binom_pmf(unsigned u, double p, double *pmf)
{
	unsigned i;

	if (p <= 0) {
		memset(pmf, 0, (u + 1) * sizeof(*pmf));
		pmf[0] = 1;
		return;
	}
	if (p >= 1) {
		memset(pmf, 0, (u + 1) * sizeof(*pmf));
		pmf[u] = 1;
		return;
	}
	for (i = 0; i <= u; i++)
		pmf[i] = exp(lgamma(u + 1.0) - lgamma(i + 1.0) - lgamma(u - i + 1.0) + i * log(p) +
			     (u - i) * log1p(-p));
}

/* dist (over symbols lost, 0..LMAX-1) of sum over paths i of c_i * Binomial(u_i, p_i) */
static void lost_dist(unsigned s, const unsigned *u, const double *p, const unsigned *c,
		      double *dist)
{
	double pmf[FEC_N_MAX + 1], next[LMAX];
	unsigned i, a, b;

	memset(dist, 0, LMAX * sizeof(*dist));
	dist[0] = 1;
	for (i = 0; i < s; i++) {
		binom_pmf(u[i], p[i], pmf);
		memset(next, 0, sizeof(next));
		for (a = 0; a < LMAX; a++) {
			if (dist[a] == 0)
				continue;
			for (b = 0; b <= u[i]; b++) {
				unsigned l = a + b * c[i];

				if (l >= LMAX)
					l = LMAX - 1;	/* saturate: far beyond any m */
				next[l] += dist[a] * pmf[b];
			}
		}
		memcpy(dist, next, sizeof(next));
	}
}

double fec_theory_block(unsigned k, unsigned m, unsigned s, const double *p, const unsigned *c)
{
	unsigned n = k + m, j, u[FEC_PATHS_MAX], cc[FEC_PATHS_MAX], kj, nj;
	double dist[LMAX], res = 0;

	if (k < 1 || s < 1 || s > FEC_PATHS_MAX || n > FEC_N_MAX)
		return 1;
	for (j = 0; j < s; j++) {
		cc[j] = c && c[j] >= 1 ? c[j] : 1;
		nj = n / s + (j < n % s);
		u[j] = (nj + cc[j] - 1) / cc[j];
	}
	for (j = 0; j < s; j++) {
		double tail = 0;
		int need = (int)m - (int)cc[j] + 1;
		unsigned l;

		kj = k / s + (j < k % s);
		if (kj == 0 || p[j] <= 0)
			continue;
		u[j]--;		/* one unit of path j is the lost one */
		lost_dist(s, u, p, cc, dist);
		u[j]++;
		for (l = need > 0 ? (unsigned)need : 0; l < LMAX; l++)
			tail += dist[l];
		res += kj * (p[j] >= 1 ? 1 : p[j]) * tail;
	}
	res /= k;
	return res > 1 ? 1 : res;
}

double fec_theory_copies(unsigned c, const double *p)
{
	double r = 1;
	unsigned i;

	for (i = 0; i < c; i++)
		r *= p[i] < 0 ? 0 : p[i] > 1 ? 1 : p[i];
	return r;
}

bool fec_ctl_parse_mode(const char *s, struct fec_ctl_config *cfg)
{
	unsigned long k, m;
	char *end;

	if (!strcmp(s, "broadcast")) {
		cfg->mode = FEC_MODE_BROADCAST;
		return true;
	}
	if (!strcmp(s, "auto")) {
		cfg->mode = FEC_MODE_AUTO;
		return true;
	}
	if (strncmp(s, "fec:", 4) != 0)
		return false;
	s += 4;
	if (*s < '0' || *s > '9')
		return false;
	k = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	m = strtoul(end + 1, &end, 10);
	if (*end || !fec_code_valid((unsigned)(k > 999 ? 999 : k), (unsigned)(m > 999 ? 999 : m)))
		return false;
	cfg->mode = FEC_MODE_FIXED;
	cfg->k = (unsigned)k;
	cfg->m = (unsigned)m;
	return true;
}

struct live {
	unsigned id;
	double p;
	unsigned c;
};

/* The live paths among paths[0..npaths) into lv: id, loss, clump at depth; their number. */
static unsigned live_paths(const struct fec_ctl_path *paths, unsigned npaths, unsigned depth,
			   struct live *lv)
{
	unsigned i, n = 0;

	for (i = 0; i < npaths && i < FEC_PATHS_MAX; i++) {
		if (!paths[i].live)
			continue;
		lv[n].id = i;
		lv[n].p = paths[i].loss;
		lv[n].c = fec_theory_clump(paths[i].burst, depth);
		n++;
	}
	return n;
}

static int by_loss(const void *a, const void *b)
{
	const struct live *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* the smallest m in [1, mmax] whose residual is <= target, or 0 */
static unsigned min_m(unsigned k, unsigned mmax, unsigned s, const double *p, const unsigned *c,
		      double target, double *res)
{
	unsigned lo = 1, hi = mmax, best = 0;
	double r;

	if (mmax < 1)
		return 0;
	r = fec_theory_block(k, mmax, s, p, c);
	if (r > target) {
		*res = r;
		return 0;
	}
	*res = r;
	best = mmax;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		r = fec_theory_block(k, mid, s, p, c);
		if (r <= target) {
			hi = mid;
			best = mid;
			*res = r;
		} else {
			lo = mid + 1;
		}
	}
	if (lo != best) {
		*res = fec_theory_block(k, lo, s, p, c);
		best = lo;
	}
	return best;
}

static unsigned mcap(unsigned k, unsigned m_max)
{
	unsigned v = m_max;

	if (k + v > FEC_N_MAX)
		v = FEC_N_MAX - k;
	return v;
}

static void fill_m_for_k(const struct fec_ctl_config *cfg, struct fec_ctl_choice *out, unsigned s,
			 const double *p, const unsigned *c, unsigned nlive)
{
	unsigned kk, m_max = cfg->m_max ? cfg->m_max : FEC_CTL_M_MAX;

	double target = cfg->target;
	bool measured = false;
	unsigned j;

	for (j = 0; j < s; j++)
		measured = measured || p[j] > 0;
	if (cfg->mode == FEC_MODE_FIXED && measured)
		target = fec_theory_block(out->k, out->m, s, p, c);	/* as good as a full block */
	for (kk = 1; kk <= FEC_K_MAX; kk++) {
		unsigned v;

		if ((cfg->mode != FEC_MODE_AUTO && !(cfg->mode == FEC_MODE_FIXED && measured)) ||
		    kk > out->k) {
			v = (out->m * kk + out->k - 1) / out->k;
		} else {
			double r;
			unsigned cap = mcap(kk, m_max);

			/* never more bytes than broadcast: (kk + v) / kk <= nlive */
			if (cap > (nlive - 1) * kk)
				cap = (nlive - 1) * kk;
			v = min_m(kk, cap, s, p, c, target, &r);
			if (!v)
				v = cap;
			if (cfg->mode == FEC_MODE_FIXED) {
				/* never weaker than the proportional share */
				unsigned prop = (out->m * kk + out->k - 1) / out->k;

				if (v < prop)
					v = prop;
			}
		}
		if (v < 1)
			v = 1;
		if (v > FEC_M_MAX)
			v = FEC_M_MAX;
		if (kk + v > FEC_N_MAX)
			v = FEC_N_MAX - kk;
		out->m_for_k[kk] = (uint8_t)v;
	}
	out->m_for_k[0] = 0;
	if (out->k >= 1 && out->k <= FEC_K_MAX)
		out->m_for_k[out->k] = (uint8_t)out->m;
}

bool fec_ctl_choose(const struct fec_ctl_config *cfg, const struct fec_ctl_path *paths,
		    unsigned npaths, double rate, struct fec_ctl_choice *out)
{
	static const unsigned kcands[] = { 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64 };
	struct live lv[FEC_PATHS_MAX];
	double p[FEC_PATHS_MAX], floor_p = cfg->loss_floor > 0 ? cfg->loss_floor : 0.002;
	unsigned c[FEC_PATHS_MAX], n = 0, i, s, k_max = cfg->k_max ? cfg->k_max : FEC_CTL_K_MAX;
	unsigned m_max = cfg->m_max ? cfg->m_max : FEC_CTL_M_MAX, depth = cfg->depth ? cfg->depth : 1;
	double per_wait, best_cost = 1e9, best_res = 2;
	bool found = false;

	memset(out, 0, sizeof(*out));
	n = live_paths(paths, npaths, depth, lv);
	if (n == 0)
		return false;
	qsort(lv, n, sizeof(lv[0]), by_loss);
	for (i = 0; i < n; i++) {
		p[i] = cfg->mode == FEC_MODE_AUTO && lv[i].p < floor_p ? floor_p : lv[i].p;
		if (p[i] > 1)
			p[i] = 1;
		c[i] = lv[i].c;
	}

	if (cfg->mode == FEC_MODE_BROADCAST) {
		out->copies = true;
		out->ncopies = n;
		for (i = 0; i < n; i++)
			out->paths |= (uint16_t)(1u << lv[i].id);
		out->residual = fec_theory_copies(n, p);
		out->cost = n;
		out->k = 1;
		out->m = n > 1 ? n - 1 : 1;
		fill_m_for_k(cfg, out, n, p, c, n);
		out->meets_target = true;
		return true;
	}
	if (cfg->mode == FEC_MODE_FIXED) {
		out->k = cfg->k;
		out->m = cfg->m;
		for (i = 0; i < n; i++)
			out->paths |= (uint16_t)(1u << lv[i].id);
		out->residual = fec_theory_block(cfg->k, cfg->m, n, p, c);
		out->cost = (double)(cfg->k + cfg->m) / cfg->k;
		fill_m_for_k(cfg, out, n, p, c, n);
		out->meets_target = true;
		return true;
	}

	/* AUTO: copies on the best j paths */
	for (s = 1; s <= n; s++) {
		double r = fec_theory_copies(s, p);
		bool ok = r <= cfg->target;

		if ((ok && (!found || s < best_cost)) || (!found && r < best_res)) {
			out->copies = true;
			out->ncopies = s;
			out->residual = r;
			out->cost = s;
			out->meets_target = ok;
			best_cost = s;
			best_res = r;
			found = found || ok;
		}
	}
	/* blocks, when enough datagrams come per wait to fill them; the widest
	 * spread first, a narrower one only when strictly cheaper (an outage of
	 * one path then costs each block least) */
	per_wait = rate > 0 ? rate * cfg->wait_us / 1e6 : 1e9;
	for (s = n; s >= 1; s--) {
		/* every path losing less than half stays in the spread: a path
		 * left out is not exposed, but an outage of one kept in costs each
		 * block only its share */
		if (s < n && p[s] < 0.5)
			break;
		for (i = 0; i < sizeof(kcands) / sizeof(kcands[0]); i++) {
			unsigned k = kcands[i], cap = mcap(k, m_max), m;
			double r, cost;

			if (k > k_max || k > per_wait)
				break;
			if (cap > (n - 1) * k)
				cap = (n - 1) * k;	/* never more than broadcast */
			m = min_m(k, cap, s, p, c, cfg->target, &r);
			if (!m) {
				if (!found && r < best_res) {
					out->copies = false;
					out->k = k;
					out->m = cap;
					out->ncopies = s;
					out->residual = r;
					out->cost = (double)(k + cap) / k;
					best_res = r;
				}
				continue;
			}
			cost = (double)(k + m) / k;
			if (!found || cost < best_cost - 1e-9 ||
			    (fabs(cost - best_cost) < 1e-9 && r < 0.5 * out->residual)) {
				out->copies = false;
				out->k = k;
				out->m = m;
				out->ncopies = s;	/* spread */
				out->residual = r;
				out->cost = cost;
				out->meets_target = true;
				best_cost = cost;
				found = true;
			}
		}
	}
	s = out->ncopies;
	for (i = 0; i < s; i++)
		out->paths |= (uint16_t)(1u << lv[i].id);
	if (out->copies) {
		out->k = 1;
		out->m = s > 1 ? s - 1 : 1;
	}
	fill_m_for_k(cfg, out, s, p, c, n);
	return true;
}

/* the live paths' figures as fec_ctl_choose takes them (floored in auto, sorted by loss) */
static unsigned figures(const struct fec_ctl_config *cfg, const struct fec_ctl_path *paths,
			unsigned npaths, double *p, unsigned *c)
{
	struct live lv[FEC_PATHS_MAX];
	double floor_p = cfg->loss_floor > 0 ? cfg->loss_floor : 0.002;
	unsigned i, n = 0, depth = cfg->depth ? cfg->depth : 1;

	n = live_paths(paths, npaths, depth, lv);
	qsort(lv, n, sizeof(lv[0]), by_loss);
	for (i = 0; i < n; i++) {
		p[i] = cfg->mode == FEC_MODE_AUTO && lv[i].p < floor_p ? floor_p : lv[i].p;
		if (p[i] > 1)
			p[i] = 1;
		c[i] = lv[i].c;
	}
	return n;
}

double fec_ctl_residual(const struct fec_ctl_config *cfg, const struct fec_ctl_path *paths,
			unsigned npaths, unsigned k, unsigned m)
{
	double p[FEC_PATHS_MAX];
	unsigned c[FEC_PATHS_MAX], n = figures(cfg, paths, npaths, p, c);

	if (n == 0)
		return 1;
	if (k == 0)
		return fec_theory_copies(n, p);
	return fec_theory_block(k, m, n, p, c);
}

bool fec_ctl_change(const struct fec_ctl_config *cfg, const struct fec_ctl_path *paths,
		    unsigned npaths, unsigned cur_k, unsigned cur_m,
		    const struct fec_ctl_choice *next, double since_change)
{
	unsigned nk = next->copies ? 0 : next->k, nm = next->copies ? 0 : next->m, n = 0, i;
	double res, cost, next_cost;

	if (nk == cur_k && (nk == 0 || nm == cur_m))
		return false;	/* the same */
	for (i = 0; i < npaths && i < FEC_PATHS_MAX; i++)
		n += paths[i].live;
	res = fec_ctl_residual(cfg, paths, npaths, cur_k, cur_m);
	if (res > cfg->target)	/* no longer holds: at once, if the next does better */
		return next->meets_target || next->residual < res;
	cost = cur_k ? (double)(cur_k + cur_m) / cur_k : (double)n;
	next_cost = nk ? (double)(nk + nm) / nk : (double)n;	/* copies go as broadcast */
	return next->meets_target && next_cost <= FEC_CTL_SAVING * cost &&
	       since_change >= FEC_CTL_HOLD;
}
