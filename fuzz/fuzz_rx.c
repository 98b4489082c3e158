/* fuzz_rx.c - both receivers of the protocol core (client_rx, server_rx) fed
 * a sequence of datagrams and time steps, with invariants checked after each.
 *
 * A client core and a server core talk through this harness, which holds
 * every datagram either one built in two rings (c2s, s2c); the input is a
 * script of what to do with them: deliver one again (a replay, a copy from
 * another path, a reordering), deliver it with a byte flipped, deliver raw
 * bytes, let time pass, run the timers, restart either end.
 *
 * Input: byte 0 = mode (bit 0 keyed, bit 1 small tables: 2 sessions, 2
 * flows, bit 2 FEC: mpclient asks for fec:K:M both ways, K = 1 + bits 3-4,
 * M = 1 + bits 5-6; the PARITY both ends build goes into the rings as they
 * send and as time passes), then operations, one op byte and its arguments (missing bytes
 * read as 0; see the FUZZ_RX_* codes in fuzz.h).  At most 512 operations.
 *
 * Properties:
 *   - nothing is delivered twice (received or recovered by FEC): mpserver
 *     never delivers a (session,
 *     instance, seq) twice, keyed not even across instances of a session;
 *     mpclient never a (instance, seq) twice;
 *   - keyed: everything delivered, recovered ones too, is what one of the
 *     two cores sealed, byte for byte (so nothing that failed to
 *     authenticate, and every recovery is exact);
 *   - the state stays bounded and consistent: table counts within their
 *     limits and equal to the entries of their hash indexes and LRU lists;
 *   - every datagram gets exactly one verdict, and a drop exactly one count
 *     (a recovered datagram dropped, one more, r.rec_drops).
 */
#include "fuzz.h"
#include "tunnel/client_core.h"
#include "tunnel/server_core.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING 32
#define DG_MAX 400		/* header + 255 payload + tag fits */
#define MAX_OPS 512
#define NPATHS 3
#define MAX_RECORDS (MAX_OPS * NPATHS + 64)
#define MAX_RESTARTS 3		/* mpclient remembers 4 retired instances */

struct dgram {
	size_t len;
	uint8_t b[DG_MAX];
};

struct ring {
	unsigned n;		/* ever recorded */
	struct dgram d[RING];
};

/* an authentic datagram's identity and payload digest (both directions) */
struct record {
	bool s2c;
	uint64_t session, epoch, seq;
	uint64_t digest;
	uint16_t len;
};

struct delivered {
	bool s2c;
	uint64_t session, epoch, seq;
};

static struct {
	bool keyed;
	double now;
	struct tunnel_params prm;
	struct client_core c;
	struct server_core s;
	unsigned restarts;
	uint64_t next_session;
	struct ring c2s, s2c;
	struct record rec[MAX_RECORDS];
	unsigned nrec;
	struct delivered del[MAX_OPS * 2];
	unsigned ndel;
	uint8_t work[DG_MAX + WIRE_HDR_LEN];
	const char *why;
	bool trace;		/* FUZZ_RX_TRACE set: every verdict on stderr */
} h;

static const uint8_t fuzz_psk[32] = "mptunnel fuzz_rx pre-shared key";

/* ---- input ---- */

struct input {
	const uint8_t *p;
	size_t n, pos;
};

static uint8_t byte(struct input *in)
{
	return in->pos < in->n ? in->p[in->pos++] : 0;
}

/* ---- bookkeeping ---- */

static uint64_t digest(const uint8_t *p, size_t n)
{
	uint64_t d = 0xcbf29ce484222325ull;

	while (n--) {
		d ^= *p++;
		d *= 0x100000001b3ull;
	}
	return d;
}

static void fail(const char *why)
{
	if (!h.why)
		h.why = why;
}

/* A datagram a core built: keep it for later deliveries; a DATA's identity
 * and plaintext (payload, len) go to the records. */
static void record(bool s2c, const uint8_t *dg, size_t len, const uint8_t *payload,
		   size_t plen)
{
	struct ring *r = s2c ? &h.s2c : &h.c2s;
	struct dgram *d;
	struct wire_hdr wh;
	const uint8_t *pl;

	if (len == 0 || len > DG_MAX)
		return;
	d = &r->d[r->n++ % RING];
	memcpy(d->b, dg, len);
	d->len = len;
	if (!payload || h.nrec >= MAX_RECORDS)
		return;
	if (!wire_decode(dg, len, &wh, &pl, NULL) || wh.type != WIRE_DATA) {
		fail("a core built a datagram that does not decode");
		return;
	}
	h.rec[h.nrec++] = (struct record){ s2c, wh.session, wh.epoch, wh.seq,
					   digest(payload, plen), wh.len };
}

