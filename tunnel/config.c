/* config.c - parser for mpclient's configuration file. */
#include "config.h"
#include "lines.h"
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_TOKENS 8	/* a path's KEY=VALUE items; HOST PORT is 2 */
#define STR_(x) #x
#define STR(x) STR_(x)
#define LINE_MAX_STR STR(CONFIG_LINE_MAX)

void config_init(struct config_parser *p, struct client_config *cfg, const char *source)
{
	memset(cfg, 0, sizeof(*cfg));
	p->cfg = cfg;
	p->source = source ? source : "config";
	p->lineno = 0;
	p->err[0] = '\0';
}

static bool fail(struct config_parser *p, const char *fmt, const char *tok)
{
	char msg[CONFIG_LINE_MAX + 64];

	snprintf(msg, sizeof(msg), fmt, tok);
	if (p->lineno)
		snprintf(p->err, sizeof(p->err), "%s:%u: %s", p->source, p->lineno, msg);
	else
		snprintf(p->err, sizeof(p->err), "%s", msg);
	return false;
}

static bool add(struct config_parser *p, const char *host, const char *portstr, const char *dev,
		const char *src)
{
	struct client_config *cfg = p->cfg;
	struct bridge_spec *b;
	uint16_t port;
	unsigned i;

	if (!*host)
		return fail(p, "empty host%s", "");
	if (strlen(host) >= CONFIG_HOST_MAX)
		return fail(p, "host name too long: '%.64s...'", host);
	/* bytes from 0x80 are UTF-8 (checked by config_line): an
	 * internationalised name, resolved as IDN */
	for (i = 0; host[i]; i++)
		if (!isalnum((unsigned char)host[i]) && !strchr(".-_:%", host[i]) &&
		    (unsigned char)host[i] < 0x80)
			return fail(p, "bad host '%s'", host);
	if (!parse_port(portstr, false, &port))
		return fail(p, "bad port '%s' (expected 1-65535)", portstr);
	for (i = 0; i < cfg->nbridges; i++) {
		if (cfg->bridges[i].port == port && strcmp(cfg->bridges[i].host, host) == 0 &&
		    strcmp(cfg->bridges[i].dev, dev) == 0 && strcmp(cfg->bridges[i].src, src) == 0) {
			char what[CONFIG_HOST_MAX + CONFIG_DEV_MAX + CONFIG_SRC_MAX + 32];

			snprintf(what, sizeof(what), "%s%s%s%s%s %u", *dev ? dev : "", *dev ? " " : "",
				 *src ? src : "", *src ? " " : "", host, (unsigned)port);
			return fail(p, "duplicate bridge '%s'", what);
		}
	}
	if (cfg->nbridges >= CONFIG_MAX_BRIDGES) {
		char most[16];

		snprintf(most, sizeof(most), "%d", CONFIG_MAX_BRIDGES);
		return fail(p, "too many bridges (at most %s)", most);
	}
	b = &cfg->bridges[cfg->nbridges++];
	memcpy(b->host, host, strlen(host) + 1);
	b->port = port;
	snprintf(b->dev, sizeof(b->dev), "%s", dev);
	snprintf(b->src, sizeof(b->src), "%s", src);
	b->line = p->lineno;
	return true;
}

/* "HOST:PORT" or "[V6]:PORT" as one token */
static bool add_joined(struct config_parser *p, const char *tok, const char *dev, const char *src)
{
	char host[CONFIG_HOST_MAX];
	const char *colon = strrchr(tok, ':');
	uint16_t port;

	if (!colon)
		return fail(p, "expected 'HOST PORT', got '%s'", tok);
	if (!parse_hostport(tok, false, host, sizeof(host), &port)) {
		if (!parse_port(colon + 1, false, &port))
			return fail(p, "bad port '%s' (expected 1-65535)", colon + 1);
		return fail(p, "bad bridge '%s' (expected HOST:PORT)", tok);
	}
	return add(p, host, colon + 1, dev, src);
}

/* An interface name as the kernel takes it (dev_valid_name). */
static bool dev_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CONFIG_DEV_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			return false;
	return true;
}

