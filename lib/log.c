/* log.c - logging to stderr in the style of OpenBSD daemons. */
#include "log.h"
#include "clock.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *prog = "mptunnel";
static int verbose = LOG_LVL_INFO;
static bool use_syslog;

void log_init(const char *progname, int verbosity)
{
	const char *slash = progname ? strrchr(progname, '/') : NULL;

	if (progname)
		prog = slash ? slash + 1 : progname;
	verbose = verbosity;
}

void log_set_verbosity(int verbosity) { verbose = verbosity; }

void log_syslog(bool on)
{
	if (on && !use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && use_syslog)
		closelog();
	use_syslog = on;
}

bool log_to_syslog(void) { return use_syslog; }

static int syslog_priority(int lvl)
{
	switch (lvl) {
	case LOG_LVL_ERR: return LOG_ERR;
	case LOG_LVL_WARN: return LOG_WARNING;
	case LOG_LVL_INFO: return LOG_INFO;
	default: return LOG_DEBUG;
	}
}
int log_get_verbosity(void) { return verbose; }
const char *log_progname(void) { return prog; }

static void vlog(int lvl, int err, const char *fmt, va_list ap)
{
	char buf[1024];

	if (lvl > verbose)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (use_syslog) {
		if (err)
			syslog(syslog_priority(lvl), "%s: %s", buf, strerror(err));
		else
			syslog(syslog_priority(lvl), "%s", buf);
	} else if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, buf, strerror(err));
	} else {
		fprintf(stderr, "%s: %s\n", prog, buf);
	}
}

#define LOGFN(name, lvl, err)                       \
	void name(const char *fmt, ...)             \
	{                                           \
		int saved = errno;                  \
		va_list ap;                         \
		va_start(ap, fmt);                  \
		vlog(lvl, err, fmt, ap);            \
		va_end(ap);                         \
		errno = saved;                      \
	}

LOGFN(log_warn, LOG_LVL_ERR, saved)
LOGFN(log_warnx, LOG_LVL_ERR, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void log_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, err < 0 ? -err : err, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatal_usage(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", prog, buf, prog);
	exit(2);
}

void ratelimit_init(struct ratelimit *rl, double per_sec, double burst)
{
	rl->tokens = burst;
	rl->per_sec = per_sec;
	rl->burst = burst;
	rl->last = -1;
	rl->suppressed = 0;
}

bool ratelimit_allow(struct ratelimit *rl, double now, uint64_t *suppressed)
{
	if (rl->last >= 0 && now > rl->last) {
		rl->tokens += (now - rl->last) * rl->per_sec;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
	}
	rl->last = now;
	if (rl->tokens < 1.0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens -= 1.0;
	if (suppressed)
		*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void log_limited(struct ratelimit *rl, const char *fmt, ...)
{
	uint64_t supp = 0;
	char buf[768];
	va_list ap;

	if (!ratelimit_allow(rl, clock_now(), &supp))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (supp)
		log_warnx("%s (%llu similar messages suppressed)", buf,
			  (unsigned long long)supp);
	else
		log_warnx("%s", buf);
}
