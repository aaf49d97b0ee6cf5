// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/report. The first three bytes choose the key list
 * (a bit mask) and small group and day-cell caps, so the "(other)" paths
 * are reached; the rest is fed as ledger lines (split at "\n"). Then the
 * whole input is also written, JSON-escaped, as the model and owner of one
 * well-formed event, so arbitrary bytes reach the writers as key values.
 * Invariants: every line is counted once in exactly one class; per group
 * successes + failures = calls, priced + unpriced = calls, the reasons
 * add up to unpriced, retries <= attempt_known <= calls, unbilled
 * errors and priced successes within their wholes; totals and day
 * cells add up to the events; each JSON output line parses; the table and
 * CSV hold no control character but "\n"; every writer returns 0.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/jsonw.h"
#include "report/report.h"
#include "fuzz.h"

static void no_controls(const struct fz_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		CHECK((unsigned char)b->p[i] >= 0x20 || b->p[i] == '\n');
}

static void check_json(struct fz_buf *b)
{
	char *line = b->p, *nl;

	while ((nl = strchr(line, '\n'))) {
		cJSON *j;

		*nl = '\0';
		j = cJSON_Parse(line);
		CHECK(j && cJSON_IsObject(j));
		cJSON_Delete(j);
		line = nl + 1;
	}
	CHECK(!*line);
}

static void check_report(struct tt_report *r)
{
	uint64_t sum = 0, calls = 0, cell_calls = 0, tcalls = 0, tunits = 0;
	uint64_t units = 0;
	struct fz_buf b = { 0 };
	int focus = 0;

	CHECK(tt_report_finish(r) == 0);
	for (int i = 0; i < TT_RLINE__COUNT; i++)
		sum += r->lines[i];
	CHECK(sum == r->lines_total);
	CHECK(r->ngroups <= r->opts.max_groups + TT_REPORT_OTHER_GROUPS);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct tt_report_group *g = tt_report_group_at(r, i);
		const struct tt_report_stats *s = &g->st;
		uint64_t reasons = 0;

		CHECK(g);
		CHECK(s->calls > 0);
		CHECK(s->successes + s->failures == s->calls);
		CHECK(s->priced + s->unpriced == s->calls);
		for (int k = 0; k < TT_RREASON__COUNT; k++)
			reasons += s->unpriced_by[k];
		CHECK(reasons == s->unpriced);
		CHECK(s->retries <= s->attempt_known);
		/* The honest ratios' parts (docs/report.md). */
		CHECK(s->unbilled_errors <= s->unpriced);
		CHECK(s->unbilled_errors <= s->failures);
		CHECK(s->priced_successes <= s->successes);
		CHECK(s->priced_successes <= s->priced);
		CHECK(s->attempt_known <= s->calls);
		CHECK(s->allocated <= s->calls && s->mismatches <= s->calls);
		CHECK(s->first_us <= s->last_us);
		CHECK(tt_report_sum_value(&s->cost) >= 0);
		/* Priced again: every event once, at a cost >= 0. */
		CHECK(!r->opts.reprice ||
		      s->new_priced + s->new_unpriced == s->calls);
		CHECK(tt_report_sum_value(&s->new_cost) >= 0);
		/* Distinct units: at most one per call, a fallback is a call. */
		CHECK(s->units + s->units_uncounted <= s->calls);
		CHECK(s->units_unknown_cost <= s->units);
		CHECK(s->fallbacks <= s->calls);
		units += s->units;
		calls += s->calls;
	}
	for (size_t i = 0; i < r->ncells; i++)
		cell_calls += r->cells[i].calls;
	for (size_t i = 0; i < r->ntotals; i++) {
		tcalls += r->totals[i].st.calls;
		tunits += r->totals[i].st.units;
	}
	/* A total is the union of its groups' units: never more than
	 * their sum. */
	CHECK(tunits <= units);
	CHECK(calls == r->lines[TT_RLINE_EVENT]);
	CHECK(cell_calls == calls && tcalls == calls);

	CHECK(tt_report_write_json(r, fz_to_buf, &b) == 0);
	check_json(&b);
	b.len = 0;
	CHECK(tt_report_write_csv(r, fz_to_buf, &b) == 0);
	no_controls(&b);
	b.len = 0;
	CHECK(tt_report_write_table(r, fz_to_buf, &b) == 0);
	no_controls(&b);
	b.len = 0;
	for (size_t i = 0; i < r->opts.nkeys; i++)
		focus += r->opts.keys[i] == TT_RKEY_PROVIDER ||
			 r->opts.keys[i] == TT_RKEY_MODEL;
	CHECK(tt_report_write_focus(r, fz_to_buf, &b) == (focus == 2 ? 0 : -EINVAL));
	no_controls(&b);
	free(b.p);
}

