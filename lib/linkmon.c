/* linkmon.c - rtnetlink link/address monitor (see linkmon.h). */
#include "linkmon.h"
#include "clock.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>

#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

/* libnl error codes are positive NLE_*; map the common ones to errno. */
static int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	default: return -EIO;
	}
}

static void link_event(struct linkmon *m, struct rtnl_link *l, int msgtype)
{
	struct linkmon_event ev;
	unsigned flags = rtnl_link_get_flags(l);
	const char *name = rtnl_link_get_name(l);

	memset(&ev, 0, sizeof(ev));
	ev.kind = LINKMON_LINK;
	ev.ifindex = rtnl_link_get_ifindex(l);
	if (name)
		snprintf(ev.ifname, sizeof(ev.ifname), "%s", name);
	ev.rx_mono = m->rx_mono;
	ev.rx_wall = m->rx_wall;
	ev.deleted = msgtype == RTM_DELLINK;
	ev.up = !ev.deleted && (flags & IFF_UP) && (flags & IFF_RUNNING);
	m->events++;
	m->cb(&ev, m->arg);
}

static void addr_event(struct linkmon *m, struct rtnl_addr *a, int msgtype)
{
	struct linkmon_event ev;
	struct nl_addr *local = rtnl_addr_get_local(a);
	int family = rtnl_addr_get_family(a);

	memset(&ev, 0, sizeof(ev));
	ev.kind = msgtype == RTM_DELADDR ? LINKMON_ADDR_DEL : LINKMON_ADDR_ADD;
	ev.ifindex = rtnl_addr_get_ifindex(a);
	ev.rx_mono = m->rx_mono;
	ev.rx_wall = m->rx_wall;
	if_indextoname((unsigned)ev.ifindex, ev.ifname);
	if (local && family == AF_INET && nl_addr_get_len(local) == 4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ev.addr.ss;
		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, nl_addr_get_binary_addr(local), 4);
		ev.addr.len = sizeof(*s);
	} else if (local && family == AF_INET6 && nl_addr_get_len(local) == 16) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ev.addr.ss;
		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, nl_addr_get_binary_addr(local), 16);
		s->sin6_scope_id = (uint32_t)ev.ifindex;
		ev.addr.len = sizeof(*s);
	}
	m->events++;
	m->cb(&ev, m->arg);
}

struct parse_ctx {
	struct linkmon *m;
	int msgtype;
};

static void parse_obj(struct nl_object *obj, void *arg)
{
	struct parse_ctx *p = arg;
	const char *type = nl_object_get_type(obj);

	if (strcmp(type, "route/link") == 0)
		link_event(p->m, (struct rtnl_link *)obj, p->msgtype);
	else if (strcmp(type, "route/addr") == 0)
		addr_event(p->m, (struct rtnl_addr *)obj, p->msgtype);
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct parse_ctx p = {.m = arg, .msgtype = nlmsg_hdr(msg)->nlmsg_type};

	if (nl_msg_parse(msg, parse_obj, &p) < 0)
		p.m->errors++;
	return NL_OK;
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct linkmon *m = w->data;

	(void)loop;
	(void)revents;
	m->rx_mono = clock_now();
	m->rx_wall = clock_wall();
	/* the socket is non-blocking: read what is queued, bounded */
	for (int i = 0; i < 64; i++) {
		int rc = nl_recvmsgs_default(m->sk);
		if (rc == -NLE_AGAIN || rc == 0)
			return;
		if (rc < 0) {
			m->errors++;
			return;
		}
	}
}

int linkmon_open(struct linkmon *m, struct ev_loop *loop, linkmon_cb cb, void *arg)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->loop = loop;
	m->cb = cb;
	m->arg = arg;
	m->sk = nl_socket_alloc();
	if (!m->sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, m);
	rc = nl_connect(m->sk, NETLINK_ROUTE);
	if (rc < 0)
		goto fail;
	rc = nl_socket_add_memberships(m->sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
				       RTNLGRP_IPV6_IFADDR, 0);
	if (rc < 0)
		goto fail;
	rc = nl_socket_set_nonblocking(m->sk);
	if (rc < 0)
		goto fail;
	ev_io_init(&m->io, io_cb, nl_socket_get_fd(m->sk), EV_READ);
	m->io.data = m;
	ev_io_start(loop, &m->io);
	return 0;
fail:
	nl_socket_free(m->sk);
	m->sk = NULL;
	return nl_errno(rc);
}

void linkmon_close(struct linkmon *m)
{
	if (!m->sk)
		return;
	ev_io_stop(m->loop, &m->io);
	nl_socket_free(m->sk);
	m->sk = NULL;
}

struct count_ctx {
	int ifindex;
	int family;
	unsigned n;
};

static void count_addr(struct nl_object *obj, void *arg)
{
	struct count_ctx *c = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;

	if (rtnl_addr_get_ifindex(a) == c->ifindex &&
	    (c->family == AF_UNSPEC || rtnl_addr_get_family(a) == c->family))
		c->n++;
}

int linkmon_query(const char *ifname, int family, int *ifindex, bool *up, unsigned *naddrs)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *link = NULL;
	struct nl_cache *addrs = NULL;
	struct count_ctx c = {.family = family};
	int rc;
	unsigned flags;

	if (!sk)
		return -ENOMEM;
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0)
		goto out;
	rc = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (rc < 0)
		goto out;
	flags = rtnl_link_get_flags(link);
	c.ifindex = rtnl_link_get_ifindex(link);
	*ifindex = c.ifindex;
	*up = (flags & IFF_UP) && (flags & IFF_RUNNING);
	rc = rtnl_addr_alloc_cache(sk, &addrs);
	if (rc < 0)
		goto out;
	nl_cache_foreach(addrs, count_addr, &c);
	*naddrs = c.n;
	rc = 0;
out:
	if (addrs)
		nl_cache_free(addrs);
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return rc < 0 ? nl_errno(rc) : 0;
}

struct find_ctx {
	const struct addr *a;
	int ifindex;
};

static void find_addr(struct nl_object *obj, void *arg)
{
	struct find_ctx *f = arg;
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	const void *want;
	unsigned len;

	if (!local || f->ifindex)
		return;
	if (f->a->ss.ss_family == AF_INET) {
		want = &((const struct sockaddr_in *)&f->a->ss)->sin_addr;
		len = 4;
	} else {
		want = &((const struct sockaddr_in6 *)&f->a->ss)->sin6_addr;
		len = 16;
	}
	if (rtnl_addr_get_family(ra) == f->a->ss.ss_family && nl_addr_get_len(local) == len &&
	    memcmp(nl_addr_get_binary_addr(local), want, len) == 0)
		f->ifindex = rtnl_addr_get_ifindex(ra);
}

int linkmon_query_addr(const struct addr *a, int *ifindex)
{
	struct nl_sock *sk;
	struct nl_cache *addrs = NULL;
	struct find_ctx f = {.a = a};
	int rc;

	if (a->ss.ss_family != AF_INET && a->ss.ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc >= 0)
		rc = rtnl_addr_alloc_cache(sk, &addrs);
	if (rc >= 0) {
		nl_cache_foreach(addrs, find_addr, &f);
		nl_cache_free(addrs);
	}
	nl_socket_free(sk);
	if (rc < 0)
		return nl_errno(rc);
	if (!f.ifindex)
		return -EADDRNOTAVAIL;
	*ifindex = f.ifindex;
	return 0;
}
