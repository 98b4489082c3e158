/* settings_json.c - mpbridge's effective settings per direction and per
 * timeline window as JSON, with each loss model's mean loss. */
#include "settings_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lossmodel.h"

static bool in_window(const struct impair_cfg *c, double t)
{
	return c->blackout_end > c->blackout_start && t >= c->blackout_start &&
	       t < c->blackout_end;
}

static bool flapping(const struct impair_cfg *c)
{
	return c->flap_up > 0 && c->flap_down > 0;
}

/* {"model":..,"params":{..},"mean":..} of the random loss model alone */
static void model_json(struct json *j, const char *key, const struct loss_cfg *l)
{
	json_obj_open(j, key);
	json_str(j, "model", loss_model_name(l->kind));
	json_obj_open(j, "params");
	switch (l->kind) {
	case LOSS_RANDOM:
		json_dbl(j, "p", l->p);
		break;
	case LOSS_GE:
		json_dbl(j, "p", l->ge_p);
		json_dbl(j, "r", l->ge_r);
		json_dbl(j, "1-h", l->ge_1h);
		json_dbl(j, "1-k", l->ge_1k);
		break;
	case LOSS_STATE:
		json_dbl(j, "p13", l->p13);
		json_dbl(j, "p31", l->p31);
		json_dbl(j, "p32", l->p32);
		json_dbl(j, "p23", l->p23);
		json_dbl(j, "p14", l->p14);
		break;
	case LOSS_NTH:
		json_u64(j, "n", l->nth);
		break;
	case LOSS_NONE:
		break;
	}
	json_obj_close(j);
	json_dbl(j, "mean", loss_model_mean(l));
	json_obj_close(j);
}

/*
 * "loss": the link down at t (--down, inside a --blackout window) is model
 * "blackout" (mean 1); --flap is model "flap" (mean over its period); else
 * the random model.  The random model is kept under "underlying".
 */
static void loss_json(struct json *j, const struct impair_cfg *c, double t)
{
	const struct loss_cfg *l = &c->loss;
	double m = loss_model_mean(l);

	if (c->down || in_window(c, t)) {
		json_obj_open(j, "loss");
		json_str(j, "model", "blackout");
		json_obj_open(j, "params");
		json_str(j, "cause", c->down ? "down" : "window");
		if (!c->down) {
			json_dbl(j, "start", c->blackout_start);
			json_dbl(j, "end", c->blackout_end);
		}
		json_obj_close(j);
		json_dbl(j, "mean", 1.0);
		model_json(j, "underlying", l);
		json_obj_close(j);
	} else if (flapping(c)) {
		double up = c->flap_up / (c->flap_up + c->flap_down);

		json_obj_open(j, "loss");
		json_str(j, "model", "flap");
		json_obj_open(j, "params");
		json_dbl(j, "up_s", c->flap_up);
		json_dbl(j, "down_s", c->flap_down);
		json_obj_close(j);
		json_dbl(j, "mean", 1.0 - (1.0 - m) * up);
		model_json(j, "underlying", l);
		json_obj_close(j);
	} else {
		model_json(j, "loss", l);
	}
}

static void u64_or_null(struct json *j, const char *key, uint64_t v)
{
	if (v)
		json_u64(j, key, v);
	else
		json_null(j, key);
}

void settings_json_dir(struct json *j, const char *key, const struct impair_cfg *c, double t)
{
	json_obj_open(j, key);
	loss_json(j, c, t);
	json_str(j, "link", c->down || in_window(c, t) ? "down" : "up");
	json_dbl(j, "delay_ms", c->delay * 1e3);
	json_dbl(j, "jitter_ms", c->jitter * 1e3);
	json_str(j, "jitter_distribution", c->dist == DIST_NORMAL ? "normal"
					   : c->dist == DIST_TABLE ? "table" : "uniform");
	json_bool(j, "unordered", c->unordered);
	u64_or_null(j, "rate_bps", c->rate_bps);
	json_u64(j, "burst_bytes", c->burst);
	json_u64(j, "limit_packets", c->limit_pkts);
	json_u64(j, "limit_bytes", c->limit_bytes);
	u64_or_null(j, "mtu", c->mtu);
	json_dbl(j, "duplicate", c->dup_p);
	json_dbl(j, "duplicate_delay_ms", c->dup_delay * 1e3);
	json_dbl(j, "corrupt", c->corrupt_p);
	json_dbl(j, "reorder", c->reorder_p);
	json_u64(j, "reorder_gap", c->reorder_gap ? c->reorder_gap : 1);
	json_dbl(j, "truncate", c->trunc_p);
	u64_or_null(j, "truncate_len", c->trunc_len);
	if (impair_cfg_slotted(c)) {
		json_obj_open(j, "slot");
		json_dbl(j, "min_ms", c->slot_min * 1e3);
		json_dbl(j, "max_ms", c->slot_max * 1e3);
		u64_or_null(j, "packets", c->slot_packets);
		u64_or_null(j, "bytes", c->slot_bytes);
		json_obj_close(j);
	} else {
		json_null(j, "slot");
	}
	if (c->trace) {
		json_obj_open(j, "trace");
		json_str(j, "file", c->trace->path);
		json_dbl(j, "mean_bps", trace_mean_bps(c->trace));
		json_dbl(j, "period_s", c->trace->period);
		json_u64(j, "opportunities", c->trace->n);
		json_obj_close(j);
	} else {
		json_null(j, "trace");
	}
	if (c->blackout_end > c->blackout_start) {
		json_obj_open(j, "blackout");
		json_dbl(j, "start", c->blackout_start);
		json_dbl(j, "end", c->blackout_end);
		json_obj_close(j);
	} else {
		json_null(j, "blackout");
	}
	if (flapping(c)) {
		json_obj_open(j, "flap");
		json_dbl(j, "up_s", c->flap_up);
		json_dbl(j, "down_s", c->flap_down);
		json_obj_close(j);
	} else {
		json_null(j, "flap");
	}
	json_obj_close(j);
}

