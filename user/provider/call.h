/* SPDX-License-Identifier: MIT */
/*
 * One AI API call as the provider decoders see it: the request side
 * (method, path, headers, a few top-level body fields), the response
 * head, and the response body as a sequence of JSON documents (a whole
 * body, or one event of a stream). Output: a struct tt_call with exact
 * usage, raw and normalized. Pure: no I/O, no logging, nothing from a
 * prompt or completion is kept.
 */
#ifndef TT_CALL_H
#define TT_CALL_H

#include <stddef.h>
#include <stdint.h>
#include "http/hdr.h"

/* Top-level request body fields (user/provider/reqscan.c fills them). */
struct tt_req_fields {
	char model[128];
	int has_model;
	int stream;        /* -1 absent, 0 false, 1 true */
	int include_usage; /* stream_options.include_usage: -1 absent, 0, 1 */
	char service_tier[32];
};

struct tt_req_info {
	const char *provider_hint; /* from the host table ("openai", ...) or NULL */
	const char *host;          /* Host header or SNI */
	const char *method;
	const char *target;        /* request target as sent: path + query */
	size_t target_len;
	const struct tt_hdrs *hdrs;
	const struct tt_req_fields *body; /* never NULL */
};

/* More tokens than this in one count of one call is not usage, it is an
 * attack or a bug: ten times the largest context window sold today. */
#define TT_USAGE_COUNT_MAX 100000000LL

/* -1 in any field: the provider did not report it. The parts of the
 * input do not overlap one another, nor do those of the output, except
 * that the 1-hour writes are part of the cache writes. tt_usage_reset()
 * marks every field not reported. */
struct tt_usage {
	int64_t input_tokens;                /* all input, cache reads and writes included */
	int64_t output_tokens;               /* all output, reasoning included */
	int64_t cache_read_input_tokens;     /* part of input_tokens */
	int64_t cache_creation_input_tokens; /* part of input_tokens */
	int64_t reasoning_tokens;            /* part of output_tokens */
	int64_t total_tokens;                /* input + output as normalized */
	int64_t cache_creation_1h_input_tokens; /* part of cache_creation (Anthropic 1-hour TTL) */
	int64_t audio_input_tokens;          /* uncached audio: part of input_tokens */
	int64_t audio_output_tokens;         /* part of output_tokens */
	int64_t image_input_tokens;          /* uncached images: part of input_tokens */
	int64_t image_output_tokens;         /* part of output_tokens */
};

static inline void tt_usage_reset(struct tt_usage *u)
{
	u->input_tokens = u->output_tokens = -1;
	u->cache_read_input_tokens = u->cache_creation_input_tokens = -1;
	u->reasoning_tokens = u->total_tokens = -1;
	u->cache_creation_1h_input_tokens = -1;
	u->audio_input_tokens = u->audio_output_tokens = -1;
	u->image_input_tokens = u->image_output_tokens = -1;
}

enum tt_usage_status {
	TT_USAGE_NONE = 0,      /* no usage expected (error response, no body) */
	TT_USAGE_REPORTED,      /* complete usage from the provider */
	TT_USAGE_MISSING,       /* a success without usage (e.g. OpenAI stream without include_usage) */
	TT_USAGE_PARTIAL,       /* stream cut off: the last cumulative values seen */
	TT_USAGE_LOST,          /* the capture lost the bytes that held it */
	TT_USAGE_UNOBSERVED,    /* a connection seen but not decrypted */
};

enum tt_outcome {
	TT_OUT_SUCCESS = 0,
	TT_OUT_CLIENT_ERROR,  /* 4xx other than below */
	TT_OUT_AUTH_ERROR,    /* 401, 403 */
	TT_OUT_RATE_LIMITED,  /* 429 */
	TT_OUT_SERVER_ERROR,  /* 5xx other than overloaded */
	TT_OUT_OVERLOADED,    /* 529, Anthropic overloaded_error, Bedrock throttling in-stream */
	TT_OUT_INCOMPLETE,    /* response ended early or a stream failed midway */
	TT_OUT_UNKNOWN,       /* nothing decrypted: a dark connection */
};

