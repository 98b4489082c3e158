/* server.h - mpserver: sessions from mpclients, one upstream socket per flow. */
#ifndef MPT_SERVER_H
#define MPT_SERVER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "batch.h"
#include "log.h"
#include "params.h"
#include "seal.h"
#include "stats.h"
#include "window.h"
#include "wire.h"

#define SERVER_MAX_PATHS 16	/* return addresses remembered per session */
#define SERVER_BATCH 64
#define SERVER_RECV_BATCH 32	/* datagrams per recvmmsg */
#define SERVER_SLOT (WIRE_MAX_DGRAM + 64)
#define SERVER_CLOSED_RING 256	/* keyed: closed sessions remembered with their top seq */

struct server;
struct session;

struct spath {
	struct addr addr;	/* the bridge's address as we see it */
	double last_rx;		/* 0 = slot free */
	struct path_stats st;
	struct batch_tx tx;
};

struct sflow {
	struct server *srv;
	struct session *s;	/* NULL = slot free */
	ev_io io;
	int fd;			/* connected to the target */
	uint32_t id;
	double last;
	struct batch_tx tx;
};

struct session {
	bool used;
	uint64_t id;		/* mpclient's session id (its epoch too) */
	uint64_t epoch;		/* our random instance id for this session */
	uint64_t tx_seq;
	struct window rx;
	struct seal_key rx_key;	/* (id, id, c2s) */
	struct seal_key tx_key;	/* (id, epoch, s2c) */
	struct spath paths[SERVER_MAX_PATHS];
	unsigned nflows;
	int last_flow;		/* index cache into the flow pool */
	double created, last_rx;
};

struct server {
	struct ev_loop *loop;
	struct tunnel_params prm;
	struct addr laddr, target;
	int lfd;
	ev_io lio;
	ev_timer housekeeping;
	struct session *sessions;	/* prm.max_sessions */
	unsigned nsessions;
	int last_session;
	struct sflow *flows;		/* prm.max_flows, shared by all sessions */
	unsigned nflows;
	bool sealed;
	uint8_t psk[SEAL_PSK_LEN];
	uint8_t cookie_secret[SEAL_KEY_LEN];	/* random per instance */
	uint64_t hs_epoch, hs_seq;		/* epoch and counter of COOKIE messages */
	struct ratelimit cookie_rl;
	struct ratelimit unknown_rl;	/* crypto spent on unknown sessions */
	struct { uint64_t id, top; } closed[SERVER_CLOSED_RING];
	unsigned nclosed;
	struct tunnel_counters cnt;
	struct path_stats other;	/* expired sessions' paths and unknown sources */
	struct batch inb;		/* from the paths */
	struct batch rb;		/* replies from the target, encoded in place */
	struct iovec out[BATCH_MAX];
	struct {			/* payloads of this batch waiting to go to the target */
		struct sflow *f;
		struct iovec iov;
	} fwd[BATCH_MAX];
	unsigned nfwd;
	uint8_t txbuf[WIRE_MAX_DGRAM + 64];
};

int server_init(struct server *srv, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *target, const uint8_t *psk);
void server_start(struct server *srv);
void server_stop(struct server *srv);
void server_free(struct server *srv);
void server_print_stats(const struct server *srv, FILE *f);
void server_write_stats(struct server *srv);

#endif
