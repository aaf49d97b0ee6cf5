// SPDX-License-Identifier: MIT
/*
 * The HTTP/2 side of the exchange pipeline: two frame/HPACK parsers
 * (http/h2.c), one per direction, feeding the same request and response
 * steps as HTTP/1, with pairing by stream id instead of by order. A stream
 * whose request headers could not be decoded (HPACK state lost: a gap, or
 * a connection joined mid-way) makes no exchange: it is counted as
 * undecodable, never guessed.
 */
#include <stdio.h>
#include <string.h>
#include "tt_abi.h"
#include "exchange/exchange_impl.h"

static struct exchange *stream_find(struct tt_xconn *x, uint32_t id)
{
	for (size_t i = 0; i < x->n; i++) {
		struct exchange *e = x_q_at(x, i);

		if (e->stream_id == id)
			return e;
	}
	return NULL;
}

static const char *pseudo(const struct tt_hdrs *hs, const char *name,
			  size_t *len)
{
	const char *v = tt_hdrs_get(hs, name, len);

	if (!v)
		*len = 0;
	return v ? v : "";
}

/* ------------------------------------------------ client -> server */

static void req_headers(void *ctx, uint32_t id, const struct tt_hdrs *hdrs,
			int end_stream)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);
	struct tt_h1_head head;
	const char *v;
	size_t len;

	if (e) { /* trailers */
		if (end_stream) {
			x->cur_req = e;
			x_req_end(x);
		}
		return;
	}
	memset(&head, 0, sizeof(head));
	/* Regular fields as they came, plus Host from :authority. */
	for (size_t i = 0; i < hdrs->n && head.hdrs.n < TT_HDRS_MAX; i++)
		if (hdrs->h[i].name_len && hdrs->h[i].name[0] != ':')
			head.hdrs.h[head.hdrs.n++] = hdrs->h[i];
	v = pseudo(hdrs, ":authority", &len);
	if (len && head.hdrs.n < TT_HDRS_MAX)
		head.hdrs.h[head.hdrs.n++] = (struct tt_hdr){
			"host", 4, v, len };
	v = pseudo(hdrs, ":method", &len);
	snprintf(head.method, sizeof(head.method), "%.*s", (int)len, v);
	head.target = pseudo(hdrs, ":path", &head.target_len);
	head.content_length = -1;
	x->cur_req = NULL;
	x_req_head(x, &head);
	if (!x->cur_req)
		return; /* out of memory: counted nowhere better */
	x->cur_req->stream_id = id;
	if (end_stream)
		x_req_end(x);
}

static void req_headers_lost(void *ctx, uint32_t id, int end_stream)
{
	struct tt_xconn *x = ctx;

	(void)end_stream;
	if (!stream_find(x, id))
		x->st.h2_undecodable++;
}

static void req_data(void *ctx, uint32_t id, const uint8_t *p, size_t n,
		     unsigned flags)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);

	if (!e)
		return;
	x->cur_req = e;
	if (n)
		x_req_body(x, p, n);
	if (flags & TT_H2_DATA_END_STREAM)
		x_req_end(x);
}

static void req_data_gap(void *ctx, uint32_t id, uint64_t n)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);

	if (!e)
		return;
	x->cur_req = e;
	x_req_gap(x, n);
}

/* ------------------------------------------------ server -> client */

static void resp_headers(void *ctx, uint32_t id, const struct tt_hdrs *hdrs,
			 int end_stream)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);
	const char *v;
	size_t len;
	int status = 0;

	if (!e) {
		x->st.orphan_responses++; /* request not seen or not decoded */
		return;
	}
	if (!e->has_response) {
		v = pseudo(hdrs, ":status", &len);
		for (size_t i = 0; i < len && i < 3; i++)
			status = status * 10 + (v[i] >= '0' && v[i] <= '9'
							? v[i] - '0' : 0);
		if (len != 3 || status < 100) {
			x_set_problem(e, "decode_error");
			status = 0;
		}
		if (status && status < 200) {
			x->st.interim_responses++;
			return;
		}
		if (status)
			x_resp_begin(x, e, status, hdrs);
		else
			e->has_response = 1;
	}
	if (end_stream) /* no body, or trailers */
		x_finish(x, e, 1);
}

