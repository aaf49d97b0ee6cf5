// SPDX-License-Identifier: MIT
/*
 * The OpenAI wire format and its relatives:
 *  - OpenAI (api.openai.com, us./eu./mtls. residency hosts): chat and text
 *    completions, Responses, embeddings, images, audio, moderations,
 *    batches and files;
 *  - Azure OpenAI: /openai/deployments/{deployment}/... (the deployment is
 *    the request model unless the body names one) and /openai/v1/...;
 *  - every OpenAI-compatible host (OpenRouter, Groq, Together, Mistral,
 *    DeepSeek, xAI, Fireworks, Perplexity, Cerebras, Gemini's and Bedrock's
 *    compatibility surfaces, vLLM, custom endpoints): the path is matched
 *    on its suffix, whatever the prefix (/api/v1, /openai/v1, /inference/v1,
 *    /v1beta/openai, none); the provider is the host's hint;
 *  - Cohere v1/v2 chat and embed (billed_units are what is billed);
 *  - Ollama's native /api/chat, /api/generate, /api/embed (NDJSON, stream
 *    on unless the body says "stream": false).
 *
 * Usage: OpenAI's prompt_tokens / input_tokens already include cached
 * tokens and completion_tokens / output_tokens already include reasoning,
 * so they map one to one. Streams report usage once, at the end (chat's
 * final chunk with "choices": [], Responses' response.completed), except
 * vLLM's continuous_usage_stats which repeats cumulative values: the last
 * one wins either way.
 *
 * One file of some 840 lines on purpose: these decoders share one state
 * (struct oai_state), one path table shape, the usage and error readers
 * and the finish rule; the Ollama decoder at the end is their smallest
 * user. Splitting it off would publish a dozen helpers in a header for
 * 130 lines.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "provider/pdec_impl.h"

enum oai_kind {
	K_NONE = 0,     /* no usage expected: the 2xx body is not needed */
	K_IDS,          /* no usage expected, but the body names the model */
	K_CHAT,         /* chat and text completions (CompletionUsage) */
	K_RESPONSES,    /* Responses API (ResponseUsage) */
	K_EMBED,        /* embeddings: input only */
	K_MEDIA,        /* images, transcriptions, speech events */
	K_SPEECH,       /* /audio/speech: the body is audio */
	K_COHERE,       /* Cohere v1/v2 chat */
	K_COHERE_EMBED, /* Cohere v1/v2 embed */
	K_OLLAMA,       /* Ollama /api/chat, /api/generate */
	K_OLLAMA_EMBED, /* Ollama /api/embed, /api/embeddings */
};

struct oai_state {
	int kind;
	int azure;
	int finish_seen; /* a chat chunk carried a finish_reason */
	int final_usage; /* the usage read is the call's final one, not a
			  * cumulative snapshot of a stream still running */
};

_Static_assert(sizeof(struct oai_state) <= TT_PDEC_SCRATCH,
	       "openai state exceeds the scratch area");

static struct oai_state *oai(struct tt_pdec *d)
{
	return (struct oai_state *)d->scratch.b;
}

struct oai_path {
	const char *suffix, *operation;
	int kind;
};

/* First match wins: /chat/completions before /completions. */
static const struct oai_path oai_paths[] = {
	{ "/chat/completions", "chat", K_CHAT },
	{ "/responses/input_tokens", "count_tokens", K_NONE },
	{ "/responses", "responses", K_RESPONSES },
	{ "/completions", "text_completion", K_CHAT }, /* and /fim/completions */
	{ "/embeddings", "embeddings", K_EMBED },
	{ "/moderations", "moderations", K_IDS }, /* free, no usage */
	{ "/images/generations", "images", K_MEDIA },
	{ "/images/edits", "images", K_MEDIA },
	{ "/images/variations", "images", K_MEDIA },
	{ "/audio/transcriptions", "audio", K_MEDIA },
	{ "/audio/translations", "audio", K_MEDIA },
	{ "/audio/speech", "speech", K_SPEECH },
};

