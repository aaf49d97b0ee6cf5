// SPDX-License-Identifier: MIT
/* One allocation event as an OTLP log record, and the batch around it
 * (OTLP/HTTP JSON: int64 as strings, enums as numbers, lowerCamelCase). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/jsonw.h"
#include "otlp/otlp.h"
#include "otlp/otlp_impl.h"

enum kind {
	K_STR,    /* string -> stringValue */
	K_INT,    /* integral number -> intValue */
	K_DOUBLE, /* number -> doubleValue */
	K_BOOL,   /* true/false -> boolValue */
	K_LIST,   /* one string -> arrayValue of it */
	K_ARRAY,  /* array of strings -> arrayValue */
	K_KVLIST, /* object of strings -> kvlistValue */
};

/* The mapping (docs/otlp.md has it as a table). A field that is null,
 * absent or of another type gives no attribute. */
static const struct {
	const char *attr, *path;
	enum kind kind;
} attrs[] = {
	{ "gen_ai.provider.name", "provider", K_STR },
	{ "gen_ai.operation.name", "operation", K_STR },
	{ "gen_ai.request.model", "request_model", K_STR },
	{ "gen_ai.response.model", "response_model", K_STR },
	{ "gen_ai.request.stream", "stream", K_BOOL },
	{ "gen_ai.response.id", "response_id", K_STR },
	{ "gen_ai.response.finish_reasons", "finish_reason", K_LIST },
	{ "gen_ai.usage.input_tokens", "usage.input_tokens", K_INT },
	{ "gen_ai.usage.output_tokens", "usage.output_tokens", K_INT },
	{ "gen_ai.usage.cache_read.input_tokens",
	  "usage.cache_read_input_tokens", K_INT },
	{ "gen_ai.usage.cache_creation.input_tokens",
	  "usage.cache_creation_input_tokens", K_INT },
	{ "gen_ai.usage.reasoning.output_tokens", "usage.reasoning_tokens",
	  K_INT },
	{ "server.address", "server_address", K_STR },
	{ "url.path", "endpoint", K_STR },
	{ "http.response.status_code", "status_code", K_INT },
	/* error.type: derived, written after this table */
	{ "user_agent.original", "client.user_agent", K_STR },
	{ "process.pid", "process.pid", K_INT },
	{ "process.executable.path", "process.exe", K_STR },
	{ "container.id", "container.id", K_STR },
	{ "container.name", "container.name", K_STR },
	{ "k8s.pod.uid", "pod.uid", K_STR },
	{ "k8s.pod.name", "pod.name", K_STR },
	{ "k8s.namespace.name", "pod.namespace", K_STR },
	{ "tokentap.event_id", "event_id", K_STR },
	{ "tokentap.event_version", "event_version", K_INT },
	{ "tokentap.duration_ms", "duration_ms", K_DOUBLE },
	{ "tokentap.ttfb_ms", "ttfb_ms", K_DOUBLE },
	{ "tokentap.process.comm", "process.comm", K_STR },
	{ "tokentap.cgroup.id", "cgroup.id", K_INT },
	{ "tokentap.cgroup.path", "cgroup.path", K_STR },
	{ "tokentap.container.runtime", "container.runtime", K_STR },
	{ "tokentap.pod.qos", "pod.qos", K_STR },
	{ "tokentap.unit", "unit", K_STR },
	{ "tokentap.slice", "slice", K_STR },
	{ "tokentap.owner", "owner", K_STR },
	{ "tokentap.team", "team", K_STR },
	{ "tokentap.cost_center", "cost_center", K_STR },
	{ "tokentap.application", "application", K_STR },
	{ "tokentap.environment", "environment", K_STR },
	{ "tokentap.tags", "tags", K_KVLIST },
	{ "tokentap.allocation.status", "allocation.status", K_STR },
	{ "tokentap.allocation.rule", "allocation.rule", K_STR },
	{ "tokentap.allocation.sources", "allocation.sources", K_ARRAY },
	{ "tokentap.allocation.environment_source",
	  "allocation.environment_source", K_STR },
	{ "tokentap.environment_check.mismatch", "environment_check.mismatch",
	  K_BOOL },
	{ "tokentap.environment_check.workload", "environment_check.workload",
	  K_STR },
	{ "tokentap.environment_check.workload_source",
	  "environment_check.workload_source", K_STR },
	{ "tokentap.environment_check.declared", "environment_check.declared",
	  K_STR },
	{ "tokentap.environment_check.declared_source",
	  "environment_check.declared_source", K_STR },
	{ "tokentap.outcome", "outcome", K_STR },
	{ "tokentap.provider_request_id", "provider_request_id", K_STR },
	{ "tokentap.service_tier", "service_tier", K_STR },
	{ "tokentap.attempt", "attempt", K_INT },
	{ "tokentap.client.sdk_lang", "client.sdk_lang", K_STR },
	{ "tokentap.client.sdk_version", "client.sdk_version", K_STR },
	{ "tokentap.client.runtime", "client.runtime", K_STR },
	{ "tokentap.client.runtime_version", "client.runtime_version", K_STR },
	{ "tokentap.usage.total_tokens", "usage.total_tokens", K_INT },
	{ "tokentap.usage_status", "usage_status", K_STR },
	{ "tokentap.api_key.fingerprint", "api_key.fingerprint", K_STR },
	{ "tokentap.declared.cost_center", "declared.cost_center", K_STR },
	{ "tokentap.declared.environment", "declared.environment", K_STR },
	{ "tokentap.declared.project_id", "declared.project_id", K_STR },
	{ "tokentap.declared.team", "declared.team", K_STR },
	{ "tokentap.declared.provider_organization",
	  "declared.provider_organization", K_STR },
	{ "tokentap.declared.provider_project", "declared.provider_project",
	  K_STR },
	{ "tokentap.cost.amount", "cost.amount", K_DOUBLE },
	{ "tokentap.cost.currency", "cost.currency", K_STR },
	{ "tokentap.cost.reason", "cost.reason", K_STR },
	{ "tokentap.cost.pricing_source", "cost.pricing_source", K_STR },
	{ "tokentap.cost.pricing_version", "cost.pricing_version", K_STR },
	{ "tokentap.cost.pricing_snapshot_date", "cost.pricing_snapshot_date",
	  K_STR },
	{ "tokentap.cost.priced_as.model", "cost.priced_as.model", K_STR },
	{ "tokentap.cost.is_final_invoice_amount",
	  "cost.is_final_invoice_amount", K_BOOL },
	{ "tokentap.request_bytes", "request_bytes", K_INT },
	{ "tokentap.response_bytes", "response_bytes", K_INT },
	{ "tokentap.response_encoding", "response_encoding", K_STR },
	{ "tokentap.problem", "problem", K_STR },
};

