/* json.c - the one JSON writer of every program, and atomic stats files. */
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MPT_VERSION
#define MPT_VERSION "0.0.0"
#endif

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A quoted, escaped string; bytes that are not UTF-8 become U+FFFD. */
static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	fputc('"', f);
	while (n > 0) {
		size_t len = utf8_len(s, n);

		if (len == 0) {
			fputs("\\ufffd", f);
			len = 1;
		} else if (len > 1) {
			fwrite(s, 1, len, f);
		} else if (*s == '"' || *s == '\\') {
			fputc('\\', f);
			fputc(*s, f);
		} else if (*s == '\n') {
			fputs("\\n", f);
		} else if (*s == '\t') {
			fputs("\\t", f);
		} else if (*s == '\r') {
			fputs("\\r", f);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
		} else {
			fputc(*s, f);
		}
		s += len;
		n -= len;
	}
	fputc('"', f);
}

/* The comma before a value and its key, if any. */
static void sep(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		put_string(j->f, key);
		fputc(':', j->f);
	}
}

void json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}

static void open_(struct json *j, const char *key, char c)
{
	sep(j, key);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	else
		j->overflow = true;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_open(struct json *j, const char *key) { open_(j, key, '{'); }
void json_obj_close(struct json *j) { close_(j, '}'); }
void json_arr_open(struct json *j, const char *key) { open_(j, key, '['); }
void json_arr_close(struct json *j) { close_(j, ']'); }

void json_time_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char day[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", day, ts.tv_nsec / 1000000);
}

void json_doc_open(struct json *j, const char *program)
{
	char now[JSON_TIME_LEN];

	json_time_now(now, sizeof(now));
	json_obj_open(j, NULL);
	json_str(j, "program", program);
	json_str(j, "version", MPT_VERSION);
	json_str(j, "time", now);
}

void json_doc_close(struct json *j)
{
	json_obj_close(j);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	sep(j, key);
	fprintf(j->f, "%lld", (long long)v);
}

void json_dbl(struct json *j, const char *key, double v)
{
	char buf[40];
	double a = v < 0 ? -v : v;
	int prec = 1;

	sep(j, key);
	if (!isfinite(v)) {
		fputs("null", j->f);
		return;
	}
	/* at least the integer digits, so that 100 is not written 1e+02 */
	for (; a >= 10 && prec < 17; a /= 10)
		prec++;
	for (; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, j->f);
}

void json_fixed(struct json *j, const char *key, double v, int decimals)
{
	sep(j, key);
	if (!isfinite(v)) {
		fputs("null", j->f);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	fprintf(j->f, "%.*f", decimals, v);
}

void json_str(struct json *j, const char *key, const char *v)
{
	sep(j, key);
	if (v)
		put_string(j->f, v);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool v)
{
	sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	sep(j, key);
	fputs("null", j->f);
}

void json_newline(struct json *j)
{
	fputc('\n', j->f);
}

bool json_ok(const struct json *j)
{
	return !j->overflow && !ferror(j->f);
}

int file_write_atomic(const char *path, file_writer_fn *writer, void *arg)
{
	char tmp[4096];
	FILE *f = NULL;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	rc = writer(f, arg);
	if (rc == 0) {
		errno = 0;
		if (fflush(f) != 0 || ferror(f))
			rc = errno ? -errno : -EIO;
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int file_write_check(const char *path)
{
	char tmp[4096];
	struct stat st;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
		return 0;
	}
	if (errno != EEXIST)
		return -errno;
	fd = open(tmp, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

struct json_file_arg {
	json_writer_fn *writer;
	void *arg;
};

static int write_json(FILE *f, void *arg)
{
	struct json_file_arg *a = arg;
	struct json j;

	json_begin(&j, f);
	a->writer(&j, a->arg);
	json_end(&j);
	return j.overflow ? -EOVERFLOW : 0;
}

int json_write_file(const char *path, json_writer_fn *writer, void *arg)
{
	struct json_file_arg a = { writer, arg };

	return file_write_atomic(path, write_json, &a);
}
