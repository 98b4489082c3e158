/* wire.h - mptunnel wire protocol, version 2 (see tunnel/PROTOCOL.md).
 *
 * A datagram is
 *
 *     header (52) | [FEC extension (8), flag FEC] | payload (len) | trailer
 *
 * where the trailer is a 4-byte CRC32C for suite 0 and a 16-byte AEAD tag
 * otherwise.  Everything is big-endian and goes through lib/cursor.
 *
 * Sending: fill a struct wire_hdr, wire_encode() once (suite 0: the CRC
 * is written; keyed: the tag space is zeroed for the sealer, which
 * authenticates wire_ad()), then per path copy wire_set_per_path(), which
 * writes path, path seq and stamp and, for suite 0, recomputes the CRC.
 *
 * Receiving: wire_decode() checks the size, the version (a well-formed
 * version 1 datagram is reported as WIRE_E_V1), the suite, then, for
 * suite 0, the CRC over everything before the trailer (so a bit error
 * anywhere past the version and suite bytes counts as `checksum`), then
 * every header field, the extension and the payload's size for its type.
 * The payload's contents (PING, FEEDBACK, NOTICE, coded symbols, target
 * descriptors) are decoded by the functions further down, on plaintext:
 * for a sealed datagram only after it was opened.  wire_parse() is the
 * same without the CRC check (dissectors, fuzzers, tests).
 *
 * CRC32C convention (Castagnoli, reflected, as iSCSI and RFC 3720): initial
 * value 0xffffffff, final complement; CRC32C("123456789") = 0xe3069283.
 * ISA-L's crc32_iscsi(buf, len, 0xffffffff) returns the value before the
 * final complement (0x1cf96d7c for that input), so wire_crc32c() returns
 * its complement.  The trailer holds the CRC big-endian.
 */
#ifndef MPT_WIRE_H
#define MPT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_VERSION 2
#define WIRE_HDR_LEN 52		/* fixed header */
#define WIRE_EXT_LEN 8			/* FEC extension, when flag FEC */
#define WIRE_CRC_LEN 4			/* trailer of suite 0 */
#define WIRE_TAG_LEN 16		/* trailer of suites 1 and 2 */
#define WIRE_AD_MAX (WIRE_HDR_LEN + WIRE_EXT_LEN)
#define WIRE_MIN_DGRAM (WIRE_HDR_LEN + WIRE_CRC_LEN)
#define WIRE_MAX_DGRAM 65507		/* largest UDP payload over IPv4 */
/* Largest application payload the tunnel carries, in either mode (keyed
 * trailer, no extension): 65507 - 52 - 16. */
#define WIRE_MAX_PAYLOAD (WIRE_MAX_DGRAM - WIRE_HDR_LEN - WIRE_TAG_LEN)
#define WIRE_MAX_PATHS 16		/* path ids 0..15 */

/* byte offsets of the per-path fields (zero in the associated data) */
#define WIRE_OFF_PATH 6
#define WIRE_OFF_PATH_SEQ 40
#define WIRE_OFF_STAMP 44
#define WIRE_OFF_SERVER 4
#define WIRE_OFF_SESSION 16

enum wire_type {
	WIRE_DATA = 1,		/* one application datagram (flow != 0) */
	WIRE_PING = 2,		/* keepalive, path probe, path challenge */
	WIRE_PONG = 3,		/* answer to a PING on the same path */
	WIRE_COOKIE = 4,	/* mpserver -> mpclient: freshness cookie (keyed) */
	WIRE_PARITY = 5,	/* one FEC parity symbol (flag FEC) */
	WIRE_FEEDBACK = 6,	/* per-path reception report */
	WIRE_NOTICE = 7,	/* mpserver -> mpclient: why a peer is not served */
	WIRE_TYPE_MAX = 7
};

enum wire_flags {
	WIRE_F_SERVER = 0x01,	/* sent by mpserver */
	WIRE_F_FEC = 0x02,	/* the FEC extension follows the header */
	WIRE_F_TARGET = 0x04,	/* DATA from mpclient: payload starts with a target descriptor */
	WIRE_F_MASK = 0x07,
};

