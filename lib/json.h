/* json.h - the one JSON writer of every program, and atomic stats files.
 *
 * A streaming writer that keeps track of commas and nesting:
 *
 *	struct json j;
 *
 *	json_begin(&j, f);
 *	json_doc_open(&j, "mpbridge");	// {"program":..,"version":..,"time":..
 *	json_u64(&j, "received", n);
 *	json_obj_open(&j, "c2s"); ... json_obj_close(&j);
 *	json_doc_close(&j);		// }
 *	json_end(&j);			// \n
 *
 * Keys and strings are escaped (quote, backslash, control characters); a NULL
 * string, a NaN or infinite double are written as null, as is json_null().
 * Inside arrays, and for the top-level value, pass key NULL. Nesting deeper
 * than JSON_MAX_DEPTH is not tracked (commas may go wrong) and is a bug of the
 * caller; json_ok() says whether it happened or a write failed.
 */
#ifndef MPT_JSON_H
#define MPT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool overflow;
	bool first[JSON_MAX_DEPTH];
};

/* Start writing on f; json_end writes the final newline. */
void json_begin(struct json *j, FILE *f);
void json_end(struct json *j);

/* A document: "{" then "program", "version" (MPT_VERSION) and "time" (now,
 * RFC 3339 UTC with milliseconds); json_doc_close writes the "}". */
void json_doc_open(struct json *j, const char *program);
void json_doc_close(struct json *j);

void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);

void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
/* Shortest form that reads back to the same double; NaN and infinities: null. */
void json_dbl(struct json *j, const char *key, double v);
/* Fixed number of decimals (0-17), for times and percentages; NaN/inf: null. */
void json_fixed(struct json *j, const char *key, double v, int decimals);
void json_str(struct json *j, const char *key, const char *v);	/* NULL: null */
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

/* A newline between values, for files that shell scripts read by line. */
void json_newline(struct json *j);

/* False when nesting overflowed or the stream has an error. */
bool json_ok(const struct json *j);

/* Format now (CLOCK_REALTIME) as RFC 3339 UTC, "2026-11-27T12:38:53.123Z".
 * buf needs JSON_TIME_LEN bytes. */
#define JSON_TIME_LEN 32
void json_time_now(char *buf, size_t len);

/* Write a file so that a reader never sees half of it: the writer fills a
 * temporary file beside path ("PATH.tmp"), which is then renamed over path.
 * The writer is handed a struct json already begun on that file (it writes
 * one value, normally json_doc_open .. json_doc_close); a newline ends the
 * file. Returns 0 or -errno; the temporary file is removed on failure. */
typedef void json_writer_fn(struct json *j, void *arg);
int json_write_file(const char *path, json_writer_fn *writer, void *arg);

/* The same for any content: writer writes to f and returns 0 or -errno. */
typedef int file_writer_fn(FILE *f, void *arg);
int file_write_atomic(const char *path, file_writer_fn *writer, void *arg);
/* Whether file_write_atomic(path) can work: PATH.tmp can be created (or, if
 * it exists, written) beside it and path is not a directory. Nothing is
 * left behind. 0 or -errno; for checking a --stats FILE at start. */
int file_write_check(const char *path);

#endif
