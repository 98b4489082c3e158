/* gen_corpus.c - writes the hand-made seed corpora: gen_corpus DIR (e.g. fuzz/corpus).
 * Deterministic: running it again rewrites the same files. */
#include "fuzz.h"
#include "seal.h"
#include "wire.h"
#include "wireseal.h"
#include "target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;
static uint8_t psk[32];
static uint8_t buf[WIRE_MAX_DGRAM];

static void put(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static size_t op(uint8_t *p, size_t n, uint8_t code, uint16_t arg)
{
	p[n] = code;
	p[n + 1] = (uint8_t)(arg >> 8);
	p[n + 2] = (uint8_t)arg;
	return n + 3;
}

static void gen_window(void)
{
	uint8_t p[1 + 3 * 600];
	size_t n, i;

	/* in order, then every one again (duplicates) */
	n = 0;
	p[n++] = 0;
	for (i = 0; i < 100; i++)
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_NEXT, 0);
	for (i = 0; i < 100; i++)
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_BACK, (uint16_t)i);
	put("window", "in-order-then-dups", p, n);

	/* reordering inside the window, and just outside its edge */
	n = 0;
	p[n++] = 3;
	n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_ABS, 1000);
	for (i = 0; i < 150; i++)
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_FWD, (uint16_t)(i % 7));
	for (i = 0; i < 150; i++)
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_NEAR, (uint16_t)(i * 13));
	for (i = 0; i < 6; i++)
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_EDGE, (uint16_t)i);
	put("window", "reorder-and-edge", p, n);

	/* jumps of whole words, across the ring and far beyond it */
	n = 0;
	p[n++] = 15;
	n = op(p, n, FUZZ_WIN_OP_COMMIT | FUZZ_WIN_ABS, 1);
	for (i = 0; i < 60; i++) {
		n = op(p, n, FUZZ_WIN_OP_COMMIT | FUZZ_WIN_JUMP, (uint16_t)(i % 20));
		n = op(p, n, FUZZ_WIN_OP_CHECK | FUZZ_WIN_BACK, (uint16_t)(i * 31));
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_NEAR, (uint16_t)i);
	}
	n = op(p, n, FUZZ_WIN_OP_COMMIT | FUZZ_WIN_JUMP, 65535);
	n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_EDGE, 1);
	put("window", "word-jumps", p, n);

	/* near the top of the sequence space, zero, and resets */
	n = 0;
	p[n++] = 1;
	n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_HIGH, 200);
	for (i = 0; i < 40; i++)
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_FWD, (uint16_t)(i % 5));
	n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_ABS, 0);
	n = op(p, n, FUZZ_WIN_OP_COMMIT | FUZZ_WIN_ABS, 0);
	n = op(p, n, FUZZ_WIN_OP_RESET, 0);
	for (i = 0; i < 40; i++)
		n = op(p, n, FUZZ_WIN_OP_UPDATE | FUZZ_WIN_ABS, (uint16_t)(40 - i));
	n = op(p, n, FUZZ_WIN_OP_RESET, 0);
	n = op(p, n, FUZZ_WIN_OP_CHECK | FUZZ_WIN_ABS, 5);
	put("window", "high-zero-reset", p, n);
	put("window", "empty", "", 0);
}

