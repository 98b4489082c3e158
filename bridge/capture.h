/* capture.h - pcap files of what mpbridge saw, with synthesized IP/UDP headers.
 *
 * Per direction D (c2s, s2c):
 *   PREFIX-D.pcap       every arrival (TOS 0) and every forwarded copy
 *                       (TOS 0x80 | flags << 3), in time order
 *   PREFIX-D-drop.pcap  every dropped copy (TOS = reason | flags << 3)
 * Arrivals and drops carry the arrival addresses (peer -> bridge), forwarded
 * copies the departure addresses (bridge -> peer).  IP ID = arrival
 * sequence number mod 65536.  Link type RAW (IPv4, or IPv6 for v6 peers).
 */
#ifndef MPT_BRIDGE_CAPTURE_H
#define MPT_BRIDGE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "impair.h"

#define CAP_TOS_FWD 0x80u
#define CAP_FLAG_SHIFT 3

struct capture {
	void *dead;			/* pcap_t */
	void *main[DIR_N];		/* pcap_dumper_t */
	void *drop[DIR_N];
	double wall0;			/* wall clock at relative time 0 */
	uint64_t records, skipped;
};

int capture_open(struct capture *c, const char *prefix, double wall0, char *err, size_t errlen);
void capture_close(struct capture *c);
void capture_flush(struct capture *c);
/* Build the IP/UDP packet into out (outlen >= len + 48); returns its size or 0. */
size_t capture_build(uint8_t *out, size_t outlen, const struct sockaddr *src,
		     const struct sockaddr *dst, const uint8_t *payload, size_t len, uint8_t tos,
		     uint16_t ipid);
/* which: 0 main file, 1 drop file */
void capture_write(struct capture *c, int dir, int which, const struct sockaddr *src,
		   const struct sockaddr *dst, const uint8_t *payload, size_t len, uint8_t tos,
		   uint16_t ipid, double now);
/* Internet checksum helpers (exposed for tests) */
uint16_t inet_csum(const uint8_t *p, size_t len, uint32_t sum);

#endif
