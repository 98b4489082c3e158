/* client_auto.c - mpclient's --redundancy auto (PROTOCOL.md, Redundancy).
 *
 * At every measurement tick (25 ms), the code of each direction is chosen by
 * lib/fec_ctl's controller from the paths' loss guard (fast attack, slow
 * decay: pathmeas.h) and mean burst (tunnel/pathq): PATHQ_TX, what we send
 * as mpserver measures it (its FEEDBACK), for our own sender, applied at
 * once; PATHQ_RX, what mpserver sends as we measure it, for the server ->
 * client direction, asked of mpserver in a PING round sent at once (and in
 * every later PING; it applies it within --fec-max).  The controller holds
 * the residual loss under --target-loss at the fewest bytes, never more than
 * broadcast; where copies win (or a direction is not measured yet on every
 * live path) that direction is broadcast.  A code in use that no longer
 * holds the target is replaced at once; one that holds it only by a code
 * at least 10% cheaper, and not within a second of the last change
 * (fec_ctl_change).  A lone datagram after a pause goes as copies in any
 * case (lib/fec).
 *
 * Blocks must fill within the wait: a block closed by the wait with k' < k
 * data gets ceil(m k' / k) parity (lib/fec; mpserver knows only k and m), so
 * a long code at a low rate sends short blocks of one or two parity that
 * miss the target by far (k = 32, m = 10 at 10% loss and 300 datagrams/s
 * with a 5 ms wait: blocks of 1-2 data and 1 parity, ~2% lost a direction).
 * The controller gets each direction's rate (datagrams from the applications
 * for ours, delivered to them for mpserver's, measured every RATE_EVERY s)
 * and picks k <= rate x wait; a code in use longer than that gives way at
 * once.
 */
#include "client_core.h"
#include "fec_ctl.h"

#include <math.h>
#include <string.h>

/* The paths' figures for one direction; false while some live path has none. */
static bool figures(const struct client_core *c, enum pathq_dir dir, struct fec_ctl_path *paths)
{
	uint16_t can = client_core_sendable(c);
	unsigned i, n = 0;

	memset(paths, 0, CLIENT_MAX_PATHS * sizeof(*paths));
	for (i = 0; i < c->npaths && i < CLIENT_MAX_PATHS; i++) {
		const struct cpath_state *p = &c->paths[i];
		double loss, burst;

		if (!p->used || !((can >> i) & 1) || !p->live.alive || p->q.state == PATHQ_DOWN ||
		    (dir == PATHQ_TX && p->q.tx_silent))
			continue;	/* (symbols avoid a path down by the fast rule or silent) */
		loss = pathq_loss_guard(&p->q, dir);
		burst = pathq_burst(&p->q, dir);
		if (isnan(loss))
			return false;
		paths[i] = (struct fec_ctl_path){ .live = true, .loss = loss,
						  .burst = isnan(burst) ? 0.0 : burst };
		n++;
	}
	return n > 0;
}

#define RATE_EVERY 0.2	/* s between two measures of the rates */

/* Each direction's datagrams per second: the counts' rise over the last
 * RATE_EVERY s or more; lower than the figure before: taken at once, higher:
 * averaged with it (0: none yet). */
static void measure_rates(struct client_core *c, double now)
{
	double dt = now - c->auto_rate_at;

	if (c->auto_rate_at < 0 || dt < 0) {
		c->auto_rate_at = now;
		c->auto_from_app = c->cnt.from_app;
		c->auto_delivered = c->cnt.delivered;
		return;
	}
	if (dt < RATE_EVERY)
		return;
	{
		double tx = (double)(c->cnt.from_app - c->auto_from_app) / dt;
		double rx = (double)(c->cnt.delivered - c->auto_delivered) / dt;

		/* a fall at once (short blocks are the danger), a rise averaged */
		c->auto_rate_tx = tx < c->auto_rate_tx ? tx : 0.5 * (c->auto_rate_tx + tx);
		c->auto_rate_rx = rx < c->auto_rate_rx ? rx : 0.5 * (c->auto_rate_rx + rx);
	}
	c->auto_rate_at = now;
	c->auto_from_app = c->cnt.from_app;
	c->auto_delivered = c->cnt.delivered;
}

/* The code for one direction, given the one in use (cur) and how long it has
 * been in use: cur itself when it should stay. */
static struct redundancy choose(const struct client_core *c, enum pathq_dir dir,
				const struct redundancy *cur, double since)
{
	struct fec_ctl_config cfg = { .mode = FEC_MODE_AUTO, .target = c->prm.red.target,
				      .depth = c->prm.fec_depth, .wait_us = c->prm.red.wait_us };
	struct fec_ctl_path paths[CLIENT_MAX_PATHS];
	struct fec_ctl_choice ch;
	struct redundancy out = { .mode = WIRE_RED_BROADCAST, .wait_us = c->prm.red.wait_us,
				  .target = c->prm.red.target };
	bool fec = cur->mode == WIRE_RED_FEC;
	double rate = dir == PATHQ_TX ? c->auto_rate_tx : c->auto_rate_rx;
	/* the code in use fills its blocks within the wait (rate 0: unknown, as plenty) */
	bool fills = !fec || rate <= 0 || cur->k <= rate * c->prm.red.wait_us / 1e6;

	if (!figures(c, dir, paths) || !fec_ctl_choose(&cfg, paths, c->npaths, rate, &ch))
		return out;	/* not measured: broadcast */
	if (fills && !fec_ctl_change(&cfg, paths, c->npaths, fec ? cur->k : 0, fec ? cur->m : 0,
				     &ch, since))
		return *cur;
	if (!ch.copies && fec_code_valid(ch.k, ch.m)) {
		out.mode = WIRE_RED_FEC;
		out.k = (uint8_t)ch.k;
		out.m = (uint8_t)ch.m;
	}
	return out;
}

/* the same code on the wire (anything but FEC is broadcast) */
static bool same(const struct redundancy *a, const struct redundancy *b)
{
	if (a->mode != WIRE_RED_FEC || b->mode != WIRE_RED_FEC)
		return a->mode != WIRE_RED_FEC && b->mode != WIRE_RED_FEC;
	return a->k == b->k && a->m == b->m;
}

bool client_auto_tick(struct client_core *c, double now)
{
	struct redundancy r;

	if (c->prm.red.mode != WIRE_RED_AUTO)
		return false;
	measure_rates(c, now);
	r = choose(c, PATHQ_TX, &c->fec_tx.red, now - c->auto_tx_at);
	if (!same(&r, &c->fec_tx.red) && fec_send_apply(&c->fec_tx, &r, c->prm.fec_depth,
						       (uint64_t)(now * 1e6)) == 0) {
		c->cnt.fec.auto_changes++;
		c->auto_tx_at = now;
	}
	r = choose(c, PATHQ_RX, &c->ask_red, now - c->auto_rx_at);
	if (same(&r, &c->ask_red))
		return false;
	c->ask_red = r;
	c->cnt.fec.auto_changes++;
	c->auto_rx_at = now;
	return true;
}
