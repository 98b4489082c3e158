/* addr.c - socket address helpers. */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int try_family(const char *host, const char *port, int family, bool passive,
		      struct addr *out, int *gai)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	/* AI_IDN: a UTF-8 (internationalised) name is looked up in its ASCII form */
	hints.ai_flags = AI_NUMERICSERV | AI_IDN | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		*gai = rc;
		return -1;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int addr_resolve(const char *host, uint16_t port, bool passive, struct addr *out,
		 const char **errstr)
{
	char portstr[8];
	int gai = 0;

	if (host && !*host)
		host = NULL;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	memset(out, 0, sizeof(*out));
	if (try_family(host, portstr, AF_INET, passive, out, &gai) == 0 ||
	    try_family(host, portstr, AF_INET6, passive, out, &gai) == 0)
		return 0;
	if (errstr)
		*errstr = gai_strerror(gai);
	return gai == EAI_MEMORY ? -ENOMEM : -ENOENT;
}

const char *addr_format_sa(const struct sockaddr *sa, socklen_t len, char *buf,
			   unsigned buflen)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, buflen, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6) &&
		   IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr)) {
		/* an IPv4 peer of a dual-stack socket: shown as the IPv4 address it is */
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET, s6->sin6_addr.s6_addr + 12, ip, sizeof(ip));
		snprintf(buf, buflen, "%s:%u", ip, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, buflen, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, buflen, "(family %d)", sa->sa_family);
	}
	return buf;
}

const char *addr_format(const struct addr *a, char *buf, unsigned buflen)
{
	return addr_format_sa((const struct sockaddr *)&a->ss, a->len, buf, buflen);
}

bool addr_equal_sa(const struct addr *a, const struct sockaddr *sa, socklen_t len)
{
	if (a->ss.ss_family != sa->sa_family)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)&a->ss;
		const struct sockaddr_in *y = (const struct sockaddr_in *)sa;

		return len >= sizeof(*y) && x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->ss;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)sa;

		return len >= sizeof(*y) && x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(y->sin6_addr)) == 0 &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return false;
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return addr_equal_sa(a, (const struct sockaddr *)&b->ss, b->len);
}

bool addr_is_any(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return false;
}

const char *addr_not_unicast(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		uint32_t ip = ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr);

		if (ip == 0xffffffffu)
			return "the broadcast address";
		if ((ip >> 28) == 0xe)
			return "a multicast address";
		if ((ip >> 24) == 0)
			return "an unspecified (0.0.0.0/8) address";
		return NULL;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct in6_addr *ip = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;

		if (IN6_IS_ADDR_MULTICAST(ip))
			return "a multicast address";
		if (IN6_IS_ADDR_UNSPECIFIED(ip))
			return "the unspecified address";
		if (IN6_IS_ADDR_V4MAPPED(ip)) {
			struct addr v4;
			struct sockaddr_in *s4 = (struct sockaddr_in *)&v4.ss;

			memset(&v4, 0, sizeof(v4));
			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, &ip->s6_addr[12], 4);
			v4.len = sizeof(*s4);
			return addr_not_unicast(&v4);
		}
		return NULL;
	}
	return "not an IP address";
}

void addr_set_port(struct addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

uint16_t addr_port(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}
