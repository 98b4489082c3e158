/* test_batch.c - batched UDP I/O over real loopback sockets: GSO runs,
 * mixed sizes, sendmmsg fallback, recvmmsg into slots, truncation reported. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "batch.h"
#include "udp.h"

struct pair {
	int rx, tx;		/* tx connected to rx */
	struct addr rx_addr;
};

static void pair_open(struct pair *p)
{
	struct addr any;
	const char *err;

	assert_int_equal(addr_resolve("127.0.0.1", 0, true, &any, &err), 0);
	assert_int_equal(udp_bind(&any, &p->rx), 0);
	assert_int_equal(udp_set_buffers(p->rx, 0, 4 << 20), 0);
	assert_int_equal(udp_local(p->rx, &p->rx_addr), 0);
	assert_int_equal(udp_connect(&p->rx_addr, NULL, &p->tx), 0);
}

static void pair_close(struct pair *p)
{
	close(p->rx);
	close(p->tx);
}

static uint8_t data[BATCH_MAX][2048];

static void fill(struct iovec *dg, unsigned n, const size_t *sizes)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		memset(data[i], (int)(i + 1), sizes[i]);
		data[i][0] = (uint8_t)i;
		dg[i].iov_base = data[i];
		dg[i].iov_len = sizes[i];
	}
}

/* receive exactly n datagrams and compare with dg */
static void expect(int fd, const struct iovec *dg, unsigned n)
{
	struct batch b;
	unsigned got = 0, tries = 0;

	assert_int_equal(batch_init(&b, BATCH_MAX, 4096), 0);
	while (got < n && tries++ < 100) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int k, i;

		poll(&pfd, 1, 100);
		k = batch_recv(&b, fd, 8);
		assert_true(k >= 0);
		for (i = 0; i < k; i++, got++) {
			assert_true(got < n);
			assert_int_equal(b.len[i], dg[got].iov_len);
			assert_memory_equal(batch_slot(&b, (unsigned)i) + 8, dg[got].iov_base,
					    dg[got].iov_len);
		}
	}
	assert_int_equal(got, n);
	batch_free(&b);
}

static void run(const size_t *sizes, unsigned n, bool gso, bool connected)
{
	struct iovec dg[BATCH_MAX];
	struct batch_tx tx = { 0 };
	struct pair p;

	pair_open(&p);
	fill(dg, n, sizes);
	batch_gso_disable(!gso);
	assert_int_equal(batch_send(p.tx, connected ? NULL : &p.rx_addr, dg, n, &tx), n);
	batch_gso_disable(false);
	assert_int_equal(tx.sent, n);
	assert_int_equal(tx.errors, 0);
	if (!gso)
		assert_int_equal(tx.gso_msgs, 0);
	expect(p.rx, dg, n);
	pair_close(&p);
}

static void test_equal_sizes_gso(void **st)
{
	size_t sizes[BATCH_MAX];
	unsigned i;

	(void)st;
	for (i = 0; i < BATCH_MAX; i++)
		sizes[i] = 1436;
	run(sizes, BATCH_MAX, true, true);
	run(sizes, BATCH_MAX, true, false);
	run(sizes, 2, true, true);
	run(sizes, 1, true, true);
}

static void test_mixed_sizes(void **st)
{
	static const size_t sizes[] = { 100, 100, 100, 37, 1400, 1400, 1, 2000, 2000, 2000, 5,
					0, 0, 64, 64 };
	const unsigned n = sizeof(sizes) / sizeof(sizes[0]);

	(void)st;
	run(sizes, n, true, true);
	run(sizes, n, false, true);
	run(sizes, n, true, false);
}

static void test_uses_gso_for_runs(void **st)
{
	size_t sizes[8] = { 500, 500, 500, 500, 500, 500, 500, 500 };
	struct iovec dg[8];
	struct batch_tx tx = { 0 };
	struct pair p;

	(void)st;
	pair_open(&p);
	fill(dg, 8, sizes);
	assert_int_equal(batch_send(p.tx, NULL, dg, 8, &tx), 8);
	/* loopback offers GSO: one message; if the kernel refused, the
	 * fallback must have been taken and remembered */
	if (tx.no_gso)
		assert_int_equal(tx.gso_msgs, 0);
	else
		assert_int_equal(tx.gso_msgs, 1);
	expect(p.rx, dg, 8);
	pair_close(&p);
}

/* runs and lone datagrams mixed (a path's DATA then its PARITY, say): one
 * system call for the whole batch */
static void test_one_call_for_mixed_runs(void **st)
{
	static const size_t sizes[] = { 1464, 1464, 1464, 1480, 1480, 90, 1464, 1464 };
	const unsigned n = sizeof(sizes) / sizeof(sizes[0]);
	struct iovec dg[sizeof(sizes) / sizeof(sizes[0])];
	struct batch_tx tx = { 0 };
	struct pair p;

	(void)st;
	pair_open(&p);
	fill(dg, n, sizes);
	assert_int_equal(batch_send(p.tx, NULL, dg, n, &tx), n);
	if (!tx.no_gso) {
		assert_int_equal(tx.calls, 1);
		assert_int_equal(tx.gso_msgs, 3);
	}
	expect(p.rx, dg, n);
	/* without GSO: still one call, every datagram its own message */
	memset(&tx, 0, sizeof(tx));
	batch_gso_disable(true);
	assert_int_equal(batch_send(p.tx, NULL, dg, n, &tx), n);
	batch_gso_disable(false);
	assert_int_equal(tx.calls, 1);
	assert_int_equal(tx.gso_msgs, 0);
	expect(p.rx, dg, n);
	pair_close(&p);
}

