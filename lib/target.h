/* target.h - a flow's target as named on the wire (PROTOCOL.md, "target
 * descriptor"): a name mpserver maps, or an IPv4/IPv6 address and port. */
#ifndef MPT_TARGET_H
#define MPT_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define TARGET_NAME_MAX 63	/* bytes of a target name on the wire */
#define TARGET_DESC_MAX (2 + 16 + 2)	/* longest encoded address descriptor */
#define TARGET_DESC_MAX_NAME (2 + TARGET_NAME_MAX + 2)

enum target_kind {
	TARGET_NAME = 1,	/* mapped by mpserver's configuration */
	TARGET_IPV4 = 4,
	TARGET_IPV6 = 6,
};

struct target {
	uint8_t kind;			/* enum target_kind */
	uint8_t len;			/* bytes in name (TARGET_NAME) */
	uint16_t port;			/* 0 for a name */
	union {
		char name[TARGET_NAME_MAX + 1];	/* NUL-terminated */
		uint8_t v4[4];
		uint8_t v6[16];
	} u;
};

/* Fill from a socket address (IPv4, IPv6; a v4-mapped IPv6 becomes IPv4). */
bool target_from_addr(struct target *t, const struct addr *a);
/* A name: 1..TARGET_NAME_MAX printable ASCII bytes, no spaces. */
bool target_from_name(struct target *t, const char *name);
/* The socket address of an address target (false for a name). */
bool target_to_addr(const struct target *t, struct addr *a);
bool target_equal(const struct target *a, const struct target *b);
/* "name", "1.2.3.4:5" or "[::1]:5" */
const char *target_format(const struct target *t, char *buf, size_t buflen);

/* Encoded size of t's descriptor. */
size_t target_desc_len(const struct target *t);
/* Write the descriptor; returns its size or 0 if it does not fit. */
size_t target_desc_encode(const struct target *t, void *out, size_t outlen);
/* Parse a descriptor at the start of buf; *used = its size. */
bool target_desc_decode(const void *buf, size_t len, struct target *t, size_t *used);

#endif
