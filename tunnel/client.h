/* client.h - mpclient's I/O: one local UDP port in, every datagram out on
 * every path; the decisions are client_core's. */
#ifndef MPT_CLIENT_H
#define MPT_CLIENT_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "batch.h"
#include "client_core.h"
#include "config.h"
#include "dlvq.h"
#include "pace.h"
#include "linkmon.h"
#include "params.h"
#include "pathsock.h"
#include "report.h"

#define CLIENT_BATCH 64		/* datagrams read per wakeup and socket */
#define CLIENT_RECV_BATCH 32	/* datagrams per recvmmsg */
#define CLIENT_SLOT (WIRE_MAX_DGRAM + 64)

struct client;
struct client_socks;

struct cpath {
	struct client *c;
	ev_io io;
	int fd;
	unsigned index;
	struct addr peer;
	struct path_bind bind;		/* its interface and source address, if named */
	bool ready;			/* fd bound as asked and connected (else retried) */
	double retry_at;		/* !ready: next try to open it */
	bool link_ok;			/* bound paths: interface up with an address (client_link.c) */
	int ifindex;			/* bound paths: its link's index as last seen (0 unknown) */
	int sock_ifindex;		/* dev's index when fd was opened */
	struct addr local;		/* fd's local address */
	unsigned said_mtu, said_cap;	/* the path MTU figures last given in an event */
	uint64_t said_holes;		/* black holes already said */
	char local_text[ADDR_STRLEN];
	char name[CONFIG_HOST_MAX + 8];	/* as configured: host:port, IF/host:port */
	char src[ADDR_STRLEN];		/* bind.src as text, for reports ("" none) */
	struct batch_tx tx;
	struct ratelimit rl_send;	/* "send failed" lines */
};

struct client {
	struct ev_loop *loop;
	struct client_core core;	/* protocol state */
	struct addr laddr;
	int lfd;
	ev_io lio;
	struct addr laddr2;	/* a second local address (the default: [::1] beside 127.0.0.1) */
	int lfd2;		/* -1: none */
	ev_io lio2;
	ev_timer keepalive;
	unsigned keepalives;	/* keepalive rounds so far (backups: every PATHSEL_BACKUP_PROBE_EVERY) */
	ev_timer housekeeping;
	ev_timer fec_timer;		/* the next PARITY due (--redundancy fec) */
	ev_timer pmtu_timer;		/* path MTU probes (client_core's plpmtud per path) */
	uint16_t out_paths[BATCH_MAX];	/* paths of out[i] (client_tx_data) */
	struct iovec path_out[BATCH_MAX + RED_PARITY_BATCH];	/* one path's share of out and piov */
	ev_timer measure;	/* FEEDBACK and the fast down rule, every PATHQ_TICK */
	double measure_due;	/* when measure should fire (its lateness: a stall) */
	bool measure_skipped;	/* the last tick was late and left the rule out */
	struct cpath paths[CONFIG_MAX_BRIDGES];	/* by path id (core.paths[i].used: live) */
	unsigned npaths;	/* = core.npaths: slots to scan */
	bool running;		/* client_start .. client_stop: watchers started */
	struct linkmon lm;	/* link events, when a path is bound (client_link.c) */
	bool lm_open;
	struct batch inb;		/* application datagrams, encoded in place */
	struct iovec out[BATCH_MAX];
	struct batch pb;		/* from the paths, opened in place */
	struct batch_queue dlv;		/* payloads waiting to go to applications, by flow */
	struct batch_tx app_tx;
	uint8_t txbuf[WIRE_MAX_DGRAM + 64];
	uint8_t pbuf[RED_PARITY_BATCH][RED_PARITY_DGRAM];	/* PARITY due, sent in batches */
	struct iovec piov[RED_PARITY_BATCH];
	uint8_t ppath[RED_PARITY_BATCH];	/* path of piov[i] */
	struct client_socks *socks;	/* --socks5 (client_socks.h), or NULL */
	bool buf_warned[2];		/* sockbuf_apply: path sockets, local port */
	bool pacing;			/* --pace-delivery: dq and pace in use */
	struct dlvq dq;			/* accepted payloads waiting for the pacer */
	struct pace pace;		/* delivery to the applications (lib/pace.h) */
	ev_timer pace_timer;		/* the pacer's next release */
};

/*
 * Open the local port (on listen, and on listen2 too unless it is NULL) and
 * one socket per bridge (kept for the whole life of the process: socat
 * bridges lock onto the first source port they see).
 * Returns 0 or -errno (message logged).  c must not move afterwards.
 */
int client_init(struct client *c, struct ev_loop *loop, const struct tunnel_params *prm,
		const struct addr *listen, const struct addr *listen2, const struct addr *bridges,
		const char *const *names, const struct path_bind *binds, unsigned nbridges,
		const uint8_t *psk);
/*
 * --pace-delivery: what the paths deliver waits in a bounded queue of `bytes`
 * and lib/pace releases it to the applications (after client_init, before
 * client_start): 0 or -errno.
 */
int client_pace_enable(struct client *c, size_t bytes);
/*
 * A reload: a new path to peer (bound as bind says; NULL: not bound) under
 * a fresh path id (*id), its socket watched at once.  0, -ENOSPC (every id
 * taken) or -errno (socket).  A path whose interface or source address is
 * not there (yet) is opened down and retried (pathsock.h).
 */
int client_path_open(struct client *c, const struct addr *peer, const char *name,
		     const struct path_bind *bind, unsigned *id);
/* Try again to open path i's socket now (the retry timer): 0 or -errno. */
int client_path_retry(struct client *c, unsigned i);
/* A new socket for path i (its address or interface changed; client_link.c):
 * 0, or -errno with the path not ready (retried by the timer). */
int client_path_reopen(struct client *c, unsigned i);
/* A reload: path id i goes, after what already arrived on it is read. */
void client_path_close(struct client *c, unsigned i);
/* Send out[0 .. k) (their paths in out_paths, from client_tx_data*) as the
 * local port's datagrams go: on their paths, then the PARITY due, and a
 * PING round when mpserver has been silent (client_probe_due). */
void client_send_out(struct client *c, unsigned k, double now);
void client_start(struct client *c);
void client_stop(struct client *c);
void client_free(struct client *c);
/* A snapshot of the counters and state (report.h): 0 or -ENOMEM. */
int client_report(const struct client *c, struct tunnel_report *r);

#endif
