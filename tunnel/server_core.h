/* server_core.h - mpserver's protocol state and decisions, without I/O.
 *
 * server.c owns the sockets (the tunnel port, one per flow towards the
 * target) and libev watchers and calls these: server_rx() for every
 * datagram from the tunnel port, server_tx_*() for replies from the target.
 * All state lives in struct server_core (no globals), so several instances
 * can run side by side (one per worker thread, later) and tests drive one
 * with bytes and times of their choosing.
 *
 * The core tells the daemon through hooks when a flow goes away (so it can
 * close that flow's socket, first sending what is queued for it).
 */
#ifndef MPT_SERVER_CORE_H
#define MPT_SERVER_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "cookie.h"
#include "flow.h"
#include "keyring.h"
#include "log.h"
#include "params.h"
#include "rx.h"
#include "session.h"
#include "srclimit.h"
#include "stats.h"
#include "wire.h"

/* At most one path challenge per path in this many seconds (PROTOCOL.md, Paths). */
#define SERVER_CHALLENGE_INTERVAL 0.25

struct server_hooks {
	/* flow slot f is about to be freed: send what is queued, close its socket */
	void (*flow_closed)(void *arg, uint32_t f);
	void *arg;
};

struct srvconf;

struct server_core {
	struct tunnel_params prm;
	struct keyring keys;		/* keyed: each key tagged with its client (server_access.h) */
	struct srvconf *conf;		/* clients, targets, allows, maps (server_access.c); NULL:
					 * a flow without a TARGET descriptor goes to the daemon's
					 * one target, a flow with one is refused */
	struct ratelimit target_rl;	/* log lines about refused targets */
	struct cookie_jar cookies;	/* keyed mode */
	struct ratelimit unknown_rl;	/* crypto spent on unknown sessions */
	struct ratelimit icmp_rl;	/* log lines about ICMP errors */
	struct ratelimit open_rl;	/* log lines about sessions and flows opened or evicted */
	struct session_table sessions;
	struct sflow_table flows;	/* prm.max_flows, shared by all sessions */
	struct tunnel_counters cnt;
	struct path_stats other;	/* expired sessions' paths and unknown sources */
	struct drops drops;		/* points at cnt: the struct must not move after init */
	struct server_hooks hooks;
	struct srclimit notice_rl;	/* NOTICEs: 10 a second in all, 1 per source */
	struct ratelimit peer_rl[DROP__COUNT];	/* log lines naming a misconfigured peer */
	uint8_t reply[WIRE_HDR_LEN + WIRE_PING_LEN + WIRE_TAG_LEN];	/* PONG, COOKIE or NOTICE */
	uint16_t tx_paths;	/* server_tx_data: the session path slots its datagram goes on */
	struct ratelimit state_rl;	/* log lines about paths going down and up (fast rule) */
	bool fec_kick;		/* server_core_measure queued symbols to send again: run the FEC timer */
	uint32_t *fec_at;	/* the sessions with FEC state, in no order (the FEC timer
				 * visits these, not every session); max_sessions long */
	uint32_t fec_n;
};

/* A FEEDBACK datagram (one entry, keyed at most). */
#define SERVER_FB_MAX (WIRE_HDR_LEN + WIRE_FEEDBACK_HDR + WIRE_FEEDBACK_ENTRY + WIRE_TAG_LEN)

/* Sends a FEEDBACK of session si (len bytes in d, stamped) on its path slot k. */
typedef void server_fb_send_fn(void *arg, uint32_t si, uint32_t k, const uint8_t *d, size_t len);

/* psk NULL for the clear mode; hooks may be NULL.  0 or -errno. */
int server_core_init(struct server_core *s, const struct tunnel_params *prm, const uint8_t *psk,
		     const struct server_hooks *hooks);
void server_core_free(struct server_core *s);

/*
 * One datagram from `from` (len: its real size; opened in place when
 * sealed).  Drops are counted here.  RX_DELIVER: r->payload goes to the
 * target on flow slot r->flow (r->flow_new: open its socket first, or call
 * server_flow_failed).  r->reply: PONG to r->path of r->session, COOKIE to
 * `from`, r->reply_buf/reply_len.
 */
