// SPDX-License-Identifier: MIT
/*
 * Google Gemini API (generativelanguage.googleapis.com) and Vertex AI
 * (*-aiplatform.googleapis.com, aiplatform.googleapis.com, regional
 * rep hosts): {model}:generateContent, :streamGenerateContent (SSE with
 * alt=sse, else a JSON array streamed in chunks), :embedContent,
 * :batchEmbedContents, :countTokens. The model is in the path:
 * /v1beta/models/{m}, /v1/projects/{p}/locations/{l}/publishers/{pub}/
 * models/{m}, express mode /v1/publishers/{pub}/models/{m}, tuned
 * /.../endpoints/{id}. Claude on Vertex (publishers/anthropic) belongs to
 * the Anthropic decoder.
 *
 * Usage: promptTokenCount includes cachedContentTokenCount; thinking
 * (thoughtsTokenCount) is outside candidatesTokenCount and is added to
 * the output. Streams repeat usageMetadata with growing counts: the last
 * one wins.
 */
#include <string.h>
#include "provider/pdec_impl.h"

enum gem_kind {
	GEM_GENERATE = 0, /* usage expected */
	GEM_EMBED,        /* usage only on some hosts */
	GEM_NO_USAGE,     /* countTokens, batches, ...: body not needed on 2xx */
};

struct gem_state {
	int kind;
	int alt_sse; /* the query asked for SSE */
};

_Static_assert(sizeof(struct gem_state) <= TT_PDEC_SCRATCH,
	       "gemini state exceeds the scratch area");

static struct gem_state *gem(struct tt_pdec *d)
{
	return (struct gem_state *)d->scratch.b;
}

static const struct gem_method {
	const char *name, *operation;
	int kind, stream;
} methods[] = {
	{ "generateContent", "generate_content", GEM_GENERATE, 0 },
	{ "streamGenerateContent", "generate_content", GEM_GENERATE, 1 },
	{ "embedContent", "embeddings", GEM_EMBED, 0 },
	{ "batchEmbedContents", "embeddings", GEM_EMBED, 0 },
	{ "countTokens", "count_tokens", GEM_NO_USAGE, 0 },
	{ "computeTokens", "count_tokens", GEM_NO_USAGE, 0 },
	{ "batchGenerateContent", "batch", GEM_NO_USAGE, 0 },
	{ "asyncBatchEmbedContent", "batch", GEM_NO_USAGE, 0 },
};

/* The method after the last ':' of the last segment, or NULL. */
static const struct gem_method *method_of(const char *path, const char **colon)
{
	const char *seg = strrchr(path, '/');

	*colon = strrchr(seg ? seg : path, ':');
	if (!*colon)
		return NULL;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(*colon + 1, methods[i].name))
			return &methods[i];
	return NULL;
}

static int is_google_hint(const char *hint)
{
	return hint && (!strcmp(hint, "gcp.gemini") ||
			!strcmp(hint, "gcp.vertex_ai") ||
			!strcmp(hint, "gcp.gen_ai"));
}

static int gem_match(const struct tt_req_info *req, const char *path)
{
	const char *colon;

	if (strstr(path, "/publishers/anthropic/"))
		return 0;
	/* The OpenAI-compatible surfaces speak OpenAI's wire format. */
	if (strstr(path, "/openai/") || strstr(path, "/chat/completions"))
		return 0;
	if (is_google_hint(req->provider_hint))
		return 1;
	return method_of(path, &colon) &&
	       (strstr(path, "models/") || strstr(path, "/endpoints/"));
}

/* alt=sse anywhere in the query of the target as sent. */
static int query_alt_sse(const struct tt_req_info *req)
{
	const char *q = memchr(req->target, '?', req->target_len);
	const char *end = req->target + req->target_len;

	if (!q)
		return 0;
	for (const char *p = q + 1; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t len = (size_t)((amp ? amp : end) - p);

		if (len == 7 && !memcmp(p, "alt=sse", 7))
			return 1;
		p += len + 1;
	}
	return 0;
}

/* request_model from the resource before ':': "models/{m}" and
 * "publishers/{pub}/models/{m}" give {m}; others ("tunedModels/{id}",
 * "endpoints/{id}") keep their collection name. */
