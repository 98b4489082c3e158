/* test_redundancy.c - the tunnel's FEC glue (tunnel/redundancy.c) and FEC
 * through the protocol cores: modes and their PING fields, striping of a
 * block's symbols over the live paths, copies for lone datagrams; then a
 * client core and a server core, datagrams passed by hand (no sockets), in
 * both directions, keyed and unkeyed: erasures up to m per block recovered,
 * reordering, duplicates, nothing delivered twice, blocks that fail or never
 * complete counted, the server's limits applied and reported in the PONG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client_core.h"
#include "cores.h"
#include "fec_ctl.h"
#include "redundancy.h"
#include "rx_util.h"
#include "seal.h"
#include "server_core.h"

#define SESS CORES_SESS
#define T0 600.0
#define NMAX 800

/* ---- modes ---- */

static void test_parse(void **state)
{
	static const char *const bad[] = {
		"", "fec", "fec:", "fec:20", "fec:20:", "fec:0:1", "fec:1:0", "fec:65:1",
		"fec:64:65", "fec:64:64x", "fec: 2:2", "fec:+2:2", "fec:2:2:2", "Broadcast",
		"broadcast ", "fec:-1:2", "auto",
	};
	struct redundancy r = { .wait_us = 777 };
	char b[32];
	unsigned i;

	(void)state;
	assert_true(redundancy_parse("fec:20:20", &r));
	assert_int_equal(r.mode, WIRE_RED_FEC);
	assert_int_equal(r.k, 20);
	assert_int_equal(r.m, 20);
	assert_int_equal(r.wait_us, 777);	/* kept */
	assert_string_equal(redundancy_format(&r, b, sizeof(b)), "fec:20:20");
	assert_true(redundancy_parse("fec:64:64", &r));
	assert_true(redundancy_parse("fec:1:1", &r));
	assert_true(redundancy_parse("broadcast", &r));
	assert_int_equal(r.mode, WIRE_RED_BROADCAST);
	assert_string_equal(redundancy_format(&r, b, sizeof(b)), "broadcast");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct redundancy x = { .mode = 9 };

		if (redundancy_parse(bad[i], &x))
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(x.mode, 9);	/* untouched */
	}
}

static void test_ping_fields_and_clamp(void **state)
{
	struct redundancy r = { .mode = WIRE_RED_FEC, .k = 20, .m = 10, .wait_us = 4950 }, back;
	struct wire_ping p;
	uint8_t pl[WIRE_PING_LEN];

	(void)state;
	memset(&p, 0, sizeof(p));
	redundancy_to_ping(&r, &p);
	assert_int_equal(p.redundancy, WIRE_RED_FEC);
	assert_int_equal(p.fec_wait, 50);	/* 100 µs units, rounded up */
	/* through the codec and back */
	assert_int_equal(wire_ping_encode(&p, WIRE_PING_LEN, pl, sizeof(pl)), WIRE_PING_LEN);
	memset(&p, 0, sizeof(p));
	assert_true(wire_ping_decode(pl, WIRE_PING_LEN, WIRE_HDR_LEN + WIRE_PING_LEN + 4, false, &p));
	assert_true(redundancy_from_ping(&p, &back));
	assert_int_equal(back.mode, WIRE_RED_FEC);
	assert_int_equal(back.k, 20);
	assert_int_equal(back.m, 10);
	assert_int_equal(back.wait_us, 5000);
	/* keep and auto: nothing changes */
	back.mode = WIRE_RED_BROADCAST;
	p.redundancy = WIRE_RED_KEEP;
	assert_false(redundancy_from_ping(&p, &back));
	p.redundancy = WIRE_RED_AUTO;
	assert_false(redundancy_from_ping(&p, &back));
	assert_int_equal(back.mode, WIRE_RED_BROADCAST);
	/* a wait of 0 is the default, a long one the cap */
	p.redundancy = WIRE_RED_FEC;
	p.fec_wait = 0;
	assert_true(redundancy_from_ping(&p, &back));
	assert_int_equal(back.wait_us, RED_WAIT_DEFAULT_US);
	p.fec_wait = 65535;
	assert_true(redundancy_from_ping(&p, &back));
	assert_int_equal(back.wait_us, RED_WAIT_MAX_US);
	/* mpserver's limits */
	back = r;
	redundancy_clamp(&back, 16, 8);
	assert_int_equal(back.k, 16);
	assert_int_equal(back.m, 8);
	back = r;
	redundancy_clamp(&back, 0, 0);
	assert_int_equal(back.mode, WIRE_RED_BROADCAST);
	back = (struct redundancy){ .mode = WIRE_RED_BROADCAST };
	redundancy_clamp(&back, 4, 4);
	assert_int_equal(back.mode, WIRE_RED_BROADCAST);
}

/* ---- the sender: striping and copies ---- */

