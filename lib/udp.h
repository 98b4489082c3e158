/* udp.h - UDP socket setup shared by the daemons. */
#ifndef MPT_UDP_H
#define MPT_UDP_H

#include <stdbool.h>

#include "addr.h"

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
