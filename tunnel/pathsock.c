/* pathsock.c - an mpclient path's socket (see pathsock.h). */
#include "pathsock.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_FREEBIND
#define IP_FREEBIND 15
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

int pathsock_open(const struct addr *peer, const struct path_bind *b, int *fdp,
		  const char **what)
{
	int fd, rc, on = 1, v6 = peer->ss.ss_family == AF_INET6;

	*fdp = -1;
	*what = "socket";
	fd = socket(peer->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (b && b->dev[0]) {
		*what = "interface";
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, b->dev, (socklen_t)strlen(b->dev)) < 0)
			goto fail;
	}
	if (b && b->has_src) {
		*what = "source address";
		if (b->src.ss.ss_family != peer->ss.ss_family) {
			errno = EAFNOSUPPORT;
			goto fail;
		}
		/* an address the host does not have yet (DHCP, hot-plug) binds */
		if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND,
			       &on, sizeof(on)) < 0 ||
		    bind(fd, (const struct sockaddr *)&b->src.ss, b->src.len) < 0)
			goto fail;
	}
	*what = "connect";
	if (connect(fd, (const struct sockaddr *)&peer->ss, peer->len) < 0)
		goto fail;
	*fdp = fd;
	return 0;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

unsigned pathsock_max_payload(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int mtu = 0, v6;
	socklen_t ml = sizeof(mtu);
	long max;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	v6 = ss.ss_family == AF_INET6;
	if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &mtu, &ml) < 0 ||
	    mtu <= 0)
		return 0;
	max = (long)mtu - (v6 ? 40 + 8 : 20 + 8);
	if (max <= 0)
		return 0;
	return max > WIRE_MAX_DGRAM ? WIRE_MAX_DGRAM : (unsigned)max;
}

int pathsock_send_probe(int fd, const void *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int level, opt, probe, old = 0, rc = 0;
	socklen_t ol = sizeof(old);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6) {
		level = IPPROTO_IPV6;
		opt = IPV6_MTU_DISCOVER;
		probe = IPV6_PMTUDISC_PROBE;
	} else {
		level = IPPROTO_IP;
		opt = IP_MTU_DISCOVER;
		probe = IP_PMTUDISC_PROBE;
	}
	if (getsockopt(fd, level, opt, &old, &ol) < 0 ||
	    setsockopt(fd, level, opt, &probe, sizeof(probe)) < 0)
		return -errno;
	if (send(fd, buf, len, 0) < 0)
		rc = -errno;
	if (setsockopt(fd, level, opt, &old, sizeof(old)) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

bool pathsock_local_ok(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int t, ok;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	else
		return false;
	/* a socket can bind an address only while the host has it */
	t = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (t < 0)
		return true;	/* cannot tell: keep it */
	ok = bind(t, (struct sockaddr *)&ss, len) == 0 || errno != EADDRNOTAVAIL;
	close(t);
	return ok;
}

const char *pathsock_bind_text(const struct path_bind *b, char *buf, size_t len)
{
	char a[ADDR_STRLEN] = "", *colon;

	buf[0] = '\0';
	if (!b)
		return buf;
	if (b->has_src) {
		addr_format(&b->src, a, sizeof(a));
		colon = strrchr(a, ':');	/* "1.2.3.4:0" or "[::1]:0": drop the port */
		if (colon)
			*colon = '\0';
	}
	snprintf(buf, len, "%s%s%s%s%s", b->dev[0] ? "dev " : "", b->dev,
		 b->dev[0] && b->has_src ? " " : "", b->has_src ? "src " : "",
		 b->has_src ? (a[0] == '[' ? a + 1 : a) : "");
	if (b->has_src && a[0] == '[') {
		char *r = strrchr(buf, ']');

		if (r)
			*r = '\0';
	}
	return buf;
}
