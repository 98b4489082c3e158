/* client.h - mpclient: one local UDP port in, every datagram out on every path. */
#ifndef MPT_CLIENT_H
#define MPT_CLIENT_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "batch.h"
#include "config.h"
#include "params.h"
#include "seal.h"
#include "stats.h"
#include "window.h"
#include "wire.h"

#define CLIENT_RETIRED_EPOCHS 4
#define CLIENT_BATCH 64		/* datagrams read per wakeup and socket */
#define CLIENT_RECV_BATCH 32	/* datagrams per recvmmsg from applications */
#define CLIENT_SLOT (WIRE_MAX_DGRAM + 64)

struct client;

struct cpath {
	struct client *c;
	ev_io io;
	int fd;
	unsigned index;
	struct addr peer;
	char name[CONFIG_HOST_MAX + 8];	/* as configured: host:port */
	double last_rx;		/* ev_now of the last accepted datagram; 0 = never */
	double rtt;		/* last keepalive round trip, s; <0 unknown */
	bool alive;
	struct path_stats st;
	struct batch_tx tx;
};

struct cflow {
	struct addr app;	/* the application's address */
	uint32_t id;		/* 0 = slot free */
	double last;		/* last datagram either way */
};

struct client {
	struct ev_loop *loop;
	struct tunnel_params prm;
	struct addr laddr;
	int lfd;
	ev_io lio;
	ev_timer keepalive;
	ev_timer housekeeping;
	struct cpath paths[CONFIG_MAX_BRIDGES];
	unsigned npaths;
	struct cflow *flows;	/* prm.max_flows slots */
	unsigned nflows;
	uint32_t next_flow;
	unsigned last_flow;	/* index cache for the common single-flow case */
	uint64_t session;	/* our random id, also our epoch */
	uint64_t tx_seq;
	uint64_t srv_epoch;	/* mpserver instance we hear; 0 = none yet */
	uint64_t retired[CLIENT_RETIRED_EPOCHS];
	unsigned nretired;
	struct window rx;
	bool sealed;		/* a key is set: every datagram sealed */
	uint8_t psk[SEAL_PSK_LEN];
	struct seal_key tx_key;	/* (session, session, c2s) */
	struct seal_key rx_key;	/* (session, srv_epoch, s2c) */
	uint8_t cookie[WIRE_COOKIE_LEN];	/* from mpserver, echoed in PINGs */
	double last_burst;	/* last out-of-turn PING round */
	struct tunnel_counters cnt;
	struct batch inb;		/* application datagrams, encoded in place */
	struct iovec out[BATCH_MAX];
	struct batch pb;		/* from the paths, opened in place */
	struct {			/* payloads of this batch waiting to go to applications */
		struct cflow *f;
		struct iovec iov;
	} dlv[BATCH_MAX];
	unsigned ndlv;
	struct batch_tx app_tx;
	uint8_t txbuf[WIRE_MAX_DGRAM + 64];
};

/*
 * Open the local port and one socket per bridge (kept for the whole life of
 * the process: socat bridges lock onto the first source port they see).
 * Returns 0 or -errno (message logged).
 */
int client_init(struct client *c, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *bridges, const char *const *names,
		unsigned nbridges, const uint8_t *psk);
void client_start(struct client *c);
void client_stop(struct client *c);
void client_free(struct client *c);
void client_print_stats(const struct client *c, FILE *f);
void client_write_stats(struct client *c);

#endif