static void gen_config(void)
{
	static const struct {
		const char *name, *text;
	} seeds[] = {
		{ "seed-3path", "# three bridges\nlocalhost 4001\n127.0.0.1 4002\n::1 4003\n" },
		{ "joined", "127.0.0.1:4001\n[::1]:4002\nbridge-a.example:9000\n" },
		{ "comments-blank", "\n   # only a comment\n\thost1 1 # trailing\r\n\n" },
		{ "no-final-newline", "h 65535" },
		{ "bad-port", "localhost 0\n" },
		{ "bad-port-text", "localhost abc\n" },
		{ "too-many-tokens", "a 1 b\n" },
		{ "duplicate", "a 1\na 1\n" },
		{ "control-byte", "a\x01 1\n" },
		{ "empty", "" },
		{ "paths", "dev=wwan0,src=192.0.2.7,bridge=h:1\ndev=wlan0 bridge=[::1]:2\n"
			   "src=::1,bridge=[::1]:3\nbridge=h:1,dev=wwan1\n" },
		{ "path-bad-dev", "dev=a/b,bridge=h:1\n" },
		{ "path-no-bridge", "dev=x\n" },
		{ "path-unknown-item", "via=1,bridge=h:1\n" },
		{ "path-empty-item", "dev=a,,bridge=h:1\n" },
		{ "path-duplicate", "dev=a,bridge=h:1\nbridge=h:1 dev=a\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		put("config", seeds[i].name, seeds[i].text, strlen(seeds[i].text));
	put("config", "nul-byte", "a 1\n\0b 2\n", 9);
}

/* ---- version 2 ---- */

static struct wire_hdr hdr2(uint8_t type, uint8_t flags, uint8_t suite, uint64_t seq,
			     uint16_t len)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION, .type = type, .flags = flags, .suite = suite,
		.server = (flags & WIRE_F_SERVER) ? 7 : 0, .path = 2,
		.key_id = suite ? 0x5eed0001u : 0, .flow = type == WIRE_DATA ? 3 : 0,
		.session = 0x1122334455667788ull,
		.epoch = (flags & WIRE_F_SERVER) ? 0x0badc0ffee000001ull : 0x1122334455667788ull,
		.seq = seq, .path_seq = (uint32_t)seq + 100, .stamp = 123456, .len = len,
	};
	return h;
}

static void put2(const char *name, struct wire_hdr h, const void *p)
{
	size_t n = wire_encode(&h, p, buf, sizeof(buf));

	if (!n) {
		fprintf(stderr, "gen_corpus: encode %s failed\n", name);
		exit(1);
	}
	put("wire", name, buf, n);
}

/* Encode h and seal it under the corpus PSK (key_psk NULL: a zero tag). */
static size_t build2(struct wire_hdr h, const void *p, const uint8_t *key_psk)
{
	size_t n = wire_encode(&h, p, buf, sizeof(buf));
	struct seal_key k = SEAL_KEY_EMPTY;
	struct seal_psk sp;

	if (!n) {
		fprintf(stderr, "gen_corpus: encode failed\n");
		exit(1);
	}
	if (h.suite && key_psk) {
		if (!seal_psk_set(&sp, key_psk, h.suite) ||
		    seal_key_derive(&k, &sp, h.session, h.epoch, h.flags & WIRE_F_SERVER) ||
		    !wire_seal(&k, buf, n)) {
			fprintf(stderr, "gen_corpus: seal failed\n");
			exit(1);
		}
		seal_key_wipe(&k);
	}
	return n;
}

