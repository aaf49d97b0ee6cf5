// SPDX-License-Identifier: MIT
/*
 * Tests for user/provider/bedrock.c through the public decoder API:
 * InvokeModel for several model families, InvokeModelWithResponseStream
 * (base64 chunks with invocation metrics), Converse, ConverseStream,
 * exceptions and errors. Documents are eventstream payloads as the framer
 * hands them over (event = :event-type or :exception-type); a "chunk"
 * document below is the model's JSON, base64-wrapped by the test.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "provider/call.h"
#include "provider/pdec_impl.h"
#include "tt_test.h"

#define MAX_DOCS 12

struct doc {
	const char *event, *json;
};

struct xch {
	const char *name, *hint, *host, *target, *model;
	int stream;                /* request body "stream": true */
	const char *req_hdrs[12];  /* name, value, ..., NULL */
	int status;
	const char *resp_hdrs[16];
	struct doc docs[MAX_DOCS]; /* up to the first json == NULL */
	int complete;
	int first_usage;           /* index of the first doc with usage, -1 none */
};

struct want {
	int framing;
	const char *provider, *operation, *request_model, *response_model;
	int stream, outcome;
	const char *error_type, *request_id, *response_id, *finish_reason;
	int64_t u[6]; /* input, output, cache read, cache write, reasoning, total */
	int usage_status;
	int attempt;
	const char *raw; /* usage_raw, NULL: not checked */
};

struct tcase {
	struct xch x;
	struct want w;
};

#define NONE { -1, -1, -1, -1, -1, -1 }

static void hdrs_from(struct tt_hdrs *hs, const char *const *kv)
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

static size_t ndocs(const struct xch *x)
{
	size_t n = 0;

	while (n < MAX_DOCS && x->docs[n].json)
		n++;
	return n;
}

/* {"bytes":"<base64 of the model's JSON>"}, as Bedrock sends a chunk;
 * "chunk-raw" passes the payload as it is. */
