// SPDX-License-Identifier: MIT
/*
 * Connection → exchanges. Requests are queued in order (HTTP/1.1 answers
 * in order, pipelined or not); each final response takes the oldest
 * request without one. The response body's way (content decoding, the
 * framing the provider decoder asked for, the decoder) is in
 * exchange_body.c; HTTP/2 in exchange_h2.c, WebSocket in exchange_ws.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "tt_abi.h"
#include "exchange/exchange_impl.h"

/* Multipart bodies are searched for the "model" field through a window:
 * the SDKs may send the file part first, megabytes before the field. */
#define MULTIPART_WINDOW (64u << 10)
#define MULTIPART_KEEP (4u << 10) /* kept when the window slides */

/* Request headers the decoders and the record need, copied out of the
 * parser's buffer (names are kept lower-case). */
static const char *const kept_headers[] = {
	"host", "user-agent", "content-type", "content-encoding",
	"x-stainless-lang", "x-stainless-package-version",
	"x-stainless-runtime", "x-stainless-runtime-version",
	"x-stainless-retry-count",
	/* Who the provider bills: allocation facts, not secrets. */
	"openai-organization", "openai-project", "x-goog-user-project",
};

/* Credential headers: reduced to a fingerprint at once, never stored. */
static const char *const key_headers[] = {
	"authorization", "x-api-key", "api-key", "x-goog-api-key",
};

/* ------------------------------------------------------------ exchanges */

static void xfree(struct exchange *e)
{
	if (!e)
		return;
	tt_body_dec_free(e->req_dec);
	tt_body_dec_free(e->dec);
	tt_sse_free(e->sse);
	tt_ndjson_free(e->nd);
	tt_jsonarray_free(e->ja);
	tt_eventstream_free(e->es);
	tt_pdec_free(e->pdec);
	free(e->whole);
	free(e->mp);
	free(e);
}

static void keep_header(struct exchange *e, const struct tt_hdr *h)
{
	struct tt_hdr *k;

	if (e->hdrs.n >= TT_HDRS_MAX ||
	    e->hbuf_len + h->name_len + h->value_len > sizeof(e->hbuf))
		return;
	k = &e->hdrs.h[e->hdrs.n++];
	k->name = e->hbuf + e->hbuf_len;
	for (size_t i = 0; i < h->name_len; i++) {
		char ch = h->name[i];

		e->hbuf[e->hbuf_len++] = ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch;
	}
	k->name_len = h->name_len;
	k->value = e->hbuf + e->hbuf_len;
	memcpy(e->hbuf + e->hbuf_len, h->value, h->value_len);
	e->hbuf_len += h->value_len;
	k->value_len = h->value_len;
}

static int name_is(const struct tt_hdr *h, const char *name)
{
	return h->name_len == strlen(name) &&
	       !strncasecmp(h->name, name, h->name_len);
}

static void fingerprint(struct tt_xconn *x, struct exchange *e,
			const char *v, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)v[i]) * 0x100000001b3ULL;
	if (x->last_key.id[0] && h == x->last_key_fnv && len == x->last_key_len) {
		e->key = x->last_key;
		return;
	}
	if (tt_keyfp_from_header(v, len, &e->key))
		return;
	x->last_key = e->key;
	x->last_key_fnv = h;
	x->last_key_len = len;
}

/* Credentials in the URL, and the stable fact where the credential is
 * not one: Gemini's ?key= when no header carried a key; for Vertex AI,
 * whose OAuth tokens rotate hourly, the project in the path. */
static void take_url_key(const struct tt_xconn *x, struct exchange *e)
{
	const char *host = e->host[0] ? e->host : x->server_name;
	struct tt_keyfp fp;

	if (!e->key.id[0] && !tt_keyfp_from_query(e->target, e->target_len, &fp))
		e->key = fp;
	if ((!e->key.id[0] || !strcmp(e->key.source, "bearer_token")) &&
	    !tt_keyfp_gcp_project(host, e->target, e->target_len, &fp))
		e->key = fp;
}