/* the settings in force at t: the last step at or before t, else the base */
static const struct impair_cfg *cfg_at(const struct bridge_opts *o, double t, long *step)
{
	long i;

	*step = -1;
	for (i = 0; i < (long)o->ntl; i++)
		if (o->tl[i].at <= t)
			*step = i;
	return *step >= 0 ? o->tl[*step].cfg : o->base;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Timeline windows: every step's time and every blackout window's ends
 * (of any settings a step may bring); an entry where a step starts or a
 * direction's link goes down or up.
 */
static void timeline_json(struct json *j, const struct bridge_opts *o)
{
	size_t cap = 1 + o->ntl * 1 + (o->ntl + 1) * DIR_N * 2, n = 0, i, k;
	double *t = malloc(cap * sizeof(*t)), prev_down[DIR_N];
	long prev_step = -1;
	int d;

	json_arr_open(j, "timeline");
	if (!t) {
		json_arr_close(j);
		return;
	}
	for (i = 0; i <= o->ntl; i++) {
		const struct impair_cfg *c = i == 0 ? o->base : o->tl[i - 1].cfg;

		if (i > 0)
			t[n++] = o->tl[i - 1].at;
		for (d = 0; d < DIR_N; d++)
			if (c[d].blackout_end > c[d].blackout_start) {
				t[n++] = c[d].blackout_start;
				t[n++] = c[d].blackout_end;
			}
	}
	qsort(t, n, sizeof(*t), cmp_dbl);
	for (d = 0; d < DIR_N; d++)
		prev_down[d] = o->base[d].down || in_window(&o->base[d], 0);
	for (i = 0; i < n;) {
		double at = t[i], until = INFINITY;
		const struct impair_cfg *c;
		bool changed = false;
		long step;

		while (i < n && t[i] == at)
			i++;
		c = cfg_at(o, at, &step);
		if (step != prev_step)
			changed = true;
		for (d = 0; d < DIR_N; d++) {
			bool down = c[d].down || in_window(&c[d], at);

			if (down != prev_down[d])
				changed = true;
			prev_down[d] = down;
		}
		prev_step = step;
		if (!changed)
			continue;
		/* the next time anything changes */
		for (k = i; k < n && isinf(until); k++) {
			const struct impair_cfg *c2;
			long s2;

			c2 = cfg_at(o, t[k], &s2);
			if (s2 != step)
				until = t[k];
			for (d = 0; d < DIR_N; d++)
				if ((c2[d].down || in_window(&c2[d], t[k])) !=
				    (c[d].down || in_window(&c[d], at)))
					until = t[k];
		}
		json_obj_open(j, NULL);
		json_dbl(j, "at", at);
		if (isinf(until))
			json_null(j, "until");
		else
			json_dbl(j, "until", until);
		json_str(j, "source", step >= 0 && o->tl[step].at == at
			 ? o->groups[step + 1].origin : "--blackout");
		for (d = 0; d < DIR_N; d++)
			settings_json_dir(j, dir_name(d), &c[d], at);
		json_obj_close(j);
	}
	free(t);
	json_arr_close(j);
}

void settings_json_doc(struct json *j, const struct bridge_opts *o)
{
	int d;

	json_doc_open(j, "mpbridge");
	if (o->seed_set)
		json_u64(j, "seed", o->seed);
	else
		json_null(j, "seed");
	json_obj_open(j, "directions");
	for (d = 0; d < DIR_N; d++)
		settings_json_dir(j, dir_name(d), &o->base[d], 0);
	json_obj_close(j);
	timeline_json(j, o);
	json_doc_close(j);
}

int settings_json_write(FILE *f, const struct bridge_opts *o)
{
	struct json j;

	json_begin(&j, f);
	settings_json_doc(&j, o);
	json_end(&j);
	return json_ok(&j) && fflush(f) == 0 ? 0 : -EIO;
}
