/* relay.h - mpbridge's sockets and event loop (libev). */
#ifndef MPB_RELAY_H
#define MPB_RELAY_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "capture.h"
#include "impair.h"
#include "log.h"
#include "opts.h"

struct relay {
	struct ev_loop *loop;
	ev_io lsn_w, up_w;
	ev_timer q_w[DIR_N];		/* one per direction, at the head of its queue */
	double armed[DIR_N];		/* due time q_w is armed for (INFINITY: stopped) */
	ev_timer tl_w;			/* next timeline step */
	ev_signal int_w, term_w, usr1_w;

	int lsn_fd, up_fd;
	struct addr lsn_addr;		/* as bound */
	struct addr target;
	struct addr up_local;		/* upstream socket's own address */
	struct addr client;		/* latest client source */
	struct addr client_dst;		/* address the client sent to */
	bool have_client;
	uint64_t client_changes;
	bool pktinfo;

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
