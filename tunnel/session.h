/* session.h - mpserver's session table: one session per mpclient instance,
 * found by id, with its paths: a path is (session, path id), slot k of a
 * session is mpclient's path id k, with one return address (also found by
 * (session, address)).  O(1) per datagram; no allocation after init.
 *
 * Slots are numbered 0 .. max-1 (RX_NONE: none).  The table keeps the
 * sessions in order of last_rx, so the one to evict or expire is found at
 * once.  Closing a session is the server core's job (it owns the flows);
 * here are the table's mechanics.
 */
#ifndef MPT_SESSION_H
#define MPT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "batch.h"
#include "hashtab.h"
#include "jump.h"
#include "lru.h"
#include "pathq.h"
#include "seal.h"
#include "stats.h"
#include "window.h"
#include "redundancy.h"

#define SESSION_MAX_PATHS 16	/* paths per session: path ids 0..15 (WIRE_MAX_PATHS) */
#define SESSION_CLOSED_RING 256	/* keyed: closed sessions remembered with their top seq */

/*
 * A path's return address changes only through a challenge (PROTOCOL.md,
 * Paths): a datagram of the path from another address gets a PING with a
 * random token sent to that address (chal_addr); a PONG echoing the token
 * from that address within the path timeout moves the path there.
 */
struct spath {
	struct addr addr;	/* the return address: replies go only here */
	struct addr local;	/* where its datagrams came to, on a wildcard socket
				 * (replies leave from there; len 0: unknown) */
	bool used;
	double last_rx;		/* last datagram accepted on this path (any address) */
	double learnt;		/* when its address was learnt by first contact; <0: it was
				 * confirmed by a challenge since (server_rx.c, dup_elsewhere) */
	uint8_t id;		/* mpclient's path id = this slot's index */
	uint32_t tx_pseq;	/* path seq of the last datagram sent on it */
	bool chal_pending;	/* a challenge to chal_addr waits for its PONG */
	struct addr chal_addr;	/* the new address being challenged */
	uint8_t chal_token[WIRE_TOKEN_LEN];
	double chal_sent;	/* when the pending challenge went out; <0 never */
	struct pathq q;		/* RTT, loss, burst both ways, up/down (pathq.h) */
	bool backup;		/* mpclient's PINGs mark it a backup path (pathsel.h) */
	struct path_stats st;
	struct batch_tx tx;
};

/* Keyed: the pre-shared key a session is served under (the one its latest
 * authenticated datagram named: replies are sealed with it), and the one
 * before it, whose late datagrams still open (rotation; server_keys.c). */
struct session_key {
	uint32_t id;		/* key id of rx_key and tx_key */
	uint8_t suite;
	uint64_t since;		/* seq of the datagram that named it */
	uint32_t prev_id;	/* the key before; 0: none */
	struct seal_key prev_rx;	/* (id, id, c2s) under prev_id */
};

struct session {
	bool used;
	uint64_t id;		/* mpclient's session id (its epoch too) */
	uint64_t epoch;		/* our random instance id for this session */
	uint64_t tx_seq;
	struct window rx;
	struct jump_guard jump;	/* a far jump of seq waiting for its confirmation */
	struct seal_key rx_key;	/* (id, id, c2s) */
	struct seal_key tx_key;	/* (id, epoch, s2c) */
	struct session_key key;	/* keyed: which pre-shared key (server_keys.c) */
	uint32_t client;	/* the client whose key opened it: its key's tag (index + 1
				 * in the config's clients; 0: a key of the global part,
				 * or unkeyed); only that client's keys open its datagrams */
	struct spath paths[SESSION_MAX_PATHS];
	unsigned nflows;
	bool proven;		/* heard on two addresses, or the target replied to it */
	uint32_t last_flow;	/* flow slot of the last datagram (skips hashing) */
	uint32_t last_path;	/* path of the last datagram (runs from one bridge skip hashing) */
	struct session_fec *fec;	/* FEC both ways (redundancy.h); NULL until first used */
	struct redundancy red;	/* what we apply to what we send (the client's request) */
	double created, last_rx;
};

struct session_table {
	struct session *s;
	uint32_t max, n;
	uint32_t last;		/* slot of the last hit */
	uint32_t *free;		/* stack of free slots */
	uint32_t nfree;
	struct hashtab by_id;
	struct hashtab by_addr;	/* slot * SESSION_MAX_PATHS + path, by (slot, path address) */
	struct lru lru;		/* by last_rx */
	struct lru unproven;	/* the sessions not proven yet, by last_rx */
	struct { uint64_t id, top; } closed[SESSION_CLOSED_RING];
	unsigned nclosed;
};

int session_table_init(struct session_table *t, uint32_t max, uint32_t window);
void session_table_free(struct session_table *t);
uint32_t session_find(struct session_table *t, uint64_t id);
/* A free slot set up for id (new random epoch, empty window), or RX_NONE when full. */
uint32_t session_alloc(struct session_table *t, uint64_t id, double now);
/* Forget slot i (its paths too); remember its top seq when keyed. */
void session_release(struct session_table *t, uint32_t i, bool remember);
/* Datagram accepted at now. */
void session_touch(struct session_table *t, uint32_t i, double now);
/* The session heard from least recently, or RX_NONE. */
uint32_t session_oldest(const struct session_table *t);
/*
 * Session i shows signs of a real mpclient: it was heard on a second
 * address (path), or the target replied to it.  A full table makes room for
 * a new session first from the unproven ones (what a flood of made-up
 * session ids leaves behind).
 */
void session_proven(struct session_table *t, uint32_t i);
/* The unproven session heard from least recently, or RX_NONE. */
uint32_t session_oldest_unproven(const struct session_table *t);
static inline struct session *session_at(struct session_table *t, uint32_t i)
{
	return &t->s[i];
}
/* Highest seq seen of a closed session with this id (0: none). */
uint64_t session_closed_top(const struct session_table *t, uint64_t id);

/* A path of session i with this return address, or RX_NONE. */
uint32_t session_path_find(struct session_table *t, uint32_t i, const struct addr *from);
/* Path id k (< SESSION_MAX_PATHS) of session i, created now with return
 * address `from` if unused (*is_new); an existing path keeps its address. */
uint32_t session_path_learn(struct session_table *t, uint32_t i, uint32_t k,
			    const struct addr *from, double now, bool *is_new);
/* Path k of session i answers at `to` from now on (a confirmed challenge). */
void session_path_move(struct session_table *t, uint32_t i, uint32_t k, const struct addr *to);
/* Forget path k of session i. */
void session_path_forget(struct session_table *t, uint32_t i, uint32_t k);

#endif