static void resp_headers_lost(void *ctx, uint32_t id, int end_stream)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);

	x->st.h2_undecodable++;
	if (!e)
		return;
	/* The status and headers are gone: the exchange cannot be decoded. */
	if (!e->has_response) {
		e->has_response = 1;
		x_set_problem(e, "undecodable");
	}
	if (end_stream)
		x_finish(x, e, 0);
}

static void resp_data(void *ctx, uint32_t id, const uint8_t *p, size_t n,
		      unsigned flags)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);

	if (!e || !e->has_response)
		return;
	if (flags & TT_H2_DATA_AFTER_GAP) {
		/* The parser lost its place: these bytes may follow a hole. */
		if (!e->problem)
			e->problem = "gap";
		e->gapped = 1;
		e->broken = 1;
	}
	x->cur_resp = e;
	if (n)
		x_resp_body(x, p, n);
	if (flags & TT_H2_DATA_END_STREAM)
		x_finish(x, e, !(flags & TT_H2_DATA_AFTER_GAP));
}

static void resp_data_gap(void *ctx, uint32_t id, uint64_t n)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);

	if (!e || !e->has_response)
		return;
	x->cur_resp = e;
	if (!e->problem)
		e->problem = "gap";
	e->gapped = 1;
	x_resp_gap(x, n);
}

/* ------------------------------------------------ both directions */

static void on_reset(void *ctx, uint32_t id, uint32_t code)
{
	struct tt_xconn *x = ctx;
	struct exchange *e = stream_find(x, id);

	(void)code;
	if (e) /* cancelled by either side: an attempted, incomplete call */
		x_finish(x, e, 0);
}

static void client_settings(void *ctx, const struct tt_h2_settings *s)
{
	struct tt_xconn *x = ctx;

	tt_h2_peer_settings(x->h2[TT_DIR_INGRESS], s);
}

static void server_settings(void *ctx, const struct tt_h2_settings *s)
{
	struct tt_xconn *x = ctx;

	tt_h2_peer_settings(x->h2[TT_DIR_EGRESS], s);
}

static const struct tt_h2_callbacks client_cb = {
	.on_headers = req_headers,
	.on_headers_lost = req_headers_lost,
	.on_data = req_data,
	.on_data_gap = req_data_gap,
	.on_reset = on_reset,
	.on_settings = client_settings,
};

static const struct tt_h2_callbacks server_cb = {
	.on_headers = resp_headers,
	.on_headers_lost = resp_headers_lost,
	.on_data = resp_data,
	.on_data_gap = resp_data_gap,
	.on_reset = on_reset,
	.on_settings = server_settings,
};

int x_h2_start(struct tt_xconn *x)
{
	x->h2[TT_DIR_EGRESS] = tt_h2_new(TT_H2_CLIENT, &client_cb, x, NULL);
	x->h2[TT_DIR_INGRESS] = tt_h2_new(TT_H2_SERVER, &server_cb, x, NULL);
	if (!x->h2[TT_DIR_EGRESS] || !x->h2[TT_DIR_INGRESS]) {
		x_h2_free(x);
		return -1;
	}
	x->st.h2_connections++;
	return 0;
}

static void note_error(struct tt_xconn *x, int dir, int before)
{
	if (before != TT_H2_ERROR && tt_h2_state(x->h2[dir]) == TT_H2_ERROR)
		x->st.h2_protocol_errors++;
}

void x_h2_data(struct tt_xconn *x, int dir, const uint8_t *p, size_t n)
{
	struct tt_h2 *h = x->h2[dir & 1];
	int before = tt_h2_state(h);

	tt_h2_feed(h, p, n);
	note_error(x, dir & 1, before);
}

void x_h2_gap(struct tt_xconn *x, int dir, uint64_t len)
{
	struct tt_h2 *h = x->h2[dir & 1];
	int before = tt_h2_state(h);

	tt_h2_gap(h, len);
	note_error(x, dir & 1, before);
}

void x_h2_free(struct tt_xconn *x)
{
	tt_h2_free(x->h2[0]);
	tt_h2_free(x->h2[1]);
	x->h2[0] = x->h2[1] = NULL;
}
