/* client_core.h - mpclient's protocol state and decisions, without I/O.
 *
 * client.c owns the sockets and libev watchers and calls these: client_rx()
 * for every datagram from a path (the verdict says what to do), and the
 * client_tx_*() builders for what goes out.  Every field of the client's
 * protocol state lives in struct client_core; nothing here touches a socket,
 * so the unit tests (tests/unit/test_client_rx.c) and the fuzzer
 * (fuzz/fuzz_rx.c) drive it with bytes and times of their choosing.
 */
#ifndef MPT_CLIENT_CORE_H
#define MPT_CLIENT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "flow.h"
#include "jump.h"
#include "keyring.h"
#include "params.h"
#include "path.h"
#include "pathq.h"
#include "plpmtud.h"
#include "rx.h"
#include "seal.h"
#include "stats.h"
#include "window.h"
#include "wire.h"

#define CLIENT_MAX_PATHS 16		/* = CONFIG_MAX_BRIDGES */
#define CLIENT_RETIRED_EPOCHS 4
#define CLIENT_BURST_INTERVAL 0.1	/* s between out-of-turn PING rounds */
#define CLIENT_DOWN_PROBE 0.1		/* s: a down path's second PING after its first */
#define CLIENT_SUSPECT_PROBE 0.02	/* s between PING rounds checking a suspicion */
#define CLIENT_PMTU_BASE 1200		/* path MTU search: the size confirmed first */
#define CLIENT_PMTU_CONFIRM 1.0		/* s between black-hole checks while busy */

struct cpath_state {
	bool used;		/* a live path (a reload adds and removes paths) */
	unsigned index;		/* = its slot, and the path id it carries on the wire */
	const char *name;	/* for log lines (the daemon's; "" by default) */
	struct path_live live;
	double rtt;		/* last keepalive round trip, s; <0 unknown */
	uint32_t tx_pseq;	/* path seq of the last datagram sent on this path */
	bool link_down;		/* its interface or source address is gone (link events),
				 * or its socket is not set up: nothing is sent on it */
	struct pathq q;		/* RTT, loss, burst both ways, up/down (pathq.h) */
	struct plpmtud pmtu;	/* its path MTU search (lib/plpmtud): what it carries */
	double big_at;		/* when a datagram larger than CLIENT_PMTU_BASE last left on it */
	bool backup;		/* a backup path (pathsel.h): probes only while the primaries do */
	bool probe;		/* a PING is due at once (its link came back: client.c measure_cb) */
	bool role_said;		/* a PONG came since its role was set: mpserver knows it */
	double probe_at;	/* down by the down rule: its next PING (0: none) */
	double probe_gap;	/* ... and the one after, doubling up to the keepalive */
	struct path_stats st;
};

struct client_core {
	struct tunnel_params prm;
	struct keyring keys;
	uint64_t session;	/* our random id, also our epoch */
	uint64_t tx_seq;
	uint64_t srv_epoch;	/* mpserver instance we hear; 0 = none yet */
	uint16_t server_id;	/* its server id, copied into what we send (0: none yet) */
	struct jump_guard jump;	/* a far jump of seq waiting for its confirmation */
	struct ratelimit notice_rl;	/* log lines about NOTICEs */
	struct ratelimit peer_rl[DROP__COUNT];	/* log lines naming a path's bad datagrams */
	uint64_t retired[CLIENT_RETIRED_EPOCHS];
	unsigned nretired;
	struct window rx;
	struct seal_key tx_key;	/* (session, session, c2s) */
	struct seal_key rx_key;	/* (session, srv_epoch, s2c) */
	uint32_t old_key_id;	/* after a key change: replies still open under it; 0 none */
	double old_until;	/* ... until then (--key-grace) */
	struct seal_key old_rx_key;	/* (session, srv_epoch, s2c) under the old key */
	uint8_t cookie[WIRE_COOKIE_LEN];	/* from mpserver, echoed in PINGs */
	double last_burst;	/* last out-of-turn PING round; <0 never */
	double suspect_probe;	/* last PING round for a path under suspicion; <0 never */
	bool suspect_new;	/* a suspicion no primary corroborates (client_measure_tick) */
	double unanswered;	/* keyed: first DATA sent since we last heard mpserver; <0 none */
	unsigned probe_streak;	/* probes answered without DATA since (backoff) */
	double last_probe;	/* last probe round; <0 never (its own pace: a COOKIE
				 * answering it must still get its PING round at once) */
	struct ratelimit open_rl;	/* log lines about new flows (anyone may open many) */
	struct ratelimit mtu_rl;	/* log lines about datagrams too big for every path */
	struct cpath_state paths[CLIENT_MAX_PATHS];	/* by path id; used ones are live */
	unsigned npaths;	/* slots to scan: 1 + the highest path id in use */
	uint32_t ids_used;	/* path ids ever used (a new path prefers a fresh one) */
	struct cflow_table flows;
	struct fec_send fec_tx;	/* what we send: prm.red */
	struct fec_recv fec_rx;	/* what mpserver sends with FEC (set up at its first symbol) */
	struct redundancy srv_red;	/* what mpserver applies (its last PONG) */
	struct redundancy ask_red;	/* what our PINGs ask for server -> client (auto: chosen) */
	double auto_tx_at, auto_rx_at;	/* auto: when each direction's code last changed */
	/* auto: datagrams per second each way (from_app, delivered; 0: not measured yet), the
	 * counts and the time they were last taken (client_auto.c) */
	double auto_rate_tx, auto_rate_rx, auto_rate_at;
	uint64_t auto_from_app, auto_delivered;
	uint16_t tx_paths;	/* client_tx_data: the paths its datagram goes on (bit i: path i) */
	struct tunnel_counters cnt;
	struct drops drops;	/* points at cnt: the struct must not move after init */
	uint8_t reply[WIRE_HDR_LEN + WIRE_PING_LEN + WIRE_TAG_LEN];	/* a challenge's PONG */
	struct ratelimit state_rl;	/* log lines about paths going down and up (fast rule) */
};

