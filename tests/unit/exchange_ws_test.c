/* SPDX-License-Identifier: MIT */
/*
 * WebSocket after HTTP/1 (user/exchange/exchange_ws.c, provider/
 * openai_ws.c, the h1 upgrade stop): the 101 is no call, each response
 * inside the socket is one, with the handshake's request id and key.
 */
#include "tt_test.h"
#include "tt_abi.h"
#include "exchange/exchange.h"
#include "http/h1.h"

#define MAX_RECS 8

struct got {
	int n;
	struct tt_call call[MAX_RECS];
	char problem[MAX_RECS][32];
	char key_hint[MAX_RECS][48];
	uint64_t req_bytes[MAX_RECS];
};

static void emit(void *ctx, const struct tt_xrec *rec)
{
	struct got *g = ctx;

	if (g->n >= MAX_RECS)
		return;
	g->call[g->n] = *rec->call;
	snprintf(g->problem[g->n], 32, "%s", rec->problem ? rec->problem : "");
	snprintf(g->key_hint[g->n], sizeof(g->key_hint[g->n]), "%s", rec->key.hint);
	g->req_bytes[g->n] = rec->request_bytes;
	g->n++;
}

static const char UPGRADE[] =
	"GET /v1/responses HTTP/1.1\r\nHost: api.openai.com\r\n"
	"Authorization: Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123\r\n"
	"Connection: Upgrade\r\nUpgrade: websocket\r\n"
	"OpenAI-Beta: responses_websockets=2026-02-06\r\n"
	"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
static const char SWITCH[] =
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	"x-request-id: req_ws_1\r\n\r\n";

static const char CREATE[] =
	"{\"type\":\"response.create\",\"model\":\"gpt-5\",\"input\":\"hi\",\"stream\":true}";
static const char CREATED[] =
	"{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5-2026\"}}";
static const char DELTA[] =
	"{\"type\":\"response.output_text.delta\",\"delta\":\"x\"}";
static const char COMPLETED[] =
	"{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\","
	"\"model\":\"gpt-5-2026\",\"status\":\"completed\",\"usage\":{"
	"\"input_tokens\":20,\"input_tokens_details\":{\"cached_tokens\":4},"
	"\"output_tokens\":9,\"output_tokens_details\":{\"reasoning_tokens\":2},"
	"\"total_tokens\":29}}}";

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void frame(struct buf *o, const char *text, int client)
{
	static const uint8_t mask[4] = { 1, 2, 3, 4 };
	size_t n = strlen(text);

	o->b[o->n++] = 0x81;
	if (n < 126) {
		o->b[o->n++] = (uint8_t)((client ? 0x80 : 0) | n);
	} else {
		o->b[o->n++] = (uint8_t)((client ? 0x80 : 0) | 126);
		o->b[o->n++] = (uint8_t)(n >> 8);
		o->b[o->n++] = (uint8_t)n;
	}
	if (client) {
		memcpy(o->b + o->n, mask, 4);
		o->n += 4;
	}
	for (size_t i = 0; i < n; i++)
		o->b[o->n++] = (uint8_t)text[i] ^ (client ? mask[i & 3] : 0);
}

static struct tt_xconn *conn(struct got *g)
{
	struct tt_xconn_info info = { .provider_hint = "openai",
				      .server_name = "api.openai.com" };

	memset(g, 0, sizeof(*g));
	return tt_xconn_new(&info, emit, g);
}

static void feed(struct tt_xconn *x, int dir, const void *p, size_t n)
{
	tt_xconn_data(x, dir, 1000, p, n);
}

/* The 101 itself: no record (it used to be a false incomplete
 * no_response "other" call); the call inside has its request id. */
