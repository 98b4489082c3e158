/* pathsock.h - the socket of one mpclient path, bound to what the path
 * names: its interface (SO_BINDTODEVICE) and its source address (bind),
 * then connected to its bridge.  And the socket-level halves of path MTU
 * discovery: the largest datagram the interface takes, and a probe sent
 * with the don't-fragment bit whatever the socket's own setting.
 *
 * An interface that does not exist (yet) or has no route to the bridge is
 * not an error here: pathsock_open says so (-ENODEV, -ENETUNREACH, ...) and
 * the caller keeps the path down until a link event or its retry timer
 * opens it (hot-plugged modems, PROTOCOL.md Paths). */
#ifndef MPT_PATHSOCK_H
#define MPT_PATHSOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "config.h"

struct path_bind {
	char dev[CONFIG_DEV_MAX];	/* "" any interface */
	struct addr src;		/* port 0 */
	bool has_src;
};

/*
 * A non-blocking UDP socket: bound to b->dev (when set), to b->src (when
 * set; IP_FREEBIND, so an address the host does not have yet binds), and
 * connected to peer.  0 with *fd set, or -errno with *fd -1 and *what
 * naming the step that failed ("interface", "source address", "connect").
 */
int pathsock_open(const struct addr *peer, const struct path_bind *b, int *fd,
		  const char **what);
/* The largest UDP payload the socket's route takes unfragmented (the
 * interface's MTU less the IP and UDP headers), at most WIRE_MAX_DGRAM;
 * 0 when unknown. */
unsigned pathsock_max_payload(int fd);
/* Send one datagram with the don't-fragment bit set and the kernel's path
 * MTU cache ignored (IP_PMTUDISC_PROBE around the send): an MTU probe.
 * 0 or -errno (-EMSGSIZE: larger than the interface takes). */
int pathsock_send_probe(int fd, const void *buf, size_t len);
/* The local address a socket is bound or connected from is still one of
 * the host's (a path whose address went away needs a new socket). */
bool pathsock_local_ok(int fd);
/* "dev veth1 src 198.18.0.2" (the parts that are set) or "". */
const char *pathsock_bind_text(const struct path_bind *b, char *buf, size_t len);

#endif