enum wire_suite {
	WIRE_SUITE_CLEAR = 0,	/* clear payload, CRC32C trailer */
	WIRE_SUITE_CHACHA = 1,	/* ChaCha20-Poly1305 (IETF) */
	WIRE_SUITE_AESGCM = 2,	/* AES-256-GCM */
	WIRE_SUITE_MAX = 2
};

/* Why wire_decode() refused a datagram (each one a counter in the daemons). */
enum wire_drop {
	WIRE_OK = 0,
	WIRE_E_SHORT,		/* shorter than header + CRC trailer */
	WIRE_E_V1,		/* a well-formed protocol version 1 datagram */
	WIRE_E_VERSION,	/* any other version */
	WIRE_E_SUITE,		/* unknown suite */
	WIRE_E_CHECKSUM,	/* suite 0: CRC32C mismatch */
	WIRE_E_TYPE,		/* unknown type */
	WIRE_E_FLAGS,		/* unknown flag bits, or a flag not allowed on this type/direction */
	WIRE_E_RESERVED,	/* a reserved byte not zero */
	WIRE_E_LENGTH,		/* size disagrees with len, extension and trailer */
	WIRE_E_PATH,		/* path id above 15 */
	WIRE_E_KEY_FIELD,	/* key id not 0 with suite 0, or 0 with a keyed suite */
	WIRE_E_SESSION,	/* session or epoch zero */
	WIRE_E_SEQ,		/* seq zero */
	WIRE_E_FLOW,		/* flow rule: DATA != 0, others 0 (NOTICE code 6 != 0) */
	WIRE_E_EXT,		/* FEC extension malformed (index, k, m) */
	WIRE_E_PAYLOAD,	/* payload size or contents wrong for the type */
	WIRE_E__COUNT
};

/* FEC extension (flag FEC; DATA and PARITY). */
struct wire_ext {
	uint32_t block;		/* block id per (session, epoch, direction) */
	uint8_t index;		/* 0..k-1 data, k..k+m-1 parity */
	uint8_t k;		/* data symbols: 0 on DATA, 1..64 on PARITY */
	uint8_t m;		/* parity symbols: 0 on DATA, 1..64 on PARITY */
};

#define WIRE_FEC_MAX_K 64
#define WIRE_FEC_MAX_M 64
#define WIRE_FEC_MAX_N 128

struct wire_hdr {
	uint8_t version;	/* WIRE_VERSION */
	uint8_t type;		/* enum wire_type */
	uint8_t flags;		/* enum wire_flags */
	uint8_t suite;		/* enum wire_suite */
	uint16_t server;	/* routable server id, 0 = unassigned */
	uint8_t path;		/* per path copy: path id 0..15 */
	uint32_t key_id;	/* 0 with suite 0 */
	uint32_t flow;		/* DATA: != 0; others 0 (NOTICE code 6: the refused flow) */
	uint64_t session;
	uint64_t epoch;
	uint64_t seq;
	uint32_t path_seq;	/* per path copy */
	uint32_t stamp;		/* per path copy: sender's monotonic µs mod 2^32 */
	uint16_t len;		/* payload bytes (no extension, no trailer) */
	struct wire_ext ext;	/* when flags & WIRE_F_FEC */
};

const char *wire_drop_name(enum wire_drop why);
const char *wire_type_name(uint8_t type);	/* "data", ..., "?" */

/* CRC32C of n bytes (see the convention above). */
uint32_t wire_crc32c(const void *p, size_t n);

/* Bytes before the payload (52, or 60 with flag FEC). */
size_t wire_hdr_size(uint8_t flags);
/* Trailer bytes for a suite (4 for suite 0, else 16). */
size_t wire_trailer_len(uint8_t suite);
/* Whole datagram size for these flags, suite and payload length. */
size_t wire_dgram_len(uint8_t flags, uint8_t suite, size_t len);

/*
 * Write header, extension, payload and trailer into out.  payload may alias
 * out + wire_hdr_size(h->flags).  Suite 0: the CRC is written; keyed: the
 * tag space is zeroed.  Returns the datagram size, or 0 if it does not fit
 * in outlen or exceeds WIRE_MAX_DGRAM.  Writes the fields as given (the
 * caller sends only what wire_decode() would accept; tests write bad ones).
 */
