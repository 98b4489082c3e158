/* addr.h - socket addresses: resolution, formatting, comparison. */
#ifndef MPT_ADDR_H
#define MPT_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
	uint8_t via;	/* mpserver: the listen socket it came in on, replies leave by it
			 * (not part of the address: addr_equal and hash_addr ignore it) */
};

/* Longest string addr_format() produces, with the NUL. */
#define ADDR_STRLEN 64

/*
 * Resolve host (NULL or "" means the wildcard address when passive, loopback
 * otherwise) and port for UDP, preferring IPv4 as socat's udp4 bridges do.
 * Returns 0 or a negative errno-like code; *errstr gets a message on failure.
 */
int addr_resolve(const char *host, uint16_t port, bool passive, struct addr *out,
		 const char **errstr);
/* "1.2.3.4:5" or "[::1]:5" */
const char *addr_format(const struct addr *a, char *buf, unsigned buflen);
const char *addr_format_sa(const struct sockaddr *sa, socklen_t len, char *buf,
			   unsigned buflen);
bool addr_equal(const struct addr *a, const struct addr *b);
bool addr_equal_sa(const struct addr *a, const struct sockaddr *sa, socklen_t len);
/* 0.0.0.0 or :: (a listening socket on every address). */
bool addr_is_any(const struct addr *a);
/* NULL for a unicast IP address, else what it is instead ("the broadcast
 * address", "a multicast address", ...): a tunnel peer must be unicast. */
const char *addr_not_unicast(const struct addr *a);
uint16_t addr_port(const struct addr *a);
/* Set a's port (IPv4, IPv6; nothing for others). */
void addr_set_port(struct addr *a, uint16_t port);

#endif
