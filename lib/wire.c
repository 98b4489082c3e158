/* wire.c - encode/decode of protocol version 2 through a bounds-checked cursor (see wire.h). */
#include "wire.h"
#include "cursor.h"

#include <isa-l/crc.h>
#include <string.h>

const char *wire_drop_name(enum wire_drop why)
{
	static const char *const names[WIRE_E__COUNT] = {
		[WIRE_OK] = "ok",
		[WIRE_E_SHORT] = "short",
		[WIRE_E_V1] = "v1",
		[WIRE_E_VERSION] = "version",
		[WIRE_E_SUITE] = "suite",
		[WIRE_E_CHECKSUM] = "checksum",
		[WIRE_E_TYPE] = "type",
		[WIRE_E_FLAGS] = "flags",
		[WIRE_E_RESERVED] = "reserved",
		[WIRE_E_LENGTH] = "length",
		[WIRE_E_PATH] = "path",
		[WIRE_E_KEY_FIELD] = "key_field",
		[WIRE_E_SESSION] = "session",
		[WIRE_E_SEQ] = "seq",
		[WIRE_E_FLOW] = "flow",
		[WIRE_E_EXT] = "fec_ext",
		[WIRE_E_PAYLOAD] = "payload",
	};

	return (unsigned)why < WIRE_E__COUNT ? names[why] : "?";
}

const char *wire_type_name(uint8_t type)
{
	static const char *const names[] = {
		"?", "data", "ping", "pong", "cookie", "parity", "feedback", "notice",
	};

	return type <= WIRE_TYPE_MAX ? names[type] : "?";
}

uint32_t wire_crc32c(const void *p, size_t n)
{
	/* ISA-L takes a non-const pointer but only reads */
	return ~crc32_iscsi((unsigned char *)(uintptr_t)p, (int)n, 0xffffffffu);
}

size_t wire_hdr_size(uint8_t flags)
{
	return WIRE_HDR_LEN + ((flags & WIRE_F_FEC) ? WIRE_EXT_LEN : 0);
}

size_t wire_trailer_len(uint8_t suite)
{
	return suite == WIRE_SUITE_CLEAR ? WIRE_CRC_LEN : WIRE_TAG_LEN;
}

size_t wire_dgram_len(uint8_t flags, uint8_t suite, size_t len)
{
	return wire_hdr_size(flags) + len + wire_trailer_len(suite);
}

static void put_hdr(struct cursor *c, const struct wire_hdr *h)
{
	put_u8(c, h->version);
	put_u8(c, h->type);
	put_u8(c, h->flags);
	put_u8(c, h->suite);
	put_u16(c, h->server);
	put_u8(c, h->path);
	put_u8(c, 0);
	put_u32(c, h->key_id);
	put_u32(c, h->flow);
	put_u64(c, h->session);
	put_u64(c, h->epoch);
	put_u64(c, h->seq);
	put_u32(c, h->path_seq);
	put_u32(c, h->stamp);
	put_u16(c, h->len);
	put_u16(c, 0);
	if (h->flags & WIRE_F_FEC) {
		put_u32(c, h->ext.block);
		put_u8(c, h->ext.index);
		put_u8(c, h->ext.k);
		put_u8(c, h->ext.m);
		put_u8(c, 0);
	}
}

bool wire_encode_hdr(const struct wire_hdr *h, void *out, size_t outlen)
{
	struct cursor c;

	cursor_init(&c, out, outlen);
	put_hdr(&c, h);
	return cursor_ok(&c);
}

static void put_crc(uint8_t *dgram, size_t len)
{
	struct cursor c;

	cursor_init(&c, dgram + len - WIRE_CRC_LEN, WIRE_CRC_LEN);
	put_u32(&c, wire_crc32c(dgram, len - WIRE_CRC_LEN));
}

void wire_crc_update(uint8_t *dgram, size_t len)
{
	if (len >= WIRE_MIN_DGRAM)
		put_crc(dgram, len);
}

