/* SPDX-License-Identifier: MIT */
/*
 * Table-driven exchanges for the provider decoder tests (anthropic_test.c,
 * bedrock_test.c, gemini_test.c, openai_test.c). A row is a request head,
 * a response head and the body documents in wire shape (struct pdec_xch),
 * plus every field of struct tt_call it must produce (struct pdec_want):
 *
 *   static const struct pdec_case cases[] = { { "name", { ... }, { ... } } };
 *   pdec_check_cases(d, cases, sizeof(cases) / sizeof(cases[0]));
 *
 * pdec_run() drives one exchange through tt_pdec_begin, tt_pdec_response,
 * tt_pdec_json and tt_pdec_finish; pdec_check_call() checks the result.
 * Header-only like tt_test.h: each test file is one binary.
 *
 * A test whose documents need rewrapping on the way in (bedrock_test.c
 * base64-encodes "chunk" payloads) defines PDEC_FEED_DOC to its own
 * void f(struct tt_pdec *, const struct pdec_doc *) before including
 * this header; the default hands event and JSON over as they are.
 */
#ifndef PDEC_HARNESS_H
#define PDEC_HARNESS_H

#include <stdint.h>
#include <string.h>
#include "provider/call.h"
#include "provider/pdec_impl.h"
#include "tt_test.h"

#define PDEC_MAX_DOCS 12

struct pdec_doc {
	const char *event, *json;
};

struct pdec_xch {
	const char *hint, *host, *target, *model;
	int stream;                 /* request body "stream": -1 absent, 0, 1 */
	const char *req_hdrs[14];   /* name, value, ..., NULL */
	int status;
	const char *resp_hdrs[16];
	struct pdec_doc docs[PDEC_MAX_DOCS]; /* up to the first json == NULL */
	int complete;
	/* For the cut tests, -1 none: the first document with usage, and
	 * the one after which a cut already has the final usage (reported,
	 * not partial; only openai_test.c has such streams). */
	int first_usage, final_usage;
};

struct pdec_want {
	int framing;
	const char *provider, *operation, *request_model, *response_model;
	int stream, outcome;
	const char *error_type, *request_id, *response_id, *finish_reason;
	int64_t u[6]; /* input, output, cache read, cache write, reasoning, total */
	int usage_status;
	int attempt;
	const char *raw; /* usage_raw, NULL: not checked */
};

struct pdec_case {
	const char *name;
	struct pdec_xch x;
	struct pdec_want w;
};

/* struct pdec_want.u when no usage count is expected. */
#define NONE { -1, -1, -1, -1, -1, -1 }

/* The default PDEC_FEED_DOC: event and JSON as they are. */
__attribute__((unused))
static void pdec_feed_json(struct tt_pdec *d, const struct pdec_doc *doc)
{
	tt_pdec_json(d, doc->event, doc->event ? strlen(doc->event) : 0,
		     doc->json, strlen(doc->json));
}

#ifndef PDEC_FEED_DOC
#define PDEC_FEED_DOC pdec_feed_json
#endif

/* Headers from a NULL-terminated name, value, ... list. */
static void pdec_hdrs_from(struct tt_hdrs *hs, const char *const *kv)
{
	hs->n = hs->dropped = 0;
	for (; kv[0] && kv[1] && hs->n < TT_HDRS_MAX; kv += 2) {
		hs->h[hs->n].name = kv[0];
		hs->h[hs->n].name_len = strlen(kv[0]);
		hs->h[hs->n].value = kv[1];
		hs->h[hs->n].value_len = strlen(kv[1]);
		hs->n++;
	}
}

static size_t pdec_ndocs(const struct pdec_xch *x)
{
	size_t n = 0;

	while (n < PDEC_MAX_DOCS && x->docs[n].json)
		n++;
	return n;
}

/* Runs the exchange with the first n documents; returns the framing. */
static int pdec_run(struct tt_pdec *d, const struct pdec_xch *x, size_t n,
		    int complete, struct tt_call *out)
{
	struct tt_req_fields body = { .stream = x->stream, .include_usage = -1 };
	struct tt_hdrs rq, rs;
	struct tt_req_info req = { x->hint, x->host, "POST", x->target,
				   strlen(x->target), &rq, &body };
	int framing;

	if (x->model) {
		tt_copy(body.model, sizeof(body.model), x->model,
			strlen(x->model));
		body.has_model = 1;
	}
	pdec_hdrs_from(&rq, x->req_hdrs);
	pdec_hdrs_from(&rs, x->resp_hdrs);
	TT_CHECK_EQ_INT(tt_pdec_begin(d, &req), 0);
	framing = tt_pdec_response(d, x->status, &rs);
	for (size_t i = 0; i < n; i++)
		PDEC_FEED_DOC(d, &x->docs[i]);
	tt_pdec_finish(d, complete, out);
	return framing;
}