static void check_delivery(bool s2c, uint64_t session, uint64_t epoch, uint64_t seq,
			   uint64_t match_epoch, const uint8_t *payload, size_t len)
{
	unsigned i;

	for (i = 0; i < h.ndel; i++) {
		const struct delivered *d = &h.del[i];

		if (d->s2c == s2c && d->session == session && d->seq == seq &&
		    (d->epoch == epoch || (h.keyed && !s2c)))
			fail(s2c ? "mpclient delivered a datagram twice"
				 : "mpserver delivered a datagram twice");
	}
	if (h.ndel < sizeof(h.del) / sizeof(h.del[0]))
		h.del[h.ndel++] = (struct delivered){ s2c, session, epoch, seq };
	if (!h.keyed)
		return;
	for (i = 0; i < h.nrec; i++) {
		const struct record *r = &h.rec[i];

		if (r->s2c == s2c && r->session == session && r->epoch == match_epoch &&
		    r->seq == seq) {
			if (r->len != len || r->digest != digest(payload, len))
				fail("keyed: delivered bytes differ from what was sealed");
			return;
		}
	}
	fail("keyed: delivered a datagram no core sealed");
}

static void check_state(void)
{
	const struct session_table *t = &h.s.sessions;
	unsigned i, k, paths = 0;

	if (t->n > t->max || t->by_id.count != t->n || t->lru.count != t->n ||
	    t->n + t->nfree != t->max)
		fail("session table inconsistent");
	for (i = 0; i < t->max; i++)
		for (k = 0; t->s[i].used && k < SESSION_MAX_PATHS; k++)
			paths += t->s[i].paths[k].used;
	if (t->by_addr.count != paths)
		fail("path index inconsistent");
	if (h.s.flows.n > h.s.flows.max || h.s.flows.by_key.count != h.s.flows.n ||
	    h.s.flows.n + h.s.flows.nfree != h.s.flows.max)
		fail("server flow table inconsistent");
	if (h.c.flows.n > h.c.flows.max || h.c.flows.by_addr.count != h.c.flows.n ||
	    h.c.flows.by_id.count != h.c.flows.n || h.c.flows.lru.count != h.c.flows.n)
		fail("client flow table inconsistent");
}

static uint64_t drops_total(const struct tunnel_counters *c)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < DROP__COUNT; i++)
		if (i != DROP_COOKIE_RATE)	/* a reply refused, counted beside its drop */
			n += c->drop[i];
	return n;
}

/* ---- the two ends ---- */

static void client_start(void)
{
	h.next_session++;
	if (client_core_init(&h.c, &h.prm, NPATHS, h.keyed ? fuzz_psk : NULL,
			     h.next_session * 0x9e3779b97f4a7c15ull) != 0)
		fail("client_core_init");
}

static void server_start(void)
{
	if (server_core_init(&h.s, &h.prm, h.keyed ? fuzz_psk : NULL, NULL) != 0)
		fail("server_core_init");
}

static void pings(unsigned mask)
{
	unsigned p;

	for (p = 0; p < NPATHS; p++) {
		size_t n;

		if (!(mask & (1u << p)))
			continue;
		n = client_tx_ping(&h.c, p, h.now, h.work, sizeof(h.work));
		record(false, h.work, n, NULL, 0);
	}
}

