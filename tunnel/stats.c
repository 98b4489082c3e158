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
		[DROP_KEY_ID] = "key_id",
		[DROP_SUITE] = "suite",
		[DROP_SEALED] = "sealed",
		[DROP_JUMP] = "jump",
		[DROP_UNSUPPORTED] = "unsupported",
		[DROP_CHALLENGE] = "challenge",
		[DROP_CHALLENGE_LATE] = "challenge_late",
		[DROP_CHALLENGE_ADDR] = "challenge_addr",
		[DROP_FEC] = "fec",
		[DROP_TARGET_DENIED] = "target_denied",
		[DROP_TARGET_CHANGED] = "target_changed",
		[DROP_CLIENT] = "client",
		[DROP_SOCKS] = "socks",
		[DROP_PATH_MTU] = "path_mtu",
		[DROP_DELIVERY_QUEUE] = "delivery_queue",
		[DROP_DUPLICATE] = "duplicate",
		[DROP_TOO_OLD] = "too_old",
		[DROP_FEC_UNNEEDED] = "fec_unneeded",
		[DROP_MALFORMED] = "malformed",
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
	json_u64(j, "icmp_errors", c->icmp_errors);
	json_u64(j, "evicted_flows", c->evicted_flows);
	json_u64(j, "evicted_sessions", c->evicted_sessions);
	json_u64(j, "notices", c->notices);
	json_u64(j, "key_changes", c->key_changes);
	json_u64(j, "key_closed", c->key_closed);
	json_u64(j, "challenges", c->challenges);
	json_u64(j, "challenges_limited", c->challenges_limited);
	json_u64(j, "dup_challenges", c->dup_challenges);
	json_u64(j, "path_moves", c->path_moves);
	json_u64(j, "paced", c->paced);
	json_u64(j, "late_ticks", c->late_ticks);
	json_u64(j, "malformed", counters_malformed(c));
	json_obj_open(j, "drops");
	for (i = 1; i < WIRE_E__COUNT; i++) {
		char key[32];

		snprintf(key, sizeof(key), "wire_%s", wire_drop_name(i));
		json_u64(j, key, c->wire[i]);
	}
	for (i = 0; i < DROP__LISTED; i++)
		json_u64(j, drop_reason_name(i), c->drop[i]);
	json_obj_close(j);
	json_obj_open(j, "fec");
	fec_counters_json(j, &c->fec);
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

	fprintf(f, "  from_app %llu delivered %llu cookies %llu notices %llu malformed %llu\n",
		(unsigned long long)c->from_app, (unsigned long long)c->delivered,
		(unsigned long long)c->cookies, (unsigned long long)c->notices,
		(unsigned long long)counters_malformed(c));
	if (c->key_changes || c->key_closed)
		fprintf(f, "  key_changes %llu key_closed %llu\n", (unsigned long long)c->key_changes,
			(unsigned long long)c->key_closed);
	if (c->late_ticks)
		fprintf(f, "  late_ticks %llu\n", (unsigned long long)c->late_ticks);
	if (c->challenges || c->challenges_limited || c->path_moves)
		fprintf(f, "  path challenges %llu (after a duplicate %llu, not sent: rate %llu) path moves %llu\n",
			(unsigned long long)c->challenges,
			(unsigned long long)c->dup_challenges,
			(unsigned long long)c->challenges_limited,
			(unsigned long long)c->path_moves);
	fprintf(f, "  drops:");
	for (i = 1; i < WIRE_E__COUNT; i++) {
		if (c->wire[i]) {
			fprintf(f, " wire_%s %llu", wire_drop_name(i), (unsigned long long)c->wire[i]);
			any = true;
		}
	}
	for (i = 0; i < DROP__LISTED; i++) {
		if (c->drop[i]) {
			fprintf(f, " %s %llu", drop_reason_name(i), (unsigned long long)c->drop[i]);
			any = true;
		}
	}
	fprintf(f, "%s\n", any ? "" : " none");
	if (fec_counters_any(&c->fec))
		fprintf(f, "  fec: sent %llu coded %llu parity %llu copies %llu resent; received %llu coded "
			"%llu parity (%llu unneeded); blocks %llu whole %llu decoded %llu failed; "
			"recovered %llu unrecoverable %llu\n",
			(unsigned long long)c->fec.tx_data, (unsigned long long)c->fec.tx_parity,
			(unsigned long long)c->fec.tx_copies, (unsigned long long)c->fec.tx_resent,
			(unsigned long long)c->fec.rx_data,
			(unsigned long long)c->fec.rx_parity,
			(unsigned long long)c->fec.parity_unneeded,
			(unsigned long long)c->fec.blocks_complete,
			(unsigned long long)c->fec.blocks_decoded,
			(unsigned long long)c->fec.blocks_failed, (unsigned long long)c->fec.recovered,
			(unsigned long long)c->fec.unrecoverable);
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

void stats_dump_file(const char *path, json_writer_fn *writer, void *arg)
{
	int rc;

	if (!path)
		return;
	rc = json_write_file(path, writer, arg);
	if (rc)
		log_errno(rc, "cannot write %s", path);
}
