// SPDX-License-Identifier: MIT
/*
 * The response body of an exchange: the provider decoder started on the
 * final response head, content decoding (body/), the framing the decoder
 * asked for (framing/), each document to the decoder, gaps (text framings
 * resynchronize, a whole JSON body keeps its tail for salvage), and the
 * settling at the end. Shared by the HTTP/1 path (exchange.c) and the
 * HTTP/2 path (exchange_h2.c) through exchange_impl.h.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exchange/exchange_impl.h"

static const struct tt_req_fields *request_fields(struct exchange *e,
						  struct tt_req_fields *tmp)
{
	*tmp = *tt_reqscan_fields(&e->scan);
	if (e->multipart && !e->mp_model[0] && e->mp &&
	    tt_multipart_field(e->mp, e->mp_len, e->boundary, "model",
			       e->mp_model, sizeof(e->mp_model)) <= 0)
		e->mp_model[0] = '\0';
	if (e->mp_model[0]) {
		snprintf(tmp->model, sizeof(tmp->model), "%s", e->mp_model);
		tmp->has_model = 1;
	}
	return tmp;
}

void x_begin_decoder(struct tt_xconn *x, struct exchange *e)
{
	struct tt_req_fields fields;
	struct tt_req_info req = {
		.provider_hint = x->info.provider_hint,
		.method = e->method,
		.target = e->target,
		.target_len = e->target_len,
		.hdrs = &e->hdrs,
		.body = request_fields(e, &fields),
	};
	req.host = e->host[0] ? e->host : x->server_name;
	if (!e->pdec) {
		/* A new one per response, not one kept per connection: 3 KiB
		 * that 10,000 idle keep-alive connections would hold for
		 * nothing, against a calloc per exchange. */
		e->pdec = tt_pdec_new();
	}
	if (e->pdec && tt_pdec_begin(e->pdec, &req) == -ENOENT)
		x->st.unknown_api++;
}

static void on_document(struct exchange *e, const char *event, size_t elen,
			const char *doc, size_t len)
{
	if (e->pdec)
		tt_pdec_json(e->pdec, event, elen, doc, len);
}

static void sse_cb(void *ctx, const struct tt_sse_event *ev)
{
	on_document(ctx, ev->event, ev->event_len, ev->data, ev->data_len);
}

static void line_cb(void *ctx, const char *line, size_t len)
{
	on_document(ctx, NULL, 0, line, len);
}

static void es_cb(void *ctx, const struct tt_eventstream_msg *m)
{
	if (m->exception_type_len)
		on_document(ctx, m->exception_type, m->exception_type_len,
			    m->payload, m->payload_len);
	else
		on_document(ctx, m->event_type, m->event_type_len, m->payload,
			    m->payload_len);
}

void x_set_problem(struct exchange *e, const char *problem)
{
	if (!e->problem)
		e->problem = problem;
	e->broken = 1;
}

/* Decoded body bytes, into the framing the decoder asked for. */
static void body_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct exchange *e = ctx;
	int err = 0;

	if (e->broken)
		return;
	switch (e->framing) {
	case TT_FRAME_WHOLE:
		if (e->whole_len + n > TT_X_WHOLE_BODY_MAX) {
			x_set_problem(e, "body_too_large");
			return;
		}
		if (e->whole_len + n > e->whole_cap) {
			size_t cap = e->whole_cap ? e->whole_cap : 4096;
			char *nb;

			while (cap < e->whole_len + n)
				cap *= 2;
			nb = realloc(e->whole, cap);
			if (!nb) {
				x_set_problem(e, "body_too_large");
				return;
			}
			e->whole = nb;
			e->whole_cap = cap;
		}
		memcpy(e->whole + e->whole_len, p, n);
		e->whole_len += n;
		break;
	case TT_FRAME_SSE:
		err = tt_sse_feed(e->sse, p, n, sse_cb, e);
		break;
	case TT_FRAME_NDJSON:
		err = tt_ndjson_feed(e->nd, p, n, line_cb, e);
		break;
	case TT_FRAME_JSON_ARRAY:
		err = tt_jsonarray_feed(e->ja, p, n, line_cb, e);
		break;
	case TT_FRAME_EVENTSTREAM:
		err = tt_eventstream_feed(e->es, p, n, es_cb, e);
		break;
	default:
		break;
	}
	/* -ENOMEM drops one item and stays in sync: not a framing error. */
	if (err && err != -ENOMEM)
		x_set_problem(e, "framing_error");
}

