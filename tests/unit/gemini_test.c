// SPDX-License-Identifier: MIT
/*
 * Tests for user/provider/gemini.c through the public decoder API: the
 * Gemini API and Vertex AI generateContent, streamGenerateContent (SSE and
 * JSON array), embeddings, countTokens and errors. Documents follow the
 * wire shapes of shared/reference/ai-api-protocols.md §4; every stream is
 * also cut after each of its chunks.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "provider/call.h"
#include "provider/pdec_impl.h"
#include "pdec_harness.h"

/* The decoder under test (provider.c declares it for the dispatch). */
extern const struct tt_provider_ops tt_gemini_ops;

/* ------------------------------------------------------------ documents */

#define GEMINI "generativelanguage.googleapis.com"
#define GOOG_HDRS                                                            \
	"user-agent", "google-genai-sdk/2.19.0 gl-python/3.12.3",            \
		"x-goog-api-client", "google-genai-sdk/2.19.0 gl-python/3.12.3"

#define NON_STREAM                                                           \
	"{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{"      \
	"\"text\":\"Because the sky scatters blue\"}]},\"finishReason\":"     \
	"\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":844," \
	"\"cachedContentTokenCount\":600,\"candidatesTokenCount\":46,"        \
	"\"thoughtsTokenCount\":1150,\"toolUsePromptTokenCount\":0,"          \
	"\"totalTokenCount\":2040,\"promptTokensDetails\":[{\"modality\":"    \
	"\"TEXT\",\"tokenCount\":844}],\"cacheTokensDetails\":[{\"modality\":"\
	"\"TEXT\",\"tokenCount\":600}]},\"modelVersion\":\"gemini-2.5-flash\"," \
	"\"responseId\":\"3w4Vad6yF-y1vdIP_q_zgAw\"}"

#define NON_STREAM_RAW                                                       \
	"{\"promptTokenCount\":844,\"cachedContentTokenCount\":600,"          \
	"\"candidatesTokenCount\":46,\"thoughtsTokenCount\":1150,"            \
	"\"toolUsePromptTokenCount\":0,\"totalTokenCount\":2040,"             \
	"\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":844}]," \
	"\"cacheTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":600}]}"

#define CHUNK(text, usage, tail)                                             \
	"{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" text         \
	"\"}],\"role\":\"model\"},\"index\":0" tail "}]," usage               \
	"\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"rsp-sse-1\"}"
#define USAGE(cand, total)                                                   \
	"\"usageMetadata\":{\"promptTokenCount\":34,\"candidatesTokenCount\":" \
	#cand ",\"totalTokenCount\":" #total ",\"thoughtsTokenCount\":418},"
#define CHUNK1 CHUNK("The", USAGE(2, 454), "")
#define CHUNK2 CHUNK(" sky is", USAGE(200, 652), "")
#define CHUNK3 CHUNK(" blue.", USAGE(438, 890), ",\"finishReason\":\"STOP\"")
#define PLAIN1 CHUNK("The", "", "")
#define PLAIN2 CHUNK(" end.", "", ",\"finishReason\":\"MAX_TOKENS\"")

#define GERR(code, status, msg)                                              \
	"{\"error\":{\"code\":" #code ",\"message\":\"" msg "\",\"status\":\"" \
	status "\"}}"

#define VERTEX "us-central1-aiplatform.googleapis.com"
#define VPATH "/v1/projects/my-proj/locations/us-central1/publishers/google/models/"