size_t wire_encode(const struct wire_hdr *h, const void *payload, void *out, size_t outlen);
/* Header and extension only (wire_hdr_size(h->flags) bytes). */
bool wire_encode_hdr(const struct wire_hdr *h, void *out, size_t outlen);

/*
 * One path's copy of an encoded datagram of len bytes: writes path, path
 * seq and stamp, and for suite 0 recomputes the CRC.  The sealed bytes of a
 * keyed datagram stay valid (those fields are not in the associated data).
 */
void wire_set_per_path(uint8_t *dgram, size_t len, uint8_t path, uint32_t path_seq,
			uint32_t stamp);
/* Is an encoded datagram DATA or PARITY (what the peer answers with a FEEDBACK)? */
static inline bool wire_is_traffic(const uint8_t *dgram, size_t len)
{
	return len > 1 && (dgram[1] == WIRE_DATA || dgram[1] == WIRE_PARITY);
}
/* Recompute the CRC trailer of a suite-0 datagram of len bytes (after an edit). */
void wire_crc_update(uint8_t *dgram, size_t len);

/*
 * The associated data of a keyed datagram: header (and extension) with the
 * per-path fields (path, path seq, stamp) zeroed.  Writes into ad (at least
 * WIRE_AD_MAX bytes) and returns its length (52 or 60), or 0 if dgram is
 * shorter than that.
 */
size_t wire_ad(const uint8_t *dgram, size_t len, uint8_t ad[WIRE_AD_MAX]);

/*
 * Validate a datagram (see the top).  On success fills *h and *payload
 * (pointing into buf) and returns true; otherwise sets *why (when not NULL)
 * and returns false.  wire_parse() skips the CRC check.
 */
bool wire_decode(const void *buf, size_t len, struct wire_hdr *h, const uint8_t **payload,
		  enum wire_drop *why);
bool wire_parse(const void *buf, size_t len, struct wire_hdr *h, const uint8_t **payload,
		 enum wire_drop *why);

/* True when buf is a well-formed protocol version 1 datagram (header
 * fields and size consistent), i.e. a peer that speaks v1. */
bool wire_is_v1(const void *buf, size_t len);

/* ---- payloads ------------------------------------------------------------ */

#define WIRE_TOKEN_LEN 16
#define WIRE_COOKIE_LEN 16
#define WIRE_PING_LEN 56
#define WIRE_PATH_NAME_LEN 16
#define WIRE_NOTICE_LEN 8
#define WIRE_FEEDBACK_HDR 4
#define WIRE_FEEDBACK_ENTRY 20
#define WIRE_FEEDBACK_MAX 16

enum wire_redundancy {
	WIRE_RED_KEEP = 0,
	WIRE_RED_BROADCAST = 1,
	WIRE_RED_FEC = 2,
	WIRE_RED_AUTO = 3,
	WIRE_RED_MAX = 3
};

#define WIRE_PATH_F_BACKUP 0x01

/* PING and PONG payload (the first 56 bytes; a probe PING is zero-padded). */
struct wire_ping {
	uint64_t stamp;			/* sender's monotonic ns, echoed */
	uint8_t token[WIRE_TOKEN_LEN];	/* cookie (from mpclient) or challenge (from mpserver) */
	uint16_t probe_size;		/* PING: padded size, or 0; PONG: size of the PING received */
	uint8_t path_flags;		/* WIRE_PATH_F_BACKUP */
	uint8_t redundancy;		/* enum wire_redundancy */
	uint8_t fec_k, fec_m;		/* 0,0 or 1..64 each, k + m <= 128 */
	uint16_t fec_wait;		/* units of 100 µs */
	uint32_t target_loss;		/* parts per million */
	char name[WIRE_PATH_NAME_LEN];	/* NUL-padded (not necessarily terminated) */
};

/*
 * PING payload of len bytes: 56 plus, for a probe, zero padding so that the
 * whole datagram is probe_size bytes.  Writes p then the padding; returns
 * the payload length, or 0 if it does not fit.
 */
size_t wire_ping_encode(const struct wire_ping *p, size_t payload_len, void *out,
			 size_t outlen);
/*
 * Decode a PING (pong = false) or PONG payload of len bytes from a datagram
 * of dgram_len bytes: a PONG and an unpadded PING are exactly 56 bytes; a
 * PING with probe_size > 0 has zero padding and dgram_len == probe_size.
 * Reserved bytes zero, known flags and mode, sane k/m, name NUL-padded.
 */