static void test_striping(void **state)
{
	struct redundancy r = { .mode = WIRE_RED_FEC, .k = 10, .m = 5, .wait_us = 100000 };
	struct fec_counters cnt;
	struct fec_send s;
	unsigned per_block[64][16], i, b, p;
	uint8_t payload[100];
	uint64_t t = 1000000;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&cnt, 0, sizeof(cnt));
	memset(per_block, 0, sizeof(per_block));
	memset(payload, 'x', sizeof(payload));
	assert_int_equal(fec_send_apply(&s, &r, 2, 0), 0);
	assert_true(fec_send_active(&s));
	for (i = 0; i < 400; i++) {
		struct wire_ext ext;
		bool coded;
		/* paths 0, 2 and 3 live, 1 down */
		uint16_t bits = fec_send_data(&s, t, i + 1, 1, 0, payload, 10 + i % 80, 0x0d, &ext,
					      &coded, &cnt);
		struct fec_tx_out o;

		t += 1000;
		if (i == 0) {
			/* the first datagram of a stream: copies on m_for_k[1] + 1 paths */
			assert_false(coded);
			assert_int_equal(__builtin_popcount(bits), 2);
			assert_int_equal(bits & 0x02, 0);
			continue;
		}
		assert_true(coded);
		assert_int_equal(__builtin_popcount(bits), 1);
		assert_int_equal(bits & 0xfff2, 0);	/* only live paths */
		assert_true(ext.block < 64);
		per_block[ext.block][__builtin_ctz(bits)]++;
		while (fec_send_parity(&s, t, 0x0d, &o, &cnt)) {
			assert_true(o.path == 0 || o.path == 2 || o.path == 3);
			assert_int_equal(o.k, 10);
			assert_int_equal(o.m, 5);
			assert_true(o.block < 64);
			per_block[o.block][o.path]++;
		}
	}
	/* every full block: its 15 symbols 5 on each live path */
	for (b = 1; b < 35; b++) {
		unsigned total = 0;

		for (p = 0; p < 16; p++)
			total += per_block[b][p];
		if (total != 15)
			continue;	/* the last ones are still open */
		assert_int_equal(per_block[b][0], 5);
		assert_int_equal(per_block[b][2], 5);
		assert_int_equal(per_block[b][3], 5);
	}
	assert_int_equal(cnt.tx_copies, 1);
	assert_int_equal(cnt.tx_data, 399);
	assert_true(fec_send_deadline(&s) != UINT64_MAX);
	/* back to broadcast: off, and a switch to a larger code reallocates */
	r.mode = WIRE_RED_BROADCAST;
	assert_int_equal(fec_send_apply(&s, &r, 2, t), 0);
	assert_false(fec_send_active(&s));
	r = (struct redundancy){ .mode = WIRE_RED_FEC, .k = 32, .m = 32, .wait_us = 5000 };
	assert_int_equal(fec_send_apply(&s, &r, 2, t), 0);
	assert_true(fec_send_active(&s));
	assert_int_equal(s.red.k, 32);
	assert_null(s.tx);	/* the larger code's coder: at the next datagram */
	fec_send_free(&s);
}

/* ---- through the cores ---- */

struct dgram {
	uint8_t b[2048];
	size_t n;
	unsigned path;
	bool parity;
	uint32_t block;
	uint8_t index;
	int id;			/* the application datagram it carries (data), else -1 */
};

static struct dgram dg[NMAX];
static unsigned ndg;
static unsigned delivered[NMAX];
static uint8_t tmp[RX_BUF];

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* The payload of application datagram i: its number, then a size of its own. */
static size_t app_payload(uint8_t *p, int i)
{
	size_t len = 8 + (size_t)(i * 37) % 300;

	memset(p, 'a' + i % 26, len);
	snprintf((char *)p, 8, "%06d", i);
	return len;
}

static int payload_id(const uint8_t *p, size_t len)
{
	uint8_t want[400];
	int i = atoi((const char *)p);	/* "%06d" then the fill byte: not a digit */

	if (i < 0 || i >= NMAX || app_payload(want, i) != len || memcmp(want, p, len) != 0)
		return -1;
	return i;
}

static void record(const uint8_t *b, size_t n, unsigned path, int id)
{
	struct wire_hdr h;
	const uint8_t *pl;

	assert_true(ndg < NMAX);
	memcpy(dg[ndg].b, b, n);
	dg[ndg].n = n;
	dg[ndg].path = path;
	dg[ndg].id = id;
	assert_true(wire_parse(b, n, &h, &pl, NULL));
	dg[ndg].parity = h.type == WIRE_PARITY;
	dg[ndg].block = h.ext.block;
	dg[ndg].index = h.ext.index;
	ndg++;
}

static void take(const uint8_t *payload, size_t len)
{
	int id = payload_id(payload, len);

	assert_true(id >= 0);
	delivered[id]++;
}

/* A fresh recording: nothing recorded, nothing delivered. */
static void record_reset(void)
{
	ndg = 0;
	memset(delivered, 0, sizeof(delivered));
}

/* Recorded datagram d to the server (from 127.0.0.1:4000+path, as cores_join opened them)
 * or to the client (on its path), at now; the receiver's verdict. */
static enum rx_verdict deliver(struct client_core *c, struct server_core *s, bool to_server,
			       const struct dgram *d, double now, struct rx_result *r)
{
	struct addr a = rx_addr((uint16_t)(4000 + d->path));

	memcpy(tmp, d->b, d->n);
	return to_server ? server_rx(s, &a, tmp, d->n, now, r) : client_rx(c, d->path, tmp, d->n, now, r);
}

/* What a receive (verdict v, result r) gave the application: the datagram itself when
 * delivered and those the decoder recovered; the number recovered. */
static unsigned take_rx(enum rx_verdict v, const struct rx_result *r)
{
	unsigned j;

	if (v == RX_DELIVER)
		take(r->payload, r->len);
	for (j = 0; j < r->nrec; j++)
		take(r->rec[j].payload, r->rec[j].len);
	return r->nrec;
}

/* The client sends count datagrams (1 ms apart) and all their parity. */
static void client_sends(struct client_core *c, int first, int count, double *now)
{
	struct addr app = rx_addr(3000);
	unsigned path;
	int i;
	size_t n;

	for (i = first; i < first + count; i++) {
		size_t len = app_payload(tmp + WIRE_HDR_LEN, i);

		n = client_tx_data(c, tmp, RX_BUF, &app, len, *now);
		assert_true(n > 0);
		for (path = 0; path < c->npaths; path++) {
			if (!((c->tx_paths >> path) & 1))
				continue;
			client_tx_stamp(c, path, tmp, n, *now);
			record(tmp, n, path, i);
		}
		while ((n = client_tx_parity(c, *now, tmp, RX_BUF, &path)) > 0) {
			client_tx_stamp(c, path, tmp, n, *now);
			record(tmp, n, path, -1);
		}
		*now += 0.001;
	}
	*now += 1.0;	/* past every wait: the rest of the parity */
	while ((n = client_tx_parity(c, *now, tmp, RX_BUF, &path)) > 0) {
		client_tx_stamp(c, path, tmp, n, *now);
		record(tmp, n, path, -1);
	}
	assert_true(client_fec_deadline(c) < 0);
}

