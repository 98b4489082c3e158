/* measure.c - per-run bookkeeping and statistics of udpclient's measuring mode. */
#include "measure.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool bit_get(const uint64_t *map, uint64_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ULL << (i % 64);
}

int measure_init(struct measure *m, uint64_t n)
{
	size_t words;

	memset(m, 0, sizeof(*m));
	if (n == 0 || n > MEASURE_MAX_COUNT)
		return -EINVAL;
	words = (size_t)((n + 63) / 64);
	m->t_ns = calloc((size_t)n, sizeof(*m->t_ns));
	m->sent_map = calloc(words, sizeof(*m->sent_map));
	m->seen_map = calloc(words, sizeof(*m->seen_map));
	if (!m->t_ns || !m->sent_map || !m->seen_map) {
		measure_free(m);
		return -ENOMEM;
	}
	m->n = n;
	return 0;
}

int measure_trace_enable(struct measure *m)
{
	if (!m->send_ns)
		m->send_ns = calloc((size_t)m->n, sizeof(*m->send_ns));
	return m->send_ns ? 0 : -ENOMEM;
}

int measure_write_trace(const struct measure *m, FILE *f, int64_t offset_ns)
{
	uint64_t i;

	if (!m->send_ns || m->finished)
		return -EINVAL;
	for (i = 0; i < m->n; i++) {
		double sent;

		if (!bit_get(m->sent_map, i))
			continue;
		sent = (double)((int64_t)m->send_ns[i] + offset_ns) / 1e9;
		if (bit_get(m->seen_map, i))
			fprintf(f, "%llu %.6f %.6f\n", (unsigned long long)(i + 1), sent,
				sent + (double)m->t_ns[i] / 1e9);
		else
			fprintf(f, "%llu %.6f -\n", (unsigned long long)(i + 1), sent);
	}
	return ferror(f) ? -EIO : 0;
}

void measure_free(struct measure *m)
{
	free(m->send_ns);
	free(m->t_ns);
	free(m->sent_map);
	free(m->seen_map);
	memset(m, 0, sizeof(*m));
}

bool measure_on_send(struct measure *m, uint64_t k, uint64_t now_ns)
{
	if (m->finished || k == 0 || k > m->n || bit_get(m->sent_map, k - 1))
		return false;
	bit_set(m->sent_map, k - 1);
	m->t_ns[k - 1] = now_ns;
	if (m->send_ns)
		m->send_ns[k - 1] = now_ns;
	m->sent++;
	return true;
}

void measure_on_send_error(struct measure *m)
{
	m->send_errors++;
}

enum measure_verdict measure_on_reply(struct measure *m, uint64_t k, uint64_t now_ns)
{
	uint64_t i;

	if (m->finished || k == 0 || k > m->n || !bit_get(m->sent_map, k - 1)) {
		m->malformed++;
		return MEASURE_INVALID;
	}
	i = k - 1;
	if (bit_get(m->seen_map, i)) {
		m->duplicates++;
		return MEASURE_DUPLICATE;
	}
	bit_set(m->seen_map, i);
	m->t_ns[i] = now_ns > m->t_ns[i] ? now_ns - m->t_ns[i] : 0;
	m->received++;
	return MEASURE_NEW;
}

void measure_on_foreign(struct measure *m)
{
	m->foreign++;
}

void measure_on_malformed(struct measure *m)
{
	m->malformed++;
}

