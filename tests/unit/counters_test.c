// SPDX-License-Identifier: MIT
/* Tests for the agent's counter table (user/agent/counters.c): every
 * counter of every module's list reaches agent_stats or /metrics, names
 * are unique and do not drift, and the agent_stats record carries what
 * the table says. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "agent/counters.h"
#include "tt_test.h"

static const struct tt_counter_row *row_at(size_t off)
{
	for (size_t i = 0; i < tt_counter_nrows; i++)
		if (tt_counter_rows[i].off == off)
			return &tt_counter_rows[i];
	return NULL;
}

/* Every uint64_t of the snapshot is a listed counter: a field added to a
 * stats struct outside its list fails here. */
TT_TEST(every_slot_of_the_snapshot_is_listed)
{
	const size_t first = offsetof(struct tt_agent_counters, bpf);
	const size_t unused = offsetof(struct tt_agent_counters,
				       otlp.rejected[TT_OTLP_OK]);

	TT_CHECK_EQ_U64((sizeof(struct tt_agent_counters) - first) % 8, 0);
	for (size_t off = first; off < sizeof(struct tt_agent_counters); off += 8) {
		tt_case("offset %zu", off);
		TT_CHECK(off == unused || tt_counters_field(off) != NULL);
	}
	TT_CHECK(tt_counters_field(unused) == NULL);
}

TT_TEST(every_listed_counter_has_a_row)
{
	for (size_t i = 0; i < tt_counter_nfields; i++) {
		const struct tt_counter_field *f = &tt_counter_fields[i];

		tt_case("%s", f->name);
		TT_CHECK(row_at(f->off) != NULL);
		TT_CHECK(f->doc && f->doc[0] && !strchr(f->doc, '|'));
		for (size_t j = 0; j < i; j++)
			TT_CHECK(tt_counter_fields[j].off != f->off);
	}
}

TT_TEST(every_row_is_a_listed_counter_in_one_place)
{
	for (size_t i = 0; i < tt_counter_nrows; i++) {
		const struct tt_counter_row *r = &tt_counter_rows[i];

		tt_case("row %zu: %s.%s", i, r->section ? r->section : "-",
			r->key ? r->key : "-");
		TT_CHECK(tt_counters_field(r->off) != NULL);
		TT_CHECK(r->section || r->family >= 0);
		TT_CHECK(!r->section == !r->key);
		TT_CHECK(r->family < (int)tt_nfamilies);
		/* A label exactly where the family has one. */
		if (r->family >= 0)
			TT_CHECK(!r->label == !tt_families[r->family].label[0]);
		else
			TT_CHECK(r->label == NULL);
		for (size_t j = 0; j < i; j++) {
			const struct tt_counter_row *o = &tt_counter_rows[j];

			TT_CHECK(o->off != r->off);
			if (r->section && o->section)
				TT_CHECK(strcmp(o->section, r->section) ||
					 strcmp(o->key, r->key));
			if (r->family >= 0 && o->family == r->family)
				TT_CHECK(r->label && o->label &&
					 strcmp(o->label, r->label));
		}
	}
}

/* Where a key and a label name the same thing they are spelled the same:
 * never "decompression_bombs" in agent_stats for the label
 * "decompression_bomb". */
TT_TEST(keys_and_labels_do_not_drift)
{
	for (size_t i = 0; i < tt_counter_nrows; i++) {
		const struct tt_counter_row *r = &tt_counter_rows[i];
		size_t kl, ll;

		if (!r->key || !r->label)
			continue;
		tt_case("%s.%s / %s", r->section, r->key, r->label);
		kl = strlen(r->key);
		ll = strlen(r->label);
		TT_CHECK(!(kl == ll + 1 && r->key[ll] == 's' &&
			   !strncmp(r->key, r->label, ll)));
		TT_CHECK(!(ll == kl + 1 && r->label[kl] == 's' &&
			   !strncmp(r->key, r->label, kl)));
	}
}

TT_TEST(families_are_named_once)
{
	for (size_t i = 0; i < tt_nfamilies; i++) {
		const struct tt_family *f = &tt_families[i];
		int series = 0;

		tt_case("%s", f->name);
		TT_CHECK(!strncmp(f->name, "tokentap_", 9));
		TT_CHECK(f->help[0] && !strchr(f->help, '|') && !strchr(f->help, '\n'));
		TT_CHECK(f->type == TT_METRIC_COUNTER || f->type == TT_METRIC_GAUGE);
		for (size_t j = 0; j < i; j++)
			TT_CHECK(strcmp(tt_families[j].name, f->name));
		for (size_t j = 0; j < tt_counter_nrows; j++)
			series += tt_counter_rows[j].family == (int)i;
		TT_CHECK(series > 0);
	}
}

