/* prom.c - Prometheus text exposition writer (see prom.h). */
#include "prom.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
	       (!first && c >= '0' && c <= '9');
}

bool prom_name_ok(const char *name)
{
	if (!name || !*name)
		return false;
	for (size_t i = 0; name[i]; i++)
		if (!name_char(name[i], i == 0, true))
			return false;
	return true;
}

bool prom_label_ok(const char *label)
{
	if (!label || !*label || strncmp(label, "__", 2) == 0)
		return false;
	for (size_t i = 0; label[i]; i++)
		if (!name_char(label[i], i == 0, false))
			return false;
	return true;
}

static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (quote && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

bool prom_family(FILE *f, const char *name, enum prom_type type, const char *help)
{
	size_t n;

	if (!name || !prom_name_ok(name))
		return false;
	n = strlen(name);
	if (type == PROM_COUNTER && (n < 6 || strcmp(name + n - 6, "_total") != 0))
		return false;
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help ? help : "", false);
	fprintf(f, "\n# TYPE %s %s\n", name, type == PROM_COUNTER ? "counter" : "gauge");
	return true;
}

static bool labels_ok(const char *const *labels)
{
	for (size_t i = 0; labels && labels[i]; i += 2)
		if (!prom_label_ok(labels[i]) || !labels[i + 1])
			return false;
	return true;
}

static void put_head(FILE *f, const char *name, const char *const *labels)
{
	fputs(name, f);
	if (labels && labels[0]) {
		fputc('{', f);
		for (size_t i = 0; labels[i]; i += 2) {
			fprintf(f, "%s%s=\"", i ? "," : "", labels[i]);
			put_escaped(f, labels[i + 1], true);
			fputc('"', f);
		}
		fputc('}', f);
	}
	fputc(' ', f);
}

bool prom_sample(FILE *f, const char *name, const char *const *labels, double value)
{
	if (!prom_name_ok(name) || !labels_ok(labels))
		return false;
	put_head(f, name, labels);
	if (isnan(value))
		fputs("NaN\n", f);
	else if (isinf(value))
		fputs(value > 0 ? "+Inf\n" : "-Inf\n", f);
	else
		fprintf(f, "%.17g\n", value);
	return true;
}

bool prom_sample_u64(FILE *f, const char *name, const char *const *labels, uint64_t value)
{
	if (!prom_name_ok(name) || !labels_ok(labels))
		return false;
	put_head(f, name, labels);
	fprintf(f, "%" PRIu64 "\n", value);
	return true;
}
