/* linkmon.h - link and address events from the kernel (rtnetlink through
 * libnl-route-3) on a libev loop, so a path bound to an interface stops
 * being used the moment its link goes down and comes back when the link and
 * an address return.
 *
 * A link is "up" when it is administratively up and has carrier
 * (IFF_UP and IFF_RUNNING).  The monitor's netlink socket belongs to the
 * network namespace it was opened in. */
#ifndef MPT_LINKMON_H
#define MPT_LINKMON_H

#include <ev.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

enum linkmon_kind {
	LINKMON_LINK = 1,	/* a link's state: up (admin up + carrier) or not, or deleted */
	LINKMON_ADDR_ADD,	/* an address appeared on a link */
	LINKMON_ADDR_DEL,	/* an address went away */
};

struct linkmon_event {
	enum linkmon_kind kind;
	int ifindex;
	char ifname[IF_NAMESIZE];	/* "" when the kernel did not say */
	bool up;			/* LINKMON_LINK: usable */
	bool deleted;			/* LINKMON_LINK: the link is gone */
	struct addr addr;		/* LINKMON_ADDR_*: the local address (port 0) */
	double rx_mono, rx_wall;	/* when the monitor woke up to read it (monotonic and
					 * wall-clock s; netlink carries no kernel time stamp) */
};

typedef void (*linkmon_cb)(const struct linkmon_event *ev, void *arg);

struct linkmon {
	struct ev_loop *loop;
	struct nl_sock *sk;
	ev_io io;
	linkmon_cb cb;
	void *arg;
	uint64_t events;	/* events delivered */
	uint64_t errors;	/* receive or parse failures (e.g. ENOBUFS: resync advised) */
	double rx_mono, rx_wall;	/* the current read's wake-up (see linkmon_event) */
};

/* Subscribe to link and IPv4/IPv6 address changes. Returns 0 or -errno. */
int linkmon_open(struct linkmon *m, struct ev_loop *loop, linkmon_cb cb, void *arg);
void linkmon_close(struct linkmon *m);

/* The current state of the link named ifname (a synchronous query on a
 * socket of its own): *ifindex, whether it is up, and how many addresses of
 * family (AF_UNSPEC: any) it has.  Returns 0, -ENODEV or -errno. */
int linkmon_query(const char *ifname, int family, int *ifindex, bool *up, unsigned *naddrs);
/* Which link holds the local address a (the port is ignored): *ifindex, or
 * -EADDRNOTAVAIL when none does; -errno. */
int linkmon_query_addr(const struct addr *a, int *ifindex);

#endif
