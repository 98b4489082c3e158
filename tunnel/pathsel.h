/* pathsel.h - which paths carry traffic (PROTOCOL.md, Paths: "Sending"),
 * the one rule both ends apply to what they send (mpclient's DATA and
 * PARITY, mpserver's replies):
 *
 *   primaries  the usable paths that are not backups and not down
 *   standby    the usable backup paths that are not down
 *
 *   no primary up            -> the standby backups; none either: every
 *                               usable path (never drop for want of a path)
 *   primaries up, their
 *   residual loss > target   -> primaries and standby backups
 *   otherwise                -> the primaries
 *
 * The residual loss is what broadcast over the primaries would lose if they
 * lost independently: the product of their loss ratios in the direction we
 * send (pathq_loss(q, PATHQ_TX)); a primary whose loss is unknown (no
 * FEEDBACK yet) counts as lossless.  Paths are bits (bit i: path i). */
#ifndef MPT_PATHSEL_H
#define MPT_PATHSEL_H

#include <stdint.h>

/* The tunnel's target residual loss: a backup path joins when the primaries
 * do worse than this. */
#define PATHSEL_TARGET_LOSS 0.01
/* A backup path that carries no traffic is probed (PING) every this many
 * keepalives (5 s at the defaults: README, "Backup paths", its cost). */
#define PATHSEL_BACKUP_PROBE_EVERY 5

struct pathsel {
	uint16_t usable;	/* paths we may send on at all (in use, socket and link up) */
	uint16_t down;		/* down by the down rule (pathq) */
	uint16_t backup;	/* backup paths */
	double loss[16];	/* loss ratio of what we send on path i; NAN unknown */
};

/* The paths to send on (a subset of usable; 0 only when usable is 0). */
uint16_t pathsel_pick(const struct pathsel *s, double target);
/* The residual loss of broadcast over the paths in bits (0 for none). */
double pathsel_residual(const struct pathsel *s, uint16_t bits);
/* How long a backup path may stay silent before it is down: three of its
 * probe intervals, at least the path timeout. */
double pathsel_idle(double keepalive, double path_timeout);

#endif