static const struct oai_path cohere_paths[] = {
	{ "/v2/chat", "chat", K_COHERE },
	{ "/v1/chat", "chat", K_COHERE },
	{ "/v2/embed", "embeddings", K_COHERE_EMBED },
	{ "/v1/embed", "embeddings", K_COHERE_EMBED },
};

static const struct oai_path ollama_paths[] = {
	{ "/api/chat", "chat", K_OLLAMA },
	{ "/api/generate", "text_completion", K_OLLAMA },
	{ "/api/embed", "embeddings", K_OLLAMA_EMBED },
	{ "/api/embeddings", "embeddings", K_OLLAMA_EMBED },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static const struct oai_path *path_lookup(const struct oai_path *tab,
					  size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (ends_with(path, tab[i].suffix))
			return &tab[i];
	return NULL;
}

/* seg ("/batches") as a whole path segment anywhere in path. */
static int has_segment(const char *path, const char *seg)
{
	size_t n = strlen(seg);

	for (const char *p = path; (p = strstr(p, seg)); p++)
		if (p[n] == '\0' || p[n] == '/')
			return 1;
	return 0;
}

static int is_hint(const struct tt_req_info *req, const char *name)
{
	return req->provider_hint && !strcmp(req->provider_hint, name);
}

static int is_2xx(int status)
{
	return status >= 200 && status < 300;
}

/* Host (":port" ignored) ends with suffix, case-insensitive. */
static int host_ends(const char *host, const char *suffix)
{
	const char *colon = host ? strchr(host, ':') : NULL;
	size_t n = host ? (colon ? (size_t)(colon - host) : strlen(host)) : 0;
	size_t m = strlen(suffix);

	return n >= m && !strncasecmp(host + n - m, suffix, m);
}

static void set_str(char *out, size_t outlen, const char *s)
{
	tt_copy(out, outlen, s, strlen(s));
}

/* Like tt_pj_str, but an empty string keeps the earlier value: Azure's
 * first stream chunk has "id": "" and "model": "". */
static int copy_str(const cJSON *obj, const char *key, char *out,
		    size_t outlen)
{
	const cJSON *v = cJSON_IsObject(obj)
				 ? cJSON_GetObjectItemCaseSensitive(obj, key)
				 : NULL;

	if (!cJSON_IsString(v) || !v->valuestring || !v->valuestring[0])
		return 0;
	set_str(out, outlen, v->valuestring);
	return 1;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key)
				   : NULL;
}

static int is_method(const struct tt_req_info *req, const char *method)
{
	return !req->method || !strcasecmp(req->method, method);
}

/* ------------------------------------------------------------ request */

static int oai_match(const struct tt_req_info *req, const char *path)
{
	/* Last in the dispatch order: any host a hint classified as AI that
	 * no other decoder took, and any host speaking OpenAI's paths. */
	if (req->provider_hint)
		return 1;
	return path_lookup(oai_paths, NELEM(oai_paths), path) != NULL;
}

static int is_azure(const struct tt_req_info *req, const char *path)
{
	if (is_hint(req, "azure.ai.openai"))
		return 1;
	/* Foundry hosts serve Azure OpenAI under /openai/ next to the
	 * model inference API. */
	if (is_hint(req, "azure.ai.inference"))
		return !strncmp(path, "/openai/", 8);
	return !req->provider_hint &&
	       (host_ends(req->host, ".openai.azure.com") ||
		host_ends(req->host, ".cognitiveservices.azure.com") ||
		host_ends(req->host, ".services.ai.azure.com"));
}

/* /openai/deployments/{deployment}/...: Azure serves the deployment the
 * path names, whatever "model" the body carries, so the deployment is the
 * requested model (the response names the underlying snapshot). */
static void azure_deployment(struct tt_pdec *d, const char *path)
{
	const char *p = strstr(path, "/openai/deployments/"), *slash;

	if (!p)
		return;
	p += strlen("/openai/deployments/");
	slash = strchr(p, '/');
	tt_url_decode(p, slash ? (size_t)(slash - p) : strlen(p),
		      d->call.request_model, sizeof(d->call.request_model));
}

