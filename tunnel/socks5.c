/* socks5.c - SOCKS5 codecs (see socks5.h). */
#include "socks5.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "cursor.h"
#include "target.h"

const char *socks5_udp_drop_name(enum socks5_udp_drop why)
{
	static const char *const names[SOCKS5_UDP__COUNT] = {
		[SOCKS5_UDP_OK] = "ok", [SOCKS5_UDP_SHORT] = "short", [SOCKS5_UDP_RSV] = "reserved",
		[SOCKS5_UDP_FRAG] = "fragment", [SOCKS5_UDP_ATYP] = "address_type",
		[SOCKS5_UDP_ADDR] = "address",
	};
	return (unsigned)why < SOCKS5_UDP__COUNT ? names[why] : "?";
}

enum socks5_parse socks5_parse_greeting(const void *buf, size_t len, size_t *used, bool *noauth)
{
	const uint8_t *p = buf;
	size_t n;

	*noauth = false;
	if (len < 1)
		return SOCKS5_MORE;
	if (p[0] != SOCKS5_VERSION)
		return SOCKS5_BAD;
	if (len < 2)
		return SOCKS5_MORE;
	n = p[1];
	if (n == 0)
		return SOCKS5_BAD;
	if (len < 2 + n)
		return SOCKS5_MORE;
	for (size_t i = 0; i < n; i++)
		if (p[2 + i] == SOCKS5_METHOD_NOAUTH)
			*noauth = true;
	*used = 2 + n;
	return SOCKS5_OK;
}

size_t socks5_encode_method(uint8_t method, void *out, size_t outlen)
{
	struct cursor c;

	cursor_init(&c, out, outlen);
	put_u8(&c, SOCKS5_VERSION);
	put_u8(&c, method);
	return cursor_ok(&c) ? c.pos : 0;
}

static bool domain_ok(const uint8_t *d, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (d[i] <= 0x20 || d[i] == 0x7f)
			return false;
	return true;
}

/* ATYP ADDR PORT from c; MORE if it runs short, BAD if malformed. */
static enum socks5_parse read_addr(struct cursor *c, struct socks5_addr *a)
{
	const uint8_t *body;

	memset(a, 0, sizeof(*a));
	a->atyp = get_u8(c);
	if (!cursor_ok(c))
		return SOCKS5_MORE;
	switch (a->atyp) {
	case SOCKS5_ATYP_IPV4:
		a->len = 4;
		break;
	case SOCKS5_ATYP_IPV6:
		a->len = 16;
		break;
	case SOCKS5_ATYP_DOMAIN:
		a->len = get_u8(c);
		if (!cursor_ok(c))
			return SOCKS5_MORE;
		break;
	default:
		return SOCKS5_BAD;
	}
	body = get_bytes(c, a->len);
	a->port = get_u16(c);
	if (!cursor_ok(c) || !body)
		return SOCKS5_MORE;
	if (a->atyp == SOCKS5_ATYP_DOMAIN) {
		if (!domain_ok(body, a->len))
			return SOCKS5_BAD;
		memcpy(a->u.domain, body, a->len);
		a->u.domain[a->len] = '\0';
	} else {
		memcpy(a->atyp == SOCKS5_ATYP_IPV4 ? a->u.v4 : a->u.v6, body, a->len);
	}
	return SOCKS5_OK;
}

enum socks5_parse socks5_parse_request(const void *buf, size_t len, size_t *used, uint8_t *cmd,
				       struct socks5_addr *dst)
{
	struct cursor c;
	enum socks5_parse r;
	uint8_t ver, rsv;

	cursor_init_ro(&c, buf, len);
	ver = get_u8(&c);
	if (cursor_ok(&c) && ver != SOCKS5_VERSION)
		return SOCKS5_BAD;
	*cmd = get_u8(&c);
	rsv = get_u8(&c);
	if (!cursor_ok(&c))
		return SOCKS5_MORE;
	if (rsv != 0)
		return SOCKS5_BAD;
	r = read_addr(&c, dst);
	if (r != SOCKS5_OK)
		return r;
	*used = c.pos;
	return SOCKS5_OK;
}

static void put_addr(struct cursor *c, const struct socks5_addr *a)
{
	put_u8(c, a->atyp);
	switch (a->atyp) {
	case SOCKS5_ATYP_IPV4:
		put_bytes(c, a->u.v4, 4);
		break;
	case SOCKS5_ATYP_IPV6:
		put_bytes(c, a->u.v6, 16);
		break;
	default:
		put_u8(c, a->len);
		put_bytes(c, a->u.domain, a->len);
	}
	put_u16(c, a->port);
}