TT_TEST(responses_call_inside_socket)
{
	struct got g;
	struct tt_xconn *x = conn(&g);
	struct buf c = { .n = 0 }, s = { .n = 0 };

	frame(&c, CREATE, 1);
	frame(&s, CREATED, 0);
	frame(&s, DELTA, 0);
	frame(&s, COMPLETED, 0);
	feed(x, TT_DIR_EGRESS, UPGRADE, strlen(UPGRADE));
	feed(x, TT_DIR_INGRESS, SWITCH, strlen(SWITCH));
	feed(x, TT_DIR_EGRESS, c.b, c.n);
	feed(x, TT_DIR_INGRESS, s.b, s.n);
	TT_CHECK_EQ_INT(g.n, 1);
	tt_xconn_close(x, 2000);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(g.call[0].operation, "responses");
	TT_CHECK_EQ_STR(g.call[0].request_id, "req_ws_1");
	TT_CHECK_EQ_STR(g.call[0].response_id, "resp_1");
	TT_CHECK_EQ_STR(g.call[0].request_model, "gpt-5");
	TT_CHECK_EQ_STR(g.call[0].response_model, "gpt-5-2026");
	TT_CHECK_EQ_INT(g.call[0].status, 101);
	TT_CHECK_EQ_STR(tt_outcome_name(g.call[0].outcome), "success");
	TT_CHECK_EQ_U64(g.call[0].usage.input_tokens, 20);
	TT_CHECK_EQ_U64(g.call[0].usage.cache_read_input_tokens, 4);
	TT_CHECK_EQ_U64(g.call[0].usage.reasoning_tokens, 2);
	TT_CHECK_EQ_U64(g.call[0].usage.total_tokens, 29);
	TT_CHECK_EQ_STR(tt_usage_status_name(g.call[0].usage_status), "reported");
	TT_CHECK_EQ_STR(g.key_hint[0], "sk-proj-...0123");
	TT_CHECK_EQ_STR(g.problem[0], "");
	TT_CHECK_EQ_U64(g.req_bytes[0], strlen(CREATE));
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->exchanges, 1);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->ws_connections, 1);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->interim_responses, 0);
	tt_xconn_free(x);
}

/* Frames right behind the 101 in the same read, at every split. */
TT_TEST(frames_in_the_101_read)
{
	static char all[4096];
	struct buf s = { .n = 0 }, c = { .n = 0 };
	size_t hl = strlen(SWITCH);

	frame(&c, CREATE, 1);
	frame(&s, CREATED, 0);
	frame(&s, COMPLETED, 0);
	memcpy(all, SWITCH, hl);
	memcpy(all + hl, s.b, s.n);
	for (size_t cut = 1; cut < hl + s.n; cut++) {
		struct got g;
		struct tt_xconn *x = conn(&g);

		tt_case("cut at %zu", cut);
		feed(x, TT_DIR_EGRESS, UPGRADE, strlen(UPGRADE));
		feed(x, TT_DIR_EGRESS, c.b, c.n);
		feed(x, TT_DIR_INGRESS, all, cut);
		feed(x, TT_DIR_INGRESS, all + cut, hl + s.n - cut);
		TT_CHECK_EQ_INT(g.n, 1);
		TT_CHECK_EQ_U64(g.call[0].usage.output_tokens, 9);
		tt_xconn_close(x, 2000);
		tt_xconn_free(x);
		if (g.n != 1)
			break;
	}
}

/* {"type":"error","status":429,...}: that request's HTTP answer. */
TT_TEST(wrapped_error_status)
{
	struct got g;
	struct tt_xconn *x = conn(&g);
	struct buf c = { .n = 0 }, s = { .n = 0 };

	frame(&c, CREATE, 1);
	frame(&s, "{\"type\":\"error\",\"status\":429,\"error\":{\"type\":"
		  "\"usage_limit_reached\",\"message\":\"m\"},\"headers\":{}}", 0);
	feed(x, TT_DIR_EGRESS, UPGRADE, strlen(UPGRADE));
	feed(x, TT_DIR_INGRESS, SWITCH, strlen(SWITCH));
	feed(x, TT_DIR_EGRESS, c.b, c.n);
	feed(x, TT_DIR_INGRESS, s.b, s.n);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_INT(g.call[0].status, 429);
	TT_CHECK_EQ_STR(tt_outcome_name(g.call[0].outcome), "rate_limited");
	TT_CHECK_EQ_STR(g.call[0].error_type, "usage_limit_reached");
	TT_CHECK_EQ_STR(tt_usage_status_name(g.call[0].usage_status), "none");
	tt_xconn_close(x, 2000);
	tt_xconn_free(x);
}