/* A dotted path through nested objects ("usage.input_tokens"). */
static const cJSON *at(const cJSON *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (!cJSON_IsObject(o) || n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = cJSON_GetObjectItemCaseSensitive(o, key);
		path += n + (dot ? 1 : 0);
	}
	return o;
}

static void attr_open(struct tt_jsonw *w, const char *key)
{
	tt_jsonw_open(w, NULL);
	tt_jsonw_str(w, "key", key);
	tt_jsonw_open(w, "value");
}

static void attr_close(struct tt_jsonw *w)
{
	tt_jsonw_close(w);
	tt_jsonw_close(w);
}

void tt_otlp_attr_str(struct tt_jsonw *w, const char *key, const char *v)
{
	attr_open(w, key);
	tt_jsonw_str(w, "stringValue", v);
	attr_close(w);
}

/* OTLP JSON writes 64-bit integers as strings. */
void tt_otlp_u64(struct tt_jsonw *w, const char *key, uint64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	tt_jsonw_str(w, key, tmp);
}

static void attr_int(struct tt_jsonw *w, const char *key, int64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	attr_open(w, key);
	tt_jsonw_str(w, "intValue", tmp);
	attr_close(w);
}

/* Strings of an array or object: others are left out. */
static void string_values(struct tt_jsonw *w, const cJSON *v, int kv)
{
	const cJSON *it;

	tt_jsonw_open_array(w, "values");
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it) || !it->valuestring[0])
			continue;
		if (kv) {
			tt_otlp_attr_str(w, it->string ? it->string : "",
					 it->valuestring);
			continue;
		}
		tt_jsonw_open(w, NULL);
		tt_jsonw_str(w, "stringValue", it->valuestring);
		tt_jsonw_close(w);
	}
	tt_jsonw_close_array(w);
}

