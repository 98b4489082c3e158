/* measure.h - bookkeeping of a measuring run: which probes were sent and
 * answered, duplicates, foreign and malformed replies, RTT statistics, and
 * the text/JSON report.  All memory is allocated once by measure_init(). */
#ifndef MPT_MEASURE_H
#define MPT_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest probe count one run may use (memory: about 8.25 bytes a probe). */
#define MEASURE_MAX_COUNT 100000000ULL

struct measure {
	uint64_t n;		/* probes planned, numbered 1..n */
	uint64_t *t_ns;		/* per probe: send time, then RTT once answered */
	uint64_t *sent_map;	/* bitmap: probe sent */
	uint64_t *seen_map;	/* bitmap: probe answered */
	uint64_t *send_ns;	/* per probe send time, kept only with measure_trace_enable() */
	uint64_t sent, received, duplicates, foreign, malformed, send_errors;
	bool finished;		/* measure_finish() reused t_ns for sorting */
};

enum measure_verdict {
	MEASURE_NEW,		/* first reply to a sent probe */
	MEASURE_DUPLICATE,	/* another reply to an answered probe */
	MEASURE_INVALID,	/* probe number out of range or never sent (counted malformed) */
};

struct measure_report {
	uint64_t sent, received, lost, duplicates, foreign, malformed, send_errors;
	double loss_ratio;	/* lost / sent, 0 when nothing was sent */
	bool have_rtt;		/* false when no reply came: RTTs are null */
	double rtt_min_ms, rtt_p50_ms, rtt_p99_ms, rtt_max_ms;
	double elapsed_s;
	bool interrupted;
	char tag[24];		/* the run's tag, for the report */
};

/* 0, -EINVAL if n is 0 or above MEASURE_MAX_COUNT, or -ENOMEM. */
int measure_init(struct measure *m, uint64_t n);
void measure_free(struct measure *m);

/* Keep every probe's send time for measure_write_trace(): 0 or -ENOMEM. */
int measure_trace_enable(struct measure *m);
/*
 * One line per probe sent: "K SENT REPLIED", times in seconds as
 * mono_ns + offset_ns (pass the wall-minus-monotonic offset for wall-clock
 * times), REPLIED "-" when no reply came.  Call before measure_finish().
 * Returns 0 or -EIO.
 */
int measure_write_trace(const struct measure *m, FILE *f, int64_t offset_ns);

/* Probe k (1..n) was handed to the kernel at now_ns; false if k is out of range. */
bool measure_on_send(struct measure *m, uint64_t k, uint64_t now_ns);
void measure_on_send_error(struct measure *m);
/* A reply to probe k arrived at now_ns. */
enum measure_verdict measure_on_reply(struct measure *m, uint64_t k, uint64_t now_ns);
void measure_on_foreign(struct measure *m);
void measure_on_malformed(struct measure *m);

/* Nearest-rank percentile p (0..100) of n sorted values; 0 if n is 0. */
uint64_t measure_percentile(const uint64_t *sorted, size_t n, double p);

/* Fill the report (sorting the RTTs in place: call once, after the run). */
void measure_finish(struct measure *m, double elapsed_s, struct measure_report *r);

/* One flat JSON object on one line:
 * {"sent":N,"received":N,"lost":N,"duplicates":N,"foreign":N,"malformed":N,
 *  "loss_ratio":X,"rtt_min_ms":X,"rtt_p50_ms":X,"rtt_p99_ms":X,"rtt_max_ms":X,
 *  "elapsed_s":X,"send_errors":N,"interrupted":B,"tag":"..."} */
void measure_print_json(FILE *f, const struct measure_report *r);
void measure_print_text(FILE *f, const struct measure_report *r);

#endif
