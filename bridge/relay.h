/* relay.h - mpbridge's sockets and event loop (libev). */
#ifndef MPT_BRIDGE_RELAY_H
#define MPT_BRIDGE_RELAY_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "batch.h"
#include "capture.h"
#include "impair.h"
#include "log.h"
#include "opts.h"
#include "peer.h"

#define RELAY_BATCH 64		/* datagrams read per readiness event (<= BATCH_MAX) */
#define RELAY_BUF 65536		/* receive slot: any UDP datagram */
#define RELAY_OUT 64		/* datagrams held back for one send batch */
#define RELAY_STAGE (256 << 10)	/* bytes of copies held back */

struct relay {
	struct ev_loop *loop;
	ev_io lsn_w, up_w;
	ev_timer q_w[DIR_N];		/* one per direction, at the head of its queue */
	double armed[DIR_N];		/* due time q_w is armed for (INFINITY: stopped) */
	ev_timer tl_w;			/* next timeline step */
	ev_signal int_w, term_w, usr1_w, usr2_w;

	int lsn_fd, up_fd;
	struct addr lsn_addr;		/* as bound */
	struct addr target;
	struct addr up_local;		/* upstream socket's own address */
	struct addr client;		/* latest client source */
	struct addr client_dst;		/* address the client sent to */
	bool have_client;
	uint64_t client_changes;
	struct peer peer;		/* the learning rule (peer.h) */
	bool pktinfo;

	/* batched I/O: a wakeup's datagrams are read into rx, run through the
	 * pipeline one by one, and what goes out at once is held in out[]
	 * (all one direction) until tx_flush at the end of the callback */
	struct batch rx;
	struct in_addr rx_dst[RELAY_BATCH];	/* IP_PKTINFO per slot (captures) */
	bool rx_dst_ok[RELAY_BATCH];
	struct batch_tx tx[DIR_N];
	struct iovec out[RELAY_OUT];
	unsigned nout;
	int out_dir;
	size_t stage_used;
	bool in_timer;			/* queue timer releasing: slots stay put */

	const struct bridge_opts *o;
	uint64_t seed;
	struct impair_dir dir[DIR_N];
	size_t tl_next;
	double mono0, wall0;

	struct capture cap;
	bool capturing;
	FILE *declog;
	struct ratelimit rl;		/* error lines */
	struct ratelimit rl_client;	/* "client is now" lines */
	int exit_code;
	bool started;		/* init got as far as the loop */
};

/* Open sockets, files and watchers.  Returns 0 or -errno (message logged). */
int relay_init(struct relay *r, const struct bridge_opts *o, uint64_t seed);
/* Run until SIGINT/SIGTERM; returns the exit code. */
int relay_run(struct relay *r);
/* Flush held packets, write stats, print counters, close everything. */
void relay_close(struct relay *r);
void relay_print_counters(struct relay *r);
int relay_write_stats(struct relay *r, const char *path);
/* seconds since start */
double relay_now(const struct relay *r);

#endif
