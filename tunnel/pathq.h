/* pathq.h - what one end knows of one path's quality (PROTOCOL.md,
 * FEEDBACK and Paths), built on lib/pathmeas:
 *
 *   rx     what arrived on the path (every copy, duplicates included): the
 *          figures our FEEDBACK reports to the peer, and the loss and burst
 *          of the direction we receive;
 *   tx     what the peer's FEEDBACK says of what we sent on it: smoothed
 *          RTT and its variation (RFC 6298), loss and burst of the
 *          direction we send;
 *   state  up or down by the down rule.  With d = max(3 x SRTT + 20 ms,
 *          100 ms) and ds = max(d, SRTT + n x the peer's FEEDBACK gap
 *          max(SRTT/4, 50 ms)), n the FEEDBACKs a live path loses all
 *          under 1% of the time at its measured loss (2 up to 10%, 4 at
 *          30%), two views of a path that went silent:
 *            R  the receiver's: it was under traffic (it brought DATA or
 *               PARITY within PATHQ_TRAFFIC_RECENT of its last datagram),
 *               nothing came for d, and the other paths went on delivering
 *               for d after it (PATHQ_DOWN_OTHERS datagrams at least);
 *            S  the sender's: we sent DATA or PARITY on it d ago (with R),
 *               ds ago (alone) or longer and nothing came back since (the
 *               peer answers those with a FEEDBACK at least every gap);
 *          either alone is only a suspicion: a stall of the peer, of a
 *          bridge or of this process looks the same for a while.  The path
 *          is down when the evidence is solid:
 *            - R and S agree, or S while another path delivered more than
 *              SRTT + a FEEDBACK gap after our unanswered DATA (the peer
 *              was alive when its answer on this path was due, and
 *              answers elsewhere): ~d under traffic;
 *            - one view alone, held past twice its bound (2d, 2ds): every
 *              path failing at once (then no path corroborates);
 *            - idle (or carrying only probes: a backup path, a path we
 *              stopped sending on): silent for the idle bound.
 *          Up again at its next datagram.  The callers judge only from a
 *          loop that is on time (client.c, server.c: a tick late by more
 *          than PATHQ_LATE after a stall of this process skips once, so
 *          the datagrams queued meanwhile are read first).
 *
 * Each end sends on each path a FEEDBACK with that path's entry only, so an
 * RTT sample covers the path both ways (a report about a slow path coming
 * back on a fast one would halve its RTT).
 *
 * The figures other modules read (the FEC controller sizes its blocks from
 * pathq_loss_guard(q, PATHQ_TX) and pathq_burst(q, PATHQ_TX)):
 *
 *   pathq_loss(q, dir)   loss ratio 0..1 over roughly the last 500 datagrams
 *   pathq_loss_guard(q, dir)  the controller's figure: rises with the loss
 *                        of the last few dozen datagrams, falls at the
 *                        pace of the 500-datagram average
 *   pathq_burst(q, dir)  mean length of the recent loss bursts, datagrams
 *                        (0: no loss seen)
 *   pathq_srtt(q), pathq_rttvar(q)   seconds
 *
 * each NAN while unknown (no FEEDBACK yet, nothing received yet).  dir:
 * PATHQ_TX = what this end sends on the path (measured by the peer),
 * PATHQ_RX = what it receives.  No I/O, no allocation; times are monotonic
 * seconds, stamps the 32-bit µs wire stamps (pathmeas_stamp).
 */
#ifndef MPT_PATHQ_H
#define MPT_PATHQ_H

#include <stdbool.h>
#include <stdint.h>

#include "pathmeas.h"
#include "wire.h"

/* FEEDBACK: at most every max(SRTT/4, this), when something new arrived. */
#define PATHQ_FEEDBACK_MIN 0.050	/* 20 a second per path and direction at most */
/* The down rule is checked (and FEEDBACK sent when due) every this long. */
#define PATHQ_TICK 0.010
/* Under traffic means: the other paths delivered at least this many
 * datagrams while this one stayed silent (sparse keepalives are not traffic). */
#define PATHQ_DOWN_OTHERS 4
/* The fast rule applies to a path that carried traffic until shortly before
 * it went silent: DATA or PARITY within this long of its last datagram (a
 * path that only answers probes is judged by the idle bound). */
#define PATHQ_TRAFFIC_RECENT 0.5
/* A measuring tick this late (s) follows a stall of this process: the
 * sockets hold what arrived meanwhile, unread; the down rule waits a tick. */
#define PATHQ_LATE 0.020
/* The sender's view waits for at most this many of the peer's FEEDBACK gaps
 * (pathq_send_bound: enough that a live path loses them all < 1% of the time). */
#define PATHQ_SEND_FB_MAX 8

enum pathq_dir { PATHQ_TX = 0, PATHQ_RX = 1 };
enum pathq_state { PATHQ_UNKNOWN = 0, PATHQ_UP, PATHQ_DOWN };

