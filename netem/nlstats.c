/*
 * mpt-nlstats - print the kernel's link and qdisc counters as JSON (libnl-route-3).
 *
 *   mpt-nlstats [--netns NAME] [DEV...]
 *
 * Without DEV, every link of the namespace is listed. With --netns the process
 * joins /var/run/netns/NAME before it opens its netlink socket (a libnl socket
 * stays in the namespace it was created in); `ip netns exec NAME mpt-nlstats`
 * does the same. Output (one object; "netns" is null without --netns):
 *
 *   {"program":"mpt-nlstats","version":..,"time":..,"netns":"NAME","links":[{"name":"b1c","ifindex":2,"rx_packets":..,
 *     "rx_bytes":..,"rx_dropped":..,"rx_errors":..,"tx_packets":..,
 *     "tx_bytes":..,"tx_dropped":..,"tx_errors":..,
 *     "qdiscs":[{"kind":"tbf","handle":"8001:","parent":"root","packets":..,
 *       "bytes":..,"drops":..,"overlimits":..,"requeues":..,"qlen":..,"backlog":..}]}]}
 *
 * Exit: 0, 1 on a netlink error, 2 on bad usage or an unknown DEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include "json.h"

#define PROG "mpt-nlstats"

struct ctx {
	struct nl_sock *sk;
	struct nl_cache *links;
	struct nl_cache *qdiscs;	/* NULL when the kernel gave none */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--netns NAME] [DEV...]\n"
		"       " PROG " --help | --version\n"
		"  prints rx/tx packets, bytes, drops, errors per link and the stats of\n"
		"  each link's qdiscs as one JSON object\n");
}

