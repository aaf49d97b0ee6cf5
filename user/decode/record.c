// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <time.h>
#include "decode/record.h"

void tt_record_time(uint64_t ns, char out[32])
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&s, &tm) ||
	    !(n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(out, 32, "1970-01-01T00:00:00.000000Z");
		return;
	}
	snprintf(out + n, 32 - n, ".%06uZ",
		 (unsigned)(ns % 1000000000u / 1000u));
}

static void add_str(cJSON *o, const char *name, const char *v)
{
	if (v && v[0])
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

/* -1 means "not reported": null, never 0. */
static void add_count(cJSON *o, const char *name, int64_t v)
{
	if (v >= 0)
		cJSON_AddNumberToObject(o, name, (double)v);
	else
		cJSON_AddNullToObject(o, name);
}

static double ms(uint64_t ns)
{
	return (double)(ns / 1000u) / 1000.0; /* microsecond precision */
}

cJSON *tt_record_build(const struct tt_xrec *rec,
		       const struct tt_rec_origin *origin)
{
	const struct tt_call *c = rec->call;
	cJSON *o = cJSON_CreateObject(), *u, *sdk, *raw;
	char ts[32];

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "type", "ai_call");
	cJSON_AddNumberToObject(o, "version", TT_RECORD_VERSION);
	tt_record_time(rec->start_ns, ts);
	cJSON_AddStringToObject(o, "timestamp_utc", ts);
	cJSON_AddNumberToObject(o, "duration_ms",
				rec->end_ns > rec->start_ns
					? ms(rec->end_ns - rec->start_ns) : 0);
	if (rec->ttfb_ns >= 0)
		cJSON_AddNumberToObject(o, "ttfb_ms", ms((uint64_t)rec->ttfb_ns));
	else
		cJSON_AddNullToObject(o, "ttfb_ms");
	cJSON_AddNumberToObject(o, "pid", origin->pid);
	add_str(o, "comm", origin->comm);
	cJSON_AddNumberToObject(o, "cgroup_id", (double)origin->cgroup_id);
	add_str(o, "server_name", origin->server_name);
	add_str(o, "server_address", rec->host);
	add_str(o, "provider", c->provider);
	add_str(o, "operation", c->operation);
	add_str(o, "endpoint", c->endpoint);
	add_str(o, "request_model", c->request_model);
	add_str(o, "response_model", c->response_model);
	cJSON_AddBoolToObject(o, "stream", c->stream);
	if (c->status)
		cJSON_AddNumberToObject(o, "status", c->status);
	else
		cJSON_AddNullToObject(o, "status");
	cJSON_AddStringToObject(o, "outcome", tt_outcome_name(c->outcome));
	add_str(o, "error_type", c->error_type);
	add_str(o, "request_id", c->request_id);
	add_str(o, "response_id", c->response_id);
	add_str(o, "finish_reason", c->finish_reason);
	add_str(o, "service_tier", c->service_tier);
	if (c->attempt >= 0)
		cJSON_AddNumberToObject(o, "attempt", c->attempt);
	else
		cJSON_AddNullToObject(o, "attempt");
	sdk = cJSON_AddObjectToObject(o, "sdk");
	if (sdk) {
		add_str(sdk, "user_agent", c->user_agent);
		add_str(sdk, "lang", c->sdk_lang);
		add_str(sdk, "version", c->sdk_version);
		add_str(sdk, "runtime", c->runtime);
		add_str(sdk, "runtime_version", c->runtime_version);
	}
	u = cJSON_AddObjectToObject(o, "usage");
	if (u) {
		add_count(u, "input_tokens", c->usage.input_tokens);
		add_count(u, "output_tokens", c->usage.output_tokens);
		add_count(u, "cache_read_input_tokens",
			  c->usage.cache_read_input_tokens);
		add_count(u, "cache_creation_input_tokens",
			  c->usage.cache_creation_input_tokens);
		add_count(u, "reasoning_tokens", c->usage.reasoning_tokens);
		add_count(u, "total_tokens", c->usage.total_tokens);
	}
	cJSON_AddStringToObject(o, "usage_status",
				tt_usage_status_name(c->usage_status));
	raw = c->usage_raw[0] ? cJSON_Parse(c->usage_raw) : NULL;
	if (raw)
		cJSON_AddItemToObject(o, "usage_raw", raw);
	else
		cJSON_AddNullToObject(o, "usage_raw");
	if (rec->key.id[0]) {
		cJSON *k = cJSON_AddObjectToObject(o, "api_key");

		if (k) {
			cJSON_AddStringToObject(k, "id", rec->key.id);
			add_str(k, "hint", rec->key.hint);
		}
	} else {
		cJSON_AddNullToObject(o, "api_key");
	}
	cJSON_AddNumberToObject(o, "request_bytes", (double)rec->request_bytes);
	cJSON_AddNumberToObject(o, "response_bytes", (double)rec->response_bytes);
	add_str(o, "response_encoding", rec->response_encoding);
	add_str(o, "problem", rec->problem);
	return o;
}