/*
 * npaths paths (1 .. CLIENT_MAX_PATHS), psk NULL for the clear mode,
 * session 0 for a random one (tests give their own).  0 or -errno.
 */
int client_core_init(struct client_core *c, const struct tunnel_params *prm, unsigned npaths,
		     const uint8_t *psk, uint64_t session);
void client_core_free(struct client_core *c);

/*
 * One datagram received on path `path` (len: its real size; buf is opened
 * in place when sealed).  Drops are counted here.  RX_DELIVER: r->payload
 * goes to the application of flow slot r->flow (c->flows.f[r->flow].app).
 */
enum rx_verdict client_rx(struct client_core *c, unsigned path, uint8_t *buf, size_t len,
			  double now, struct rx_result *r);

/*
 * An application datagram of len bytes from src, sitting at slot +
 * WIRE_HDR_LEN, becomes a tunnel datagram in place (slot has slotlen
 * bytes).  Returns its size, or 0 when dropped (counted).  c->tx_paths
 * says which paths it goes on: every path in broadcast; with FEC one path
 * (a coded symbol) or a few (copies).
 */
size_t client_tx_data(struct client_core *c, uint8_t *slot, size_t slotlen,
		      const struct addr *src, size_t len, double now);
/*
 * mpclient --socks5: an application datagram from src in SOCKS5
 * association assoc (!= 0) for target t: its len bytes sit at dg +
 * WIRE_HDR_LEN + target_desc_len(t), room bytes from dg.  Its flow is
 * (src, assoc, t); it becomes a tunnel datagram starting at dg, the
 * target descriptor in front of the bytes.  Its size, or 0 (counted).
 */
size_t client_tx_data_to(struct client_core *c, uint8_t *dg, size_t room, const struct addr *src,
			 uint32_t assoc, const struct target *t, size_t len, double now);
/* SOCKS5 association assoc ended: its flows are forgotten. */
void client_core_assoc_close(struct client_core *c, uint32_t assoc);
/*
 * With FEC (--redundancy fec:K:M) the next PARITY due at now, built into out
 * for its path *path (to be stamped by client_tx_stamp as it goes out); its
 * size, or 0 when none is due.
 */
size_t client_tx_parity(struct client_core *c, double now, uint8_t *out, size_t outlen,
			unsigned *path);
/* When client_tx_parity next has work, s (<0: nothing pending). */
double client_fec_deadline(const struct client_core *c);
/* One path's copy of a datagram from client_tx_data: its path id, path seq
 * and stamp (and CRC in the clear). */
void client_tx_stamp(struct client_core *c, unsigned path, uint8_t *dgram, size_t len,
		     double now);
/* What a DATA datagram adds to its payload: header and trailer (and the FEC
 * extension when fec). */
size_t client_overhead(const struct client_core *c, bool fec);
/* The paths of `paths` that carry a tunnel datagram of size bytes (their
 * path MTU search found no smaller limit). */
uint16_t client_paths_fit(const struct client_core *c, uint16_t paths, size_t size);
/* A PING for path padded to size bytes (a path MTU probe) into out; its
 * size or 0. */
size_t client_tx_probe(struct client_core *c, unsigned path, uint16_t size, double now,
		       uint8_t *out, size_t outlen);
/* A PING for path into out; its size or 0. */
size_t client_tx_ping(struct client_core *c, unsigned path, double now, uint8_t *out,
		      size_t outlen);
/* The PONG answering mpserver's challenge ping (ping_size: the PING's size
 * as received) on path, into c->reply; its size or 0 (for client_rx.c). */
size_t client_build_pong(struct client_core *c, unsigned path, const struct wire_ping *ping,
			 size_t ping_size, double now);
