/* ctlsock.h - a daemon's control socket (Unix stream socket, mode 0600) and
 * optional Prometheus HTTP endpoint, on a libev loop.
 *
 * A client connects, writes one request line ("show", "show json",
 * "metrics", "watch", "watch json", "reload", ...), and reads the answer
 * until the daemon closes the connection.  The daemon's handler writes the
 * answer to a stdio stream; a handler that calls ctl_watch() keeps the
 * connection open and gets the lines later passed to ctl_event().  On the
 * HTTP endpoint, "GET /metrics" is answered with the handler's answer to
 * "metrics" (text exposition format 0.0.4); anything else is a 404.
 *
 * Bounded: at most CTL_MAX_CONNS connections, requests of CTL_REQ_MAX
 * bytes, CTL_OUT_MAX bytes buffered per connection (a watcher that does not
 * read is dropped).  Nothing here is on the data path. */
#ifndef MPT_CTLSOCK_H
#define MPT_CTLSOCK_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "addr.h"

#define CTL_MAX_CONNS 16
#define CTL_REQ_MAX 1024
#define CTL_OUT_MAX (4u << 20)
#define CTL_PATH_MAX 108	/* sun_path */

struct ctl_server;

struct ctl_conn {
	struct ctl_server *srv;
	ev_io io;
	int fd;			/* -1: slot free */
	bool http;
	bool watching;
	bool json;		/* watcher wants JSON lines */
	bool closing;		/* close once the output is flushed */
	char req[CTL_REQ_MAX];
	size_t reqlen;
	char *out;
	size_t outlen, outoff;
};

/* Answer one request: write to out; call ctl_watch(c, json) to subscribe. */
typedef void (*ctl_handler)(struct ctl_conn *c, const char *request, FILE *out, void *arg);

struct ctl_server {
	struct ev_loop *loop;
	ev_io unix_io, http_io;
	int unix_fd, http_fd;
	char path[CTL_PATH_MAX];
	ctl_handler handler;
	void *arg;
	unsigned long requests, refused;
	struct ctl_conn conns[CTL_MAX_CONNS];
};

void ctl_init(struct ctl_server *s, struct ev_loop *loop, ctl_handler h, void *arg);
/* Listen on a Unix socket at path (mode 0600; a stale socket is replaced,
 * a live one is an error: -EADDRINUSE). Returns 0 or -errno. */
int ctl_listen_unix(struct ctl_server *s, const char *path);
/* Serve GET /metrics over HTTP on a (TCP). Returns 0 or -errno. */
int ctl_listen_http(struct ctl_server *s, const struct addr *a);
/* Close every connection and listener; unlink the socket. */
void ctl_close(struct ctl_server *s);
/* Keep this connection open for events (lines or JSON lines). */
void ctl_watch(struct ctl_conn *c, bool json);
/* Send an event to every watcher: text is one line (no newline), json one
 * JSON object (no newline); either may be NULL. */
void ctl_event(struct ctl_server *s, const char *text, const char *json);
unsigned ctl_watchers(const struct ctl_server *s);

/* The folder where daemons put their sockets by default and mpctl looks:
 * /run/mptunnel as root, else $XDG_RUNTIME_DIR/mptunnel, else
 * /tmp/mptunnel-UID.  Written to buf; returns buf. */
const char *ctl_default_dir(char *buf, size_t buflen);
/* Create dir (mode 0700) if missing. Returns 0 or -errno. */
int ctl_make_dir(const char *dir);

#endif
