/* log.h - OpenBSD-style logging to stderr, with rate limiting for hot paths. */
#ifndef MPT_LOG_H
#define MPT_LOG_H

#include <stdbool.h>
#include <stdint.h>

#define MPT_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, int verbosity);
void log_set_verbosity(int verbosity);
/* Send every message to syslog (facility daemon, tagged with the program
 * name and pid) instead of stderr; false goes back to stderr. */
void log_syslog(bool on);
bool log_to_syslog(void);
int log_get_verbosity(void);
const char *log_progname(void);

void log_warn(const char *fmt, ...) MPT_PRINTF(1, 2);   /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) MPT_PRINTF(1, 2);
void log_info(const char *fmt, ...) MPT_PRINTF(1, 2);
void log_debug(const char *fmt, ...) MPT_PRINTF(1, 2);
void log_errno(int err, const char *fmt, ...) MPT_PRINTF(2, 3); /* warn with explicit errno */
_Noreturn void fatal(const char *fmt, ...) MPT_PRINTF(1, 2);
_Noreturn void fatalx(const char *fmt, ...) MPT_PRINTF(1, 2);
/* A bad command line: "PROG: message", "Try 'PROG --help' ...", exit 2. */
_Noreturn void fatal_usage(const char *fmt, ...) MPT_PRINTF(1, 2);

/*
 * Token-bucket rate limiter for log lines on hot paths: at most `burst`
 * lines, refilled at `per_sec` lines a second.  Suppressed lines are counted
 * and reported with the next line that gets through.
 */
struct ratelimit {
	double tokens;
	double per_sec;
	double burst;
	double last;		/* monotonic seconds */
	uint64_t suppressed;
};

void ratelimit_init(struct ratelimit *rl, double per_sec, double burst);
/* Returns true if a line may be logged now; *suppressed gets the count of lines dropped since. */
bool ratelimit_allow(struct ratelimit *rl, double now, uint64_t *suppressed);
void log_limited(struct ratelimit *rl, const char *fmt, ...) MPT_PRINTF(2, 3);

#endif
