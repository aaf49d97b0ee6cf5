// SPDX-License-Identifier: MIT
/*
 * Tests for user/provider/anthropic.c through the public decoder API:
 * Anthropic Messages on api.anthropic.com, Vertex AI rawPredict, Bedrock
 * mantle, the Google Cloud gateway and compatible hosts. Each exchange is
 * a request head, a response head and the body documents in wire shape;
 * every stream is also cut after each of its events.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "provider/call.h"
#include "provider/pdec_impl.h"
#include "pdec_harness.h"

/* The decoder under test (provider.c declares it for the dispatch). */
extern const struct tt_provider_ops tt_anthropic_ops;

/* ------------------------------------------------------------ documents */

#define SDK_HDRS                                                             \
	"user-agent", "Anthropic/Python 0.121.0", "x-stainless-lang",        \
		"python", "x-stainless-package-version", "0.121.0",          \
		"anthropic-version", "2023-06-01"

#define MSG_FULL                                                             \
	"{\"id\":\"msg_01AbC\",\"type\":\"message\",\"role\":\"assistant\","  \
	"\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":"    \
	"\"text\",\"text\":\"Hi there, a long enough reply text\"}],"         \
	"\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{"     \
	"\"input_tokens\":42,\"cache_creation_input_tokens\":1800,"           \
	"\"cache_read_input_tokens\":12000,\"cache_creation\":{"              \
	"\"ephemeral_5m_input_tokens\":1800,\"ephemeral_1h_input_tokens\":0},"\
	"\"output_tokens\":512,\"output_tokens_details\":{\"thinking_tokens\":300}," \
	"\"server_tool_use\":{\"web_search_requests\":1,\"web_fetch_requests\":0}," \
	"\"service_tier\":\"standard\",\"inference_geo\":\"global\"}}"

#define RAW_FULL                                                             \
	"{\"input_tokens\":42,\"cache_creation_input_tokens\":1800,"          \
	"\"cache_read_input_tokens\":12000,\"cache_creation\":{"              \
	"\"ephemeral_5m_input_tokens\":1800,\"ephemeral_1h_input_tokens\":0},"\
	"\"output_tokens\":512,\"output_tokens_details\":{\"thinking_tokens\":300}," \
	"\"server_tool_use\":{\"web_search_requests\":1,\"web_fetch_requests\":0}," \
	"\"service_tier\":\"standard\",\"inference_geo\":\"global\"}"

#define EV_START                                                             \
	{ "message_start",                                                   \
	  "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Str\","     \
	  "\"type\":\"message\",\"role\":\"assistant\",\"model\":"             \
	  "\"claude-haiku-4-5-20251001\",\"content\":[],\"stop_reason\":null," \
	  "\"stop_sequence\":null,\"usage\":{\"input_tokens\":42,"             \
	  "\"cache_creation_input_tokens\":1800,\"cache_read_input_tokens\":"  \
	  "12000,\"output_tokens\":1}}}" }
#define EV_BLOCK_START                                                       \
	{ "content_block_start",                                             \
	  "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"   \
	  "{\"type\":\"text\",\"text\":\"\"}}" }
#define EV_PING { "ping", "{\"type\": \"ping\"}" }
#define EV_DELTA                                                             \
	{ "content_block_delta",                                             \
	  "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":" \
	  "\"text_delta\",\"text\":\"Hello\"}}  " }
#define EV_BLOCK_STOP                                                        \
	{ "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}" }
#define EV_MSG_DELTA                                                         \
	{ "message_delta",                                                   \
	  "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"            \
	  "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":512}}" }
#define EV_STOP { "message_stop", "{\"type\":\"message_stop\"}" }

#define ERR_BODY(type, msg)                                                  \
	"{\"type\":\"error\",\"error\":{\"type\":\"" type "\",\"message\":\"" \
	msg "\"},\"request_id\":\"req_011CBody\"}"

#define API "api.anthropic.com"
#define VERTEX_PATH                                                          \
	"/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/" \
	"claude-sonnet-4-5@20250929"