/* The server sends count datagrams on flow slot f, and all their parity. */
static void server_sends(struct server_core *s, uint32_t si, uint32_t f, int first, int count,
			 double *now)
{
	uint32_t slot;
	unsigned k;
	int i;
	size_t n;

	for (i = first; i < first + count; i++) {
		size_t len = app_payload(tmp + WIRE_HDR_LEN, i);

		n = server_tx_data(s, f, tmp, RX_BUF, len, *now);
		assert_true(n > 0);
		for (k = 0; k < SESSION_MAX_PATHS; k++) {
			if (!((s->tx_paths >> k) & 1))
				continue;
			server_tx_stamp(s, si, k, tmp, n, *now);
			record(tmp, n, s->sessions.s[si].paths[k].id, i);
		}
		while ((n = server_tx_parity(s, si, *now, tmp, RX_BUF, &slot)) > 0) {
			server_tx_stamp(s, si, slot, tmp, n, *now);
			record(tmp, n, s->sessions.s[si].paths[slot].id, -1);
		}
		*now += 0.001;
	}
	*now += 1.0;
	while ((n = server_tx_parity(s, si, *now, tmp, RX_BUF, &slot)) > 0) {
		server_tx_stamp(s, si, slot, tmp, n, *now);
		record(tmp, n, s->sessions.s[si].paths[slot].id, -1);
	}
	assert_true(server_fec_deadline(s, si) < 0);
}

/* Erase up to `erase` data symbols of each block (more for block `sink`),
 * shuffle, duplicate some; the order to send in, into order[] (n). */
