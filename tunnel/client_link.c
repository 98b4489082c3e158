/* client_link.c - bound paths and link events (see client_link.h). */
#include "client_link.h"
#include "client.h"
#include "clock.h"
#include "linkmon.h"
#include "log.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool bound(const struct client *c, unsigned i)
{
	return c->core.paths[i].used && (c->paths[i].bind.dev[0] || c->paths[i].bind.has_src);
}

static bool same_ip(const struct addr *a, const struct addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
			      &((const struct sockaddr_in *)&b->ss)->sin_addr, 4) == 0;
	if (a->ss.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
	return false;
}

/* The kernel's view of path p now (queries): usable, and its link's index. */
static bool eval(const struct cpath *p, int *ifindex, char *why, size_t len)
{
	int family = p->peer.ss.ss_family, idx = 0, sidx = 0, rc;
	unsigned naddrs = 0;
	bool up = false;
	char name[IF_NAMESIZE];

	if (p->bind.dev[0]) {
		rc = linkmon_query(p->bind.dev, family, &idx, &up, &naddrs);
		if (rc) {
			snprintf(why, len, "%s: %s", p->bind.dev, strerror(-rc));
			return false;
		}
		*ifindex = idx;
		if (!up || naddrs == 0) {
			snprintf(why, len, "%s %s", p->bind.dev, !up ? "down" : "has no address");
			return false;
		}
		if (p->bind.has_src && (linkmon_query_addr(&p->bind.src, &sidx) != 0 || sidx != idx)) {
			snprintf(why, len, "%s not on %s", p->src, p->bind.dev);
			return false;
		}
		snprintf(why, len, "%s up", p->bind.dev);
		return true;
	}
	if (linkmon_query_addr(&p->bind.src, &sidx) != 0 || !if_indextoname((unsigned)sidx, name)) {
		snprintf(why, len, "%s not on any interface", p->src);
		return false;
	}
	*ifindex = sidx;
	rc = linkmon_query(name, family, &idx, &up, &naddrs);
	if (rc || !up) {
		snprintf(why, len, "%s (%s's) down", name, p->src);
		return false;
	}
	snprintf(why, len, "%s (%s's) up", name, p->src);
	return true;
}

/* The path's state from p->link_ok and its socket; `what` for the event. */
static void settle(struct client *c, unsigned i, const char *what, double rx_mono, double rx_wall)
{
	struct cpath *p = &c->paths[i];
	double mark_mono, mark_wall;
	char why[256];

	if (p->link_ok && (!p->ready || !pathsock_local_ok(p->fd) || p->sock_ifindex != p->ifindex))
		client_path_reopen(c, i);	/* its address or interface changed */
	mark_mono = clock_now();
	mark_wall = clock_wall();
	if (rx_mono > 0)
		snprintf(why, sizeof(why), "%s (netlink read %.6f, marked %.6f: +%.3f ms)", what,
			 rx_wall, mark_wall, (mark_mono - rx_mono) * 1e3);
	else
		snprintf(why, sizeof(why), "%s", what);
	client_core_path_link(&c->core, i, p->link_ok && p->ready, why);
}

static void check(struct client *c, unsigned i, double rx_mono, double rx_wall)
{
	struct cpath *p = &c->paths[i];
	char why[160];
	int idx = p->ifindex;

	p->link_ok = eval(p, &idx, why, sizeof(why));
	p->ifindex = idx;
	settle(c, i, why, rx_mono, rx_wall);
}

static void on_event(const struct linkmon_event *ev, void *arg)
{
	struct client *c = arg;
	char what[160];
	unsigned i;

	for (i = 0; i < c->npaths; i++) {
		struct cpath *p = &c->paths[i];
		bool mine;

		if (!bound(c, i))
			continue;
		mine = (p->ifindex && p->ifindex == ev->ifindex) ||
		       (p->bind.dev[0] && strcmp(p->bind.dev, ev->ifname) == 0);
		switch (ev->kind) {
		case LINKMON_LINK:
			if (!mine)
				break;
			if (!ev->up || ev->deleted) {
				/* at once, from the event itself */
				p->link_ok = false;
				snprintf(what, sizeof(what), "%s %s", ev->ifname[0] ? ev->ifname : "link",
					 ev->deleted ? "deleted" : "down");
				settle(c, i, what, ev->rx_mono, ev->rx_wall);
			} else if (!p->link_ok || c->core.paths[i].link_down) {
				check(c, i, ev->rx_mono, ev->rx_wall);
			}
			break;
		case LINKMON_ADDR_DEL:
			if (p->ready && !c->core.paths[i].link_down && same_ip(&ev->addr, &p->local)) {
				/* the socket's own address: at once */
				p->link_ok = false;
				snprintf(what, sizeof(what), "%s lost %s", ev->ifname, p->local_text);
				settle(c, i, what, ev->rx_mono, ev->rx_wall);
			} else if (mine && !c->core.paths[i].link_down) {
				check(c, i, ev->rx_mono, ev->rx_wall);	/* its last address? */
			}
			break;
		case LINKMON_ADDR_ADD:
			if ((mine || (p->bind.has_src && same_ip(&ev->addr, &p->bind.src))) &&
			    c->core.paths[i].link_down)
				check(c, i, ev->rx_mono, ev->rx_wall);
			break;
		}
	}
}

int client_link_start(struct client *c)
{
	unsigned i;
	bool any = false;
	int rc;

	for (i = 0; i < c->npaths; i++)
		any |= bound(c, i);
	if (!any)
		return 0;
	if (!c->lm_open) {
		rc = linkmon_open(&c->lm, c->loop, on_event, c);
		if (rc) {
			log_errno(rc, "link events (netlink): bound paths follow their links only "
				  "by their retry timer and silence");
			return rc;
		}
		c->lm_open = true;
	}
	for (i = 0; i < c->npaths; i++)
		if (bound(c, i))
			check(c, i, 0, 0);
	return 0;
}

void client_link_stop(struct client *c)
{
	if (c->lm_open)
		linkmon_close(&c->lm);
	c->lm_open = false;
}

void client_link_check(struct client *c, unsigned i)
{
	if (!bound(c, i))
		return;
	if (!c->lm_open) {
		client_link_start(c);	/* the first bound path: checks it */
		return;
	}
	check(c, i, 0, 0);
}