static void take_request_head(struct tt_xconn *x, struct exchange *e,
			      const struct tt_h1_head *head)
{
	size_t len;
	const char *ct;

	memcpy(e->method, head->method, sizeof(e->method));
	e->method[sizeof(e->method) - 1] = '\0';
	e->target_len = head->target_len < sizeof(e->target) - 1
				? head->target_len : sizeof(e->target) - 1;
	memcpy(e->target, head->target, e->target_len);
	e->target[e->target_len] = '\0';
	for (size_t i = 0; i < head->hdrs.n; i++) {
		const struct tt_hdr *h = &head->hdrs.h[i];
		size_t k;

		for (k = 0; k < sizeof(key_headers) / sizeof(key_headers[0]); k++)
			if (name_is(h, key_headers[k]))
				break;
		if (k < sizeof(key_headers) / sizeof(key_headers[0])) {
			if (!e->key.id[0])
				fingerprint(x, e, h->value, h->value_len);
			continue;
		}
		for (k = 0; k < sizeof(kept_headers) / sizeof(kept_headers[0]); k++)
			if (name_is(h, kept_headers[k]))
				break;
		if (k < sizeof(kept_headers) / sizeof(kept_headers[0])) {
			keep_header(e, h);
			continue;
		}
		for (const char *const *kh = x->info.keep_headers; kh && *kh; kh++)
			if (name_is(h, *kh)) {
				keep_header(e, h);
				break;
			}
	}
	tt_hdrs_copy(&e->hdrs, "host", e->host, sizeof(e->host));
	take_url_key(x, e);
	ct = tt_hdrs_get(&e->hdrs, "content-type", &len);
	if (ct && len >= 19 && !strncasecmp(ct, "multipart/form-data", 19) &&
	    tt_multipart_boundary(ct, len, e->boundary, sizeof(e->boundary)) > 0)
		e->multipart = 1;
	ct = tt_hdrs_get(&e->hdrs, "content-encoding", &len);
	e->req_enc = ct ? tt_enc_parse(ct, len) : TT_ENC_IDENTITY;
	if (e->req_enc != TT_ENC_IDENTITY && e->req_enc != TT_ENC_UNSUPPORTED)
		e->req_dec = tt_body_dec_new(e->req_enc, TT_X_DECODED_MAX);
}

static void finish_exchange(struct tt_xconn *x, struct exchange *e,
			    int complete);
static void pop(struct tt_xconn *x, struct exchange *e);

/* --------------------------------------------------------- request side */

/* Appends e to the pending ring, growing it (by doubling, re-laid from
 * slot 0) when full. -ENOMEM leaves the ring as it was. */
static int q_push(struct tt_xconn *x, struct exchange *e)
{
	if (x->n == x->qcap) {
		size_t cap = x->qcap ? x->qcap * 2 : 4;
		struct exchange **nq = calloc(cap, sizeof(*nq));

		if (!nq)
			return -ENOMEM;
		for (size_t i = 0; i < x->n; i++)
			nq[i] = x_q_at(x, i);
		free(x->q);
		x->q = nq;
		x->qcap = cap;
		x->head = 0;
	}
	x->q[(x->head + x->n) & (x->qcap - 1)] = e;
	x->n++;
	return 0;
}

