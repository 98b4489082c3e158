/* workers.h - mpserver's per-core workers (--workers N, issue 15).
 *
 * N workers, each a thread with its own libev loop and its own whole
 * mpserver (struct server: protocol core, session and flow tables, keys,
 * cookie secret, sockets towards the target, buffers).  Their tunnel ports
 * are one SO_REUSEPORT group on the listen address; lib/steer's classic BPF
 * program makes the kernel hand each datagram to the worker its session id
 * names, so every path of a session reaches one worker and a session's
 * state is only ever touched by one thread: nothing on the data path is
 * shared, nothing is locked.
 *
 * The main thread keeps what is rare: signals, the control socket, metrics,
 * reload.  It talks to the workers by running a function on each worker's
 * own thread and waiting for all of them (workers_call: a mutex, a
 * condition and one ev_async per worker); a report is the workers' reports
 * merged (sessions side by side, counters summed, one line per worker); a
 * reload gives each worker its own copy of the new key set.  Events (path
 * up, session opened, ...) from a worker go through a bounded queue to the
 * main thread, which hands them to mpctl watch (event_set_relay).
 *
 * With N = 1 there is no thread: the one server runs in the main loop, as
 * before workers existed.  --max-sessions and --max-flows are per worker.
 */
#ifndef MPT_WORKERS_H
#define MPT_WORKERS_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyset.h"
#include "report.h"
#include "server.h"

#define WORKERS_MAX 64
#define WORKERS_EVENTS 256	/* events queued for the main thread; beyond: lost, counted */

struct workers;

struct worker {
	struct workers *ws;
	unsigned index;			/* its socket's index in the reuseport group */
	struct ev_loop *loop;		/* its own; the main loop when N = 1 */
	struct server srv;
	ev_async wake;			/* the main thread has a call for it */
	pthread_t thread;
	bool inited, running;
	bool call_due;			/* under ws->mu */
};

struct workers_event {
	char kind[32];
	char msg[512];
};

struct workers {
	unsigned n;
	struct worker *w;		/* n */
	struct ev_loop *main;
	bool threads;			/* N > 1 and started */
	pthread_mutex_t mu;		/* calls and the event queue; never the data path */
	pthread_cond_t cv;
	void (*call_fn)(struct worker *w, void *arg);
	void *call_arg;
	unsigned call_left;
	ev_async events;		/* main loop: events queued */
	struct workers_event ev[WORKERS_EVENTS];
	unsigned ev_head, ev_count;
	uint64_t ev_lost;
};

/* --workers: "auto" (the CPUs this process may run on, at most WORKERS_MAX)
 * or 1..WORKERS_MAX. */
bool workers_parse(const char *arg, unsigned *n);
/* The servers and their sockets (the reuseport group steered when n > 1):
 * 0 or -errno, logged.  ws must not move afterwards. */
int workers_init(struct workers *ws, unsigned n, struct ev_loop *main,
		 const struct tunnel_params *prm, const struct addr *listen,
		 const struct addr *target, const uint8_t *psk);
/* Start serving (threads when n > 1): 0 or -errno. */
int workers_start(struct workers *ws);
/* Stop serving and join the threads. */
void workers_stop(struct workers *ws);
void workers_free(struct workers *ws);
/* One report of every worker (main thread): 0 or -errno. */
int workers_report(struct workers *ws, struct tunnel_report *r);
/* server_keys_replace on every worker, each with its own copy of *set (the
 * set is consumed as server_keys_replace does); msg sums the sessions closed.
 * Main thread.  0 or -errno. */
int workers_keys_replace(struct workers *ws, struct keyset *set, char *msg, size_t msglen);
/* server_access_replace on every worker (mpserver -c, reload), each with its
 * own copy of conf and of set (NULL: keys unchanged); the caller frees both.
 * msg has each worker's account.  Main thread.  0 or -errno. */
struct srvconf;
int workers_access_replace(struct workers *ws, struct srvconf *conf, struct keyset *set,
			   char *msg, size_t msglen);
/* Run fn on every worker's thread (directly when there are no threads) and
 * wait for all: main thread only, never from a worker. */
void workers_call(struct workers *ws, void (*fn)(struct worker *w, void *arg), void *arg);

#endif
