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

/* The harness hands every document to feed_doc (below). */
struct pdec_doc;
static void feed_doc(struct tt_pdec *d, const struct pdec_doc *doc);
#define PDEC_FEED_DOC feed_doc
#include "pdec_harness.h"

/* The decoder under test (provider.c declares it for the dispatch). */
extern const struct tt_provider_ops tt_bedrock_ops;

/* {"bytes":"<base64 of the model's JSON>"}, as Bedrock sends a chunk;
 * "chunk-raw" passes the payload as it is. */
static void feed_doc(struct tt_pdec *d, const struct pdec_doc *doc)
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

static const struct pdec_case cases[] = {
	{ "invoke_claude",
	  { "aws.bedrock", RT, HAIKU "/invoke", NULL, -1,
	    { BOTO_HDRS, NULL }, 200, { INVOKE_HDRS(14, 36), NULL },
	    { { NULL, CLAUDE_MSG("{\"input_tokens\":14,\"output_tokens\":36}") } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 0, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_01", "end_turn", { 14, 36, -1, -1, -1, 50 },
	    TT_USAGE_REPORTED, -1, "{\"input_tokens\":14,\"output_tokens\":36}" } },
	{ "invoke_claude_cache_headers_win",
	  { "aws.bedrock", RT, HAIKU "/invoke", NULL, -1, { NULL }, 200,
	    { INVOKE_HDRS(14, 37), "x-amzn-bedrock-cache-read-input-token-count",
	      "1024", "x-amzn-bedrock-cache-write-input-token-count", "0", NULL },
	    { { NULL, CLAUDE_MSG("{\"input_tokens\":14,\"cache_creation_input_tokens\":0,"
				 "\"cache_read_input_tokens\":1000,\"output_tokens\":36}") } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 0, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_01", "end_turn", { 1038, 37, 1024, 0, -1, 1075 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "invoke_titan",
	  { "aws.bedrock", RT, "/model/amazon.titan-text-express-v1/invoke",
	    NULL, -1, { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"inputTextTokenCount\":5,\"results\":[{\"tokenCount\":20,"
		      "\"outputText\":\"short\",\"completionReason\":\"FINISH\"}]}" } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "amazon.titan-text-express-v1",
	    "amazon.titan-text-express-v1", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    "FINISH", { 5, 20, -1, -1, -1, 25 }, TT_USAGE_REPORTED, -1,
	    "{\"inputTextTokenCount\":5,\"tokenCount\":20}" } },
	{ "invoke_titan_embed",
	  { "aws.bedrock", RT,
	    "/model/amazon.titan-embed-text-v2%3A0/invoke", NULL, -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"embedding\":[0.1,-0.2],\"embeddingsByType\":{\"float\":"
		      "[0.1,-0.2]},\"inputTextTokenCount\":7}" } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "amazon.titan-embed-text-v2:0",
	    "amazon.titan-embed-text-v2:0", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    NULL, { 7, -1, -1, -1, -1, 7 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "invoke_llama_no_text_in_raw",
	  { "aws.bedrock", RT,
	    "/model/meta.llama3-8b-instruct-v1%3A0/invoke", NULL, -1, { NULL }, 200,
	    { INVOKE_HDRS(12, 40), NULL },
	    { { NULL, "{\"generation\":\"Hi\",\"prompt_token_count\":12,"
		      "\"generation_token_count\":40,\"stop_reason\":\"stop\"}" } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "meta.llama3-8b-instruct-v1:0",
	    "meta.llama3-8b-instruct-v1:0", 0, TT_OUT_SUCCESS, NULL, REQ_ID, NULL,
	    "stop", { 12, 40, -1, -1, -1, 52 }, TT_USAGE_REPORTED, -1,
	    "{\"prompt_token_count\":12,\"generation_token_count\":40}" } },
	{ "invoke_cohere_headers_only",
	  { "aws.bedrock", RT,
	    "/model/cohere.command-r-v1%3A0/invoke", NULL, -1, { NULL }, 200,
	    { INVOKE_HDRS(25, 60), NULL },
	    { { NULL, "{\"response_id\":\"r1\",\"text\":\"ok\",\"generation_id\":"
		      "\"g1\",\"chat_history\":[],\"finish_reason\":\"COMPLETE\"}" } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "cohere.command-r-v1:0",
	    "cohere.command-r-v1:0", 0, TT_OUT_SUCCESS, NULL, REQ_ID, NULL,
	    "COMPLETE", { 25, 60, -1, -1, -1, 85 }, TT_USAGE_REPORTED, -1, "" } },
	{ "invoke_mistral_chat",
	  { "aws.bedrock", RT,
	    "/model/mistral.mistral-large-2407-v1%3A0/invoke", NULL, -1, { NULL },
	    200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":"
		      "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
		      "\"x\"},\"finish_reason\":\"stop\"}],\"usage\":{"
		      "\"prompt_tokens\":10,\"completion_tokens\":20,"
		      "\"total_tokens\":30}}" } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "mistral.mistral-large-2407-v1:0",
	    "mistral.mistral-large-2407-v1:0", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    "stop", { 10, 20, -1, -1, -1, 30 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "invoke_nova_cache_inclusive",
	  { "aws.bedrock", RT,
	    "/model/us.amazon.nova-pro-v1%3A0/invoke", NULL, -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":"
		      "[{\"text\":\"x\"}]}},\"stopReason\":\"end_turn\",\"usage\":{"
		      "\"inputTokens\":100,\"outputTokens\":50,\"totalTokens\":150,"
		      "\"cacheReadInputTokenCount\":80,\"cacheWriteInputTokenCount\":0}}" } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", "us.amazon.nova-pro-v1:0",
	    "us.amazon.nova-pro-v1:0", 0, TT_OUT_SUCCESS, NULL, NULL, NULL,
	    "end_turn", { 100, 50, 80, 0, -1, 150 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "invoke_stream_claude",
	  { "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, -1, { BOTO_HDRS, NULL }, 200,
	    { ES_HDRS, "x-amzn-bedrock-content-type", "application/json", NULL },
	    { C_START, C_BLOCK, C_TEXT, { "chunk", "{\"type\":\"content_block_stop\",\"index\":0}" },
	      C_DELTA, C_STOP(36) }, 1, 0, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_s", "end_turn", { 14, 36, -1, -1, -1, 50 },
	    TT_USAGE_REPORTED, -1,
	    "{\"message_start\":{\"input_tokens\":14,\"output_tokens\":1},"
	    "\"message_delta\":{\"output_tokens\":36},"
	    "\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":14,"
	    "\"outputTokenCount\":36,\"invocationLatency\":926,"
	    "\"firstByteLatency\":300}}" } },
	{ "invoke_stream_metrics_win",
	  { "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, -1, { NULL }, 200,
	    { ES_HDRS, NULL }, { C_START, C_DELTA, C_STOP(37) }, 1, 0, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_SUCCESS, NULL, REQ_ID,
	    "msg_bdrk_s", "end_turn", { 14, 37, -1, -1, -1, 51 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "invoke_stream_llama",
	  { "aws.bedrock", RT,
	    "/model/meta.llama3-70b-instruct-v1%3A0/invoke-with-response-stream",
	    NULL, -1, { NULL }, 200, { ES_HDRS, NULL },
	    { { "chunk", "{\"generation\":\"Hi\",\"prompt_token_count\":12,"
			 "\"generation_token_count\":1,\"stop_reason\":null}" },
	      { "chunk", "{\"generation\":\" there\",\"prompt_token_count\":null,"
			 "\"generation_token_count\":2,\"stop_reason\":null}" },
	      { "chunk", "{\"generation\":\"\",\"prompt_token_count\":null,"
			 "\"generation_token_count\":3,\"stop_reason\":\"stop\","
			 "\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":12,"
			 "\"outputTokenCount\":3,\"invocationLatency\":400,"
			 "\"firstByteLatency\":100}}" } }, 1, 0, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat",
	    "meta.llama3-70b-instruct-v1:0", "meta.llama3-70b-instruct-v1:0", 1,
	    TT_OUT_SUCCESS, NULL, REQ_ID, NULL, "stop", { 12, 3, -1, -1, -1, 15 },
	    TT_USAGE_REPORTED, -1,
	    "{\"prompt_token_count\":12,\"generation_token_count\":3,"
	    "\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":12,"
	    "\"outputTokenCount\":3,\"invocationLatency\":400,\"firstByteLatency\":100}}" } },
	{ "invoke_stream_cut",
	  { "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, -1, { NULL }, 200,
	    { ES_HDRS, NULL }, { C_START, C_TEXT }, 0, 0, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_INCOMPLETE, NULL, REQ_ID,
	    "msg_bdrk_s", NULL, { 14, 1, -1, -1, -1, 15 }, TT_USAGE_PARTIAL, -1,
	    NULL } },
	{ "converse",
	  { "aws.bedrock", RT, HAIKU "/converse", NULL, -1, { NULL },
	    200, { "content-type", "application/json", "x-amzn-requestid", REQ_ID, NULL },
	    { { NULL, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":"
		      "[{\"text\":\"Hi\"}]}},\"stopReason\":\"end_turn\",\"usage\":{"
		      "\"inputTokens\":30,\"outputTokens\":265,\"totalTokens\":295},"
		      "\"metrics\":{\"latencyMs\":926}}" } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, REQ_ID, NULL, "end_turn",
	    { 30, 265, -1, -1, -1, 295 }, TT_USAGE_REPORTED, -1,
	    "{\"inputTokens\":30,\"outputTokens\":265,\"totalTokens\":295}" } },
	{ "converse_cache_exclusive",
	  { "aws.bedrock", RT, HAIKU "/converse",
	    NULL, -1, { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":22,"
		      "\"outputTokens\":11,\"totalTokens\":1067,"
		      "\"cacheReadInputTokens\":1000,\"cacheWriteInputTokens\":34}}" } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, "end_turn",
	    { 1056, 11, 1000, 34, -1, 1067 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "converse_cache_inclusive_by_total",
	  { "aws.bedrock", RT, HAIKU "/converse", NULL, -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":1056,"
		      "\"outputTokens\":11,\"totalTokens\":1067,"
		      "\"cacheReadInputTokens\":1000,\"cacheWriteInputTokens\":34}}" } },
	    1, 0, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, "end_turn",
	    { 1056, 11, 1000, 34, -1, 1067 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "converse_stream",
	  { "aws.bedrock", RT,
	    "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile"
	    "%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream",
	    NULL, -1, { NULL }, 200, { ES_HDRS, NULL },
	    { CV_START, CV_TEXT, CV_BSTOP, CV_STOP, CV_META }, 1, 4, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat",
	    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
	    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
	    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
	    "us.anthropic.claude-3-5-sonnet-20240620-v1:0", 1, TT_OUT_SUCCESS,
	    NULL, REQ_ID, NULL, "end_turn", { 25, 40, -1, -1, -1, 65 },
	    TT_USAGE_REPORTED, -1,
	    "{\"inputTokens\":25,\"outputTokens\":40,\"totalTokens\":65}" } },
	{ "converse_stream_without_metadata",
	  { "aws.bedrock", RT,
	    HAIKU "/converse-stream", NULL, -1, { NULL }, 200, { ES_HDRS, NULL },
	    { CV_START, CV_TEXT, CV_BSTOP, CV_STOP }, 1, -1, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_SUCCESS, NULL, REQ_ID, NULL, "end_turn", NONE,
	    TT_USAGE_MISSING, -1, "" } },
	{ "converse_stream_cut",
	  { "aws.bedrock", RT, HAIKU "/converse-stream",
	    NULL, -1, { NULL }, 200, { ES_HDRS, NULL }, { CV_START, CV_TEXT }, 0, -1, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_INCOMPLETE, NULL, REQ_ID, NULL, NULL, NONE, TT_USAGE_MISSING,
	    -1, NULL } },
	{ "converse_stream_throttled",
	  { "aws.bedrock", RT,
	    HAIKU "/converse-stream", NULL, -1, { NULL }, 200, { ES_HDRS, NULL },
	    { CV_START, CV_TEXT,
	      { "throttlingException", "{\"message\":\"Too many tokens, please "
				       "wait before trying again.\"}" } }, 1, -1, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_OVERLOADED, "ThrottlingException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_MISSING, -1, NULL } },
	{ "invoke_stream_model_error",
	  { "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, -1, { NULL }, 200,
	    { ES_HDRS, NULL },
	    { C_START, { "modelStreamErrorException",
			 "{\"message\":\"Model error\",\"originalStatusCode\":500,"
			 "\"originalMessage\":\"api_error\"}" } }, 1, 0, -1 },
	  { TT_FRAME_EVENTSTREAM, "aws.bedrock", "chat", HAIKU_ID,
	    "claude-3-haiku-20240307", 1, TT_OUT_INCOMPLETE,
	    "ModelStreamErrorException", REQ_ID, "msg_bdrk_s", NULL,
	    { 14, 1, -1, -1, -1, 15 }, TT_USAGE_PARTIAL, -1, NULL } },
	{ "throttled_429",
	  { "aws.bedrock", RT, HAIKU "/invoke", NULL, -1, { NULL },
	    429, { ERR_HDRS("ThrottlingException"), NULL },
	    { { NULL, "{\"message\":\"Too many requests, please wait before "
		      "trying again.\"}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_RATE_LIMITED, "ThrottlingException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "access_denied_403",
	  { "aws.bedrock", RT, HAIKU "/converse", NULL, -1,
	    { NULL }, 403, { ERR_HDRS("AccessDeniedException"), NULL },
	    { { NULL, "{\"message\":\"You don't have access to the model.\"}" } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_AUTH_ERROR, "AccessDeniedException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "validation_400_stream_op",
	  { "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, -1, { NULL }, 400,
	    { ERR_HDRS("ValidationException"), NULL },
	    { { NULL, "{\"message\":\"Malformed input request\"}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 1,
	    TT_OUT_CLIENT_ERROR, "ValidationException", REQ_ID, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "server_500_type_in_body",
	  { "aws.bedrock", RT, HAIKU "/invoke", NULL,
	    -1, { NULL }, 500, { "content-type", "application/json", NULL },
	    { { NULL, "{\"__type\":\"com.amazon.coral.service#InternalServerException\","
		      "\"message\":\"Internal\"}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SERVER_ERROR, "InternalServerException", NULL, NULL, NULL,
	    NONE, TT_USAGE_NONE, -1, NULL } },
	{ "unavailable_503",
	  { "aws.bedrock", RT, HAIKU "/converse", NULL, -1,
	    { NULL }, 503, { ERR_HDRS("ServiceUnavailableException"), NULL },
	    { { NULL, "{\"message\":\"Service unavailable\"}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "aws.bedrock", "chat", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SERVER_ERROR, "ServiceUnavailableException", REQ_ID, NULL,
	    NULL, NONE, TT_USAGE_NONE, -1, NULL } },
	{ "count_tokens",
	  { "aws.bedrock", RT, HAIKU "/count-tokens", NULL, -1,
	    { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"inputTokens\":42}" } }, 1, -1, -1 },
	  { TT_FRAME_IGNORE, "aws.bedrock", "count_tokens", HAIKU_ID, HAIKU_ID, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE, TT_USAGE_NONE, -1,
	    NULL } },
	{ "bad_chunks_counted",
	  { "aws.bedrock", RT,
	    HAIKU "/invoke-with-response-stream", NULL, -1, { NULL }, 200,
	    { ES_HDRS, NULL },
	    { { "chunk-raw", "{\"bytes\":\"!!!not base64\"}" },
	      { "chunk-raw", "{\"bytes\":42}" },
	      { "chunk", "not json" },
	      { "chunk", "[1]" },
	      { "someFutureEvent", "{}" },
	      C_START, C_DELTA, C_STOP(36) }, 1, 5, -1 },
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
	if (d)
		pdec_check_cases(d, cases, NCASES);
	tt_pdec_free(d);
}

/* Every clean stream cut after each message: incomplete, with the usage
 * seen so far (partial) or none (missing). */
TT_TEST(streams_cut_after_every_message)
{
	struct tt_pdec *d = tt_pdec_new();

	for (size_t i = 0; d && i < NCASES; i++)
		if (cases[i].w.framing == TT_FRAME_EVENTSTREAM &&
		    cases[i].w.outcome == TT_OUT_SUCCESS)
			pdec_check_cuts(d, &cases[i]);
	tt_pdec_free(d);
}

TT_TEST(bad_chunks_are_counted)
{
	struct tt_pdec *d = tt_pdec_new();
	const struct pdec_case *c = &cases[NCASES - 1];
	struct tt_call call;

	pdec_run(d, &c->x, pdec_ndocs(&c->x), 1, &call);
	TT_CHECK_EQ_U64(tt_pdec_stats(d)->json_errors, 3);
	TT_CHECK_EQ_U64(tt_pdec_stats(d)->unknown_events, 2);
	tt_pdec_free(d);
}

static int matches(const char *hint, const char *host, const char *path)
{
	return pdec_matches(&tt_bedrock_ops, hint, host, path);
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