enum rx_verdict server_rx(struct server_core *s, const struct addr *from, uint8_t *buf,
			  size_t len, double now, struct rx_result *r);
/*
 * What the client asks for the server -> client direction (its PINGs),
 * applied to session i within --fec-max (server_build_pong reports it).
 * 0 or -errno (then broadcast).
 */
int server_session_redundancy(struct server_core *s, uint32_t i, const struct redundancy *want,
			      double now);
/* The daemon could not open a socket for a new flow (err: errno): drop and count. */
void server_flow_failed(struct server_core *s, uint32_t f, int err);

/*
 * A reply of len bytes from the target on flow f, sitting at slot +
 * WIRE_HDR_LEN, becomes a tunnel datagram in place.  Its size, or 0 (counted).
 * s->tx_paths: the session's path slots it goes on (bit k: slot k): those
 * of server_tx_paths in broadcast, one (coded) or a few (copies) with FEC.
 */
size_t server_tx_data(struct server_core *s, uint32_t f, uint8_t *slot, size_t slotlen,
		      size_t len, double now);
/*
 * With FEC towards this session's client: the next PARITY due at now, built
 * into out for its path slot *slot (to be stamped by server_tx_stamp as it
 * goes out); its size, or 0 when none.
 */
size_t server_tx_parity(struct server_core *s, uint32_t i, double now, uint8_t *out,
			size_t outlen, uint32_t *slot);
/* When server_tx_parity next has work for session i, s (<0: nothing pending). */
double server_fec_deadline(struct server_core *s, uint32_t i);
/*
 * The paths of session i to send on now: of those heard within the path
 * timeout (a backup's longer bound), the ones pathsel_pick chooses (not
 * down, backups only when needed); every known one if none was heard.
 * Fills out (SESSION_MAX_PATHS), returns the count.
 */
unsigned server_tx_paths(struct server_core *s, uint32_t i, double now, uint32_t *out);
/* How long path p may stay silent before it is down without traffic. */
double server_path_idle(const struct server_core *s, const struct spath *p);
/* The datagrams went nowhere (no path). */
void server_tx_nopath(struct server_core *s, unsigned n);

void server_flow_close(struct server_core *s, uint32_t f);
void server_session_close(struct server_core *s, uint32_t i, const char *why);
/*
 * An ICMP port unreachable came back for what we sent to a.  ICMP is not
 * authenticated (anyone can forge one quoting our port), so it is a hint
 * only: counted and logged at a bounded rate, never a reason to drop a path
 * (a dead path goes down when it falls silent).
 */
void server_icmp_hint(struct server_core *s, const struct addr *a, double now);
/* The PONG answering ping (ping_size: the PING's size as received) on path p
 * of session ss, into s->reply (for server_rx.c). */
size_t server_build_pong(struct server_core *s, struct session *ss, struct spath *p,
			 const struct wire_ping *ping, size_t ping_size, double now);
/* The NOTICE code 6 (target not allowed) for flow id `flow` of session
 * ss, sealed as a message of the session, on path p, into s->reply. */
size_t server_build_target_notice(struct server_core *s, struct session *ss, struct spath *p,
				  uint32_t flow, double now);
/* A PING carrying path p's pending challenge (p->chal_token), into s->reply
 * (for server_rx.c). */
size_t server_build_challenge(struct server_core *s, struct session *ss, struct spath *p,
			      double now);
/* One path's copy (path slot k of session i) of a datagram from server_tx_data:
 * its path id, path seq and stamp (and CRC in the clear). */
void server_tx_stamp(struct server_core *s, uint32_t i, uint32_t k, uint8_t *dgram, size_t len,
		     double now);
/*
 * Every PATHQ_TICK: for each session heard within the last second,
 * the fast down rule on its paths (judge false: left out, this process
 * stalled), and on each path a FEEDBACK with that path's entry when due
 * (pathq_feedback_due), handed to send.
 */
void server_core_measure(struct server_core *s, double now, bool judge, server_fb_send_fn *send,
			 void *arg);
/* Timers: idle flows closed, idle sessions closed. */
void server_core_tick(struct server_core *s, double now);

#endif
