// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the Anthropic, Gemini/Vertex and Bedrock decoders
 * (user/provider/anthropic.c, gemini.c, bedrock.c) through the public
 * tt_pdec API.
 *
 * Input layout:
 *   byte 0      flags: bits 0-3 status, bit 4 complete, bit 5 request
 *               "stream": true, bits 6-7 response content-type
 *   line 1      request target (path and query)
 *   line 2      response headers, "name=value" separated by 0x1f
 *   rest        documents separated by 0x1e; "event" 0x1f "json" gives
 *               an event name
 * Every input runs once per provider hint. Invariants: strings stay
 * NUL-terminated, usage numbers >= -1, enums in range, total = in + out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "provider/call.h"

static const struct { const char *hint, *host; } routes[] = {
	{ "anthropic", "api.anthropic.com" },
	{ "gcp.gemini", "generativelanguage.googleapis.com" },
	{ "gcp.vertex_ai", "us-east5-aiplatform.googleapis.com" },
	{ "aws.bedrock", "bedrock-runtime.us-east-1.amazonaws.com" },
	{ NULL, "bedrock-runtime.eu-west-1.amazonaws.com" },
	{ NULL, NULL },
};

static const int statuses[16] = {
	200, 200, 200, 200, 201, 400, 401, 403, 404, 413, 429, 500, 503, 504,
	529, 0,
};

static const char *const content_types[4] = {
	NULL, "text/event-stream", "application/json",
	"application/vnd.amazon.eventstream",
};

#define MAX_HDRS 12

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
	/* A request path never leaks its query (API keys live there). */
	if (strchr(c->endpoint, '?'))
		abort();
}

/* Splits "a=b\x1fc=d" into headers pointing into line. */
static void parse_hdrs(const char *line, size_t len, struct tt_hdrs *hs)
{
	const char *p = line, *end = line + len;

	while (p < end && hs->n < MAX_HDRS) {
		const char *sep = memchr(p, 0x1f, (size_t)(end - p));
		const char *stop = sep ? sep : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (eq) {
			hs->h[hs->n].name = p;
			hs->h[hs->n].name_len = (size_t)(eq - p);
			hs->h[hs->n].value = eq + 1;
			hs->h[hs->n].value_len = (size_t)(stop - eq - 1);
			hs->n++;
		}
		p = stop + 1;
	}
}

static void run(struct tt_pdec *d, size_t route, uint8_t flags,
		const char *target, size_t target_len, const char *hdr_line,
		size_t hdr_len, const char *docs, size_t docs_len)
{
	struct tt_req_fields body = { .stream = flags & 0x20 ? 1 : -1,
				      .include_usage = -1,
				      .model = "fuzz-model", .has_model = 1 };
	struct tt_hdrs req_hdrs = { .n = 0 }, resp_hdrs = { .n = 0 };
	struct tt_req_info req = { routes[route].hint, routes[route].host,
				   "POST", target, target_len, &req_hdrs,
				   &body };
	const char *ct = content_types[flags >> 6];
	const char *p = docs, *end = docs + docs_len;
	struct tt_call call;

	if (ct) {
		resp_hdrs.h[0].name = "content-type";
		resp_hdrs.h[0].name_len = 12;
		resp_hdrs.h[0].value = ct;
		resp_hdrs.h[0].value_len = strlen(ct);
		resp_hdrs.n = 1;
	}
	parse_hdrs(hdr_line, hdr_len, &resp_hdrs);
	if (tt_pdec_begin(d, &req) == 0 || route == 5) {
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
	const char *text = (const char *)data + 1, *end, *nl1, *nl2;
	struct tt_pdec *d;
	uint8_t flags;

	if (size < 2)
		return 0;
	flags = data[0];
	end = (const char *)data + size;
	nl1 = memchr(text, '\n', (size_t)(end - text));
	if (!nl1)
		nl1 = end;
	nl2 = nl1 < end ? memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1)) : NULL;
	if (!nl2)
		nl2 = end;
	d = tt_pdec_new();
	if (!d)
		return 0;
	/* One decoder for every route: reuse must start clean each time. */
	for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++)
		run(d, r, flags, text, (size_t)(nl1 - text),
		    nl1 < end ? nl1 + 1 : end,
		    nl1 < end ? (size_t)(nl2 - nl1 - 1) : 0,
		    nl2 < end ? nl2 + 1 : end,
		    nl2 < end ? (size_t)(end - nl2 - 1) : 0);
	tt_pdec_free(d);
	return 0;
}