static void fmt_handle(uint32_t h, char *buf, size_t len)
{
	if (h == TC_H_ROOT)
		snprintf(buf, len, "root");
	else if (h == TC_H_INGRESS)
		snprintf(buf, len, "ingress");
	else if (h == TC_H_UNSPEC)
		snprintf(buf, len, "none");
	else if (TC_H_MIN(h) == 0)
		snprintf(buf, len, "%x:", TC_H_MAJ(h) >> 16);
	else
		snprintf(buf, len, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
}

static int join_netns(const char *name)
{
	char path[256];
	int fd, rc = 0;

	if (strchr(name, '/') || snprintf(path, sizeof path, "/var/run/netns/%s", name)
	    >= (int)sizeof path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int ctx_open(struct ctx *c)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	rc = nl_connect(c->sk, NETLINK_ROUTE);
	if (rc < 0)
		goto fail;
	rc = rtnl_link_alloc_cache(c->sk, AF_UNSPEC, &c->links);
	if (rc < 0)
		goto fail;
	/* qdiscs are optional in the report: a failure leaves the list empty */
	if (rtnl_qdisc_alloc_cache(c->sk, &c->qdiscs) < 0)
		c->qdiscs = NULL;
	return 0;
fail:
	fprintf(stderr, PROG ": netlink: %s\n", nl_geterror(rc));
	if (c->links)
		nl_cache_free(c->links);
	nl_socket_free(c->sk);
	c->sk = NULL;
	return -EIO;
}

static void ctx_close(struct ctx *c)
{
	if (c->qdiscs)
		nl_cache_free(c->qdiscs);
	if (c->links)
		nl_cache_free(c->links);
	if (c->sk)
		nl_socket_free(c->sk);
}

static void print_qdiscs(struct json *j, struct ctx *c, int ifindex)
{
	struct nl_object *o;
	char h[32], p[32];

	json_arr_open(j, "qdiscs");
	for (o = c->qdiscs ? nl_cache_get_first(c->qdiscs) : NULL; o; o = nl_cache_get_next(o)) {
		struct rtnl_tc *tc = TC_CAST(o);

		if (rtnl_tc_get_ifindex(tc) != ifindex)
			continue;
		fmt_handle(rtnl_tc_get_handle(tc), h, sizeof h);
		fmt_handle(rtnl_tc_get_parent(tc), p, sizeof p);
		json_obj_open(j, NULL);
		json_str(j, "kind", rtnl_tc_get_kind(tc));
		json_str(j, "handle", h);
		json_str(j, "parent", p);
		json_u64(j, "packets", rtnl_tc_get_stat(tc, RTNL_TC_PACKETS));
		json_u64(j, "bytes", rtnl_tc_get_stat(tc, RTNL_TC_BYTES));
		json_u64(j, "drops", rtnl_tc_get_stat(tc, RTNL_TC_DROPS));
		json_u64(j, "overlimits", rtnl_tc_get_stat(tc, RTNL_TC_OVERLIMITS));
		json_u64(j, "requeues", rtnl_tc_get_stat(tc, RTNL_TC_REQUEUES));
		json_u64(j, "qlen", rtnl_tc_get_stat(tc, RTNL_TC_QLEN));
		json_u64(j, "backlog", rtnl_tc_get_stat(tc, RTNL_TC_BACKLOG));
		json_obj_close(j);
	}
	json_arr_close(j);
}

static void print_link(struct json *j, struct ctx *c, struct rtnl_link *l)
{
	static const struct {
		const char *key;
		rtnl_link_stat_id_t id;
	} stats[] = {
		{ "rx_packets", RTNL_LINK_RX_PACKETS }, { "rx_bytes", RTNL_LINK_RX_BYTES },
		{ "rx_dropped", RTNL_LINK_RX_DROPPED }, { "rx_errors", RTNL_LINK_RX_ERRORS },
		{ "tx_packets", RTNL_LINK_TX_PACKETS }, { "tx_bytes", RTNL_LINK_TX_BYTES },
		{ "tx_dropped", RTNL_LINK_TX_DROPPED }, { "tx_errors", RTNL_LINK_TX_ERRORS },
	};
	size_t i;

	json_obj_open(j, NULL);
	json_str(j, "name", rtnl_link_get_name(l));
	json_i64(j, "ifindex", rtnl_link_get_ifindex(l));
	for (i = 0; i < sizeof stats / sizeof stats[0]; i++)
		json_u64(j, stats[i].key, rtnl_link_get_stat(l, stats[i].id));
	print_qdiscs(j, c, rtnl_link_get_ifindex(l));
	json_obj_close(j);
}

int main(int argc, char **argv)
{
	const char *netns = NULL;
	struct ctx c;
	struct json j;
	int i, first_dev = argc, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--netns")) {
			if (i + 1 >= argc) {
				fprintf(stderr, PROG ": --netns needs a name\n");
				return 2;
			}
			netns = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf(PROG " %s\n", MPT_VERSION);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, PROG ": unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else {
			first_dev = i;
			break;
		}
	}
	if (netns) {
		rc = join_netns(netns);
		if (rc < 0) {
			fprintf(stderr, PROG ": netns '%s': %s\n", netns, strerror(-rc));
			return 2;
		}
	}
	if (ctx_open(&c) < 0)
		return 1;
	/* check every named device first: a bad name is a usage error, no half output */
	for (i = first_dev; i < argc; i++) {
		struct rtnl_link *l = rtnl_link_get_by_name(c.links, argv[i]);
		if (!l) {
			fprintf(stderr, PROG ": no such device '%s'\n", argv[i]);
			ctx_close(&c);
			return 2;
		}
		rtnl_link_put(l);
	}
	json_begin(&j, stdout);
	json_doc_open(&j, PROG);
	json_str(&j, "netns", netns);	/* null: the namespace it was started in */
	json_arr_open(&j, "links");
	if (first_dev < argc) {
		for (i = first_dev; i < argc; i++) {
			struct rtnl_link *l = rtnl_link_get_by_name(c.links, argv[i]);

			print_link(&j, &c, l);
			rtnl_link_put(l);
		}
	} else {
		struct nl_object *o;

		for (o = nl_cache_get_first(c.links); o; o = nl_cache_get_next(o))
			print_link(&j, &c, (struct rtnl_link *)o);
	}
	json_arr_close(&j);
	json_doc_close(&j);
	json_end(&j);
	ctx_close(&c);
	return fflush(stdout) == 0 ? 0 : 1;
}
