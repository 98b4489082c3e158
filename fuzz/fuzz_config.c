/* fuzz_config.c - mpclient's config parser (tunnel/config.h) on arbitrary bytes.
 *
 * Properties: no crash or undefined behaviour; a rejection leaves a
 * non-empty, terminated message; an accepted config has 1..CONFIG_MAX_BRIDGES
 * bridges with non-empty terminated hosts, non-zero ports and no duplicates,
 * and printed back as "HOST PORT" lines it parses to the same bridges. */
#include "fuzz.h"
#include "../tunnel/config.h"

#include <stdio.h>
#include <string.h>

#define CONFIG_FUZZ_MAX (64 * 1024)

static struct client_config cfg, again;
static char text[CONFIG_MAX_BRIDGES * (CONFIG_HOST_MAX + 8)];

const char *fuzz_config_one(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];
	char err[CONFIG_LINE_MAX + 256];
	size_t len = 0;
	unsigned i, j;

	if (!data)
		data = empty;
	if (size > CONFIG_FUZZ_MAX)
		return NULL;
	memset(err, 'x', sizeof(err));
	if (!config_parse_buffer(&cfg, "fuzz.conf", (const char *)data, size, err, sizeof(err))) {
		if (!memchr(err, '\0', sizeof(err)))
			return "error message not terminated";
		if (err[0] == '\0')
			return "rejected with an empty message";
		return NULL;
	}
	if (cfg.nbridges < 1 || cfg.nbridges > CONFIG_MAX_BRIDGES)
		return "accepted with a bad bridge count";
	for (i = 0; i < cfg.nbridges; i++) {
		const struct bridge_spec *b = &cfg.bridges[i];

		if (!memchr(b->host, '\0', sizeof(b->host)) || b->host[0] == '\0')
			return "accepted an empty or unterminated host";
		if (b->port == 0)
			return "accepted port 0";
		for (j = 0; j < i; j++)
			if (cfg.bridges[j].port == b->port && !strcmp(cfg.bridges[j].host, b->host) &&
			    !strcmp(cfg.bridges[j].dev, b->dev) && !strcmp(cfg.bridges[j].src, b->src))
				return "accepted a duplicate bridge";
		if (b->dev[0] || b->src[0])
			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"%s%s%s%s%s%sbridge=%s%s%s:%u\n",
						b->dev[0] ? "dev=" : "", b->dev, b->dev[0] ? "," : "",
						b->src[0] ? "src=" : "", b->src, b->src[0] ? "," : "",
						strchr(b->host, ':') ? "[" : "", b->host,
						strchr(b->host, ':') ? "]" : "", (unsigned)b->port);
		else
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %u\n", b->host,
						(unsigned)b->port);
		if (len >= sizeof(text))
			return "printed config does not fit";
	}
	if (!config_parse_buffer(&again, "again.conf", text, len, err, sizeof(err)))
		return "printed config does not parse again";
	if (again.nbridges != cfg.nbridges)
		return "printed config parses to a different bridge count";
	for (i = 0; i < cfg.nbridges; i++)
		if (again.bridges[i].port != cfg.bridges[i].port ||
		    strcmp(again.bridges[i].host, cfg.bridges[i].host) != 0 ||
		    strcmp(again.bridges[i].dev, cfg.bridges[i].dev) != 0 ||
		    strcmp(again.bridges[i].src, cfg.bridges[i].src) != 0)
			return "printed config parses to different bridges";
	return NULL;
}

FUZZ_ENTRY(fuzz_config_one)