int x_req_head(struct tt_xconn *x, const struct tt_h1_head *head)
{
	struct exchange *e;

	if (x->n == TT_X_PENDING_MAX) {
		/* The peer does not answer: give up on the oldest request. */
		struct exchange *old = x_q_at(x, 0);

		x->st.pending_overflow++;
		finish_exchange(x, old, 0);
		pop(x, old);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return 0;
	tt_reqscan_init(&e->scan);
	e->start_ns = x->now_ns;
	if (q_push(x, e)) {
		free(e);
		return 0;
	}
	take_request_head(x, e, head);
	/* Multipart boundaries are random per request: no two bodies are the
	 * same bytes, so no hash. */
	if (x->info.body_key && !e->multipart &&
	    e->req_enc != TT_ENC_UNSUPPORTED) {
		tt_siphash_init(&e->body_hash, x->info.body_key);
		e->scan.hash = &e->body_hash;
	}
	x->cur_req = e;
	return 0;
}

static void multipart_feed(struct exchange *e, const uint8_t *p, size_t n)
{
	if (!e->mp && !(e->mp = malloc(MULTIPART_WINDOW)))
		return;
	while (n && !e->mp_model[0]) {
		size_t room = MULTIPART_WINDOW - e->mp_len;
		size_t take = n < room ? n : room;

		memcpy(e->mp + e->mp_len, p, take);
		e->mp_len += take;
		p += take;
		n -= take;
		if (e->mp_len < MULTIPART_WINDOW)
			break;
		/* Full: look, then keep only the tail, where the next part's
		 * delimiter and headers may have started. */
		if (tt_multipart_field(e->mp, e->mp_len, e->boundary, "model",
				       e->mp_model, sizeof(e->mp_model)) > 0)
			break;
		e->mp_model[0] = '\0';
		memmove(e->mp, e->mp + e->mp_len - MULTIPART_KEEP, MULTIPART_KEEP);
		e->mp_len = MULTIPART_KEEP;
	}
}

static void req_scan(void *ctx, const uint8_t *p, size_t n)
{
	struct exchange *e = ctx;

	if (e->multipart) {
		if (!e->mp_model[0])
			multipart_feed(e, p, n);
		return;
	}
	tt_reqscan_feed(&e->scan, p, n);
}

void x_req_body(struct tt_xconn *x, const uint8_t *p, size_t n)
{
	struct exchange *e = x->cur_req;

	if (!e)
		return;
	e->req_bytes += n;
	if (e->req_enc == TT_ENC_UNSUPPORTED)
		return;
	if (e->req_dec)
		tt_body_dec_feed(e->req_dec, p, n, req_scan, e);
	else
		req_scan(e, p, n);
}

void x_req_gap(struct tt_xconn *x, uint64_t n)
{
	if (x->cur_req) {
		x->cur_req->req_bytes += n; /* the prompt is not needed */
		x->cur_req->scan.hash_ok = 0; /* but its hash is lost */
	}
}

/* An aborted request is still answered or timed out: only its end. */
void x_req_end(struct tt_xconn *x)
{
	struct exchange *e = x->cur_req;

	if (!e)
		return;
	e->req_done = 1;
	x->cur_req = NULL;
}

/* -------------------------------------------------------- response side */

static struct exchange *oldest_unanswered(struct tt_xconn *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct exchange *e = x_q_at(x, i);

		if (!e->has_response)
			return e;
	}
	return NULL;
}

static int resp_on_head(void *ctx, const struct tt_h1_head *head)
{
	struct tt_xconn *x = ctx;
	struct exchange *e;

	x->cur_resp = NULL;
	/* A WebSocket handshake: not a call; the calls come inside it. */
	if (head->status == 101 && (e = oldest_unanswered(x)) &&
	    !x_ws_start(x, e, &head->hdrs)) {
		pop(x, e);
		while (x->n) /* requests after an upgrade: never answered */
			x_finish(x, x_q_at(x, 0), 0);
		return TT_H1_UPGRADE;
	}
	if (head->status < 200) {
		x->st.interim_responses++; /* 100 Continue: the request goes on */
		return 0;
	}
	e = oldest_unanswered(x);
	if (!e) {
		x->st.orphan_responses++; /* joined midway: no request seen */
		return 0;
	}
	x_resp_begin(x, e, head->status, &head->hdrs);
	return strcmp(e->method, "HEAD") ? 0 : TT_H1_BODY_NONE;
}

static void finish_exchange(struct tt_xconn *x, struct exchange *e,
			    int complete)
{
	struct tt_call call;
	struct tt_xrec rec = { 0 };

	if (!e->has_response) {
		/* Sent, never answered: still an attempted call. */
		x_begin_decoder(x, e);
		x_set_problem(e, "no_response");
		complete = 0;
	} else {
		complete = x_settle_body(x, e, complete);
	}
	if (!e->pdec) {
		/* Nothing decoded (headers lost, or no memory): every count
		 * unknown, never zero. */
		memset(&call, 0, sizeof(call));
		call.outcome = TT_OUT_INCOMPLETE;
		call.attempt = -1;
		tt_usage_reset(&call.usage);
		call.usage_status = TT_USAGE_LOST;
	} else {
		tt_pdec_finish(e->pdec, complete, &call);
	}
	/* Bytes lost in the body: what was read is a lower bound at best. */
	if (e->gapped && call.usage_status == TT_USAGE_REPORTED)
		call.usage_status = TT_USAGE_PARTIAL;
	else if (e->gapped && call.usage_status == TT_USAGE_MISSING)
		call.usage_status = TT_USAGE_LOST;
	rec.call = &call;
	rec.host = e->host[0] ? e->host : x->server_name;
	rec.key = e->key;
	rec.req_hdrs = &e->hdrs;
	rec.start_ns = e->start_ns;
	rec.end_ns = x->now_ns;
	rec.ttfb_ns = e->first_body_ns ? (int64_t)(e->first_body_ns - e->start_ns)
				       : -1;
	rec.request_bytes = e->req_bytes;
	rec.response_bytes = e->resp_bytes;
	rec.response_encoding = tt_enc_name(e->enc);
	rec.problem = e->problem;
	/* The hash means "this body": only a whole JSON object has one. */
	rec.has_body_hash = e->scan.hash && e->scan.hash_ok &&
			    tt_reqscan_finish(&e->scan) == 0;
	rec.body_hash = rec.has_body_hash ? tt_siphash_final(&e->body_hash) : 0;
	x->st.exchanges++;
	if (call.outcome == TT_OUT_INCOMPLETE)
		x->st.incomplete++;
	if (x->emit)
		x->emit(x->ctx, &rec);
}

