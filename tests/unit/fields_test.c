// SPDX-License-Identifier: MIT
/* Tests for user/alloc/fields.c and event_read.c: the field table is well
 * formed, and it describes the ledger completely: a line read back into
 * struct tt_event by the table and written again is the same bytes, for
 * built events and for a real one. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "alloc/event.h"
#include "alloc/event_read.h"
#include "alloc/fields.h"
#include "event_fixture.h"
#include "sample_event.h"
#include "tt_test.h"

#define LEAVES_MAX 160

static struct tt_field_leaf leaves[LEAVES_MAX];

TT_TEST(table_is_well_formed)
{
	long n = tt_event_leaves(leaves, LEAVES_MAX);
	unsigned ranks[LEAVES_MAX + 1] = { 0 }, max_rank = 0, depth = 0;
	int in_cond = 0, cond_depth = 0;

	TT_CHECK(n > 70);
	TT_CHECK_EQ_INT(tt_event_leaves(leaves, 3), -E2BIG);
	n = tt_event_leaves(leaves, LEAVES_MAX);
	/* Ranks run 1..N, each once: the OTLP attribute order. */
	for (long i = 0; i < n; i++) {
		unsigned r = leaves[i].f->rank;

		tt_case("%s", leaves[i].path);
		TT_CHECK(r <= LEAVES_MAX);
		if (r && r <= LEAVES_MAX) {
			ranks[r]++;
			max_rank = r > max_rank ? r : max_rank;
		}
		/* Values live in the public part, not the storage. */
		TT_CHECK(leaves[i].f->kind == TT_FK_OTLP_ERROR_TYPE ||
			 leaves[i].f->off < offsetof(struct tt_event, absent));
		for (long j = 0; j < i; j++) {
			if (r && leaves[j].f->rank)
				TT_CHECK(strcmp(leaves[i].attr, leaves[j].attr));
			if (leaves[i].f->key && leaves[j].f->key)
				TT_CHECK(strcmp(leaves[i].path, leaves[j].path));
		}
	}
	for (unsigned r = 1; r <= max_rank; r++) {
		tt_case("rank %u", r);
		TT_CHECK_EQ_INT(ranks[r], 1);
	}
	TT_CHECK_EQ_INT(max_rank, 119);
	/* Groups balance; an "object or null" is never inside another (a
	 * leaf records its innermost group only). */
	for (size_t i = 0; i < tt_event_nfields; i++) {
		const struct tt_field *f = &tt_event_fields[i];

		tt_case("row %zu", i);
		if (f->kind == TT_FK_OBJ) {
			depth++;
			if (f->off != TT_FIELD_ALWAYS) {
				TT_CHECK(!in_cond);
				in_cond = 1;
				cond_depth = (int)depth;
			}
		} else if (f->kind == TT_FK_END) {
			TT_CHECK(depth > 0);
			if (in_cond && (int)depth == cond_depth)
				in_cond = 0;
			depth--;
		}
	}
	TT_CHECK_EQ_INT(depth, 0);
	/* A few names, as docs/otlp.md gives them. */
	for (long i = 0; i < n; i++) {
		if (!strcmp(leaves[i].path, "usage.input_tokens"))
			TT_CHECK_EQ_STR(leaves[i].attr, "gen_ai.usage.input_tokens");
		if (!strcmp(leaves[i].path, "cost.priced_as.model"))
			TT_CHECK_EQ_STR(leaves[i].attr,
					"tokentap.cost.priced_as.model");
		if (!strcmp(leaves[i].path, "pod.uid"))
			TT_CHECK_EQ_INT(leaves[i].group_off,
					offsetof(struct tt_event, has_pod));
	}
	TT_CHECK_EQ_INT(tt_event_row(offsetof(struct tt_event, start_ns)), 3);
	TT_CHECK_EQ_INT(tt_event_row(offsetof(struct tt_event, own)), -1);
}

/* line -> struct (by the table) -> line. 0 when the bytes are equal. */
static int round_trip(const char *line, char *again, size_t cap)
{
	cJSON *root = cJSON_Parse(line);
	struct tt_event_read rd;
	long n = -1;

	if (root && !tt_event_from_json(root, &rd)) {
		TT_CHECK_EQ_INT(tt_event_any_absent(&rd.ev), 0);
		n = tt_event_json(&rd.ev, again, cap);
		tt_event_read_free(&rd);
	}
	cJSON_Delete(root);
	return n < 0 ? -1 : strcmp(line, again);
}