static void test_recv_truncation_reported(void **st)
{
	static uint8_t big[3000];
	struct batch b;
	struct pair p;
	struct pollfd pfd;

	(void)st;
	pair_open(&p);
	assert_int_equal(batch_init(&b, 4, 1024), 0);
	memset(big, 7, sizeof(big));
	assert_int_equal(send(p.tx, big, sizeof(big), 0), (ssize_t)sizeof(big));
	pfd = (struct pollfd){ .fd = p.rx, .events = POLLIN };
	poll(&pfd, 1, 1000);
	assert_int_equal(batch_recv(&b, p.rx, 24), 1);
	assert_int_equal(b.len[0], sizeof(big));	/* real size, though only 1000 kept */
	assert_int_equal(batch_recv(&b, p.rx, 0), 0);	/* nothing more: 0, not an error */
	batch_free(&b);
	pair_close(&p);
}

static void test_errors_counted(void **st)
{
	size_t sizes[4] = { 10, 10, 10, 10 };
	struct iovec dg[4];
	struct batch_tx tx = { 0 };
	struct pair p;
	unsigned round, sent = 0;

	(void)st;
	pair_open(&p);
	close(p.rx);	/* the port is closed: ICMP port unreachable comes back */
	fill(dg, 4, sizes);
	for (round = 0; round < 5; round++)
		sent += batch_send(p.tx, NULL, dg, 4, &tx);
	/* every datagram was either sent or counted as an error, never both */
	assert_int_equal(tx.sent + tx.errors, 20);
	assert_int_equal(sent, tx.sent);
	close(p.tx);
}

static void test_init_bounds(void **st)
{
	struct batch b;

	(void)st;
	assert_int_equal(batch_init(&b, 0, 100), -EINVAL);
	assert_int_equal(batch_init(&b, BATCH_MAX + 1, 100), -EINVAL);
	assert_int_equal(batch_init(&b, 1, 0), -EINVAL);
	assert_int_equal(batch_init(&b, BATCH_MAX, 100), 0);
	batch_free(&b);
}

/* How many datagrams fd has within about 200 ms (drained). */
static unsigned count_in(int fd)
{
	struct batch b;
	unsigned got = 0, tries;

	assert_int_equal(batch_init(&b, BATCH_MAX, 2048), 0);
	for (tries = 0; tries < 4; tries++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int k;

		poll(&pfd, 1, 50);
		k = batch_recv(&b, fd, 0);
		assert_true(k >= 0);
		got += (unsigned)k;
	}
	batch_free(&b);
	return got;
}

/* A socket on the wildcard address with pktinfo: each datagram's destination
 * (127.0.0.3, one of loopback's addresses) is reported, and an answer sent
 * from it (batch_send_from, GSO run and single, udp_sendto_from) reaches a
 * peer connected to 127.0.0.3; without it the kernel picks 127.0.0.1, which
 * that peer does not take. */
static void test_pktinfo_source(void **st)
{
	struct addr any, lo, peer_dst;
	const char *err;
	int srv, cli;
	struct batch b;
	struct iovec dg[2];
	struct batch_tx tx = { 0 };
	static const size_t sizes[2] = { 100, 100 };
	int k;

	(void)st;
	assert_int_equal(addr_resolve("0.0.0.0", 0, true, &any, &err), 0);
	assert_int_equal(udp_bind(&any, &srv), 0);
	assert_int_equal(udp_set_pktinfo(srv), 0);
	assert_int_equal(udp_local(srv, &peer_dst), 0);
	assert_int_equal(addr_resolve("127.0.0.3", addr_port(&peer_dst), true, &peer_dst, &err), 0);
	assert_int_equal(addr_resolve("127.0.0.1", 0, true, &lo, &err), 0);
	assert_int_equal(udp_connect(&peer_dst, &lo, &cli), 0);
	assert_int_equal(send(cli, "hello", 5, 0), 5);

	assert_int_equal(batch_init(&b, BATCH_MAX, 2048), 0);
	b.pktinfo = true;
	for (k = 0; k < 20; k++) {
		struct pollfd pfd = { .fd = srv, .events = POLLIN };
		int n;

		poll(&pfd, 1, 50);
		n = batch_recv(&b, srv, 0);
		assert_true(n >= 0);
		if (n > 0)
			break;
	}
	assert_true(k < 20);
	assert_int_equal(b.dst[0].ss.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&b.dst[0].ss)->sin_addr.s_addr,
			 ((struct sockaddr_in *)&peer_dst.ss)->sin_addr.s_addr);

	fill(dg, 2, sizes);
	/* the kernel's choice of source: 127.0.0.1, refused by the connected peer */
	assert_int_equal(batch_send(srv, &b.from[0], dg, 1, &tx), 1);
	assert_int_equal(count_in(cli), 0);
	/* from the address it came to: taken (a GSO run of two, then one alone) */
	assert_int_equal(batch_send_from(srv, &b.from[0], &b.dst[0], dg, 2, &tx), 2);
	assert_int_equal(batch_send_from(srv, &b.from[0], &b.dst[0], dg, 1, &tx), 1);
	assert_true(udp_sendto_from(srv, "x", 1, &b.from[0], &b.dst[0]) == 1);
	assert_int_equal(count_in(cli), 4);
	batch_free(&b);
	close(srv);
	close(cli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_sizes_gso),
		cmocka_unit_test(test_one_call_for_mixed_runs),
		cmocka_unit_test(test_mixed_sizes),
		cmocka_unit_test(test_uses_gso_for_runs),
		cmocka_unit_test(test_recv_truncation_reported),
		cmocka_unit_test(test_errors_counted),
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_pktinfo_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
