// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <time.h>
#include "decode/jsonw.h"
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

long tt_record_write(const struct tt_xrec *rec,
		     const struct tt_rec_origin *origin, char *buf, size_t cap)
{
	const struct tt_call *c = rec->call;
	struct tt_jsonw w;
	char ts[32];

	tt_jsonw_init(&w, buf, cap);
	tt_jsonw_open(&w, NULL);
	tt_jsonw_str(&w, "type", "ai_call");
	tt_jsonw_int(&w, "version", TT_RECORD_VERSION);
	tt_record_time(rec->start_ns, ts);
	tt_jsonw_str(&w, "timestamp_utc", ts);
	tt_jsonw_ms(&w, "duration_ms", rec->end_ns > rec->start_ns
					       ? rec->end_ns - rec->start_ns : 0);
	if (rec->ttfb_ns >= 0)
		tt_jsonw_ms(&w, "ttfb_ms", (uint64_t)rec->ttfb_ns);
	else
		tt_jsonw_null(&w, "ttfb_ms");
	tt_jsonw_int(&w, "pid", origin->pid);
	tt_jsonw_str(&w, "comm", origin->comm);
	tt_jsonw_int(&w, "cgroup_id", (int64_t)origin->cgroup_id);
	tt_jsonw_str(&w, "server_name", origin->server_name);
	tt_jsonw_str(&w, "server_address", rec->host);
	tt_jsonw_str(&w, "provider", c->provider);
	tt_jsonw_str(&w, "operation", c->operation);
	tt_jsonw_str(&w, "endpoint", c->endpoint);
	tt_jsonw_str(&w, "request_model", c->request_model);
	tt_jsonw_str(&w, "response_model", c->response_model);
	tt_jsonw_bool(&w, "stream", c->stream);
	tt_jsonw_count(&w, "status", c->status ? c->status : -1);
	tt_jsonw_str(&w, "outcome", tt_outcome_name(c->outcome));
	tt_jsonw_str(&w, "error_type", c->error_type);
	tt_jsonw_str(&w, "request_id", c->request_id);
	tt_jsonw_str(&w, "response_id", c->response_id);
	tt_jsonw_str(&w, "finish_reason", c->finish_reason);
	tt_jsonw_str(&w, "service_tier", c->service_tier);
	tt_jsonw_count(&w, "attempt", c->attempt);
	tt_jsonw_open(&w, "sdk");
	tt_jsonw_str(&w, "user_agent", c->user_agent);
	tt_jsonw_str(&w, "lang", c->sdk_lang);
	tt_jsonw_str(&w, "version", c->sdk_version);
	tt_jsonw_str(&w, "runtime", c->runtime);
	tt_jsonw_str(&w, "runtime_version", c->runtime_version);
	tt_jsonw_close(&w);
	tt_jsonw_open(&w, "usage");
	tt_jsonw_count(&w, "input_tokens", c->usage.input_tokens);
	tt_jsonw_count(&w, "output_tokens", c->usage.output_tokens);
	tt_jsonw_count(&w, "cache_read_input_tokens",
		       c->usage.cache_read_input_tokens);
	tt_jsonw_count(&w, "cache_creation_input_tokens",
		       c->usage.cache_creation_input_tokens);
	tt_jsonw_count(&w, "reasoning_tokens", c->usage.reasoning_tokens);
	tt_jsonw_count(&w, "total_tokens", c->usage.total_tokens);
	tt_jsonw_close(&w);
	tt_jsonw_str(&w, "usage_status", tt_usage_status_name(c->usage_status));
	/* usage_raw was printed by cJSON from the provider's numbers. */
	if (c->usage_raw[0])
		tt_jsonw_raw(&w, "usage_raw", c->usage_raw);
	else
		tt_jsonw_null(&w, "usage_raw");
	if (rec->key.id[0]) {
		tt_jsonw_open(&w, "api_key");
		tt_jsonw_str(&w, "id", rec->key.id);
		tt_jsonw_str(&w, "hint", rec->key.hint);
		tt_jsonw_close(&w);
	} else {
		tt_jsonw_null(&w, "api_key");
	}
	tt_jsonw_int(&w, "request_bytes", (int64_t)rec->request_bytes);
	tt_jsonw_int(&w, "response_bytes", (int64_t)rec->response_bytes);
	tt_jsonw_str(&w, "response_encoding", rec->response_encoding);
	tt_jsonw_str(&w, "problem", rec->problem);
	tt_jsonw_close(&w);
	return tt_jsonw_finish(&w);
}