static int setup_framing(struct exchange *e)
{
	switch (e->framing) {
	case TT_FRAME_SSE:
		e->sse = tt_sse_new(TT_X_EVENT_MAX, NULL);
		return e->sse ? 0 : -ENOMEM;
	case TT_FRAME_NDJSON:
		e->nd = tt_ndjson_new(TT_X_EVENT_MAX, NULL);
		return e->nd ? 0 : -ENOMEM;
	case TT_FRAME_JSON_ARRAY:
		e->ja = tt_jsonarray_new(TT_X_EVENT_MAX, NULL);
		return e->ja ? 0 : -ENOMEM;
	case TT_FRAME_EVENTSTREAM:
		e->es = tt_eventstream_new(TT_X_EVENT_MAX, NULL);
		return e->es ? 0 : -ENOMEM;
	default:
		return 0;
	}
}

void x_resp_begin(struct tt_xconn *x, struct exchange *e, int status,
		  const struct tt_hdrs *hdrs)
{
	const char *ce;
	size_t len;

	e->has_response = 1;
	x->cur_resp = e;
	x_begin_decoder(x, e);
	e->framing = e->pdec ? tt_pdec_response(e->pdec, status, hdrs)
			     : TT_FRAME_IGNORE;
	ce = tt_hdrs_get(hdrs, "content-encoding", &len);
	e->enc = ce ? tt_enc_parse(ce, len) : TT_ENC_IDENTITY;
	if (e->framing != TT_FRAME_IGNORE) {
		if (e->enc == TT_ENC_UNSUPPORTED)
			x_set_problem(e, "unsupported_encoding");
		else if ((e->enc != TT_ENC_IDENTITY &&
			  !(e->dec = tt_body_dec_new(e->enc, TT_X_DECODED_MAX))) ||
			 setup_framing(e))
			x_set_problem(e, "decode_error");
	}
}

void x_resp_body(struct tt_xconn *x, const uint8_t *p, size_t n)
{
	struct exchange *e = x->cur_resp;
	int err;

	if (!e)
		return;
	if (!e->resp_bytes)
		e->first_body_ns = x->now_ns;
	e->resp_bytes += n;
	if (e->broken || e->framing == TT_FRAME_IGNORE)
		return;
	if (!e->dec) { /* identity: no decoder, no copy */
		body_sink(e, p, n);
		return;
	}
	err = tt_body_dec_feed(e->dec, p, n, body_sink, e);
	if (err == -E2BIG) {
		x->st.decompression_bombs++;
		x_set_problem(e, "bomb");
	} else if (err) {
		x->st.decode_errors++;
		x_set_problem(e, "decode_error");
	}
}

/*
 * Bytes of the response body were lost. Compressed bodies and binary
 * framings cannot continue. Text framings resynchronize: the event cut by
 * the gap is dropped and the parser restarts at a line start (the
 * tail of the cut event reads as an unknown field and is ignored), so a later cumulative usage event still counts. A
 * whole JSON body keeps its tail for salvage_usage().
 */
