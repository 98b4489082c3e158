/* udp.c - UDP socket helpers: 0 or -errno, one cleanup label. */
#include "udp.h"
#include "msg.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int udp_open(const struct addr *local, const struct addr *peer, bool nonblock, int *fdp)
{
	const struct addr *any = local ? local : peer;
	int fd = -1, rc;

	if (!any)
		return -EINVAL;
	fd = socket(any->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
		    IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (local && local->ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&local->ss)->sin6_addr)) {
		/* [::]: IPv4 too (v4-mapped), whatever net.ipv6.bindv6only says */
		int zero = 0;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if (local && bind(fd, (const struct sockaddr *)&local->ss, local->len) < 0) {
		rc = -errno;
		goto fail;
	}
	if (peer && connect(fd, (const struct sockaddr *)&peer->ss, peer->len) < 0) {
		rc = -errno;
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

int udp_bind(const struct addr *a, int *fdp)
{
	return udp_open(a, NULL, true, fdp);
}

int udp_connect(const struct addr *peer, const struct addr *local, int *fdp)
{
	return udp_open(local, peer, true, fdp);
}

/* The buffer the kernel keeps for what was asked (it doubles the request). */
static int buf_get(int fd, int opt)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
		return -errno;
	return v / 2;
}

/* opt, then force (past net.core.[rw]mem_max) if the kernel capped it. */
static int buf_set(int fd, int opt, int force, int bytes)
{
	if (bytes <= 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes)) < 0)
		return -errno;
	if (buf_get(fd, opt) >= bytes)
		return 0;
	/* CAP_NET_ADMIN only; without it the capped size stays */
	(void)setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof(bytes));
	return 0;
}

int udp_set_buffers(int fd, int sndbuf, int rcvbuf)
{
	int rc = buf_set(fd, SO_SNDBUF, SO_SNDBUFFORCE, sndbuf);

	if (rc == 0)
		rc = buf_set(fd, SO_RCVBUF, SO_RCVBUFFORCE, rcvbuf);
	return rc;
}

int udp_get_buffers(int fd, int *sndbuf, int *rcvbuf)
{
	int s = buf_get(fd, SO_SNDBUF), r = buf_get(fd, SO_RCVBUF);

	if (s < 0 || r < 0)
		return s < 0 ? s : r;
	*sndbuf = s;
	*rcvbuf = r;
	return 0;
}

size_t udp_src_cmsg(struct cmsghdr *cm, const struct addr *src)
{
	if (!src || src->len == 0)
		return 0;
	if (src->ss.ss_family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&src->ss)->sin_addr;
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (src->ss.ss_family == AF_INET6) {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = ((const struct sockaddr_in6 *)&src->ss)->sin6_addr;
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	return 0;
}

int udp_set_pktinfo(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)
		return -errno;
	/* IPv4 (and IPv4 peers of a dual-stack socket) */
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0 && ss.ss_family == AF_INET)
		return -errno;
	return 0;
}

ssize_t udp_sendto_from(int fd, const void *buf, size_t len, const struct addr *to,
			const struct addr *src)
{
	union {
		char buf[UDP_CTL_SIZE];
		struct cmsghdr align;
	} ctrl;
	struct iovec iov = { .iov_base = msg_unconst(buf), .iov_len = len };
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	memset(&ctrl, 0, sizeof(ctrl));
	msg.msg_name = msg_unconst(&to->ss);
	msg.msg_namelen = to->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_controllen = udp_src_cmsg(&ctrl.align, src);
	if (msg.msg_controllen)
		msg.msg_control = ctrl.buf;
	return sendmsg(fd, &msg, 0);
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

bool udp_err_icmp(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
	       err == EHOSTDOWN;
}

int udp_err_transient(int err)
{
	if (udp_err_icmp(err))
		return 1;
	switch (err) {
	case ENETDOWN: case EAGAIN: case ENOBUFS: case EMSGSIZE: case EPERM:
	case ECONNRESET: case EINTR: case EACCES:
		return 1;
	default:
		return 0;
	}
}
