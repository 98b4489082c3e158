/* server.h - mpserver's I/O: the tunnel port, one socket per flow towards
 * the target; the decisions are server_core's. */
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
#include "report.h"
#include "server_core.h"

#define SERVER_MAX_PATHS SESSION_MAX_PATHS
#define SERVER_BATCH 64
#define SERVER_RECV_BATCH 32	/* datagrams per recvmmsg */
#define SERVER_SLOT (WIRE_MAX_DGRAM + 64)
#define SERVER_MAX_LISTEN 8	/* listen addresses (tunnel ports) of one server */

struct server;

/* The socket of flow slot i of the core's flow table. */
struct sflow_io {
	struct server *srv;
	uint32_t slot;
	ev_io io;
	int fd;			/* connected to the target; -1 = none */
	struct batch_tx tx;
};

struct server {
	struct ev_loop *loop;
	struct server_core core;	/* protocol state */
	struct addr laddr, target;	/* laddr: the first listen address */
	int lfd[SERVER_MAX_LISTEN];	/* the tunnel ports; a path's replies leave by the one
					 * its datagrams came in on (struct addr's via) */
	ev_io lio[SERVER_MAX_LISTEN];
	unsigned nlisten;
	ev_timer housekeeping;
	ev_timer fec_timer;		/* the next PARITY due, any session */
	double fec_due;			/* when fec_timer fires (<0: stopped) */
	uint16_t out_paths[BATCH_MAX];	/* path slots of out[i] (server_tx_data) */
	struct iovec path_out[BATCH_MAX + RED_PARITY_BATCH];	/* one path's share of out and piov */
	uint8_t pbuf[RED_PARITY_BATCH][RED_PARITY_DGRAM];	/* PARITY due, sent in batches */
	struct iovec piov[RED_PARITY_BATCH];
	uint8_t ppath[RED_PARITY_BATCH];	/* path slot of piov[i] */
	ev_timer measure;	/* FEEDBACK and the fast down rule, every PATHQ_TICK */
	double measure_due;	/* when measure should fire (its lateness: a stall) */
	bool measure_skipped;	/* the last tick was late and left the rule out */
	struct sflow_io *fio;		/* core.flows.max */
	struct batch inb;		/* from the paths */
	struct batch rb;		/* replies from the target, encoded in place */
	struct iovec out[BATCH_MAX];
	struct batch_queue fwd;		/* payloads waiting to go to the target, by flow */
	bool buf_warned[2];		/* sockbuf_apply: target sockets, tunnel port */
	unsigned worker, nworkers;	/* this one's index of nworkers (workers.h) */
	uint64_t misrouted;		/* datagrams of another worker's sessions */
};

/* c must not move after init.  0 or -errno (message logged). */
int server_init(struct server *srv, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *target, const uint8_t *psk);
/* One of nworkers (workers.h): with nworkers > 1 the tunnel port is the
 * worker-th member of an SO_REUSEPORT group (lib/steer.c). */
int server_init_worker(struct server *srv, struct ev_loop *loop, const struct tunnel_params *prm,
		       const struct addr *listen, const struct addr *target, const uint8_t *psk,
		       unsigned worker, unsigned nworkers);
/* One more listen address (one worker only; before server_start): 0 or -errno
 * (message logged). */
int server_listen_more(struct server *srv, const struct tunnel_params *prm,
		       const struct addr *listen);
void server_start(struct server *srv);
void server_stop(struct server *srv);
void server_free(struct server *srv);
/* A snapshot of the counters and state (report.h): 0 or -ENOMEM. */
int server_report(const struct server *srv, struct tunnel_report *r);

#endif