void x_resp_gap(struct tt_xconn *x, uint64_t n)
{
	struct exchange *e = x->cur_resp;

	if (!e)
		return;
	e->resp_bytes += n;
	if (e->broken)
		return;
	if (!e->problem)
		e->problem = "gap";
	e->gapped = 1;
	if (e->enc != TT_ENC_IDENTITY) {
		e->broken = 1;
		return;
	}
	switch (e->framing) {
	case TT_FRAME_SSE:
		tt_sse_finish(e->sse); /* drop the cut event, restart clean */
		break;
	case TT_FRAME_NDJSON:
		tt_ndjson_finish(e->nd);
		break;
	case TT_FRAME_WHOLE:
		e->whole_gap_at = e->whole_len;
		break;
	case TT_FRAME_IGNORE:
		break;
	default:
		e->broken = 1;
	}
}

/*
 * A whole JSON body with a hole cannot be parsed, but the usage object
 * usually sits after the content that was lost. A raw `"usage":` after
 * the gap is a key (inside a JSON string the quote would be escaped), so
 * the object that follows is parsed on its own and handed to the decoder
 * as {"usage": ..., "model": ...}.
 */
/* The last raw `"key":` in [p, p + len) whose value parses inside it. */
static cJSON *salvage_key(const char *p, size_t len, const char *key)
{
	char pat[32];
	const char *hit, *end, *q = p;
	size_t plen = (size_t)snprintf(pat, sizeof(pat), "\"%s\":", key);
	cJSON *best = NULL;

	while ((hit = memmem(q, len - (size_t)(q - p), pat, plen))) {
		q = hit + plen;
		if (hit > p && hit[-1] == '\\')
			continue;
		cJSON *v = cJSON_ParseWithLengthOpts(q, len - (size_t)(q - p),
						     &end, 0);
		if (v) {
			cJSON_Delete(best);
			best = v;
		}
	}
	return best;
}

static void salvage_usage(struct exchange *e)
{
	static const char *const keys[] = { "usage", "usageMetadata", "model",
					    "modelVersion" };
	size_t gap = e->whole_gap_at;
	cJSON *doc = cJSON_CreateObject();
	char *text;

	for (size_t k = 0; doc && k < sizeof(keys) / sizeof(keys[0]); k++) {
		/* After the gap first; else what came before it, parsed
		 * only up to the gap so that no value spans the hole. */
		cJSON *v = salvage_key(e->whole + gap, e->whole_len - gap, keys[k]);

		if (!v)
			v = salvage_key(e->whole, gap, keys[k]);
		if (v)
			cJSON_AddItemToObject(doc, keys[k], v);
	}
	text = doc && doc->child ? cJSON_PrintUnformatted(doc) : NULL;
	if (text)
		on_document(e, NULL, 0, text, strlen(text));
	free(text);
	cJSON_Delete(doc);
}

int x_settle_body(struct tt_xconn *x, struct exchange *e, int complete)
{
	int partial = 0;

	if (e->dec && !e->broken) {
		int err = tt_body_dec_finish(e->dec);

		if (err == -EPIPE)
			x_set_problem(e, "truncated");
		else if (err)
			x_set_problem(e, "decode_error");
	}
	if (e->sse)
		partial = tt_sse_finish(e->sse);
	else if (e->nd)
		partial = tt_ndjson_finish(e->nd);
	else if (e->ja)
		partial = tt_jsonarray_finish(e->ja);
	else if (e->es)
		partial = tt_eventstream_finish(e->es);
	if (partial > 0 && complete)
		x_set_problem(e, "truncated");
	if (e->framing == TT_FRAME_WHOLE && !e->broken && complete &&
	    e->whole_len) {
		if (e->gapped)
			salvage_usage(e);
		else
			on_document(e, NULL, 0, e->whole, e->whole_len);
	}
	if (e->problem && !strcmp(e->problem, "framing_error"))
		x->st.framing_errors++;
	if (e->problem && !strcmp(e->problem, "body_too_large"))
		x->st.body_too_large++;
	/* A gap the framing recovered from leaves the exchange whole:
	 * the record still says "gap". */
	return complete && !e->broken &&
	       (!e->problem || !strcmp(e->problem, "gap"));
}