/* The sum is made from the list: every counter is added. */
TT_TEST(xconn_sum_adds_every_counter)
{
	struct tt_xconn_stats a = { 0 }, b = { 0 };
	uint64_t v = 1;

#define SET(name, doc) b.name = v++;
	TT_XCONN_COUNTERS(SET)
#undef SET
	tt_xconn_stats_add(&a, &b);
	tt_xconn_stats_add(&a, &b);
	v = 1;
#define CHECK(name, doc) TT_CHECK_EQ_U64(a.name, 2 * v++);
	TT_XCONN_COUNTERS(CHECK)
#undef CHECK
}

static double num_at(const cJSON *o, const char *a, const char *b,
		     const char *c)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		n = cJSON_GetObjectItemCaseSensitive(n, b);
	if (c)
		n = cJSON_GetObjectItemCaseSensitive(n, c);
	return cJSON_IsNumber(n) ? n->valuedouble : -1;
}

TT_TEST(agent_stats_carries_the_table)
{
	struct tt_agent_counters c = { 0 };
	cJSON *o;

	c.have = TT_HAVE_BPF | TT_HAVE_ATTACH | TT_HAVE_FACTS | TT_HAVE_OTLP;
	c.bpf[TT_C_RB_LOST_EVENTS] = 3;
	c.bpf[TT_C_SNI_FILTERED] = 4;
	c.pipe.h2_midway = 5;
	c.pipe.x.decompression_bombs = 6;
	c.pipe.calls = 7;
	c.alloc.no_price_table = 8;
	c.facts.table_full = 9;
	c.loop.proc_events = 10;
	c.otlp.dropped[TT_OTLP_DROP_QUEUE_FULL] = 11;
	c.otlp.rejected[TT_OTLP_REJ_BAD_TIME] = 12;
	c.targets = 13;
	c.ledger.write_errors = 14;
	o = tt_counters_json(&c);
	TT_CHECK(o != NULL);
	if (!o)
		return;
	TT_CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "type")),
			"agent_stats");
	TT_CHECK(num_at(o, "version", NULL, NULL) == TT_AGENT_STATS_VERSION);
	TT_CHECK(num_at(o, "capture", "ringbuf_lost_events", NULL) == 3);
	TT_CHECK(num_at(o, "capture", "sni_filtered_connections", NULL) == 4);
	TT_CHECK(num_at(o, "capture", "h2_connections_joined_midway", NULL) == 5);
	TT_CHECK(num_at(o, "decode", "decompression_bomb", NULL) == 6);
	TT_CHECK(num_at(o, "decode", "decompression_bombs", NULL) == -1);
	TT_CHECK(num_at(o, "decode", "events", NULL) == 7);
	TT_CHECK(num_at(o, "allocation", "pricing", "no_price_table") == 8);
	TT_CHECK(num_at(o, "allocation", "process_facts", "table_full") == 9);
	TT_CHECK(num_at(o, "attach", "process_events", NULL) == 10);
	TT_CHECK(num_at(o, "attach", "targets", NULL) == 13);
	TT_CHECK(num_at(o, "otlp", "dropped", "queue_full") == 11);
	TT_CHECK(num_at(o, "otlp", "rejected", "bad_timestamp") == 12);
	TT_CHECK(num_at(o, "otlp", "rejected", "too_long_for_queue") == 0);
	TT_CHECK(num_at(o, "ledger", "write_errors", NULL) == 14);
	/* Parts not read are left out, not written as 0. */
	TT_CHECK(num_at(o, "allocation", "cgroups", "hits") == -1);
	TT_CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "allocation"),
				     "cgroups") == NULL);
	cJSON_Delete(o);

	c.have = 0;
	o = tt_counters_json(&c);
	TT_CHECK(o != NULL);
	TT_CHECK(num_at(o, "capture", "ringbuf_lost_events", NULL) == -1);
	TT_CHECK(num_at(o, "capture", "connections_captured", NULL) == 0);
	TT_CHECK(num_at(o, "attach", "targets", NULL) == -1);
	TT_CHECK(num_at(o, "attach", "process_events", NULL) == 10);
	TT_CHECK(cJSON_GetObjectItem(o, "otlp") == NULL);
	cJSON_Delete(o);
}

/* Every key of the record is one row: the doc's list has each once. */
TT_TEST(agent_stats_doc_lists_every_key)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int keys = 0;

	TT_CHECK(f != NULL);
	if (!f)
		return;
	TT_CHECK_EQ_INT(tt_counters_doc("agent_stats", f), 0);
	TT_CHECK_EQ_INT(tt_counters_doc("nothing", f), -EINVAL);
	fclose(f);
	for (const char *p = strstr(text, "\n| `"); p; p = strstr(p + 1, "\n| `"))
		keys++;
	for (size_t i = 0; i < tt_counter_nrows; i++)
		keys -= tt_counter_rows[i].section != NULL;
	TT_CHECK_EQ_INT(keys, 0);
	TT_CHECK(strstr(text, "| `decode.decompression_bomb` | bodies or messages over the "
			"decoded-size cap | `tokentap_decode_problems_total"
			"{reason=\"decompression_bomb\"}` |\n") != NULL);
	free(text);
}