size_t socks5_encode_reply(uint8_t rep, const struct addr *bnd, void *out, size_t outlen)
{
	struct cursor c;
	struct socks5_addr a;

	memset(&a, 0, sizeof(a));
	a.atyp = SOCKS5_ATYP_IPV4;
	if (bnd && !socks5_addr_from(&a, bnd))
		return 0;
	cursor_init(&c, out, outlen);
	put_u8(&c, SOCKS5_VERSION);
	put_u8(&c, rep);
	put_u8(&c, 0);
	put_addr(&c, &a);
	return cursor_ok(&c) ? c.pos : 0;
}

bool socks5_udp_decode(const void *buf, size_t len, struct socks5_addr *dst,
		       const uint8_t **data, size_t *datalen, enum socks5_udp_drop *why)
{
	struct cursor c;
	uint16_t rsv;
	uint8_t frag;

	cursor_init_ro(&c, buf, len);
	rsv = get_u16(&c);
	frag = get_u8(&c);
	if (!cursor_ok(&c)) {
		*why = SOCKS5_UDP_SHORT;
		return false;
	}
	if (rsv != 0) {
		*why = SOCKS5_UDP_RSV;
		return false;
	}
	if (frag != 0) {
		*why = SOCKS5_UDP_FRAG;
		return false;
	}
	switch (read_addr(&c, dst)) {
	case SOCKS5_OK:
		break;
	case SOCKS5_MORE:
		*why = SOCKS5_UDP_SHORT;
		return false;
	default:
		*why = dst->atyp == SOCKS5_ATYP_IPV4 || dst->atyp == SOCKS5_ATYP_IPV6 ||
		       dst->atyp == SOCKS5_ATYP_DOMAIN ? SOCKS5_UDP_ADDR : SOCKS5_UDP_ATYP;
		return false;
	}
	if (dst->port == 0) {
		*why = SOCKS5_UDP_ADDR;
		return false;
	}
	*data = (const uint8_t *)buf + c.pos;
	*datalen = len - c.pos;
	*why = SOCKS5_UDP_OK;
	return true;
}

size_t socks5_udp_encode_hdr(const struct socks5_addr *src, void *out, size_t outlen)
{
	struct cursor c;

	cursor_init(&c, out, outlen);
	put_u16(&c, 0);
	put_u8(&c, 0);
	put_addr(&c, src);
	return cursor_ok(&c) ? c.pos : 0;
}

/* Addresses convert through lib/target's (one place knows sockaddrs). */
bool socks5_addr_from(struct socks5_addr *s, const struct addr *a)
{
	struct target t;

	memset(s, 0, sizeof(*s));
	if (!target_from_addr(&t, a))
		return false;
	s->atyp = t.kind == TARGET_IPV4 ? SOCKS5_ATYP_IPV4 : SOCKS5_ATYP_IPV6;
	s->len = t.len;
	s->port = t.port;
	memcpy(s->atyp == SOCKS5_ATYP_IPV4 ? s->u.v4 : s->u.v6,
	       t.kind == TARGET_IPV4 ? t.u.v4 : t.u.v6, t.len);
	return true;
}

bool socks5_addr_to(const struct socks5_addr *s, struct addr *a)
{
	struct target t;

	memset(&t, 0, sizeof(t));
	if (s->atyp == SOCKS5_ATYP_IPV4) {
		t.kind = TARGET_IPV4;
		memcpy(t.u.v4, s->u.v4, 4);
	} else if (s->atyp == SOCKS5_ATYP_IPV6) {
		t.kind = TARGET_IPV6;
		memcpy(t.u.v6, s->u.v6, 16);
	} else {
		memset(a, 0, sizeof(*a));
		return false;
	}
	t.len = s->len;
	t.port = s->port;
	return target_to_addr(&t, a);
}

bool socks5_addr_equal(const struct socks5_addr *a, const struct socks5_addr *b)
{
	if (a->atyp != b->atyp || a->len != b->len || a->port != b->port)
		return false;
	switch (a->atyp) {
	case SOCKS5_ATYP_IPV4: return memcmp(a->u.v4, b->u.v4, 4) == 0;
	case SOCKS5_ATYP_IPV6: return memcmp(a->u.v6, b->u.v6, 16) == 0;
	default: return memcmp(a->u.domain, b->u.domain, a->len) == 0;
	}
}
