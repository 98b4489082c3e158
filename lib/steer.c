/* steer.c - SO_REUSEPORT group steering by session id (see steer.h). */
#include "steer.h"

#include <errno.h>
#include <linux/filter.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

int steer_attach(int fd, unsigned n)
{
	/*
	 * The program runs with the packet data starting at the UDP payload
	 * (the kernel pulls the UDP header before running it).
	 */
	struct sock_filter code[] = {
		/* A = payload[16..19] (the session's high 32 bits, big-endian) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, STEER_SESSION_OFFSET),
		/* X = A */
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* A = payload[20..23] (low 32 bits) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, STEER_SESSION_OFFSET + 4),
		/* A ^= X */
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		/* A %= n */
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		/* the socket at index A */
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog;

	if (n < 1 || n > STEER_MAX)
		return -EINVAL;
	memset(&prog, 0, sizeof(prog));	/* no uninitialised padding to the kernel */
	prog.len = sizeof(code) / sizeof(code[0]);
	prog.filter = code;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

unsigned steer_index(uint64_t session, unsigned n)
{
	return n ? (unsigned)(((uint32_t)(session >> 32) ^ (uint32_t)session) % n) : 0;
}

int steer_reuseport(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ? -errno : 0;
}

int steer_bind(const struct addr *a, int *fdp)
{
	int fd, rc;

	fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = steer_reuseport(fd);
	if (rc)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		rc = -errno;
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

unsigned steer_index_of(const uint8_t *payload, size_t len, unsigned n)
{
	uint64_t s = 0;
	unsigned i;

	if (len < STEER_SESSION_OFFSET + 8)
		return 0;
	for (i = 0; i < 8; i++)
		s = s << 8 | payload[STEER_SESSION_OFFSET + i];
	return steer_index(s, n);
}
