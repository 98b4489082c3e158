/* test_socks5.c - SOCKS5 codecs (RFC 1928) and the wire's target descriptor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tunnel/socks5.h"
#include "target.h"

static void test_greeting(void **st)
{
	static const uint8_t ok[] = {5, 2, 0x02, 0x00};
	static const uint8_t noauth_missing[] = {5, 1, 0x02};
	size_t used = 0, i;
	bool noauth;

	(void)st;
	for (i = 0; i < sizeof(ok); i++)
		assert_int_equal(socks5_parse_greeting(ok, i, &used, &noauth), SOCKS5_MORE);
	assert_int_equal(socks5_parse_greeting(ok, sizeof(ok), &used, &noauth), SOCKS5_OK);
	assert_true(noauth);
	assert_int_equal(used, 4);
	assert_int_equal(socks5_parse_greeting(noauth_missing, 3, &used, &noauth), SOCKS5_OK);
	assert_false(noauth);
	assert_int_equal(socks5_parse_greeting((const uint8_t[]){4, 1, 0}, 3, &used, &noauth),
			 SOCKS5_BAD);
	assert_int_equal(socks5_parse_greeting((const uint8_t[]){5, 0}, 2, &used, &noauth),
			 SOCKS5_BAD);
}

static void test_request(void **st)
{
	static const uint8_t v4[] = {5, 3, 0, 1, 127, 0, 0, 1, 0x1f, 0x90};
	static const uint8_t dom[] = {5, 3, 0, 3, 3, 'a', '.', 'b', 0, 53};
	static const uint8_t v6[] = {5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7};
	struct socks5_addr a;
	uint8_t cmd;
	size_t used, i;

	(void)st;
	for (i = 0; i < sizeof(v4); i++)
		assert_int_equal(socks5_parse_request(v4, i, &used, &cmd, &a), SOCKS5_MORE);
	assert_int_equal(socks5_parse_request(v4, sizeof(v4), &used, &cmd, &a), SOCKS5_OK);
	assert_int_equal(cmd, SOCKS5_CMD_UDP_ASSOCIATE);
	assert_int_equal(a.atyp, SOCKS5_ATYP_IPV4);
	assert_int_equal(a.port, 8080);
	assert_int_equal(used, sizeof(v4));
	for (i = 0; i < sizeof(dom); i++)
		assert_int_equal(socks5_parse_request(dom, i, &used, &cmd, &a), SOCKS5_MORE);
	assert_int_equal(socks5_parse_request(dom, sizeof(dom), &used, &cmd, &a), SOCKS5_OK);
	assert_string_equal(a.u.domain, "a.b");
	assert_int_equal(socks5_parse_request(v6, sizeof(v6), &used, &cmd, &a), SOCKS5_OK);
	assert_int_equal(cmd, SOCKS5_CMD_CONNECT);
	assert_int_equal(a.u.v6[15], 1);
	assert_int_equal(a.port, 7);
	/* bad version, reserved byte, address type, domain with a control byte */
	assert_int_equal(socks5_parse_request((const uint8_t[]){4, 3, 0, 1}, 4, &used, &cmd, &a),
			 SOCKS5_BAD);
	assert_int_equal(socks5_parse_request((const uint8_t[]){5, 3, 1, 1}, 4, &used, &cmd, &a),
			 SOCKS5_BAD);
	assert_int_equal(socks5_parse_request((const uint8_t[]){5, 3, 0, 2}, 4, &used, &cmd, &a),
			 SOCKS5_BAD);
	assert_int_equal(socks5_parse_request((const uint8_t[]){5, 3, 0, 3, 1, '\n', 0, 1}, 8,
					      &used, &cmd, &a), SOCKS5_BAD);
	assert_int_equal(socks5_parse_request((const uint8_t[]){5, 3, 0, 3, 0, 0, 1}, 7,
					      &used, &cmd, &a), SOCKS5_BAD);
}

static void test_reply(void **st)
{
	struct addr a;
	const char *err;
	uint8_t out[32];
	size_t n;

	(void)st;
	assert_int_equal(addr_resolve("127.0.0.1", 1080, false, &a, &err), 0);
	n = socks5_encode_reply(SOCKS5_REP_OK, &a, out, sizeof(out));
	assert_int_equal(n, 10);
	assert_memory_equal(out, ((const uint8_t[]){5, 0, 0, 1, 127, 0, 0, 1, 4, 56}), 10);
	n = socks5_encode_reply(SOCKS5_REP_CMD_UNSUPPORTED, NULL, out, sizeof(out));
	assert_int_equal(n, 10);
	assert_int_equal(out[1], 7);
	assert_int_equal(socks5_encode_reply(0, &a, out, 9), 0);
	assert_int_equal(socks5_encode_method(SOCKS5_METHOD_NONE, out, 2), 2);
	assert_int_equal(out[1], 0xff);
}

