/* test_steer.c - SO_REUSEPORT steering by session id (lib/steer.c), with real sockets on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "steer.h"

#define NW 4		/* workers */
#define NPATHS 3
#define NSESS 200

static uint64_t rng = 0x5eed5eed12345678ull;

static uint64_t next64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	return fd;
}

static void bind_lo(int fd, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
}

/* A reuseport group of NW sockets on one port; returns the port. */
static uint16_t make_group(int fds[NW], bool steer)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	unsigned i;

	for (i = 0; i < NW; i++) {
		fds[i] = udp_socket();
		assert_int_equal(steer_reuseport(fds[i]), 0);
		if (i == 0) {
			bind_lo(fds[0], 0);
			assert_int_equal(getsockname(fds[0], (struct sockaddr *)&a, &alen), 0);
		} else {
			struct addr ga = { .len = sizeof(a) };

			close(fds[i]);	/* steer_bind makes its own */
			memcpy(&ga.ss, &a, sizeof(a));
			assert_int_equal(steer_bind(&ga, &fds[i]), 0);
		}
	}
	if (steer)
		assert_int_equal(steer_attach(fds[0], NW), 0);
	return ntohs(a.sin_port);
}

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/*
 * Send NSESS sessions x NPATHS paths (one source port per path) and record
 * which socket of the group got each; returns how many sessions had all
 * their paths on one socket, and checks the socket is steer_index's when steer.
 */
static unsigned run(bool steer, unsigned per_socket[NW])
{
	int fds[NW], paths[NPATHS];
	uint64_t sess[NSESS];
	int where[NSESS];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned i, p, together = 0, got = 0;
	uint8_t dg[52];

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(make_group(fds, steer));
	memset(per_socket, 0, NW * sizeof(per_socket[0]));
	for (i = 0; i < NSESS; i++) {
		sess[i] = next64() | 1;
		where[i] = -1;
	}
	for (i = 0; i < NSESS; i++) {
		int w;

		/* each session's paths come from source ports of their own (its bridges) */
		for (p = 0; p < NPATHS; p++) {
			paths[p] = udp_socket();
			bind_lo(paths[p], 0);
		}
		for (p = 0; p < NPATHS; p++) {
			memset(dg, 0, sizeof(dg));
			dg[0] = 2;
			put64(dg + 16, sess[i]);
			assert_int_equal(sendto(paths[p], dg, sizeof(dg), 0, (struct sockaddr *)&to,
						sizeof(to)), (ssize_t)sizeof(dg));
		}
		/* loopback delivers within sendto: read each socket now */
		for (w = 0; w < NW; w++) {
			uint8_t in[64];

			while (recv(fds[w], in, sizeof(in), 0) == (ssize_t)sizeof(dg)) {
				assert_memory_equal(in + 16, dg + 16, 8);
				if (steer)	/* the C twin of the program, on what arrived */
					assert_int_equal(steer_index_of(in, sizeof(dg), NW), w);
				got++;
				per_socket[w]++;
				if (where[i] == -1)
					where[i] = w;
				else if (where[i] != w)
					where[i] = -2;	/* scattered */
			}
		}
		if (i + 1 < NSESS)
			for (p = 0; p < NPATHS; p++)
				close(paths[p]);
		if (where[i] >= 0) {
			together++;
			if (steer)
				assert_int_equal(where[i], (int)steer_index(sess[i], NW));
		}
	}
	assert_int_equal(got, NSESS * NPATHS);
	/* a datagram too short to hold a session id goes to socket 0 */
	if (steer) {
		uint8_t in[64];
		int w;

		assert_int_equal(sendto(paths[0], "tiny", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
		assert_int_equal(recv(fds[0], in, sizeof(in), 0), 4);
		for (w = 1; w < NW; w++)
			assert_true(recv(fds[w], in, sizeof(in), 0) < 0);
	}
	for (i = 0; i < NW; i++)
		close(fds[i]);
	for (p = 0; p < NPATHS; p++)
		close(paths[p]);
	return together;
}

static void test_steered_by_session(void **state)
{
	unsigned per[NW], i, together;

	(void)state;
	together = run(true, per);
	assert_int_equal(together, NSESS);
	/* spread: each socket's count is binomial(600, 1/4 per session); mean 150, sd ~18 by session */
	for (i = 0; i < NW; i++)
		if (per[i] < 60)
			fail_msg("socket %u got only %u of %u datagrams", i, per[i], NSESS * NPATHS);
}

/* The control: without the program the kernel's 4-tuple hash scatters paths of a session. */
static void test_default_scatters(void **state)
{
	unsigned per[NW], together;

	(void)state;
	together = run(false, per);
	print_message("without steering: %u of %u sessions had all paths on one socket\n",
		      together, NSESS);
	/* all three paths on one of 4 sockets by chance: (1/4)^2 per session, 12.5 expected */
	if (together > NSESS / 4)
		fail_msg("%u of %u sessions together without steering: is the control meaningful?",
			 together, NSESS);
}

static void test_index_and_args(void **state)
{
	int fd = udp_socket();

	(void)state;
	assert_int_equal(steer_index(0x0000000100000003ull, 4), 2);
	assert_int_equal(steer_index(0xffffffff00000000ull, 7), 0xffffffffu % 7);
	assert_int_equal(steer_index(42, 1), 0);
	assert_int_equal(steer_index_of((const uint8_t *)"tiny", 4, NW), 0);
	assert_int_equal(steer_attach(fd, 0), -EINVAL);
	assert_int_equal(steer_attach(fd, STEER_MAX + 1), -EINVAL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steered_by_session),
		cmocka_unit_test(test_default_scatters),
		cmocka_unit_test(test_index_and_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