static const char event_head[] =
	"{\"event_type\":\"ai_api_cost_allocation\",\"event_version\":1,"
	"\"timestamp_utc\":\"2026-11-23T10:26:06.608489Z\","
	"\"process\":{\"pid\":1,\"comm\":\"c\",\"exe\":null},"
	"\"container\":null,\"pod\":null,\"unit\":null,\"team\":null,"
	"\"cost_center\":null,\"application\":null,\"environment\":null,"
	"\"allocation\":{\"status\":\"allocated\"},"
	"\"environment_check\":{\"mismatch\":true},\"provider\":\"openai\","
	"\"operation\":\"chat\",\"request_model\":null,\"outcome\":\"success\","
	"\"attempt\":1,\"usage\":{\"input_tokens\":1,\"output_tokens\":2,"
	"\"cache_read_input_tokens\":null,\"cache_creation_input_tokens\":null,"
	"\"reasoning_tokens\":null},\"api_key\":null,"
	"\"cost\":{\"amount\":0.5,\"currency\":\"USD\",\"reason\":null,"
	"\"pricing_version\":\"v1\"}";

/* One event whose owner, model, unit and fallback link are the input's
 * bytes. */
static void hostile_values(struct tt_report *r, const uint8_t *data,
			   size_t size)
{
	size_t cap = sizeof(event_head) + 32 * size + 128; /* 5 copies, escaped */
	char *v = malloc(size + 1), *line = malloc(cap);
	struct tt_jsonw w;
	enum tt_report_line cls;
	long n;

	CHECK(v && line);
	memcpy(v, data, size);
	v[size] = '\0'; /* a NUL in the input ends the value */
	memcpy(line, event_head, sizeof(event_head) - 1);
	tt_jsonw_init(&w, line + sizeof(event_head) - 1,
		      cap - sizeof(event_head) + 1);
	w.first = 0;
	tt_jsonw_str(&w, "owner", v);
	tt_jsonw_str(&w, "response_model", v);
	/* The bytes as a business unit and a fallback link: counted in the
	 * unit sets (or past their caps), never a bad line. */
	tt_jsonw_str(&w, "fallback_of", v);
	tt_jsonw_open(&w, "declared");
	tt_jsonw_str(&w, "unit_id", v);
	tt_jsonw_str(&w, "unit_outcome", v);
	tt_jsonw_close(&w);
	n = tt_jsonw_finish(&w);
	CHECK(n >= 0);
	memcpy(line + sizeof(event_head) - 1 + n, "}", 2);
	CHECK(tt_report_feed(r, line, strlen(line), &cls) == 0);
	CHECK(cls == TT_RLINE_EVENT || cls == TT_RLINE_DROPPED ||
	      cls == TT_RLINE_TOO_LONG);
	free(line);
	free(v);
}

/* The table a report prices again with, on every other input. */
static const char reprice_json[] =
	"{\"version\":\"r\",\"currency\":\"USD\",\"source\":\"s\","
	"\"snapshot_date\":\"2026-01-01\",\"models\":[{\"provider\":\"openai\","
	"\"model\":\"*\",\"per_million\":{\"input\":1,\"output\":2},"
	"\"tiers\":{\"batch\":{\"input\":0.5}},\"long_context\":{"
	"\"above_input_tokens\":100,\"per_million\":{\"input\":3}}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tt_pricing table;
	static int loaded;
	struct tt_report_opts o = { 0 };
	struct tt_report r;
	unsigned mask;
	const uint8_t *p, *end = data + size;
	uint64_t lines = 0;

	if (size < 3)
		return 0;
	mask = data[0] | (unsigned)data[1] << 8;
	for (int k = 0; k < TT_RKEY__COUNT; k++)
		if (mask & (1u << k))
			o.keys[o.nkeys++] = (enum tt_report_key)k;
	if (!o.nkeys)
		o.keys[o.nkeys++] = TT_RKEY_OWNER;
	o.max_groups = 1 + data[2] % 4;
	o.max_cells = 1 + data[2] / 4 % 8;
	if (!loaded) {
		char err[256];

		CHECK(tt_pricing_parse(reprice_json, strlen(reprice_json),
				       &table, err, sizeof(err)) == 0);
		loaded = 1;
	}
	o.reprice = data[2] & 0x80 ? &table : NULL;
	CHECK(tt_report_init(&r, &o) == 0);
	for (p = data + 3; p < end; lines++) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		CHECK(tt_report_feed(&r, (const char *)p, n, NULL) == 0);
		p += n + (nl != NULL);
	}
	CHECK(r.lines_total == lines);
	check_report(&r);
	hostile_values(&r, data + 3, size - 3);
	check_report(&r);
	tt_report_free(&r);
	return 0;
}
