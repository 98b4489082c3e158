/* udp.c - UDP socket helpers: 0 or -errno, one cleanup label. */
#include "udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static int udp_socket(int family, int *fdp)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd < 0)
		return -errno;
	*fdp = fd;
	return 0;
}

int udp_bind(const struct addr *a, int *fdp)
{
	int fd = -1, rc;

	rc = udp_socket(a->ss.ss_family, &fd);
	if (rc)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		rc = -errno;
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return rc;
}

int udp_connect(const struct addr *peer, const struct addr *local, int *fdp)
{
	int fd = -1, rc;

	rc = udp_socket(peer->ss.ss_family, &fd);
	if (rc)
		goto fail;
	if (local && bind(fd, (const struct sockaddr *)&local->ss, local->len) < 0) {
		rc = -errno;
		goto fail;
	}
	if (connect(fd, (const struct sockaddr *)&peer->ss, peer->len) < 0) {
		rc = -errno;
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return rc;
}

int udp_set_buffers(int fd, int sndbuf, int rcvbuf)
{
	if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
		return -errno;
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		return -errno;
	return 0;
}

int udp_set_recverr(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on)) < 0)
			return -errno;
	}
	/* IPv4 (and v4-mapped on a dual-stack socket) */
	if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)) < 0 && ss.ss_family == AF_INET)
		return -errno;
	return 0;
}

int udp_local(int fd, struct addr *out)
{
	out->len = sizeof(out->ss);
	if (getsockname(fd, (struct sockaddr *)&out->ss, &out->len) < 0)
		return -errno;
	return 0;
}

int udp_err_transient(int err)
{
	switch (err) {
	case ECONNREFUSED: case EHOSTUNREACH: case ENETUNREACH: case EHOSTDOWN:
	case ENETDOWN: case EAGAIN: case ENOBUFS: case EMSGSIZE: case EPERM:
	case ECONNRESET: case EINTR: case EACCES:
		return 1;
	default:
		return 0;
	}
}
