/* wire.c - encode/decode of the version 1 header through a bounds-checked cursor. */
#include "wire.h"
#include "cursor.h"

#include <string.h>

const char *wire_drop_name(enum wire_drop why)
{
	static const char *const names[WIRE_E__COUNT] = {
		[WIRE_OK] = "ok",
		[WIRE_E_SHORT] = "short",
		[WIRE_E_VERSION] = "version",
		[WIRE_E_TYPE] = "type",
		[WIRE_E_FLAGS] = "flags",
		[WIRE_E_LENGTH] = "length",
		[WIRE_E_SESSION] = "session",
		[WIRE_E_SEQ] = "seq",
		[WIRE_E_PING] = "control",
	};

	return (unsigned)why < WIRE_E__COUNT ? names[why] : "?";
}

size_t wire_dgram_len(uint8_t flags, size_t len)
{
	return WIRE_HDR_LEN + len + ((flags & WIRE_F_SEALED) ? WIRE_TAG_LEN : 0);
}

static void put_hdr(struct cursor *c, const struct wire_hdr *h)
{
	put_u8(c, h->version);
	put_u8(c, h->type);
	put_u8(c, h->flags);
	put_u8(c, 0);
	put_u32(c, h->flow);
	put_u64(c, h->session);
	put_u64(c, h->epoch);
	put_u64(c, h->seq);
	put_u16(c, h->len);
	put_u16(c, 0);
}

bool wire_encode_hdr(const struct wire_hdr *h, void *out, size_t outlen)
{
	struct cursor c;

	cursor_init(&c, out, outlen);
	put_hdr(&c, h);
	return cursor_ok(&c);
}

size_t wire_encode(const struct wire_hdr *h, const void *payload, void *out, size_t outlen)
{
	size_t total = wire_dgram_len(h->flags, h->len);
	struct cursor c;

	if (h->len > WIRE_MAX_PAYLOAD || total > outlen)
		return 0;
	cursor_init(&c, out, outlen);
	/* payload first: it may alias the space right after the header */
	if (h->len && payload != (const uint8_t *)out + WIRE_HDR_LEN)
		memmove((uint8_t *)out + WIRE_HDR_LEN, payload, h->len);
	put_hdr(&c, h);
	c.pos += h->len;
	if (h->flags & WIRE_F_SEALED)
		memset((uint8_t *)out + c.pos, 0, WIRE_TAG_LEN);
	return total;
}

static bool drop(enum wire_drop *why, enum wire_drop reason)
{
	if (why)
		*why = reason;
	return false;
}

bool wire_decode(const void *buf, size_t len, struct wire_hdr *h, const uint8_t **payload,
		 enum wire_drop *why)
{
	struct cursor c;
	uint8_t rsv8;
	uint16_t rsv16;

	if (len < WIRE_HDR_LEN)
		return drop(why, WIRE_E_SHORT);
	cursor_init_ro(&c, buf, len);
	h->version = get_u8(&c);
	h->type = get_u8(&c);
	h->flags = get_u8(&c);
	rsv8 = get_u8(&c);
	h->flow = get_u32(&c);
	h->session = get_u64(&c);
	h->epoch = get_u64(&c);
	h->seq = get_u64(&c);
	h->len = get_u16(&c);
	rsv16 = get_u16(&c);
	if (!cursor_ok(&c))
		return drop(why, WIRE_E_SHORT);
	if (h->version != WIRE_VERSION)
		return drop(why, WIRE_E_VERSION);
	if (h->type < WIRE_DATA || h->type > WIRE_COOKIE)
		return drop(why, WIRE_E_TYPE);
	if ((h->flags & ~WIRE_F_MASK) || rsv8 || rsv16)
		return drop(why, WIRE_E_FLAGS);
	if (wire_dgram_len(h->flags, h->len) != len)
		return drop(why, WIRE_E_LENGTH);
	if (h->session == 0 || h->epoch == 0)
		return drop(why, WIRE_E_SESSION);
	if (h->seq == 0)
		return drop(why, WIRE_E_SEQ);
	if ((h->type == WIRE_PING || h->type == WIRE_PONG) &&
	    (h->len != WIRE_PING_LEN || h->flow != 0))
		return drop(why, WIRE_E_PING);
	if (h->type == WIRE_COOKIE && (h->len != WIRE_COOKIE_LEN || h->flow != 0 ||
				       !(h->flags & WIRE_F_SERVER)))
		return drop(why, WIRE_E_PING);
	*payload = (const uint8_t *)buf + WIRE_HDR_LEN;
	if (why)
		*why = WIRE_OK;
	return true;
}

size_t wire_ping_encode(const struct wire_ping *p, void *out, size_t outlen)
{
	struct cursor c;

	cursor_init(&c, out, outlen);
	put_u16(&c, p->path);
	put_u16(&c, 0);
	put_u64(&c, p->stamp);
	put_bytes(&c, p->cookie, WIRE_COOKIE_LEN);
	return cursor_ok(&c) ? WIRE_PING_LEN : 0;
}

bool wire_ping_decode(const void *buf, size_t len, struct wire_ping *p)
{
	const uint8_t *cookie;
	struct cursor c;
	uint16_t rsv;

	if (len != WIRE_PING_LEN)
		return false;
	cursor_init_ro(&c, buf, len);

	p->path = get_u16(&c);
	rsv = get_u16(&c);
	p->stamp = get_u64(&c);
	cookie = get_bytes(&c, WIRE_COOKIE_LEN);
	if (!cookie || !cursor_ok(&c) || rsv != 0)
		return false;
	memcpy(p->cookie, cookie, WIRE_COOKIE_LEN);
	return true;
}