static bool src_ok(const char *s)
{
	unsigned char a[16];

	return strlen(s) < CONFIG_SRC_MAX &&
	       (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1);
}

/* The bridge just added is a backup path (pathsel.h). */
static bool mark_backup(struct config_parser *p, bool ok, bool backup)
{
	if (ok && backup)
		p->cfg->bridges[p->cfg->nbridges - 1].backup = true;
	return ok;
}

/* A path: KEY=VALUE items (dev=, src=, bridge=) and the word backup, in
 * tokens split on commas. */
static bool add_path(struct config_parser *p, char **tok, unsigned n)
{
	const char *dev = NULL, *src = NULL, *bridge = NULL;
	char *item, *save = NULL;
	bool backup = false;
	unsigned t;

	for (t = 0; t < n; t++) {
		if (!*tok[t] || *tok[t] == ',' || tok[t][strlen(tok[t]) - 1] == ',' ||
		    strstr(tok[t], ",,"))
			return fail(p, "empty item in path '%s' (items are KEY=VALUE, separated by commas)",
				    tok[t]);
		for (item = strtok_r(tok[t], ",", &save); item; item = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(item, '=');
			const char **slot;

			if (!eq && strcmp(item, "backup") == 0 && !backup) {
				backup = true;
				continue;
			}
			if (!eq)
				return fail(p, backup && strcmp(item, "backup") == 0 ?
					    "'%s' given twice in one path" :
					    "bad path item '%s' (expected dev=IF, src=ADDR, "
					    "bridge=HOST:PORT or backup)", item);
			*eq = '\0';
			if (strcmp(item, "dev") == 0) {
				slot = &dev;
			} else if (strcmp(item, "src") == 0) {
				slot = &src;
			} else if (strcmp(item, "bridge") == 0) {
				slot = &bridge;
			} else {
				*eq = '=';
				return fail(p, "unknown path item '%s' (expected dev=IF, src=ADDR, "
					    "bridge=HOST:PORT or backup)", item);
			}
			if (*slot)
				return fail(p, "'%s=' given twice in one path", item);
			*slot = eq + 1;
			if (slot == &dev && !dev_name_ok(dev))
				return fail(p, "bad interface name '%s' (1-15 characters, no '/', ':' or "
					    "blanks)", dev);
			if (slot == &src && !src_ok(src))
				return fail(p, "bad source address '%s' (expected an IPv4 or IPv6 "
					    "address)", src);
		}
	}
	if (!bridge)
		return fail(p, "path without bridge=HOST:PORT%s", "");
	if (!strchr(bridge, ':'))
		return fail(p, "bad bridge '%s' (expected HOST:PORT)", bridge);
	return mark_backup(p, add_joined(p, bridge, dev ? dev : "", src ? src : ""), backup);
}

