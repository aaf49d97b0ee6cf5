// SPDX-License-Identifier: MIT
/*
 * The lists of docs/metrics.md, written from the counter table
 * (counters.h): tools/counters_doc.c puts them between the file's
 * markers, and `make unit` fails when the file holds anything else.
 */
#include <errno.h>
#include <string.h>
#include "agent/counters.h"

static const char *type_name(int type)
{
	return type == TT_METRIC_GAUGE ? "gauge" : "counter";
}

/* "`reason`: `a`, `b`": the label's values in table order, once each. */
static void label_values(FILE *f, int fam)
{
	const struct tt_family *fm = &tt_families[fam];
	int n = 0;

	if (!fm->label[0])
		return;
	fprintf(f, "`%s`: ", fm->label[0]);
	for (size_t i = 0; i < tt_counter_nrows; i++) {
		const struct tt_counter_row *r = &tt_counter_rows[i];
		int seen = 0;

		if (r->family != fam)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = tt_counter_rows[j].family == fam &&
			       tt_counter_rows[j].label && r->label &&
			       !strcmp(tt_counter_rows[j].label, r->label);
		if (!seen && r->label)
			fprintf(f, "%s`%s`", n++ ? ", " : "", r->label);
	}
}

static void health_doc(FILE *f)
{
	fputs("| Metric | Type | Label: values | Meaning |\n"
	      "|---|---|---|---|\n", f);
	for (size_t i = 0; i < tt_nfamilies; i++) {
		fprintf(f, "| `%s` | %s | ", tt_families[i].name,
			type_name(tt_families[i].type));
		label_values(f, (int)i);
		fprintf(f, " | %s |\n", tt_families[i].help);
	}
	/* The registry's own family (metrics/metrics.h). */
	fprintf(f, "| `%s` | counter | `family`: each family with labels | %s |\n",
		TT_METRICS_DROPPED, TT_METRICS_DROPPED_HELP);
}

static void agent_stats_doc(FILE *f)
{
	fputs("| Key | Counts | Prometheus series |\n"
	      "|---|---|---|\n", f);
	for (size_t i = 0; i < tt_counter_nrows; i++) {
		const struct tt_counter_row *r = &tt_counter_rows[i];
		const struct tt_counter_field *fd = tt_counters_field(r->off);

		if (!r->section)
			continue;
		fprintf(f, "| `%s.%s` | %s | ", r->section, r->key,
			fd ? fd->doc : "");
		if (r->family >= 0 && r->label)
			fprintf(f, "`%s{%s=\"%s\"}`", tt_families[r->family].name,
				tt_families[r->family].label[0], r->label);
		else if (r->family >= 0)
			fprintf(f, "`%s`", tt_families[r->family].name);
		fputs(" |\n", f);
	}
}

int tt_counters_doc(const char *which, FILE *f)
{
	if (!strcmp(which, "health"))
		health_doc(f);
	else if (!strcmp(which, "agent_stats"))
		agent_stats_doc(f);
	else
		return -EINVAL;
	return 0;
}