size_t wire_encode(const struct wire_hdr *h, const void *payload, void *out, size_t outlen)
{
	size_t hs = wire_hdr_size(h->flags);
	size_t total = wire_dgram_len(h->flags, h->suite, h->len);
	uint8_t *o = out;
	struct cursor c;

	if (total > WIRE_MAX_DGRAM || total > outlen)
		return 0;
	/* payload first: it may alias the space right after the header */
	if (h->len && payload != o + hs)
		memmove(o + hs, payload, h->len);
	cursor_init(&c, o, hs);
	put_hdr(&c, h);
	if (h->suite == WIRE_SUITE_CLEAR)
		put_crc(o, total);
	else
		memset(o + hs + h->len, 0, WIRE_TAG_LEN);
	return total;
}

void wire_set_per_path(uint8_t *dgram, size_t len, uint8_t path, uint32_t path_seq,
			uint32_t stamp)
{
	struct cursor c;

	if (len < WIRE_MIN_DGRAM)
		return;
	dgram[WIRE_OFF_PATH] = path;
	cursor_init(&c, dgram + WIRE_OFF_PATH_SEQ, 8);
	put_u32(&c, path_seq);
	put_u32(&c, stamp);
	if (dgram[3] == WIRE_SUITE_CLEAR)
		put_crc(dgram, len);
}

size_t wire_ad(const uint8_t *dgram, size_t len, uint8_t ad[WIRE_AD_MAX])
{
	size_t n;

	if (len < WIRE_HDR_LEN)
		return 0;
	n = wire_hdr_size(dgram[2]);
	if (len < n)
		return 0;
	memcpy(ad, dgram, n);
	ad[WIRE_OFF_PATH] = 0;
	memset(ad + WIRE_OFF_PATH_SEQ, 0, 8);
	return n;
}

static bool drop(enum wire_drop *why, enum wire_drop reason)
{
	if (why)
		*why = reason;
	return false;
}

/* Version 1: 36-byte header (version 1, type 1..4, flags 0..3, reserved 0),
 * then len bytes and a 16-byte tag when its SEALED flag is set. */
bool wire_is_v1(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t plen;

	if (len < 36 || b[0] != 1 || b[1] < 1 || b[1] > 4 || (b[2] & ~0x03) || b[3] ||
	    b[34] || b[35])
		return false;
	plen = (size_t)b[32] << 8 | b[33];
	return len == 36 + plen + ((b[2] & 0x02) ? 16 : 0);
}

/* Payload size rules that need no plaintext (sealed payloads keep their size). */
static bool payload_size_ok(const struct wire_hdr *h)
{
	switch (h->type) {
	case WIRE_PING:
		return h->len >= WIRE_PING_LEN;
	case WIRE_PONG:
		return h->len == WIRE_PING_LEN;
	case WIRE_COOKIE:
		return h->len == WIRE_COOKIE_LEN;
	case WIRE_NOTICE:
		return h->len == WIRE_NOTICE_LEN;
	case WIRE_FEEDBACK:
		return h->len >= WIRE_FEEDBACK_HDR &&
		       (h->len - WIRE_FEEDBACK_HDR) % WIRE_FEEDBACK_ENTRY == 0 &&
		       (h->len - WIRE_FEEDBACK_HDR) / WIRE_FEEDBACK_ENTRY <= WIRE_FEEDBACK_MAX;
	case WIRE_PARITY:
		return h->len >= WIRE_CODED_HDR;
	default:
		return true;
	}
}

/* Flags allowed for the type: FEC on DATA and PARITY (PARITY needs it),
 * TARGET on DATA from mpclient, SERVER required on COOKIE and NOTICE. */