static void oai_begin(struct tt_pdec *d, const struct tt_req_info *req,
		      const char *path)
{
	struct oai_state *st = oai(d);
	const struct oai_path *p = NULL;
	const char *op = "other";

	memset(st, 0, sizeof(*st));
	if (is_hint(req, "cohere"))
		p = path_lookup(cohere_paths, NELEM(cohere_paths), path);
	if (!p)
		p = path_lookup(oai_paths, NELEM(oai_paths), path);
	if (p) {
		op = p->operation;
		st->kind = p->kind;
	} else if (has_segment(path, "/batches") ||
		   has_segment(path, "/files")) {
		op = "batch";
	}
	/* GET /v1/chat/completions lists stored completions, GET
	 * /v1/responses/{id} retrieves one: their usage was counted when
	 * they were created. GET /v1/responses itself is the Responses
	 * WebSocket's upgrade: its calls are the session's messages, but an
	 * upgrade refused (426: Codex then falls back to POST) is a failed
	 * responses call of its own. */
	if (st->kind != K_NONE && !is_method(req, "POST")) {
		if (st->kind != K_RESPONSES || !ends_with(path, "/responses"))
			op = "other";
		st->kind = K_NONE;
	}
	set_str(d->call.operation, sizeof(d->call.operation), op);
	st->azure = is_azure(req, path);
	if (st->azure) {
		set_str(d->call.provider, sizeof(d->call.provider),
			"azure.ai.openai");
		azure_deployment(d, path);
	} else if (!d->call.provider[0]) {
		set_str(d->call.provider, sizeof(d->call.provider), "openai");
	}
}

static int has_header(const struct tt_hdrs *hdrs, const char *name)
{
	return hdrs && tt_hdrs_get(hdrs, name, NULL);
}

static int oai_response(struct tt_pdec *d, int status,
			const struct tt_hdrs *hdrs)
{
	struct oai_state *st = oai(d);
	int has_ct = has_header(hdrs, "content-type");

	if (st->azure && hdrs)
		tt_hdrs_copy(hdrs, "apim-request-id", d->call.request_id,
			     sizeof(d->call.request_id));
	if (!is_2xx(status))
		return TT_FRAME_WHOLE; /* the error body */
	if (st->kind == K_NONE)
		return TT_FRAME_IGNORE;
	if (st->kind == K_IDS) {
		d->no_usage_expected = 1;
		return TT_FRAME_WHOLE;
	}
	if (tt_hdr_has(hdrs, "content-type", "text/event-stream") ||
	    (!has_ct && d->call.stream && st->kind != K_SPEECH)) {
		d->call.stream = 1;
		return TT_FRAME_SSE;
	}
	/* Cohere v1 streams application/stream+json lines. */
	if (tt_hdr_has(hdrs, "content-type", "ndjson") ||
	    tt_hdr_has(hdrs, "content-type", "stream+json")) {
		d->call.stream = 1;
		return TT_FRAME_NDJSON;
	}
	/* Speech without stream_format "sse" is raw audio and carries no
	 * usage at all: usage_status stays NONE (nothing is expected), not
	 * MISSING. Transcriptions as text, srt or vtt carry none either. */
	if (st->kind == K_SPEECH ||
	    (st->kind == K_MEDIA && has_ct &&
	     !tt_hdr_has(hdrs, "content-type", "json")))
		return TT_FRAME_IGNORE;
	return TT_FRAME_WHOLE;
}

/* ------------------------------------------------------------ usage */


/* OpenAI CompletionUsage or ResponseUsage (also images, transcription
 * "tokens" usage, xAI, OpenRouter, ...). Returns 1 when it held numbers.
 * total_tokens is left to tt_pdec_finish: where the provider's total
 * disagrees with prompt + completion (Gemini's compatibility surface
 * leaves thinking out of completion_tokens), the provider's own numbers
 * are kept as reported and its total stays visible in usage_raw. */
/*
 * OpenAI counts reasoning inside completion_tokens. xAI (and Gemini's
 * compatibility surface) leave it out of completion_tokens but in
 * total_tokens: when the total says so exactly, output gets it added, so
 * output_tokens keeps one meaning (all output, reasoning included).
 */