static unsigned plan(unsigned *order, unsigned erase, uint32_t sink, unsigned *erased)
{
	unsigned i, n = 0, lost_in[256] = { 0 };

	*erased = 0;
	for (i = 0; i < ndg; i++) {
		struct dgram *d = &dg[i];
		/* the sunk block loses all its data; the others up to `erase`
		 * each; copies (block 0: not coded) are never erased */
		bool sunk = d->block == sink;

		if (!d->parity && d->block > 0 && d->block < 256 && d->id >= 0 &&
		    (sunk || (lost_in[d->block] < erase && rnd(3) == 0))) {
			lost_in[d->block]++;
			(*erased)++;
			continue;
		}
		order[n++] = i;
		if (rnd(8) == 0)
			order[n++] = i;	/* a duplicate (another path's copy, a replay) */
	}
	for (i = n - 1; i > 0; i--) {	/* reordering: a shuffle within a span of 12 */
		unsigned j = i >= 12 ? i - rnd(12) : rnd(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	return n;
}

static void fec_both_ways(bool keyed)
{
	static unsigned order[2 * NMAX];
	struct tunnel_params prm;
	struct client_core c;
	struct server_core s;
	struct rx_result r;
	double now = T0;
	unsigned n, i, erased, j, nrec = 0;
	uint32_t si, f;
	int id;

	rx_params(&prm);
	prm.window = 1024;
	prm.red = (struct redundancy){ .mode = WIRE_RED_FEC, .k = 8, .m = 3, .wait_us = 20000 };
	prm.fec_depth = 2;
	prm.fec_max_k = 6;	/* mpserver sends fec:6:3 */
	prm.fec_max_m = 4;
	cores_new(&c, &s, &prm, keyed);
	cores_join(&c, &s, keyed, now);
	/* the PONG says what mpserver applies: the request within its limits */
	assert_int_equal(c.srv_red.mode, WIRE_RED_FEC);
	assert_int_equal(c.srv_red.k, 6);
	assert_int_equal(c.srv_red.m, 3);
	assert_int_equal(c.srv_red.wait_us, 20000);

	/* ---- client -> server: 8:3 blocks, up to 3 erasures each, block 5 sunk */
	record_reset();
	client_sends(&c, 0, 120, &now);
	n = plan(order, 3, 5, &erased);
	for (i = 0; i < n; i++) {
		nrec += take_rx(deliver(&c, &s, true, &dg[order[i]], now, &r), &r);
		for (j = 0; j < r.nrec; j++)
			assert_true(r.rec[j].flow == r.rec[0].flow);
	}
	server_core_tick(&s, now + 5);	/* blocks held past 2 s are given up */
	{
		unsigned lost = 0;

		for (id = 0; id < 120; id++) {
			assert_true(delivered[id] <= 1);	/* nothing twice */
			lost += delivered[id] == 0;
		}
		/* everything but the sunk block arrived or was recovered (some
		 * recovered before their own datagram came: reordering); the
		 * sunk block's 8 data are lost, counted */
		assert_int_equal(lost, 8);
		assert_true(s.cnt.fec.recovered >= erased - lost);
		assert_int_equal(s.cnt.fec.recovered, nrec);
		assert_int_equal(s.cnt.fec.unrecoverable, lost);
		assert_true(s.cnt.fec.recovered > 10);
		assert_int_equal(s.cnt.fec.blocks_failed, lost ? 1 : 0);
		assert_true(s.cnt.drop[DROP_DUPLICATE] > 0);	/* the copies, by the window */
		assert_int_equal(s.cnt.drop[DROP_FEC], 0);
		assert_int_equal(c.cnt.fec.tx_copies, 1);
		assert_int_equal(c.cnt.fec.tx_data, 119);
	}

	/* ---- server -> client on the flow just made: 6:3 blocks */
	si = session_find(&s.sessions, SESS);
	assert_true(si != RX_NONE);
	f = s.sessions.s[si].last_flow;
	record_reset();
	nrec = 0;
	server_sends(&s, si, f, 200, 120, &now);
	n = plan(order, 3, 0, &erased);
	for (i = 0; i < n; i++)
		nrec += take_rx(deliver(&c, &s, false, &dg[order[i]], now, &r), &r);
	for (id = 200; id < 320; id++)
		assert_int_equal(delivered[id], 1);
	assert_true(c.cnt.fec.recovered >= erased);
	assert_int_equal(c.cnt.fec.recovered, nrec);
	assert_int_equal(c.cnt.fec.unrecoverable, 0);
	assert_int_equal(c.cnt.drop[DROP_FEC], 0);

	/* a replayed PARITY is a duplicate (window) or, its block done and
	 * it never taken, unneeded (not authenticated); a forged symbol of a
	 * finished block changes nothing: still nothing twice */
	{
		uint64_t unneeded = c.cnt.fec.parity_unneeded, dup = 0, late = 0;

		assert_true(c.cnt.drop[DROP_FEC_UNNEEDED] > 0);	/* clean blocks' later parity */
		for (i = 0; i < ndg; i++) {
			if (!dg[i].parity)
				continue;
			memcpy(tmp, dg[i].b, dg[i].n);
			assert_int_equal(client_rx(&c, 0, tmp, dg[i].n, now, &r), RX_DROP);
			assert_true(r.drop == DROP_DUPLICATE || r.drop == DROP_FEC_UNNEEDED);
			dup += r.drop == DROP_DUPLICATE;
			late += r.drop == DROP_FEC_UNNEEDED;
			assert_int_equal(r.nrec, 0);
			if (keyed && r.drop == DROP_FEC_UNNEEDED) {
				/* unread: a forged tag is dropped the same way */
				memcpy(tmp, dg[i].b, dg[i].n);
				tmp[dg[i].n - 1] ^= 0x5a;
				assert_int_equal(client_rx(&c, 0, tmp, dg[i].n, now, &r), RX_DROP);
				assert_int_equal(r.drop, DROP_FEC_UNNEEDED);
				late++;
			}
		}
		assert_true(dup > 0 && late > 0);
		assert_int_equal(c.cnt.fec.parity_unneeded, unneeded + late);
	}
	/* the client asks for broadcast again: mpserver applies it */
	c.prm.red.mode = WIRE_RED_BROADCAST;
	cores_join(&c, &s, false, now);
	assert_int_equal(c.srv_red.mode, WIRE_RED_BROADCAST);
	assert_int_equal(s.sessions.s[si].red.mode, WIRE_RED_BROADCAST);
	{
		size_t len = app_payload(tmp + WIRE_HDR_LEN, 7);

		assert_true(server_tx_data(&s, f, tmp, RX_BUF, len, now) > 0);
		assert_int_equal(s.tx_paths, 0x7);	/* every path */
	}
	server_core_free(&s);
	client_core_free(&c);
}

static void test_cores_unkeyed(void **state)
{
	(void)state;
	fec_both_ways(false);
}

static void test_cores_keyed(void **state)
{
	(void)state;
	fec_both_ways(true);
}

/* Symbols of blocks that never complete: the receiver holds a bounded number
 * and gives them up, counted; a PARITY it cannot use is the drop `fec`. */
static void test_incomplete_blocks(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct server_core s;
	struct rx_result r;
	double now = T0;
	unsigned i;

	(void)state;
	rx_params(&prm);
	prm.window = 4096;
	prm.red = (struct redundancy){ .mode = WIRE_RED_FEC, .k = 4, .m = 2, .wait_us = 20000 };
	prm.fec_depth = 1;
	cores_new(&c, &s, &prm, false);
	cores_join(&c, &s, false, now);
	record_reset();
	client_sends(&c, 0, 300, &now);
	/* only the data, no parity: every block stays open until evicted or expired */
	for (i = 0; i < ndg; i++) {
		if (dg[i].parity || dg[i].index == 1)
			continue;	/* and a data symbol of each block lost */
		if (dg[i].block == 0) {	/* the first, as copies: one gets through */
			deliver(&c, &s, true, &dg[i], now, &r);
			continue;
		}
		assert_int_equal(deliver(&c, &s, true, &dg[i], now, &r), RX_DELIVER);
		assert_int_equal(r.nrec, 0);
	}
	server_core_tick(&s, now + 5);
	/* no parity ever said k: the loss is not known, the blocks are given up */
	assert_true(s.cnt.fec.blocks_unknown > 50);
	assert_int_equal(s.cnt.fec.recovered, 0);
	/* a parity of a block long given up: refused, counted */
	for (i = 0; i < ndg; i++) {
		if (!dg[i].parity || dg[i].block != 1)
			continue;
		assert_int_equal(deliver(&c, &s, true, &dg[i], now + 5, &r), RX_DROP);
		assert_int_equal(r.drop, DROP_FEC);
		break;
	}
	assert_int_equal(s.cnt.drop[DROP_FEC], 1);
	assert_int_equal(s.cnt.fec.rx_refused, 1);
	server_core_free(&s);
	client_core_free(&c);
}

/* A datagram the window has seen (here: its bytes sent again without the
 * extension, so the decoder never had it) and the decoder then recovers is
 * not delivered twice: `recovered_dup`. */
static void test_recovered_already_seen(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	struct server_core s;
	struct rx_result r;
	double now = T0;
	unsigned i, got = 0;
	int hidden = -1;

	(void)state;
	rx_params(&prm);
	prm.window = 1024;
	prm.red = (struct redundancy){ .mode = WIRE_RED_FEC, .k = 4, .m = 2, .wait_us = 20000 };
	prm.fec_depth = 1;
	cores_new(&c, &s, &prm, false);
	cores_join(&c, &s, false, now);
	record_reset();
	client_sends(&c, 0, 9, &now);	/* 1 as copies, then blocks 1 and 2 */
	for (i = 0; i < ndg; i++) {
		if (dg[i].block == 1 && !dg[i].parity && dg[i].index == 2) {
			struct wire_hdr h;
			const uint8_t *pl;
			uint8_t copy[2048];

			assert_true(wire_parse(dg[i].b, dg[i].n, &h, &pl, NULL));
			memcpy(copy, pl, h.len);
			h.flags &= (uint8_t)~WIRE_F_FEC;
			h.ext = (struct wire_ext){ .block = 0 };
			dg[i].n = rx_mk(tmp, &h, copy, NULL);
			memcpy(dg[i].b, tmp, dg[i].n);
			hidden = dg[i].id;
		}
		got += take_rx(deliver(&c, &s, true, &dg[i], now, &r), &r);
	}
	assert_true(hidden > 0);
	assert_int_equal(delivered[hidden], 1);
	assert_int_equal(s.cnt.fec.recovered_dup, 1);
	assert_int_equal(s.cnt.fec.recovered, 0);
	assert_int_equal(got, 0);
	server_core_free(&s);
	client_core_free(&c);
}

/* ---- memory: coders set up at need, freed when idle, block ids go on ---- */

struct sym {
	struct wire_hdr h;
	uint8_t b[FEC_SYMBOL_DEFAULT];
};

/* n datagrams (seq from *seq) 1 ms apart, every symbol out into syms. */
static unsigned send_run(struct fec_send *s, uint64_t *t, uint64_t *seq, unsigned n,
			 struct sym *syms, unsigned *nsym, struct fec_counters *cnt)
{
	unsigned i, coded_n = 0;
	struct fec_tx_out o;

	for (i = 0; i < n; i++) {
		struct sym *y = &syms[*nsym];
		struct wire_ext ext;
		bool coded;

		memset(y->b, (int)(*seq & 0xff), 50);
		fec_send_data(s, *t, *seq, 1, 0, y->b, 50, 0x7, &ext, &coded, cnt);
		if (coded) {
			y->h = (struct wire_hdr){ .type = WIRE_DATA, .flags = WIRE_F_FEC, .seq = *seq,
						  .flow = 1, .len = 50, .ext = ext };
			(*nsym)++;
			coded_n++;
		}
		(*seq)++;
		while (fec_send_parity(s, *t, 0x7, &o, cnt)) {
			y = &syms[(*nsym)++];
			y->h = (struct wire_hdr){ .type = WIRE_PARITY, .flags = WIRE_F_FEC, .len = o.len,
						  .ext = { .block = o.block, .index = o.index,
							   .k = o.k, .m = o.m } };
			memcpy(y->b, o.payload, o.len);
		}
		*t += 1000;
	}
	/* past the wait: the rest of the parity */
	*t += 10000;
	while (fec_send_parity(s, *t, 0x7, &o, cnt)) {
		struct sym *y = &syms[(*nsym)++];

		y->h = (struct wire_hdr){ .type = WIRE_PARITY, .flags = WIRE_F_FEC, .len = o.len,
					  .ext = { .block = o.block, .index = o.index, .k = o.k,
						   .m = o.m } };
		memcpy(y->b, o.payload, o.len);
	}
	return coded_n;
}

static struct sym syms[400];

static void test_idle_coders(void **state)
{
	struct redundancy r = { .mode = WIRE_RED_FEC, .k = 4, .m = 2, .wait_us = 5000 };
	struct fec_counters cnt;
	struct fec_send s;
	struct fec_recv rv;
	const struct fec_recovered *rec;
	uint64_t t = 1000000, seq = 1;
	unsigned nsym = 0, first, i, nrec = 0;
	uint32_t old_block = 0, top = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&rv, 0, sizeof(rv));
	memset(&cnt, 0, sizeof(cnt));
	assert_int_equal(fec_send_apply(&s, &r, 1, t), 0);
	/* FEC applied, nothing sent: no coder */
	assert_true(fec_send_active(&s));
	assert_null(s.tx);
	assert_int_equal(fec_send_memory(&s), 0);
	assert_int_equal(fec_send_deadline(&s), UINT64_MAX);
	assert_int_equal(send_run(&s, &t, &seq, 40, syms, &nsym, &cnt), 39);	/* the first: copies */
	assert_int_equal(cnt.coders, 1);
	assert_true(fec_send_memory(&s) > 0);
	for (i = 0; i < nsym; i++) {
		/* all the data is here: the second parity of each block is unneeded */
		assert_int_not_equal(fec_recv_symbol(&rv, &syms[i].h, syms[i].b, t, &cnt),
				     FEC_RECV_REFUSED);
		if (syms[i].h.type == WIRE_PARITY && !old_block)
			old_block = syms[i].h.ext.block;
		if (syms[i].h.ext.block > top)
			top = syms[i].h.ext.block;
	}
	assert_int_equal(cnt.coders, 2);
	assert_true(fec_recv_memory(&rv) > 100000);
	assert_int_equal(cnt.blocks_complete, 10);	/* 39 in blocks of 4: 9 full, one of 3 */
	/* not idle long enough: kept */
	assert_false(fec_send_trim(&s, t + RED_IDLE_US / 2, RED_IDLE_US, &cnt));
	assert_false(fec_recv_trim(&rv, t + RED_IDLE_US / 2, RED_IDLE_US, &cnt));
	/* idle: freed, nothing held */
	t += RED_IDLE_US;
	assert_true(fec_send_trim(&s, t, RED_IDLE_US, &cnt));
	assert_true(fec_recv_trim(&rv, t, RED_IDLE_US, &cnt));
	assert_int_equal(cnt.coders_freed, 2);
	assert_null(s.tx);
	assert_null(rv.rx);
	assert_int_equal(fec_send_memory(&s) + fec_recv_memory(&rv), 0);
	assert_false(fec_send_trim(&s, t, RED_IDLE_US, &cnt));
	/* a late parity of a block before the pause: late (unneeded), no new block */
	first = nsym;
	for (i = 0; i < first; i++)
		if (syms[i].h.type == WIRE_PARITY && syms[i].h.ext.block == old_block)
			break;
	assert_true(i < first);
	assert_int_equal(fec_recv_symbol(&rv, &syms[i].h, syms[i].b, t, &cnt), FEC_RECV_UNNEEDED);
	assert_int_equal(cnt.coders, 3);	/* the receiver set up again for it */
	assert_false(fec_rx_busy(rv.rx));
	/* traffic again: new coders, block ids after the old ones; a lost data
	 * symbol in each block is recovered */
	assert_int_equal(send_run(&s, &t, &seq, 41, syms, &nsym, &cnt), 40);
	assert_int_equal(cnt.coders, 4);
	for (i = first; i < nsym; i++) {
		unsigned n;

		assert_true(syms[i].h.ext.block > top);
		if (syms[i].h.type == WIRE_DATA && syms[i].h.ext.index == 1)
			continue;
		assert_int_not_equal(fec_recv_symbol(&rv, &syms[i].h, syms[i].b, t, &cnt),
				     FEC_RECV_REFUSED);
		n = fec_recv_recovered(&rv, &rec);
		nrec += n;
	}
	assert_int_equal(nrec, 10);
	assert_int_equal(cnt.blocks_decoded, 10);
	assert_int_equal(cnt.blocks_failed + cnt.blocks_unknown, 0);
	fec_send_free(&s);
	fec_recv_free(&rv);
	assert_int_equal(rv.floor, 0);
}

/* ---- a path going dark mid-stream: its symbols in flight go again ---- */

/* Deliver everything recorded from dg[from] on except what went on `dark`
 * after dg[dark_from] (the outage), to the server (to_server) or the client. */
static void deliver_but(struct client_core *c, struct server_core *s, bool to_server,
			unsigned from, unsigned dark, unsigned dark_from, double now)
{
	struct rx_result r;
	unsigned i;

	for (i = from; i < ndg; i++) {
		if (dg[i].path == dark && i >= dark_from)
			continue;
		take_rx(deliver(c, s, to_server, &dg[i], now, &r), &r);
	}
}

/* fec:16:2 over 3 paths (a path's share of a block, 6 symbols, is far more
 * than m): path 1 goes dark after 60 of 150 datagrams; 30 datagrams later
 * the down rule marks it down, the measurement tick queues its symbols
 * since then again on the other paths: nothing is lost, nothing delivered
 * twice.  Each way, keyed (a resent DATA is the same sealed datagram) and not. */
static void resend_both_ways(bool keyed)
{
	struct tunnel_params prm;
	struct client_core c;
	struct server_core s;
	double now = T0;
	unsigned i, dark_from, path;
	uint32_t si, f, slot;
	size_t n;
	int id;

	rx_params(&prm);
	prm.window = 1024;
	prm.red = (struct redundancy){ .mode = WIRE_RED_FEC, .k = 16, .m = 2, .wait_us = 200000 };
	prm.fec_depth = 2;
	cores_new(&c, &s, &prm, keyed);
	cores_join(&c, &s, keyed, now);
	si = session_find(&s.sessions, SESS);
	assert_true(si != RX_NONE);

	/* ---- client -> server */
	record_reset();
	dark_from = 0;
	for (i = 0; i < 150; i++) {
		struct addr app = rx_addr(3000);
		size_t len = app_payload(tmp + WIRE_HDR_LEN, (int)i);

		if (i == 60)
			dark_from = ndg;	/* path 1 dark from here on */
		if (i == 90)
			c.paths[1].q.state = PATHQ_DOWN;	/* the down rule says so */
		if (i % 10 == 0)
			client_measure_tick(&c, now, true);	/* every 10 ms */
		n = client_tx_data(&c, tmp, RX_BUF, &app, len, now);
		assert_true(n > 0);
		for (path = 0; path < c.npaths; path++) {
			if (!((c.tx_paths >> path) & 1))
				continue;
			client_tx_stamp(&c, path, tmp, n, now);
			record(tmp, n, path, (int)i);
		}
		while ((n = client_tx_parity(&c, now, tmp, RX_BUF, &path)) > 0)
			record(tmp, n, path, -1);
		now += 0.001;
	}
	now += 1.0;
	while ((n = client_tx_parity(&c, now, tmp, RX_BUF, &path)) > 0)
		record(tmp, n, path, -1);
	deliver_but(&c, &s, true, 0, 1, dark_from, now);
	for (id = 0; id < 150; id++)
		if (delivered[id] != 1)
			fail_msg("c2s: datagram %d delivered %u times", id, delivered[id]);
	assert_true(c.cnt.fec.tx_resent >= 10);
	assert_int_equal(s.cnt.drop[DROP_FEC], 0);

	/* ---- server -> client, on the flow just made: slot 1 dark */
	f = s.sessions.s[si].last_flow;
	c.paths[1].q.state = PATHQ_UP;
	record_reset();
	for (i = 0; i < 150; i++) {
		size_t len = app_payload(tmp + WIRE_HDR_LEN, 200 + (int)i);
		unsigned k;

		if (i == 60)
			dark_from = ndg;
		if (i == 90)
			s.sessions.s[si].paths[1].q.state = PATHQ_DOWN;
		if (i % 10 == 0) {
			s.sessions.s[si].last_rx = now;	/* (measured: a session heard lately) */
			server_core_measure(&s, now, true, NULL, NULL);
		}
		n = server_tx_data(&s, f, tmp, RX_BUF, len, now);
		assert_true(n > 0);
		for (k = 0; k < SESSION_MAX_PATHS; k++) {
			if (!((s.tx_paths >> k) & 1))
				continue;
			server_tx_stamp(&s, si, k, tmp, n, now);
			record(tmp, n, s.sessions.s[si].paths[k].id, 200 + (int)i);
		}
		while ((n = server_tx_parity(&s, si, now, tmp, RX_BUF, &slot)) > 0)
			record(tmp, n, s.sessions.s[si].paths[slot].id, -1);
		now += 0.001;
	}
	assert_true(s.fec_kick);
	now += 1.0;
	while ((n = server_tx_parity(&s, si, now, tmp, RX_BUF, &slot)) > 0)
		record(tmp, n, s.sessions.s[si].paths[slot].id, -1);
	deliver_but(&c, &s, false, 0, s.sessions.s[si].paths[1].id, dark_from, now);
	for (id = 200; id < 350; id++)
		if (delivered[id] != 1)
			fail_msg("s2c: datagram %d delivered %u times", id, delivered[id]);
	assert_true(s.cnt.fec.tx_resent >= 10);
	assert_int_equal(c.cnt.drop[DROP_FEC], 0);
	client_core_free(&c);
	server_core_free(&s);
}

static void test_resend_unkeyed(void **state)
{
	(void)state;
	resend_both_ways(false);
}

static void test_resend_keyed(void **state)
{
	(void)state;
	resend_both_ways(true);
}

/* ---- auto: the code of each direction from the paths' measured loss ---- */

static void feedback_all(struct client_core *c, uint32_t highest, uint32_t received, double now)
{
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct wire_feedback_entry e = { .path = (uint8_t)i, .highest = highest,
						 .received = received };

		path_heard(&c->paths[i].live, now);
		pathq_take_feedback(&c->paths[i].q, &e, now);
	}
}

