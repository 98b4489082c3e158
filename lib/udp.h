/* udp.h - UDP socket setup shared by the daemons. */
#ifndef MPT_UDP_H
#define MPT_UDP_H

#include <stdbool.h>

#include "addr.h"

#include <sys/socket.h>
#include <sys/types.h>

/*
 * Close-on-exec UDP socket bound to local (if not NULL) and connected to peer
 * (if not NULL; at least one is given), non-blocking if asked.
 */
int udp_open(const struct addr *local, const struct addr *peer, bool nonblock, int *fdp);
/* Non-blocking, close-on-exec UDP socket for a's family, bound to a (SO_REUSEADDR off). */
int udp_bind(const struct addr *a, int *fdp);
/* Non-blocking UDP socket connected to peer; bound to local if non-NULL. */
int udp_connect(const struct addr *peer, const struct addr *local, int *fdp);
/*
 * Set SO_SNDBUF/SO_RCVBUF (bytes; 0 leaves the default).  Where the kernel
 * caps a request at net.core.wmem_max/rmem_max, SO_SNDBUFFORCE/SO_RCVBUFFORCE
 * are tried (CAP_NET_ADMIN); without that capability the capped size stays:
 * udp_get_buffers() says what was granted.
 */
int udp_set_buffers(int fd, int sndbuf, int rcvbuf);
/* The buffer sizes in force, in the units udp_set_buffers takes (half of
 * what the kernel accounts): 0 or -errno. */
int udp_get_buffers(int fd, int *sndbuf, int *rcvbuf);
/* Queue ICMP errors with the address they concern (IP_RECVERR / IPV6_RECVERR). */
int udp_set_recverr(int fd);
/* Room for the IP_PKTINFO and IPV6_PKTINFO control messages of one datagram (a
 * dual-stack socket gets both for an IPv4 peer). */
#define UDP_CTL_SIZE 128
/* Write the control message that sets the source address `src` at cm (room
 * for UDP_CTL_SIZE); returns its CMSG_SPACE, 0 for none (NULL, len 0) or an
 * address family it cannot set. */
size_t udp_src_cmsg(struct cmsghdr *cm, const struct addr *src);
/* Ask for each datagram's destination address (IP_PKTINFO; IPV6_RECVPKTINFO
 * too on an IPv6 socket, IPv4 peers of a dual-stack one included): 0 or -errno. */
int udp_set_pktinfo(int fd);
/* sendto() from source address `src` (NULL or len 0: the kernel's choice). */
ssize_t udp_sendto_from(int fd, const void *buf, size_t len, const struct addr *to,
			const struct addr *src);
/* Local address of a socket. */
int udp_local(int fd, struct addr *out);
/* True for the errors a UDP socket reports, on a later send or receive, for
 * an ICMP error about an earlier datagram (port, host or network unreachable,
 * host down): they concern that datagram, not this call or the socket. */
bool udp_err_icmp(int err);
/* True for errors a UDP socket reports from ICMP or transient congestion:
 * they concern one datagram, not the socket. */
int udp_err_transient(int err);

#endif