/* Removes e (the oldest answered, normally q[head]) from the queue. */
static void pop(struct tt_xconn *x, struct exchange *e)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (x_q_at(x, i) == e)
			break;
	if (i == x->n)
		return;
	for (; i > 0; i--)
		x->q[(x->head + i) & (x->qcap - 1)] = x_q_at(x, i - 1);
	x->head = (x->head + 1) & (x->qcap - 1);
	x->n--;
	if (x->cur_req == e)
		x->cur_req = NULL;
	if (x->cur_resp == e)
		x->cur_resp = NULL;
	xfree(e);
}

void x_finish(struct tt_xconn *x, struct exchange *e, int complete)
{
	finish_exchange(x, e, complete);
	pop(x, e);
}

static void resp_on_end(void *ctx, int end)
{
	struct tt_xconn *x = ctx;

	if (x->cur_resp)
		x_finish(x, x->cur_resp, end == TT_H1_END_COMPLETE);
}

/* The HTTP/1 parsers' callbacks: ctx is the connection. */
static int req_on_head(void *ctx, const struct tt_h1_head *head)
{
	return x_req_head(ctx, head);
}

static void req_on_body(void *ctx, const uint8_t *p, size_t n)
{
	x_req_body(ctx, p, n);
}

/* HTTP/1 counts a gap where the parser reports it; HTTP/2 counts each
 * tt_xconn_gap() once (exchange_h2.c hands the same gap to the steps). */
static void req_on_gap(void *ctx, uint64_t n)
{
	((struct tt_xconn *)ctx)->st.gaps++;
	x_req_gap(ctx, n);
}

static void req_on_end(void *ctx, int end)
{
	(void)end;
	x_req_end(ctx);
}

static void resp_on_body(void *ctx, const uint8_t *p, size_t n)
{
	x_resp_body(ctx, p, n);
}

static void resp_on_gap(void *ctx, uint64_t n)
{
	((struct tt_xconn *)ctx)->st.gaps++;
	x_resp_gap(ctx, n);
}

/* ------------------------------------------------------------ interface */

static const struct tt_h1_callbacks req_cb = {
	.on_head = req_on_head,
	.on_body = req_on_body,
	.on_body_gap = req_on_gap,
	.on_end = req_on_end,
};

static const struct tt_h1_callbacks resp_cb = {
	.on_head = resp_on_head,
	.on_body = resp_on_body,
	.on_body_gap = resp_on_gap,
	.on_end = resp_on_end,
};

struct tt_xconn *tt_xconn_new(const struct tt_xconn_info *info,
			      tt_x_emit emit, void *ctx)
{
	struct tt_xconn *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	/* As long as the name, not 256 bytes per connection. */
	x->server_name = strndup(info->server_name ? info->server_name : "",
				 TT_X_SERVER_NAME_MAX);
	if (!x->server_name) {
		free(x);
		return NULL;
	}
	if (info->provider_hint) {
		snprintf(x->hint, sizeof(x->hint), "%s", info->provider_hint);
		x->info.provider_hint = x->hint;
	}
	x->info.server_name = x->server_name;
	x->info.keep_headers = info->keep_headers;
	x->info.body_key = info->body_key;
	x->emit = emit;
	x->ctx = ctx;
	x->req_parser = tt_h1_new(TT_H1_REQUEST, &req_cb, x, NULL);
	x->resp_parser = tt_h1_new(TT_H1_RESPONSE, &resp_cb, x, NULL);
	if (!x->req_parser || !x->resp_parser) {
		tt_xconn_free(x);
		return NULL;
	}
	return x;
}

