/* lines.h - the one reader of config-like files (mpclient's config, mpbridge's
 * profiles, timelines and netem .dist tables).
 *
 * A file is read whole, at most a given size, and only if it is a regular
 * file (a FIFO or a device is refused at once instead of blocking); then
 * its lines are handed out one at a time with their number, so every
 * message can name FILE:LINE. */
#ifndef MPT_LINES_H
#define MPT_LINES_H

#include <stdbool.h>
#include <stddef.h>

struct lines {
	const char *source;	/* file name for messages */
	char *buf;		/* owned when read from a file */
	size_t len, pos;
	unsigned lineno;	/* number of the line last returned (from 1) */
	bool owned;
};

/*
 * Read the regular file path (at most max bytes; exactly max is allowed)
 * into lr.  Returns 0, or -errno with err filled ("PATH: not a regular
 * file", "PATH: file too large (at most N bytes)", "PATH: strerror").
 */
int lines_open(struct lines *lr, const char *path, size_t max, char *err, size_t errlen);
/* Iterate over a caller's buffer (not copied; it must outlive lr). */
void lines_init_buffer(struct lines *lr, const char *source, const char *buf, size_t len);
/*
 * The next line: *line points at its bytes (without '\n' and a trailing
 * '\r'), *len its length; the bytes may hold NULs (check with memchr).
 * For a file, the line is NUL-terminated and may be modified in place;
 * for a buffer it is neither (copy it first).
 * Returns false at the end.
 */
bool lines_next(struct lines *lr, char **line, size_t *len);
void lines_close(struct lines *lr);

/*
 * Split a line in place into blank-separated tokens, dropping a '#'
 * comment.  At most max tokens: false (with *n = max) if there are more.
 */
bool lines_tokens(char *line, char **tok, size_t max, size_t *n);

#endif
