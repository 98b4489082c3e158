/* capture.c - libpcap dead handle + dumpers; IPv4/IPv6 + UDP headers built with cursor.h. */
#include "capture.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

#define CAP_SNAPLEN 262144

uint16_t inet_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* partial sum (not complemented) of a byte string */
static uint32_t sum16(const uint8_t *p, size_t len)
{
	return (uint16_t)~inet_csum(p, len, 0);
}

size_t capture_build(uint8_t *out, size_t outlen, const struct sockaddr *src,
		     const struct sockaddr *dst, const uint8_t *payload, size_t len, uint8_t tos,
		     uint16_t ipid)
{
	struct cursor c;
	uint32_t ps;
	uint16_t sp, dp, ck;
	size_t udplen = len + 8, hl;

	if (src->sa_family != dst->sa_family)
		return 0;
	cursor_init(&c, out, outlen);
	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
		const struct sockaddr_in *d4 = (const struct sockaddr_in *)dst;

		if (len > 65535 - 28)
			return 0;
		hl = 20;
		put_u8(&c, 0x45);
		put_u8(&c, tos);
		put_u16(&c, (uint16_t)(hl + udplen));
		put_u16(&c, ipid);
		put_u16(&c, 0x4000);		/* DF */
		put_u8(&c, 64);			/* TTL */
		put_u8(&c, IPPROTO_UDP);
		put_u16(&c, 0);			/* checksum, below */
		put_bytes(&c, &s4->sin_addr, 4);
		put_bytes(&c, &d4->sin_addr, 4);
		sp = ntohs(s4->sin_port);
		dp = ntohs(d4->sin_port);
		if (!cursor_ok(&c))
			return 0;
		ck = inet_csum(out, 20, 0);
		out[10] = (uint8_t)(ck >> 8);
		out[11] = (uint8_t)ck;
		/* pseudo header: src, dst, zero, proto, udp length */
		ps = sum16(out + 12, 8) + IPPROTO_UDP + (uint32_t)udplen;
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;
		const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)dst;

		if (len > 65535 - 8)
			return 0;
		hl = 40;
		put_u32(&c, 0x60000000u | (uint32_t)tos << 20 | ipid);	/* tclass, flow = id */
		put_u16(&c, (uint16_t)udplen);
		put_u8(&c, IPPROTO_UDP);
		put_u8(&c, 64);
		put_bytes(&c, &s6->sin6_addr, 16);
		put_bytes(&c, &d6->sin6_addr, 16);
		sp = ntohs(s6->sin6_port);
		dp = ntohs(d6->sin6_port);
		if (!cursor_ok(&c))
			return 0;
		ps = sum16(out + 8, 32) + IPPROTO_UDP + (uint32_t)udplen;
	} else {
		return 0;
	}
	put_u16(&c, sp);
	put_u16(&c, dp);
	put_u16(&c, (uint16_t)udplen);
	put_u16(&c, 0);
	put_bytes(&c, payload, len);
	if (!cursor_ok(&c))
		return 0;
	ps += sum16(out + hl, udplen);
	ck = inet_csum(NULL, 0, ps);
	if (ck == 0)
		ck = 0xffff;
	out[hl + 6] = (uint8_t)(ck >> 8);
	out[hl + 7] = (uint8_t)ck;
	return hl + udplen;
}

int capture_open(struct capture *c, const char *prefix, double wall0, char *err, size_t errlen)
{
	static const char *suffix[2] = { "", "-drop" };
	char path[4096];
	int d, w;

	memset(c, 0, sizeof(*c));
	c->wall0 = wall0;
	c->dead = pcap_open_dead(DLT_RAW, CAP_SNAPLEN);
	if (!c->dead) {
		snprintf(err, errlen, "pcap_open_dead failed");
		return -ENOMEM;
	}
	for (d = 0; d < DIR_N; d++) {
		for (w = 0; w < 2; w++) {
			pcap_dumper_t *pd;

			snprintf(path, sizeof(path), "%s-%s%s.pcap", prefix, dir_name(d), suffix[w]);
			pd = pcap_dump_open(c->dead, path);
			if (!pd) {
				snprintf(err, errlen, "%s: %s", path, pcap_geterr(c->dead));
				capture_close(c);
				return -EIO;
			}
			if (w)
				c->drop[d] = pd;
			else
				c->main[d] = pd;
		}
	}
	return 0;
}

void capture_flush(struct capture *c)
{
	int d;

	for (d = 0; d < DIR_N; d++) {
		if (c->main[d])
			pcap_dump_flush(c->main[d]);
		if (c->drop[d])
			pcap_dump_flush(c->drop[d]);
	}
}

void capture_close(struct capture *c)
{
	int d;

	for (d = 0; d < DIR_N; d++) {
		if (c->main[d])
			pcap_dump_close(c->main[d]);
		if (c->drop[d])
			pcap_dump_close(c->drop[d]);
		c->main[d] = c->drop[d] = NULL;
	}
	if (c->dead)
		pcap_close(c->dead);
	c->dead = NULL;
}

void capture_write(struct capture *c, int dir, int which, const struct sockaddr *src,
		   const struct sockaddr *dst, const uint8_t *payload, size_t len, uint8_t tos,
		   uint16_t ipid, double now)
{
	static uint8_t pkt[65536 + 64];
	pcap_dumper_t *pd = which ? c->drop[dir] : c->main[dir];
	struct pcap_pkthdr h;
	double t = c->wall0 + now, sec;
	size_t n;

	if (!pd)
		return;
	n = capture_build(pkt, sizeof(pkt), src, dst, payload, len, tos, ipid);
	if (n == 0) {
		c->skipped++;
		return;
	}
	sec = floor(t);
	h.ts.tv_sec = (time_t)sec;
	h.ts.tv_usec = (suseconds_t)((t - sec) * 1e6);
	if (h.ts.tv_usec >= 1000000)
		h.ts.tv_usec = 999999;
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)pd, &h, pkt);
	c->records++;
}