__attribute__((unused))
static const char *pdec_or_empty(const char *s)
{
	return s ? s : "";
}

/* Every field of *call against the row; the endpoint is the target
 * without its query. */
static void pdec_check_call(const struct pdec_case *c, int framing,
			    const struct tt_call *call)
{
	const struct pdec_want *w = &c->w;
	const char *q = strchr(c->x.target, '?');
	char endpoint[256];

	tt_copy(endpoint, sizeof(endpoint), c->x.target,
		q ? (size_t)(q - c->x.target) : strlen(c->x.target));
	TT_CHECK_EQ_INT(framing, w->framing);
	TT_CHECK_EQ_STR(call->provider, w->provider);
	TT_CHECK_EQ_STR(call->operation, w->operation);
	TT_CHECK_EQ_STR(call->endpoint, endpoint);
	TT_CHECK_EQ_STR(call->request_model, pdec_or_empty(w->request_model));
	TT_CHECK_EQ_STR(call->response_model, pdec_or_empty(w->response_model));
	TT_CHECK_EQ_INT(call->stream, w->stream);
	TT_CHECK_EQ_INT(call->status, c->x.status);
	TT_CHECK_EQ_STR(tt_outcome_name(call->outcome),
			tt_outcome_name(w->outcome));
	TT_CHECK_EQ_STR(call->error_type, pdec_or_empty(w->error_type));
	TT_CHECK_EQ_STR(call->request_id, pdec_or_empty(w->request_id));
	TT_CHECK_EQ_STR(call->response_id, pdec_or_empty(w->response_id));
	TT_CHECK_EQ_STR(call->finish_reason, pdec_or_empty(w->finish_reason));
	TT_CHECK_EQ_INT(call->usage.input_tokens, w->u[0]);
	TT_CHECK_EQ_INT(call->usage.output_tokens, w->u[1]);
	TT_CHECK_EQ_INT(call->usage.cache_read_input_tokens, w->u[2]);
	TT_CHECK_EQ_INT(call->usage.cache_creation_input_tokens, w->u[3]);
	TT_CHECK_EQ_INT(call->usage.reasoning_tokens, w->u[4]);
	TT_CHECK_EQ_INT(call->usage.total_tokens, w->u[5]);
	TT_CHECK_EQ_STR(tt_usage_status_name(call->usage_status),
			tt_usage_status_name(w->usage_status));
	TT_CHECK_EQ_INT(call->attempt, w->attempt);
	if (w->raw)
		TT_CHECK_EQ_STR(call->usage_raw, w->raw);
}

/* Every row, whole and complete as written, through one decoder: begin
 * must reset everything a previous exchange left. */
static void pdec_check_cases(struct tt_pdec *d, const struct pdec_case *cases,
			     size_t ncases)
{
	for (size_t i = 0; i < ncases; i++) {
		const struct pdec_case *c = &cases[i];
		struct tt_call call;
		int framing;

		tt_case("%s", c->name);
		framing = pdec_run(d, &c->x, pdec_ndocs(&c->x), c->x.complete,
				   &call);
		pdec_check_call(c, framing, &call);
	}
}

/* A stream that ends in success, cut after each of its first 0, 1, ...
 * all documents (complete = 0): incomplete; usage partial once the
 * first_usage document is in, missing before (input_tokens then -1);
 * output_tokens never going down from one cut to the next. */
__attribute__((unused))
static void pdec_check_cuts(struct tt_pdec *d, const struct pdec_case *c)
{
	int64_t last_out = -1;

	for (size_t n = 0; n <= pdec_ndocs(&c->x); n++) {
		struct tt_call call;
		int seen = c->x.first_usage >= 0 && n > (size_t)c->x.first_usage;

		tt_case("%s cut after %zu", c->name, n);
		pdec_run(d, &c->x, n, 0, &call);
		TT_CHECK_EQ_INT(call.outcome, TT_OUT_INCOMPLETE);
		TT_CHECK_EQ_INT(call.usage_status,
				seen ? TT_USAGE_PARTIAL : TT_USAGE_MISSING);
		TT_CHECK(call.usage.output_tokens >= last_out);
		last_out = call.usage.output_tokens;
		if (!seen)
			TT_CHECK_EQ_INT(call.usage.input_tokens, -1);
	}
}

static const struct tt_req_fields pdec_no_body = { .stream = -1,
						   .include_usage = -1 };

/* ops->match for a POST with no body fields. */
__attribute__((unused))
static int pdec_matches(const struct tt_provider_ops *ops, const char *hint,
			const char *host, const char *path)
{
	struct tt_req_info req = { hint, host, "POST", path, strlen(path), NULL,
				   &pdec_no_body };

	return ops->match(&req, path);
}

#endif