static void gen_wire(void)
{
	static const char text[] = "hello, multipath world";
	/* header fields made bad, each on its own: the byte, its bad and good value, whether the
	 * CRC is made right after (so the datagram reaches that field's check) */
	static const struct {
		unsigned at;
		uint8_t bad, good;
		bool crc;
		const char *name;
	} bad[] = {
		{ 0, 3, 2, false, "bad-version" },
		{ 1, 9, 1, true, "bad-type" },
		{ 2, 0x80, 0, true, "bad-flags" },
		{ 3, 7, 0, false, "bad-suite" },
		{ 7, 1, 0, true, "bad-reserved" },
		{ 6, 16, 2, true, "bad-path" },
		{ 15, 0, 3, true, "bad-flow-zero" },
	};
	const uint8_t V = WIRE_F_SERVER, F = WIRE_F_FEC, T = WIRE_F_TARGET;
	struct wire_ping pg = { .stamp = 42, .path_flags = WIRE_PATH_F_BACKUP,
				 .redundancy = WIRE_RED_FEC, .fec_k = 20, .fec_m = 10,
				 .fec_wait = 30, .target_loss = 1000, .name = "lte" };
	struct wire_notice nt = { .code = WIRE_N_AUTH, .expected_suite = 1 };
	struct wire_feedback fb = { .count = 3 };
	struct wire_coded cd = { .seq = 9, .flow = 3, .len = sizeof(text) - 1 };
	struct target tg = { .kind = TARGET_IPV4, .port = 6666, .u.v4 = { 198, 18, 0, 9 } };
	uint8_t pl[1500];
	struct wire_hdr h;
	size_t n, i;

	put2("data-client", hdr2(WIRE_DATA, 0, 0, 1, sizeof(text) - 1), text);
	h = hdr2(WIRE_DATA, 0, 0, 1, sizeof(text) - 1);
	n = wire_encode(&h, text, buf, sizeof(buf));
	put("wire", "data-client-trunc-header", buf, WIRE_HDR_LEN - 1);
	put("wire", "data-client-trunc-payload", buf, n - 1);
	put2("data-server", hdr2(WIRE_DATA, V, 0, 7, sizeof(text) - 1), text);
	put2("data-empty", hdr2(WIRE_DATA, 0, 0, 2, 0), "");
	put2("data-chacha", hdr2(WIRE_DATA, 0, 1, 3, sizeof(text) - 1), text);
	put2("data-aesgcm-server", hdr2(WIRE_DATA, V, 2, 3, sizeof(text) - 1), text);
	h = hdr2(WIRE_DATA, F, 0, 4, sizeof(text) - 1);
	h.ext = (struct wire_ext){ .block = 1, .index = 0 };
	put2("data-fec", h, text);
	n = target_desc_encode(&tg, pl, sizeof(pl));
	memcpy(pl + n, text, sizeof(text) - 1);
	put2("data-target", hdr2(WIRE_DATA, T, 0, 5, (uint16_t)(n + sizeof(text) - 1)), pl);
	put("wire", "target-ipv4", pl, n);
	target_from_name(&tg, "dns");
	n = target_desc_encode(&tg, pl, sizeof(pl));
	put("wire", "target-name", pl, n);
	wire_coded_encode(&cd, text, pl, WIRE_CODED_HDR + 30);
	put("wire", "coded-symbol", pl, WIRE_CODED_HDR + 30);
	h = hdr2(WIRE_PARITY, V | F, 0, 6, WIRE_CODED_HDR + 30);
	h.ext = (struct wire_ext){ .block = 1, .index = 4, .k = 4, .m = 2 };
	put2("parity", h, pl);
	wire_ping_encode(&pg, WIRE_PING_LEN, pl, sizeof(pl));
	put("wire", "ping-body", pl, WIRE_PING_LEN);
	put2("ping", hdr2(WIRE_PING, 0, 0, 8, WIRE_PING_LEN), pl);
	put2("ping-sealed", hdr2(WIRE_PING, 0, 1, 8, WIRE_PING_LEN), pl);
	put2("pong", hdr2(WIRE_PONG, V, 0, 9, WIRE_PING_LEN), pl);
	put2("ping-challenge", hdr2(WIRE_PING, V, 0, 10, WIRE_PING_LEN), pl);
	pg.probe_size = 300;
	n = 300 - WIRE_HDR_LEN - WIRE_CRC_LEN;
	wire_ping_encode(&pg, n, pl, sizeof(pl));
	put2("ping-probe", hdr2(WIRE_PING, 0, 0, 11, (uint16_t)n), pl);
	put2("cookie", hdr2(WIRE_COOKIE, V, 1, 12, WIRE_COOKIE_LEN), "0123456789abcdef");
	wire_notice_encode(&nt, pl, sizeof(pl));
	put("wire", "notice-body", pl, WIRE_NOTICE_LEN);
	put2("notice", hdr2(WIRE_NOTICE, V, 0, 13, WIRE_NOTICE_LEN), pl);
	for (i = 0; i < fb.count; i++)
		fb.e[i] = (struct wire_feedback_entry){ (uint8_t)i, 24, 1000 + (uint32_t)i, 990, 5, 7 };
	n = wire_feedback_encode(&fb, pl, sizeof(pl));
	put("wire", "feedback-body", pl, n);
	put2("feedback", hdr2(WIRE_FEEDBACK, 0, 0, 14, (uint16_t)n), pl);
	/* bad fields */
	h = hdr2(WIRE_DATA, 0, 0, 15, 4);
	n = wire_encode(&h, "abcd", buf, sizeof(buf));
	/* one byte at a time, set back after (the CRC as the last one left it) */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf[bad[i].at] = bad[i].bad;
		if (bad[i].crc)
			wire_crc_update(buf, n);
		put("wire", bad[i].name, buf, n);
		buf[bad[i].at] = bad[i].good;
	}
	buf[n - 1] ^= 1;
	put("wire", "bad-checksum", buf, n);
	h.seq = 0;
	put2("bad-seq-zero", h, "abcd");
	h.seq = UINT64_MAX;
	put2("seq-max", h, "abcd");
	h = hdr2(WIRE_DATA, 0, 0, 16, 4);
	h.session = 0;
	put2("bad-session-zero", h, "abcd");
	/* a version 1 datagram (a PING: 36-byte header, 28-byte body) */
	memset(buf, 0, 64);
	buf[0] = 1;
	buf[1] = 2;
	buf[15] = buf[23] = buf[31] = 1;
	buf[33] = 28;
	put("wire", "v1-ping", buf, 64);
	put("wire", "empty", "", 0);
}