static void test_auto(void **state)
{
	struct tunnel_params prm;
	struct client_core c;
	double now = T0;
	unsigned clean_k, clean_m;

	(void)state;
	rx_params(&prm);
	prm.red = (struct redundancy){ .mode = WIRE_RED_AUTO, .wait_us = 20000, .target = 1e-3 };
	prm.fec_depth = 4;
	assert_int_equal(client_core_init(&c, &prm, 3, NULL, SESS), 0);
	/* nothing measured: broadcast both ways */
	client_auto_tick(&c, now);
	assert_false(fec_send_active(&c.fec_tx));
	assert_int_equal(c.ask_red.mode, WIRE_RED_BROADCAST);
	/* mpserver's FEEDBACK: no loss on any path -> a code of little parity */
	feedback_all(&c, 500, 500, now);
	feedback_all(&c, 1000, 1000, now + 0.1);
	client_auto_tick(&c, now + 0.2);
	assert_true(fec_send_active(&c.fec_tx));
	clean_k = c.fec_tx.red.k;
	clean_m = c.fec_tx.red.m;
	assert_true((double)(clean_k + clean_m) / clean_k <= 1.15);
	/* the other direction is not measured yet: still broadcast asked of mpserver */
	assert_int_equal(c.ask_red.mode, WIRE_RED_BROADCAST);
	/* 20% loss on every path from then on: more parity */
	feedback_all(&c, 2000, 1800, now + 0.3);
	feedback_all(&c, 3000, 2600, now + 0.4);
	client_auto_tick(&c, now + 0.5);
	if (fec_send_active(&c.fec_tx))
		assert_true((double)c.fec_tx.red.m / c.fec_tx.red.k > (double)clean_m / clean_k);
	assert_true(c.cnt.fec.auto_changes >= 2);
	client_core_free(&c);
}

