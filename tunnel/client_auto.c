/* client_auto.c - mpclient's --redundancy auto (PROTOCOL.md, Redundancy).
 *
 * At every housekeeping tick, the code of each direction is chosen by lib/
 * fec_ctl's controller from the paths' measured loss and mean burst (tunnel/
 * pathq): PATHQ_TX, what we send as mpserver measures it (its FEEDBACK), for
 * our own sender, applied at once; PATHQ_RX, what mpserver sends as we
 * measure it, for the server -> client direction, asked of mpserver in the
 * next PINGs (it applies it within --fec-max).  The controller holds the
 * residual loss under --target-loss at the fewest bytes, never more than
 * broadcast; where copies win (or a direction is not measured yet on every
 * live path) that direction is broadcast.  A lone datagram after a pause goes
 * as copies in any case (lib/fec).
 */
#include "client_core.h"
#include "fec_ctl.h"

#include <math.h>
#include <string.h>

/* The code for one direction; false while some live path has no figure. */
static bool choose(const struct client_core *c, enum pathq_dir dir, struct redundancy *out)
{
	struct fec_ctl_config cfg = { .mode = FEC_MODE_AUTO, .target = c->prm.red.target,
				      .depth = c->prm.fec_depth, .wait_us = c->prm.red.wait_us };
	struct fec_ctl_path paths[CLIENT_MAX_PATHS];
	struct fec_ctl_choice ch;
	uint16_t can = client_core_sendable(c);
	unsigned i, n = 0;

	memset(paths, 0, sizeof(paths));
	for (i = 0; i < c->npaths && i < CLIENT_MAX_PATHS; i++) {
		const struct cpath_state *p = &c->paths[i];
		double loss, burst;

		if (!p->used || !((can >> i) & 1) || !p->live.alive || p->q.state == PATHQ_DOWN)
			continue;	/* (symbols avoid a path down by the fast rule) */
		loss = pathq_loss(&p->q, dir);
		burst = pathq_burst(&p->q, dir);
		if (isnan(loss))
			return false;
		paths[i] = (struct fec_ctl_path){ .live = true, .loss = loss,
						  .burst = isnan(burst) ? 0.0 : burst };
		n++;
	}
	if (n == 0 || !fec_ctl_choose(&cfg, paths, c->npaths, 0.0, &ch))
		return false;
	*out = (struct redundancy){ .mode = WIRE_RED_BROADCAST, .wait_us = c->prm.red.wait_us,
				    .target = c->prm.red.target };
	if (!ch.copies && fec_code_valid(ch.k, ch.m)) {
		out->mode = WIRE_RED_FEC;
		out->k = (uint8_t)ch.k;
		out->m = (uint8_t)ch.m;
	}
	return true;
}

static bool same(const struct redundancy *a, const struct redundancy *b)
{
	return a->mode == b->mode && (a->mode != WIRE_RED_FEC || (a->k == b->k && a->m == b->m));
}

void client_auto_tick(struct client_core *c, double now)
{
	struct redundancy r;

	if (c->prm.red.mode != WIRE_RED_AUTO)
		return;
	if (!choose(c, PATHQ_TX, &r))
		r = (struct redundancy){ .mode = WIRE_RED_BROADCAST, .wait_us = c->prm.red.wait_us };
	if (!same(&r, &c->fec_tx.red) && fec_send_apply(&c->fec_tx, &r, c->prm.fec_depth,
						       (uint64_t)(now * 1e6)) == 0)
		c->cnt.fec.auto_changes++;
	if (!choose(c, PATHQ_RX, &r))
		r = (struct redundancy){ .mode = WIRE_RED_BROADCAST, .wait_us = c->prm.red.wait_us };
	if (!same(&r, &c->ask_red)) {
		c->ask_red = r;
		c->cnt.fec.auto_changes++;
	}
}
