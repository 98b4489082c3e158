/* flow.h - the flow tables of both ends, O(1) per datagram.
 *
 * mpclient: one flow per application source address, numbered from 1;
 * looked up by address (datagrams from applications) and by id (datagrams
 * from the paths).
 *
 * mpserver: one flow per (session slot, flow id), shared by all sessions
 * (each flow holds a socket the daemon opened).
 *
 * Both: a flow is *answered* once something came back for it (a reply from
 * the target).  When the table is full, a new flow takes the place of the
 * least recently used flow that was never answered (what a flood of made-up
 * sources or flow ids leaves behind; a live conversation is answered), else
 * of the least recently used flow if it has been idle for the idle timeout,
 * else it is refused.  So a stranger filling the table cannot lock out new
 * applications, and cannot push out flows that are talking both ways.
 *
 * Slots are numbered 0 .. max-1; RX_NONE is "no flow".  No allocation after
 * init.  Hash keys are random per table (see lib/hashtab.h).
 */
#ifndef MPT_FLOW_H
#define MPT_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "hashtab.h"
#include "lru.h"
#include "target.h"

struct cflow {
	struct addr app;	/* the application's address */
	uint32_t id;		/* 0 = slot free */
	double last;		/* last datagram either way */
	bool answered;		/* mpserver sent something back for it */
	struct target named;	/* the target its DATA names (kind 0: none, mpserver's default) */
	uint32_t assoc;		/* SOCKS5 association it belongs to (0: none, the local port) */
	uint32_t salt;		/* its by_addr hash salt (0 without an association) */
};

struct cflow_table {
	struct cflow *f;
	uint32_t max, n;
	uint32_t next_id;
	uint32_t last;		/* slot of the last hit (the single-flow case skips hashing) */
	uint32_t *free;		/* stack of free slots */
	uint32_t nfree;
	struct hashtab by_addr, by_id;
	struct lru lru;		/* by last use */
	struct lru unanswered;	/* the flows not answered yet, by last use */
};

int cflow_table_init(struct cflow_table *t, uint32_t max);
void cflow_table_free(struct cflow_table *t);
uint32_t cflow_by_addr(struct cflow_table *t, const struct addr *a);
/*
 * A SOCKS5 flow: (application address, association, target), O(1); assoc
 * 0 is cflow_by_addr().  Flows of the local port are found by address alone.
 */
uint32_t cflow_find(struct cflow_table *t, const struct addr *a, uint32_t assoc,
		    const struct target *named);
/* cflow_add() for a SOCKS5 flow of association assoc (!= 0) to named. */
uint32_t cflow_add_assoc(struct cflow_table *t, const struct addr *a, uint32_t assoc,
			 const struct target *named, double now, double idle_timeout,
			 uint32_t *evicted);
uint32_t cflow_by_id(struct cflow_table *t, uint32_t id);
/* A new flow for a, or RX_NONE: full, no flow unanswered and the oldest not
 * idle for idle_timeout.  *evicted: the id of the flow it replaced, or 0. */
uint32_t cflow_add(struct cflow_table *t, const struct addr *a, double now, double idle_timeout,
		   uint32_t *evicted);
void cflow_touch(struct cflow_table *t, uint32_t i, double now);
/* Something came back for flow i. */
void cflow_answered(struct cflow_table *t, uint32_t i);
void cflow_remove(struct cflow_table *t, uint32_t i);
/* The least recently used flow, or RX_NONE. */
uint32_t cflow_oldest(const struct cflow_table *t);

struct sflow {
	uint32_t session;	/* session slot; RX_NONE = slot free */
	uint32_t id;
	double last;
	bool answered;		/* the target replied on it */
	struct addr to;		/* where it goes (AF_UNSPEC: the daemon's one target) */
	struct target named;	/* the target its DATA names (kind 0: none, the default) */
};

struct sflow_table {
	struct sflow *f;
	uint32_t max, n;
	uint32_t *free;		/* stack of free slots */
	uint32_t nfree;
	struct hashtab by_key;	/* (session slot, id) */
	struct lru lru;		/* by last use */
	struct lru unanswered;	/* the flows the target has not replied on, by last use */
};

int sflow_table_init(struct sflow_table *t, uint32_t max);
void sflow_table_free(struct sflow_table *t);
uint32_t sflow_find(const struct sflow_table *t, uint32_t session, uint32_t id);
/* RX_NONE when full (see sflow_victim). */
uint32_t sflow_add(struct sflow_table *t, uint32_t session, uint32_t id, double now);
void sflow_remove(struct sflow_table *t, uint32_t i);
void sflow_touch(struct sflow_table *t, uint32_t i, double now);
/* The target replied on flow i. */
void sflow_answered(struct sflow_table *t, uint32_t i);
/* When full: the flow a new one may replace (least recently used unanswered,
 * else least recently used if idle for idle_timeout), or RX_NONE. */
uint32_t sflow_victim(const struct sflow_table *t, double now, double idle_timeout);

#endif