/* How the caller must feed the response body to tt_pdec_json(). */
enum tt_framing {
	TT_FRAME_WHOLE = 0,   /* the whole (decoded) body as one document */
	TT_FRAME_SSE,         /* one call per server-sent event (data, event name) */
	TT_FRAME_NDJSON,      /* one call per line */
	TT_FRAME_JSON_ARRAY,  /* one call per top-level array element */
	TT_FRAME_EVENTSTREAM, /* one call per AWS eventstream message payload,
			       * event = :event-type or :exception-type */
	TT_FRAME_IGNORE,      /* body not needed (audio bytes, HEAD, ...) */
};

#define TT_USAGE_RAW_MAX 1024

struct tt_call {
	char provider[32];       /* OTel gen_ai.provider.name style: openai, anthropic, gcp.gemini, ... */
	char operation[32];      /* chat, responses, text_completion, embeddings, images, audio, moderations, generate_content, ... */
	char endpoint[256];      /* path, query string removed */
	char request_model[128];
	char response_model[128];
	int stream;              /* 0/1 */
	int status;              /* HTTP status, 0 when no response */
	int outcome;             /* enum tt_outcome */
	char error_type[64];     /* provider's error type/code, "" if none */
	char request_id[128];    /* provider request id header (x-request-id, request-id, ...) */
	char response_id[128];   /* body id: chatcmpl-..., msg_..., resp_..., responseId */
	char finish_reason[32];
	char service_tier[32];
	char user_agent[128];
	char sdk_lang[16];       /* X-Stainless-Lang */
	char sdk_version[32];    /* X-Stainless-Package-Version */
	char runtime[32];        /* X-Stainless-Runtime */
	char runtime_version[32];
	int attempt;             /* X-Stainless-Retry-Count, -1 absent */
	struct tt_usage usage;
	int usage_status;        /* enum tt_usage_status */
	char usage_raw[TT_USAGE_RAW_MAX]; /* provider's own usage object(s), compact JSON, numbers and names only */
	int usage_raw_truncated;
	/* A token count in the provider's usage that no provider could
	 * mean: "fractional_count", "negative_count", "absurd_count"
	 * (tt_usage_check's limit), "" when none. Such usage is never
	 * priced. */
	char usage_problem[24];
};

struct tt_pdec_stats {
	uint64_t json_errors;   /* documents that did not parse */
	uint64_t unknown_events;
};

/* One exchange's decoding state. Opaque; allocated by tt_pdec_new(). */
struct tt_pdec;

struct tt_pdec *tt_pdec_new(void);
void tt_pdec_free(struct tt_pdec *d);

/* Starts an exchange (resets d). Picks provider and operation from the
 * hint, host and path. Returns 0, or -ENOENT when the request is not an
 * AI API call any decoder knows (the caller may still report it). */
int tt_pdec_begin(struct tt_pdec *d, const struct tt_req_info *req);

/* The final response head (not 1xx). Returns the framing of its body. */
int tt_pdec_response(struct tt_pdec *d, int status, const struct tt_hdrs *hdrs);

/* One JSON document of the response body. event: SSE event name or
 * eventstream event type, NULL/0 when none. */
void tt_pdec_json(struct tt_pdec *d, const char *event, size_t event_len,
		  const char *json, size_t len);

/* Ends the exchange. complete = 0 when the response (or its stream) ended
 * early. Fills *out; d can then be reused with tt_pdec_begin(). */
void tt_pdec_finish(struct tt_pdec *d, int complete, struct tt_call *out);

const struct tt_pdec_stats *tt_pdec_stats(const struct tt_pdec *d);

const char *tt_outcome_name(int outcome);
const char *tt_usage_status_name(int status);

#endif
