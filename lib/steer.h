/* steer.h - per-core workers: which worker's socket a datagram goes to.
 *
 * mpserver's workers (issue 15) each own a UDP socket bound to the same
 * address with SO_REUSEPORT.  The kernel picks one socket of such a group
 * per datagram; by default by a hash of the 4-tuple, which scatters the
 * paths of one session (they come from different bridges) over workers.
 * steer_attach() installs a classic BPF program (SO_ATTACH_REUSEPORT_CBPF)
 * that picks the socket from the session id instead, bytes 16..23 of the
 * UDP payload (tunnel/PROTOCOL.md, Header):
 *
 *     index = (session >> 32 XOR session & 0xffffffff) mod n
 *
 * where index is the socket's position in the group (the order in which
 * the sockets were bound).  Every path of a session reaches one worker, so
 * its window and state stay single-threaded.  A datagram shorter than 24
 * bytes goes to socket 0 (the BPF load fails and the program returns 0); it
 * is dropped there as malformed.  steer_index() is the same choice in C.
 */
#ifndef MPT_STEER_H
#define MPT_STEER_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define STEER_SESSION_OFFSET 16	/* session id in the UDP payload */
#define STEER_MAX 256		/* workers */

/* Attach the program for n sockets (1..STEER_MAX) to fd, a member of the group: 0 or -errno. */
int steer_attach(int fd, unsigned n);
/* The index the program picks for a session. */
unsigned steer_index(uint64_t session, unsigned n);
/* Set SO_REUSEPORT on fd (before bind): 0 or -errno. */
int steer_reuseport(int fd);
/* A non-blocking, close-on-exec UDP socket with SO_REUSEPORT bound to a, the
 * next member of a's group (its index: how many were bound before): 0 or -errno. */
int steer_bind(const struct addr *a, int *fdp);
/* The index the program picks for this UDP payload (0 when shorter than
 * STEER_SESSION_OFFSET + 8, as the program does). */
unsigned steer_index_of(const uint8_t *payload, size_t len, unsigned n);

#endif
