// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the OpenAI-format decoders (user/provider/openai.c:
 * OpenAI, Azure OpenAI, compatible hosts, Cohere, Ollama) through the
 * public tt_pdec API.
 *
 * Input layout:
 *   byte 0      bits 0-3 status, bit 4 complete, bits 5-6 request
 *               "stream" (absent, false, true, absent), bit 7 GET
 *   byte 1      response content-type (index, modulo the table)
 *   line 1      request target (path and query)
 *   rest        documents separated by 0x1e; "event" 0x1f "json" gives
 *               an event name
 * Every input runs once per route (hint and host) on one reused decoder.
 * Invariants: strings NUL-terminated, usage numbers >= -1, total = in +
 * out, enums in range, usage_raw empty or a JSON object, no query in the
 * endpoint.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "provider/call.h"

static const struct { const char *hint, *host; } routes[] = {
	{ "openai", "api.openai.com" },
	{ "azure.ai.openai", "res.openai.azure.com" },
	{ "azure.ai.inference", "proj.services.ai.azure.com" },
	{ NULL, "res.cognitiveservices.azure.com:443" },
	{ "cohere", "api.cohere.com" },
	{ "ollama", "localhost:11434" },
	{ NULL, "127.0.0.1:11434" },
	{ "groq", "api.groq.com" },
	{ "deepseek", "api.deepseek.com" },
	{ NULL, "gw.internal:8000" },
	{ NULL, NULL },
};

static const int statuses[16] = {
	200, 200, 200, 200, 201, 400, 401, 403, 404, 422, 429, 500, 503, 529,
	204, 0,
};

static const char *const content_types[8] = {
	NULL, "text/event-stream; charset=utf-8", "application/json",
	"application/x-ndjson", "application/stream+json", "text/plain",
	"audio/mpeg", "application/json; charset=utf-8",
};

#define CHECK_STR(field)                                                     \
	do {                                                                 \
		if (!memchr((field), '\0', sizeof(field)))                   \
			abort();                                             \
	} while (0)

static void check(const struct tt_call *c)
{
	const struct tt_usage *u = &c->usage;

	CHECK_STR(c->provider);
	CHECK_STR(c->operation);
	CHECK_STR(c->endpoint);
	CHECK_STR(c->request_model);
	CHECK_STR(c->response_model);
	CHECK_STR(c->error_type);
	CHECK_STR(c->request_id);
	CHECK_STR(c->response_id);
	CHECK_STR(c->finish_reason);
	CHECK_STR(c->service_tier);
	CHECK_STR(c->usage_raw);
	if (u->input_tokens < -1 || u->output_tokens < -1 ||
	    u->cache_read_input_tokens < -1 ||
	    u->cache_creation_input_tokens < -1 || u->reasoning_tokens < -1 ||
	    u->total_tokens < -1)
		abort();
	if (u->input_tokens >= 0 && u->output_tokens >= 0 &&
	    u->total_tokens != u->input_tokens + u->output_tokens)
		abort();
	if (c->outcome < TT_OUT_SUCCESS || c->outcome > TT_OUT_INCOMPLETE ||
	    c->usage_status < TT_USAGE_NONE ||
	    c->usage_status > TT_USAGE_PARTIAL)
		abort();
	if (strchr(c->endpoint, '?'))
		abort();
	if (c->usage_raw[0]) {
		cJSON *raw = cJSON_Parse(c->usage_raw);
		int ok = cJSON_IsObject(raw);

		cJSON_Delete(raw);
		if (!ok)
			abort();
	}
}

static void run(struct tt_pdec *d, size_t route, uint8_t flags, uint8_t ct_ix,
		const char *target, size_t target_len, const char *docs,
		size_t docs_len)
{
	static const int streams[4] = { -1, 0, 1, -1 };
	struct tt_req_fields body = { .stream = streams[(flags >> 5) & 3],
				      .include_usage = -1,
				      .model = "fuzz-model",
				      .has_model = (int)(route & 1) };
	struct tt_hdrs req_hdrs = { .n = 0 }, resp_hdrs = { .n = 0 };
	struct tt_req_info req = { routes[route].hint, routes[route].host,
				   flags & 0x80 ? "GET" : "POST", target,
				   target_len, &req_hdrs, &body };
	const char *ct = content_types[ct_ix & 7];
	const char *p = docs, *end = docs + docs_len;
	struct tt_call call;

	if (ct) {
		resp_hdrs.h[0] = (struct tt_hdr){ "content-type", 12, ct,
						  strlen(ct) };
		resp_hdrs.h[1] = (struct tt_hdr){ "apim-request-id", 15,
						  "apim-1", 6 };
		resp_hdrs.n = 2;
	}
	if (tt_pdec_begin(d, &req) == 0) {
		tt_pdec_response(d, statuses[flags & 15], &resp_hdrs);
		while (p < end) {
			const char *rs = memchr(p, 0x1e, (size_t)(end - p));
			const char *stop = rs ? rs : end;
			const char *us = memchr(p, 0x1f, (size_t)(stop - p));

			if (us)
				tt_pdec_json(d, p, (size_t)(us - p), us + 1,
					     (size_t)(stop - us - 1));
			else
				tt_pdec_json(d, NULL, 0, p, (size_t)(stop - p));
			p = stop + 1;
		}
	}
	tt_pdec_finish(d, !!(flags & 0x10), &call);
	check(&call);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text, *end, *nl;
	struct tt_pdec *d;

	if (size < 3)
		return 0;
	text = (const char *)data + 2;
	end = (const char *)data + size;
	nl = memchr(text, '\n', (size_t)(end - text));
	if (!nl)
		nl = end;
	d = tt_pdec_new();
	if (!d)
		return 0;
	for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++)
		run(d, r, data[0], data[1], text, (size_t)(nl - text),
		    nl < end ? nl + 1 : end,
		    nl < end ? (size_t)(end - nl - 1) : 0);
	tt_pdec_free(d);
	return 0;
}