static void excluded_reasoning(const cJSON *usage, struct tt_usage *u)
{
	int64_t total = tt_pj_int(usage, "total_tokens");

	if (u->reasoning_tokens > 0 && u->input_tokens >= 0 &&
	    u->output_tokens >= 0 && total >= 0 &&
	    total != u->input_tokens + u->output_tokens &&
	    total == u->input_tokens + u->output_tokens + u->reasoning_tokens)
		u->output_tokens += u->reasoning_tokens;
}

/* Audio and image tokens of the input and output details objects. */
static void read_media(const cJSON *usage, const char *in, const char *out,
		       struct tt_usage *u)
{
	const cJSON *din = get(usage, in), *dout = get(usage, out);

	u->audio_input_tokens = tt_pj_int(din, "audio_tokens");
	u->image_input_tokens = tt_pj_int(din, "image_tokens");
	u->audio_output_tokens = tt_pj_int(dout, "audio_tokens");
	u->image_output_tokens = tt_pj_int(dout, "image_tokens");
	tt_usage_fit_media(u);
}

static int read_openai_usage(const cJSON *usage, struct tt_usage *u)
{
	if (get(usage, "prompt_tokens") || get(usage, "completion_tokens")) {
		u->input_tokens = tt_pj_int(usage, "prompt_tokens");
		u->output_tokens = tt_pj_int(usage, "completion_tokens");
		u->cache_read_input_tokens = tt_pj_path_int(
			usage, "prompt_tokens_details.cached_tokens");
		/* DeepSeek: hit + miss = prompt_tokens, no cached_tokens. */
		if (u->cache_read_input_tokens < 0)
			u->cache_read_input_tokens =
				tt_pj_int(usage, "prompt_cache_hit_tokens");
		u->cache_creation_input_tokens = tt_pj_path_int(
			usage, "prompt_tokens_details.cache_write_tokens");
		u->reasoning_tokens = tt_pj_path_int(
			usage, "completion_tokens_details.reasoning_tokens");
		excluded_reasoning(usage, u);
		read_media(usage, "prompt_tokens_details",
			   "completion_tokens_details", u);
	} else {
		u->input_tokens = tt_pj_int(usage, "input_tokens");
		u->output_tokens = tt_pj_int(usage, "output_tokens");
		u->cache_read_input_tokens = tt_pj_path_int(
			usage, "input_tokens_details.cached_tokens");
		u->cache_creation_input_tokens = tt_pj_path_int(
			usage, "input_tokens_details.cache_write_tokens");
		u->reasoning_tokens = tt_pj_path_int(
			usage, "output_tokens_details.reasoning_tokens");
		/* Transcriptions say input_token_details. */
		read_media(usage, get(usage, "input_tokens_details")
					  ? "input_tokens_details"
					  : "input_token_details",
			   "output_tokens_details", u);
	}
	return u->input_tokens >= 0 || u->output_tokens >= 0;
}

/* Cohere: billed_units are what is billed (tokens.input_tokens also
 * counts the unbilled prompt scaffolding); tokens only when no bill. */
static int read_cohere_usage(const cJSON *usage, struct tt_usage *u)
{
	const cJSON *billed = get(usage, "billed_units");
	const cJSON *tokens = get(usage, "tokens");

	u->input_tokens = tt_pj_int(billed, "input_tokens");
	u->output_tokens = tt_pj_int(billed, "output_tokens");
	if (u->input_tokens < 0 && u->output_tokens < 0) {
		u->input_tokens = tt_pj_int(tokens, "input_tokens");
		u->output_tokens = tt_pj_int(tokens, "output_tokens");
	}
	return u->input_tokens >= 0 || u->output_tokens >= 0;
}

/* A usage object; final = it is the call's last word on usage. null or
 * a non-object is not usage. */
