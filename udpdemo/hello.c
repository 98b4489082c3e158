/* hello.c - build and parse the hello counter datagrams. */
#include "hello.h"

#include <string.h>

#define HELLO_WORD " hello "	/* between the number and the role */
#define HELLO_WORD_LEN 7
#define HELLO_ROLE_LEN 3
/* " hello cli" after the number */
#define HELLO_FIXED_LEN (HELLO_WORD_LEN + HELLO_ROLE_LEN)
/* " hello cli " + tag after the number */
#define PROBE_FIXED_LEN (HELLO_FIXED_LEN + 1 + HELLO_TAG_HEXLEN)

static const char role_word[2][HELLO_ROLE_LEN + 1] = { "cli", "srv" };

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

static size_t num_digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Decimal of v into buf (which has room for num_digits(v) bytes). */
static void put_num(char *buf, uint64_t v, size_t digits)
{
	while (digits-- > 0) {
		buf[digits] = (char)('0' + v % 10);
		v /= 10;
	}
}

bool hello_parse(const char *buf, size_t len, struct hello *out)
{
	uint64_t v = 0;
	size_t i = 0;
	int role;

	if (!buf)
		return false;
	while (i < len && buf[i] >= '0' && buf[i] <= '9') {
		unsigned d = (unsigned)(buf[i] - '0');

		if (i == 1 && buf[0] == '0')
			return false;	/* leading zero */
		if (v > (UINT64_MAX - d) / 10)
			return false;	/* overflow */
		v = v * 10 + d;
		i++;
	}
	if (i == 0)
		return false;		/* no number */
	if (len - i < HELLO_FIXED_LEN || memcmp(buf + i, HELLO_WORD, HELLO_WORD_LEN) != 0)
		return false;
	i += HELLO_WORD_LEN;
	if (memcmp(buf + i, role_word[HELLO_CLI], HELLO_ROLE_LEN) == 0)
		role = HELLO_CLI;
	else if (memcmp(buf + i, role_word[HELLO_SRV], HELLO_ROLE_LEN) == 0)
		role = HELLO_SRV;
	else
		return false;
	i += HELLO_ROLE_LEN;
	if (i < len && !is_separator(buf[i]))
		return false;		/* "hello client" and the like */
	out->num = v;
	out->role = (enum hello_role)role;
	out->rest = buf + i;
	out->rest_len = len - i;
	return true;
}

size_t hello_format(char *buf, size_t cap, uint64_t num, enum hello_role role,
		    const char *rest, size_t rest_len)
{
	size_t digits = num_digits(num), len;

	if (rest_len > cap || cap - rest_len < digits + HELLO_FIXED_LEN)
		return 0;
	len = digits + HELLO_FIXED_LEN + rest_len;
	put_num(buf, num, digits);
	memcpy(buf + digits, HELLO_WORD, HELLO_WORD_LEN);
	memcpy(buf + digits + HELLO_WORD_LEN, role_word[role == HELLO_SRV], HELLO_ROLE_LEN);
	if (rest_len)
		memmove(buf + digits + HELLO_FIXED_LEN, rest, rest_len);
	return len;
}

size_t hello_answer(const char *in, size_t len, char *out, size_t cap)
{
	struct hello h;

	if (!hello_parse(in, len, &h) || h.role != HELLO_CLI || h.num == UINT64_MAX)
		return 0;
	return hello_format(out, cap, h.num + 1, HELLO_SRV, h.rest, h.rest_len);
}

void hello_tag_hex(uint64_t tag, char hex[HELLO_TAG_HEXLEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = HELLO_TAG_HEXLEN - 1; i >= 0; i--) {
		hex[i] = digits[tag & 0xf];
		tag >>= 4;
	}
	hex[HELLO_TAG_HEXLEN] = '\0';
}

size_t hello_probe_len(uint64_t k, size_t size)
{
	size_t header = num_digits(k) + PROBE_FIXED_LEN;

	return size > header ? size : header;
}

/* Padding byte i of probe k: letters, shifted by k so a reply swapped with
 * another probe's is noticed. */
static char pad_byte(uint64_t k, size_t i)
{
	return (char)('a' + (k % 26 + i % 26) % 26);
}

size_t hello_build_probe(char *buf, size_t cap, uint64_t k, uint64_t tag, size_t size)
{
	size_t digits = num_digits(k), len = hello_probe_len(k, size), p, i;
	char hex[HELLO_TAG_HEXLEN + 1];

	if (len > cap)
		return 0;
	put_num(buf, k, digits);
	p = digits;
	memcpy(buf + p, HELLO_WORD, HELLO_WORD_LEN);
	p += HELLO_WORD_LEN;
	memcpy(buf + p, role_word[HELLO_CLI], HELLO_ROLE_LEN);
	p += HELLO_ROLE_LEN;
	buf[p++] = ' ';
	hello_tag_hex(tag, hex);
	memcpy(buf + p, hex, HELLO_TAG_HEXLEN);
	p += HELLO_TAG_HEXLEN;
	if (p < len) {
		buf[p++] = ' ';
		for (i = 0; p < len; i++)
			buf[p++] = pad_byte(k, i);
	}
	return len;
}

enum hello_match hello_match_reply(const char *buf, size_t len, uint64_t tag, size_t size,
				   uint64_t *k)
{
	char hex[HELLO_TAG_HEXLEN + 1];
	struct hello h;
	size_t want, i;
	uint64_t probe;

	if (!hello_parse(buf, len, &h) || h.role != HELLO_SRV)
		return HELLO_BAD;
	hello_tag_hex(tag, hex);
	if (h.rest_len < 1 + HELLO_TAG_HEXLEN || h.rest[0] != ' ' ||
	    memcmp(h.rest + 1, hex, HELLO_TAG_HEXLEN) != 0 ||
	    (h.rest_len > 1 + HELLO_TAG_HEXLEN && h.rest[1 + HELLO_TAG_HEXLEN] != ' '))
		return HELLO_FOREIGN;
	if (h.num < 2)
		return HELLO_BAD;	/* our tag, but no probe 0 exists */
	probe = h.num - 1;
	/* The rest must be exactly the probe's: same length, same padding. */
	want = hello_probe_len(probe, size) - num_digits(probe) - HELLO_FIXED_LEN;
	if (h.rest_len != want)
		return HELLO_BAD;
	for (i = 2 + HELLO_TAG_HEXLEN; i < want; i++)
		if (h.rest[i] != pad_byte(probe, i - 2 - HELLO_TAG_HEXLEN))
			return HELLO_BAD;
	*k = probe;
	return HELLO_OURS;
}