/* auto in simulated FEEDBACK rounds (25 ms, each path carrying `per`
 * datagrams each way, losses spread evenly at the path's rate): mpserver's
 * FEEDBACK about what we send (PATHQ_TX) and our own about what arrives
 * (PATHQ_RX), the controller after each round.  From round 0 of the case
 * every path's loss is `after` (and path `down` is marked down by the fast
 * rule); checked: the rounds until the code in use each way holds the target
 * at the true figures from then on, the cost, the changes. */
struct auto_case {
	const char *name;
	double before, after;
	int down;		/* a path down from round 0, or -1 */
	unsigned max_rounds;	/* both directions hold the target within this many rounds */
	double max_cost;	/* (k + m) / k at the end (0: not checked) */
	unsigned max_changes;	/* codes chosen after round 0 (either direction) */
};

struct sim_path {
	uint32_t tx_highest, tx_received, rx_seq;
	double tx_acc, rx_acc;
};

static void sim_round(struct client_core *c, struct sim_path *sp, const double *loss, unsigned per,
		      int down, double now)
{
	unsigned i, j;

	for (i = 0; i < 3; i++) {
		struct wire_feedback_entry e = { .path = (uint8_t)i };

		if ((int)i == down)
			continue;	/* dark: nothing either way */
		path_heard(&c->paths[i].live, now);
		for (j = 0; j < per; j++) {
			sp[i].tx_highest++;
			sp[i].tx_acc += loss[i];
			if (sp[i].tx_acc >= 1)
				sp[i].tx_acc -= 1;
			else
				sp[i].tx_received++;
			sp[i].rx_seq++;
			sp[i].rx_acc += loss[i];
			if (sp[i].rx_acc >= 1)
				sp[i].rx_acc -= 1;
			else
				pathq_on_rx(&c->paths[i].q, sp[i].rx_seq, 0, 200, true, now);
		}
		e.highest = sp[i].tx_highest;
		e.received = sp[i].tx_received;
		pathq_take_feedback(&c->paths[i].q, &e, now);
		pathq_feedback_entry(&c->paths[i].q, (uint8_t)i, now, &e);
	}
	client_auto_tick(c, now);
}