TT_TEST(built_events_round_trip)
{
	static char line[TT_EVENT_MAX], again[TT_EVENT_MAX];
	struct tt_event ev;

	for (int rich = 0; rich <= 1; rich++) {
		tt_case("rich %d", rich);
		efx_build(rich, &ev);
		TT_CHECK(tt_event_json(&ev, line, sizeof(line)) > 0);
		TT_CHECK_EQ_INT(round_trip(line, again, sizeof(again)), 0);
		TT_CHECK_EQ_STR(again, line);
		efx_free();
	}
	/* The rich one has every group: spot-check what the builder put. */
	efx_build(1, &ev);
	TT_CHECK(ev.has_container && ev.has_pod && ev.has_api_key &&
		 ev.has_priced_as);
	TT_CHECK_EQ_STR(ev.pod_uid, "12345678-1234-1234-1234-123456789abc");
	TT_CHECK_EQ_STR(ev.alloc_sources.v[0], "cgroup");
	TT_CHECK_EQ_STR(ev.provider_project, "proj_g");
	TT_CHECK(fabs(ev.cost_amount - 0.00024) < 1e-12);
	TT_CHECK(strstr(line, "\"labels\":{\"app\":\"checkout\",\"empty\":null}"));
	TT_CHECK(strstr(line, "\"tags\":{\"tier\":\"gold\",\"q\":\"a\\\"b\"}"));
	TT_CHECK(strstr(line, "\"ttfb_ms\":120.5,"));
	efx_free();
}

/* A dark connection: usage unobserved, the problem is the cost's reason,
 * the connection object says where it went and how much crossed. */
TT_TEST(dark_connection_event)
{
	static char line[TT_EVENT_MAX], again[TT_EVENT_MAX];
	struct tt_event ev;

	efx_build(1, &ev); /* the rich fixture, then made dark */
	efx.call.usage_status = TT_USAGE_UNOBSERVED;
	efx.call.outcome = TT_OUT_UNKNOWN;
	efx.rec.problem = "tls_not_traced";
	efx.rec.dark = 1;
	efx.rec.name_source = "client_hello";
	efx.rec.peer_family = 2;
	memcpy(efx.rec.peer_addr, "\x7f\x00\x00\x01", 4);
	efx.rec.peer_port = 443;
	efx.rec.bytes_sent = 4321;
	efx.rec.bytes_received = 98765;
	tt_alloc_build(&efx.a, &efx.rec, &efx.pf, "00000000-0000-4000-8000-00000000000d", &ev);
	TT_CHECK(tt_event_json(&ev, line, sizeof(line)) > 0);
	TT_CHECK(strstr(line, "\"usage_status\":\"unobserved\"") != NULL);
	TT_CHECK(strstr(line, "\"outcome\":\"unknown\"") != NULL);
	TT_CHECK(strstr(line, "\"amount\":null") != NULL);
	TT_CHECK(strstr(line, "\"reason\":\"tls_not_traced\"") != NULL);
	TT_CHECK(strstr(line, "\"connection\":{\"server_name\":\"api.openai.com\","
			"\"name_source\":\"client_hello\",\"peer_address\":\"127.0.0.1\","
			"\"peer_port\":443,\"bytes_sent\":4321,\"bytes_received\":98765}") != NULL);
	TT_CHECK_EQ_INT(round_trip(line, again, sizeof(again)), 0);
	TT_CHECK_EQ_STR(again, line);
	efx_free();
}

TT_TEST(real_line_round_trips)
{
	static char line[TT_EVENT_MAX], again[TT_EVENT_MAX];

	snprintf(line, sizeof(line), "%s", q(sample_line));
	TT_CHECK_EQ_INT(round_trip(line, again, sizeof(again)), 0);
	TT_CHECK_EQ_STR(again, line);
}

TT_TEST(reader_tolerates_wrong_types)
{
	static const char line[] =
		"{\"event_version\":\"1\",\"stream\":1,\"process\":[],"
		"\"container\":{\"id\":7,\"labels\":[1]},\"pod\":null,"
		"\"tags\":{\"a\":null,\"b\":2,\"c\":\"x\"},"
		"\"usage\":{\"input_tokens\":1.5,\"output_tokens\":-2},"
		"\"cost\":{\"amount\":\"cheap\"},\"usage_raw\":[1]}";
	cJSON *root = cJSON_Parse(line);
	struct tt_event_read rd;
	const struct tt_event *ev = &rd.ev;

	TT_CHECK_EQ_INT(tt_event_from_json(root, &rd), 0);
	TT_CHECK(tt_event_absent(ev, offsetof(struct tt_event, event_version)));
	TT_CHECK(tt_event_absent(ev, offsetof(struct tt_event, stream)));
	TT_CHECK(tt_event_absent(ev, offsetof(struct tt_event, pid)));
	TT_CHECK(tt_event_absent(ev, offsetof(struct tt_event, container_labels)));
	TT_CHECK(!tt_event_absent(ev, offsetof(struct tt_event, tags)));
	TT_CHECK(ev->has_container && !ev->has_pod && !ev->has_api_key);
	TT_CHECK(ev->container_id == NULL);
	/* Strings and nulls are kept (a null value writes back as null). */
	TT_CHECK_EQ_U64(ev->tags.n, 2);
	TT_CHECK(ev->tags.kv[0].value == NULL);
	TT_CHECK_EQ_STR(ev->tags.kv[1].value, "x");
	TT_CHECK_EQ_INT(ev->usage.input_tokens, -1);
	TT_CHECK_EQ_INT(ev->usage.output_tokens, -1);
	TT_CHECK(isnan(ev->cost_amount));
	TT_CHECK_EQ_STR(ev->usage_raw, "[1]");
	tt_event_read_free(&rd);
	cJSON_Delete(root);
}