/* Closed mid-stream, and a create never answered. */
TT_TEST(socket_closed_early)
{
	struct got g;
	struct tt_xconn *x = conn(&g);
	struct buf c = { .n = 0 }, s = { .n = 0 };

	frame(&c, CREATE, 1);
	frame(&c, CREATE, 1);
	frame(&s, CREATED, 0);
	feed(x, TT_DIR_EGRESS, UPGRADE, strlen(UPGRADE));
	feed(x, TT_DIR_INGRESS, SWITCH, strlen(SWITCH));
	feed(x, TT_DIR_EGRESS, c.b, c.n);
	feed(x, TT_DIR_INGRESS, s.b, s.n);
	tt_xconn_close(x, 2000);
	TT_CHECK_EQ_INT(g.n, 2);
	TT_CHECK_EQ_STR(tt_outcome_name(g.call[0].outcome), "incomplete");
	TT_CHECK_EQ_INT(g.call[0].status, 101);
	TT_CHECK_EQ_STR(g.call[0].response_id, "resp_1");
	TT_CHECK_EQ_STR(tt_outcome_name(g.call[1].outcome), "incomplete");
	TT_CHECK_EQ_INT(g.call[1].status, 0);
	TT_CHECK_EQ_STR(g.problem[1], "no_response");
	tt_xconn_free(x);
}

/* A gap inside a server message: in sync, that call says "gap". */
TT_TEST(gap_inside_a_message)
{
	struct got g;
	struct tt_xconn *x = conn(&g);
	struct buf c = { .n = 0 }, s = { .n = 0 };

	frame(&c, CREATE, 1);
	frame(&s, CREATED, 0);
	feed(x, TT_DIR_EGRESS, UPGRADE, strlen(UPGRADE));
	feed(x, TT_DIR_INGRESS, SWITCH, strlen(SWITCH));
	feed(x, TT_DIR_EGRESS, c.b, c.n);
	feed(x, TT_DIR_INGRESS, s.b, s.n);
	s.n = 0;
	frame(&s, DELTA, 0);
	feed(x, TT_DIR_INGRESS, s.b, 10);
	tt_xconn_gap(x, TT_DIR_INGRESS, 1500, 20);
	feed(x, TT_DIR_INGRESS, s.b + 30, s.n - 30);
	s.n = 0;
	frame(&s, COMPLETED, 0);
	feed(x, TT_DIR_INGRESS, s.b, s.n);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(g.problem[0], "gap");
	TT_CHECK_EQ_U64(g.call[0].usage.input_tokens, 20);
	TT_CHECK_EQ_STR(tt_usage_status_name(g.call[0].usage_status), "partial");
	tt_xconn_close(x, 2000);
	tt_xconn_free(x);
}

/* Realtime: each response.done is a call; the model is the session's. */
TT_TEST(realtime_responses)
{
	static const char RT[] =
		"GET /v1/realtime?model=gpt-realtime HTTP/1.1\r\nHost: api.openai.com\r\n"
		"Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
	struct got g;
	struct tt_xconn *x = conn(&g);
	struct buf c = { .n = 0 }, s = { .n = 0 };

	frame(&s, "{\"type\":\"session.created\",\"session\":{\"model\":\"gpt-realtime-1\"}}", 0);
	frame(&s, "{\"type\":\"response.created\",\"response\":{\"id\":\"r1\"}}", 0);
	frame(&s, "{\"type\":\"response.output_audio.delta\",\"delta\":\"AAAA\"}", 0);
	frame(&s, "{\"type\":\"response.done\",\"response\":{\"id\":\"r1\",\"status\":"
		  "\"cancelled\",\"status_details\":{\"type\":\"cancelled\",\"reason\":"
		  "\"turn_detected\"},\"usage\":{\"input_tokens\":50,\"output_tokens\":5,"
		  "\"input_token_details\":{\"cached_tokens\":10,\"audio_tokens\":40}}}}", 0);
	frame(&c, "{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}", 1);
	feed(x, TT_DIR_EGRESS, RT, strlen(RT));
	feed(x, TT_DIR_INGRESS, SWITCH, strlen(SWITCH));
	feed(x, TT_DIR_EGRESS, c.b, c.n);
	feed(x, TT_DIR_INGRESS, s.b, s.n);
	TT_CHECK_EQ_INT(g.n, 1);
	TT_CHECK_EQ_STR(g.call[0].operation, "realtime");
	TT_CHECK_EQ_STR(g.call[0].request_model, "gpt-realtime");
	TT_CHECK_EQ_STR(g.call[0].response_model, "gpt-realtime-1");
	TT_CHECK_EQ_STR(g.call[0].finish_reason, "turn_detected");
	TT_CHECK_EQ_STR(tt_outcome_name(g.call[0].outcome), "incomplete");
	TT_CHECK_EQ_U64(g.call[0].usage.input_tokens, 50);
	TT_CHECK_EQ_U64(g.call[0].usage.cache_read_input_tokens, 10);
	TT_CHECK_EQ_U64(g.call[0].usage.total_tokens, 55);
	TT_CHECK(strstr(g.call[0].usage_raw, "\"audio_tokens\":40") != NULL);
	tt_xconn_close(x, 2000);
	tt_xconn_free(x);
}

