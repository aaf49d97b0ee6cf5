/* SPDX-License-Identifier: MIT */
/* The exchange pipeline over HTTP/2: pairing by stream, streaming and
 * whole responses, resets, a connection joined mid-way. */
#include "tt_test.h"
#include "tt_abi.h"
#include "h2_build.h"
#include "exchange/exchange.h"

#define MAX_RECS 8

struct got {
	int n;
	struct tt_call call[MAX_RECS];
	char problem[MAX_RECS][32];
	char key_id[MAX_RECS][24];
	char host[MAX_RECS][64];
};

static void emit(void *ctx, const struct tt_xrec *rec)
{
	struct got *g = ctx;

	if (g->n >= MAX_RECS)
		return;
	g->call[g->n] = *rec->call;
	snprintf(g->problem[g->n], 32, "%s", rec->problem ? rec->problem : "");
	snprintf(g->key_id[g->n], 24, "%s", rec->key.id);
	snprintf(g->host[g->n], 64, "%s", rec->host ? rec->host : "");
	g->n++;
}

static const char *const REQ_HDRS[] = {
	":method", "POST", ":scheme", "https", ":authority", "api.openai.com",
	":path", "/v1/chat/completions", "content-type", "application/json",
	"authorization", "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123",
	"x-stainless-retry-count", "0",
};
static const char *const RESP_JSON_HDRS[] = {
	":status", "200", "content-type", "application/json",
	"x-request-id", "req_json",
};
static const char *const RESP_SSE_HDRS[] = {
	":status", "200", "content-type", "text/event-stream",
	"x-request-id", "req_sse",
};
static const char BODY_JSON[] =
	"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
static const char BODY_SSE[] =
	"{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":"
	"{\"include_usage\":true},\"messages\":[]}";
static const char RESP_JSON[] =
	"{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],"
	"\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}";
static const char SSE1[] =
	"data: {\"id\":\"c2\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":"
	"[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
static const char SSE2[] =
	"data: {\"id\":\"c2\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],"
	"\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n"
	"data: [DONE]\n\n";

/* Two requests on streams 1 and 3; answers interleaved, 3 first. */
static void build(struct h2b *c, struct h2b *s)
{
	nghttp2_hd_deflater *dc, *ds;

	if (nghttp2_hd_deflate_new(&dc, 4096) || nghttp2_hd_deflate_new(&ds, 4096))
		abort();
	h2b_put(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	h2b_settings(c);
	h2b_headers(c, dc, 1, 0, REQ_HDRS, 7);
	h2b_data(c, 1, 1, BODY_JSON);
	h2b_headers(c, dc, 3, 0, REQ_HDRS, 7); /* from the dynamic table */
	h2b_data(c, 3, 1, BODY_SSE);
	h2b_settings(s);
	h2b_headers(s, ds, 3, 0, RESP_SSE_HDRS, 3);
	h2b_headers(s, ds, 1, 0, RESP_JSON_HDRS, 3);
	h2b_data(s, 3, 0, SSE1);
	h2b_data(s, 1, 1, RESP_JSON);
	h2b_data(s, 3, 1, SSE2);
	nghttp2_hd_deflate_del(dc);
	nghttp2_hd_deflate_del(ds);
}

static struct tt_xconn *conn(struct got *g)
{
	struct tt_xconn_info info = { .provider_hint = "openai",
				      .server_name = "api.openai.com" };

	memset(g, 0, sizeof(*g));
	return tt_xconn_new(&info, emit, g);
}

static void check_pair(const struct got *g)
{
	TT_CHECK_EQ_INT(g->n, 2);
	/* Stream 1 finishes first (its END_STREAM comes first). */
	TT_CHECK_EQ_STR(g->call[0].request_id, "req_json");
	TT_CHECK_EQ_INT(g->call[0].stream, 0);
	TT_CHECK_EQ_U64(g->call[0].usage.input_tokens, 11);
	TT_CHECK_EQ_U64(g->call[0].usage.output_tokens, 7);
	TT_CHECK_EQ_STR(g->call[0].response_model, "gpt-4o-mini-2024-07-18");
	TT_CHECK_EQ_STR(g->call[1].request_id, "req_sse");
	TT_CHECK_EQ_INT(g->call[1].stream, 1);
	TT_CHECK_EQ_U64(g->call[1].usage.input_tokens, 5);
	TT_CHECK_EQ_U64(g->call[1].usage.output_tokens, 3);
	TT_CHECK_EQ_STR(tt_usage_status_name(g->call[1].usage_status), "reported");
	for (int i = 0; i < 2; i++) {
		TT_CHECK_EQ_INT(g->call[i].status, 200);
		TT_CHECK_EQ_STR(g->call[i].request_model, "gpt-4o-mini");
		TT_CHECK_EQ_STR(g->call[i].provider, "openai");
		TT_CHECK_EQ_STR(g->host[i], "api.openai.com");
		TT_CHECK_EQ_STR(g->problem[i], "");
		TT_CHECK(strncmp(g->key_id[i], "k_", 2) == 0);
	}
}

TT_TEST(two_streams_interleaved_any_split)
{
	struct h2b c = { 0 }, s = { 0 };
	size_t pieces[] = { 1, 7, 100, 100000 };

	build(&c, &s);
	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		struct got g;
		struct tt_xconn *x = conn(&g);
		size_t oc = 0, os = 0, step = pieces[k];

		tt_case("piece %zu", step);
		/* Requests first, then the answers, in pieces. */
		while (oc < c.n) {
			size_t m = c.n - oc < step ? c.n - oc : step;

			tt_xconn_data(x, TT_DIR_EGRESS, 1, c.p + oc, m);
			oc += m;
		}
		while (os < s.n) {
			size_t m = s.n - os < step ? s.n - os : step;

			tt_xconn_data(x, TT_DIR_INGRESS, 2, s.p + os, m);
			os += m;
		}
		check_pair(&g);
		TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->h2_connections, 1);
		tt_xconn_close(x, 3);
		TT_CHECK_EQ_INT(g.n, 2);
		tt_xconn_free(x);
	}
	free(c.p);
	free(s.p);
}