static bool flags_ok(const struct wire_hdr *h)
{
	bool server = h->flags & WIRE_F_SERVER;

	if (h->flags & ~WIRE_F_MASK)
		return false;
	if ((h->flags & WIRE_F_FEC) && h->type != WIRE_DATA && h->type != WIRE_PARITY)
		return false;
	if (h->type == WIRE_PARITY && !(h->flags & WIRE_F_FEC))
		return false;
	if ((h->flags & WIRE_F_TARGET) && (h->type != WIRE_DATA || server))
		return false;
	if ((h->type == WIRE_COOKIE || h->type == WIRE_NOTICE) && !server)
		return false;
	return true;
}

static bool ext_ok(const struct wire_hdr *h)
{
	const struct wire_ext *e = &h->ext;

	if (!(h->flags & WIRE_F_FEC))
		return true;
	if (h->type == WIRE_DATA)
		return e->k == 0 && e->m == 0 && e->index < WIRE_FEC_MAX_K;
	return e->k >= 1 && e->k <= WIRE_FEC_MAX_K && e->m >= 1 && e->m <= WIRE_FEC_MAX_M &&
	       e->k + e->m <= WIRE_FEC_MAX_N && e->index >= e->k && e->index < e->k + e->m;
}

/* The flow rule.  A NOTICE in the clear shows its code (code 6: the refused
 * flow, others 0); a sealed NOTICE can only be code 6. */
static bool flow_ok(const struct wire_hdr *h, const uint8_t *payload)
{
	if (h->type == WIRE_DATA)
		return h->flow != 0;
	if (h->type == WIRE_NOTICE) {
		if (h->suite != WIRE_SUITE_CLEAR)
			return h->flow != 0;
		return ((payload[0] << 8 | payload[1]) == WIRE_N_TARGET) == (h->flow != 0);
	}
	return h->flow == 0;
}

static bool parse(const void *buf, size_t len, struct wire_hdr *h, const uint8_t **payload,
		  enum wire_drop *why, bool check_crc)
{
	const uint8_t *b = buf;
	struct cursor c;
	uint8_t rsv8, ersv = 0;
	uint16_t rsv16;
	size_t hs;

	if (len >= 1 && b[0] == 1 && wire_is_v1(buf, len))
		return drop(why, WIRE_E_V1);
	if (len < WIRE_MIN_DGRAM)
		return drop(why, WIRE_E_SHORT);
	if (b[0] != WIRE_VERSION)
		return drop(why, WIRE_E_VERSION);
	if (b[3] > WIRE_SUITE_MAX)
		return drop(why, WIRE_E_SUITE);
	if (check_crc && b[3] == WIRE_SUITE_CLEAR) {
		uint32_t want = (uint32_t)b[len - 4] << 24 | (uint32_t)b[len - 3] << 16 |
				(uint32_t)b[len - 2] << 8 | b[len - 1];

		if (wire_crc32c(b, len - WIRE_CRC_LEN) != want)
			return drop(why, WIRE_E_CHECKSUM);
	}
	cursor_init_ro(&c, buf, len);
	h->version = get_u8(&c);
	h->type = get_u8(&c);
	h->flags = get_u8(&c);
	h->suite = get_u8(&c);
	h->server = get_u16(&c);
	h->path = get_u8(&c);
	rsv8 = get_u8(&c);
	h->key_id = get_u32(&c);
	h->flow = get_u32(&c);
	h->session = get_u64(&c);
	h->epoch = get_u64(&c);
	h->seq = get_u64(&c);
	h->path_seq = get_u32(&c);
	h->stamp = get_u32(&c);
	h->len = get_u16(&c);
	rsv16 = get_u16(&c);
	memset(&h->ext, 0, sizeof(h->ext));
	if (!cursor_ok(&c))
		return drop(why, WIRE_E_SHORT);
	if (h->type < WIRE_DATA || h->type > WIRE_TYPE_MAX)
		return drop(why, WIRE_E_TYPE);
	if (!flags_ok(h))
		return drop(why, WIRE_E_FLAGS);
	hs = wire_hdr_size(h->flags);
	if (wire_dgram_len(h->flags, h->suite, h->len) != len)
		return drop(why, WIRE_E_LENGTH);
	if (h->flags & WIRE_F_FEC) {
		h->ext.block = get_u32(&c);
		h->ext.index = get_u8(&c);
		h->ext.k = get_u8(&c);
		h->ext.m = get_u8(&c);
		ersv = get_u8(&c);
		if (!cursor_ok(&c))
			return drop(why, WIRE_E_LENGTH);
	}
	if (rsv8 || rsv16 || ersv)
		return drop(why, WIRE_E_RESERVED);
	if (h->path >= WIRE_MAX_PATHS)
		return drop(why, WIRE_E_PATH);
	if ((h->suite == WIRE_SUITE_CLEAR) != (h->key_id == 0))
		return drop(why, WIRE_E_KEY_FIELD);
	if (h->session == 0 || h->epoch == 0)
		return drop(why, WIRE_E_SESSION);
	if (h->seq == 0)
		return drop(why, WIRE_E_SEQ);
	if (!ext_ok(h))
		return drop(why, WIRE_E_EXT);
	if (!payload_size_ok(h))
		return drop(why, WIRE_E_PAYLOAD);
	if (!flow_ok(h, b + hs))
		return drop(why, WIRE_E_FLOW);
	*payload = b + hs;
	if (why)
		*why = WIRE_OK;
	return true;
}

