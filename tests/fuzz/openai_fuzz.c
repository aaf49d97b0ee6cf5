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
 * Invariants: fz_check_call in pdec_fuzz.h (strings NUL-terminated, usage
 * numbers >= -1, total = in + out, enums in range, usage_raw empty or a
 * JSON object, no query in the endpoint).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pdec_fuzz.h"

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
		fz_pdec_docs(d, docs, docs_len);
	}
	tt_pdec_finish(d, !!(flags & 0x10), &call);
	fz_check_call(&call);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 2;
	const char *end = (const char *)data + size;
	const char *target;
	size_t target_len;
	struct tt_pdec *d;

	if (size < 3)
		return 0;
	target_len = fz_line(&p, end, &target);
	d = tt_pdec_new();
	if (!d)
		return 0;
	for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++)
		run(d, r, data[0], data[1], target, target_len, p,
		    (size_t)(end - p));
	tt_pdec_free(d);
	return 0;
}