TT_TEST(reset_stream_is_incomplete)
{
	struct h2b c = { 0 }, s = { 0 };
	nghttp2_hd_deflater *dc, *ds;
	uint8_t code[4] = { 0, 0, 0, 8 }; /* CANCEL */
	struct got g;
	struct tt_xconn *x = conn(&g);

	if (nghttp2_hd_deflate_new(&dc, 4096) || nghttp2_hd_deflate_new(&ds, 4096))
		abort();
	h2b_put(&c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	h2b_settings(&c);
	h2b_headers(&c, dc, 1, 0, REQ_HDRS, 7);
	h2b_data(&c, 1, 1, BODY_SSE);
	h2b_settings(&s);
	h2b_headers(&s, ds, 1, 0, RESP_SSE_HDRS, 3);
	h2b_data(&s, 1, 0, SSE1);
	h2b_frame(&s, 3, 0, 1, code, 4);
	tt_xconn_data(x, TT_DIR_EGRESS, 1, c.p, c.n);
	tt_xconn_data(x, TT_DIR_INGRESS, 2, s.p, s.n);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(tt_outcome_name(g.call[0].outcome), "incomplete");
	TT_CHECK_EQ_INT(g.call[0].status, 200);
	tt_xconn_free(x);
	nghttp2_hd_deflate_del(dc);
	nghttp2_hd_deflate_del(ds);
	free(c.p);
	free(s.p);
}

/* The agent started after the connection: the first bytes it sees are
 * stream 3's frames, whose headers refer to a dynamic table it never saw.
 * Nothing is invented; the lost requests are counted; nothing crashes. */
TT_TEST(joined_midway_is_counted_not_guessed)
{
	struct h2b c = { 0 }, s = { 0 };
	size_t cut_c, cut_s;
	struct got g;
	struct tt_xconn *x = conn(&g);
	nghttp2_hd_deflater *dc, *ds;

	if (nghttp2_hd_deflate_new(&dc, 4096) || nghttp2_hd_deflate_new(&ds, 4096))
		abort();
	h2b_put(&c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	h2b_settings(&c);
	h2b_headers(&c, dc, 1, 1, REQ_HDRS, 7);
	cut_c = c.n;
	h2b_headers(&c, dc, 3, 0, REQ_HDRS, 7);
	h2b_data(&c, 3, 1, BODY_JSON);
	h2b_settings(&s);
	h2b_headers(&s, ds, 1, 1, RESP_JSON_HDRS, 3);
	cut_s = s.n;
	h2b_headers(&s, ds, 3, 0, RESP_JSON_HDRS, 3);
	h2b_data(&s, 3, 1, RESP_JSON);
	tt_xconn_gap(x, TT_DIR_EGRESS, 1, cut_c);
	tt_xconn_gap(x, TT_DIR_INGRESS, 1, cut_s);
	tt_xconn_data(x, TT_DIR_EGRESS, 1, c.p + cut_c, c.n - cut_c);
	tt_xconn_data(x, TT_DIR_INGRESS, 2, s.p + cut_s, s.n - cut_s);
	tt_xconn_close(x, 3);
	TT_CHECK_EQ_INT(g.n, 0);
	TT_CHECK(tt_xconn_get_stats(x)->h2_undecodable >= 1);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->h2_connections, 1);
	tt_xconn_free(x);
	nghttp2_hd_deflate_del(dc);
	nghttp2_hd_deflate_del(ds);
	free(c.p);
	free(s.p);
}

/* Bytes lost inside a DATA frame: one gap, counted once, on the stream
 * it hit; the exchange says "gap" and claims no usage it did not see. */
TT_TEST(gap_inside_data_counted_once)
{
	struct h2b c = { 0 }, s = { 0 };
	nghttp2_hd_deflater *dc, *ds;
	size_t at;
	struct got g;
	struct tt_xconn *x = conn(&g);

	if (nghttp2_hd_deflate_new(&dc, 4096) || nghttp2_hd_deflate_new(&ds, 4096))
		abort();
	h2b_put(&c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	h2b_settings(&c);
	h2b_headers(&c, dc, 1, 0, REQ_HDRS, 7);
	h2b_data(&c, 1, 1, BODY_SSE);
	h2b_settings(&s);
	h2b_headers(&s, ds, 1, 0, RESP_SSE_HDRS, 3);
	at = s.n + 9 + 10; /* 10 bytes into the first DATA frame's payload */
	h2b_data(&s, 1, 0, SSE1);
	h2b_data(&s, 1, 1, "data: [DONE]\n\n");
	tt_xconn_data(x, TT_DIR_EGRESS, 1, c.p, c.n);
	tt_xconn_data(x, TT_DIR_INGRESS, 2, s.p, at);
	tt_xconn_gap(x, TT_DIR_INGRESS, 2, 20);
	tt_xconn_data(x, TT_DIR_INGRESS, 2, s.p + at + 20, s.n - at - 20);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(g.problem[0], "gap");
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->gaps, 1);
	TT_CHECK(g.call[0].usage.input_tokens < 0);
	tt_xconn_free(x);
	nghttp2_hd_deflate_del(dc);
	nghttp2_hd_deflate_del(ds);
	free(c.p);
	free(s.p);
}
