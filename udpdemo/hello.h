/* hello.h - the hello counter datagrams of udpclient and udpserver.
 *
 * A hello datagram is "N hello cli<rest>" (client to server) or
 * "N hello srv<rest>" (server to client): N a decimal number without sign or
 * leading zeros that fits in 64 bits, single spaces, and <rest> either empty
 * or starting with a separator (space, tab, CR, LF or NUL) followed by any
 * bytes.  The server answers "N hello cli<rest>" with "N+1 hello srv<rest>".
 *
 * Measuring probes carry a per-run tag and padding:
 *   "K hello cli <tag>[ <padding>]"   <tag> 16 lowercase hex digits
 * padded to a requested total size; the reply is "K+1 hello srv <tag>[ <padding>]"
 * with the same rest, byte for byte.
 */
#ifndef MPT_HELLO_H
#define MPT_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest UDP payload over IPv4. */
#define HELLO_MAX_DATAGRAM 65507
#define HELLO_TAG_HEXLEN 16

enum hello_role { HELLO_CLI, HELLO_SRV };

struct hello {
	uint64_t num;
	enum hello_role role;
	const char *rest;	/* points into the parsed buffer */
	size_t rest_len;
};

/* Parse one datagram; false for anything that is not a hello. */
bool hello_parse(const char *buf, size_t len, struct hello *out);

/* Write "NUM hello cli|srv<rest>" into buf; returns its length, or 0 if it
 * does not fit in cap bytes. No NUL is appended. */
size_t hello_format(char *buf, size_t cap, uint64_t num, enum hello_role role,
		    const char *rest, size_t rest_len);

/* The server's answer to one datagram: the reply length written into out, or
 * 0 if the datagram is not "N hello cli<rest>", N+1 overflows, or the reply
 * does not fit in cap bytes. */
size_t hello_answer(const char *in, size_t len, char *out, size_t cap);

/* Lowercase 16-digit hex of tag, NUL-terminated (17 bytes). */
void hello_tag_hex(uint64_t tag, char hex[HELLO_TAG_HEXLEN + 1]);

/* Length of probe K for a requested size: max(size, header length). */
size_t hello_probe_len(uint64_t k, size_t size);

/* Build probe K of the given total size (or the bare header if size is
 * smaller); returns its length or 0 if it does not fit in cap. */
size_t hello_build_probe(char *buf, size_t cap, uint64_t k, uint64_t tag, size_t size);

enum hello_match {
	HELLO_OURS,		/* a reply to our probe K, intact */
	HELLO_FOREIGN,		/* a well-formed server hello meant for someone else */
	HELLO_BAD,		/* not a server hello, or ours but damaged */
};

/* Classify a datagram received by a measuring client with this tag and
 * probe size; *k gets the probe number for HELLO_OURS. */
enum hello_match hello_match_reply(const char *buf, size_t len, uint64_t tag, size_t size,
				   uint64_t *k);

#endif