static void to_server(uint8_t *dg, size_t len, unsigned src)
{
	struct addr from;
	const char *err = NULL;
	struct rx_result r;
	uint64_t before = drops_total(&h.s.cnt);
	enum rx_verdict v;
	unsigned i;

	addr_resolve("127.0.0.1", (uint16_t)(4000 + src % 4), false, &from, &err);
	v = server_rx(&h.s, &from, dg, len, h.now, &r);
	if (h.trace)
		fprintf(stderr, "t=%.2f mpserver <- %zu bytes from %u: %s %s reply %d recovered %u\n",
			h.now, len, src % 4,
			v == RX_DROP ? "drop" : v == RX_ACCEPT ? "accept" : "deliver",
			v == RX_DROP ? drop_reason_name(r.drop) : "", r.reply, r.nrec);
	if (v != r.verdict)
		fail("server verdict differs from its result");
	if (drops_total(&h.s.cnt) != before + (v == RX_DROP) + r.rec_drops)
		fail("server: a drop is not counted exactly once");
	for (i = 0; i < r.nrec; i++) {
		const struct session *ss = &h.s.sessions.s[r.session];
		const struct rx_rec *rc = &r.rec[i];

		if (r.session >= h.s.sessions.max || rc->flow >= h.s.flows.max ||
		    h.s.flows.f[rc->flow].session != r.session)
			fail("server recovered to the wrong flow");
		else
			check_delivery(false, r.h.session, ss->epoch, rc->seq, r.h.epoch, rc->payload,
				       rc->len);
	}
	if (v == RX_DELIVER) {
		const struct session *ss = &h.s.sessions.s[r.session];

		if (r.flow >= h.s.flows.max || h.s.flows.f[r.flow].session != r.session ||
		    h.s.flows.f[r.flow].id != r.h.flow)
			fail("server delivered to the wrong flow");
		check_delivery(false, r.h.session, ss->epoch, r.h.seq, r.h.epoch, r.payload, r.len);
		if (r.flow_new && (r.h.seq & 7) == 7)
			server_flow_failed(&h.s, r.flow, 24);	/* the socket could not be opened */
	}
	if (r.reply == RX_REPLY_PONG || r.reply == RX_REPLY_COOKIE) {
		struct wire_hdr wh;
		const uint8_t *pl;

		if (!wire_decode(r.reply_buf, r.reply_len, &wh, &pl, NULL) ||
		    !(wh.flags & WIRE_F_SERVER))
			fail("server built a bad reply");
		record(true, r.reply_buf, r.reply_len, NULL, 0);
	}
}

static void to_client(uint8_t *dg, size_t len, unsigned path)
{
	struct rx_result r;
	uint64_t before = drops_total(&h.c.cnt);
	enum rx_verdict v;
	unsigned i;

	v = client_rx(&h.c, path % NPATHS, dg, len, h.now, &r);
	if (h.trace)
		fprintf(stderr, "t=%.2f mpclient <- %zu bytes on %u: %s %s reply %d recovered %u\n",
			h.now, len, path % NPATHS,
			v == RX_DROP ? "drop" : v == RX_ACCEPT ? "accept" : "deliver",
			v == RX_DROP ? drop_reason_name(r.drop) : "", r.reply, r.nrec);
	if (v != r.verdict)
		fail("client verdict differs from its result");
	if (drops_total(&h.c.cnt) != before + (v == RX_DROP) + r.rec_drops)
		fail("client: a drop is not counted exactly once");
	for (i = 0; i < r.nrec; i++) {
		const struct rx_rec *rc = &r.rec[i];

		if (rc->flow >= h.c.flows.max)
			fail("client recovered to the wrong flow");
		else
			check_delivery(true, r.h.session, r.h.epoch, rc->seq, r.h.epoch, rc->payload,
				       rc->len);
	}
	if (v == RX_DELIVER) {
		if (r.flow >= h.c.flows.max || h.c.flows.f[r.flow].id != r.h.flow)
			fail("client delivered to the wrong flow");
		if (r.h.epoch != h.c.srv_epoch)
			fail("client delivered a datagram of another instance");
		check_delivery(true, r.h.session, r.h.epoch, r.h.seq, r.h.epoch, r.payload, r.len);
	}
	if (r.reply == RX_REPLY_PING_BURST)
		pings(7);
}

/* FEC: the PARITY both ends have due now, into the rings. */
static void parity(void)
{
	uint32_t i, slot;
	unsigned path, n;
	size_t len;

	for (n = 0; n < 4 * FEC_N_MAX; n++) {
		len = client_tx_parity(&h.c, h.now, h.work, sizeof(h.work), &path);
		if (len == 0)
			break;
		record(false, h.work, len, NULL, 0);
	}
	for (i = 0; i < h.s.sessions.max; i++) {
		if (!h.s.sessions.s[i].used)
			continue;
		for (n = 0; n < 4 * FEC_N_MAX; n++) {
			len = server_tx_parity(&h.s, i, h.now, h.work, sizeof(h.work), &slot);
			if (len == 0)
				break;
			record(true, h.work, len, NULL, 0);
		}
	}
}

static struct dgram *pick(struct ring *r, uint8_t k)
{
	if (r->n == 0)
		return NULL;
	if (k >= r->n || k >= RING)
		k = (uint8_t)(k % (r->n < RING ? r->n : RING));
	return &r->d[(r->n - 1 - k) % RING];
}

static void deliver(bool s2c, uint8_t k, uint8_t where, int flip_at, uint8_t flip)
{
	struct dgram *d = pick(s2c ? &h.s2c : &h.c2s, k);

	if (!d)
		return;
	memcpy(h.work, d->b, d->len);
	if (flip_at >= 0)
		h.work[(size_t)flip_at % d->len] ^= flip ? flip : 1;
	if (s2c)
		to_client(h.work, d->len, where);
	else
		to_server(h.work, d->len, where);
}

