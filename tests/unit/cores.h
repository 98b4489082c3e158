/* cores.h - a client core and a server core in one test, datagrams passed by hand (no
 * sockets): their set-up, the PING/PONG join and a server's reply handed to the client.
 * Shared by the tests that run both cores (test_client_rx, test_redundancy). */
#ifndef MPT_TEST_CORES_H
#define MPT_TEST_CORES_H

#include <stdbool.h>
#include <stdint.h>

#include "client_core.h"
#include "server_core.h"

/* The client's session id. */
#define CORES_SESS 0x1111222233334444ull

/* Both cores on prm, the client with 3 paths; keyed: both under rx_psk. */
void cores_new(struct client_core *c, struct server_core *s, const struct tunnel_params *prm,
	       bool keyed);
/* The server's reply rs (its reply_buf) to the client on path, at now; client_rx's verdict. */
enum rx_verdict cores_reply(struct client_core *c, unsigned path, const struct rx_result *rs,
			    double now, struct rx_result *r);
/* The session opened by PINGs (keyed: the first gets a COOKIE), every path heard both ways;
 * path p's address at the server is 127.0.0.1:4000+p. */
void cores_join(struct client_core *c, struct server_core *s, bool keyed, double now);

#endif