static void attr_mapped(struct tt_jsonw *w, const char *key, const cJSON *v,
			enum kind kind)
{
	double d = cJSON_IsNumber(v) ? v->valuedouble : 0;

	switch (kind) {
	case K_STR:
		if (cJSON_IsString(v) && v->valuestring[0])
			tt_otlp_attr_str(w, key, v->valuestring);
		break;
	case K_INT:
		/* Range first: converting an out-of-range double is undefined. */
		if (cJSON_IsNumber(v) && d >= -9.2e18 && d <= 9.2e18 &&
		    d == (double)(int64_t)d)
			attr_int(w, key, (int64_t)d);
		break;
	case K_DOUBLE:
		if (cJSON_IsNumber(v)) {
			attr_open(w, key);
			tt_jsonw_double(w, "doubleValue", d);
			attr_close(w);
		}
		break;
	case K_BOOL:
		if (cJSON_IsBool(v)) {
			attr_open(w, key);
			tt_jsonw_bool(w, "boolValue", cJSON_IsTrue(v));
			attr_close(w);
		}
		break;
	case K_LIST:
		if (cJSON_IsString(v) && v->valuestring[0]) {
			attr_open(w, key);
			tt_jsonw_open(w, "arrayValue");
			tt_jsonw_open_array(w, "values");
			tt_jsonw_open(w, NULL);
			tt_jsonw_str(w, "stringValue", v->valuestring);
			tt_jsonw_close(w);
			tt_jsonw_close_array(w);
			tt_jsonw_close(w);
			attr_close(w);
		}
		break;
	case K_ARRAY:
	case K_KVLIST:
		if ((kind == K_ARRAY && cJSON_IsArray(v)) ||
		    (kind == K_KVLIST && cJSON_IsObject(v))) {
			attr_open(w, key);
			tt_jsonw_open(w, kind == K_ARRAY ? "arrayValue"
							 : "kvlistValue");
			string_values(w, v, kind == K_KVLIST);
			tt_jsonw_close(w);
			attr_close(w);
		}
		break;
	}
}

long tt_otlp_log_record(const struct tt_otlp_event *ev, uint64_t observed_ns,
			char *out, size_t cap)
{
	int ok = ev->outcome && !strcmp(ev->outcome, "success");
	struct tt_jsonw w;

	tt_jsonw_init(&w, out, cap);
	tt_jsonw_open(&w, NULL);
	tt_otlp_u64(&w, "timeUnixNano", ev->time_ns);
	tt_otlp_u64(&w, "observedTimeUnixNano", observed_ns);
	/* A failed call is worth a look: WARN; everything else INFO. */
	tt_jsonw_int(&w, "severityNumber", ok ? 9 : 13);
	tt_jsonw_str(&w, "severityText", ok ? "INFO" : "WARN");
	tt_jsonw_open(&w, "body");
	tt_jsonw_str(&w, "stringValue", "ai_api_cost_allocation");
	tt_jsonw_close(&w);
	tt_jsonw_open_array(&w, "attributes");
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		attr_mapped(&w, attrs[i].attr, at(ev->root, attrs[i].path),
			    attrs[i].kind);
		if (!strcmp(attrs[i].attr, "http.response.status_code") &&
		    ev->error_type[0])
			tt_otlp_attr_str(&w, "error.type", ev->error_type);
	}
	tt_jsonw_close_array(&w);
	tt_jsonw_close(&w);
	return tt_jsonw_finish(&w);
}

