/* client_link.h - mpclient's interface- and source-bound paths and the
 * kernel's link events (lib/linkmon, rtnetlink through libnl-route-3).
 *
 * A bound path (--path dev=, src=) is usable while its socket is open, its
 * interface is up (IFF_UP and IFF_RUNNING) with an address of the bridge's
 * family, and its source address (if named) is on that interface.  A link
 * going down or deleted, or the socket's own local address removed, marks
 * the path down at once from the event itself (no query); it comes back,
 * after a query of the link's state, when the link and an address return
 * (a new socket when its address or interface index changed).  Each change
 * is an event (path_link_down, path_link_up) giving the time the netlink
 * message was read and the time the path was marked, and their difference.
 * Paths that name neither are not tracked. */
#ifndef MPT_CLIENT_LINK_H
#define MPT_CLIENT_LINK_H

#include <stdbool.h>

struct client;

/* Open the monitor when some path is bound (idempotent) and settle the
 * state of every bound path: 0, or -errno (paths then rely on the retry
 * timer and silence: logged). */
int client_link_start(struct client *c);
void client_link_stop(struct client *c);
/* Path i's link state by a query now (a path added by a reload). */
void client_link_check(struct client *c, unsigned i);

#endif
