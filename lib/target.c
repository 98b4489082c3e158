/* target.c - target descriptors (see target.h). */
#include "target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > TARGET_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

bool target_from_name(struct target *t, const char *name)
{
	size_t n = strlen(name);

	if (!name_ok(name, n))
		return false;
	memset(t, 0, sizeof(*t));
	t->kind = TARGET_NAME;
	t->len = (uint8_t)n;
	memcpy(t->u.name, name, n);
	return true;
}

bool target_from_addr(struct target *t, const struct addr *a)
{
	memset(t, 0, sizeof(*t));
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;
		t->kind = TARGET_IPV4;
		t->len = 4;
		memcpy(t->u.v4, &s->sin_addr, 4);
		t->port = ntohs(s->sin_port);
		return true;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
			t->kind = TARGET_IPV4;
			t->len = 4;
			memcpy(t->u.v4, s->sin6_addr.s6_addr + 12, 4);
		} else {
			t->kind = TARGET_IPV6;
			t->len = 16;
			memcpy(t->u.v6, &s->sin6_addr, 16);
		}
		t->port = ntohs(s->sin6_port);
		return true;
	}
	return false;
}

bool target_to_addr(const struct target *t, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (t->kind == TARGET_IPV4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&a->ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(t->port);
		memcpy(&s->sin_addr, t->u.v4, 4);
		a->len = sizeof(*s);
		return true;
	}
	if (t->kind == TARGET_IPV6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(t->port);
		memcpy(&s->sin6_addr, t->u.v6, 16);
		a->len = sizeof(*s);
		return true;
	}
	return false;
}

bool target_equal(const struct target *a, const struct target *b)
{
	if (a->kind != b->kind || a->port != b->port || a->len != b->len)
		return false;
	switch (a->kind) {
	case TARGET_NAME: return memcmp(a->u.name, b->u.name, a->len) == 0;
	case TARGET_IPV4: return memcmp(a->u.v4, b->u.v4, 4) == 0;
	case TARGET_IPV6: return memcmp(a->u.v6, b->u.v6, 16) == 0;
	default: return false;
	}
}

const char *target_format(const struct target *t, char *buf, size_t buflen)
{
	char ip[INET6_ADDRSTRLEN];

	switch (t->kind) {
	case TARGET_NAME:
		snprintf(buf, buflen, "%s", t->u.name);
		break;
	case TARGET_IPV4:
		inet_ntop(AF_INET, t->u.v4, ip, sizeof(ip));
		snprintf(buf, buflen, "%s:%u", ip, t->port);
		break;
	case TARGET_IPV6:
		inet_ntop(AF_INET6, t->u.v6, ip, sizeof(ip));
		snprintf(buf, buflen, "[%s]:%u", ip, t->port);
		break;
	default:
		snprintf(buf, buflen, "?");
	}
	return buf;
}

size_t target_desc_len(const struct target *t)
{
	return 2u + t->len + 2u;
}

size_t target_desc_encode(const struct target *t, void *out, size_t outlen)
{
	struct cursor c;
	const void *body = t->kind == TARGET_NAME ? (const void *)t->u.name
			 : t->kind == TARGET_IPV4 ? (const void *)t->u.v4 : (const void *)t->u.v6;

	if ((t->kind == TARGET_NAME && !name_ok(t->u.name, t->len)) ||
	    (t->kind == TARGET_IPV4 && t->len != 4) || (t->kind == TARGET_IPV6 && t->len != 16) ||
	    (t->kind != TARGET_NAME && t->kind != TARGET_IPV4 && t->kind != TARGET_IPV6))
		return 0;
	cursor_init(&c, out, outlen);
	put_u8(&c, t->kind);
	put_u8(&c, t->len);
	put_bytes(&c, body, t->len);
	put_u16(&c, t->kind == TARGET_NAME ? 0 : t->port);
	return cursor_ok(&c) ? c.pos : 0;
}

bool target_desc_decode(const void *buf, size_t len, struct target *t, size_t *used)
{
	struct cursor c;
	const uint8_t *body;

	memset(t, 0, sizeof(*t));
	cursor_init_ro(&c, buf, len);
	t->kind = get_u8(&c);
	t->len = get_u8(&c);
	if (!cursor_ok(&c))
		return false;
	switch (t->kind) {
	case TARGET_NAME:
		if (t->len == 0 || t->len > TARGET_NAME_MAX)
			return false;
		break;
	case TARGET_IPV4:
		if (t->len != 4)
			return false;
		break;
	case TARGET_IPV6:
		if (t->len != 16)
			return false;
		break;
	default:
		return false;
	}
	body = get_bytes(&c, t->len);
	t->port = get_u16(&c);
	if (!cursor_ok(&c) || !body)
		return false;
	if (t->kind == TARGET_NAME) {
		if (!name_ok((const char *)body, t->len) || t->port != 0)
			return false;
		memcpy(t->u.name, body, t->len);
		t->u.name[t->len] = '\0';
	} else {
		if (t->port == 0)
			return false;
		memcpy(t->kind == TARGET_IPV4 ? t->u.v4 : t->u.v6, body, t->len);
	}
	*used = c.pos;
	return true;
}