static void path_model(struct tt_pdec *d, const char *path, const char *colon)
{
	const char *seg = colon, *coll;
	size_t clen;

	while (seg > path && seg[-1] != '/')
		seg--;
	if (seg == colon)
		return;
	coll = seg > path ? seg - 1 : seg; /* the '/' before the id */
	while (coll > path && coll[-1] != '/')
		coll--;
	clen = (size_t)(seg - coll);
	if (clen == strlen("models/") && !memcmp(coll, "models/", clen))
		coll = seg;
	tt_url_decode(coll, (size_t)(colon - coll), d->call.request_model,
		      sizeof(d->call.request_model));
}

static void gem_begin(struct tt_pdec *d, const struct tt_req_info *req,
		      const char *path)
{
	struct gem_state *st = gem(d);
	const char *colon, *op = "other";
	const struct gem_method *m = method_of(path, &colon);

	st->kind = GEM_NO_USAGE;
	st->alt_sse = query_alt_sse(req);
	if (!d->call.provider[0]) {
		const char *p = req->host && strstr(req->host, "aiplatform")
					? "gcp.vertex_ai" : "gcp.gemini";

		tt_copy(d->call.provider, sizeof(d->call.provider), p,
			strlen(p));
	}
	if (m) {
		op = m->operation;
		st->kind = m->kind;
		if (m->stream)
			d->call.stream = 1;
	} else if (strstr(path, "/batches")) {
		op = "batch";
	}
	tt_copy(d->call.operation, sizeof(d->call.operation), op, strlen(op));
	if (colon)
		path_model(d, path, colon);
}

static int is_2xx(int status)
{
	return status >= 200 && status < 300;
}

static int gem_response(struct tt_pdec *d, int status,
			const struct tt_hdrs *hdrs)
{
	struct gem_state *st = gem(d);

	if (is_2xx(status) && st->kind == GEM_NO_USAGE)
		return TT_FRAME_IGNORE;
	if (tt_hdr_has(hdrs, "content-type", "text/event-stream"))
		return TT_FRAME_SSE;
	if (is_2xx(status) && d->call.stream)
		return st->alt_sse ? TT_FRAME_SSE : TT_FRAME_JSON_ARRAY;
	return TT_FRAME_WHOLE;
}

static void on_error(struct tt_pdec *d, const cJSON *err)
{
	if (!tt_pj_str(err, "status", d->call.error_type,
		       sizeof(d->call.error_type))) {
		int64_t code = tt_pj_int(err, "code");

		if (code >= 100 && code < 1000) { /* "429" */
			d->call.error_type[0] = '0' + (char)(code / 100);
			d->call.error_type[1] = '0' + (char)(code / 10 % 10);
			d->call.error_type[2] = '0' + (char)(code % 10);
			d->call.error_type[3] = '\0';
		}
	}
	if (is_2xx(d->call.status))
		d->stream_error = 1; /* an error object inside a 2xx stream */
}

/* The tokenCount of one modality in a details array
 * ([{"modality":"AUDIO","tokenCount":N}, ...]), or -1. */
static int64_t modality(const cJSON *um, const char *array, const char *name)
{
	const cJSON *el;
	int64_t n = -1;

	cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(um, array)) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(el, "modality");
		int64_t v = tt_pj_int(el, "tokenCount");

		if (cJSON_IsString(m) && !strcmp(m->valuestring, name) && v >= 0)
			n = (n < 0 ? 0 : n) + v;
	}
	return n;
}

/* Audio and image counts, the uncached input ones after what the cache
 * details say the cache served. */
static void media(const cJSON *um, struct tt_usage *u)
{
	static const char *const names[2] = { "AUDIO", "IMAGE" };
	int64_t *in[2] = { &u->audio_input_tokens, &u->image_input_tokens };
	int64_t *out[2] = { &u->audio_output_tokens, &u->image_output_tokens };

	for (int i = 0; i < 2; i++) {
		int64_t p = modality(um, "promptTokensDetails", names[i]);
		int64_t c = modality(um, "cacheTokensDetails", names[i]);

		*in[i] = p < 0 ? -1 : c > 0 && c <= p ? p - c : p;
		*out[i] = modality(um, "candidatesTokensDetails", names[i]);
	}
	tt_usage_fit_media(u);
}