static void take_usage(struct tt_pdec *d, const cJSON *usage, int final)
{
	struct oai_state *st = oai(d);
	struct tt_usage u;
	int kind = st->kind, got;
	char type[16] = "";

	if (!cJSON_IsObject(usage))
		return;
	tt_usage_reset(&u);
	if (kind == K_COHERE || kind == K_COHERE_EMBED)
		got = read_cohere_usage(usage, &u);
	else
		got = read_openai_usage(usage, &u);
	if (kind == K_EMBED || kind == K_COHERE_EMBED) {
		/* Embeddings produce no output tokens: not reported. */
		u.output_tokens = u.reasoning_tokens = -1;
		got = u.input_tokens >= 0;
	}
	/* An image generation's output is the images, unless the details
	 * say otherwise. */
	if (!strcmp(d->call.operation, "images") && u.output_tokens >= 0 &&
	    u.image_output_tokens < 0 && u.audio_output_tokens < 0)
		u.image_output_tokens = u.output_tokens;
	tt_pj_str(usage, "type", type, sizeof(type));
	if (got) {
		d->call.usage = u;
	} else if (strcmp(type, "duration")) {
		return;
	}
	/* Whisper's {"type":"duration","seconds":N} is usage in seconds, not
	 * tokens: reported, kept in usage_raw only. */
	d->usage_seen = 1;
	if (final)
		st->final_usage = 1;
	tt_call_set_usage_raw(&d->call, usage);
}

/* ------------------------------------------------------------ errors */

static int error_outcome(const char *type)
{
	if (!strcmp(type, "rate_limit_exceeded") ||
	    !strcmp(type, "insufficient_quota") || !strcmp(type, "429"))
		return TT_OUT_RATE_LIMITED;
	if (strstr(type, "overloaded"))
		return TT_OUT_OVERLOADED;
	return 0; /* the generic rule: incomplete */
}

static void set_error(struct tt_pdec *d, const char *type)
{
	if (!type[0])
		type = "error";
	set_str(d->call.error_type, sizeof(d->call.error_type), type);
	if (!is_2xx(d->call.status))
		return;
	/* An error inside a 2xx body or stream: the call failed midway. */
	d->stream_error = 1;
	if (!d->call.outcome)
		d->call.outcome = error_outcome(type);
}

/* {"message","type","param","code"}: code if present, else type, else
 * Google's status (Gemini's compatibility surface), else a numeric code
 * (vLLM, OpenRouter). A bare string error is free text: not kept. */
static void body_error(struct tt_pdec *d, const cJSON *err)
{
	const cJSON *code = get(err, "code");
	char type[64] = "";

	if (!copy_str(err, "code", type, sizeof(type)) &&
	    !copy_str(err, "type", type, sizeof(type)) &&
	    !copy_str(err, "status", type, sizeof(type)) &&
	    cJSON_IsNumber(code))
		snprintf(type, sizeof(type), "%d", code->valueint);
	set_error(d, type);
}

/* ------------------------------------------------------------ documents */

/* id, model and the tier that served the call. */
static void take_ids(struct tt_pdec *d, const cJSON *obj)
{
	copy_str(obj, "id", d->call.response_id, sizeof(d->call.response_id));
	copy_str(obj, "model", d->call.response_model,
		 sizeof(d->call.response_model));
	copy_str(obj, "service_tier", d->call.service_tier,
		 sizeof(d->call.service_tier));
}

/* Chat and text completions: a whole body or one stream chunk. */
static void chat_doc(struct tt_pdec *d, const cJSON *doc)
{
	const cJSON *choices = get(doc, "choices"), *choice, *usage;
	int finished = 0, nchoices = 0;

	take_ids(d, doc);
	if (cJSON_IsArray(choices)) {
		cJSON_ArrayForEach(choice, choices) {
			nchoices++;
			finished |= copy_str(choice, "finish_reason",
					     d->call.finish_reason,
					     sizeof(d->call.finish_reason));
		}
	}
	if (finished)
		oai(d)->finish_seen = 1;
	usage = get(doc, "usage");
	if (!cJSON_IsObject(usage)) /* Groq's streams: x_groq.usage */
		usage = get(get(doc, "x_groq"), "usage");
	/* Final: a whole body, OpenAI's extra chunk with "choices": [], or
	 * the chunk that finishes (Groq, Together); vLLM's continuous usage
	 * in other chunks is a running count. */
	take_usage(d, usage, d->framing == TT_FRAME_WHOLE || !nchoices ||
				     finished);
}