bool wire_decode(const void *buf, size_t len, struct wire_hdr *h, const uint8_t **payload,
		  enum wire_drop *why)
{
	return parse(buf, len, h, payload, why, true);
}

bool wire_parse(const void *buf, size_t len, struct wire_hdr *h, const uint8_t **payload,
		 enum wire_drop *why)
{
	return parse(buf, len, h, payload, why, false);
}

/* ---- PING / PONG ---------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

size_t wire_ping_encode(const struct wire_ping *p, size_t payload_len, void *out,
			 size_t outlen)
{
	struct cursor c;

	if (payload_len < WIRE_PING_LEN || payload_len > outlen)
		return 0;
	cursor_init(&c, out, outlen);
	put_u64(&c, p->stamp);
	put_bytes(&c, p->token, WIRE_TOKEN_LEN);
	put_u16(&c, p->probe_size);
	put_u8(&c, p->path_flags);
	put_u8(&c, p->redundancy);
	put_u8(&c, p->fec_k);
	put_u8(&c, p->fec_m);
	put_u16(&c, p->fec_wait);
	put_u32(&c, p->target_loss);
	put_u32(&c, 0);
	put_bytes(&c, p->name, WIRE_PATH_NAME_LEN);
	if (!cursor_ok(&c))
		return 0;
	memset((uint8_t *)out + WIRE_PING_LEN, 0, payload_len - WIRE_PING_LEN);
	return payload_len;
}

static bool km_ok(uint8_t k, uint8_t m)
{
	if (k == 0 && m == 0)
		return true;
	return k >= 1 && k <= WIRE_FEC_MAX_K && m >= 1 && m <= WIRE_FEC_MAX_M &&
	       k + m <= WIRE_FEC_MAX_N;
}

/* NUL-padded: after the first NUL, only NULs. */
static bool nul_padded(const char *s, size_t n)
{
	const char *z = memchr(s, 0, n);

	return !z || all_zero((const uint8_t *)z, n - (size_t)(z - s));
}

bool wire_ping_decode(const void *buf, size_t len, size_t dgram_len, bool pong,
		       struct wire_ping *p)
{
	const uint8_t *tok, *name;
	struct cursor c;
	uint32_t rsv;