/* Not an API we know: frames are counted, no call is made up. A 101 to
 * something other than websocket (h2c) stays an interim response. */
TT_TEST(other_upgrades)
{
	static const char OTHER[] =
		"GET /socket HTTP/1.1\r\nHost: api.openai.com\r\n"
		"Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
	static const char H2C[] =
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n";
	struct got g;
	struct tt_xconn *x = conn(&g);
	struct buf s = { .n = 0 };

	frame(&s, COMPLETED, 0);
	feed(x, TT_DIR_EGRESS, OTHER, strlen(OTHER));
	feed(x, TT_DIR_INGRESS, SWITCH, strlen(SWITCH));
	feed(x, TT_DIR_INGRESS, s.b, s.n);
	tt_xconn_close(x, 2000);
	TT_CHECK_EQ_INT(g.n, 0);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->ws_unknown_api, 1);
	tt_xconn_free(x);

	x = conn(&g);
	feed(x, TT_DIR_EGRESS, UPGRADE, strlen(UPGRADE));
	feed(x, TT_DIR_INGRESS, H2C, strlen(H2C));
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->interim_responses, 1);
	TT_CHECK_EQ_U64(tt_xconn_get_stats(x)->ws_connections, 0);
	tt_xconn_close(x, 2000);
	tt_xconn_free(x);
}

static int up_head(void *ctx, const struct tt_h1_head *h)
{
	(void)ctx;
	return h->status == 101 ? TT_H1_UPGRADE : 0;
}

/* The HTTP/1 parser stops at an accepted 101 and says where. */
TT_TEST(h1_stops_at_upgrade)
{
	struct tt_h1_callbacks cb = { .on_head = up_head };
	struct tt_h1 *p = tt_h1_new(TT_H1_RESPONSE, &cb, NULL, NULL);
	static char in[512];
	size_t used = 99, hl = strlen(SWITCH);

	snprintf(in, sizeof(in), "%sHTTP/1.1 200 OK\r\n\r\n", SWITCH);
	TT_CHECK(p != NULL);
	TT_CHECK_EQ_INT(tt_h1_upgraded(p, &used), 0);
	TT_CHECK_EQ_INT(tt_h1_feed(p, (const uint8_t *)in, strlen(in)), 0);
	TT_CHECK_EQ_INT(tt_h1_upgraded(p, &used), 1);
	TT_CHECK_EQ_U64(used, hl);
	TT_CHECK_EQ_U64(tt_h1_get_stats(p)->messages, 1);
	TT_CHECK_EQ_INT(tt_h1_feed(p, (const uint8_t *)in, 10), 0);
	TT_CHECK_EQ_INT(tt_h1_upgraded(p, &used), 1);
	TT_CHECK_EQ_U64(used, 0);
	TT_CHECK_EQ_U64(tt_h1_get_stats(p)->messages, 1);
	tt_h1_free(p);
}