/* An out-of-turn PING round is due now (at most every CLIENT_BURST_INTERVAL). */
bool client_burst_due(struct client_core *c, double now);
/*
 * Keyed: mpserver has been silent for max(3 RTT + 20 ms, 20 ms) while we
 * sent DATA, so it may have restarted and forgotten us (it answers only a
 * PING of an unknown session, with a COOKIE): a PING round is due now.  The
 * wait doubles while probes are answered but no DATA comes back (one-way
 * traffic), up to the keepalive interval.
 */
bool client_probe_due(struct client_core *c, double now);
/*
 * A new pre-shared key (a reload, client_keys.c): sealed with at once; the
 * key before still opens mpserver's replies for grace seconds (until
 * client_core_tick forgets it).  0 (the same key: nothing changes), or
 * -errno with nothing changed.
 */
int client_core_rekey(struct client_core *c, const struct seal_psk *psk, double now,
		      double grace);
/* The key a datagram names opens with (the current or, in its grace period,
 * the old one): the receive key of the epoch we hear, or NULL. */
const struct seal_key *client_key_rx(struct client_core *c, const struct seal_psk *kp);
/* Adopting epoch under kp (candidate: its receive key under kp, moved):
 * the receive keys of the current and the old key for that epoch. */
void client_key_adopt(struct client_core *c, uint64_t epoch, const struct seal_psk *kp,
		      struct seal_key *candidate);
/* The old key's grace period is over at now: forget it. */
void client_key_expire(struct client_core *c, double now);

/*
 * A reload adds a path: a free path id, preferably one never used in this
 * session (mpserver keeps return addresses by (session, path id)), its
 * state fresh.  Returns the id, or CLIENT_MAX_PATHS when all are taken.
 */
unsigned client_core_path_add(struct client_core *c, const char *name);
/* Path id i goes away (its counters are lost: report them first). */
void client_core_path_remove(struct client_core *c, unsigned i);

/*
 * Path i's link (its interface and source address, lib/linkmon) went down
 * (up = false: nothing more is sent on it, and its pathq state is down at
 * once) or came back (its path MTU searched again; its pathq state up at
 * its next datagram); why says what happened, for the event.  True when
 * that changed the path's state.
 */
bool client_core_path_link(struct client_core *c, unsigned i, bool up, const char *why);
/* Path i is a backup path (or not): probes only while the primaries do
 * (pathsel.h); its PINGs say so to mpserver.  Logs event path_role on a change. */
void client_core_path_role(struct client_core *c, unsigned i, bool backup);
/* The paths a datagram may go on now (bit i: path i): in use, link up. */
uint16_t client_core_sendable(const struct client_core *c);
/* The paths traffic goes on now (pathsel.h): sendable, not down by the down
 * rule, backups only when needed; every sendable one when none is up. */
uint16_t client_core_txpaths(const struct client_core *c);
/* The silence after which path p is down even without traffic: the path
 * timeout, longer for a backup path probed less often (pathsel_idle). */
double client_path_idle(const struct client_core *c, const struct cpath_state *p);

/*
 * Path's FEEDBACK (its own entry), when due (pathq_feedback_due): built into
 * out with its per-path fields, its size returned; else 0.
 */
size_t client_tx_feedback(struct client_core *c, unsigned path, double now, uint8_t *out,
			  size_t outlen);
/* The fast down rule (pathq.h) for every path (judge false: left out, this
 * process stalled), then auto's controller; call every few ms.  True when
 * auto changed what we ask of mpserver (send a PING round now rather than at
 * the next keepalive). */
bool client_measure_tick(struct client_core *c, double now, bool judge);
/* A path is under suspicion (one view of the down rule, unconfirmed) and no
 * primary path is up, unsuspected and heard within the last FEEDBACK gap
 * to corroborate it with its own traffic: true (at most every
 * CLIENT_SUSPECT_PROBE, while that lasts) when a PING on every
 * path, backups too, is due: a PONG on another path while this one stays
 * silent confirms it (the peer is alive); none means a stall of the peer
 * or of us, which the rule then waits out (twice its bound). */
bool client_suspect_probe_due(struct client_core *c, double now);
/* When the down rule could next find a path down (INFINITY: none up). */
double client_down_due(const struct client_core *c);
/* A PING is due on path i now: it was added or its link came back, or it is
 * down by the down rule (PINGs at CLIENT_DOWN_PROBE after it went down,
 * then twice as far apart each time up to the keepalive). */
bool client_down_probe_due(struct client_core *c, unsigned i, double now);
/* Timers: paths silent for the path timeout go down, idle flows are forgotten. */
void client_core_tick(struct client_core *c, double now);
/* --redundancy auto: choose each direction's code from the paths' measured
 * loss and burst (client_auto.c); called at every measurement tick (25 ms).
 * True when the code asked of mpserver changed: send a PING round now. */
bool client_auto_tick(struct client_core *c, double now);

#endif