static bool handle_tokens(struct config_parser *p, char *buf)
{
	char *tok[MAX_TOKENS + 1];
	unsigned n = 0;
	bool backup;
	char *s = buf;

	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (n == MAX_TOKENS)
			return fail(p, strchr(tok[0], '=') ? "too many items in path, at '%s'" :
				    "unexpected '%s' after HOST PORT", strchr(tok[0], '=') ? s : tok[2]);
		tok[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (n == 0)
		return true;
	if (strchr(tok[0], '=') || (n > 1 && strchr(tok[1], '=')))	/* "backup dev=..." too */
		return add_path(p, tok, n);
	/* the original's HOST PORT, or HOST:PORT; either may end in "backup" */
	backup = strcmp(tok[n - 1], "backup") == 0 && n > 1;
	n -= backup;
	if (n == 1)
		return mark_backup(p, add_joined(p, tok[0], "", ""), backup);
	if (n == 2)
		return mark_backup(p, add(p, tok[0], tok[1], "", ""), backup);
	return fail(p, "unexpected '%s' after HOST PORT", tok[2]);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const char *s, size_t avail)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		n = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (u[0] == 0xe0)
		lo = 0xa0;
	else if (u[0] == 0xed)
		hi = 0x9f;
	else if (u[0] == 0xf0)
		lo = 0x90;
	else if (u[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || u[1] < lo || u[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return n;
}

bool config_line(struct config_parser *p, const char *line)
{
	char buf[CONFIG_LINE_MAX + 1];
	size_t len = strlen(line), i;

	p->lineno++;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > CONFIG_LINE_MAX)
		return fail(p, "line too long (more than %s bytes)", LINE_MAX_STR);
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (i = 0; i < len; i++) {
		if (buf[i] == '#') {
			buf[i] = '\0';
			break;
		}
		if ((unsigned char)buf[i] >= 0x80) {
			size_t n = utf8_seq(buf + i, len - i);
			char hex[8];

			if (n == 0) {
				snprintf(hex, sizeof(hex), "0x%02x", (unsigned char)buf[i]);
				return fail(p, "invalid UTF-8 byte %s", hex);
			}
			i += n - 1;
			continue;
		}
		if (!isprint((unsigned char)buf[i]) && !isspace((unsigned char)buf[i])) {
			char hex[8];

			snprintf(hex, sizeof(hex), "0x%02x", (unsigned char)buf[i]);
			return fail(p, "unexpected control byte %s", hex);
		}
	}
	return handle_tokens(p, buf);
}

bool config_add_bridge(struct config_parser *p, const char *spec)
{
	char buf[CONFIG_LINE_MAX + 1];
	unsigned saved = p->lineno;
	bool ok;

	if (strlen(spec) > CONFIG_LINE_MAX)
		return fail(p, "bridge too long: '%.64s...'", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	p->lineno = 0;
	ok = handle_tokens(p, buf);
	if (!ok && strlen(p->err) == 0)
		fail(p, "bad bridge '%s'", spec);
	p->lineno = saved;
	return ok;
}

bool config_finish(struct config_parser *p)
{
	if (p->cfg->nbridges == 0) {
		snprintf(p->err, sizeof(p->err), "%s: no bridges (expected lines of 'HOST PORT')",
			 p->source);
		return false;
	}
	return true;
}

/* *empty: the text is fine but lists no bridge. */
static bool parse(struct client_config *cfg, const char *source, const char *buf, size_t len,
		  char *err, size_t errlen, bool *empty)
{
	struct config_parser p;
	char line[CONFIG_LINE_MAX + 2], *l;
	struct lines lr;
	size_t n;

	config_init(&p, cfg, source);
	lines_init_buffer(&lr, p.source, buf, len);
	while (lines_next(&lr, &l, &n)) {
		if (memchr(l, '\0', n)) {
			p.lineno++;
			fail(&p, "unexpected NUL byte%s", "");
			goto bad;
		}
		if (n > CONFIG_LINE_MAX) {
			p.lineno++;
			fail(&p, "line too long (more than %s bytes)", LINE_MAX_STR);
			goto bad;
		}
		memcpy(line, l, n);
		line[n] = '\0';
		if (!config_line(&p, line))
			goto bad;
	}
	if (!config_finish(&p)) {
		*empty = true;
		goto bad;
	}
	return true;
bad:
	if (err && errlen)
		snprintf(err, errlen, "%s", p.err);
	return false;
}

bool config_parse_buffer(struct client_config *cfg, const char *source, const char *buf,
			 size_t len, char *err, size_t errlen)
{
	bool empty = false;

	return parse(cfg, source, buf, len, err, errlen, &empty);
}

int config_load(struct client_config *cfg, const char *path, char *err, size_t errlen)
{
	struct lines lr;
	bool empty = false;
	int rc;

	/* a regular file of at most CONFIG_FILE_MAX bytes (lib/lines.c: a FIFO
	 * or a folder is refused at once, not waited on) */
	rc = lines_open(&lr, path, CONFIG_FILE_MAX, err, errlen);
	if (rc < 0)
		return rc;
	if (!parse(cfg, path, lr.buf, lr.len, err, errlen, &empty))
		rc = empty ? -ENODATA : -EINVAL;
	lines_close(&lr);
	return rc;
}