struct pathq {
	struct pathrx rx;
	struct pathtx tx;
	enum pathq_state state;
	uint32_t traffic;	/* DATA and PARITY received (what calls for a FEEDBACK) */
	uint32_t fb_traffic;	/* `traffic` when our last FEEDBACK left */
	double traffic_at;	/* last DATA or PARITY received (monotonic s; 0 never) */
	double tx_wait;		/* first DATA or PARITY sent since the last arrival; 0 none */
	double suspect_at;	/* when one view (R or S) first held unconfirmed; 0 none */
	double fb_at;		/* when our last FEEDBACK on this path left; 0 never */
	double down_last;	/* rx.last_rx when down_others was taken */
	uint64_t down_others;	/* the other paths' datagrams then */
	/* loss of the direction we receive, from rx at each of our FEEDBACKs */
	bool have_snap;
	uint32_t snap_highest, snap_received;
	double rx_loss;
	struct pathmeas_guard rx_guard;	/* the controller's figure of rx_loss (pathmeas.h) */
	/* back up after a down period: the next interval of each direction
	 * spans the outage (the down rule's business, not loss): not counted */
	bool rebase_rx, rebase_tx;
	/* the sender's view (FEC striping): are our DATA and PARITY on it heard? */
	double unacked_at;	/* first DATA or PARITY sent since its last FEEDBACK progress; 0 none */
	double silent_until;	/* tx_silent: tried again from then on */
	bool tx_silent;		/* pathq_tx_check: FEC symbols avoid it */
};

void pathq_init(struct pathq *q);
/* A datagram (any copy) arrived on the path; traffic: it is DATA or PARITY
 * (only those call for a FEEDBACK: FEEDBACK answering FEEDBACK, PINGs or
 * PONGs would keep an idle path busy).  True when it brought the path up. */
bool pathq_on_rx(struct pathq *q, uint32_t path_seq, uint32_t stamp, unsigned bytes, bool traffic,
		 double now);
/* A datagram of bytes was sent on it; traffic: DATA or PARITY (the peer
 * answers those with a FEEDBACK on this path within max(SRTT/4, 50 ms)). */
void pathq_on_tx(struct pathq *q, unsigned bytes, bool traffic, double now);
/* A FEEDBACK on this path is due at now: DATA or PARITY arrived since the
 * last one, and max(SRTT/4, PATHQ_FEEDBACK_MIN) passed. */
bool pathq_feedback_due(const struct pathq *q, double now);
/* The FEEDBACK entry for path id `path` (false: nothing ever arrived);
 * marks it reported and updates the receive-direction loss. */
bool pathq_feedback_entry(struct pathq *q, uint8_t path, double now,
			  struct wire_feedback_entry *e);
/* A DATA or PARITY went on the path (the peer answers them with a FEEDBACK
 * on this path within max(SRTT/4, PATHQ_FEEDBACK_MIN) of their arrival). */
void pathq_sent_traffic(struct pathq *q, double now);
/*
 * The sender's view, for FEC striping: the path is tx_silent when we sent
 * DATA or PARITY on it more than max(3 SRTT + 20 ms, 100 ms) + 2 FEEDBACK
 * intervals ago, no FEEDBACK about it showed progress since, and FEEDBACK
 * about the other paths did for that long (others_fb: the latest progress
 * on another path).  It catches what the receiver's down rule cannot: a
 * path dark in our direction only (the peer's datagrams still arrive on it).
 * A silent path is tried again after PATHQ_SILENT_RETRY, and is heard again
 * at its next FEEDBACK progress.  A path back up after a down period starts
 * silent (what arrives from the peer says nothing of our direction, and an
 * outage often ends one way first).  True when it just became silent.
 */
#define PATHQ_SILENT_RETRY 0.5
bool pathq_tx_check(struct pathq *q, double now, double others_fb);
/* The peer's FEEDBACK entry about what we sent on this path. */
void pathq_take_feedback(struct pathq *q, const struct wire_feedback_entry *e, double now);
/* An RTT sample from a PING/PONG round trip (s). */
void pathq_rtt(struct pathq *q, double rtt);
/*
 * The down rule at now; newest_other: the latest arrival on any other path
 * of the tunnel (0: none); others: the datagrams received on the other
 * paths so far; idle: the path timeout.  True when the path just went down.
 */
bool pathq_check(struct pathq *q, double now, double newest_other, uint64_t others, double idle);
/* How long the path may stay silent under traffic before it is down (s). */
double pathq_down_after(const struct pathq *q, double idle);
/* The sender's bound ds (s): d, or longer when the peer's FEEDBACK gap
 * leaves fewer than two FEEDBACKs inside d. */
double pathq_send_bound(const struct pathq *q, double idle);
/* One view holds but is not confirmed (pathq_check set it; an arrival
 * clears it): a probe on the other paths can corroborate it. */
bool pathq_suspect(const struct pathq *q);
/* When pathq_check could next find the path down (monotonic s; INFINITY:
 * it is not up), if nothing arrives on it meanwhile. */
double pathq_down_due(const struct pathq *q, double idle);

double pathq_loss(const struct pathq *q, enum pathq_dir dir);
/* The loss figure the FEC controller sizes its codes by: fast attack, slow
 * decay (pathmeas.h, struct pathmeas_guard); NAN while unknown. */
double pathq_loss_guard(const struct pathq *q, enum pathq_dir dir);
double pathq_burst(const struct pathq *q, enum pathq_dir dir);
double pathq_srtt(const struct pathq *q);
double pathq_rttvar(const struct pathq *q);
/* "up", "down" or NULL (never heard). */
const char *pathq_state_name(enum pathq_state s);

#endif
