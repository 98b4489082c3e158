/* socks5.h - the SOCKS version 5 messages mpclient serves (RFC 1928):
 * method negotiation (no authentication only), the UDP ASSOCIATE request
 * on the TCP control connection, its reply, and the header that prefixes
 * every UDP datagram between the application and the relay.  Pure codecs:
 * no sockets, no allocation. */
#ifndef MPT_SOCKS5_H
#define MPT_SOCKS5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SOCKS5_VERSION 5
#define SOCKS5_METHOD_NOAUTH 0x00
#define SOCKS5_METHOD_NONE 0xff
#define SOCKS5_CMD_CONNECT 1
#define SOCKS5_CMD_BIND 2
#define SOCKS5_CMD_UDP_ASSOCIATE 3
#define SOCKS5_ATYP_IPV4 1
#define SOCKS5_ATYP_DOMAIN 3
#define SOCKS5_ATYP_IPV6 4
#define SOCKS5_DOMAIN_MAX 255
/* largest UDP request header: RSV(2) FRAG(1) ATYP(1) len(1) name(255) port(2) */
#define SOCKS5_UDP_HDR_MAX (4 + 1 + SOCKS5_DOMAIN_MAX + 2)

enum socks5_rep {
	SOCKS5_REP_OK = 0,
	SOCKS5_REP_FAILURE = 1,
	SOCKS5_REP_NOT_ALLOWED = 2,
	SOCKS5_REP_NET_UNREACH = 3,
	SOCKS5_REP_HOST_UNREACH = 4,
	SOCKS5_REP_REFUSED = 5,
	SOCKS5_REP_TTL = 6,
	SOCKS5_REP_CMD_UNSUPPORTED = 7,
	SOCKS5_REP_ATYP_UNSUPPORTED = 8,
};

/* Outcome of parsing a message that may arrive in pieces over TCP. */
enum socks5_parse {
	SOCKS5_MORE = 0,	/* incomplete: read more bytes */
	SOCKS5_OK,		/* complete: *used bytes consumed */
	SOCKS5_BAD,		/* malformed: reply with an error and close */
};

/* An address as SOCKS names it: IPv4, IPv6 or a domain name, and a port. */
struct socks5_addr {
	uint8_t atyp;				/* SOCKS5_ATYP_* */
	uint8_t len;				/* bytes of domain */
	uint16_t port;
	union {
		uint8_t v4[4];
		uint8_t v6[16];
		char domain[SOCKS5_DOMAIN_MAX + 1];	/* NUL-terminated */
	} u;
};

/* Why a datagram from the application was not relayed. */
enum socks5_udp_drop {
	SOCKS5_UDP_OK = 0,
	SOCKS5_UDP_SHORT,	/* shorter than its header */
	SOCKS5_UDP_RSV,		/* reserved bytes not zero */
	SOCKS5_UDP_FRAG,	/* fragmented (FRAG != 0): not supported, RFC 1928 allows dropping */
	SOCKS5_UDP_ATYP,	/* unknown address type */
	SOCKS5_UDP_ADDR,	/* bad domain (empty, NUL, control bytes) or port 0 */
	SOCKS5_UDP__COUNT
};

const char *socks5_udp_drop_name(enum socks5_udp_drop why);

/* Greeting: VER NMETHODS METHODS...; *noauth says whether method 0 is offered. */
enum socks5_parse socks5_parse_greeting(const void *buf, size_t len, size_t *used, bool *noauth);
/* The method selection reply (2 bytes). */
size_t socks5_encode_method(uint8_t method, void *out, size_t outlen);
/* Request: VER CMD RSV ATYP DST.ADDR DST.PORT. */
enum socks5_parse socks5_parse_request(const void *buf, size_t len, size_t *used, uint8_t *cmd,
				       struct socks5_addr *dst);
/* Reply: VER REP RSV ATYP BND.ADDR BND.PORT (bnd NULL: 0.0.0.0:0). */
size_t socks5_encode_reply(uint8_t rep, const struct addr *bnd, void *out, size_t outlen);

/* The UDP request header: RSV FRAG ATYP DST.ADDR DST.PORT DATA. */
bool socks5_udp_decode(const void *buf, size_t len, struct socks5_addr *dst,
		       const uint8_t **data, size_t *datalen, enum socks5_udp_drop *why);
/* Write the header for a datagram from src; returns its size or 0. */
size_t socks5_udp_encode_hdr(const struct socks5_addr *src, void *out, size_t outlen);

bool socks5_addr_from(struct socks5_addr *s, const struct addr *a);
/* IPv4/IPv6 only (false for a domain). */
bool socks5_addr_to(const struct socks5_addr *s, struct addr *a);
bool socks5_addr_equal(const struct socks5_addr *a, const struct socks5_addr *b);

#endif