bool wire_ping_decode(const void *buf, size_t len, size_t dgram_len, bool pong,
		       struct wire_ping *p);

enum wire_notice_code {
	WIRE_N_KEY_ID = 1,		/* unknown key id */
	WIRE_N_AUTH = 2,		/* authentication failed */
	WIRE_N_SUITE = 3,		/* suite not accepted */
	WIRE_N_PEER_KEYED = 4,		/* peer keyed, we are not */
	WIRE_N_PEER_UNKEYED = 5,	/* peer unkeyed, we are keyed */
	WIRE_N_TARGET = 6,		/* target not allowed (sealed, flow = the refused flow) */
	WIRE_N_VERSION = 7,		/* version not spoken */
	WIRE_N_MAX = 7
};

struct wire_notice {
	uint16_t code;			/* enum wire_notice_code */
	uint8_t expected_suite;		/* the suite the sender accepts */
};

const char *wire_notice_text(uint16_t code);	/* human wording for logs */
/*
 * The unauthenticated NOTICE (codes 1-5, 7) answering a datagram of
 * answered_len bytes: suite 0, key id 0, flow 0, SERVER flag, session,
 * epoch and seq copied from what it answers, path 0, our server id.
 * Returns its size (64), or 0 when it would be larger than what it answers
 * or does not fit in outlen.
 */
size_t wire_notice_build(void *out, size_t outlen, size_t answered_len, uint16_t code,
			  uint8_t expected_suite, uint16_t server, uint64_t session,
			  uint64_t epoch, uint64_t seq);
size_t wire_notice_encode(const struct wire_notice *n, void *out, size_t outlen);
bool wire_notice_decode(const void *buf, size_t len, struct wire_notice *n);

struct wire_feedback_entry {
	uint8_t path;
	uint16_t burst;			/* mean loss-burst length, 1/16 datagram (0: no loss) */
	uint32_t highest;		/* highest path seq received */
	uint32_t received;		/* datagrams received, mod 2^32 */
	uint32_t echo;			/* stamp of the datagram that carried highest */
	uint32_t delay;			/* µs from receiving it to sending this */
};

struct wire_feedback {
	uint8_t count;			/* 0..16 */
	struct wire_feedback_entry e[WIRE_FEEDBACK_MAX];
};

size_t wire_feedback_len(uint8_t count);
size_t wire_feedback_encode(const struct wire_feedback *f, void *out, size_t outlen);
/* len must be 4 + 20 * count, count <= 16, paths <= 15 and distinct, reserved zero. */
bool wire_feedback_decode(const void *buf, size_t len, struct wire_feedback *f);

/*
 * FEC coded form of a data symbol:
 *     seq (8) | flow (4) | len (2) | flags (1) | reserved (1) | payload | zero padding
 * flags carries the DATA's TARGET bit (so a recovered DATA keeps its target
 * descriptor's meaning); the symbol size of a block is the largest coded
 * form in it (16 + its largest payload) and is a PARITY datagram's len.
 */
#define WIRE_CODED_HDR 16
/* Largest DATA payload whose coded form fits a keyed PARITY datagram. */
#define WIRE_CODED_MAX_PAYLOAD \
	(WIRE_MAX_DGRAM - WIRE_HDR_LEN - WIRE_EXT_LEN - WIRE_TAG_LEN - WIRE_CODED_HDR)

struct wire_coded {
	uint64_t seq;
	uint32_t flow;
	uint16_t len;
	uint8_t flags;			/* 0 or WIRE_F_TARGET */
};

/* Write the coded form into sym (symbol_size bytes: prefix, payload,
 * zero padding).  0 if the payload does not fit, else symbol_size. */
size_t wire_coded_encode(const struct wire_coded *c, const void *payload, void *sym,
			  size_t symbol_size);
/* Read a recovered symbol: seq, flow != 0, len within the symbol, known
 * flags, reserved and padding zero.  *payload points into sym. */
bool wire_coded_decode(const void *sym, size_t symbol_size, struct wire_coded *c,
			const uint8_t **payload);

/* The target descriptor that starts a TARGET DATA's payload: lib/target.h. */

#endif