static const struct pdec_case cases[] = {
	{ "messages_non_stream_cache_thinking",
	  { "anthropic", API, "/v1/messages?beta=true", "claude-sonnet-4-5", -1,
	    { SDK_HDRS, "x-stainless-retry-count", "1", NULL }, 200,
	    { "content-type", "application/json", "request-id",
	      "req_011CSLsW7mFqvHHnzrKdKjAE", NULL },
	    { { NULL, MSG_FULL } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "claude-sonnet-4-5",
	    "claude-sonnet-4-5-20250929", 0, TT_OUT_SUCCESS, NULL,
	    "req_011CSLsW7mFqvHHnzrKdKjAE", "msg_01AbC", "end_turn",
	    { 13842, 512, 12000, 1800, 300, 14354 }, TT_USAGE_REPORTED, 1,
	    RAW_FULL } },
	{ "messages_stream",
	  { "anthropic", API, "/v1/messages",
	    "claude-haiku-4-5", 1, { SDK_HDRS, "x-stainless-retry-count", "0", NULL },
	    200,
	    { "content-type", "text/event-stream; charset=utf-8", "request-id",
	      "req_011Stream", NULL },
	    { EV_START, EV_BLOCK_START, EV_PING, EV_DELTA, EV_BLOCK_STOP,
	      EV_MSG_DELTA, EV_STOP }, 1, 0, -1 },
	  { TT_FRAME_SSE, "anthropic", "chat", "claude-haiku-4-5",
	    "claude-haiku-4-5-20251001", 1, TT_OUT_SUCCESS, NULL,
	    "req_011Stream", "msg_01Str", "end_turn",
	    { 13842, 512, 12000, 1800, -1, 14354 }, TT_USAGE_REPORTED, 0,
	    "{\"message_start\":{\"input_tokens\":42,"
	    "\"cache_creation_input_tokens\":1800,\"cache_read_input_tokens\":"
	    "12000,\"output_tokens\":1},\"message_delta\":{\"output_tokens\":512}}" } },
	{ "stream_delta_carries_cumulative_input",
	  { "anthropic", API,
	    "/v1/messages", "claude-opus-4-1", 1, { NULL }, 200,
	    { "content-type", "text/event-stream", NULL },
	    { { "message_start",
		"{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":"
		"\"claude-opus-4-1-20250805\",\"usage\":{\"input_tokens\":10,"
		"\"cache_creation_input_tokens\":null,\"cache_read_input_tokens\":null,"
		"\"output_tokens\":1}}}" },
	      { "message_delta",
		"{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
		"\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":5,"
		"\"cache_creation_input_tokens\":null,\"output_tokens\":7,"
		"\"output_tokens_details\":{\"thinking_tokens\":3}}}" },
	      { "message_delta",
		"{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
		"\"usage\":{\"output_tokens\":20}}" },
	      EV_STOP }, 1, 0, -1 },
	  { TT_FRAME_SSE, "anthropic", "chat", "claude-opus-4-1",
	    "claude-opus-4-1-20250805", 1, TT_OUT_SUCCESS, NULL, NULL, "msg_1",
	    "end_turn", { 15, 20, 5, -1, 3, 35 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "stream_without_usage_gateway",
	  { NULL, "llm-gw.internal:8080",
	    "/anthropic/v1/messages", "claude-3-5-haiku-latest", 1, { NULL }, 200,
	    { NULL }, /* no content-type: the request's stream flag decides */
	    { { "message_start",
		"{\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\","
		"\"model\":\"claude-3-5-haiku-20241022\"}}" },
	      EV_DELTA,
	      { "message_delta",
		"{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
		"\"max_tokens\"},\"usage\":null}" },
	      EV_STOP }, 1, -1, -1 },
	  { TT_FRAME_SSE, "anthropic", "chat", "claude-3-5-haiku-latest",
	    "claude-3-5-haiku-20241022", 1, TT_OUT_SUCCESS, NULL, NULL, "msg_2",
	    "max_tokens", NONE, TT_USAGE_MISSING, -1, NULL } },
	{ "rate_limited_429",
	  { "anthropic", API, "/v1/messages", "claude-sonnet-4-5",
	    -1, { SDK_HDRS, "x-stainless-retry-count", "2", NULL }, 429,
	    { "content-type", "application/json", "request-id", "req_011Rate",
	      "retry-after", "12", NULL },
	    { { NULL, ERR_BODY("rate_limit_error",
			       "Number of request tokens has exceeded your per-minute rate limit") } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "claude-sonnet-4-5", NULL, 0,
	    TT_OUT_RATE_LIMITED, "rate_limit_error", "req_011Rate", NULL, NULL,
	    NONE, TT_USAGE_NONE, 2, "" } },
	{ "auth_401_request_id_from_body",
	  { "anthropic", API, "/v1/messages",
	    "claude-sonnet-4-5", 1, { NULL }, 401,
	    { "content-type", "application/json", NULL },
	    { { NULL, ERR_BODY("authentication_error", "invalid x-api-key") } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "claude-sonnet-4-5", NULL, 1,
	    TT_OUT_AUTH_ERROR, "authentication_error", "req_011CBody", NULL,
	    NULL, NONE, TT_USAGE_NONE, -1, NULL } },
	{ "server_500",
	  { "anthropic", API, "/v1/messages", "claude-sonnet-4-5",
	    -1, { NULL }, 500,
	    { "content-type", "application/json", "request-id", "req_500", NULL },
	    { { NULL, ERR_BODY("api_error", "Internal server error") } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "claude-sonnet-4-5", NULL, 0,
	    TT_OUT_SERVER_ERROR, "api_error", "req_500", NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "overloaded_529",
	  { "anthropic", API, "/v1/messages", "claude-opus-4-1",
	    1, { NULL }, 529,
	    { "content-type", "application/json", "request-id", "req_529", NULL },
	    { { NULL, ERR_BODY("overloaded_error", "Overloaded") } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "claude-opus-4-1", NULL, 1,
	    TT_OUT_OVERLOADED, "overloaded_error", "req_529", NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "in_stream_overloaded",
	  { "anthropic", API, "/v1/messages",
	    "claude-haiku-4-5", 1, { NULL }, 200,
	    { "content-type", "text/event-stream", "request-id", "req_ovl", NULL },
	    { EV_START, EV_BLOCK_START, EV_DELTA,
	      { "error", "{\"type\":\"error\",\"error\":{\"type\":"
			 "\"overloaded_error\",\"message\":\"Overloaded\"}}" } },
	    1, 0, -1 },
	  { TT_FRAME_SSE, "anthropic", "chat", "claude-haiku-4-5",
	    "claude-haiku-4-5-20251001", 1, TT_OUT_OVERLOADED, "overloaded_error",
	    "req_ovl", "msg_01Str", NULL, { 13842, 1, 12000, 1800, -1, 13843 },
	    TT_USAGE_PARTIAL, -1, NULL } },
	{ "in_stream_api_error",
	  { "anthropic", API, "/v1/messages",
	    "claude-haiku-4-5", 1, { NULL }, 200,
	    { "content-type", "text/event-stream", NULL },
	    { EV_START, EV_DELTA,
	      { "error", "{\"type\":\"error\",\"error\":{\"type\":\"api_error\","
			 "\"message\":\"Internal server error\"}}" } },
	    1, 0, -1 },
	  { TT_FRAME_SSE, "anthropic", "chat", "claude-haiku-4-5",
	    "claude-haiku-4-5-20251001", 1, TT_OUT_INCOMPLETE, "api_error", NULL,
	    "msg_01Str", NULL, { 13842, 1, 12000, 1800, -1, 13843 },
	    TT_USAGE_PARTIAL, -1, NULL } },
	{ "interrupted_stream",
	  { "anthropic", API, "/v1/messages",
	    "claude-haiku-4-5", 1, { NULL }, 200,
	    { "content-type", "text/event-stream", NULL },
	    { EV_START, EV_BLOCK_START, EV_DELTA }, 0, 0, -1 },
	  { TT_FRAME_SSE, "anthropic", "chat", "claude-haiku-4-5",
	    "claude-haiku-4-5-20251001", 1, TT_OUT_INCOMPLETE, NULL, NULL,
	    "msg_01Str", NULL, { 13842, 1, 12000, 1800, -1, 13843 },
	    TT_USAGE_PARTIAL, -1, NULL } },
	{ "stream_ends_without_message_stop",
	  { "anthropic", API, "/v1/messages",
	    "claude-haiku-4-5", 1, { NULL }, 200,
	    { "content-type", "text/event-stream", NULL },
	    { EV_START, EV_DELTA, EV_MSG_DELTA }, 1, 0, -1 },
	  { TT_FRAME_SSE, "anthropic", "chat", "claude-haiku-4-5",
	    "claude-haiku-4-5-20251001", 1, TT_OUT_INCOMPLETE, NULL, NULL,
	    "msg_01Str", "end_turn", { 13842, 512, 12000, 1800, -1, 14354 },
	    TT_USAGE_PARTIAL, -1, NULL } },
	{ "count_tokens",
	  { "anthropic", API, "/v1/messages/count_tokens",
	    "claude-sonnet-4-5", -1, { NULL }, 200,
	    { "content-type", "application/json", "request-id", "req_ct", NULL },
	    { { NULL, "{\"input_tokens\":2095}" } }, 1, -1, -1 },
	  { TT_FRAME_IGNORE, "anthropic", "count_tokens", "claude-sonnet-4-5",
	    NULL, 0, TT_OUT_SUCCESS, NULL, "req_ct", NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, "" } },
	{ "count_tokens_error",
	  { "anthropic", API, "/v1/messages/count_tokens",
	    "claude-nope", -1, { NULL }, 404,
	    { "content-type", "application/json", NULL },
	    { { NULL, ERR_BODY("not_found_error", "model: claude-nope") } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "count_tokens", "claude-nope", NULL, 0,
	    TT_OUT_CLIENT_ERROR, "not_found_error", "req_011CBody", NULL, NULL,
	    NONE, TT_USAGE_NONE, -1, NULL } },
	{ "batch_create",
	  { "anthropic", API, "/v1/messages/batches", NULL, -1,
	    { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"id\":\"msgbatch_01\",\"type\":\"message_batch\"}" } },
	    1, -1, -1 },
	  { TT_FRAME_IGNORE, "anthropic", "batch", NULL, NULL, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE, TT_USAGE_NONE, -1,
	    NULL } },
	{ "vertex_stream_raw_predict",
	  { "gcp.vertex_ai", "us-east5-aiplatform.googleapis.com",
	    VERTEX_PATH ":streamRawPredict", NULL, 1, { NULL }, 200,
	    { "content-type", "text/event-stream", NULL },
	    { EV_START, EV_DELTA, EV_MSG_DELTA, EV_STOP }, 1, 0, -1 },
	  { TT_FRAME_SSE, "gcp.vertex_ai", "chat", "claude-sonnet-4-5@20250929",
	    "claude-haiku-4-5-20251001", 1, TT_OUT_SUCCESS, NULL, NULL,
	    "msg_01Str", "end_turn", { 13842, 512, 12000, 1800, -1, 14354 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "vertex_raw_predict_google_error",
	  { "gcp.vertex_ai",
	    "aiplatform.googleapis.com", VERTEX_PATH ":rawPredict", NULL, -1,
	    { NULL }, 429, { "content-type", "application/json", NULL },
	    { { NULL, "{\"error\":{\"code\":429,\"message\":\"Quota exceeded\","
		      "\"status\":\"RESOURCE_EXHAUSTED\"}}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.vertex_ai", "chat",
	    "claude-sonnet-4-5@20250929", NULL, 0, TT_OUT_RATE_LIMITED,
	    "RESOURCE_EXHAUSTED", NULL, NULL, NULL, NONE, TT_USAGE_NONE, -1,
	    NULL } },
	{ "vertex_count_tokens",
	  { "gcp.vertex_ai", "us-east5-aiplatform.googleapis.com",
	    "/v1/projects/p/locations/us-east5/publishers/anthropic/models/"
	    "count-tokens:rawPredict", "claude-sonnet-4-5", -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"input_tokens\":12}" } }, 1, -1, -1 },
	  { TT_FRAME_IGNORE, "gcp.vertex_ai", "count_tokens", "claude-sonnet-4-5",
	    NULL, 0, TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "bedrock_mantle",
	  { "aws.bedrock", "bedrock-mantle.us-east-1.api.aws",
	    "/anthropic/v1/messages", "anthropic.claude-sonnet-4-5", -1, { NULL },
	    200, { "content-type", "application/json", "x-amzn-requestid",
		   "6f1c3c1e-2b7a-4c3e-9f1e-1a2b3c4d5e6f", NULL },
	    { { NULL, MSG_FULL } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "anthropic.claude-sonnet-4-5",
	    "claude-sonnet-4-5-20250929", 0, TT_OUT_SUCCESS, NULL,
	    "6f1c3c1e-2b7a-4c3e-9f1e-1a2b3c4d5e6f", "msg_01AbC", "end_turn",
	    { 13842, 512, 12000, 1800, 300, 14354 }, TT_USAGE_REPORTED, -1,
	    NULL } },
	{ "google_cloud_gateway_invoke",
	  { "anthropic", "claude.googleapis.com",
	    "/v1alpha/projects/p/locations/global/workspaces/ws1/invoke",
	    "claude-sonnet-4-5", -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, MSG_FULL } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "claude-sonnet-4-5",
	    "claude-sonnet-4-5-20250929", 0, TT_OUT_SUCCESS, NULL, NULL,
	    "msg_01AbC", "end_turn", { 13842, 512, 12000, 1800, 300, 14354 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "cache_write_ttl_split_only",
	  { NULL, "localhost:4000", "/v1/messages",
	    "claude-sonnet-4-5", -1, { NULL }, 200, { NULL },
	    { { NULL, "{\"id\":\"msg_3\",\"type\":\"message\",\"model\":\"m\","
		      "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":5,"
		      "\"cache_creation\":{\"ephemeral_5m_input_tokens\":100,"
		      "\"ephemeral_1h_input_tokens\":200},\"output_tokens\":9}}" } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "claude-sonnet-4-5", "m", 0,
	    TT_OUT_SUCCESS, NULL, NULL, "msg_3", "end_turn",
	    { 305, 9, -1, 300, -1, 314 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "success_without_usage",
	  { "anthropic", API, "/v1/messages", "m", -1,
	    { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"id\":\"msg_4\",\"type\":\"message\",\"model\":\"m\","
		      "\"stop_reason\":\"end_turn\"}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "anthropic", "chat", "m", "m", 0, TT_OUT_SUCCESS,
	    NULL, NULL, "msg_4", "end_turn", NONE, TT_USAGE_MISSING, -1, "" } },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

TT_TEST(exchanges)
{
	struct tt_pdec *d = tt_pdec_new();

	TT_CHECK(d != NULL);
	if (d)
		pdec_check_cases(d, cases, NCASES);
	tt_pdec_free(d);
}

/* Every clean stream cut after each of its events: incomplete, with the
 * cumulative usage seen so far (partial) or none (missing). */
TT_TEST(streams_cut_after_every_event)
{
	struct tt_pdec *d = tt_pdec_new();

	for (size_t i = 0; d && i < NCASES; i++)
		if (cases[i].w.framing == TT_FRAME_SSE &&
		    cases[i].w.outcome == TT_OUT_SUCCESS)
			pdec_check_cuts(d, &cases[i]);
	tt_pdec_free(d);
}

static int matches(const char *hint, const char *host, const char *path)
{
	return pdec_matches(&tt_anthropic_ops, hint, host, path);
}

TT_TEST(routing)
{
	TT_CHECK(matches("anthropic", API, "/v1/messages"));
	TT_CHECK(matches("anthropic", API, "/v1/models"));
	TT_CHECK(!matches("anthropic", API, "/v1/chat/completions"));
	TT_CHECK(matches("gcp.vertex_ai", "aiplatform.googleapis.com",
			 VERTEX_PATH ":rawPredict"));
	TT_CHECK(!matches("gcp.vertex_ai", "aiplatform.googleapis.com",
			  "/v1/projects/p/locations/l/publishers/google/models/"
			  "gemini-2.5-pro:generateContent"));
	TT_CHECK(matches("aws.bedrock", "bedrock-mantle.us-west-2.api.aws",
			 "/anthropic/v1/messages"));
	TT_CHECK(!matches("aws.bedrock", "bedrock-runtime.us-east-1.amazonaws.com",
			  "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"));
	TT_CHECK(matches(NULL, "127.0.0.1:11434", "/v1/messages"));
	TT_CHECK(!matches(NULL, "127.0.0.1", "/v1/messagesx"));
	TT_CHECK(!matches("openai", "api.openai.com", "/v1/chat/completions"));
}

static void feed(struct tt_pdec *d, const char *event, const char *json)
{
	tt_pdec_json(d, event, event ? strlen(event) : 0, json, strlen(json));
}

/* Unknown and malformed documents are counted, never fatal; a reused
 * decoder starts clean. */
TT_TEST(odd_documents_and_reuse)
{
	struct tt_pdec *d = tt_pdec_new();
	const struct pdec_case *stream = &cases[1], *plain = &cases[0];
	struct tt_req_fields body = { .stream = 1, .include_usage = -1 };
	struct tt_req_info req = { "anthropic", API, "POST", "/v1/messages", 12,
				   NULL, &body };
	struct tt_call call;
	uint64_t errs;

	TT_CHECK_EQ_INT(tt_pdec_begin(d, &req), 0);
	TT_CHECK_EQ_INT(tt_pdec_response(d, 200, NULL), TT_FRAME_SSE);
	errs = tt_pdec_stats(d)->json_errors;
	feed(d, "message_start", "{\"type\":");
	feed(d, "agent.thinking", "{\"type\":\"agent.thinking\"}");
	feed(d, NULL, "[1,2]");
	feed(d, "message_start",
	     "{\"type\":\"message_start\",\"message\":{\"usage\":"
	     "{\"input_tokens\":-5,\"output_tokens\":1e300}}}");
	tt_pdec_finish(d, 1, &call);
	TT_CHECK_EQ_U64(tt_pdec_stats(d)->json_errors, errs + 1);
	TT_CHECK(tt_pdec_stats(d)->unknown_events >= 2);
	TT_CHECK_EQ_INT(call.usage.input_tokens, -1);
	TT_CHECK_EQ_INT(call.usage.output_tokens, -1);
	TT_CHECK_EQ_INT(call.usage_status, TT_USAGE_MISSING);
	TT_CHECK_EQ_INT(call.outcome, TT_OUT_INCOMPLETE);

	tt_case("reuse");
	pdec_run(d, &stream->x, pdec_ndocs(&stream->x), 1, &call);
	pdec_check_call(stream, TT_FRAME_SSE, &call);
	pdec_run(d, &plain->x, pdec_ndocs(&plain->x), 1, &call);
	pdec_check_call(plain, TT_FRAME_WHOLE, &call);
	tt_pdec_free(d);
}

/* The TTL split of cache writes is kept: 1-hour writes cost more. */
TT_TEST(cache_writes_by_ttl)
{
	static const struct pdec_xch x = {
		"anthropic", API, "/v1/messages", "claude-sonnet-4-5", -1,
		{ NULL }, 200, { "content-type", "application/json", NULL },
		{ { NULL, "{\"id\":\"msg_1\",\"type\":\"message\",\"model\":"
			  "\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":10,"
			  "\"cache_creation_input_tokens\":300,"
			  "\"cache_read_input_tokens\":50,\"cache_creation\":{"
			  "\"ephemeral_5m_input_tokens\":100,"
			  "\"ephemeral_1h_input_tokens\":200},\"output_tokens\":5}}" } },
		1, -1, -1,
	};
	struct tt_pdec *d = tt_pdec_new();
	struct tt_call call;

	pdec_run(d, &x, 1, 1, &call);
	TT_CHECK_EQ_INT(call.usage.input_tokens, 360);
	TT_CHECK_EQ_INT(call.usage.cache_creation_input_tokens, 300);
	TT_CHECK_EQ_INT(call.usage.cache_creation_1h_input_tokens, 200);
	TT_CHECK_EQ_STR(call.usage_problem, "");
	tt_pdec_free(d);
}

/* A count no provider could mean is named, whatever became of it. */
TT_TEST(impossible_counts_are_named)
{
	static const struct {
		const char *usage, *problem;
	} odd[] = {
		{ "{\"input_tokens\":10.5,\"output_tokens\":5}", "fractional_count" },
		{ "{\"input_tokens\":10,\"output_tokens\":-5}", "negative_count" },
		{ "{\"input_tokens\":1e300,\"output_tokens\":5}", "absurd_count" },
		{ "{\"input_tokens\":10,\"output_tokens\":5,\"server_tool_use\":"
		  "{\"web_search_requests\":1.5}}", "" },
	};
	struct tt_pdec *d = tt_pdec_new();

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char body[256];
		struct pdec_xch x = {
			"anthropic", API, "/v1/messages", "claude-sonnet-4-5", -1,
			{ NULL }, 200, { "content-type", "application/json", NULL },
			{ { NULL, body } }, 1, -1, -1,
		};
		struct tt_call call;

		tt_case("%s", odd[i].usage);
		snprintf(body, sizeof(body), "{\"type\":\"message\",\"usage\":%s}",
			 odd[i].usage);
		pdec_run(d, &x, 1, 1, &call);
		TT_CHECK_EQ_STR(call.usage_problem, odd[i].problem);
	}
	tt_pdec_free(d);
}