static const char *const terminal_status[] = {
	"completed", "incomplete", "failed", "cancelled",
};

/* A Responses API response object: a whole body or the one inside
 * response.* events. */
static void response_obj(struct tt_pdec *d, const cJSON *resp, int final)
{
	const cJSON *err = get(resp, "error");
	char status[16] = "";

	take_ids(d, resp);
	tt_pj_str(resp, "status", status, sizeof(status));
	if (!copy_str(get(resp, "incomplete_details"), "reason",
		      d->call.finish_reason, sizeof(d->call.finish_reason)))
		for (size_t i = 0; i < NELEM(terminal_status); i++)
			if (!strcmp(status, terminal_status[i]))
				set_str(d->call.finish_reason,
					sizeof(d->call.finish_reason), status);
	if (cJSON_IsObject(err))
		body_error(d, err);
	else if (!strcmp(status, "failed"))
		set_error(d, "");
	take_usage(d, get(resp, "usage"), final);
}

/* The document's type: its JSON "type", else the SSE event name. */
static void doc_type(const cJSON *doc, const char *event, size_t event_len,
		     char *type, size_t len)
{
	if (!copy_str(doc, "type", type, len) && event)
		tt_copy(type, len, event, event_len);
}

static void responses_doc(struct tt_pdec *d, const char *type,
			  const cJSON *doc)
{
	const cJSON *resp = get(doc, "response");
	int terminal;

	if (get(doc, "object") && cJSON_IsString(get(doc, "object")) &&
	    !strcmp(get(doc, "object")->valuestring, "response")) {
		response_obj(d, doc, 1); /* not streamed */
		return;
	}
	if (!strcmp(type, "error")) { /* {"type":"error","code",...} */
		body_error(d, doc);
		return;
	}
	if (strncmp(type, "response.", 9)) {
		if (strcmp(type, "keepalive"))
			d->stats.unknown_events++;
		return;
	}
	if (!cJSON_IsObject(resp))
		return; /* deltas and item events: nothing for accounting */
	terminal = !strcmp(type, "response.completed") ||
		   !strcmp(type, "response.incomplete") ||
		   !strcmp(type, "response.failed");
	response_obj(d, resp, terminal);
	if (terminal)
		d->terminal_seen = 1;
}

/* Images (gpt-image usage; image_generation.* / image_edit.* events),
 * transcriptions (transcript.text.done) and speech events
 * (speech.audio.done). */
static void media_doc(struct tt_pdec *d, const char *type, const cJSON *doc)
{
	int done = ends_with(type, ".completed") || ends_with(type, ".done");

	if (!strcmp(type, "error")) {
		body_error(d, doc);
		return;
	}
	copy_str(doc, "model", d->call.response_model,
		 sizeof(d->call.response_model));
	if (done)
		d->terminal_seen = 1;
	take_usage(d, get(doc, "usage"), !type[0] || done);
}

static void embed_doc(struct tt_pdec *d, const cJSON *doc)
{
	take_ids(d, doc);
	take_usage(d, get(doc, "usage"), 1);
}

/* Cohere v2 (message-start, message-end with delta.usage), v1 streams
 * (event_type stream-start / stream-end with response.meta) and whole
 * bodies of both (usage in v2, meta in v1). */
static void cohere_doc(struct tt_pdec *d, const char *type, const cJSON *doc)
{
	const cJSON *delta = get(doc, "delta");
	char v1type[16] = "";

	tt_pj_str(doc, "event_type", v1type, sizeof(v1type));
	copy_str(doc, "id", d->call.response_id, sizeof(d->call.response_id));
	copy_str(doc, "generation_id", d->call.response_id,
		 sizeof(d->call.response_id));
	if (!strcmp(type, "message-end")) {
		copy_str(delta, "finish_reason", d->call.finish_reason,
			 sizeof(d->call.finish_reason));
		take_usage(d, get(delta, "usage"), 1);
		d->terminal_seen = 1;
	} else if (!strcmp(v1type, "stream-end")) {
		copy_str(doc, "finish_reason", d->call.finish_reason,
			 sizeof(d->call.finish_reason));
		take_usage(d, get(get(doc, "response"), "meta"), 1);
		d->terminal_seen = 1;
	} else if (!type[0] && !v1type[0]) { /* a whole body */
		copy_str(doc, "finish_reason", d->call.finish_reason,
			 sizeof(d->call.finish_reason));
		take_usage(d, get(doc, "usage"), 1);
		take_usage(d, get(doc, "meta"), 1);
	}
}