/* does the code r hold the target at the true losses? */
static bool holds(const struct redundancy *r, const double *loss, int down, double target)
{
	struct fec_ctl_config cfg = { .mode = FEC_MODE_AUTO, .target = target, .depth = 4,
				      .wait_us = 200000 };
	struct fec_ctl_path p[3];
	unsigned i;

	for (i = 0; i < 3; i++)
		p[i] = (struct fec_ctl_path){ .live = (int)i != down, .loss = loss[i], .burst = 1 };
	if (r->mode != WIRE_RED_FEC)
		return fec_ctl_residual(&cfg, p, 3, 0, 0) <= target;
	return fec_ctl_residual(&cfg, p, 3, r->k, r->m) <= target;
}

static void test_auto_rounds(void **state)
{
	static const struct auto_case cases[] = {
		/* the lab's auto-step: 1% -> 20.8% on every path: 0.3 s (the old
		 * controller's 500-datagram average needed seconds) */
		{ "step 1% -> 20.8%", 0.01, 0.208, -1, 12, 0, 20 },
		/* one path of three dark: the code holds on the other two at once */
		{ "blackout of one path at 1%", 0.01, 0.01, 1, 1, 0, 2 },
		/* clean: a long code of little parity, settled (no flapping) */
		{ "clean", 0.0, 0.0, -1, 0, 1.15, 0 },
		/* the loss falls: the code shrinks, but only once the hold passed */
		{ "step 20% -> 1%", 0.2, 0.01, -1, 0, 1.5, 8 },
	};
	unsigned ci;

	(void)state;
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const struct auto_case *ac = &cases[ci];
		struct tunnel_params prm;
		struct client_core c;
		struct sim_path sp[3];
		double now = T0, loss[3];
		unsigned r, i, held = 0;
		uint64_t changes;

		rx_params(&prm);
		prm.red = (struct redundancy){ .mode = WIRE_RED_AUTO, .wait_us = 200000,
					       .target = 1e-3 };
		prm.fec_depth = 4;
		assert_int_equal(client_core_init(&c, &prm, 3, NULL, SESS), 0);
		memset(sp, 0, sizeof(sp));
		for (i = 0; i < 3; i++)
			loss[i] = ac->before;
		/* settled: 4000 datagrams a path each way (pathq's 500-datagram
		 * average within 0.1% of the loss), 40 a round so that the
		 * controller, which costs ~8 ms a tick here, runs 100 rounds and
		 * not 400 (the rounds after the step carry 10 as before: the
		 * same rounds to hold, changes and codes as with 400 x 10) */
		for (r = 0; r < 100; r++) {
			now += 0.025;
			sim_round(&c, sp, loss, 40, -1, now);
		}
		assert_true(holds(&c.fec_tx.red, loss, -1, 1e-3));
		assert_true(holds(&c.ask_red, loss, -1, 1e-3));
		changes = c.cnt.fec.auto_changes;
		for (i = 0; i < 3; i++)
			loss[i] = ac->after;
		if (ac->down >= 0)
			c.paths[ac->down].q.state = PATHQ_DOWN;
		for (r = 1; r <= 200; r++) {	/* 5 s */
			now += 0.025;
			sim_round(&c, sp, loss, 10, ac->down, now);
			if (!holds(&c.fec_tx.red, loss, ac->down, 1e-3) ||
			    !holds(&c.ask_red, loss, ac->down, 1e-3))
				held = r;	/* the last round that did not */
		}
		print_message("%s: held from round %u, %llu changes, tx %s %u:%u ask %u:%u\n", ac->name,
			      held + 1, (unsigned long long)(c.cnt.fec.auto_changes - changes),
			      c.fec_tx.red.mode == WIRE_RED_FEC ? "fec" : "broadcast", c.fec_tx.red.k,
			      c.fec_tx.red.m, c.ask_red.k, c.ask_red.m);
		if (held > ac->max_rounds)
			fail_msg("%s: the target held only from round %u (max %u)", ac->name, held + 1,
				 ac->max_rounds);
		if (ac->max_cost > 0 && c.fec_tx.red.mode == WIRE_RED_FEC &&
		    (double)(c.fec_tx.red.k + c.fec_tx.red.m) / c.fec_tx.red.k > ac->max_cost)
			fail_msg("%s: fec:%u:%u costs more than %.2f", ac->name, c.fec_tx.red.k,
				 c.fec_tx.red.m, ac->max_cost);
		if (ac->max_cost > 0)
			assert_int_equal(c.fec_tx.red.mode, WIRE_RED_FEC);
		if (c.cnt.fec.auto_changes - changes > ac->max_changes)
			fail_msg("%s: %llu changes (max %u)", ac->name,
				 (unsigned long long)(c.cnt.fec.auto_changes - changes), ac->max_changes);
		client_core_free(&c);
	}
}