/*
 * HTTP/1 or HTTP/2, from the first bytes seen: the client's connection
 * preface, or, for a connection joined mid-way, something that reads as an
 * HTTP/2 frame header (a zero length byte and a known type) rather than a
 * request or status line. Gaps seen before are handed to the chosen side.
 */
static void decide(struct tt_xconn *x, const uint8_t *p, size_t n)
{
	size_t k = n < TT_H2_PREFACE_LEN ? n : TT_H2_PREFACE_LEN;
	int h2 = !memcmp(p, TT_H2_PREFACE, k) ||
		 (n >= 9 && p[0] == 0 && p[3] < TT_H2_FRAME_TYPES);

	x->proto = h2 && !x_h2_start(x) ? X_H2 : X_H1;
	for (int d = 0; d < 2; d++) {
		if (!x->early_gap[d])
			continue;
		if (x->proto == X_H2)
			x_h2_gap(x, d, x->early_gap[d]);
		else
			tt_h1_gap(d == TT_DIR_EGRESS ? x->req_parser
						     : x->resp_parser,
				  x->early_gap[d]);
	}
}

void tt_xconn_data(struct tt_xconn *x, int dir, uint64_t ts_ns,
		   const uint8_t *p, size_t n)
{
	x->now_ns = ts_ns;
	if (!n)
		return;
	if (x->proto == X_UNDECIDED) {
		/* "P" alone could begin "PRI * HTTP/2.0" or "POST": wait for
		 * the second byte (kept here: the parsers have not seen it). */
		if (x->held) {
			uint8_t two[2] = { x->held, p[0] };

			x->held = 0;
			decide(x, two, 2);
			tt_xconn_data(x, dir, ts_ns, two, 1);
		} else if (n == 1 && p[0] == 'P' && dir == TT_DIR_EGRESS) {
			x->held = 'P';
			return;
		} else {
			decide(x, p, n);
		}
	}
	if (x->proto == X_H2 || x->proto == X_WS) {
		(x->proto == X_H2 ? x_h2_data : x_ws_data)(x, dir, p, n);
		return;
	}
	tt_h1_feed(dir == TT_DIR_EGRESS ? x->req_parser : x->resp_parser, p, n);
	if (x->proto == X_WS && dir == TT_DIR_INGRESS)
		x_ws_rest(x, p, n);
}

void tt_xconn_gap(struct tt_xconn *x, int dir, uint64_t ts_ns, uint64_t len)
{
	x->now_ns = ts_ns;
	if (x->proto == X_UNDECIDED) {
		x->st.gaps++;
		x->early_gap[dir & 1] += len;
		return;
	}
	if (x->proto == X_H2 || x->proto == X_WS) {
		x->st.gaps++;
		(x->proto == X_H2 ? x_h2_gap : x_ws_gap)(x, dir, len);
		return;
	}
	/* Say why, even when the parser has to give the message up. */
	if (dir == TT_DIR_INGRESS && x->cur_resp) {
		if (!x->cur_resp->problem)
			x->cur_resp->problem = "gap";
		x->cur_resp->gapped = 1;
	}
	tt_h1_gap(dir == TT_DIR_EGRESS ? x->req_parser : x->resp_parser, len);
}

void tt_xconn_close(struct tt_xconn *x, uint64_t ts_ns)
{
	x->now_ns = ts_ns;
	x_ws_close(x);
	if (x->proto != X_H2) {
		tt_h1_eof(x->req_parser);
		tt_h1_eof(x->resp_parser); /* may complete a close-delimited body */
	}
	while (x->n)
		x_finish(x, x_q_at(x, 0), 0);
}

void tt_xconn_free(struct tt_xconn *x)
{
	if (!x)
		return;
	x_h2_free(x);
	x_ws_free(x);
	while (x->n) {
		xfree(x_q_at(x, 0));
		x->head = (x->head + 1) & (x->qcap - 1);
		x->n--;
	}
	free(x->q);
	tt_h1_free(x->req_parser);
	tt_h1_free(x->resp_parser);
	free(x->server_name);
	free(x);
}

const struct tt_xconn_stats *tt_xconn_get_stats(const struct tt_xconn *x)
{
	return &x->st;
}

void tt_xconn_stats_add(struct tt_xconn_stats *a, const struct tt_xconn_stats *b)
{
	TT_XCONN_COUNTERS(TT_COUNTER_ADD)
}
