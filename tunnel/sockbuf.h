/* sockbuf.h - the tunnel's socket buffers: what --sndbuf/--rcvbuf ask
 * (default 1 MiB, PARAMS_TUNNEL_BUF) on every socket of mpclient and
 * mpserver, and a log line when the kernel grants less. */
#ifndef MPT_SOCKBUF_H
#define MPT_SOCKBUF_H

#include <stdbool.h>

#include "params.h"

/*
 * Size fd's buffers as prm asks, past net.core.[rw]mem_max where the process
 * may (CAP_NET_ADMIN, lib/udp.c).  If the kernel grants less, the first time
 * for *warned (one flag per kind of socket) a warning names the socket
 * (`what`), the sizes granted and the sysctl to raise.  Returns true if fd
 * got what was asked.
 */
bool sockbuf_apply(int fd, const struct tunnel_params *prm, const char *what, bool *warned);

#endif
