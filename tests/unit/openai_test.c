// SPDX-License-Identifier: MIT
/*
 * Tests for user/provider/openai.c through the public decoder API: OpenAI
 * (chat, Responses, completions, embeddings, images, audio, batches),
 * Azure OpenAI, OpenAI-compatible hosts, Cohere and Ollama. Each exchange
 * is a request head, a response head and the body documents in wire
 * shape; every successful stream is also cut after each of its documents.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "provider/call.h"
#include "provider/pdec_impl.h"
#include "pdec_harness.h"

/* ------------------------------------------------------------ documents */

#define SDK_HDRS                                                             \
	"user-agent", "OpenAI/Python 2.45.0", "x-stainless-lang", "python",  \
		"x-stainless-package-version", "2.45.0",                     \
		"x-stainless-runtime", "CPython"

#define JSON_CT "content-type", "application/json"
#define SSE_CT "content-type", "text/event-stream; charset=utf-8"
#define API "api.openai.com"

#define CHAT_BODY                                                            \
	"{\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\","                \
	"\"object\":\"chat.completion\",\"created\":1741570283,"             \
	"\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"         \
	"\"message\":{\"role\":\"assistant\",\"content\":\"Hi.\","           \
	"\"refusal\":null,\"annotations\":[]},\"logprobs\":null,"            \
	"\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1117,"    \
	"\"completion_tokens\":46,\"total_tokens\":1163,"                    \
	"\"prompt_tokens_details\":{\"cached_tokens\":1024,"                 \
	"\"audio_tokens\":0},\"completion_tokens_details\":"                 \
	"{\"reasoning_tokens\":10,\"audio_tokens\":0,"                       \
	"\"accepted_prediction_tokens\":0,"                                  \
	"\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\","   \
	"\"system_fingerprint\":\"fp_fc9f1d7035\"}"

#define CHUNK(delta, finish)                                                 \
	{ NULL, "{\"id\":\"chatcmpl-X\",\"object\":\"chat.completion.chunk\"," \
		"\"created\":1726623632,\"model\":\"gpt-4o-mini-2024-07-18\","   \
		"\"service_tier\":\"default\",\"system_fingerprint\":\"fp_1\","  \
		"\"choices\":[{\"index\":0,\"delta\":" delta ",\"logprobs\":null," \
		"\"finish_reason\":" finish "}],\"usage\":null," \
		"\"obfuscation\":\"x1\"}" }
#define CHUNK_ROLE CHUNK("{\"role\":\"assistant\",\"content\":\"\"}", "null")
#define CHUNK_TEXT CHUNK("{\"content\":\"Hello\"}", "null")
#define CHUNK_STOP CHUNK("{}", "\"stop\"")
#define CHUNK_USAGE                                                          \
	{ NULL, "{\"id\":\"chatcmpl-X\",\"object\":\"chat.completion.chunk\"," \
		"\"created\":1726623632,\"model\":\"gpt-4o-mini-2024-07-18\","   \
		"\"choices\":[],\"usage\":{\"prompt_tokens\":11,"                \
		"\"completion_tokens\":18,\"total_tokens\":29,"                  \
		"\"prompt_tokens_details\":{\"cached_tokens\":0},"               \
		"\"completion_tokens_details\":{\"reasoning_tokens\":0}}}" }
#define DONE { NULL, "[DONE]" }

#define OAI_ERR(msg, type, code)                                             \
	"{\"error\":{\"message\":\"" msg "\",\"type\":" type                 \
	",\"param\":null,\"code\":" code "}}"

/* Responses API */
#define RESP_OBJ(status, usage)                                              \
	"{\"id\":\"resp_67ccd2bed1ec8190\",\"object\":\"response\","         \
	"\"created_at\":1741476542,\"status\":\"" status "\","              \
	"\"error\":null,\"incomplete_details\":null,"                        \
	"\"model\":\"gpt-5-2025-08-07\",\"output\":[],"                      \
	"\"service_tier\":\"default\",\"usage\":" usage "}"
#define RESP_USAGE                                                           \
	"{\"input_tokens\":125,\"input_tokens_details\":{\"cached_tokens\":98," \
	"\"cache_write_tokens\":0},\"output_tokens\":48,"                    \
	"\"output_tokens_details\":{\"reasoning_tokens\":16},"               \
	"\"total_tokens\":173}"
#define RESP_EV(type, seq, status, usage)                                    \
	{ type, "{\"type\":\"" type "\",\"sequence_number\":" seq            \
		",\"response\":" RESP_OBJ(status, usage) "}" }
#define RESP_DELTA                                                           \
	{ "response.output_text.delta",                                      \
	  "{\"type\":\"response.output_text.delta\",\"sequence_number\":4,"  \
	  "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,"    \
	  "\"delta\":\"Hi\"}" }

/* Azure */
#define AZ_FIRST                                                             \
	{ NULL, "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\","  \
		"\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0," \
		"\"content_filter_results\":{\"hate\":{\"filtered\":false,"      \
		"\"severity\":\"safe\"}}}]}" }
#define AZ_CHUNK(delta, finish)                                              \
	{ NULL, "{\"choices\":[{\"content_filter_results\":{},\"delta\":"     \
		delta ",\"finish_reason\":" finish ",\"index\":0}],"            \
		"\"created\":1747400000,\"id\":\"chatcmpl-AZ1\","               \
		"\"model\":\"gpt-4.1-2025-04-14\","                             \
		"\"object\":\"chat.completion.chunk\","                         \
		"\"system_fingerprint\":\"fp_az\"}" }
#define AZ_USAGE                                                             \
	{ NULL, "{\"choices\":[],\"created\":1747400000,"                    \
		"\"id\":\"chatcmpl-AZ1\",\"model\":\"gpt-4.1-2025-04-14\","     \
		"\"object\":\"chat.completion.chunk\",\"usage\":{"              \
		"\"completion_tokens\":7,\"completion_tokens_details\":{"       \
		"\"reasoning_tokens\":0},\"prompt_tokens\":2210,"               \
		"\"prompt_tokens_details\":{\"cached_tokens\":2048},"           \
		"\"total_tokens\":2217}}" }

/* Ollama */
#define OLL_PART(model)                                                      \
	{ NULL, "{\"model\":\"" model "\",\"created_at\":"                   \
		"\"2026-08-01T10:00:00.1Z\",\"message\":{\"role\":"             \
		"\"assistant\",\"content\":\"The\"},\"done\":false}" }
#define OLL_DONE(model, counts)                                              \
	{ NULL, "{\"model\":\"" model "\",\"created_at\":"                   \
		"\"2026-08-01T10:00:01Z\",\"message\":{\"role\":\"assistant\"," \
		"\"content\":\"secret answer\"},\"done_reason\":\"stop\","      \
		"\"done\":true,\"total_duration\":4883583458,"                  \
		"\"load_duration\":1334875," counts                            \
		"\"prompt_eval_duration\":342546000,"                           \
		"\"eval_duration\":4535599000}" }

#define OLL_RAW(counts)                                                      \
	"{" counts "\"total_duration\":4883583458,\"load_duration\":1334875," \
	"\"prompt_eval_duration\":342546000,\"eval_duration\":4535599000}"

