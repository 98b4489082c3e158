/* gen_corpus.c - writes the hand-made seed corpora: gen_corpus DIR (e.g. fuzz/corpus).
 * Deterministic: running it again rewrites the same files. */
#include "fuzz.h"
#include "seal.h"
#include "wire.h"

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

static struct wire_hdr hdr(uint8_t type, uint8_t flags, uint64_t seq, uint16_t len)
{
	struct wire_hdr h = {
		.version = WIRE_VERSION,
		.type = type,
		.flags = flags,
		.flow = type == WIRE_DATA ? 3 : 0,
		.session = 0x1122334455667788ull,
		.epoch = (flags & WIRE_F_SERVER) ? 0x0badc0ffee000001ull : 0x1122334455667788ull,
		.seq = seq,
		.len = len,
	};
	return h;
}

/* Encode h with payload p (PING/PONG: a ping body) and seal it when flagged. */
static size_t build(struct wire_hdr h, const void *p, const uint8_t *key_psk)
{
	uint8_t ping[WIRE_PING_LEN];
	size_t n;

	if (h.type != WIRE_DATA) {
		struct wire_ping pg = { .path = 2, .stamp = 123456789012ull };

		wire_ping_encode(&pg, ping, sizeof(ping));
		p = ping;
		h.len = WIRE_PING_LEN;
	}
	n = wire_encode(&h, p, buf, sizeof(buf));
	if (!n) {
		fprintf(stderr, "gen_corpus: encode failed\n");
		exit(1);
	}
	if ((h.flags & WIRE_F_SEALED) && key_psk) {
		struct seal_key k;

		seal_derive_for(key_psk, &h, &k);
		if (!seal_datagram(&k, buf, n)) {
			fprintf(stderr, "gen_corpus: seal failed\n");
			exit(1);
		}
	}
	return n;
}

static void gen_wire(void)
{
	static const char text[] = "hello, multipath world";
	const uint8_t S = WIRE_F_SEALED, V = WIRE_F_SERVER;
	struct wire_ping pg = { .path = 1, .stamp = 42 };
	uint8_t ping[WIRE_PING_LEN];
	size_t n;

	n = build(hdr(WIRE_DATA, 0, 1, sizeof(text) - 1), text, NULL);
	put("wire", "data-client", buf, n);
	put("wire", "data-client-trunc-header", buf, WIRE_HDR_LEN - 1);
	put("wire", "data-client-trunc-payload", buf, n - 1);
	n = build(hdr(WIRE_DATA, V, 7, sizeof(text) - 1), text, NULL);
	put("wire", "data-server", buf, n);
	n = build(hdr(WIRE_DATA, 0, 2, 0), "", NULL);
	put("wire", "data-empty", buf, n);
	n = build(hdr(WIRE_DATA, S, 3, sizeof(text) - 1), text, psk);
	put("wire", "data-sealed", buf, n);
	n = build(hdr(WIRE_DATA, S | V, 3, 0), "", psk);
	put("wire", "data-sealed-server-empty", buf, n);
	n = build(hdr(WIRE_PING, 0, 4, 0), NULL, NULL);
	put("wire", "ping", buf, n);
	put("wire", "ping-body", buf + WIRE_HDR_LEN, WIRE_PING_LEN);
	n = build(hdr(WIRE_PONG, V, 5, 0), NULL, NULL);
	put("wire", "pong", buf, n);
	n = build(hdr(WIRE_PING, S, 6, 0), NULL, psk);
	put("wire", "ping-sealed", buf, n);
	n = build(hdr(WIRE_DATA, 0, 1, 4), "abcd", NULL);
	buf[0] = 2;
	put("wire", "bad-version", buf, n);
	buf[0] = WIRE_VERSION;
	buf[1] = 9;
	put("wire", "bad-type", buf, n);
	buf[1] = WIRE_DATA;
	buf[2] = 0x80;
	put("wire", "bad-flags", buf, n);
	buf[2] = 0;
	buf[3] = 1;
	put("wire", "bad-reserved", buf, n);
	n = build(hdr(WIRE_DATA, 0, 0, 4), "abcd", NULL);
	put("wire", "bad-seq-zero", buf, n);
	{
		struct wire_hdr h = hdr(WIRE_DATA, 0, 1, 4);

		h.session = 0;
		n = build(h, "abcd", NULL);
		put("wire", "bad-session-zero", buf, n);
	}
	wire_ping_encode(&pg, ping, sizeof(ping));
	n = build(hdr(WIRE_DATA, 0, 1, WIRE_PING_LEN), ping, NULL);
	buf[1] = WIRE_PING;
	put("wire", "bad-ping-flow", buf, n);
	put("wire", "empty", "", 0);
}

static void gen_open(void)
{
	static const size_t sizes[] = { 0, 1, 16, 100, 1400 };
	const uint8_t S = WIRE_F_SEALED, V = WIRE_F_SERVER;
	uint8_t payload[1400], other[32];
	char name[64];
	size_t i, n;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = build(hdr(WIRE_DATA, S, 10 + i, (uint16_t)sizes[i]), payload, psk);
		snprintf(name, sizeof(name), "data-c2s-%zu", sizes[i]);
		put("open", name, buf, n);
		n = build(hdr(WIRE_DATA, S | V, 20 + i, (uint16_t)sizes[i]), payload, psk);
		snprintf(name, sizeof(name), "data-s2c-%zu", sizes[i]);
		put("open", name, buf, n);
	}
	n = build(hdr(WIRE_PING, S, 30, 0), NULL, psk);
	put("open", "ping-c2s", buf, n);
	n = build(hdr(WIRE_PONG, S | V, 31, 0), NULL, psk);
	put("open", "pong-s2c", buf, n);
	n = build(hdr(WIRE_DATA, S, 32, 100), payload, psk);
	put("open", "data-c2s-100-truncated", buf, n - 1);
	buf[WIRE_HDR_LEN + 5] ^= 0x10;
	put("open", "data-c2s-100-bitflip", buf, n);
	n = build(hdr(WIRE_DATA, 0, 33, 100), payload, NULL);
	put("open", "data-unsealed", buf, n);
	memcpy(other, psk, sizeof(other));
	other[0] ^= 1;
	n = build(hdr(WIRE_DATA, S, 34, 100), payload, other);
	put("open", "data-other-key", buf, n);
	n = build(hdr(WIRE_DATA, S, 35, 100), payload, NULL);
	put("open", "data-zero-tag", buf, n);
	put("open", "short", payload, 20);
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
	};
	size_t i;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		put("config", seeds[i].name, seeds[i].text, strlen(seeds[i].text));
	put("config", "nul-byte", "a 1\n\0b 2\n", 9);
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
	return 0;
}