	if (len < WIRE_PING_LEN)
		return false;
	cursor_init_ro(&c, buf, len);
	p->stamp = get_u64(&c);
	tok = get_bytes(&c, WIRE_TOKEN_LEN);
	p->probe_size = get_u16(&c);
	p->path_flags = get_u8(&c);
	p->redundancy = get_u8(&c);
	p->fec_k = get_u8(&c);
	p->fec_m = get_u8(&c);
	p->fec_wait = get_u16(&c);
	p->target_loss = get_u32(&c);
	rsv = get_u32(&c);
	name = get_bytes(&c, WIRE_PATH_NAME_LEN);
	if (!cursor_ok(&c) || !tok || !name)
		return false;
	memcpy(p->token, tok, WIRE_TOKEN_LEN);
	memcpy(p->name, name, WIRE_PATH_NAME_LEN);
	if (rsv || (p->path_flags & ~WIRE_PATH_F_BACKUP) || p->redundancy > WIRE_RED_MAX ||
	    !km_ok(p->fec_k, p->fec_m) || !nul_padded(p->name, WIRE_PATH_NAME_LEN))
		return false;
	if (pong || p->probe_size == 0)
		return len == WIRE_PING_LEN;
	return dgram_len == p->probe_size &&
	       all_zero((const uint8_t *)buf + WIRE_PING_LEN, len - WIRE_PING_LEN);
}

/* ---- NOTICE --------------------------------------------------------------- */

const char *wire_notice_text(uint16_t code)
{
	switch (code) {
	case WIRE_N_KEY_ID:
		return "unknown key id (the keys differ)";
	case WIRE_N_AUTH:
		return "authentication failed (the keys differ)";
	case WIRE_N_SUITE:
		return "cipher suite not accepted";
	case WIRE_N_PEER_KEYED:
		return "we are keyed, the server is not";
	case WIRE_N_PEER_UNKEYED:
		return "we are unkeyed, the server is keyed";
	case WIRE_N_TARGET:
		return "target not allowed";
	case WIRE_N_VERSION:
		return "protocol version not spoken";
	default:
		return "unknown notice";
	}
}

size_t wire_notice_encode(const struct wire_notice *n, void *out, size_t outlen)
{
	struct cursor c;

	cursor_init(&c, out, outlen);
	put_u16(&c, n->code);
	put_u8(&c, n->expected_suite);
	put_bytes(&c, "\0\0\0\0\0", 5);
	return cursor_ok(&c) ? WIRE_NOTICE_LEN : 0;
}

bool wire_notice_decode(const void *buf, size_t len, struct wire_notice *n)
{
	const uint8_t *rsv;
	struct cursor c;

	if (len != WIRE_NOTICE_LEN)
		return false;
	cursor_init_ro(&c, buf, len);
	n->code = get_u16(&c);
	n->expected_suite = get_u8(&c);
	rsv = get_bytes(&c, 5);
	return cursor_ok(&c) && rsv && all_zero(rsv, 5) && n->code >= 1 &&
	       n->code <= WIRE_N_MAX && n->expected_suite <= WIRE_SUITE_MAX;
}

size_t wire_notice_build(void *out, size_t outlen, size_t answered_len, uint16_t code,
			  uint8_t expected_suite, uint16_t server, uint64_t session,
			  uint64_t epoch, uint64_t seq)
{
	struct wire_notice n = { .code = code, .expected_suite = expected_suite };
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = WIRE_NOTICE, .flags = WIRE_F_SERVER,
		.suite = WIRE_SUITE_CLEAR, .server = server, .session = session, .epoch = epoch,
		.seq = seq, .path_seq = 1, .len = WIRE_NOTICE_LEN,
	};
	uint8_t body[WIRE_NOTICE_LEN];

	if (wire_dgram_len(0, 0, WIRE_NOTICE_LEN) > answered_len)
		return 0;
	wire_notice_encode(&n, body, sizeof(body));
	return wire_encode(&h, body, out, outlen);
}

/* ---- FEEDBACK ------------------------------------------------------------- */

