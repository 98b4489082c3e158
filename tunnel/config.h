/* config.h - mpclient's bridge list: the original's "host port" lines.
 *
 *   # mptunnel            comments run from '#' to the end of the line
 *                         blank lines are ignored
 *   localhost 4001        one bridge per line: HOST PORT
 *   [::1]:4002            or HOST:PORT / [V6ADDR]:PORT
 *   dev=wwan0,src=198.18.0.2,bridge=HOST:PORT
 *                         a path bound to an interface and/or a source
 *                         address: KEY=VALUE items separated by commas or
 *                         blanks, bridge= required (the same as --path)
 *   localhost 4003 backup a backup path: the word backup after HOST PORT or
 *   bridge=HOST:PORT,backup  HOST:PORT, or as an item of a path
 *
 * Parsed as context + init/line/finish, so files, command-line --bridge
 * options and fuzzers share one parser. */
#ifndef MPT_CONFIG_H
#define MPT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_BRIDGES 16
#define CONFIG_HOST_MAX 256
#define CONFIG_LINE_MAX 1024
#define CONFIG_FILE_MAX (1u << 20)	/* bytes; exactly this much is allowed */
#define CONFIG_DEV_MAX 16		/* IFNAMSIZ: an interface name and its NUL */
#define CONFIG_SRC_MAX 64		/* a source address literal */

struct bridge_spec {
	char host[CONFIG_HOST_MAX];
	uint16_t port;
	char dev[CONFIG_DEV_MAX];	/* dev=: the interface it leaves by ("" any) */
	char src[CONFIG_SRC_MAX];	/* src=: the source address, a literal ("" any) */
	bool backup;		/* "backup": carries probes only while the primaries do (pathsel.h) */
	unsigned line;		/* line in the file, 0 from the command line */
};

struct client_config {
	struct bridge_spec bridges[CONFIG_MAX_BRIDGES];
	unsigned nbridges;
};

struct config_parser {
	struct client_config *cfg;
	const char *source;	/* file name for messages */
	unsigned lineno;
	char err[CONFIG_LINE_MAX + 128];
};

void config_init(struct config_parser *p, struct client_config *cfg, const char *source);
/* One line (without or with its newline). False with p->err set on error. */
bool config_line(struct config_parser *p, const char *line);
/* Add one bridge given as "HOST:PORT" or "HOST PORT", or a path given as
 * "dev=IF,src=ADDR,bridge=HOST:PORT" (command line: --bridge, --path). */
bool config_add_bridge(struct config_parser *p, const char *spec);
/* Whole-config checks (at least one bridge). */
bool config_finish(struct config_parser *p);
/* Parse a whole buffer (may lack a final newline, may hold NULs: rejected). */
bool config_parse_buffer(struct client_config *cfg, const char *source, const char *buf,
			 size_t len, char *err, size_t errlen);
/* Read and parse a regular file of at most CONFIG_FILE_MAX bytes (a FIFO or a
 * device is refused at once, never read): 0, or -errno, -EINVAL (bad content)
 * or -ENODATA (no bridge listed) with err filled. */
int config_load(struct client_config *cfg, const char *path, char *err, size_t errlen);

#endif