static void test_udp(void **st)
{
	static const struct {
		uint8_t b[16];
		size_t len;
		enum socks5_udp_drop why;
	} bad[] = {
		{{0, 0}, 2, SOCKS5_UDP_SHORT},
		{{0, 1, 0, 1, 1, 2, 3, 4, 0, 1}, 10, SOCKS5_UDP_RSV},
		{{0, 0, 1, 1, 1, 2, 3, 4, 0, 1}, 10, SOCKS5_UDP_FRAG},
		{{0, 0, 0, 9, 1, 2, 3, 4, 0, 1}, 10, SOCKS5_UDP_ATYP},
		{{0, 0, 0, 1, 1, 2, 3, 4, 0}, 9, SOCKS5_UDP_SHORT},
		{{0, 0, 0, 1, 1, 2, 3, 4, 0, 0}, 10, SOCKS5_UDP_ADDR},
		{{0, 0, 0, 3, 2, 'a', 0, 0, 9}, 9, SOCKS5_UDP_ADDR},
	};
	uint8_t dg[64], hdr[SOCKS5_UDP_HDR_MAX];
	struct socks5_addr a, b;
	const uint8_t *data;
	size_t dlen, n, i;
	enum socks5_udp_drop why;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (socks5_udp_decode(bad[i].b, bad[i].len, &a, &data, &dlen, &why))
			fail_msg("case %zu accepted", i);
		if (why != bad[i].why)
			fail_msg("case %zu: %s, expected %s", i, socks5_udp_drop_name(why),
				 socks5_udp_drop_name(bad[i].why));
	}
	memset(&a, 0, sizeof(a));
	a.atyp = SOCKS5_ATYP_DOMAIN;
	a.len = 7;
	memcpy(a.u.domain, "example", 7);
	a.port = 53;
	n = socks5_udp_encode_hdr(&a, hdr, sizeof(hdr));
	assert_int_equal(n, 4 + 1 + 7 + 2);
	memcpy(dg, hdr, n);
	memcpy(dg + n, "hello", 5);
	assert_true(socks5_udp_decode(dg, n + 5, &b, &data, &dlen, &why));
	assert_true(socks5_addr_equal(&a, &b));
	assert_int_equal(dlen, 5);
	assert_memory_equal(data, "hello", 5);
	/* an empty payload is a valid datagram */
	assert_true(socks5_udp_decode(dg, n, &b, &data, &dlen, &why));
	assert_int_equal(dlen, 0);
}

static void test_addr_roundtrip(void **st)
{
	static const char *const hosts[] = {"127.0.0.1", "::1", "2001:db8::7"};
	struct socks5_addr s;
	struct addr a, b;
	const char *err;

	(void)st;
	for (unsigned i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		assert_int_equal(addr_resolve(hosts[i], 5353, false, &a, &err), 0);
		assert_true(socks5_addr_from(&s, &a));
		assert_int_equal(s.port, 5353);
		assert_true(socks5_addr_to(&s, &b));
		assert_true(addr_equal(&a, &b));
	}
	/* a v4-mapped IPv6 address is named as IPv4 */
	assert_int_equal(addr_resolve("::ffff:10.1.2.3", 9, false, &a, &err), 0);
	assert_true(socks5_addr_from(&s, &a));
	assert_int_equal(s.atyp, SOCKS5_ATYP_IPV4);
	assert_int_equal(s.u.v4[3], 3);
	/* a domain has no socket address */
	memset(&s, 0, sizeof(s));
	s.atyp = SOCKS5_ATYP_DOMAIN;
	assert_false(socks5_addr_to(&s, &b));
}

static void test_target(void **st)
{
	struct target t, u;
	struct addr a, back;
	const char *err;
	uint8_t buf[TARGET_DESC_MAX_NAME];
	char s[80];
	size_t n, used, i;

	(void)st;
	assert_int_equal(addr_resolve("::1", 6666, false, &a, &err), 0);
	assert_true(target_from_addr(&t, &a));
	assert_int_equal(t.kind, TARGET_IPV6);
	n = target_desc_encode(&t, buf, sizeof(buf));
	assert_int_equal(n, target_desc_len(&t));
	assert_int_equal(n, 20);
	for (i = 0; i < n; i++)
		assert_false(target_desc_decode(buf, i, &u, &used));
	assert_true(target_desc_decode(buf, n, &u, &used));
	assert_int_equal(used, n);
	assert_true(target_equal(&t, &u));
	assert_true(target_to_addr(&u, &back));
	assert_true(addr_equal(&a, &back));
	assert_string_equal(target_format(&u, s, sizeof(s)), "[::1]:6666");

	assert_true(target_from_name(&t, "dns"));
	n = target_desc_encode(&t, buf, sizeof(buf));
	assert_memory_equal(buf, ((const uint8_t[]){1, 3, 'd', 'n', 's', 0, 0}), 7);
	assert_true(target_desc_decode(buf, n, &u, &used));
	assert_string_equal(u.u.name, "dns");
	assert_false(target_to_addr(&u, &back));
	assert_false(target_from_name(&t, ""));
	assert_false(target_from_name(&t, "a b"));
	assert_false(target_from_name(&t, "0123456789012345678901234567890123456789012345678901234567890123"));
	/* bad kinds, lengths, ports */
	assert_false(target_desc_decode((const uint8_t[]){4, 4, 1, 2, 3, 4, 0, 0}, 8, &u, &used));
	assert_false(target_desc_decode((const uint8_t[]){4, 5, 1, 2, 3, 4, 5, 0, 1}, 9, &u, &used));
	assert_false(target_desc_decode((const uint8_t[]){5, 4, 1, 2, 3, 4, 0, 1}, 8, &u, &used));
	assert_false(target_desc_decode((const uint8_t[]){1, 1, 'x', 0, 1}, 5, &u, &used));
	assert_false(target_desc_decode((const uint8_t[]){1, 1, 0x01, 0, 0}, 5, &u, &used));
	assert_true(target_desc_decode((const uint8_t[]){4, 4, 1, 2, 3, 4, 0, 1, 0xee}, 9, &u, &used));
	assert_int_equal(used, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting), cmocka_unit_test(test_request),
		cmocka_unit_test(test_reply), cmocka_unit_test(test_udp),
		cmocka_unit_test(test_addr_roundtrip), cmocka_unit_test(test_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