static void oai_json(struct tt_pdec *d, const char *event, size_t event_len,
		     const cJSON *doc)
{
	const cJSON *err;
	char type[64] = "";

	/* Gemini's compatibility surface wraps errors in an array. */
	if (cJSON_IsArray(doc) && cJSON_IsObject(doc->child))
		doc = doc->child;
	if (!cJSON_IsObject(doc)) {
		d->stats.unknown_events++;
		return;
	}
	err = get(doc, "error");
	if (cJSON_IsObject(err))
		body_error(d, err);
	else if (cJSON_IsString(err))
		set_error(d, "");
	else if (cJSON_IsString(get(doc, "object")) &&
		 !strcmp(get(doc, "object")->valuestring, "error"))
		body_error(d, doc); /* vLLM, Mistral: error fields at the top */
	doc_type(doc, event, event_len, type, sizeof(type));
	switch (oai(d)->kind) {
	case K_IDS:
		copy_str(doc, "id", d->call.response_id,
			 sizeof(d->call.response_id));
		copy_str(doc, "model", d->call.response_model,
			 sizeof(d->call.response_model));
		break;
	case K_CHAT:
		chat_doc(d, doc);
		break;
	case K_RESPONSES:
		responses_doc(d, type, doc);
		break;
	case K_EMBED:
		embed_doc(d, doc);
		break;
	case K_MEDIA:
	case K_SPEECH:
		media_doc(d, type, doc);
		break;
	case K_COHERE:
		cohere_doc(d, type, doc);
		break;
	case K_COHERE_EMBED:
		copy_str(doc, "id", d->call.response_id,
			 sizeof(d->call.response_id));
		take_usage(d, get(doc, "meta"), 1);
		break;
	default:
		break;
	}
}

static void oai_finish(struct tt_pdec *d, int complete)
{
	struct oai_state *st = oai(d);
	int streamed = d->framing == TT_FRAME_SSE ||
		       d->framing == TT_FRAME_NDJSON;

	if (!is_2xx(d->call.status))
		return;
	/* A stream that ended cleanly without its terminal event ([DONE],
	 * a finish_reason, response.completed, message-end, done:true) was
	 * cut by the server or a proxy: not a success. */
	if (streamed && complete && !d->terminal_seen && !st->finish_seen &&
	    !d->stream_error && !d->call.outcome)
		d->call.outcome = TT_OUT_INCOMPLETE;
	/* The final usage arrived: it is complete even if the stream was
	 * cut afterwards (before [DONE]); PARTIAL is for running counts. */
	if (st->final_usage && d->usage_seen && d->framing != TT_FRAME_IGNORE)
		d->call.usage_status = TT_USAGE_REPORTED;
}

const struct tt_provider_ops tt_openai_ops = {
	.name = "openai",
	.match = oai_match,
	.begin = oai_begin,
	.response = oai_response,
	.json = oai_json,
	.finish = oai_finish,
};

/* ------------------------------------------------------------ Ollama */

static const struct oai_path *ollama_path(const char *path)
{
	/* Exact paths: /api/chat, not /x/api/chat. */
	for (size_t i = 0; i < NELEM(ollama_paths); i++)
		if (!strcmp(path, ollama_paths[i].suffix))
			return &ollama_paths[i];
	return NULL;
}

