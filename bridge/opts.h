/* opts.h - mpbridge command line: global options, settings and timeline steps. */
#ifndef MPT_BRIDGE_OPTS_H
#define MPT_BRIDGE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dist.h"
#include "impair.h"
#include "peer.h"

#define OPTS_HOSTLEN 256
#define OPTS_ERRLEN 512

/* One timeline step: from `at` seconds after start, these settings hold. */
struct tl_entry {
	double at;
	struct impair_cfg cfg[DIR_N];
};

/* settings tokens gathered before they are applied (internal) */
struct tok_group {
	double at;			/* < 0: the base settings */
	char origin[80];		/* "--at 5s" or "FILE:LINE" for messages */
	char **tok;
	size_t ntok;
};

struct bridge_opts {
	char listen_host[OPTS_HOSTLEN];
	uint16_t listen_port;
	bool have_listen;
	char to_host[OPTS_HOSTLEN];
	uint16_t to_port;
	bool have_to;
	char source_host[OPTS_HOSTLEN];
	uint16_t source_port;
	bool have_source;

	int verbosity;
	bool check, help, version;
	bool json;			/* --check --json: settings as JSON on stdout */
	struct peer_rule peer_rule;	/* --learn, --lock */
	uint64_t seed;
	bool seed_set;
	const char *stats_path;
	const char *pcap_prefix;
	const char *declog_path;
	const char *argv0;

	struct impair_cfg base[DIR_N];
	struct tl_entry *tl;		/* sorted by time */
	size_t ntl;

	/* internal storage */
	struct dist_tables tables;	/* the configs' dist_tab point here */
	struct trace_set traces;	/* the configs' trace point here */
	struct tok_group *groups;
	size_t ngroups;
	char **owned;			/* strings read from files */
	size_t nowned;
};

/*
 * Parse argv into o (initialised here).  Returns true on success; on
 * failure err holds a message naming the bad token (exit 2).
 */
bool opts_parse(struct bridge_opts *o, int argc, char **argv, char *err, size_t errlen);
void opts_free(struct bridge_opts *o);
void opts_usage(FILE *f);

/* The settings (settings.h), profiles (profile.h) and value parsers
 * (values.h) used to be declared here; tests include them through this. */
#include "profile.h"
#include "settings.h"
#include "values.h"

#endif
