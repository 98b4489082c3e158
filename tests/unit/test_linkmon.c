/* test_linkmon.c - link and address events from the kernel, in a network
 * namespace of the test's own (unshare; needs root, else skipped): a veth
 * pair set up, down, given and stripped of addresses, and deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "linkmon.h"

#define MAXEV 64

static struct linkmon_event seen[MAXEV];
static unsigned nseen;

static void on_event(const struct linkmon_event *ev, void *arg)
{
	(void)arg;
	if (nseen < MAXEV)
		seen[nseen++] = *ev;
}

static void sh(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	if (system(buf) != 0)
		fail_msg("command failed: %s", cmd);
}

/* Run the loop until an event matching (kind, ifname, up) arrives; bounded. */
static const struct linkmon_event *wait_for(struct ev_loop *loop, struct linkmon *m,
					    enum linkmon_kind kind, const char *ifname, int up)
{
	for (int round = 0; round < 400; round++) {
		struct pollfd p = {.fd = m->io.fd, .events = POLLIN};
		for (unsigned i = 0; i < nseen; i++) {
			const struct linkmon_event *e = &seen[i];
			if (e->kind == kind && strcmp(e->ifname, ifname) == 0 &&
			    (up < 0 || e->up == (up != 0))) {
				return e;
			}
		}
		poll(&p, 1, 10);
		ev_run(loop, EVRUN_NOWAIT);
	}
	return NULL;
}

static void test_events(void **st)
{
	struct ev_loop *loop;
	struct linkmon m;
	const struct linkmon_event *e;
	int ifindex;
	bool up;
	unsigned naddrs;
	char ip[INET6_ADDRSTRLEN];

	(void)st;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		skip();
		return;
	}
	loop = ev_loop_new(EVFLAG_AUTO);
	assert_int_equal(linkmon_open(&m, loop, on_event, NULL), 0);
	assert_int_equal(linkmon_query("mpt0", AF_UNSPEC, &ifindex, &up, &naddrs), -ENODEV);
	sh("ip link add mpt0 type veth peer name mpt1");
	sh("ip link set mpt1 up");
	sh("ip link set mpt0 up");
	e = wait_for(loop, &m, LINKMON_LINK, "mpt0", 1);
	assert_non_null(e);
	assert_int_equal(linkmon_query("mpt0", AF_INET, &ifindex, &up, &naddrs), 0);
	assert_true(up);
	assert_int_equal(ifindex, e->ifindex);
	assert_int_equal(naddrs, 0);

	nseen = 0;
	sh("ip addr add 198.18.7.1/24 dev mpt0");
	e = wait_for(loop, &m, LINKMON_ADDR_ADD, "mpt0", -1);
	assert_non_null(e);
	assert_int_equal(e->addr.ss.ss_family, AF_INET);
	inet_ntop(AF_INET, &((const struct sockaddr_in *)&e->addr.ss)->sin_addr, ip, sizeof(ip));
	assert_string_equal(ip, "198.18.7.1");
	assert_int_equal(linkmon_query("mpt0", AF_INET, &ifindex, &up, &naddrs), 0);
	assert_int_equal(naddrs, 1);

	/* carrier loss: the peer goes down, mpt0 is no longer usable */
	nseen = 0;
	sh("ip link set mpt1 down");
	assert_non_null(wait_for(loop, &m, LINKMON_LINK, "mpt0", 0));
	nseen = 0;
	sh("ip link set mpt1 up");
	assert_non_null(wait_for(loop, &m, LINKMON_LINK, "mpt0", 1));
	/* administratively down */
	nseen = 0;
	sh("ip link set mpt0 down");
	assert_non_null(wait_for(loop, &m, LINKMON_LINK, "mpt0", 0));
	nseen = 0;
	sh("ip link set mpt0 up");
	assert_non_null(wait_for(loop, &m, LINKMON_LINK, "mpt0", 1));

	nseen = 0;
	sh("ip addr del 198.18.7.1/24 dev mpt0");
	assert_non_null(wait_for(loop, &m, LINKMON_ADDR_DEL, "mpt0", -1));

	nseen = 0;
	sh("ip link del mpt0");
	e = wait_for(loop, &m, LINKMON_LINK, "mpt0", 0);
	assert_non_null(e);
	for (unsigned i = 0; i < 50 && !e->deleted; i++)
		e = wait_for(loop, &m, LINKMON_LINK, "mpt0", 0);
	assert_int_equal(m.errors, 0);
	assert_true(m.events >= 8);
	linkmon_close(&m);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
