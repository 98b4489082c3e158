/* stats.c - counters as text and JSON. */
#include "stats.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *drop_reason_name(enum drop_reason r)
{
	static const char *const names[DROP__COUNT] = {
		[DROP_DIRECTION] = "direction",
		[DROP_SESSION] = "session",
		[DROP_EPOCH] = "epoch",
		[DROP_SESSION_CAP] = "session_cap",
		[DROP_FLOW_CAP] = "flow_cap",
		[DROP_NO_FLOW] = "no_flow",
		[DROP_TOO_BIG] = "too_big",
		[DROP_NO_PATH] = "no_path",
		[DROP_TARGET] = "target",
		[DROP_SOCKET] = "socket",
		[DROP_TYPE] = "type",
		[DROP_BAD_TAG] = "bad_tag",
		[DROP_PLAINTEXT] = "plaintext",
		[DROP_NO_COOKIE] = "no_cookie",
		[DROP_COOKIE_RATE] = "cookie_rate",
		[DROP_NEW_RATE] = "new_session_rate",
	};

	return (unsigned)r < DROP__COUNT ? names[r] : "?";
}

uint64_t counters_malformed(const struct tunnel_counters *c)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 1; i < WIRE_E__COUNT; i++)
		n += c->wire[i];
	return n;
}

static void sep(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key)
		fprintf(j->f, "\"%s\":", key);
}

void json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void open_(struct json *j, const char *key, char c)
{
	sep(j, key);
	fputc(c, j->f);
	if (j->depth < 15)
		j->depth++;
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

void json_u64(struct json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_dbl(struct json *j, const char *key, double v)
{
	sep(j, key);
	fprintf(j->f, "%.6g", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_str(struct json *j, const char *key, const char *v)
{
	sep(j, key);
	fputc('"', j->f);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(j->f, "\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			fprintf(j->f, "\\u%04x", (unsigned char)*v);
		else
			fputc(*v, j->f);
	}
	fputc('"', j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}

void path_stats_json(struct json *j, const struct path_stats *s)
{
	json_u64(j, "sent", s->sent);
	json_u64(j, "send_errors", s->send_errors);
	json_u64(j, "received", s->received);
	json_u64(j, "duplicates", s->duplicates);
	json_u64(j, "too_old", s->too_old);
	json_u64(j, "malformed", s->malformed);
	json_u64(j, "pings", s->pings);
}

void counters_json(struct json *j, const struct tunnel_counters *c)
{
	unsigned i;

	json_u64(j, "from_app", c->from_app);
	json_u64(j, "delivered", c->delivered);
	json_u64(j, "cookies", c->cookies);
	json_u64(j, "unreachable", c->unreachable);
	json_u64(j, "malformed", counters_malformed(c));
	json_obj_open(j, "drops");
	for (i = 1; i < WIRE_E__COUNT; i++) {
		char key[32];

		snprintf(key, sizeof(key), "wire_%s", wire_drop_name(i));
		json_u64(j, key, c->wire[i]);
	}
	for (i = 0; i < DROP__COUNT; i++)
		json_u64(j, drop_reason_name(i), c->drop[i]);
	json_obj_close(j);
}

void path_stats_text(FILE *f, const struct path_stats *s)
{
	fprintf(f, "sent %llu received %llu duplicates %llu too_old %llu malformed %llu "
		"send_errors %llu pings %llu",
		(unsigned long long)s->sent, (unsigned long long)s->received,
		(unsigned long long)s->duplicates, (unsigned long long)s->too_old,
		(unsigned long long)s->malformed, (unsigned long long)s->send_errors,
		(unsigned long long)s->pings);
}

void counters_text(FILE *f, const struct tunnel_counters *c)
{
	unsigned i;
	bool any = false;

	fprintf(f, "  from_app %llu delivered %llu cookies %llu malformed %llu\n",
		(unsigned long long)c->from_app, (unsigned long long)c->delivered,
		(unsigned long long)c->cookies,
		(unsigned long long)counters_malformed(c));
	fprintf(f, "  drops:");
	for (i = 1; i < WIRE_E__COUNT; i++) {
		if (c->wire[i]) {
			fprintf(f, " wire_%s %llu", wire_drop_name(i), (unsigned long long)c->wire[i]);
			any = true;
		}
	}
	for (i = 0; i < DROP__COUNT; i++) {
		if (c->drop[i]) {
			fprintf(f, " %s %llu", drop_reason_name(i), (unsigned long long)c->drop[i]);
			any = true;
		}
	}
	fprintf(f, "%s\n", any ? "" : " none");
}

void path_stats_add(struct path_stats *sum, const struct path_stats *s)
{
	sum->sent += s->sent;
	sum->send_errors += s->send_errors;
	sum->received += s->received;
	sum->duplicates += s->duplicates;
	sum->too_old += s->too_old;
	sum->malformed += s->malformed;
	sum->pings += s->pings;
}

int stats_write_file(const char *path, void (*writer)(struct json *j, void *arg), void *arg)
{
	char tmp[4096];
	struct json j;
	FILE *f;
	int rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	json_begin(&j, f);
	writer(&j, arg);
	json_end(&j);
	if (fclose(f) != 0) {
		rc = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto fail;
	}
	return 0;
fail:
	remove(tmp);
	return rc;
}

void stats_dump_file(const char *path, void (*writer)(struct json *j, void *arg), void *arg)
{
	int rc;

	if (!path)
		return;
	rc = stats_write_file(path, writer, arg);
	if (rc)
		log_errno(rc, "cannot write %s", path);
}