uint64_t measure_percentile(const uint64_t *sorted, size_t n, double p)
{
	double rank;
	size_t idx;

	if (n == 0)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	rank = ceil(p / 100.0 * (double)n);	/* nearest rank, 1-based */
	idx = rank < 1 ? 0 : (size_t)rank - 1;
	if (idx >= n)
		idx = n - 1;
	return sorted[idx];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void measure_finish(struct measure *m, double elapsed_s, struct measure_report *r)
{
	size_t nr = 0;
	uint64_t i;

	memset(r, 0, sizeof(*r));
	r->sent = m->sent;
	r->received = m->received;
	r->lost = m->sent - m->received;
	r->duplicates = m->duplicates;
	r->foreign = m->foreign;
	r->malformed = m->malformed;
	r->send_errors = m->send_errors;
	r->loss_ratio = m->sent ? (double)r->lost / (double)m->sent : 0.0;
	r->elapsed_s = elapsed_s;
	if (!m->finished && m->t_ns) {
		/* Move the RTTs of answered probes to the front (j <= i), then sort. */
		for (i = 0; i < m->n; i++)
			if (bit_get(m->seen_map, i))
				m->t_ns[nr++] = m->t_ns[i];
		qsort(m->t_ns, nr, sizeof(*m->t_ns), cmp_u64);
		m->finished = true;
	} else {
		nr = (size_t)m->received;
	}
	if (nr > 0) {
		r->have_rtt = true;
		r->rtt_min_ms = (double)m->t_ns[0] / 1e6;
		r->rtt_p50_ms = (double)measure_percentile(m->t_ns, nr, 50) / 1e6;
		r->rtt_p99_ms = (double)measure_percentile(m->t_ns, nr, 99) / 1e6;
		r->rtt_max_ms = (double)m->t_ns[nr - 1] / 1e6;
	}
}

/* A time in ms, null when no reply came. */
static void json_ms(struct json *j, const char *key, bool have, double v)
{
	if (have)
		json_fixed(j, key, v, 3);
	else
		json_null(j, key);
}

void measure_print_json(FILE *f, const struct measure_report *r)
{
	struct json j;

	json_begin(&j, f);
	json_doc_open(&j, "udpclient");
	json_u64(&j, "sent", r->sent);
	json_u64(&j, "received", r->received);
	json_u64(&j, "lost", r->lost);
	json_u64(&j, "duplicates", r->duplicates);
	json_u64(&j, "foreign", r->foreign);
	json_u64(&j, "malformed", r->malformed);
	json_fixed(&j, "loss_ratio", r->loss_ratio, 6);
	json_ms(&j, "rtt_min_ms", r->have_rtt, r->rtt_min_ms);
	json_ms(&j, "rtt_p50_ms", r->have_rtt, r->rtt_p50_ms);
	json_ms(&j, "rtt_p99_ms", r->have_rtt, r->rtt_p99_ms);
	json_ms(&j, "rtt_max_ms", r->have_rtt, r->rtt_max_ms);
	json_fixed(&j, "elapsed_s", r->elapsed_s, 3);
	json_u64(&j, "send_errors", r->send_errors);
	json_bool(&j, "interrupted", r->interrupted);
	json_str(&j, "tag", r->tag);
	json_doc_close(&j);
	json_end(&j);
}

void measure_print_text(FILE *f, const struct measure_report *r)
{
	fprintf(f, "sent %llu, received %llu, lost %llu (%.3f%%), duplicates %llu, "
		"foreign %llu, malformed %llu",
		(unsigned long long)r->sent, (unsigned long long)r->received,
		(unsigned long long)r->lost, r->loss_ratio * 100.0,
		(unsigned long long)r->duplicates, (unsigned long long)r->foreign,
		(unsigned long long)r->malformed);
	if (r->send_errors)
		fprintf(f, ", send errors %llu", (unsigned long long)r->send_errors);
	fputc('\n', f);
	if (r->have_rtt)
		fprintf(f, "rtt min/p50/p99/max %.3f/%.3f/%.3f/%.3f ms", r->rtt_min_ms,
			r->rtt_p50_ms, r->rtt_p99_ms, r->rtt_max_ms);
	else
		fprintf(f, "rtt -, no replies");
	fprintf(f, ", elapsed %.3f s%s\n", r->elapsed_s, r->interrupted ? " (interrupted)" : "");
}