static void gen_open(void)
{
	static const size_t sizes[] = { 0, 1, 16, 100, 1400 };
	const uint8_t V = WIRE_F_SERVER;
	uint8_t payload[1400], other[32], ping[WIRE_PING_LEN];
	struct wire_ping pg = { .stamp = 42 };
	struct wire_hdr h;
	char name[64];
	size_t i, n;
	unsigned s;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	for (s = 1; s <= 2; s++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			n = build2(hdr2(WIRE_DATA, 0, (uint8_t)s, 10 + i, (uint16_t)sizes[i]), payload,
				   psk);
			snprintf(name, sizeof(name), "data-c2s-s%u-%zu", s, sizes[i]);
			put("open", name, buf, n);
			n = build2(hdr2(WIRE_DATA, V, (uint8_t)s, 20 + i, (uint16_t)sizes[i]), payload,
				   psk);
			snprintf(name, sizeof(name), "data-s2c-s%u-%zu", s, sizes[i]);
			put("open", name, buf, n);
		}
	wire_ping_encode(&pg, WIRE_PING_LEN, ping, sizeof(ping));
	n = build2(hdr2(WIRE_PING, 0, 2, 30, WIRE_PING_LEN), ping, psk);
	put("open", "ping-c2s", buf, n);
	n = build2(hdr2(WIRE_PONG, V, 2, 31, WIRE_PING_LEN), ping, psk);
	put("open", "pong-s2c", buf, n);
	h = hdr2(WIRE_DATA, WIRE_F_FEC, 1, 32, 100);
	h.ext = (struct wire_ext){ .block = 3, .index = 1 };
	n = build2(h, payload, psk);
	put("open", "data-fec-c2s", buf, n);
	n = build2(hdr2(WIRE_DATA, 0, 2, 33, 100), payload, psk);
	put("open", "data-c2s-100-truncated", buf, n - 1);
	buf[WIRE_HDR_LEN + 5] ^= 0x10;
	put("open", "data-c2s-100-bitflip", buf, n);
	n = build2(hdr2(WIRE_DATA, 0, 0, 34, 100), payload, NULL);
	put("open", "data-clear", buf, n);
	memcpy(other, psk, sizeof(other));
	other[0] ^= 1;
	n = build2(hdr2(WIRE_DATA, 0, 2, 35, 100), payload, other);
	put("open", "data-other-key", buf, n);
	n = build2(hdr2(WIRE_DATA, 0, 2, 36, 100), payload, NULL);
	put("open", "data-zero-tag", buf, n);
	put("open", "short", payload, 20);
}

