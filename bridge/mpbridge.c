/* mpbridge.c - main: options, seed, run the relay. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "opts.h"
#include "relay.h"
#include "settings_json.h"
#include "rng.h"

static uint64_t random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		uint64_t st = clock_now_ns() ^ (uint64_t)getpid() << 32;

		s = splitmix64(&st);
	}
	return s % 1000000000000ull;	/* short enough to retype */
}

int main(int argc, char **argv)
{
	static struct bridge_opts o;
	static struct relay r;
	char err[OPTS_ERRLEN];
	uint64_t seed;
	int rc;

	log_init("mpbridge", LOG_LVL_INFO);
	if (!opts_parse(&o, argc, argv, err, sizeof(err))) {
		log_warnx("%s", err);
		opts_free(&o);
		return 2;
	}
	if (o.help) {
		opts_usage(stdout);
		opts_free(&o);
		return 0;
	}
	if (o.version) {
		printf("mpbridge %s\n", MPT_VERSION);
		opts_free(&o);
		return 0;
	}
	log_set_verbosity(o.verbosity);
	if (o.check && o.json) {
		rc = settings_json_write(stdout, &o) < 0 ? 1 : 0;
		opts_free(&o);
		return rc;
	}
	if (o.check) {
		char desc[512];
		size_t i;
		int d;

		for (d = 0; d < DIR_N; d++) {
			impair_cfg_describe(&o.base[d], desc, sizeof(desc));
			log_info("%s:%s", dir_name(d), desc);
		}
		for (i = 0; i < o.ntl; i++)
			for (d = 0; d < DIR_N; d++) {
				impair_cfg_describe(&o.tl[i].cfg[d], desc, sizeof(desc));
				log_info("at %gs %s:%s", o.tl[i].at, dir_name(d), desc);
			}
		log_info("options ok");
		opts_free(&o);
		return 0;
	}
	seed = o.seed_set ? o.seed : random_seed();
	if (relay_init(&r, &o, seed) < 0) {
		relay_close(&r);
		opts_free(&o);
		return 1;
	}
	rc = relay_run(&r);
	relay_close(&r);
	opts_free(&o);
	return rc;
}