/* auto at the applications' rate: blocks fill within the wait.  3 paths at
 * 10% each way, a 5 ms wait; the datagrams the applications send (from_app)
 * and receive (delivered) counted at `rate` a second.  A code longer than
 * rate x wait would go out as short blocks with ceil(m k' / k) parity (lib/
 * fec): at 300/s (1.5 a wait) no block fills, so copies (broadcast) both
 * ways; at 2000/s (10 a wait) a code of at most 10 data that holds the
 * target; and when the rate falls from 2000/s to 300/s, the code in use
 * gives way within a second.  Without the rates (not counted: unknown) the
 * controller picks k = 32, which the first case refuses. */
static void run_rounds(struct client_core *c, struct sim_path *sp, const double *loss,
		       double rate, unsigned rounds, double *now, double *acc)
{
	unsigned r;

	for (r = 0; r < rounds; r++) {
		*now += 0.025;
		*acc += rate * 0.025;
		c->cnt.from_app += (uint64_t)*acc;
		c->cnt.delivered += (uint64_t)*acc;
		*acc -= (double)(uint64_t)*acc;
		sim_round(c, sp, loss, 40, -1, *now);
	}
}

static bool fills(const struct redundancy *r, double rate, uint32_t wait_us)
{
	return r->mode != WIRE_RED_FEC || r->k <= rate * wait_us / 1e6;
}

static void test_auto_rate(void **state)
{
	static const double loss[3] = { 0.1, 0.1, 0.1 };
	static const double rates[] = { 300, 2000, 0 };
	unsigned ri;

	(void)state;
	for (ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++) {
		struct tunnel_params prm;
		struct client_core c;
		struct sim_path sp[3];
		double now = T0, acc = 0;

		rx_params(&prm);
		prm.red = (struct redundancy){ .mode = WIRE_RED_AUTO, .wait_us = 5000, .target = 1e-3 };
		prm.fec_depth = 4;
		assert_int_equal(client_core_init(&c, &prm, 3, NULL, SESS), 0);
		memset(sp, 0, sizeof(sp));
		run_rounds(&c, sp, loss, rates[ri], 100, &now, &acc);
		print_message("rate %.0f/s: tx %s %u:%u ask %s %u:%u\n", rates[ri],
			      c.fec_tx.red.mode == WIRE_RED_FEC ? "fec" : "broadcast", c.fec_tx.red.k,
			      c.fec_tx.red.m, c.ask_red.mode == WIRE_RED_FEC ? "fec" : "broadcast",
			      c.ask_red.k, c.ask_red.m);
		if (rates[ri] == 0 || rates[ri] >= 400) {	/* (broadcast: 0.1^3, the target itself) */
			assert_true(holds(&c.fec_tx.red, loss, -1, 1e-3));
			assert_true(holds(&c.ask_red, loss, -1, 1e-3));
		}
		if (rates[ri] == 0) {	/* not measured: plenty assumed, a long code */
			assert_int_equal(c.fec_tx.red.mode, WIRE_RED_FEC);
			assert_true(c.fec_tx.red.k > 10);
			client_core_free(&c);
			continue;
		}
		assert_true(fills(&c.fec_tx.red, rates[ri], 5000));
		assert_true(fills(&c.ask_red, rates[ri], 5000));
		if (rates[ri] < 400) {
			assert_int_equal(c.fec_tx.red.mode, WIRE_RED_BROADCAST);
			assert_int_equal(c.ask_red.mode, WIRE_RED_BROADCAST);
		} else {
			assert_int_equal(c.fec_tx.red.mode, WIRE_RED_FEC);
			assert_int_equal(c.ask_red.mode, WIRE_RED_FEC);
			/* the rate falls: within a second the code fills its blocks again */
			run_rounds(&c, sp, loss, 300, 40, &now, &acc);
			assert_true(fills(&c.fec_tx.red, 300, 5000));
			assert_true(fills(&c.ask_red, 300, 5000));
		}
		client_core_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ping_fields_and_clamp),
		cmocka_unit_test(test_striping),
		cmocka_unit_test(test_idle_coders),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_auto_rounds),
		cmocka_unit_test(test_auto_rate),
		cmocka_unit_test(test_resend_unkeyed),
		cmocka_unit_test(test_resend_keyed),
		cmocka_unit_test(test_cores_unkeyed),
		cmocka_unit_test(test_cores_keyed),
		cmocka_unit_test(test_incomplete_blocks),
		cmocka_unit_test(test_recovered_already_seen),
	};

	seal_init();
	log_set_verbosity(-1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