static const struct pdec_case cases[] = {
	{ "generate_content",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:generateContent", NULL, -1,
	    { GOOG_HDRS, NULL }, 200,
	    { "content-type", "application/json; charset=UTF-8", "server",
	      "scaffolding on HTTPServer2", NULL },
	    { { NULL, NON_STREAM } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "generate_content", "gemini-2.5-flash",
	    "gemini-2.5-flash", 0, TT_OUT_SUCCESS, NULL, NULL,
	    "3w4Vad6yF-y1vdIP_q_zgAw", "STOP", { 844, 1196, 600, -1, 1150, 2040 },
	    TT_USAGE_REPORTED, -1, NON_STREAM_RAW } },
	{ "stream_sse",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
	    NULL, -1, { GOOG_HDRS, NULL }, 200,
	    { "content-type", "text/event-stream", NULL },
	    { { NULL, CHUNK1 }, { NULL, CHUNK2 }, { NULL, CHUNK3 } }, 1, 0, -1 },
	  { TT_FRAME_SSE, "gcp.gemini", "generate_content", "gemini-2.5-flash",
	    "gemini-2.5-flash", 1, TT_OUT_SUCCESS, NULL, NULL, "rsp-sse-1",
	    "STOP", { 34, 856, -1, -1, 418, 890 }, TT_USAGE_REPORTED, -1,
	    "{\"promptTokenCount\":34,\"candidatesTokenCount\":438,"
	    "\"totalTokenCount\":890,\"thoughtsTokenCount\":418}" } },
	{ "stream_sse_query_has_key",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=SECRET&alt=sse",
	    NULL, -1, { NULL }, 200, { NULL }, /* no content-type */
	    { { NULL, CHUNK1 }, { NULL, CHUNK3 } }, 1, 0, -1 },
	  { TT_FRAME_SSE, "gcp.gemini", "generate_content", "gemini-2.5-flash",
	    "gemini-2.5-flash", 1, TT_OUT_SUCCESS, NULL, NULL, "rsp-sse-1",
	    "STOP", { 34, 856, -1, -1, 418, 890 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "stream_json_array",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:streamGenerateContent", NULL, -1,
	    { NULL }, 200, { "content-type", "application/json; charset=UTF-8", NULL },
	    { { NULL, CHUNK1 }, { NULL, CHUNK2 }, { NULL, CHUNK3 } }, 1, 0, -1 },
	  { TT_FRAME_JSON_ARRAY, "gcp.gemini", "generate_content",
	    "gemini-2.5-flash", "gemini-2.5-flash", 1, TT_OUT_SUCCESS, NULL, NULL,
	    "rsp-sse-1", "STOP", { 34, 856, -1, -1, 418, 890 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "stream_without_usage",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", NULL,
	    -1, { NULL }, 200, { "content-type", "text/event-stream", NULL },
	    { { NULL, PLAIN1 }, { NULL, PLAIN2 } }, 1, -1, -1 },
	  { TT_FRAME_SSE, "gcp.gemini", "generate_content", "gemini-2.0-flash",
	    "gemini-2.5-flash", 1, TT_OUT_SUCCESS, NULL, NULL, "rsp-sse-1",
	    "MAX_TOKENS", NONE, TT_USAGE_MISSING, -1, "" } },
	{ "stream_interrupted",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", NULL,
	    -1, { NULL }, 200, { "content-type", "text/event-stream", NULL },
	    { { NULL, CHUNK1 }, { NULL, CHUNK2 } }, 0, 0, -1 },
	  { TT_FRAME_SSE, "gcp.gemini", "generate_content", "gemini-2.5-flash",
	    "gemini-2.5-flash", 1, TT_OUT_INCOMPLETE, NULL, NULL, "rsp-sse-1",
	    NULL, { 34, 618, -1, -1, 418, 652 }, TT_USAGE_PARTIAL, -1, NULL } },
	{ "stream_ends_without_finish_reason",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", NULL,
	    -1, { NULL }, 200, { "content-type", "text/event-stream", NULL },
	    { { NULL, CHUNK1 }, { NULL, CHUNK2 } }, 1, 0, -1 },
	  { TT_FRAME_SSE, "gcp.gemini", "generate_content", "gemini-2.5-flash",
	    "gemini-2.5-flash", 1, TT_OUT_INCOMPLETE, NULL, NULL, "rsp-sse-1",
	    NULL, { 34, 618, -1, -1, 418, 652 }, TT_USAGE_PARTIAL, -1, NULL } },
	{ "in_stream_error",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", NULL,
	    -1, { NULL }, 200, { "content-type", "text/event-stream", NULL },
	    { { NULL, CHUNK1 },
	      { NULL, GERR(503, "UNAVAILABLE", "The model is overloaded.") } },
	    1, 0, -1 },
	  { TT_FRAME_SSE, "gcp.gemini", "generate_content", "gemini-2.5-flash",
	    "gemini-2.5-flash", 1, TT_OUT_INCOMPLETE, "UNAVAILABLE", NULL,
	    "rsp-sse-1", NULL, { 34, 420, -1, -1, 418, 454 }, TT_USAGE_PARTIAL,
	    -1, NULL } },
	{ "rate_limited_429",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-pro:generateContent", NULL, -1, { NULL },
	    429, { "content-type", "application/json; charset=UTF-8", NULL },
	    { { NULL, "{\"error\":{\"code\":429,\"message\":\"Resource has been "
		      "exhausted (e.g. check quota).\",\"status\":"
		      "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
		      "\"type.googleapis.com/google.rpc.RetryInfo\","
		      "\"retryDelay\":\"30s\"}]}}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "generate_content", "gemini-2.5-pro",
	    NULL, 0, TT_OUT_RATE_LIMITED, "RESOURCE_EXHAUSTED", NULL, NULL, NULL,
	    NONE, TT_USAGE_NONE, -1, "" } },
	{ "stream_400_error_array",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-pro:streamGenerateContent", NULL, -1,
	    { NULL }, 400, { "content-type", "application/json", NULL },
	    { { NULL, "[" GERR(400, "INVALID_ARGUMENT", "bad") "]" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "generate_content", "gemini-2.5-pro",
	    NULL, 1, TT_OUT_CLIENT_ERROR, "INVALID_ARGUMENT", NULL, NULL, NULL,
	    NONE, TT_USAGE_NONE, -1, NULL } },
	{ "auth_403",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-pro:generateContent", NULL, -1, { NULL },
	    403, { "content-type", "application/json", NULL },
	    { { NULL, GERR(403, "PERMISSION_DENIED", "API key not valid") } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "generate_content", "gemini-2.5-pro",
	    NULL, 0, TT_OUT_AUTH_ERROR, "PERMISSION_DENIED", NULL, NULL, NULL,
	    NONE, TT_USAGE_NONE, -1, NULL } },
	{ "server_500_code_only",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-pro:generateContent", NULL, -1, { NULL },
	    500, { "content-type", "application/json", NULL },
	    { { NULL, "{\"error\":{\"code\":500,\"message\":\"Internal\"}}" } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "generate_content", "gemini-2.5-pro",
	    NULL, 0, TT_OUT_SERVER_ERROR, "500", NULL, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "vertex_regional",
	  { "gcp.vertex_ai", VERTEX,
	    VPATH "gemini-2.0-flash-001:generateContent", NULL, -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":"
		      "[{\"text\":\"ok\"}]},\"finishReason\":\"STOP\"}],"
		      "\"usageMetadata\":{\"promptTokenCount\":20,"
		      "\"candidatesTokenCount\":5,\"totalTokenCount\":37,"
		      "\"toolUsePromptTokenCount\":12,\"trafficType\":\"ON_DEMAND\"},"
		      "\"modelVersion\":\"gemini-2.0-flash-001\",\"createTime\":"
		      "\"2025-01-01T00:00:00Z\",\"responseId\":\"vx-1\"}" } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "gcp.vertex_ai", "generate_content",
	    "gemini-2.0-flash-001", "gemini-2.0-flash-001", 0, TT_OUT_SUCCESS,
	    NULL, NULL, "vx-1", "STOP", { 32, 5, -1, -1, -1, 37 },
	    TT_USAGE_REPORTED, -1,
	    "{\"promptTokenCount\":20,\"candidatesTokenCount\":5,"
	    "\"totalTokenCount\":37,\"toolUsePromptTokenCount\":12,"
	    "\"trafficType\":\"ON_DEMAND\"}" } },
	{ "vertex_express_stream",
	  { "gcp.vertex_ai", "aiplatform.googleapis.com",
	    "/v1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
	    NULL, -1, { NULL }, 200, { "content-type", "text/event-stream", NULL },
	    { { NULL, CHUNK1 }, { NULL, CHUNK3 } }, 1, 0, -1 },
	  { TT_FRAME_SSE, "gcp.vertex_ai", "generate_content", "gemini-2.5-flash",
	    "gemini-2.5-flash", 1, TT_OUT_SUCCESS, NULL, NULL, "rsp-sse-1",
	    "STOP", { 34, 856, -1, -1, 418, 890 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "vertex_tuned_endpoint",
	  { "gcp.vertex_ai", VERTEX,
	    "/v1/projects/p/locations/us-central1/endpoints/1234567890:generateContent",
	    NULL, -1, { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, NON_STREAM } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "gcp.vertex_ai", "generate_content",
	    "endpoints/1234567890", "gemini-2.5-flash", 0, TT_OUT_SUCCESS, NULL,
	    NULL, "3w4Vad6yF-y1vdIP_q_zgAw", "STOP",
	    { 844, 1196, 600, -1, 1150, 2040 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "vertex_multiregion_no_hint",
	  { NULL, "aiplatform.us.rep.googleapis.com",
	    "/v1beta1/projects/p/locations/us/publishers/google/models/"
	    "gemini-2.5-pro:generateContent", NULL, -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, NON_STREAM } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "gcp.vertex_ai", "generate_content", "gemini-2.5-pro",
	    "gemini-2.5-flash", 0, TT_OUT_SUCCESS, NULL, NULL,
	    "3w4Vad6yF-y1vdIP_q_zgAw", "STOP", { 844, 1196, 600, -1, 1150, 2040 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "blocked_prompt",
	  { "gcp.gemini", GEMINI,
	    "/v1/models/gemini-2.0-flash:generateContent", NULL, -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"},"
		      "\"usageMetadata\":{\"promptTokenCount\":8,"
		      "\"totalTokenCount\":8},\"modelVersion\":\"gemini-2.0-flash\","
		      "\"responseId\":\"blk\"}" } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "generate_content", "gemini-2.0-flash",
	    "gemini-2.0-flash", 0, TT_OUT_SUCCESS, NULL, NULL, "blk", "SAFETY",
	    { 8, -1, -1, -1, -1, 8 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "embed_content",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-embedding-001:embedContent", NULL, -1, { NULL },
	    200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"embedding\":{\"values\":[0.013,-0.008,0.021]}}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "embeddings", "gemini-embedding-001",
	    NULL, 0, TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE,
	    TT_USAGE_MISSING, -1, NULL } },
	{ "batch_embed_contents",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/text-embedding-004:batchEmbedContents", NULL, -1,
	    { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, "{\"embeddings\":[{\"values\":[0.1]},{\"values\":[0.2]}]}" } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "embeddings", "text-embedding-004",
	    NULL, 0, TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE,
	    TT_USAGE_MISSING, -1, NULL } },
	{ "count_tokens",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/models/gemini-2.5-flash:countTokens", NULL, -1, { NULL }, 200,
	    { "content-type", "application/json", NULL },
	    { { NULL, "{\"totalTokens\":31}" } }, 1, -1, -1 },
	  { TT_FRAME_IGNORE, "gcp.gemini", "count_tokens", "gemini-2.5-flash",
	    NULL, 0, TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE, TT_USAGE_NONE,
	    -1, NULL } },
	{ "tuned_model_gemini_api",
	  { "gcp.gemini", GEMINI,
	    "/v1beta/tunedModels/my-tuned-abc123:generateContent", NULL, -1,
	    { NULL }, 200, { "content-type", "application/json", NULL },
	    { { NULL, NON_STREAM } }, 1, 0, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "generate_content",
	    "tunedModels/my-tuned-abc123", "gemini-2.5-flash", 0, TT_OUT_SUCCESS,
	    NULL, NULL, "3w4Vad6yF-y1vdIP_q_zgAw", "STOP",
	    { 844, 1196, 600, -1, 1150, 2040 }, TT_USAGE_REPORTED, -1, NULL } },
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

/* Every clean stream cut after each chunk: incomplete, with the last
 * usageMetadata seen (partial) or none (missing). */
TT_TEST(streams_cut_after_every_chunk)
{
	struct tt_pdec *d = tt_pdec_new();

	for (size_t i = 0; d && i < NCASES; i++)
		if (cases[i].w.stream && cases[i].w.outcome == TT_OUT_SUCCESS)
			pdec_check_cuts(d, &cases[i]);
	tt_pdec_free(d);
}

/* The same chunks handed over as one array body give the same call. */
TT_TEST(array_body_equals_chunks)
{
	static const struct pdec_case whole = {
		"stream_as_one_array",
		{ "gcp.gemini", GEMINI,
		  "/v1beta/models/gemini-2.5-flash:streamGenerateContent", NULL,
		  -1, { NULL }, 200, { "content-type", "application/json", NULL },
		  { { NULL, "[" CHUNK1 ",\r\n" CHUNK2 ",\r\n" CHUNK3 "]" } }, 1, 0, -1 },
		{ TT_FRAME_JSON_ARRAY, "gcp.gemini", "generate_content",
		  "gemini-2.5-flash", "gemini-2.5-flash", 1, TT_OUT_SUCCESS, NULL,
		  NULL, "rsp-sse-1", "STOP", { 34, 856, -1, -1, 418, 890 },
		  TT_USAGE_REPORTED, -1, NULL } };
	struct tt_pdec *d = tt_pdec_new();
	struct tt_call call;

	tt_case("%s", whole.name);
	pdec_check_call(&whole, pdec_run(d, &whole.x, 1, 1, &call), &call);
	tt_pdec_free(d);
}

static int matches(const char *hint, const char *host, const char *path)
{
	return pdec_matches(&tt_gemini_ops, hint, host, path);
}

TT_TEST(routing)
{
	TT_CHECK(matches("gcp.gemini", GEMINI, "/v1beta/models"));
	TT_CHECK(matches(NULL, "proxy.local",
			 "/v1beta/models/gemini-2.5-flash:generateContent"));
	TT_CHECK(!matches(NULL, "proxy.local", "/v1/chat/completions"));
	TT_CHECK(!matches("gcp.gemini", GEMINI, "/v1beta/openai/chat/completions"));
	TT_CHECK(!matches("gcp.vertex_ai", VERTEX,
			  "/v1/projects/p/locations/l/endpoints/openapi/chat/completions"));
	TT_CHECK(!matches("gcp.vertex_ai", VERTEX,
			  "/v1/projects/p/locations/us-east5/publishers/anthropic/"
			  "models/claude-sonnet-4-5:rawPredict"));
	TT_CHECK(!matches(NULL, "api.example.com", "/v1/models/x:unknownMethod"));
}

static void feed(struct tt_pdec *d, const char *json)
{
	tt_pdec_json(d, NULL, 0, json, strlen(json));
}

/* Odd documents are counted or ignored; numbers out of range are not
 * usage. */
TT_TEST(odd_documents)
{
	struct tt_pdec *d = tt_pdec_new();
	const char *target = "/v1beta/models/g:streamGenerateContent?alt=sse";
	struct tt_req_info req = { "gcp.gemini", GEMINI, "POST", target,
				   strlen(target), NULL, &pdec_no_body };
	struct tt_call call;

	TT_CHECK_EQ_INT(tt_pdec_begin(d, &req), 0);
	TT_CHECK_EQ_INT(tt_pdec_response(d, 200, NULL), TT_FRAME_SSE);
	feed(d, "\"text\"");
	feed(d, "{\"usageMetadata\":{\"promptTokenCount\":-1,"
		"\"candidatesTokenCount\":1e99,\"thoughtsTokenCount\":\"7\"}}");
	feed(d, "{\"candidates\":{\"finishReason\":1},\"usageMetadata\":[1]}");
	feed(d, "{\"candidates\":[{\"finishReason\":\"STOP\"}]}");
	tt_pdec_finish(d, 1, &call);
	TT_CHECK_EQ_INT(call.usage_status, TT_USAGE_MISSING);
	TT_CHECK_EQ_INT(call.usage.input_tokens, -1);
	TT_CHECK_EQ_INT(call.usage.output_tokens, -1);
	TT_CHECK_EQ_INT(call.outcome, TT_OUT_SUCCESS);
	TT_CHECK_EQ_STR(call.finish_reason, "STOP");
	TT_CHECK(tt_pdec_stats(d)->unknown_events >= 1);
	tt_pdec_free(d);
}

/* Audio and image tokens by modality, the cached ones left to the cache
 * rate; the tier that served the call. */
TT_TEST(modalities_and_tier)
{
	static const struct pdec_xch x = {
		"gcp.vertex_ai", VERTEX, VPATH "gemini-2.5-flash:generateContent",
		NULL, -1, { NULL }, 200, { "content-type", "application/json", NULL },
		{ { NULL, "{\"candidates\":[],\"usageMetadata\":{"
			  "\"promptTokenCount\":1000,\"cachedContentTokenCount\":300,"
			  "\"candidatesTokenCount\":200,\"thoughtsTokenCount\":50,"
			  "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":400},"
			  "{\"modality\":\"AUDIO\",\"tokenCount\":500},"
			  "{\"modality\":\"IMAGE\",\"tokenCount\":100}],"
			  "\"cacheTokensDetails\":[{\"modality\":\"AUDIO\",\"tokenCount\":300}],"
			  "\"candidatesTokensDetails\":[{\"modality\":\"AUDIO\",\"tokenCount\":150}],"
			  "\"trafficType\":\"ON_DEMAND_PRIORITY\"},"
			  "\"modelVersion\":\"gemini-2.5-flash\"}" } },
		1, -1, -1,
	};
	struct tt_pdec *d = tt_pdec_new();
	struct tt_call call;

	pdec_run(d, &x, 1, 1, &call);
	TT_CHECK_EQ_INT(call.usage.input_tokens, 1000);
	TT_CHECK_EQ_INT(call.usage.cache_read_input_tokens, 300);
	TT_CHECK_EQ_INT(call.usage.audio_input_tokens, 200);
	TT_CHECK_EQ_INT(call.usage.image_input_tokens, 100);
	TT_CHECK_EQ_INT(call.usage.output_tokens, 250);
	TT_CHECK_EQ_INT(call.usage.audio_output_tokens, 150);
	TT_CHECK_EQ_INT(call.usage.image_output_tokens, -1);
	TT_CHECK_EQ_STR(call.service_tier, "ON_DEMAND_PRIORITY");
	tt_pdec_free(d);
}