static int oll_match(const struct tt_req_info *req, const char *path)
{
	const char *port = req->host ? strchr(req->host, ':') : NULL;

	/* Its /v1/... compatibility routes are the OpenAI decoder's (and
	 * /v1/messages the Anthropic one's), with provider "ollama". */
	if (is_hint(req, "ollama"))
		return !strncmp(path, "/api/", 5);
	/* Unclassified plaintext to Ollama's default port. */
	return !req->provider_hint && port && !strcmp(port, ":11434") &&
	       ollama_path(path);
}

static void oll_begin(struct tt_pdec *d, const struct tt_req_info *req,
		      const char *path)
{
	struct oai_state *st = oai(d);
	const struct oai_path *p = ollama_path(path);

	memset(st, 0, sizeof(*st));
	if (p && !is_method(req, "POST"))
		p = NULL;
	st->kind = p ? p->kind : K_NONE;
	set_str(d->call.operation, sizeof(d->call.operation),
		p ? p->operation : "other");
	if (!d->call.provider[0])
		set_str(d->call.provider, sizeof(d->call.provider), "ollama");
	/* Native streaming is on unless the body says "stream": false. */
	if (st->kind == K_OLLAMA && d->req.stream != 0)
		d->call.stream = 1;
}

static int oll_response(struct tt_pdec *d, int status,
			const struct tt_hdrs *hdrs)
{
	int kind = oai(d)->kind;

	if (!is_2xx(status))
		return TT_FRAME_WHOLE;
	if (kind == K_NONE)
		return TT_FRAME_IGNORE;
	if (tt_hdr_has(hdrs, "content-type", "ndjson") ||
	    (!has_header(hdrs, "content-type") && d->call.stream)) {
		d->call.stream = 1;
		return TT_FRAME_NDJSON;
	}
	d->call.stream = 0; /* the server answered with one JSON body */
	return TT_FRAME_WHOLE;
}

/* Only the counters and durations (ns): the final object also holds the
 * generated text and the context token array. */
static void oll_raw(struct tt_pdec *d, const cJSON *doc)
{
	static const char *const keys[] = {
		"prompt_eval_count", "eval_count", "total_duration",
		"load_duration", "prompt_eval_duration", "eval_duration",
	};
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; o && i < NELEM(keys); i++) {
		const cJSON *v = get(doc, keys[i]);

		if (cJSON_IsNumber(v))
			cJSON_AddNumberToObject(o, keys[i], v->valuedouble);
	}
	tt_call_set_usage_raw(&d->call, o);
	cJSON_Delete(o);
}

static void oll_json(struct tt_pdec *d, const char *event, size_t event_len,
		     const cJSON *doc)
{
	struct oai_state *st = oai(d);
	const cJSON *err = get(doc, "error");
	int64_t in, out;

	if (!cJSON_IsObject(doc)) {
		d->stats.unknown_events++;
		return;
	}
	if (cJSON_IsObject(err))
		body_error(d, err);
	else if (err && !cJSON_IsNull(err))
		set_error(d, ""); /* {"error": "free text"} */
	if (st->kind == K_NONE)
		return;
	copy_str(doc, "model", d->call.response_model,
		 sizeof(d->call.response_model));
	in = tt_pj_int(doc, "prompt_eval_count");
	out = tt_pj_int(doc, "eval_count");
	if (st->kind == K_OLLAMA_EMBED) {
		if (in < 0)
			return; /* legacy /api/embeddings reports no counts */
		d->call.usage.input_tokens = in;
	} else if (cJSON_IsTrue(get(doc, "done"))) {
		copy_str(doc, "done_reason", d->call.finish_reason,
			 sizeof(d->call.finish_reason));
		/* The counts are omitempty in Ollama's Go types: on the
		 * final object an absent count is a zero. */
		d->call.usage.input_tokens = in < 0 ? 0 : in;
		d->call.usage.output_tokens = out < 0 ? 0 : out;
	} else {
		return;
	}
	d->terminal_seen = 1;
	d->usage_seen = 1;
	st->final_usage = 1;
	oll_raw(d, doc);
}

const struct tt_provider_ops tt_ollama_ops = {
	.name = "ollama",
	.match = oll_match,
	.begin = oll_begin,
	.response = oll_response,
	.json = oll_json,
	.finish = oai_finish,
};
