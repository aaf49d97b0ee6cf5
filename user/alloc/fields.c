// SPDX-License-Identifier: MIT
/*
 * The table of the allocation event's fields. Its order is the ledger's
 * (docs/events.md), which is a stable format: tests/golden compares the
 * lines byte for byte. rank orders the OTLP attributes (docs/otlp.md's
 * table), the OpenTelemetry semantic-convention ones first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "alloc/fields.h"

#define EV(m) offsetof(struct tt_event, m)
#define OBJ(key, has) { key, TT_FK_OBJ, 0, has, 0, NULL }
#define END { NULL, TT_FK_END, 0, 0, 0, NULL }
/* A field exported as "tokentap." + its path (rank 0: not exported). */
#define F(key, kind, member, rank) \
	{ key, TT_FK_##kind, 0, EV(member), rank, NULL }
/* A field exported under a semantic-convention name. */
#define A(key, kind, member, rank, attr) \
	{ key, TT_FK_##kind, 0, EV(member), rank, attr }

const struct tt_field tt_event_fields[] = {
	F("event_type", STR, event_type, 0),   /* the log record's body */
	F("event_version", INT, event_version, 26),
	F("event_id", STR, event_id, 25),
	F("timestamp_utc", TIME, start_ns, 0), /* the record's timeUnixNano */
	F("duration_ms", MS, duration_ns, 27),
	F("ttfb_ms", MS_OPT, ttfb_ns, 28),
	F("host", STR, host, 0),               /* the resource's host.name */
	OBJ("process", TT_FIELD_ALWAYS),
	A("pid", INT, pid, 18, "process.pid"),
	F("comm", STR, comm, 29),
	A("exe", STR, exe, 19, "process.executable.path"),
	END,
	OBJ("cgroup", TT_FIELD_ALWAYS),
	F("id", INT, cgroup_id, 30),
	F("path", STR, cgroup_path, 31),
	END,
	OBJ("container", EV(has_container)),
	F("runtime", STR, container_runtime, 32),
	A("id", STR, container_id, 20, "container.id"),
	A("name", STR, container_name, 21, "container.name"),
	F("labels", KVS, container_labels, 0),
	END,
	OBJ("pod", EV(has_pod)),
	A("uid", STR, pod_uid, 22, "k8s.pod.uid"),
	A("namespace", STR, pod_namespace, 24, "k8s.namespace.name"),
	A("name", STR, pod_name, 23, "k8s.pod.name"),
	F("qos", STR, pod_qos, 33),
	END,
	F("unit", STR, unit, 34),
	F("slice", STR, slice, 35),
	F("owner", STR, owner, 36),
	F("team", STR, team, 37),
	F("cost_center", STR, cost_center, 38),
	F("application", STR, application, 39),
	F("environment", STR, environment, 40),
	F("tags", KVS, tags, 41),
	OBJ("allocation", TT_FIELD_ALWAYS),
	F("status", STR, alloc_status, 42),
	F("rule", STR, alloc_rule, 43),
	F("sources", STRS, alloc_sources, 44),
	F("environment_source", STR, environment_source, 45),
	END,
	OBJ("environment_check", TT_FIELD_ALWAYS),
	F("mismatch", BOOL, env_mismatch, 46),
	F("workload", STR, env_workload, 47),
	F("workload_source", STR, env_workload_source, 48),
	F("declared", STR, env_declared, 49),
	F("declared_source", STR, env_declared_source, 50),
	END,
	A("provider", STR, provider, 1, "gen_ai.provider.name"),
	A("operation", STR, operation, 2, "gen_ai.operation.name"),
	A("server_address", STR, server_address, 13, "server.address"),
	A("endpoint", STR, endpoint, 14, "url.path"),
	A("request_model", STR, request_model, 3, "gen_ai.request.model"),
	A("response_model", STR, response_model, 4, "gen_ai.response.model"),
	A("stream", BOOL, stream, 5, "gen_ai.request.stream"),
	A("status_code", COUNT, status_code, 15, "http.response.status_code"),
	F("outcome", STR, outcome, 51),
	F("error_type", STR, error_type, 0), /* in error.type, next row */
	{ NULL, TT_FK_OTLP_ERROR_TYPE, 0, 0, 16, "error.type" },
	F("provider_request_id", STR, provider_request_id, 52),
	A("response_id", STR, response_id, 6, "gen_ai.response.id"),
	{ "finish_reason", TT_FK_STR, TT_FF_OTLP_LIST, EV(finish_reason), 7,
	  "gen_ai.response.finish_reasons" },
	F("service_tier", STR, service_tier, 53),
	F("attempt", COUNT, attempt, 54),
	F("attempt_source", STR, attempt_source, 109),
	F("retry_of", STR, retry_of, 110),
	F("fallback_of", STR, fallback_of, 111),
	OBJ("client", TT_FIELD_ALWAYS),
	A("user_agent", STR, user_agent, 17, "user_agent.original"),
	F("sdk_lang", STR, sdk_lang, 55),
	F("sdk_version", STR, sdk_version, 56),
	F("runtime", STR, runtime, 57),
	F("runtime_version", STR, runtime_version, 58),
	END,
	OBJ("usage", TT_FIELD_ALWAYS),
	A("input_tokens", COUNT, usage.input_tokens, 8,
	  "gen_ai.usage.input_tokens"),
	A("output_tokens", COUNT, usage.output_tokens, 9,
	  "gen_ai.usage.output_tokens"),
	A("cache_read_input_tokens", COUNT, usage.cache_read_input_tokens, 10,
	  "gen_ai.usage.cache_read.input_tokens"),
	A("cache_creation_input_tokens", COUNT,
	  usage.cache_creation_input_tokens, 11,
	  "gen_ai.usage.cache_creation.input_tokens"),
	F("cache_creation_1h_input_tokens", COUNT,
	  usage.cache_creation_1h_input_tokens, 86),
	A("reasoning_tokens", COUNT, usage.reasoning_tokens, 12,
	  "gen_ai.usage.reasoning.output_tokens"),
	F("audio_input_tokens", COUNT, usage.audio_input_tokens, 87),
	F("audio_output_tokens", COUNT, usage.audio_output_tokens, 88),
	F("image_input_tokens", COUNT, usage.image_input_tokens, 89),
	F("image_output_tokens", COUNT, usage.image_output_tokens, 90),
	F("total_tokens", COUNT, usage.total_tokens, 59),
	END,
	F("usage_raw", RAW, usage_raw, 0),   /* free-form: not exported */
	F("usage_status", STR, usage_status, 60),
	F("usage_problem", STR, usage_problem, 91),
	OBJ("api_key", EV(has_api_key)),
	F("fingerprint", STR, key_fingerprint, 61),
	F("hint", STR, key_hint, 0),
	F("source", STR, key_source, 92),
	END,
	OBJ("declared", TT_FIELD_ALWAYS),
	F(TT_DECL_NAME_COST_CENTER, STR, declared[TT_DECL_COST_CENTER], 62),
	F(TT_DECL_NAME_ENVIRONMENT, STR, declared[TT_DECL_ENVIRONMENT], 63),
	F(TT_DECL_NAME_PROJECT, STR, declared[TT_DECL_PROJECT], 64),
	F(TT_DECL_NAME_TEAM, STR, declared[TT_DECL_TEAM], 65),
	F("provider_organization", STR, provider_organization, 66),
	F("provider_project", STR, provider_project, 67),
	F("unit_type", STR, declared[TT_DECL_UNIT_TYPE], 112),
	F("unit_id", STR, declared[TT_DECL_UNIT_ID], 113),
	F("unit_outcome", STR, declared[TT_DECL_UNIT_OUTCOME], 114),
	F("workflow", STR, declared[TT_DECL_WORKFLOW], 115),
	F("tenant", STR, declared[TT_DECL_TENANT], 116),
	F("user", STR, declared[TT_DECL_USER], 117),
	F("trace_id", STR, trace_id, 118),
	F("span_id", STR, span_id, 119),
	F("baggage", KVS, baggage, 0), /* free-form keys: not exported */
	END,
	OBJ("cost", TT_FIELD_ALWAYS),
	F("amount", AMOUNT, cost_amount, 68),
	F("currency", STR, currency, 69),
	F("pricing_source", STR, pricing_source, 71),
	F("pricing_table", STR, pricing_table, 0), /* a local path */
	F("pricing_version", STR, pricing_version, 72),
	F("pricing_snapshot_date", STR, pricing_snapshot_date, 73),
	F("pricing_sha256", STR, pricing_sha256, 93),
	OBJ("priced_as", EV(has_priced_as)),
	F("provider", STR, priced_as_provider, 0),
	F("model", STR, priced_as_model, 74),
	F("match", STR, priced_as_match, 0),
	F("effective_from", STR, priced_as_effective_from, 94),
	END,
	F("service_tier", STR, priced_tier, 95),
	F("long_context", BOOL, long_context, 96),
	OBJ("components", EV(has_components)),
	F("input", AMOUNT, cost_part[TT_PRICE_INPUT], 97),
	F("cached_input", AMOUNT, cost_part[TT_PRICE_CACHED_INPUT], 98),
	F("cache_write", AMOUNT, cost_part[TT_PRICE_CACHE_WRITE], 99),
	F("cache_write_1h", AMOUNT, cost_part[TT_PRICE_CACHE_WRITE_1H], 100),
	F("output", AMOUNT, cost_part[TT_PRICE_OUTPUT], 101),
	F("reasoning", AMOUNT, cost_part[TT_PRICE_REASONING], 102),
	F("audio_input", AMOUNT, cost_part[TT_PRICE_AUDIO_INPUT], 103),
	F("audio_output", AMOUNT, cost_part[TT_PRICE_AUDIO_OUTPUT], 104),
	F("image_input", AMOUNT, cost_part[TT_PRICE_IMAGE_INPUT], 105),
	F("image_output", AMOUNT, cost_part[TT_PRICE_IMAGE_OUTPUT], 106),
	F("per_request", AMOUNT, cost_part[TT_PRICE_NCLASS], 107),
	END,
	F("lacked", STRS, cost_lacked, 108),
	F("reason", STR, cost_reason, 70),
	F("is_final_invoice_amount", BOOL, is_final_invoice_amount, 75),
	END,
	F("request_bytes", INT, request_bytes, 76),
	F("response_bytes", INT, response_bytes, 77),
	F("response_encoding", STR, response_encoding, 78),
	F("problem", STR, problem, 79),
	/* A dark connection: seen at the socket layer, nothing decrypted. */
	OBJ("connection", EV(has_connection)),
	F("server_name", STR, conn_server_name, 80),
	F("name_source", STR, conn_name_source, 81),
	A("peer_address", STR, conn_peer_address, 82, "network.peer.address"),
	A("peer_port", COUNT, conn_peer_port, 83, "network.peer.port"),
	F("bytes_sent", INT, conn_bytes_sent, 84),
	F("bytes_received", INT, conn_bytes_received, 85),
	END,
};

const size_t tt_event_nfields = sizeof(tt_event_fields) /
				sizeof(tt_event_fields[0]);

_Static_assert(sizeof(tt_event_fields) / sizeof(tt_event_fields[0]) <=
		       8 * sizeof(((struct tt_event *)0)->absent),
	       "every row needs a bit in tt_event.absent");
_Static_assert(sizeof(struct tt_event) < UINT16_MAX,
	       "field offsets are 16 bits");

#define DEPTH_MAX 4

long tt_event_row(size_t off)
{
	for (size_t i = 0; i < tt_event_nfields; i++) {
		const struct tt_field *f = &tt_event_fields[i];

		if (f->off == off && f->key && f->kind != TT_FK_OBJ &&
		    f->kind != TT_FK_END)
			return (long)i;
	}
	return -1;
}

long tt_event_leaves(struct tt_field_leaf *leaves, size_t cap)
{
	size_t plen[DEPTH_MAX + 1] = { 0 }; /* path length at each depth */
	uint16_t group[DEPTH_MAX + 1] = { TT_FIELD_ALWAYS };
	char path[TT_FIELD_PATH_MAX] = "";
	unsigned depth = 0;
	size_t n = 0;

	for (unsigned i = 0; i < tt_event_nfields; i++) {
		const struct tt_field *f = &tt_event_fields[i];
		struct tt_field_leaf *l;
		int len;

		if (f->kind == TT_FK_END) {
			if (!depth)
				return -E2BIG;
			path[plen[--depth]] = '\0';
			continue;
		}
		/* "process" then "process.pid": the path at this depth. */
		len = snprintf(path + plen[depth], sizeof(path) - plen[depth],
			       "%s%s", depth ? "." : "", f->key ? f->key : "");
		if (len < 0 || (size_t)len >= sizeof(path) - plen[depth])
			return -E2BIG;
		if (f->kind == TT_FK_OBJ) {
			if (depth == DEPTH_MAX)
				return -E2BIG;
			group[depth + 1] = f->off != TT_FIELD_ALWAYS ? f->off
								     : group[depth];
			plen[depth + 1] = plen[depth] + (size_t)len;
			depth++;
			continue;
		}
		if (n == cap)
			return -E2BIG;
		l = &leaves[n++];
		l->f = f;
		l->row = i;
		l->group_off = group[depth];
		memcpy(l->path, path, sizeof(path));
		if (f->attr)
			len = snprintf(l->attr, sizeof(l->attr), "%s", f->attr);
		else
			len = snprintf(l->attr, sizeof(l->attr), "tokentap.%s", path);
		if (len < 0 || (size_t)len >= sizeof(l->attr))
			return -E2BIG;
		path[plen[depth]] = '\0';
	}
	return depth ? -E2BIG : (long)n;
}
