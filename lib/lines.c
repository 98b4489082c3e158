/* lines.c - read config-like files whole, with a size cap, line by line. */
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "1 MiB", "64 KiB" or "1000 bytes" */
static void size_text(size_t n, char *buf, size_t len)
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n >> 10);
	else
		snprintf(buf, len, "%zu bytes", n);
}

int lines_open(struct lines *lr, const char *path, size_t max, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL, cap[32];
	size_t got = 0;
	int fd, rc = 0;

	memset(lr, 0, sizeof(*lr));
	lr->source = path;
	/* O_NONBLOCK: opening a FIFO without a writer must not hang */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = -EFBIG;
		size_text(max, cap, sizeof(cap));
		snprintf(err, errlen, "%s: file too large (at most %s)", path, cap);
		goto out;
	}
	/* one byte more than allowed, to see a file that grew meanwhile */
	buf = malloc(max + 2);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (got < max + 1) {
		ssize_t n = read(fd, buf + got, max + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		rc = -EFBIG;
		size_text(max, cap, sizeof(cap));
		snprintf(err, errlen, "%s: file too large (at most %s)", path, cap);
		goto out;
	}
	buf[got] = '\0';
	lr->buf = buf;
	lr->len = got;
	lr->owned = true;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

void lines_init_buffer(struct lines *lr, const char *source, const char *buf, size_t len)
{
	memset(lr, 0, sizeof(*lr));
	lr->source = source;
	lr->buf = (char *)(uintptr_t)buf;	/* lines_next never writes to it (owned false) */
	lr->len = len;
}

bool lines_next(struct lines *lr, char **line, size_t *len)
{
	char *start, *nl;
	size_t n;

	if (!lr->buf || lr->pos >= lr->len)
		return false;
	start = lr->buf + lr->pos;
	nl = memchr(start, '\n', lr->len - lr->pos);
	n = nl ? (size_t)(nl - start) : lr->len - lr->pos;
	lr->pos += n + (nl ? 1 : 0);
	lr->lineno++;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (lr->owned)
		start[n] = '\0';	/* the '\n', '\r' or the final NUL */
	*line = start;
	*len = n;
	return true;
}

void lines_close(struct lines *lr)
{
	if (lr->owned)
		free(lr->buf);
	memset(lr, 0, sizeof(*lr));
}

bool lines_tokens(char *line, char **tok, size_t max, size_t *n)
{
	char *h = strchr(line, '#'), *save = NULL, *t;

	*n = 0;
	if (h)
		*h = '\0';
	for (t = strtok_r(line, " \t\r\n\v\f", &save); t; t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		if (*n == max)
			return false;
		tok[(*n)++] = t;
	}
	return true;
}