/* fuzz_fec: header k, m, limits, base id (4); then (op, a, b) triples */
static size_t fec_head(uint8_t *p, unsigned k, unsigned m, uint8_t limits, uint32_t base)
{
	p[0] = (uint8_t)(k - 1);
	p[1] = (uint8_t)(m - 1);
	p[2] = limits;
	p[3] = (uint8_t)(base >> 24);
	p[4] = (uint8_t)(base >> 16);
	p[5] = (uint8_t)(base >> 8);
	p[6] = (uint8_t)base;
	return 7;
}

static size_t fec_op(uint8_t *p, size_t n, uint8_t op, uint8_t a, uint8_t b)
{
	p[n] = op;
	p[n + 1] = a;
	p[n + 2] = b;
	return n + 3;
}

static void gen_fec(void)
{
	uint8_t p[1024];
	size_t n;
	unsigned b, i;

	/* every symbol of four 4+2 blocks, in order */
	n = fec_head(p, 4, 2, 7, 1);
	for (b = 0; b < 4; b++)
		for (i = 0; i < 6; i++)
			n = fec_op(p, n, (uint8_t)(b << 2), (uint8_t)i, 0);
	put("fec", "in-order", p, n);
	/* parity first, two data lost per block: decodes */
	n = fec_head(p, 4, 2, 7, 100);
	for (b = 0; b < 4; b++) {
		n = fec_op(p, n, (uint8_t)(b << 2), 5, 0);
		n = fec_op(p, n, (uint8_t)(b << 2), 4, 0);
		n = fec_op(p, n, (uint8_t)(b << 2), (uint8_t)(b % 4), 0);
		n = fec_op(p, n, (uint8_t)(b << 2), (uint8_t)((b + 2) % 4), 0);
		n = fec_op(p, n, (uint8_t)(b << 2), (uint8_t)((b + 1) % 4), 0);	/* late */
	}
	put("fec", "parity-first-losses", p, n);
	/* blocks interleaved, duplicates, 10+5 */
	n = fec_head(p, 10, 5, 3 | 0x40, 7);
	for (i = 0; i < 15; i++)
		for (b = 0; b < 4; b++)
			if ((i * 7 + b) % 5)
				n = fec_op(p, n, (uint8_t)(b << 2), (uint8_t)(14 - i), 0),
				n = fec_op(p, n, (uint8_t)(b << 2), (uint8_t)(14 - i), 0);
	put("fec", "interleaved-dups", p, n);
	/* forged symbols among genuine ones, then time and expiry */
	n = fec_head(p, 3, 3, 1, 0xfffffffe);	/* ids wrap */
	n = fec_op(p, n, 0, 0, 0);
	n = fec_op(p, n, 1, 4, 0x33);
	n = fec_op(p, n, 3, 2, 0x05);
	n = fec_op(p, n, 3, 9, 0x81);
	n = fec_op(p, n, 4, 3, 0);
	n = fec_op(p, n, 4, 5, 0);
	n = fec_op(p, n, 2, 60, 1);
	n = fec_op(p, n, 8, 1, 0);
	n = fec_op(p, n, 2, 255, 1);
	put("fec", "forged-wrap-expire", p, n);
	/* one lost per block of 12+1, many blocks through 1 place */
	n = fec_head(p, 12, 1, 0, 5);
	for (b = 0; b < 4; b++)
		for (i = 1; i < 13; i++)
			n = fec_op(p, n, (uint8_t)(b << 2), (uint8_t)i, 0);
	put("fec", "evict-one-place", p, n);
}

/* fuzz_rx scripts: op bytes and arguments (FUZZ_RX_* in fuzz.h) */
#define APP(port) FUZZ_RX_APP, port, 5, 'h', 'e', 'l', 'l', 'o'
#define TARGET(slot) FUZZ_RX_TARGET, slot, 5, 'r', 'e', 'p', 'l', 'y'

