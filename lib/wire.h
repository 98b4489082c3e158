/* wire.h - mptunnel wire protocol, version 1 (see tunnel/PROTOCOL.md). */
#ifndef MPT_WIRE_H
#define MPT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_VERSION 1
#define WIRE_HDR_LEN 36			/* clear header, associated data when sealed */
#define WIRE_TAG_LEN 16			/* AEAD tag after the payload when sealed */
#define WIRE_MAX_DGRAM 65507		/* largest UDP payload over IPv4 */
#define WIRE_MAX_PAYLOAD (WIRE_MAX_DGRAM - WIRE_HDR_LEN - WIRE_TAG_LEN)
#define WIRE_COOKIE_LEN 16
#define WIRE_PING_LEN 28		/* path u16, reserved u16, stamp u64, cookie[16] */

enum wire_type {
	WIRE_DATA = 1,		/* payload is one application datagram */
	WIRE_PING = 2,		/* mpclient -> mpserver keepalive on one path */
	WIRE_PONG = 3,		/* mpserver -> mpclient answer on the same path */
	WIRE_COOKIE = 4,	/* mpserver -> mpclient: prove freshness (keyed mode) */
};

enum wire_flags {
	WIRE_F_SERVER = 0x01,	/* sent by mpserver (direction server->client) */
	WIRE_F_SEALED = 0x02,	/* payload encrypted, 16-byte tag follows */
	WIRE_F_MASK = 0x03,
};

/* Why a datagram was not accepted by wire_decode(). */
enum wire_drop {
	WIRE_OK = 0,
	WIRE_E_SHORT,		/* shorter than the header */
	WIRE_E_VERSION,		/* unknown version */
	WIRE_E_TYPE,		/* unknown type */
	WIRE_E_FLAGS,		/* unknown flag bits or reserved bytes not zero */
	WIRE_E_LENGTH,		/* length field disagrees with datagram size */
	WIRE_E_SESSION,		/* session or epoch id zero */
	WIRE_E_SEQ,		/* sequence number zero */
	WIRE_E_PING,		/* ping/pong/cookie payload or flow malformed */
	WIRE_E__COUNT
};

struct wire_hdr {
	uint8_t version;
	uint8_t type;
	uint8_t flags;
	uint32_t flow;		/* application flow id (DATA); 0 for PING/PONG */
	uint64_t session;	/* tunnel session id, chosen by mpclient */
	uint64_t epoch;		/* sender instance id: = session from mpclient */
	uint64_t seq;		/* per (session, epoch, direction), from 1 */
	uint16_t len;		/* payload bytes (without tag) */
};

struct wire_ping {
	uint16_t path;		/* sender's path index */
	uint64_t stamp;		/* sender's monotonic ns, echoed in PONG */
	uint8_t cookie[WIRE_COOKIE_LEN];	/* last cookie from mpserver, or zeros */
};

const char *wire_drop_name(enum wire_drop why);

/* Total datagram size for a payload of len bytes with these flags. */
size_t wire_dgram_len(uint8_t flags, size_t len);

/*
 * Write header + payload (+ zeroed tag space when sealed) into out.
 * payload may alias out + WIRE_HDR_LEN.  Returns the datagram size, or 0
 * if it does not fit or h->len exceeds WIRE_MAX_PAYLOAD.
 */
size_t wire_encode(const struct wire_hdr *h, const void *payload, void *out, size_t outlen);
/* Header only (WIRE_HDR_LEN bytes), e.g. to rebuild associated data. */
bool wire_encode_hdr(const struct wire_hdr *h, void *out, size_t outlen);

/*
 * Parse and validate a datagram.  On success fills *h and *payload (points
 * into buf) and returns true; otherwise sets *why and returns false.
 */
bool wire_decode(const void *buf, size_t len, struct wire_hdr *h, const uint8_t **payload,
		 enum wire_drop *why);

size_t wire_ping_encode(const struct wire_ping *p, void *out, size_t outlen);
bool wire_ping_decode(const void *buf, size_t len, struct wire_ping *p);

#endif