static void app_data(struct input *in)
{
	struct addr src;
	const char *err = NULL;
	uint8_t port = byte(in), len = byte(in), i;
	uint8_t plain[256];
	size_t n;

	for (i = 0; i < len; i++)
		h.work[WIRE_HDR_LEN + i] = byte(in);
	addr_resolve("127.0.0.1", (uint16_t)(3000 + port % 4), false, &src, &err);
	memcpy(plain, h.work + WIRE_HDR_LEN, len);
	n = client_tx_data(&h.c, h.work, sizeof(h.work), &src, len, h.now);
	record(false, h.work, n, plain, len);
	parity();
}

static void target_reply(struct input *in)
{
	uint8_t slot = byte(in), len = byte(in), i;
	uint8_t plain[256];
	size_t n;

	for (i = 0; i < len; i++)
		plain[i] = byte(in);
	if (h.s.flows.max == 0 || h.s.flows.f[slot % h.s.flows.max].session == RX_NONE)
		return;
	memcpy(h.work + WIRE_HDR_LEN, plain, len);
	n = server_tx_data(&h.s, slot % h.s.flows.max, h.work, sizeof(h.work), len, h.now);
	record(true, h.work, n, plain, len);
	parity();
}

static void raw(struct input *in, bool s2c)
{
	uint8_t where = byte(in);
	size_t len = byte(in), i;

	for (i = 0; i < len; i++)
		h.work[i] = byte(in);
	if (s2c)
		to_client(h.work, len, where);
	else
		to_server(h.work, len, where);
}

const char *fuzz_rx_one(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	unsigned ops;
	uint8_t mode;

	memset(&h, 0, sizeof(h));
	h.trace = getenv("FUZZ_RX_TRACE") != NULL;
	mode = byte(&in);
	h.keyed = mode & 1;
	h.now = 1000.0;
	params_defaults(&h.prm);
	h.prm.window = 64;
	h.prm.verbosity = 0;
	h.prm.max_sessions = (mode & 2) ? 2 : 8;
	h.prm.max_flows = (mode & 2) ? 2 : 8;
	h.prm.session_timeout = 20;
	h.prm.idle_timeout = 10;
	if (mode & 4) {
		h.prm.red = (struct redundancy){ .mode = WIRE_RED_FEC, .k = (uint8_t)(1 + (mode >> 3) % 4),
						 .m = (uint8_t)(1 + (mode >> 5) % 4), .wait_us = 20000 };
		h.prm.fec_depth = 2;
	}
	log_set_verbosity(-1);
	if (h.keyed && seal_init() != 0)
		return "seal_init";
	client_start();
	server_start();
	for (ops = 0; ops < MAX_OPS && in.pos < in.n && !h.why; ops++) {
		uint8_t op = byte(&in), a, b, c;

		switch (op % 16) {
		case FUZZ_RX_TIME:
			a = byte(&in);
			h.now += (a & 0x80) ? (double)(a & 0x7f) : a * 0.01;
			parity();
			break;
		case FUZZ_RX_APP:
			app_data(&in);
			break;
		case FUZZ_RX_C2S:
			a = byte(&in);
			deliver(false, a, byte(&in), -1, 0);
			break;
		case FUZZ_RX_C2S_FLIP:
			a = byte(&in);
			b = byte(&in);
			c = byte(&in);
			deliver(false, a, b, c, byte(&in));
			break;
		case FUZZ_RX_C2S_RAW:
			raw(&in, false);
			break;
		case FUZZ_RX_PING:
			pings(byte(&in));
			break;
		case FUZZ_RX_TARGET:
			target_reply(&in);
			break;
		case FUZZ_RX_S2C:
			a = byte(&in);
			deliver(true, a, byte(&in), -1, 0);
			break;
		case FUZZ_RX_S2C_FLIP:
			a = byte(&in);
			b = byte(&in);
			c = byte(&in);
			deliver(true, a, b, c, byte(&in));
			break;
		case FUZZ_RX_S2C_RAW:
			raw(&in, true);
			break;
		case FUZZ_RX_TICK:
			client_core_tick(&h.c, h.now);
			server_core_tick(&h.s, h.now);
			break;
		case FUZZ_RX_CLIENT_RESTART:
			client_core_free(&h.c);
			client_start();
			break;
		case FUZZ_RX_SERVER_RESTART:
			if (h.restarts++ >= MAX_RESTARTS)
				break;
			server_core_free(&h.s);
			server_start();
			break;
		default:
			break;
		}
		check_state();
	}
	client_core_free(&h.c);
	server_core_free(&h.s);
	return h.why;
}

FUZZ_ENTRY(fuzz_rx_one)
