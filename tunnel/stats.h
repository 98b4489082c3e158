/* stats.h - counters kept by mpclient and mpserver, printed as text or JSON. */
#ifndef MPT_STATS_H
#define MPT_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "redundancy.h"
#include "wire.h"

struct path_stats {
	uint64_t sent;		/* datagrams sent on this path */
	uint64_t send_errors;	/* sends refused by the kernel (ICMP, buffers) */
	uint64_t received;	/* accepted: new, valid, in the window */
	uint64_t duplicates;	/* valid copies already received on another path */
	uint64_t too_old;	/* below the window */
	uint64_t malformed;	/* failed to decode */
	uint64_t pings;		/* keepalives sent (client) or answered (server) */
};

/* Reasons a datagram is dropped, beyond the wire decoder's own. */
enum drop_reason {
	DROP_DIRECTION = 0,	/* came from the wrong side */
	DROP_SESSION,		/* not for this session */
	DROP_EPOCH,		/* epoch invalid or retired */
	DROP_SESSION_CAP,	/* no room for a new session */
	DROP_FLOW_CAP,		/* no room for a new flow */
	DROP_NO_FLOW,		/* reply for a flow that is gone */
	DROP_TOO_BIG,		/* application datagram larger than the tunnel carries */
	DROP_NO_PATH,		/* nothing to send it on */
	DROP_TARGET,		/* target unreachable (ICMP) or send failed */
	DROP_SOCKET,		/* could not open a socket for a flow */
	DROP_TYPE,		/* valid type, wrong for this end */
	DROP_BAD_TAG,		/* authentication failed */
	DROP_PLAINTEXT,		/* unsealed datagram while a key is set */
	DROP_NO_COOKIE,		/* new session without a fresh cookie (keyed mpserver) */
	DROP_COOKIE_RATE,	/* cookie not sent: rate limit */
	DROP_NEW_RATE,		/* unknown-session datagrams beyond the crypto budget */
	DROP_KEY_ID,		/* keyed: a key id we do not have (the keys differ) */
	DROP_SUITE,		/* keyed: another suite than ours */
	DROP_SEALED,		/* a sealed datagram while we have no key */
	DROP_JUMP,		/* seq too far above the window, not (yet) confirmed */
	DROP_UNSUPPORTED,	/* a message this version of the daemon does not act on yet
				 * (FEEDBACK, TARGET-flagged DATA) */
	DROP_CHALLENGE,		/* a PONG to mpserver that answers no pending path challenge
				 * (none pending, another token, another path), or a challenge
				 * PING to mpclient without a token */
	DROP_CHALLENGE_LATE,	/* a PONG echoing a challenge older than the path timeout */
	DROP_CHALLENGE_ADDR,	/* a PONG echoing a challenge, from another address than
				 * the one challenged */
	DROP_FEC,		/* a PARITY the FEC decoder refused (duplicate symbol, stale
				 * block, inconsistent k/m/size, too big; fec.rx_refused) */
	DROP_TARGET_DENIED,	/* mpserver: a new flow's target is not one its client may reach */
	DROP_TARGET_CHANGED,	/* mpserver: a DATA names another target than its flow's */
	DROP_CLIENT,		/* mpserver: sealed with another client's key than the one
				 * whose key opened the session */
	DROP_SOCKS,		/* mpclient --socks5: a datagram from an application not
				 * relayed (bad header, fragment, a stranger's source, a
				 * domain name too long for a target) */
	DROP_PATH_MTU,		/* mpclient: larger than every path it could go on carries
				 * (path MTU discovery, plpmtud_cap) */
	DROP_DELIVERY_QUEUE,	/* mpclient --pace-delivery: its bounded queue was full */
	DROP__LISTED,		/* the reasons above are listed under "drops"; those below
				 * have counters of their own (per path, "malformed") */
	DROP_DUPLICATE = DROP__LISTED,	/* a copy already received (path "duplicates") */
	DROP_TOO_OLD,		/* below the window (path "too_old") */
	DROP_FEC_UNNEEDED,	/* a PARITY of a block already done, not authenticated
				 * (fec "parity_unneeded") */
	DROP_MALFORMED,		/* failed to decode ("wire_*" reasons, "malformed") */
	DROP__COUNT
};

struct tunnel_counters {
	uint64_t from_app;	/* datagrams read from applications / target */
	uint64_t delivered;	/* datagrams handed to applications / target */
	uint64_t cookies;	/* cookies sent (mpserver) or accepted (mpclient) */
	uint64_t icmp_errors;	/* ICMP port unreachable for what we sent: hints only */
	uint64_t evicted_flows;		/* flows replaced by new ones in a full table */
	uint64_t evicted_sessions;	/* sessions replaced by new ones in a full table */
	uint64_t key_changes;	/* mpserver: sessions that moved to another key;
				 * mpclient: its key changed (reload) */
	uint64_t key_closed;	/* mpserver: sessions closed: their key was removed */
	uint64_t notices;	/* NOTICEs sent (mpserver) or received (mpclient) */
	uint64_t challenges;	/* path challenges sent (mpserver) or answered (mpclient) */
	uint64_t challenges_limited;	/* mpserver: a new address not challenged (rate) */
	uint64_t dup_challenges;	/* mpserver: challenges drawn by a duplicate from another
					 * address than its path's (the first-contact race) */
	uint64_t path_moves;	/* mpserver: paths moved to a new address (challenge confirmed) */
	uint64_t paced;		/* mpclient --pace-delivery: datagrams the pacer held back
				 * (released by its timer, not at once) */
	uint64_t late_ticks;	/* down-rule ticks put off: this process had stalled
				 * (pathq.h, PATHQ_LATE) */
	uint64_t wire[WIRE_E__COUNT];
	uint64_t drop[DROP__COUNT];
	struct fec_counters fec;	/* redundancy.h: both roles of this end */
};

const char *drop_reason_name(enum drop_reason r);
uint64_t counters_malformed(const struct tunnel_counters *c);

void path_stats_json(struct json *j, const struct path_stats *s);
void counters_json(struct json *j, const struct tunnel_counters *c);
void path_stats_text(FILE *f, const struct path_stats *s);
void counters_text(FILE *f, const struct tunnel_counters *c);
void path_stats_add(struct path_stats *sum, const struct path_stats *s);

/* --stats: json_write_file, nothing when path is NULL, failures logged. */
void stats_dump_file(const char *path, json_writer_fn *writer, void *arg);

#endif
