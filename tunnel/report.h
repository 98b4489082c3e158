/* report.h - the one stats model of each daemon, and its two renderings.
 *
 * client_report() / server_report() take a snapshot of a daemon's state
 * into a struct tunnel_report; report_text() prints it for people (SIGUSR1,
 * exit), report_json() writes it as a JSON document (--stats FILE, with the
 * program, version and time of lib/json's header).  Unknown values are
 * NAN (an RTT never measured) or -1 (a liveness a daemon does not track)
 * in the model, "-" in text and null in JSON.
 *
 * A snapshot allocates (the server's sessions): taken on a signal or at
 * exit, never per datagram.
 */
#ifndef MPT_REPORT_H
#define MPT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "json.h"
#include "stats.h"

struct report_path {
	unsigned index;		/* mpclient: its path index */
	const char *name;	/* mpclient: as configured (NULL: use peer) */
	struct addr peer;	/* mpserver: the bridge's address as seen */
	int alive;		/* 1 up, 0 down, -1 not tracked */
	double rtt;		/* last round trip, s; NAN: never measured */
	/* mpclient: what the path leaves by (--path dev=, src=; NULL: not
	 * bound) and its link: "up", "down" (interface or address gone, or
	 * its socket not open yet); NULL: not tracked (mpserver) */
	const char *dev, *src, *link;
	/* from FEEDBACK (pathq.h): NAN while unknown */
	double srtt, rttvar;	/* s */
	double loss[2], burst[2];	/* [PATHQ_TX] what we send, [PATHQ_RX] what we receive */
	const char *state;	/* "up", "down", NULL: never heard */
	/* mpclient's path MTU search (lib/plpmtud; 0: not known): the largest
	 * tunnel datagram confirmed, the size above which datagrams are lost
	 * (0: no limit found), the application payload that fits the confirmed
	 * size, and the search's state (NULL: not tracked) */
	unsigned mtu, mtu_cap, payload_max;
	const char *pmtud;
	bool backup;		/* a backup path (pathsel.h) */
	struct path_stats st;
};

struct report_session {
	uint64_t id;
	unsigned nflows;
	unsigned npaths;
	struct report_path *paths;	/* into the report's path array */
	unsigned worker;	/* mpserver --workers: the worker holding it */
};

/* mpserver --workers N (N > 1): one worker's share (workers.c) */
struct report_worker {
	unsigned sessions, flows;	/* open */
	uint64_t received;	/* datagrams accepted on its sessions' paths, closed ones too */
	uint64_t misrouted;	/* datagrams of another worker's session (steering failed) */
};

struct tunnel_report {
	bool server;		/* mpserver's report, else mpclient's */
	bool sealed;
	struct addr listen, target;	/* target: mpserver */
	uint64_t session;	/* mpclient's own */
	unsigned nflows;	/* open flows */
	unsigned nsessions;	/* mpserver: open sessions */
	struct report_session *sessions;	/* mpserver: nsessions */
	unsigned npaths;	/* mpclient: its paths; mpserver: all sessions' */
	struct report_path *paths;
	struct path_stats total;	/* mpserver: every path's counts, closed ones too */
	struct tunnel_counters cnt;
	unsigned nworkers;	/* mpserver with --workers N > 1: N, else 0 */
	struct report_worker *workers;	/* nworkers (report_free frees it) */
};

struct pathq;
/* The quality figures of q into p (defined in pathq.c, the daemons call it). */
void report_path_quality(struct report_path *p, const struct pathq *q);
/* Allocate room for sessions and paths: 0 or -ENOMEM. */
int report_alloc(struct tunnel_report *r, unsigned nsessions, unsigned npaths);
void report_free(struct tunnel_report *r);
void report_text(FILE *f, const struct tunnel_report *r);
/* One JSON document (json_doc_open .. json_doc_close). */
void report_json(struct json *j, const struct tunnel_report *r);
/* Prometheus text exposition; every sample labelled daemon="..." (report_prom.c). */
void report_prom(FILE *f, const struct tunnel_report *r, const char *daemon);

#endif