static void feed_doc(struct tt_pdec *d, const struct doc *doc)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = (const unsigned char *)doc->json;
	size_t len = strlen(doc->json), o;
	char buf[8192];

	if (!doc->event || strcmp(doc->event, "chunk")) {
		const char *ev = doc->event && !strcmp(doc->event, "chunk-raw")
					 ? "chunk" : doc->event;

		tt_pdec_json(d, ev, ev ? strlen(ev) : 0, doc->json, len);
		return;
	}
	o = (size_t)snprintf(buf, sizeof(buf), "{\"bytes\":\"");
	for (size_t i = 0; i < len && o + 8 < sizeof(buf); i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 |
			     (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);

		buf[o++] = tab[v >> 18 & 63];
		buf[o++] = tab[v >> 12 & 63];
		buf[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		buf[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\",\"p\":\"abcd\"}");
	tt_pdec_json(d, "chunk", 5, buf, o);
}

/* Runs the exchange with the first n documents; returns the framing. */
static int run(struct tt_pdec *d, const struct xch *x, size_t n, int complete,
	       struct tt_call *out)
{
	struct tt_req_fields body = { .stream = x->stream ? 1 : -1,
				      .include_usage = -1 };
	struct tt_hdrs rq, rs;
	struct tt_req_info req = { x->hint, x->host, "POST", x->target,
				   strlen(x->target), &rq, &body };
	int framing;

	if (x->model) {
		tt_copy(body.model, sizeof(body.model), x->model,
			strlen(x->model));
		body.has_model = 1;
	}
	hdrs_from(&rq, x->req_hdrs);
	hdrs_from(&rs, x->resp_hdrs);
	TT_CHECK_EQ_INT(tt_pdec_begin(d, &req), 0);
	framing = tt_pdec_response(d, x->status, &rs);
	for (size_t i = 0; i < n; i++) {
		const struct doc *doc = &x->docs[i];

		feed_doc(d, doc);
	}
	tt_pdec_finish(d, complete, out);
	return framing;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void check_call(const struct tcase *c, int framing,
		       const struct tt_call *call)
{
	const struct want *w = &c->w;
	const char *q = strchr(c->x.target, '?');
	char endpoint[256];

	tt_copy(endpoint, sizeof(endpoint), c->x.target,
		q ? (size_t)(q - c->x.target) : strlen(c->x.target));
	TT_CHECK_EQ_INT(framing, w->framing);
	TT_CHECK_EQ_STR(call->provider, w->provider);
	TT_CHECK_EQ_STR(call->operation, w->operation);
	TT_CHECK_EQ_STR(call->endpoint, endpoint);
	TT_CHECK_EQ_STR(call->request_model, or_empty(w->request_model));
	TT_CHECK_EQ_STR(call->response_model, or_empty(w->response_model));
	TT_CHECK_EQ_INT(call->stream, w->stream);
	TT_CHECK_EQ_INT(call->status, c->x.status);
	TT_CHECK_EQ_STR(tt_outcome_name(call->outcome),
			tt_outcome_name(w->outcome));
	TT_CHECK_EQ_STR(call->error_type, or_empty(w->error_type));
	TT_CHECK_EQ_STR(call->request_id, or_empty(w->request_id));
	TT_CHECK_EQ_STR(call->response_id, or_empty(w->response_id));
	TT_CHECK_EQ_STR(call->finish_reason, or_empty(w->finish_reason));
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

/* ------------------------------------------------------------ documents */

#define RT "bedrock-runtime.us-east-1.amazonaws.com"
#define HAIKU "/model/anthropic.claude-3-haiku-20240307-v1%3A0"
#define HAIKU_ID "anthropic.claude-3-haiku-20240307-v1:0"
#define REQ_ID "a5b2c3d4-1111-2222-3333-444455556666"
#define BOTO_HDRS                                                            \
	"user-agent", "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux",     \
		"x-amz-date", "20250101T000000Z"

#define CLAUDE_MSG(usage)                                                    \
	"{\"id\":\"msg_bdrk_01\",\"type\":\"message\",\"role\":\"assistant\"," \
	"\"model\":\"claude-3-haiku-20240307\",\"content\":[{\"type\":"       \
	"\"text\",\"text\":\"Hello!\"}],\"stop_reason\":\"end_turn\","        \
	"\"stop_sequence\":null,\"usage\":" usage "}"

#define INVOKE_HDRS(in, out)                                                 \
	"content-type", "application/json", "x-amzn-requestid", REQ_ID,       \
		"x-amzn-bedrock-invocation-latency", "926",                   \
		"x-amzn-bedrock-input-token-count", #in,                      \
		"x-amzn-bedrock-output-token-count", #out

#define ES_HDRS                                                              \
	"content-type", "application/vnd.amazon.eventstream",                 \
		"x-amzn-requestid", REQ_ID

#define C_START                                                              \
	{ "chunk", "{\"type\":\"message_start\",\"message\":{\"id\":"          \
		   "\"msg_bdrk_s\",\"type\":\"message\",\"role\":\"assistant\"," \
		   "\"model\":\"claude-3-haiku-20240307\",\"content\":[],"      \
		   "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{"    \
		   "\"input_tokens\":14,\"output_tokens\":1}}}" }
#define C_BLOCK                                                              \
	{ "chunk", "{\"type\":\"content_block_start\",\"index\":0,"            \
		   "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}" }
#define C_TEXT                                                               \
	{ "chunk", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"  \
		   "{\"type\":\"text_delta\",\"text\":\"Hello!\"}}" }
#define C_DELTA                                                              \
	{ "chunk", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"   \
		   "\"end_turn\",\"stop_sequence\":null},\"usage\":{"           \
		   "\"output_tokens\":36}}" }
#define C_STOP(out)                                                          \
	{ "chunk", "{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":" \
		   "{\"inputTokenCount\":14,\"outputTokenCount\":" #out ","     \
		   "\"invocationLatency\":926,\"firstByteLatency\":300}}" }

#define CV_START { "messageStart", "{\"p\":\"abcdefgh\",\"role\":\"assistant\"}" }
#define CV_TEXT                                                              \
	{ "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":" \
			       "\"Hello\"},\"p\":\"abcd\"}" }
#define CV_BSTOP { "contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"ab\"}" }
#define CV_STOP { "messageStop", "{\"p\":\"abc\",\"stopReason\":\"end_turn\"}" }
#define CV_META                                                              \
	{ "metadata", "{\"metrics\":{\"latencyMs\":512},\"p\":\"abcdef\","      \
		      "\"usage\":{\"inputTokens\":25,\"outputTokens\":40,"      \
		      "\"totalTokens\":65}}" }

#define ERR_HDRS(type)                                                       \
	"content-type", "application/json", "x-amzn-requestid", REQ_ID,       \
		"x-amzn-ErrorType",                                           \
		type ":http://internal.amazon.com/coral/com.amazon.bedrock/"

static const struct tcase cases[] = {
	{ { "invoke_claude", "aws.bedrock", RT, HAIKU "/invoke", NULL, 0,
	    { BOTO_HDRS, NULL }, 200, { INVOKE_HDRS(14, 36), NULL },
	    { { NULL, CLAUDE_MSG("{\"input_tokens\":14,\"output_tokens\":36}") } },
	    1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 0, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_01", "end_turn", { 14, 36, -1, -1, -1, 50 },
	    TT_USAGE_REPORTED, -1, "{\"input_tokens\":14,\"output_tokens\":36}" } },
	{ { "invoke_claude_cache_headers_win", "aws.bedrock", RT, HAIKU "/invoke",
	    NULL, 0, { NULL }, 200,
	    { INVOKE_HDRS(14, 37), "x-amzn-bedrock-cache-read-input-token-count",
	      "1024", "x-amzn-bedrock-cache-write-input-token-count", "0", NULL },
	    { { NULL, CLAUDE_MSG("{\"input_tokens\":14,\"cache_creation_input_tokens\":0,"
				 "\"cache_read_input_tokens\":1000,\"output_tokens\":36}") } },
	    1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 0, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_01", "end_turn", { 1038, 37, 1024, 0, -1, 1075 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ { "invoke_titan", "aws.bedrock", RT, "/model/amazon.titan-text-express-v1/invoke",
	    NULL, 0, { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"inputTextTokenCount\":5,\"results\":[{\"tokenCount\":20,"
		      "\"outputText\":\"short\",\"completionReason\":\"FINISH\"}]}" } },
	    1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "amazon.titan-text-express-v1",
	    "amazon.titan-text-express-v1", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    "FINISH", { 5, 20, -1, -1, -1, 25 }, TT_USAGE_REPORTED, -1,
	    "{\"inputTextTokenCount\":5,\"tokenCount\":20}" } },
	{ { "invoke_titan_embed", "aws.bedrock", RT,
	    "/model/amazon.titan-embed-text-v2%3A0/invoke", NULL, 0, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"embedding\":[0.1,-0.2],\"embeddingsByType\":{\"float\":"
		      "[0.1,-0.2]},\"inputTextTokenCount\":7}" } }, 1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "amazon.titan-embed-text-v2:0",
	    "amazon.titan-embed-text-v2:0", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    NULL, { 7, -1, -1, -1, -1, 7 }, TT_USAGE_REPORTED, -1, NULL } },
	{ { "invoke_llama_no_text_in_raw", "aws.bedrock", RT,
	    "/model/meta.llama3-8b-instruct-v1%3A0/invoke", NULL, 0, { NULL }, 200,
	    { INVOKE_HDRS(12, 40), NULL },
	    { { NULL, "{\"generation\":\"Hi\",\"prompt_token_count\":12,"
		      "\"generation_token_count\":40,\"stop_reason\":\"stop\"}" } },
	    1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "meta.llama3-8b-instruct-v1:0",
	    "meta.llama3-8b-instruct-v1:0", 0, TT_OUT_SUCCESS, NULL, REQ_ID, NULL,
	    "stop", { 12, 40, -1, -1, -1, 52 }, TT_USAGE_REPORTED, -1,
	    "{\"prompt_token_count\":12,\"generation_token_count\":40}" } },
	{ { "invoke_cohere_headers_only", "aws.bedrock", RT,
	    "/model/cohere.command-r-v1%3A0/invoke", NULL, 0, { NULL }, 200,
	    { INVOKE_HDRS(25, 60), NULL },
	    { { NULL, "{\"response_id\":\"r1\",\"text\":\"ok\",\"generation_id\":"
		      "\"g1\",\"chat_history\":[],\"finish_reason\":\"COMPLETE\"}" } },
	    1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "cohere.command-r-v1:0",
	    "cohere.command-r-v1:0", 0, TT_OUT_SUCCESS, NULL, REQ_ID, NULL,
	    "COMPLETE", { 25, 60, -1, -1, -1, 85 }, TT_USAGE_REPORTED, -1, "" } },
	{ { "invoke_mistral_chat", "aws.bedrock", RT,
	    "/model/mistral.mistral-large-2407-v1%3A0/invoke", NULL, 0, { NULL },
	    200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":"
		      "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
		      "\"x\"},\"finish_reason\":\"stop\"}],\"usage\":{"
		      "\"prompt_tokens\":10,\"completion_tokens\":20,"
		      "\"total_tokens\":30}}" } }, 1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "mistral.mistral-large-2407-v1:0",
	    "mistral.mistral-large-2407-v1:0", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    "stop", { 10, 20, -1, -1, -1, 30 }, TT_USAGE_REPORTED, -1, NULL } },
	{ { "invoke_nova_cache_inclusive", "aws.bedrock", RT,
	    "/model/us.amazon.nova-pro-v1%3A0/invoke", NULL, 0, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":"
		      "[{\"text\":\"x\"}]}},\"stopReason\":\"end_turn\",\"usage\":{"
		      "\"inputTokens\":100,\"outputTokens\":50,\"totalTokens\":150,"
		      "\"cacheReadInputTokenCount\":80,\"cacheWriteInputTokenCount\":0}}" } },
	    1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "us.amazon.nova-pro-v1:0",
	    "us.amazon.nova-pro-v1:0", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    "end_turn", { 100, 50, 80, 0, -1, 150 }, TT_USAGE_REPORTED, -1, NULL } },
	{ { "invoke_stream_claude", "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, 0, { BOTO_HDRS, NULL }, 200,
	    { ES_HDRS, "x-amzn-bedrock-content-type", "application/json", NULL },
	    { C_START, C_BLOCK, C_TEXT, { "chunk", "{\"type\":\"content_block_stop\",\"index\":0}" },
	      C_DELTA, C_STOP(36) }, 1, 0 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_s", "end_turn", { 14, 36, -1, -1, -1, 50 },
	    TT_USAGE_REPORTED, -1,
	    "{\"message_start\":{\"input_tokens\":14,\"output_tokens\":1},"
	    "\"message_delta\":{\"output_tokens\":36},"
	    "\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":14,"
	    "\"outputTokenCount\":36,\"invocationLatency\":926,"
	    "\"firstByteLatency\":300}}" } },
	{ { "invoke_stream_metrics_win", "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, 0, { NULL }, 200,
	    { ES_HDRS, NULL }, { C_START, C_DELTA, C_STOP(37) }, 1, 0 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_s", "end_turn", { 14, 37, -1, -1, -1, 51 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ { "invoke_stream_llama", "aws.bedrock", RT,
	    "/model/meta.llama3-70b-instruct-v1%3A0/invoke-with-response-stream",
	    NULL, 0, { NULL }, 200, { ES_HDRS, NULL },
	    { { "chunk", "{\"generation\":\"Hi\",\"prompt_token_count\":12,"
			 "\"generation_token_count\":1,\"stop_reason\":null}" },
	      { "chunk", "{\"generation\":\" there\",\"prompt_token_count\":null,"
			 "\"generation_token_count\":2,\"stop_reason\":null}" },
	      { "chunk", "{\"generation\":\"\",\"prompt_token_count\":null,"
			 "\"generation_token_count\":3,\"stop_reason\":\"stop\","
			 "\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":12,"
			 "\"outputTokenCount\":3,\"invocationLatency\":400,"
			 "\"firstByteLatency\":100}}" } }, 1, 0 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat",
	    "meta.llama3-70b-instruct-v1:0", "meta.llama3-70b-instruct-v1:0", 1,
	    TT_OUT_SUCCESS, NULL, REQ_ID, NULL, "stop", { 12, 3, -1, -1, -1, 15 },
	    TT_USAGE_REPORTED, -1,
	    "{\"prompt_token_count\":12,\"generation_token_count\":3,"
	    "\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":12,"
	    "\"outputTokenCount\":3,\"invocationLatency\":400,\"firstByteLatency\":100}}" } },
	{ { "invoke_stream_cut", "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, 0, { NULL }, 200,
	    { ES_HDRS, NULL }, { C_START, C_TEXT }, 0, 0 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_INCOMPLETE, NULL, REQ_ID,
	    "msg_bdrk_s", NULL, { 14, 1, -1, -1, -1, 15 }, TT_USAGE_PARTIAL, -1,
	    NULL } },
	{ { "converse", "aws.bedrock", RT, HAIKU "/converse", NULL, 0, { NULL },
	    200, { "content-type", "application/json", "x-amzn-requestid", REQ_ID, NULL },
	    { { NULL, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":"
		      "[{\"text\":\"Hi\"}]}},\"stopReason\":\"end_turn\",\"usage\":{"
		      "\"inputTokens\":30,\"outputTokens\":265,\"totalTokens\":295},"
		      "\"metrics\":{\"latencyMs\":926}}" } }, 1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, REQ_ID, NULL, "end_turn",
	    { 30, 265, -1, -1, -1, 295 }, TT_USAGE_REPORTED, -1,
	    "{\"inputTokens\":30,\"outputTokens\":265,\"totalTokens\":295}" } },
	{ { "converse_cache_exclusive", "aws.bedrock", RT, HAIKU "/converse",
	    NULL, 0, { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":22,"
		      "\"outputTokens\":11,\"totalTokens\":1067,"
		      "\"cacheReadInputTokens\":1000,\"cacheWriteInputTokens\":34}}" } },
	    1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, "end_turn",
	    { 1056, 11, 1000, 34, -1, 1067 }, TT_USAGE_REPORTED, -1, NULL } },
	{ { "converse_cache_inclusive_by_total", "aws.bedrock", RT,
	    HAIKU "/converse", NULL, 0, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":1056,"
		      "\"outputTokens\":11,\"totalTokens\":1067,"
		      "\"cacheReadInputTokens\":1000,\"cacheWriteInputTokens\":34}}" } },
	    1, 0 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, "end_turn",
	    { 1056, 11, 1000, 34, -1, 1067 }, TT_USAGE_REPORTED, -1, NULL } },
	{ { "converse_stream", "aws.bedrock", RT,
	    "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile"
	    "%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream",
	    NULL, 0, { NULL }, 200, { ES_HDRS, NULL },
	    { CV_START, CV_TEXT, CV_BSTOP, CV_STOP, CV_META }, 1, 4 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat",
	    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
	    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
	    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
	    "us.anthropic.claude-3-5-sonnet-20240620-v1:0", 1, TT_OUT_SUCCESS,
	    NULL, REQ_ID, NULL, "end_turn", { 25, 40, -1, -1, -1, 65 },
	    TT_USAGE_REPORTED, -1,
	    "{\"inputTokens\":25,\"outputTokens\":40,\"totalTokens\":65}" } },
	{ { "converse_stream_without_metadata", "aws.bedrock", RT,
	    HAIKU "/converse-stream", NULL, 0, { NULL }, 200, { ES_HDRS, NULL },
	    { CV_START, CV_TEXT, CV_BSTOP, CV_STOP }, 1, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_SUCCESS, NULL, REQ_ID, NULL, "end_turn", NONE,
	    TT_USAGE_MISSING, -1, "" } },
	{ { "converse_stream_cut", "aws.bedrock", RT, HAIKU "/converse-stream",
	    NULL, 0, { NULL }, 200, { ES_HDRS, NULL }, { CV_START, CV_TEXT }, 0, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_INCOMPLETE, NULL, REQ_ID, NULL, NULL, NONE, TT_USAGE_MISSING,
	    -1, NULL } },
	{ { "converse_stream_throttled", "aws.bedrock", RT,
	    HAIKU "/converse-stream", NULL, 0, { NULL }, 200, { ES_HDRS, NULL },
	    { CV_START, CV_TEXT,
	      { "throttlingException", "{\"message\":\"Too many tokens, please "
				       "wait before trying again.\"}" } }, 1, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_OVERLOADED, "ThrottlingException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_MISSING, -1, NULL } },
	{ { "invoke_stream_model_error", "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, 0, { NULL }, 200,
	    { ES_HDRS, NULL },
	    { C_START, { "modelStreamErrorException",
			 "{\"message\":\"Model error\",\"originalStatusCode\":500,"
			 "\"originalMessage\":\"api_error\"}" } }, 1, 0 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_INCOMPLETE,
	    "ModelStreamErrorException", REQ_ID, "msg_bdrk_s", NULL,
	    { 14, 1, -1, -1, -1, 15 }, TT_USAGE_PARTIAL, -1, NULL } },
	{ { "throttled_429", "aws.bedrock", RT, HAIKU "/invoke", NULL, 0, { NULL },
	    429, { ERR_HDRS("ThrottlingException"), NULL },
	    { { NULL, "{\"message\":\"Too many requests, please wait before "
		      "trying again.\"}" } }, 1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_RATE_LIMITED, "ThrottlingException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ { "access_denied_403", "aws.bedrock", RT, HAIKU "/converse", NULL, 0,
	    { NULL }, 403, { ERR_HDRS("AccessDeniedException"), NULL },
	    { { NULL, "{\"message\":\"You don't have access to the model.\"}" } },
	    1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_AUTH_ERROR, "AccessDeniedException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ { "validation_400_stream_op", "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, 0, { NULL }, 400,
	    { ERR_HDRS("ValidationException"), NULL },
	    { { NULL, "{\"message\":\"Malformed input request\"}" } }, 1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_CLIENT_ERROR, "ValidationException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ { "server_500_type_in_body", "aws.bedrock", RT, HAIKU "/invoke", NULL,
	    0, { NULL }, 500, { "content-type", "application/json", NULL },
	    { { NULL, "{\"__type\":\"com.amazon.coral.service#InternalServerException\","
		      "\"message\":\"Internal\"}" } }, 1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SERVER_ERROR, "InternalServerException", NULL, NULL, NULL,
	    NONE, TT_USAGE_NONE, -1, NULL } },
	{ { "unavailable_503", "aws.bedrock", RT, HAIKU "/converse", NULL, 0,
	    { NULL }, 503, { ERR_HDRS("ServiceUnavailableException"), NULL },
	    { { NULL, "{\"message\":\"Service unavailable\"}" } }, 1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SERVER_ERROR, "ServiceUnavailableException", REQ_ID, NULL,
	    NULL, NONE, TT_USAGE_NONE, -1, NULL } },
	{ { "count_tokens", "aws.bedrock", RT, HAIKU "/count-tokens", NULL, 0,
	    { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"inputTokens\":42}" } }, 1, -1 },
	  { TT_FRAME_IGNORE, "aws.bedrock", "count_tokens", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE, TT_USAGE_NONE, -1,
	    NULL } },
	{ { "bad_chunks_counted", "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, 0, { NULL }, 200,
	    { ES_HDRS, NULL },
	    { { "chunk-raw", "{\"bytes\":\"!!!not base64\"}" },
	      { "chunk-raw", "{\"bytes\":42}" },
	      { "chunk", "not json" },
	      { "chunk", "[1]" },
	      { "someFutureEvent", "{}" },
	      C_START, C_DELTA, C_STOP(36) }, 1, 5 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_s", "end_turn", { 14, 36, -1, -1, -1, 50 },
	    TT_USAGE_REPORTED, -1, NULL } },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

TT_TEST(exchanges)
{
	struct tt_pdec *d = tt_pdec_new();

	TT_CHECK(d != NULL);
	for (size_t i = 0; d && i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		struct tt_call call;
		int framing;

		tt_case("%s", c->x.name);
		framing = run(d, &c->x, ndocs(&c->x), c->x.complete, &call);
		check_call(c, framing, &call);
	}
	tt_pdec_free(d);
}

/* Every clean stream cut after each message: incomplete, with the usage
 * seen so far (partial) or none (missing). */
TT_TEST(streams_cut_after_every_message)
{
	struct tt_pdec *d = tt_pdec_new();

	for (size_t i = 0; d && i < NCASES; i++) {
		const struct tcase *c = &cases[i];
		int64_t last_out = -1;

		if (c->w.framing != TT_FRAME_EVENTSTREAM ||
		    c->w.outcome != TT_OUT_SUCCESS)
			continue;
		for (size_t n = 0; n <= ndocs(&c->x); n++) {
			struct tt_call call;
			int seen = c->x.first_usage >= 0 &&
				   n > (size_t)c->x.first_usage;

			tt_case("%s cut after %zu", c->x.name, n);
			run(d, &c->x, n, 0, &call);
			TT_CHECK_EQ_INT(call.outcome, TT_OUT_INCOMPLETE);
			TT_CHECK_EQ_INT(call.usage_status,
					seen ? TT_USAGE_PARTIAL : TT_USAGE_MISSING);
			TT_CHECK(call.usage.output_tokens >= last_out);
			last_out = call.usage.output_tokens;
		}
	}
	tt_pdec_free(d);
}

TT_TEST(bad_chunks_are_counted)
{
	struct tt_pdec *d = tt_pdec_new();
	const struct tcase *c = &cases[NCASES - 1];
	struct tt_call call;

	run(d, &c->x, ndocs(&c->x), 1, &call);
	TT_CHECK_EQ_U64(tt_pdec_stats(d)->json_errors, 3);
	TT_CHECK_EQ_U64(tt_pdec_stats(d)->unknown_events, 2);
	tt_pdec_free(d);
}

static const struct tt_req_fields no_body = { .stream = -1, .include_usage = -1 };

static int matches(const char *hint, const char *host, const char *path)
{
	struct tt_req_info req = { hint, host, "POST", path, strlen(path), NULL,
				   &no_body };

	return tt_bedrock_ops.match(&req, path);
}

TT_TEST(routing)
{
	TT_CHECK(matches("aws.bedrock", RT, HAIKU "/invoke"));
	TT_CHECK(matches(NULL, RT, HAIKU "/converse"));
	TT_CHECK(!matches(NULL, "api.example.com", HAIKU "/converse"));
	TT_CHECK(!matches(NULL, NULL, HAIKU "/converse"));
	TT_CHECK(!matches("aws.bedrock", RT, "/openai/v1/chat/completions"));
	TT_CHECK(!matches("aws.bedrock", "bedrock-mantle.us-east-1.api.aws",
			  "/anthropic/v1/messages"));
	TT_CHECK(matches("aws.bedrock", RT, "/guardrail/g1/version/1/apply"));
}