size_t wire_feedback_len(uint8_t count)
{
	return WIRE_FEEDBACK_HDR + (size_t)count * WIRE_FEEDBACK_ENTRY;
}

size_t wire_feedback_encode(const struct wire_feedback *f, void *out, size_t outlen)
{
	struct cursor c;
	unsigned i;

	if (f->count > WIRE_FEEDBACK_MAX)
		return 0;
	cursor_init(&c, out, outlen);
	put_u8(&c, f->count);
	put_u8(&c, 0);
	put_u16(&c, 0);
	for (i = 0; i < f->count; i++) {
		put_u8(&c, f->e[i].path);
		put_u8(&c, 0);
		put_u16(&c, f->e[i].burst);
		put_u32(&c, f->e[i].highest);
		put_u32(&c, f->e[i].received);
		put_u32(&c, f->e[i].echo);
		put_u32(&c, f->e[i].delay);
	}
	return cursor_ok(&c) ? wire_feedback_len(f->count) : 0;
}

bool wire_feedback_decode(const void *buf, size_t len, struct wire_feedback *f)
{
	struct cursor c;
	uint32_t seen = 0, rsv;
	unsigned i;

	cursor_init_ro(&c, buf, len);
	f->count = get_u8(&c);
	rsv = (uint32_t)get_u8(&c) | get_u16(&c);
	if (!cursor_ok(&c) || rsv || f->count > WIRE_FEEDBACK_MAX ||
	    len != wire_feedback_len(f->count))
		return false;
	for (i = 0; i < f->count; i++) {
		struct wire_feedback_entry *e = &f->e[i];

		e->path = get_u8(&c);
		rsv = get_u8(&c);
		e->burst = get_u16(&c);
		e->highest = get_u32(&c);
		e->received = get_u32(&c);
		e->echo = get_u32(&c);
		e->delay = get_u32(&c);
		if (rsv || e->path >= WIRE_MAX_PATHS || (seen & (1u << e->path)))
			return false;
		seen |= 1u << e->path;
	}
	return cursor_ok(&c);
}

/* ---- FEC coded form --------------------------------------------------------- */

size_t wire_coded_encode(const struct wire_coded *cd, const void *payload, void *sym,
			  size_t symbol_size)
{
	uint8_t *s = sym;
	struct cursor c;

	if (symbol_size < WIRE_CODED_HDR || cd->len > symbol_size - WIRE_CODED_HDR)
		return 0;
	if (cd->len && payload != s + WIRE_CODED_HDR)
		memmove(s + WIRE_CODED_HDR, payload, cd->len);
	cursor_init(&c, s, WIRE_CODED_HDR);
	put_u64(&c, cd->seq);
	put_u32(&c, cd->flow);
	put_u16(&c, cd->len);
	put_u8(&c, cd->flags);
	put_u8(&c, 0);
	memset(s + WIRE_CODED_HDR + cd->len, 0, symbol_size - WIRE_CODED_HDR - cd->len);
	return symbol_size;
}

bool wire_coded_decode(const void *sym, size_t symbol_size, struct wire_coded *cd,
			const uint8_t **payload)
{
	const uint8_t *s = sym;
	struct cursor c;
	uint8_t rsv;

	cursor_init_ro(&c, sym, symbol_size);
	cd->seq = get_u64(&c);
	cd->flow = get_u32(&c);
	cd->len = get_u16(&c);
	cd->flags = get_u8(&c);
	rsv = get_u8(&c);
	if (!cursor_ok(&c) || rsv || cd->seq == 0 || cd->flow == 0 ||
	    (cd->flags & ~WIRE_F_TARGET) || cd->len > symbol_size - WIRE_CODED_HDR)
		return false;
	if (!all_zero(s + WIRE_CODED_HDR + cd->len, symbol_size - WIRE_CODED_HDR - cd->len))
		return false;
	*payload = s + WIRE_CODED_HDR;
	return true;
}