/* The tier that served the call: serviceTier where sent, else Vertex's
 * trafficType (ON_DEMAND, ON_DEMAND_PRIORITY, ON_DEMAND_FLEX, ...). */
static void tier(struct tt_pdec *d, const cJSON *um)
{
	if (!tt_pj_str(um, "serviceTier", d->call.service_tier,
		       sizeof(d->call.service_tier)))
		tt_pj_str(um, "trafficType", d->call.service_tier,
			  sizeof(d->call.service_tier));
}

/* One usageMetadata: replaces the previous one (streams repeat it with
 * growing counts). */
static void on_usage(struct tt_pdec *d, const cJSON *um)
{
	int64_t prompt = tt_pj_int(um, "promptTokenCount");
	int64_t tool = tt_pj_int(um, "toolUsePromptTokenCount");
	int64_t cached = tt_pj_int(um, "cachedContentTokenCount");
	int64_t cand = tt_pj_int(um, "candidatesTokenCount");
	int64_t thoughts = tt_pj_int(um, "thoughtsTokenCount");
	struct tt_usage *u = &d->call.usage;

	tt_call_set_usage_raw(&d->call, um);
	if (prompt < 0 && tool < 0 && cached < 0 && cand < 0 && thoughts < 0)
		return;
	d->usage_seen = 1;
	u->input_tokens = prompt < 0 ? -1 : prompt + (tool < 0 ? 0 : tool);
	u->cache_read_input_tokens = cached;
	u->cache_creation_input_tokens = -1;
	u->output_tokens = cand < 0 && thoughts < 0
				   ? -1
				   : (cand < 0 ? 0 : cand) +
					     (thoughts < 0 ? 0 : thoughts);
	u->reasoning_tokens = thoughts;
	media(um, u);
	tier(d, um);
}

/* One GenerateContentResponse (a whole body or one stream chunk). */
static void on_response(struct tt_pdec *d, const cJSON *doc)
{
	const cJSON *err, *cands, *cand, *um;

	if (!cJSON_IsObject(doc)) {
		d->stats.unknown_events++;
		return;
	}
	err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsObject(err)) {
		on_error(d, err);
		return;
	}
	tt_pj_str(doc, "modelVersion", d->call.response_model,
		  sizeof(d->call.response_model));
	tt_pj_str(doc, "responseId", d->call.response_id,
		  sizeof(d->call.response_id));
	cands = cJSON_GetObjectItemCaseSensitive(doc, "candidates");
	cJSON_ArrayForEach(cand, cands) {
		if (tt_pj_str(cand, "finishReason", d->call.finish_reason,
			      sizeof(d->call.finish_reason)))
			d->terminal_seen = 1;
	}
	/* A blocked prompt gets no candidates, only the block reason. */
	if (tt_pj_str(cJSON_GetObjectItemCaseSensitive(doc, "promptFeedback"),
		      "blockReason", d->call.finish_reason,
		      sizeof(d->call.finish_reason)))
		d->terminal_seen = 1;
	um = cJSON_GetObjectItemCaseSensitive(doc, "usageMetadata");
	if (cJSON_IsObject(um))
		on_usage(d, um);
}

static void gem_json(struct tt_pdec *d, const char *event, size_t event_len,
		     const cJSON *doc)
{
	const cJSON *el;

	/* A whole array (an error or a non-SSE stream handed over as one
	 * body): its elements are the responses. */
	if (cJSON_IsArray(doc)) {
		cJSON_ArrayForEach(el, doc)
			on_response(d, el);
		return;
	}
	on_response(d, doc);
}

static void gem_finish(struct tt_pdec *d, int complete)
{
	/* A generation stream that ended cleanly without any finishReason
	 * was cut short upstream. */
	if (d->call.stream && gem(d)->kind == GEM_GENERATE &&
	    (d->framing == TT_FRAME_SSE || d->framing == TT_FRAME_JSON_ARRAY) &&
	    is_2xx(d->call.status) && complete && !d->terminal_seen &&
	    !d->stream_error)
		d->call.outcome = TT_OUT_INCOMPLETE;
}

const struct tt_provider_ops tt_gemini_ops = {
	.name = "gemini",
	.match = gem_match,
	.begin = gem_begin,
	.response = gem_response,
	.json = gem_json,
	.finish = gem_finish,
};