static const struct pdec_case cases[] = {
	/* ---------------------------------------------------- OpenAI chat */
	{ "chat_non_stream_cached_reasoning",
	  { "openai", API, "/v1/chat/completions", "gpt-4o", -1,
	    { SDK_HDRS, "x-stainless-retry-count", "1", NULL }, 200,
	    { JSON_CT, "x-request-id", "req_31f3a97f8a5d473aebfa2fa074935618",
	      NULL },
	    { { NULL, CHAT_BODY } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "openai", "chat", "gpt-4o", "gpt-4o-2024-08-06", 0,
	    TT_OUT_SUCCESS, NULL, "req_31f3a97f8a5d473aebfa2fa074935618",
	    "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "stop",
	    { 1117, 46, 1024, -1, 10, 1163 }, TT_USAGE_REPORTED, 1,
	    "{\"prompt_tokens\":1117,\"completion_tokens\":46,"
	    "\"total_tokens\":1163,\"prompt_tokens_details\":{"
	    "\"cached_tokens\":1024,\"audio_tokens\":0},"
	    "\"completion_tokens_details\":{\"reasoning_tokens\":10,"
	    "\"audio_tokens\":0,\"accepted_prediction_tokens\":0,"
	    "\"rejected_prediction_tokens\":0}}" } },
	{ "chat_stream_include_usage",
	  { "openai", "us.api.openai.com", "/v1/chat/completions",
	    "gpt-4o-mini", 1, { SDK_HDRS, "x-stainless-retry-count", "0", NULL },
	    200, { SSE_CT, "x-request-id", "req_stream", NULL },
	    { CHUNK_ROLE, CHUNK_TEXT, CHUNK_STOP, CHUNK_USAGE, DONE }, 1, 3, 3 },
	  { TT_FRAME_SSE, "openai", "chat", "gpt-4o-mini",
	    "gpt-4o-mini-2024-07-18", 1, TT_OUT_SUCCESS, NULL, "req_stream",
	    "chatcmpl-X", "stop", { 11, 18, 0, -1, 0, 29 }, TT_USAGE_REPORTED, 0,
	    NULL } },
	{ "chat_stream_without_usage",
	  { "openai", API, "/v1/chat/completions", "gpt-4o-mini", 1,
	    { NULL }, 200, { SSE_CT, NULL },
	    { CHUNK_ROLE, CHUNK_TEXT, CHUNK_STOP, DONE }, 1, -1, -1 },
	  { TT_FRAME_SSE, "openai", "chat", "gpt-4o-mini",
	    "gpt-4o-mini-2024-07-18", 1, TT_OUT_SUCCESS, NULL, NULL,
	    "chatcmpl-X", "stop", NONE, TT_USAGE_MISSING, -1, "" } },
	{ "chat_stream_cut_after_usage_before_done",
	  { "openai", API, "/v1/chat/completions", "gpt-4o-mini", 1,
	    { NULL }, 200, { SSE_CT, NULL },
	    { CHUNK_ROLE, CHUNK_STOP, CHUNK_USAGE }, 0, 2, 2 },
	  { TT_FRAME_SSE, "openai", "chat", "gpt-4o-mini",
	    "gpt-4o-mini-2024-07-18", 1, TT_OUT_INCOMPLETE, NULL, NULL,
	    "chatcmpl-X", "stop", { 11, 18, 0, -1, 0, 29 }, TT_USAGE_REPORTED,
	    -1, NULL } },
	{ "chat_stream_ends_cleanly_without_terminal",
	  { "openai", API, "/v1/chat/completions", "gpt-4o-mini", 1,
	    { NULL }, 200, { SSE_CT, NULL }, { CHUNK_ROLE, CHUNK_TEXT }, 1,
	    -1, -1 },
	  { TT_FRAME_SSE, "openai", "chat", "gpt-4o-mini",
	    "gpt-4o-mini-2024-07-18", 1, TT_OUT_INCOMPLETE, NULL, NULL,
	    "chatcmpl-X", NULL, NONE, TT_USAGE_MISSING, -1, NULL } },
	{ "chat_in_stream_error",
	  { "openai", API, "/v1/chat/completions", "gpt-4o", 1, { NULL },
	    200, { SSE_CT, NULL },
	    { CHUNK_ROLE, CHUNK_TEXT,
	      { NULL, OAI_ERR("The server had an error", "\"server_error\"",
			      "null") } }, 1, -1, -1 },
	  { TT_FRAME_SSE, "openai", "chat", "gpt-4o", "gpt-4o-mini-2024-07-18",
	    1, TT_OUT_INCOMPLETE, "server_error", NULL, "chatcmpl-X", NULL,
	    NONE, TT_USAGE_MISSING, -1, NULL } },
	{ "chat_429_insufficient_quota",
	  { "openai", API, "/v1/chat/completions", "gpt-4o", 0,
	    { SDK_HDRS, "x-stainless-retry-count", "2", NULL }, 429,
	    { JSON_CT, "x-request-id", "req_429", NULL },
	    { { NULL, OAI_ERR("You exceeded your current quota",
			      "\"insufficient_quota\"",
			      "\"insufficient_quota\"") } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "openai", "chat", "gpt-4o", NULL, 0,
	    TT_OUT_RATE_LIMITED, "insufficient_quota", "req_429", NULL, NULL,
	    NONE, TT_USAGE_NONE, 2, "" } },
	{ "chat_401_invalid_api_key",
	  { "openai", API, "/v1/chat/completions", "gpt-4o", 1, { NULL },
	    401, { JSON_CT, "x-request-id", "req_401", NULL },
	    { { NULL, OAI_ERR("Incorrect API key provided",
			      "\"invalid_request_error\"",
			      "\"invalid_api_key\"") } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "openai", "chat", "gpt-4o", NULL, 1,
	    TT_OUT_AUTH_ERROR, "invalid_api_key", "req_401", NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "chat_500_type_when_code_null",
	  { "openai", API, "/v1/chat/completions", "gpt-4o", 0, { NULL },
	    500, { JSON_CT, NULL },
	    { { NULL, OAI_ERR("The server had an error", "\"server_error\"",
			      "null") } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "openai", "chat", "gpt-4o", NULL, 0,
	    TT_OUT_SERVER_ERROR, "server_error", NULL, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "compat_529_overloaded",
	  { "together", "api.together.xyz", "/v1/chat/completions",
	    "meta-llama/Llama-3.3-70B-Instruct-Turbo", 0, { NULL }, 529,
	    { JSON_CT, NULL },
	    { { NULL, OAI_ERR("Overloaded", "\"server_error\"",
			      "\"overloaded\"") } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "together", "chat",
	    "meta-llama/Llama-3.3-70B-Instruct-Turbo", NULL, 0,
	    TT_OUT_OVERLOADED, "overloaded", NULL, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "text_completion_legacy",
	  { "openai", API, "/v1/completions", "gpt-3.5-turbo-instruct", 0,
	    { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"id\":\"cmpl-9\",\"object\":\"text_completion\","
		      "\"created\":1,\"model\":\"gpt-3.5-turbo-instruct\","
		      "\"choices\":[{\"text\":\"x\",\"index\":0,"
		      "\"logprobs\":null,\"finish_reason\":\"length\"}],"
		      "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,"
		      "\"total_tokens\":12}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "openai", "text_completion",
	    "gpt-3.5-turbo-instruct", "gpt-3.5-turbo-instruct", 0,
	    TT_OUT_SUCCESS, NULL, NULL, "cmpl-9", "length",
	    { 5, 7, -1, -1, -1, 12 }, TT_USAGE_REPORTED, -1, NULL } },
	/* ---------------------------------------------------- Responses */
	{ "responses_non_stream",
	  { "openai", API, "/v1/responses", "gpt-5", -1, { NULL }, 200,
	    { JSON_CT, "x-request-id", "req_r1", NULL },
	    { { NULL, RESP_OBJ("completed", RESP_USAGE) } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "openai", "responses", "gpt-5", "gpt-5-2025-08-07",
	    0, TT_OUT_SUCCESS, NULL, "req_r1", "resp_67ccd2bed1ec8190",
	    "completed", { 125, 48, 98, 0, 16, 173 }, TT_USAGE_REPORTED, -1,
	    "{\"input_tokens\":125,\"input_tokens_details\":{"
	    "\"cached_tokens\":98,\"cache_write_tokens\":0},"
	    "\"output_tokens\":48,\"output_tokens_details\":{"
	    "\"reasoning_tokens\":16},\"total_tokens\":173}" } },
	{ "responses_stream_completed",
	  { "openai", API, "/v1/responses", "gpt-5", 1, { NULL }, 200,
	    { SSE_CT, NULL },
	    { RESP_EV("response.created", "0", "in_progress", "null"),
	      RESP_EV("response.in_progress", "1", "in_progress", "null"),
	      RESP_DELTA,
	      { "keepalive", "{\"type\":\"keepalive\",\"sequence_number\":5}" },
	      RESP_EV("response.completed", "9", "completed", RESP_USAGE) },
	    1, 4, 4 },
	  { TT_FRAME_SSE, "openai", "responses", "gpt-5", "gpt-5-2025-08-07", 1,
	    TT_OUT_SUCCESS, NULL, NULL, "resp_67ccd2bed1ec8190", "completed",
	    { 125, 48, 98, 0, 16, 173 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "responses_stream_incomplete",
	  { "openai", API, "/v1/responses", "gpt-5", 1, { NULL }, 200,
	    { SSE_CT, NULL },
	    { RESP_EV("response.created", "0", "in_progress", "null"),
	      { "response.incomplete",
		"{\"type\":\"response.incomplete\",\"sequence_number\":7,"
		"\"response\":{\"id\":\"resp_inc\",\"object\":\"response\","
		"\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":"
		"\"max_output_tokens\"},\"model\":\"gpt-5-2025-08-07\","
		"\"usage\":{\"input_tokens\":20,\"output_tokens\":64,"
		"\"output_tokens_details\":{\"reasoning_tokens\":64},"
		"\"total_tokens\":84}}}" } }, 1, 1, 1 },
	  { TT_FRAME_SSE, "openai", "responses", "gpt-5", "gpt-5-2025-08-07", 1,
	    TT_OUT_SUCCESS, NULL, NULL, "resp_inc", "max_output_tokens",
	    { 20, 64, -1, -1, 64, 84 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "responses_stream_failed",
	  { "openai", API, "/v1/responses", "o3", 1, { NULL }, 200,
	    { SSE_CT, NULL },
	    { RESP_EV("response.created", "0", "in_progress", "null"),
	      { "response.failed",
		"{\"type\":\"response.failed\",\"sequence_number\":3,"
		"\"response\":{\"id\":\"resp_f\",\"object\":\"response\","
		"\"status\":\"failed\",\"error\":{\"code\":\"server_error\","
		"\"message\":\"boom\"},\"model\":\"o3-2025-04-16\","
		"\"usage\":null}}" } }, 1, -1, -1 },
	  { TT_FRAME_SSE, "openai", "responses", "o3", "o3-2025-04-16", 1,
	    TT_OUT_INCOMPLETE, "server_error", NULL, "resp_f", "failed", NONE,
	    TT_USAGE_MISSING, -1, NULL } },
	{ "responses_stream_error_event",
	  { "openai", API, "/v1/responses", "gpt-5", 1, { NULL }, 200,
	    { SSE_CT, NULL },
	    { RESP_EV("response.created", "0", "in_progress", "null"),
	      { "error", "{\"type\":\"error\",\"code\":\"rate_limit_exceeded\","
			 "\"message\":\"slow down\",\"param\":null,"
			 "\"sequence_number\":1}" } }, 1, -1, -1 },
	  { TT_FRAME_SSE, "openai", "responses", "gpt-5", "gpt-5-2025-08-07", 1,
	    TT_OUT_RATE_LIMITED, "rate_limit_exceeded", NULL,
	    "resp_67ccd2bed1ec8190", NULL, NONE, TT_USAGE_MISSING, -1, NULL } },
	/* ---------------------------------------------------- other operations */
	{ "embeddings",
	  { "openai", API, "/v1/embeddings", "text-embedding-3-small", -1,
	    { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\","
		      "\"index\":0,\"embedding\":[0.0023,-0.0093]}],"
		      "\"model\":\"text-embedding-3-small\",\"usage\":{"
		      "\"prompt_tokens\":8,\"total_tokens\":8}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "openai", "embeddings", "text-embedding-3-small",
	    "text-embedding-3-small", 0, TT_OUT_SUCCESS, NULL, NULL, NULL, NULL,
	    { 8, -1, -1, -1, -1, 8 }, TT_USAGE_REPORTED, -1,
	    "{\"prompt_tokens\":8,\"total_tokens\":8}" } },
	{ "images_gpt_image",
	  { "openai", API, "/v1/images/generations", "gpt-image-1", -1,
	    { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"created\":1713833628,\"data\":[{\"b64_json\":\"iVBOR\"}],"
		      "\"background\":\"opaque\",\"output_format\":\"png\","
		      "\"quality\":\"high\",\"size\":\"1024x1024\",\"usage\":{"
		      "\"input_tokens\":50,\"input_tokens_details\":{"
		      "\"image_tokens\":40,\"text_tokens\":10},"
		      "\"output_tokens\":4160,\"total_tokens\":4210}}" } },
	    1, 0, 0 },
	  { TT_FRAME_WHOLE, "openai", "images", "gpt-image-1", NULL, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, NULL,
	    { 50, 4160, -1, -1, -1, 4210 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "images_stream_partial_then_completed",
	  { "openai", API, "/v1/images/edits", "gpt-image-1", 1, { NULL },
	    200, { SSE_CT, NULL },
	    { { "image_edit.partial_image",
		"{\"type\":\"image_edit.partial_image\",\"b64_json\":\"AAAA\","
		"\"partial_image_index\":0}" },
	      { "image_edit.completed",
		"{\"type\":\"image_edit.completed\",\"b64_json\":\"BBBB\","
		"\"usage\":{\"input_tokens\":300,\"output_tokens\":1056,"
		"\"total_tokens\":1356}}" } }, 1, 1, 1 },
	  { TT_FRAME_SSE, "openai", "images", "gpt-image-1", NULL, 1,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, NULL,
	    { 300, 1056, -1, -1, -1, 1356 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "dalle_without_usage",
	  { "openai", API, "/v1/images/generations", "dall-e-3", -1,
	    { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"created\":1,\"data\":[{\"url\":\"https://x\"}]}" } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "openai", "images", "dall-e-3", NULL, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE, TT_USAGE_MISSING, -1,
	    "" } },
	{ "transcription_tokens",
	  { "openai", API, "/v1/audio/transcriptions", NULL, -1, { NULL },
	    200, { JSON_CT, NULL },
	    { { NULL, "{\"text\":\"hello\",\"usage\":{\"type\":\"tokens\","
		      "\"input_tokens\":14,\"input_token_details\":{"
		      "\"text_tokens\":0,\"audio_tokens\":14},"
		      "\"output_tokens\":45,\"total_tokens\":59}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "openai", "audio", NULL, NULL, 0, TT_OUT_SUCCESS,
	    NULL, NULL, NULL, NULL, { 14, 45, -1, -1, -1, 59 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "transcription_duration_raw_only",
	  { "openai", API, "/v1/audio/translations", NULL, -1, { NULL },
	    200, { JSON_CT, NULL },
	    { { NULL, "{\"text\":\"hello\",\"usage\":{\"type\":\"duration\","
		      "\"seconds\":12.5}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "openai", "audio", NULL, NULL, 0, TT_OUT_SUCCESS,
	    NULL, NULL, NULL, NULL, NONE, TT_USAGE_REPORTED, -1,
	    "{\"type\":\"duration\",\"seconds\":12.5}" } },
	{ "transcription_stream_done",
	  { "openai", API, "/v1/audio/transcriptions", NULL, 1, { NULL },
	    200, { SSE_CT, NULL },
	    { { NULL, "{\"type\":\"transcript.text.delta\",\"delta\":\"he\"}" },
	      { NULL, "{\"type\":\"transcript.text.done\",\"text\":\"hello\","
		      "\"usage\":{\"type\":\"tokens\",\"input_tokens\":9,"
		      "\"output_tokens\":3,\"total_tokens\":12}}" } }, 1, 1, 1 },
	  { TT_FRAME_SSE, "openai", "audio", NULL, NULL, 1, TT_OUT_SUCCESS,
	    NULL, NULL, NULL, NULL, { 9, 3, -1, -1, -1, 12 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "transcription_as_text",
	  { "openai", API, "/v1/audio/transcriptions", NULL, -1, { NULL },
	    200, { "content-type", "text/plain; charset=utf-8", NULL },
	    { { NULL } }, 1, -1, -1 },
	  { TT_FRAME_IGNORE, "openai", "audio", NULL, NULL, 0, TT_OUT_SUCCESS,
	    NULL, NULL, NULL, NULL, NONE, TT_USAGE_NONE, -1, NULL } },
	{ "speech_audio_body",
	  { "openai", API, "/v1/audio/speech", "gpt-4o-mini-tts", -1,
	    { NULL }, 200, { "content-type", "audio/mpeg", NULL }, { { NULL } },
	    1, -1, -1 },
	  { TT_FRAME_IGNORE, "openai", "speech", "gpt-4o-mini-tts", NULL, 0,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, NONE, TT_USAGE_NONE, -1,
	    NULL } },
	/* ---------------------------------------------------- Azure */
	{ "azure_deployment_stream",
	  { "azure.ai.openai", "myres.openai.azure.com",
	    "/openai/deployments/prod-gpt41/chat/completions"
	    "?api-version=2024-10-21", NULL, 1,
	    { "user-agent", "AzureOpenAI/Python 1.99.0", NULL }, 200,
	    { SSE_CT, "x-request-id", "0c5f1e2a-x", "apim-request-id",
	      "7d3b2c1a-apim", NULL },
	    { AZ_FIRST, AZ_CHUNK("{\"role\":\"assistant\",\"content\":\"\"}",
				 "null"),
	      AZ_CHUNK("{}", "\"stop\""), AZ_USAGE, DONE }, 1, 3, 3 },
	  { TT_FRAME_SSE, "azure.ai.openai", "chat", "prod-gpt41",
	    "gpt-4.1-2025-04-14", 1, TT_OUT_SUCCESS, NULL, "7d3b2c1a-apim",
	    "chatcmpl-AZ1", "stop", { 2210, 7, 2048, -1, 0, 2217 },
	    TT_USAGE_REPORTED, -1, NULL } },
	{ "azure_v1_body_model_no_hint",
	  { NULL, "myres.openai.azure.com:443",
	    "/openai/v1/chat/completions", "my-deployment", 0, { NULL }, 200,
	    { JSON_CT, "x-request-id", "req-az", NULL },
	    { { NULL, CHAT_BODY } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "azure.ai.openai", "chat", "my-deployment",
	    "gpt-4o-2024-08-06", 0, TT_OUT_SUCCESS, NULL, "req-az",
	    "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "stop",
	    { 1117, 46, 1024, -1, 10, 1163 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "azure_foundry_deployment_429",
	  { "azure.ai.inference", "proj.services.ai.azure.com",
	    "/openai/deployments/gpt-4o%2Dmini/embeddings?api-version=2024-10-21",
	    NULL, -1, { NULL }, 429,
	    { JSON_CT, "apim-request-id", "apim-429", NULL },
	    { { NULL, "{\"error\":{\"code\":\"429\",\"message\":\"Requests to "
		      "the Embeddings_Create Operation have exceeded\"}}" } },
	    1, -1, -1 },
	  { TT_FRAME_WHOLE, "azure.ai.openai", "embeddings", "gpt-4o-mini", NULL,
	    0, TT_OUT_RATE_LIMITED, "429", "apim-429", NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	/* ---------------------------------------------------- compatible hosts */
	{ "deepseek_cache_hit_no_v1",
	  { "deepseek", "api.deepseek.com", "/chat/completions",
	    "deepseek-reasoner", 0, { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"id\":\"ds-1\",\"object\":\"chat.completion\","
		      "\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,"
		      "\"finish_reason\":\"stop\"}],\"usage\":{"
		      "\"prompt_tokens\":100,\"completion_tokens\":300,"
		      "\"total_tokens\":400,\"prompt_cache_hit_tokens\":64,"
		      "\"prompt_cache_miss_tokens\":36,"
		      "\"completion_tokens_details\":{\"reasoning_tokens\":250}}}" } },
	    1, 0, 0 },
	  { TT_FRAME_WHOLE, "deepseek", "chat", "deepseek-reasoner",
	    "deepseek-reasoner", 0, TT_OUT_SUCCESS, NULL, NULL, "ds-1", "stop",
	    { 100, 300, 64, -1, 250, 400 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "groq_x_groq_usage",
	  { "groq", "api.groq.com", "/openai/v1/chat/completions",
	    "llama-3.3-70b-versatile", 1, { NULL }, 200,
	    { SSE_CT, "x-request-id", "req_01groq", NULL },
	    { { NULL, "{\"id\":\"chatcmpl-g\",\"object\":\"chat.completion.chunk\","
		      "\"model\":\"llama-3.3-70b-versatile\",\"choices\":[{"
		      "\"index\":0,\"delta\":{\"content\":\"Hi\"},"
		      "\"finish_reason\":null}],\"x_groq\":{\"id\":\"req_01\"}}" },
	      { NULL, "{\"id\":\"chatcmpl-g\",\"object\":\"chat.completion.chunk\","
		      "\"model\":\"llama-3.3-70b-versatile\",\"choices\":[{"
		      "\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
		      "\"x_groq\":{\"id\":\"req_01\",\"usage\":{\"queue_time\":0.02,"
		      "\"prompt_tokens\":40,\"prompt_time\":0.003,"
		      "\"completion_tokens\":9,\"completion_time\":0.01,"
		      "\"total_tokens\":49,\"total_time\":0.013}}}" },
	      DONE }, 1, 1, 1 },
	  { TT_FRAME_SSE, "groq", "chat", "llama-3.3-70b-versatile",
	    "llama-3.3-70b-versatile", 1, TT_OUT_SUCCESS, NULL, "req_01groq",
	    "chatcmpl-g", "stop", { 40, 9, -1, -1, -1, 49 }, TT_USAGE_REPORTED,
	    -1,
	    "{\"queue_time\":0.02,\"prompt_tokens\":40,\"prompt_time\":0.003,"
	    "\"completion_tokens\":9,\"completion_time\":0.01,"
	    "\"total_tokens\":49,\"total_time\":0.013}" } },
	{ "openrouter_cost_and_cache_write",
	  { "openrouter", "openrouter.ai", "/api/v1/chat/completions",
	    "anthropic/claude-sonnet-4.5", 0, { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"id\":\"gen-1755\",\"provider\":\"Anthropic\","
		      "\"model\":\"anthropic/claude-sonnet-4.5\",\"object\":"
		      "\"chat.completion\",\"choices\":[{\"finish_reason\":"
		      "\"stop\",\"native_finish_reason\":\"end_turn\"}],"
		      "\"usage\":{\"prompt_tokens\":3000,\"completion_tokens\":20,"
		      "\"total_tokens\":3020,\"cost\":0.0123,\"is_byok\":false,"
		      "\"prompt_tokens_details\":{\"cached_tokens\":2000,"
		      "\"cache_write_tokens\":900}}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "openrouter", "chat", "anthropic/claude-sonnet-4.5",
	    "anthropic/claude-sonnet-4.5", 0, TT_OUT_SUCCESS, NULL, NULL,
	    "gen-1755", "stop", { 3000, 20, 2000, 900, -1, 3020 },
	    TT_USAGE_REPORTED, -1,
	    "{\"prompt_tokens\":3000,\"completion_tokens\":20,"
	    "\"total_tokens\":3020,\"cost\":0.0123,\"is_byok\":false,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":2000,"
	    "\"cache_write_tokens\":900}}" } },
	{ "gemini_compat_total_disagrees",
	  { "gcp.gemini", "generativelanguage.googleapis.com",
	    "/v1beta/openai/chat/completions", "gemini-2.5-flash", 0, { NULL },
	    200, { JSON_CT, NULL },
	    { { NULL, "{\"id\":\"g-1\",\"object\":\"chat.completion\","
		      "\"model\":\"gemini-2.5-flash\",\"choices\":[{\"index\":0,"
		      "\"finish_reason\":\"stop\"}],\"usage\":{"
		      "\"prompt_tokens\":34,\"completion_tokens\":418,"
		      "\"total_tokens\":890}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "chat", "gemini-2.5-flash",
	    "gemini-2.5-flash", 0, TT_OUT_SUCCESS, NULL, NULL, "g-1", "stop",
	    { 34, 418, -1, -1, -1, 452 }, TT_USAGE_REPORTED, -1,
	    "{\"prompt_tokens\":34,\"completion_tokens\":418,"
	    "\"total_tokens\":890}" } },
	{ "gemini_compat_error_array",
	  { "gcp.gemini", "generativelanguage.googleapis.com",
	    "/v1beta/openai/chat/completions", "gemini-2.5-pro", 0, { NULL },
	    429, { JSON_CT, NULL },
	    { { NULL, "[{\"error\":{\"code\":429,\"message\":\"Quota\","
		      "\"status\":\"RESOURCE_EXHAUSTED\"}}]" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "gcp.gemini", "chat", "gemini-2.5-pro", NULL, 0,
	    TT_OUT_RATE_LIMITED, "RESOURCE_EXHAUSTED", NULL, NULL, NULL, NONE,
	    TT_USAGE_NONE, -1, NULL } },
	{ "mistral_error_fields_at_top",
	  { "mistral_ai", "api.mistral.ai", "/v1/chat/completions",
	    "mistral-large-latest", 0, { NULL }, 422, { JSON_CT, NULL },
	    { { NULL, "{\"object\":\"error\",\"message\":{\"detail\":[]},"
		      "\"type\":\"invalid_request_error\",\"param\":null,"
		      "\"code\":null}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "mistral_ai", "chat", "mistral-large-latest", NULL,
	    0, TT_OUT_CLIENT_ERROR, "invalid_request_error", NULL, NULL, NULL,
	    NONE, TT_USAGE_NONE, -1, NULL } },
	{ "vllm_continuous_usage_cut",
	  { NULL, "10.0.0.5:8000", "/v1/chat/completions",
	    "Qwen/Qwen3-8B", 1, { NULL }, 200, { SSE_CT, NULL },
	    { { NULL, "{\"id\":\"c1\",\"model\":\"Qwen/Qwen3-8B\",\"choices\":[{"
		      "\"index\":0,\"delta\":{\"content\":\"a\"},"
		      "\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":7,"
		      "\"completion_tokens\":1,\"total_tokens\":8}}" },
	      { NULL, "{\"id\":\"c1\",\"model\":\"Qwen/Qwen3-8B\",\"choices\":[{"
		      "\"index\":0,\"delta\":{\"content\":\"b\"},"
		      "\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":7,"
		      "\"completion_tokens\":2,\"total_tokens\":9}}" } },
	    0, 0, -1 },
	  { TT_FRAME_SSE, "openai", "chat", "Qwen/Qwen3-8B", "Qwen/Qwen3-8B", 1,
	    TT_OUT_INCOMPLETE, NULL, NULL, "c1", NULL,
	    { 7, 2, -1, -1, -1, 9 }, TT_USAGE_PARTIAL, -1, NULL } },
	/* ---------------------------------------------------- Cohere */
	{ "cohere_v2_chat_billed_units",
	  { "cohere", "api.cohere.com", "/v2/chat", "command-a-03-2025", 0,
	    { NULL }, 200, { JSON_CT, "x-request-id", "co-1", NULL },
	    { { NULL, "{\"id\":\"c0a1\",\"message\":{\"role\":\"assistant\","
		      "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]},"
		      "\"finish_reason\":\"COMPLETE\",\"usage\":{\"billed_units\":"
		      "{\"input_tokens\":21,\"output_tokens\":5},\"tokens\":{"
		      "\"input_tokens\":186,\"output_tokens\":7}}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "cohere", "chat", "command-a-03-2025", NULL, 0,
	    TT_OUT_SUCCESS, NULL, "co-1", "c0a1", "COMPLETE",
	    { 21, 5, -1, -1, -1, 26 }, TT_USAGE_REPORTED, -1,
	    "{\"billed_units\":{\"input_tokens\":21,\"output_tokens\":5},"
	    "\"tokens\":{\"input_tokens\":186,\"output_tokens\":7}}" } },
	{ "cohere_v2_chat_stream",
	  { "cohere", "api.cohere.com", "/v2/chat", "command-r-plus", 1,
	    { NULL }, 200, { SSE_CT, NULL },
	    { { "message-start", "{\"type\":\"message-start\",\"id\":\"c0b2\","
				 "\"delta\":{\"message\":{\"role\":\"assistant\"}}}" },
	      { "content-delta", "{\"type\":\"content-delta\",\"index\":0,"
				 "\"delta\":{\"message\":{\"content\":{"
				 "\"text\":\"x\"}}}}" },
	      { "message-end", "{\"type\":\"message-end\",\"delta\":{"
			       "\"finish_reason\":\"COMPLETE\",\"usage\":{"
			       "\"billed_units\":{\"input_tokens\":3,"
			       "\"output_tokens\":12},\"tokens\":{"
			       "\"input_tokens\":69,\"output_tokens\":12}}}}" } },
	    1, 2, 2 },
	  { TT_FRAME_SSE, "cohere", "chat", "command-r-plus", NULL, 1,
	    TT_OUT_SUCCESS, NULL, NULL, "c0b2", "COMPLETE",
	    { 3, 12, -1, -1, -1, 15 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "cohere_v1_chat_ndjson",
	  { "cohere", "api.cohere.ai", "/v1/chat", "command-r", 1,
	    { NULL }, 200, { "content-type", "application/stream+json", NULL },
	    { { NULL, "{\"is_finished\":false,\"event_type\":\"stream-start\","
		      "\"generation_id\":\"gen-v1\"}" },
	      { NULL, "{\"is_finished\":false,\"event_type\":"
		      "\"text-generation\",\"text\":\"x\"}" },
	      { NULL, "{\"is_finished\":true,\"event_type\":\"stream-end\","
		      "\"finish_reason\":\"COMPLETE\",\"response\":{\"meta\":{"
		      "\"billed_units\":{\"input_tokens\":10,"
		      "\"output_tokens\":2}}}}" } }, 1, 2, 2 },
	  { TT_FRAME_NDJSON, "cohere", "chat", "command-r", NULL, 1,
	    TT_OUT_SUCCESS, NULL, NULL, "gen-v1", "COMPLETE",
	    { 10, 2, -1, -1, -1, 12 }, TT_USAGE_REPORTED, -1, NULL } },
	{ "cohere_v2_embed",
	  { "cohere", "api.cohere.com", "/v2/embed", "embed-v4.0", -1,
	    { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"id\":\"e1\",\"embeddings\":{\"float\":[[0.1]]},"
		      "\"texts\":[\"secret\"],\"meta\":{\"api_version\":{"
		      "\"version\":\"2\"},\"billed_units\":{"
		      "\"input_tokens\":4}}}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "cohere", "embeddings", "embed-v4.0", NULL, 0,
	    TT_OUT_SUCCESS, NULL, NULL, "e1", NULL, { 4, -1, -1, -1, -1, 4 },
	    TT_USAGE_REPORTED, -1,
	    "{\"api_version\":{\"version\":\"2\"},\"billed_units\":{"
	    "\"input_tokens\":4}}" } },
	/* ---------------------------------------------------- Ollama */
	{ "ollama_chat_stream_by_default",
	  { "ollama", "localhost:11434", "/api/chat", "llama3.2", -1,
	    { NULL }, 200, { "content-type", "application/x-ndjson", NULL },
	    { OLL_PART("llama3.2"), OLL_PART("llama3.2"),
	      OLL_DONE("llama3.2", "\"prompt_eval_count\":26,"
				   "\"eval_count\":259,") }, 1, 2, 2 },
	  { TT_FRAME_NDJSON, "ollama", "chat", "llama3.2", "llama3.2", 1,
	    TT_OUT_SUCCESS, NULL, NULL, NULL, "stop",
	    { 26, 259, -1, -1, -1, 285 }, TT_USAGE_REPORTED, -1,
	    OLL_RAW("\"prompt_eval_count\":26,\"eval_count\":259,") } },
	{ "ollama_generate_non_stream_cached_prompt",
	  { NULL, "127.0.0.1:11434", "/api/generate", "qwen3:8b", 0,
	    { NULL }, 200, { "content-type", "application/json; charset=utf-8",
			     NULL },
	    { OLL_DONE("qwen3:8b", "\"eval_count\":12,") }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "ollama", "text_completion", "qwen3:8b", "qwen3:8b",
	    0, TT_OUT_SUCCESS, NULL, NULL, NULL, "stop",
	    { 0, 12, -1, -1, -1, 12 }, TT_USAGE_REPORTED, -1,
	    OLL_RAW("\"eval_count\":12,") } },
	{ "ollama_embed",
	  { "ollama", "gpu-box:11434", "/api/embed", "all-minilm", -1,
	    { NULL }, 200, { JSON_CT, NULL },
	    { { NULL, "{\"model\":\"all-minilm\",\"embeddings\":[[0.01]],"
		      "\"total_duration\":14143917,\"load_duration\":1019500,"
		      "\"prompt_eval_count\":8}" } }, 1, 0, 0 },
	  { TT_FRAME_WHOLE, "ollama", "embeddings", "all-minilm", "all-minilm",
	    0, TT_OUT_SUCCESS, NULL, NULL, NULL, NULL, { 8, -1, -1, -1, -1, 8 },
	    TT_USAGE_REPORTED, -1,
	    "{\"prompt_eval_count\":8,\"total_duration\":14143917,"
	    "\"load_duration\":1019500}" } },
	{ "ollama_model_not_found",
	  { "ollama", "localhost:11434", "/api/chat", "nope", -1, { NULL },
	    404, { JSON_CT, NULL },
	    { { NULL, "{\"error\":\"model \\\"nope\\\" not found, try pulling "
		      "it first\"}" } }, 1, -1, -1 },
	  { TT_FRAME_WHOLE, "ollama", "chat", "nope", NULL, 1,
	    TT_OUT_CLIENT_ERROR, "error", NULL, NULL, NULL, NONE, TT_USAGE_NONE,
	    -1, NULL } },
	{ "ollama_in_stream_error",
	  { "ollama", "localhost:11434", "/api/generate", "llama3.2", -1,
	    { NULL }, 200, { "content-type", "application/x-ndjson", NULL },
	    { OLL_PART("llama3.2"),
	      { NULL, "{\"error\":\"an error was encountered while running "
		      "the model\"}" } }, 1, -1, -1 },
	  { TT_FRAME_NDJSON, "ollama", "text_completion", "llama3.2",
	    "llama3.2", 1, TT_OUT_INCOMPLETE, "error", NULL, NULL, NULL, NONE,
	    TT_USAGE_MISSING, -1, NULL } },
	{ "ollama_openai_compat_route",
	  { "ollama", "localhost:11434", "/v1/chat/completions",
	    "llama3.2", 1, { NULL }, 200, { SSE_CT, NULL },
	    { CHUNK_ROLE, CHUNK_STOP, CHUNK_USAGE, DONE }, 1, 2, 2 },
	  { TT_FRAME_SSE, "ollama", "chat", "llama3.2",
	    "gpt-4o-mini-2024-07-18", 1, TT_OUT_SUCCESS, NULL, NULL,
	    "chatcmpl-X", "stop", { 11, 18, 0, -1, 0, 29 }, TT_USAGE_REPORTED,
	    -1, NULL } },
};

TT_TEST(exchanges)
{
	struct tt_pdec *d = tt_pdec_new();

	TT_CHECK(d != NULL);
	if (!d)
		return;
	pdec_check_cases(d, cases, sizeof(cases) / sizeof(cases[0]));
	/* [DONE] markers are terminal, not malformed JSON. */
	TT_CHECK_EQ_U64(tt_pdec_stats(d)->json_errors, 0);
	tt_pdec_free(d);
}

/* Every successful stream cut after each of its documents: incomplete,
 * and the usage is what had arrived by then. */
TT_TEST(streams_cut_after_each_document)
{
	struct tt_pdec *d = tt_pdec_new();
	struct tt_call call;

	if (!d)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pdec_case *c = &cases[i];
		size_t n = pdec_ndocs(&c->x);

		if (c->w.outcome != TT_OUT_SUCCESS || !c->w.stream ||
		    c->w.framing == TT_FRAME_IGNORE)
			continue;
		for (size_t k = 0; k < n; k++) {
			int want = TT_USAGE_MISSING;

			tt_case("%s cut after %zu", c->name, k);
			pdec_run(d, &c->x, k, 0, &call);
			if (c->x.final_usage >= 0 &&
			    k > (size_t)c->x.final_usage)
				want = TT_USAGE_REPORTED;
			else if (c->x.first_usage >= 0 &&
				 k > (size_t)c->x.first_usage)
				want = TT_USAGE_PARTIAL;
			TT_CHECK_EQ_STR(tt_outcome_name(call.outcome),
					"incomplete");
			TT_CHECK_EQ_STR(tt_usage_status_name(call.usage_status),
					tt_usage_status_name(want));
			if (want == TT_USAGE_MISSING)
				TT_CHECK_EQ_INT(call.usage.input_tokens, -1);
			TT_CHECK_EQ_STR(call.provider, c->w.provider);
		}
	}
	tt_pdec_free(d);
}

/* Dispatch, operation and the framing of a 2xx JSON answer; no usage is
 * expected where the body is ignored. */
TT_TEST(routes)
{
	static const struct {
		const char *hint, *host, *method, *target, *model;
		int rc;
		const char *provider, *operation, *request_model;
		int framing;
	} rows[] = {
#define UNKNOWN -ENOENT, NULL, NULL, NULL, 0
		{ NULL, "example.com", "POST", "/index.html", NULL, UNKNOWN },
		{ NULL, "example.com", "GET", "/v1/models", NULL, UNKNOWN },
		{ NULL, "localhost:8080", "POST", "/api/chat", NULL, UNKNOWN },
		{ NULL, "gw.internal", "POST", "/llm/v1/embeddings", "e5", 0,
		  "openai", "embeddings", "e5", TT_FRAME_WHOLE },
		{ "openai", API, "GET", "/v1/models", NULL, 0, "openai", "other",
		  NULL, TT_FRAME_IGNORE },
		{ "openai", API, "GET", "/v1/chat/completions?limit=10", NULL, 0,
		  "openai", "other", NULL, TT_FRAME_IGNORE },
		{ "openai", API, "GET", "/v1/responses/resp_1", NULL, 0, "openai",
		  "other", NULL, TT_FRAME_IGNORE },
		/* The Responses WebSocket's upgrade, as a call when refused */
		{ "openai", API, "GET", "/v1/responses", NULL, 0, "openai",
		  "responses", NULL, TT_FRAME_IGNORE },
		{ "openai", API, "POST", "/v1/responses/resp_1/cancel", NULL, 0,
		  "openai", "other", NULL, TT_FRAME_IGNORE },
		{ "openai", API, "POST", "/v1/responses/input_tokens", "gpt-5", 0,
		  "openai", "count_tokens", "gpt-5", TT_FRAME_IGNORE },
		/* no usage expected, but the body names the served model */
		{ "openai", API, "POST", "/v1/moderations", "omni-moderation-latest",
		  0, "openai", "moderations", "omni-moderation-latest",
		  TT_FRAME_WHOLE },
		{ "openai", API, "POST", "/v1/batches", NULL, 0, "openai", "batch",
		  NULL, TT_FRAME_IGNORE },
		{ "openai", API, "GET", "/v1/files/file-abc/content", NULL, 0,
		  "openai", "batch", NULL, TT_FRAME_IGNORE },
		{ "azure.ai.inference", "proj.services.ai.azure.com", "POST",
		  "/models/chat/completions?api-version=2024-05-01-preview",
		  "Llama-3.3-70B-Instruct", 0, "azure.ai.inference", "chat",
		  "Llama-3.3-70B-Instruct", TT_FRAME_WHOLE },
		{ NULL, "x.cognitiveservices.azure.com", "POST",
		  "/openai/deployments/emb/embeddings?api-version=2024-10-21",
		  NULL, 0, "azure.ai.openai", "embeddings", "emb",
		  TT_FRAME_WHOLE },
		{ "aws.bedrock", "bedrock-runtime.us-west-2.amazonaws.com", "POST",
		  "/openai/v1/chat/completions", "openai.gpt-oss-120b-1:0", 0,
		  "aws.bedrock", "chat", "openai.gpt-oss-120b-1:0",
		  TT_FRAME_WHOLE },
		{ "anthropic", "api.anthropic.com", "POST", "/v1/chat/completions",
		  "claude-sonnet-4-5", 0, "anthropic", "chat", "claude-sonnet-4-5",
		  TT_FRAME_WHOLE },
		{ "fireworks", "api.fireworks.ai", "POST",
		  "/inference/v1/chat/completions", NULL, 0, "fireworks", "chat",
		  NULL, TT_FRAME_WHOLE },
		{ "perplexity", "api.perplexity.ai", "POST", "/chat/completions",
		  "sonar", 0, "perplexity", "chat", "sonar", TT_FRAME_WHOLE },
		{ "mistral_ai", "api.mistral.ai", "POST", "/v1/fim/completions",
		  "codestral-latest", 0, "mistral_ai", "text_completion",
		  "codestral-latest", TT_FRAME_WHOLE },
		{ "x_ai", "api.x.ai", "POST", "/v1/responses", "grok-4", 0, "x_ai",
		  "responses", "grok-4", TT_FRAME_WHOLE },
		{ "cohere", "api.cohere.com", "POST",
		  "/compatibility/v1/chat/completions", NULL, 0, "cohere", "chat",
		  NULL, TT_FRAME_WHOLE },
		{ NULL, "localhost:11434", "POST", "/api/chat", "llama3.2", 0,
		  "ollama", "chat", "llama3.2", TT_FRAME_WHOLE },
		{ "ollama", "localhost:11434", "GET", "/api/tags", NULL, 0,
		  "ollama", "other", NULL, TT_FRAME_IGNORE },
		{ "vllm", "gpu:8000", "POST", "/v1/chat/completions?x=1", NULL, 0,
		  "vllm", "chat", NULL, TT_FRAME_WHOLE },
	};
	struct tt_pdec *d = tt_pdec_new();
	struct tt_req_fields body = { .stream = 0, .include_usage = -1 };
	const char *ct[] = { JSON_CT, NULL };
	struct tt_hdrs rs;
	struct tt_call call;

	if (!d)
		return;
	pdec_hdrs_from(&rs, ct);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tt_req_info req = { rows[i].hint, rows[i].host,
					   rows[i].method, rows[i].target,
					   strlen(rows[i].target), NULL, &body };

		body.has_model = rows[i].model != NULL;
		tt_copy(body.model, sizeof(body.model), pdec_or_empty(rows[i].model),
			strlen(pdec_or_empty(rows[i].model)));
		tt_case("%s %s %s", rows[i].method, rows[i].host, rows[i].target);
		TT_CHECK_EQ_INT(tt_pdec_begin(d, &req), rows[i].rc);
		if (rows[i].rc)
			continue;
		TT_CHECK_EQ_INT(tt_pdec_response(d, 200, &rs), rows[i].framing);
		tt_pdec_finish(d, 1, &call);
		TT_CHECK_EQ_STR(call.provider, rows[i].provider);
		TT_CHECK_EQ_STR(call.operation, rows[i].operation);
		TT_CHECK_EQ_STR(call.request_model,
				pdec_or_empty(rows[i].request_model));
		TT_CHECK_EQ_STR(tt_outcome_name(call.outcome), "success");
		/* Moderations never carry usage: "none", body parsed or not. */
		TT_CHECK_EQ_STR(tt_usage_status_name(call.usage_status),
				rows[i].framing == TT_FRAME_IGNORE ||
						!strcmp(rows[i].operation,
							"moderations")
					? "none" : "missing");
	}
	tt_pdec_free(d);
}

/* No response at all (connection lost after the request). */
TT_TEST(no_response)
{
	struct tt_pdec *d = tt_pdec_new();
	struct tt_req_fields body = { .stream = 1, .include_usage = 1 };
	struct tt_req_info req = { "openai", API, "POST",
				   "/v1/chat/completions", 20, NULL, &body };
	struct tt_call call;

	if (!d)
		return;
	TT_CHECK_EQ_INT(tt_pdec_begin(d, &req), 0);
	tt_pdec_finish(d, 0, &call);
	TT_CHECK_EQ_INT(call.status, 0);
	TT_CHECK_EQ_INT(call.stream, 1);
	TT_CHECK_EQ_STR(tt_outcome_name(call.outcome), "incomplete");
	TT_CHECK_EQ_STR(tt_usage_status_name(call.usage_status), "none");
	tt_pdec_free(d);
}

/* Garbage and hostile shapes: counted, never trusted as usage. */
TT_TEST(malformed_documents)
{
	static const char *const docs[] = {
		"", "{", "null", "[]", "[1,2]", "\"str\"", "42",
		"{\"usage\":null}", "{\"usage\":{\"prompt_tokens\":-5}}",
		"{\"usage\":{\"prompt_tokens\":\"7\"}}",
		"{\"usage\":{\"prompt_tokens\":1e300}}",
		"{\"choices\":{\"finish_reason\":\"x\"}}",
		"{\"error\":null}", "{\"error\":[]}",
		"[DONE]x", " [DONE] ",
	};
	struct tt_pdec *d = tt_pdec_new();
	struct tt_req_fields body = { .stream = 1, .include_usage = -1 };
	struct tt_req_info req = { "openai", API, "POST",
				   "/v1/chat/completions", 20, NULL, &body };
	struct tt_hdrs rs;
	const char *ct[] = { SSE_CT, NULL };
	struct tt_call call;

	if (!d)
		return;
	pdec_hdrs_from(&rs, ct);
	TT_CHECK_EQ_INT(tt_pdec_begin(d, &req), 0);
	TT_CHECK_EQ_INT(tt_pdec_response(d, 200, &rs), TT_FRAME_SSE);
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		tt_pdec_json(d, NULL, 0, docs[i], strlen(docs[i]));
	tt_pdec_finish(d, 1, &call);
	/* "", "{" and "[DONE]x" do not parse. */
	TT_CHECK_EQ_U64(tt_pdec_stats(d)->json_errors, 3);
	TT_CHECK_EQ_INT(call.usage.input_tokens, -1);
	TT_CHECK_EQ_STR(tt_usage_status_name(call.usage_status), "missing");
	TT_CHECK_EQ_STR(tt_outcome_name(call.outcome), "success");
	TT_CHECK_EQ_STR(call.error_type, "");
	tt_pdec_free(d);
}

/* Audio and image details of Chat and Responses usage; an image
 * generation's output is its images. */
TT_TEST(media_details)
{
	static const struct {
		const char *target, *usage;
		int64_t ai, ao, ii, io;
	} media[] = {
		{ "/v1/chat/completions",
		  "{\"prompt_tokens\":1000,\"completion_tokens\":400,"
		  "\"prompt_tokens_details\":{\"cached_tokens\":100,\"audio_tokens\":600},"
		  "\"completion_tokens_details\":{\"audio_tokens\":300}}",
		  600, 300, -1, -1 },
		/* Cached media the details do not split: bounded by the
		 * uncached input. */
		{ "/v1/chat/completions",
		  "{\"prompt_tokens\":1000,\"completion_tokens\":10,"
		  "\"prompt_tokens_details\":{\"cached_tokens\":900,\"image_tokens\":800}}",
		  -1, -1, 100, -1 },
		{ "/v1/responses",
		  "{\"input_tokens\":50,\"output_tokens\":20,\"input_tokens_details\":"
		  "{\"cached_tokens\":0,\"image_tokens\":30}}",
		  -1, -1, 30, -1 },
		{ "/v1/images/generations",
		  "{\"input_tokens\":13,\"output_tokens\":4160,\"input_tokens_details\":"
		  "{\"image_tokens\":0,\"text_tokens\":13}}",
		  -1, -1, 0, 4160 },
	};
	struct tt_pdec *d = tt_pdec_new();

	for (size_t i = 0; i < sizeof(media) / sizeof(media[0]); i++) {
		char body[512];
		struct pdec_xch x = {
			"openai", "api.openai.com", media[i].target, "m", -1,
			{ NULL }, 200, { JSON_CT, NULL }, { { NULL, body } }, 1,
			-1, -1,
		};
		struct tt_call call;

		tt_case("%zu", i);
		snprintf(body, sizeof(body),
			 "{\"id\":\"x\",\"object\":\"%s\",\"usage\":%s}",
			 strstr(media[i].target, "responses") ? "response"
							      : "chat.completion",
			 media[i].usage);
		pdec_run(d, &x, 1, 1, &call);
		TT_CHECK_EQ_INT(call.usage.audio_input_tokens, media[i].ai);
		TT_CHECK_EQ_INT(call.usage.audio_output_tokens, media[i].ao);
		TT_CHECK_EQ_INT(call.usage.image_input_tokens, media[i].ii);
		TT_CHECK_EQ_INT(call.usage.image_output_tokens, media[i].io);
	}
	tt_pdec_free(d);
}
