/* rx_util.h - building datagrams for the protocol-core tests (no sockets). */
#ifndef MPT_TEST_RX_UTIL_H
#define MPT_TEST_RX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "params.h"
#include "wire.h"

#define RX_BUF (WIRE_MAX_DGRAM + 64)
/* In rx_hdr/rx_mk flags: seal it (the default suite, rx_psk's key id). Not a wire flag. */
#define RX_KEYED 0x80

extern const uint8_t rx_psk[32];
/* A second key (another client's, or the one a rotation moves to). */
extern const uint8_t rx_psk2[32];

/* Defaults of the daemons, with a smaller window (64) for the edge cases. */
void rx_params(struct tunnel_params *p);
/* 127.0.0.1:port */
struct addr rx_addr(uint16_t port);
/* h with payload (len h->len), sealed under psk's key (rx_psk when NULL) when h->flags has RX_KEYED. */
size_t rx_mk(uint8_t *out, const struct wire_hdr *h, const void *payload, const uint8_t *psk);
/* Decode and open a keyed datagram in place (psk NULL: rx_psk). */
bool rx_open(uint8_t *d, size_t n, const uint8_t *psk);
/* A PING or PONG (h->type) with this body. */
size_t rx_mk_ping(uint8_t *out, struct wire_hdr h, uint16_t path, double stamp,
		  const uint8_t *cookie, const uint8_t *psk);
/* A header with the usual fields. */
struct wire_hdr rx_hdr(uint8_t type, uint8_t flags, uint32_t flow, uint64_t session,
		       uint64_t epoch, uint64_t seq, uint16_t len);

#endif