void tt_otlp_resource(struct tt_jsonw *w, const struct tt_otlp_resource *res)
{
	tt_jsonw_open(w, "resource");
	tt_jsonw_open_array(w, "attributes");
	tt_otlp_attr_str(w, "service.name", "tokentap");
	if (res && res->service_version && res->service_version[0])
		tt_otlp_attr_str(w, "service.version", res->service_version);
	if (res && res->host_name && res->host_name[0])
		tt_otlp_attr_str(w, "host.name", res->host_name);
	tt_jsonw_close_array(w);
	tt_jsonw_close(w);
}

void tt_otlp_scope(struct tt_jsonw *w, const struct tt_otlp_resource *res)
{
	tt_jsonw_open(w, "scope");
	tt_jsonw_str(w, "name", "tokentap");
	if (res && res->service_version && res->service_version[0])
		tt_jsonw_str(w, "version", res->service_version);
	tt_jsonw_close(w);
}

/* What tt_otlp_batch_finish appends: the records' array, the scopeLogs
 * entry and array, the resourceLogs entry and array, the top object. */
static const char batch_tail[] = "]}]}]}";

int tt_otlp_batch_init(struct tt_otlp_batch *b, size_t max_bytes,
		       unsigned max_records)
{
	memset(b, 0, sizeof(*b));
	if (max_bytes < 4096 || !max_records)
		return -EINVAL;
	b->buf = malloc(max_bytes + 1);
	if (!b->buf)
		return -ENOMEM;
	b->max_bytes = max_bytes;
	b->max_records = max_records;
	return 0;
}

void tt_otlp_batch_free(struct tt_otlp_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void tt_otlp_batch_begin(struct tt_otlp_batch *b,
			 const struct tt_otlp_resource *res)
{
	struct tt_jsonw w;

	/* The head is short and bounded (a host name is < 256 bytes); an
	 * overflow leaves head_len 0 and every add fails with -E2BIG. */
	tt_jsonw_init(&w, b->buf, b->max_bytes);
	tt_jsonw_open(&w, NULL);
	tt_jsonw_open_array(&w, "resourceLogs");
	tt_jsonw_open(&w, NULL);
	tt_otlp_resource(&w, res);
	tt_jsonw_open_array(&w, "scopeLogs");
	tt_jsonw_open(&w, NULL);
	tt_otlp_scope(&w, res);
	tt_jsonw_open_array(&w, "logRecords");
	b->len = w.overflow ? 0 : w.len;
	b->head_len = b->len;
	b->records = 0;
}

int tt_otlp_batch_add(struct tt_otlp_batch *b, const char *rec, size_t n)
{
	size_t need = n + (b->records ? 1 : 0) + sizeof(batch_tail) - 1;

	if (!b->head_len ||
	    n + sizeof(batch_tail) - 1 > b->max_bytes - b->head_len)
		return -E2BIG;
	if (b->records >= b->max_records || need > b->max_bytes - b->len)
		return -ENOSPC;
	if (b->records)
		b->buf[b->len++] = ',';
	memcpy(b->buf + b->len, rec, n);
	b->len += n;
	b->records++;
	return 0;
}

size_t tt_otlp_batch_finish(struct tt_otlp_batch *b)
{
	/* add() kept room for the tail. */
	memcpy(b->buf + b->len, batch_tail, sizeof(batch_tail));
	b->len += sizeof(batch_tail) - 1;
	return b->len;
}
