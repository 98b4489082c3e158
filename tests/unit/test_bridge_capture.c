/* test_bridge_capture.c - synthesized IPv4/IPv6 + UDP headers verify (header
 * and UDP checksums), and a capture written through libpcap reads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/capture.h"

static void sa4(struct sockaddr_in *s, const char *ip, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin_addr);
}

/* sum of 16-bit words, folded, not complemented */
static uint32_t fold(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void test_ipv4_udp(void **state)
{
	static uint8_t out[70000], pl[65507];
	struct sockaddr_in a, b;
	size_t sizes[] = { 0, 1, 13, 1400, 65507 }, i, n;

	(void)state;
	sa4(&a, "198.18.0.1", 40000);
	sa4(&b, "198.18.1.2", 5000);
	for (i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 13 + 7);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t ps;

		n = capture_build(out, sizeof(out), (struct sockaddr *)&a, (struct sockaddr *)&b, pl,
				  sizes[i], 0x8a, 0x1234);
		assert_int_equal(n, 28 + sizes[i]);
		assert_int_equal(out[0], 0x45);
		assert_int_equal(out[1], 0x8a);
		assert_int_equal(out[2] << 8 | out[3], n);
		assert_int_equal(out[4] << 8 | out[5], 0x1234);
		assert_int_equal(out[9], 17);
		assert_int_equal(fold(out, 20, 0), 0xffff);	/* header checksum verifies */
		assert_int_equal(out[20] << 8 | out[21], 40000);
		assert_int_equal(out[22] << 8 | out[23], 5000);
		assert_int_equal(out[24] << 8 | out[25], 8 + sizes[i]);
		assert_true((out[26] << 8 | out[27]) != 0);
		/* pseudo header + UDP header + payload, checksum included: all ones */
		ps = fold(out + 12, 8, 0) + 17 + (uint32_t)(8 + sizes[i]);
		assert_int_equal(fold(out + 20, 8 + sizes[i], ps), 0xffff);
		assert_memory_equal(out + 28, pl, sizes[i]);
	}
	/* known vector: RFC 1071 style example */
	{
		static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

		assert_int_equal(inet_csum(v, sizeof(v), 0), (uint16_t)~0xddf2);
	}
	/* too small a buffer: nothing */
	assert_int_equal(capture_build(out, 30, (struct sockaddr *)&a, (struct sockaddr *)&b, pl,
				       100, 0, 0), 0);
}

static void test_ipv6_udp(void **state)
{
	static uint8_t out[2000], pl[100];
	struct sockaddr_in6 a, b;
	uint32_t ps;
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.sin6_family = b.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::1", &a.sin6_addr);
	inet_pton(AF_INET6, "fe80::2", &b.sin6_addr);
	a.sin6_port = htons(1);
	b.sin6_port = htons(2);
	n = capture_build(out, sizeof(out), (struct sockaddr *)&a, (struct sockaddr *)&b, pl,
			  sizeof(pl), 0x80, 7);
	assert_int_equal(n, 48 + sizeof(pl));
	assert_int_equal(out[0] >> 4, 6);
	ps = fold(out + 8, 32, 0) + 17 + (uint32_t)(8 + sizeof(pl));
	assert_int_equal(fold(out + 40, 8 + sizeof(pl), ps), 0xffff);
}

static void test_pcap_files(void **state)
{
	char dir[] = "/tmp/mpb-cap-XXXXXX", prefix[256], path[300], err[256];
	struct capture c;
	struct sockaddr_in a, b;
	uint8_t pl[500];
	pcap_t *p;
	struct pcap_pkthdr *h;
	const u_char *data;
	int k = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(prefix, sizeof(prefix), "%s/x", dir);
	sa4(&a, "127.0.0.1", 1000);
	sa4(&b, "127.0.0.1", 2000);
	memset(pl, 0xab, sizeof(pl));
	assert_int_equal(capture_open(&c, prefix, 1700000000.25, err, sizeof(err)), 0);
	capture_write(&c, DIR_C2S, 0, (struct sockaddr *)&a, (struct sockaddr *)&b, pl, 500, 0, 1,
		      1.5);
	capture_write(&c, DIR_C2S, 0, (struct sockaddr *)&b, (struct sockaddr *)&a, pl, 500,
		      CAP_TOS_FWD, 1, 1.75);
	capture_write(&c, DIR_S2C, 1, (struct sockaddr *)&b, (struct sockaddr *)&a, pl, 10, 1, 9,
		      2.0);
	capture_close(&c);

	snprintf(path, sizeof(path), "%s-c2s.pcap", prefix);
	p = pcap_open_offline(path, err);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	while (pcap_next_ex(p, &h, &data) == 1) {
		assert_int_equal(h->caplen, 528);
		/* wall0 + relative time: 1.5 s -> x.75, 1.75 s -> (x+1).0 */
		assert_int_equal(h->ts.tv_sec, k == 0 ? 1700000001 : 1700000002);
		assert_int_equal(h->ts.tv_usec, k == 0 ? 750000 : 0);
		assert_int_equal(data[1], k == 0 ? 0 : CAP_TOS_FWD);
		k++;
	}
	assert_int_equal(k, 2);
	pcap_close(p);
	snprintf(path, sizeof(path), "%s-s2c-drop.pcap", prefix);
	p = pcap_open_offline(path, err);
	assert_non_null(p);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(h->caplen, 38);
	assert_int_equal(data[1], 1);
	assert_int_equal(data[4] << 8 | data[5], 9);
	pcap_close(p);
	{
		static const char *names[] = { "c2s", "c2s-drop", "s2c", "s2c-drop" };

		for (k = 0; k < 4; k++) {
			snprintf(path, sizeof(path), "%s-%s.pcap", prefix, names[k]);
			assert_int_equal(unlink(path), 0);
		}
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_ipv6_udp),
		cmocka_unit_test(test_pcap_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