static void gen_rx(void)
{
	/* clear: PING on every path, PONGs back, data both ways, copies from the other paths */
	static const uint8_t clear[] = {
		0, FUZZ_RX_PING, 7,
		FUZZ_RX_C2S, 2, 0, FUZZ_RX_C2S, 1, 1, FUZZ_RX_C2S, 0, 2,
		FUZZ_RX_S2C, 2, 0, FUZZ_RX_S2C, 1, 1, FUZZ_RX_S2C, 0, 2,
		APP(0), FUZZ_RX_C2S, 0, 0, FUZZ_RX_C2S, 0, 1, FUZZ_RX_C2S, 0, 2,
		TARGET(0), FUZZ_RX_S2C, 0, 0, FUZZ_RX_S2C, 0, 1,
		FUZZ_RX_TIME, 5, APP(1), FUZZ_RX_C2S, 0, 1, TARGET(1), FUZZ_RX_S2C, 0, 2,
		FUZZ_RX_TIME, 0x80 + 4, FUZZ_RX_TICK, FUZZ_RX_TIME, 0x80 + 30, FUZZ_RX_TICK,
	};
	/* keyed: DATA, COOKIE, PING round with it, PONG adopts, data both ways */
	static const uint8_t keyed[] = {
		1, APP(0), FUZZ_RX_C2S, 0, 0,
		FUZZ_RX_S2C, 0, 0,
		FUZZ_RX_C2S, 0, 2, FUZZ_RX_S2C, 0, 2,
		APP(0), FUZZ_RX_C2S, 0, 0, FUZZ_RX_C2S, 0, 1,
		TARGET(0), FUZZ_RX_S2C, 0, 1, FUZZ_RX_S2C, 0, 1,
		FUZZ_RX_C2S_FLIP, 1, 0, 40, 4, FUZZ_RX_S2C_FLIP, 0, 0, 3, 0x80,
	};
	/* keyed: mpserver restarts; its new instance is adopted, the old one replayed */
	static const uint8_t restart[] = {
		1, APP(0), FUZZ_RX_C2S, 0, 0, FUZZ_RX_S2C, 0, 0, FUZZ_RX_C2S, 0, 2,
		FUZZ_RX_S2C, 0, 2, APP(0), FUZZ_RX_C2S, 0, 0, TARGET(0), FUZZ_RX_S2C, 0, 0,
		FUZZ_RX_SERVER_RESTART, FUZZ_RX_TIME, 20,
		APP(0), FUZZ_RX_C2S, 0, 0, FUZZ_RX_S2C, 0, 0, FUZZ_RX_C2S, 0, 1, FUZZ_RX_S2C, 0, 2,
		APP(0), FUZZ_RX_C2S, 0, 0, TARGET(0), FUZZ_RX_S2C, 0, 0,
		FUZZ_RX_S2C, 6, 0, FUZZ_RX_S2C, 7, 0, FUZZ_RX_CLIENT_RESTART, APP(2),
		FUZZ_RX_C2S, 0, 3, FUZZ_RX_C2S, 9, 3,
	};
	/* clear, small tables: sessions and flows come and go */
	static const uint8_t churn[] = {
		2, APP(0), APP(1), APP(2), FUZZ_RX_C2S, 0, 0, FUZZ_RX_C2S, 1, 0, FUZZ_RX_C2S, 2, 0,
		FUZZ_RX_CLIENT_RESTART, APP(0), FUZZ_RX_C2S, 0, 1, FUZZ_RX_CLIENT_RESTART, APP(0),
		FUZZ_RX_C2S, 0, 2, FUZZ_RX_TIME, 0x80 + 5, FUZZ_RX_C2S, 0, 2, FUZZ_RX_TICK,
		FUZZ_RX_TIME, 0x80 + 25, FUZZ_RX_TICK, FUZZ_RX_C2S, 3, 3,
		FUZZ_RX_C2S_RAW, 1, 8, 1, 1, 0, 0, 0, 0, 0, 7, FUZZ_RX_S2C_RAW, 0, 3, 1, 3, 1,
	};

	/* FEC (mode bit 2) fec:3:2 both ways (k - 1 in bits 3-4, m - 1 in bits 5-6),
	 * clear then keyed: the PINGs ask, the PONGs answer; data both ways with
	 * some symbols never delivered, others twice, out of order, so that
	 * blocks are recovered, duplicated and left incomplete */
#define FEC_MODE (4 | 2 << 3 | 1 << 5)
#define FEC_TRAFFIC                                                                     \
	APP(0), FUZZ_RX_TIME, 1, APP(0), FUZZ_RX_TIME, 1, APP(0), FUZZ_RX_TIME, 1, APP(0), \
	FUZZ_RX_TIME, 1, APP(0), FUZZ_RX_TIME, 1, APP(0), FUZZ_RX_TIME, 1, APP(0),         \
	FUZZ_RX_C2S, 12, 0, FUZZ_RX_C2S, 10, 1, FUZZ_RX_C2S, 11, 2, FUZZ_RX_C2S, 8, 0,      \
	FUZZ_RX_C2S, 7, 1, FUZZ_RX_C2S, 5, 2, FUZZ_RX_C2S, 4, 0, FUZZ_RX_C2S, 3, 1,         \
	FUZZ_RX_C2S, 3, 2, FUZZ_RX_C2S, 1, 0, FUZZ_RX_TIME, 0x80 + 1, FUZZ_RX_C2S, 0, 0,    \
	FUZZ_RX_C2S, 1, 1, FUZZ_RX_C2S, 2, 2, FUZZ_RX_C2S, 6, 2,                            \
	TARGET(0), FUZZ_RX_TIME, 1, TARGET(0), FUZZ_RX_TIME, 1, TARGET(0), FUZZ_RX_TIME, 1, \
	TARGET(0), FUZZ_RX_TIME, 1, TARGET(0), FUZZ_RX_TIME, 1, TARGET(0),                  \
	FUZZ_RX_S2C, 10, 0, FUZZ_RX_S2C, 9, 1, FUZZ_RX_S2C, 7, 2, FUZZ_RX_S2C, 6, 0,        \
	FUZZ_RX_S2C, 4, 1, FUZZ_RX_S2C, 3, 2, FUZZ_RX_S2C, 2, 0, FUZZ_RX_S2C, 2, 1,         \
	FUZZ_RX_TIME, 0x80 + 1, FUZZ_RX_S2C, 0, 0, FUZZ_RX_S2C, 1, 1, FUZZ_RX_S2C, 5, 2,    \
	FUZZ_RX_S2C_FLIP, 0, 0, 70, 1, FUZZ_RX_TIME, 0x80 + 3, FUZZ_RX_TICK
	static const uint8_t fec_clear[] = {
		FEC_MODE, FUZZ_RX_PING, 7,
		FUZZ_RX_C2S, 2, 0, FUZZ_RX_C2S, 1, 1, FUZZ_RX_C2S, 0, 2,
		FUZZ_RX_S2C, 2, 0, FUZZ_RX_S2C, 1, 1, FUZZ_RX_S2C, 0, 2,
		FEC_TRAFFIC,
	};
	static const uint8_t fec_keyed[] = {
		FEC_MODE | 1, FUZZ_RX_PING, 1, FUZZ_RX_C2S, 0, 0, FUZZ_RX_S2C, 0, 0,
		FUZZ_RX_C2S, 0, 0, FUZZ_RX_C2S, 1, 1, FUZZ_RX_C2S, 2, 2,
		FUZZ_RX_S2C, 0, 0, FUZZ_RX_S2C, 1, 1, FUZZ_RX_S2C, 2, 2,
		FEC_TRAFFIC,
	};

	put("rx", "fec-clear", fec_clear, sizeof(fec_clear));
	put("rx", "fec-keyed", fec_keyed, sizeof(fec_keyed));
	put("rx", "clear-exchange", clear, sizeof(clear));
	put("rx", "keyed-handshake", keyed, sizeof(keyed));
	put("rx", "keyed-server-restart", restart, sizeof(restart));
	put("rx", "small-tables-churn", churn, sizeof(churn));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	root = argv[1];
	if (mkdir(root, 0755) < 0 && errno != EEXIST) {
		perror(root);
		return 1;
	}
	if (seal_init() < 0)
		return 1;
	fuzz_open_psk(psk);
	gen_wire();
	gen_open();
	gen_window();
	gen_config();
	gen_fec();
	gen_rx();
	return 0;
}
