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
 * Every input runs once per provider hint on one reused decoder.
 * Invariants: fz_check_call in pdec_fuzz.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pdec_fuzz.h"

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
		fz_pdec_docs(d, docs, docs_len);
	}
	tt_pdec_finish(d, !!(flags & 0x10), &call);
	fz_check_call(&call);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;
	const char *end = (const char *)data + size;
	const char *target, *hdr_line;
	size_t target_len, hdr_len;
	struct tt_pdec *d;

	if (size < 2)
		return 0;
	target_len = fz_line(&p, end, &target);
	hdr_len = fz_line(&p, end, &hdr_line);
	d = tt_pdec_new();
	if (!d)
		return 0;
	/* One decoder for every route: reuse must start clean each time. */
	for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++)
		run(d, r, data[0], target, target_len, hdr_line, hdr_len, p,
		    (size_t)(end - p));
	tt_pdec_free(d);
	return 0;
}
