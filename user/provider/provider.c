// SPDX-License-Identifier: MIT
/*
 * Provider decoder dispatch and the rules every provider shares: endpoint
 * without query, SDK identity headers, request id, outcome from status and
 * stream state, usage status, totals.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/jsonw.h"
#include "provider/pdec_impl.h"

/* The decoders, one file each (docs/architecture.md, "Adding a provider"):
 * a new one is its file, a line here and a row in the list below. */
extern const struct tt_provider_ops tt_openai_ops;    /* openai.c: OpenAI, Azure, compatible hosts */
extern const struct tt_provider_ops tt_ollama_ops;    /* openai.c */
extern const struct tt_provider_ops tt_anthropic_ops; /* anthropic.c: api.anthropic.com, Vertex rawPredict, Bedrock mantle */
extern const struct tt_provider_ops tt_gemini_ops;    /* gemini.c: Gemini API and Vertex AI */
extern const struct tt_provider_ops tt_bedrock_ops;   /* bedrock.c */

/* Most specific first: the OpenAI decoder also takes any unknown host that
 * speaks its paths (compatible gateways). */
static const struct tt_provider_ops *const decoders[] = {
	&tt_bedrock_ops, &tt_anthropic_ops, &tt_gemini_ops, &tt_ollama_ops,
	&tt_openai_ops,
};

struct tt_pdec *tt_pdec_new(void)
{
	return calloc(1, sizeof(struct tt_pdec));
}

void tt_pdec_free(struct tt_pdec *d)
{
	free(d);
}

const struct tt_pdec_stats *tt_pdec_stats(const struct tt_pdec *d)
{
	return &d->stats;
}

void tt_copy(char *out, size_t outlen, const char *src, size_t len)
{
	if (!outlen)
		return;
	if (len > outlen - 1)
		len = outlen - 1;
	memcpy(out, src, len);
	out[len] = '\0';
}

static void hdr_copy(const struct tt_hdrs *hs, const char *name, char *out,
		     size_t outlen)
{
	if (hs)
		tt_hdrs_copy(hs, name, out, outlen);
}

int tt_pdec_begin(struct tt_pdec *d, const struct tt_req_info *req)
{
	struct tt_pdec_stats stats = d->stats; /* counters outlive exchanges */
	const char *q;
	char path[256], num[16];
	size_t plen;

	memset(d, 0, sizeof(*d));
	d->stats = stats;
	d->call.attempt = -1;
	tt_usage_reset(&d->call.usage);
	d->req = *req->body;
	q = memchr(req->target, '?', req->target_len);
	plen = q ? (size_t)(q - req->target) : req->target_len;
	tt_copy(path, sizeof(path), req->target, plen);
	tt_copy(d->call.endpoint, sizeof(d->call.endpoint), path, strlen(path));
	if (req->provider_hint)
		tt_copy(d->call.provider, sizeof(d->call.provider),
			req->provider_hint, strlen(req->provider_hint));
	hdr_copy(req->hdrs, "user-agent", d->call.user_agent,
		 sizeof(d->call.user_agent));
	hdr_copy(req->hdrs, "x-stainless-lang", d->call.sdk_lang,
		 sizeof(d->call.sdk_lang));
	hdr_copy(req->hdrs, "x-stainless-package-version", d->call.sdk_version,
		 sizeof(d->call.sdk_version));
	hdr_copy(req->hdrs, "x-stainless-runtime", d->call.runtime,
		 sizeof(d->call.runtime));
	hdr_copy(req->hdrs, "x-stainless-runtime-version",
		 d->call.runtime_version, sizeof(d->call.runtime_version));
	if (req->hdrs && tt_hdrs_copy(req->hdrs, "x-stainless-retry-count", num,
				      sizeof(num)) > 0) {
		char *end;
		long v = strtol(num, &end, 10);

		if (!*end && v >= 0 && v < 1000)
			d->call.attempt = (int)v;
	}
	if (d->req.stream > 0)
		d->call.stream = 1;
	if (d->req.has_model)
		tt_copy(d->call.request_model, sizeof(d->call.request_model),
			d->req.model, strlen(d->req.model));
	if (d->req.service_tier[0])
		tt_copy(d->call.service_tier, sizeof(d->call.service_tier),
			d->req.service_tier, strlen(d->req.service_tier));
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		if (decoders[i]->match(req, path)) {
			d->ops = decoders[i];
			break;
		}
	}
	if (!d->ops)
		return -ENOENT;
	d->ops->begin(d, req, path);
	return 0;
}

/* Request id headers, most specific first. */
static const char *const request_id_headers[] = {
	"x-request-id", "request-id", "apim-request-id", "x-amzn-requestid",
};

int tt_pdec_response(struct tt_pdec *d, int status, const struct tt_hdrs *hdrs)
{
	d->call.status = status;
	for (size_t i = 0; i < sizeof(request_id_headers) /
				    sizeof(request_id_headers[0]); i++)
		if (hdrs && tt_hdrs_copy(hdrs, request_id_headers[i],
					 d->call.request_id,
					 sizeof(d->call.request_id)) > 0)
			break;
	d->framing = d->ops ? d->ops->response(d, status, hdrs)
			    : TT_FRAME_IGNORE;
	return d->framing;
}

/* OpenAI's "data: [DONE]" (chat and text completion streams), with any
 * surrounding whitespace. */
static int is_done_marker(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	return len == 6 && !memcmp(s, "[DONE]", 6);
}

void tt_pdec_json(struct tt_pdec *d, const char *event, size_t event_len,
		  const char *json, size_t len)
{
	cJSON *doc;

	if (!d->ops)
		return;
	/* The stream's terminal marker, not a malformed document. */
	if (is_done_marker(json, len)) {
		d->terminal_seen = 1;
		return;
	}
	doc = cJSON_ParseWithLength(json, len);
	if (!doc) {
		d->stats.json_errors++;
		return;
	}
	d->ops->json(d, event, event_len, doc);
	cJSON_Delete(doc);
}

int tt_outcome_from_status(int status)
{
	if (status >= 200 && status < 400)
		return TT_OUT_SUCCESS;
	if (status == 401 || status == 403)
		return TT_OUT_AUTH_ERROR;
	if (status == 429)
		return TT_OUT_RATE_LIMITED;
	if (status == 529)
		return TT_OUT_OVERLOADED;
	if (status >= 500)
		return TT_OUT_SERVER_ERROR;
	if (status >= 400)
		return TT_OUT_CLIENT_ERROR;
	return TT_OUT_INCOMPLETE; /* no final response */
}

static int64_t sum_known(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a + b;
}

void tt_pdec_finish(struct tt_pdec *d, int complete, struct tt_call *out)
{
	struct tt_call *c = &d->call;

	if (d->ops)
		d->ops->finish(d, complete);
	if (!c->outcome)
		c->outcome = tt_outcome_from_status(c->status);
	/* A 2xx that ended early, or whose stream reported a failure, is not
	 * a success: what it used may still be billed. */
	if (c->outcome == TT_OUT_SUCCESS && (!complete || d->stream_error))
		c->outcome = TT_OUT_INCOMPLETE;
	if (c->usage_status == TT_USAGE_NONE && c->status >= 200 &&
	    c->status < 300 && d->framing != TT_FRAME_IGNORE &&
	    !d->no_usage_expected)
		c->usage_status = d->usage_seen ? (c->outcome == TT_OUT_SUCCESS
						   ? TT_USAGE_REPORTED
						   : TT_USAGE_PARTIAL)
						: TT_USAGE_MISSING;
	if (c->usage.input_tokens >= 0 || c->usage.output_tokens >= 0)
		c->usage.total_tokens = sum_known(c->usage.input_tokens,
						  c->usage.output_tokens);
	*out = *c;
}

static const char *const outcome_names[] = {
	[TT_OUT_SUCCESS] = "success",
	[TT_OUT_CLIENT_ERROR] = "client_error",
	[TT_OUT_AUTH_ERROR] = "auth_error",
	[TT_OUT_RATE_LIMITED] = "rate_limited",
	[TT_OUT_SERVER_ERROR] = "server_error",
	[TT_OUT_OVERLOADED] = "overloaded",
	[TT_OUT_INCOMPLETE] = "incomplete",
};

const char *tt_outcome_name(int outcome)
{
	if (outcome < 0 || outcome >= TT_OUT_UNKNOWN)
		return "unknown";
	return outcome_names[outcome];
}

static const char *const usage_status_names[] = {
	[TT_USAGE_NONE] = "none",
	[TT_USAGE_REPORTED] = "reported",
	[TT_USAGE_MISSING] = "missing",
	[TT_USAGE_PARTIAL] = "partial",
	[TT_USAGE_LOST] = "lost",
	[TT_USAGE_UNOBSERVED] = "unobserved",
};

const char *tt_usage_status_name(int status)
{
	if (status < 0 || status > TT_USAGE_UNOBSERVED)
		return "unknown";
	return usage_status_names[status];
}

/* ------------------------------------------------------------ JSON helpers */

int64_t tt_pj_int(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 9.0e15)
		return -1;
	return (int64_t)v->valuedouble;
}

int64_t tt_pj_path_int(const cJSON *obj, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		tt_copy(key, sizeof(key), path, (size_t)(dot - path));
		obj = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
		if (!cJSON_IsObject(obj))
			return -1;
		path = dot + 1;
	}
	return tt_pj_int(obj, path);
}

int tt_pj_str(const cJSON *obj, const char *key, char *out, size_t outlen)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	if (!cJSON_IsString(v) || !v->valuestring)
		return 0;
	tt_copy(out, outlen, v->valuestring, strlen(v->valuestring));
	return 1;
}

/* The usage object with only what accounting needs (numbers, booleans,
 * short names, nested objects and arrays of those), never free text. */
static void write_usage(struct tt_jsonw *w, const char *key,
			const cJSON *obj, int depth, const char *skip)
{
	const cJSON *it;

	tt_jsonw_open(w, key);
	cJSON_ArrayForEach(it, obj) {
		if (!it->string || (skip && !strcmp(it->string, skip)))
			continue;
		if (cJSON_IsNumber(it))
			tt_jsonw_double(w, it->string, it->valuedouble);
		else if (cJSON_IsBool(it))
			tt_jsonw_bool(w, it->string, cJSON_IsTrue(it));
		else if (cJSON_IsString(it) && strlen(it->valuestring) <= 32)
			tt_jsonw_str(w, it->string, it->valuestring);
		else if (cJSON_IsObject(it) && depth < 3)
			write_usage(w, it->string, it, depth + 1, NULL);
		else if (cJSON_IsArray(it) && depth < 3) {
			/* Gemini's per-modality details: arrays of objects */
			const cJSON *el;

			tt_jsonw_open_array(w, it->string);
			cJSON_ArrayForEach(el, it)
				if (cJSON_IsObject(el))
					write_usage(w, NULL, el, depth + 1, NULL);
			tt_jsonw_close_array(w);
		}
	}
	tt_jsonw_close(w);
}

/* Does a usage member's name say it is a token count ("prompt_tokens",
 * "cachedContentTokenCount", "tokenCount", "inputTokenCount")? */
static int is_count_name(const char *name)
{
	static const char *const ends[] = { "tokens", "tokencount",
					    "token_count" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t k = strlen(ends[i]);

		if (n >= k && !strcasecmp(name + n - k, ends[i]))
			return 1;
	}
	return 0;
}

/* The first token count in a usage object (nested objects and arrays
 * too) that no provider could mean, into c->usage_problem: the decoders
 * read counts as whole numbers, so a fraction or a negative would
 * otherwise be cut or dropped without a word. */
static void check_counts(struct tt_call *c, const cJSON *obj, int depth)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		const char *problem = NULL;

		if (c->usage_problem[0])
			return;
		if ((cJSON_IsObject(it) || cJSON_IsArray(it)) && depth < 4) {
			check_counts(c, it, depth + 1);
			continue;
		}
		if (!cJSON_IsNumber(it) || !it->string ||
		    !is_count_name(it->string))
			continue;
		if (!isfinite(it->valuedouble) ||
		    it->valuedouble > (double)TT_USAGE_COUNT_MAX)
			problem = "absurd_count";
		else if (it->valuedouble < 0)
			problem = "negative_count";
		else if (it->valuedouble != (double)(int64_t)it->valuedouble)
			problem = "fractional_count";
		if (problem)
			tt_copy(c->usage_problem, sizeof(c->usage_problem),
				problem, strlen(problem));
	}
}

void tt_usage_fit_media(struct tt_usage *u)
{
	int64_t in = u->input_tokens, left;

	if (in < 0) {
		u->audio_input_tokens = u->image_input_tokens = -1;
		return;
	}
	/* Whatever of the media the cache counts covered is priced as
	 * cache: what is left of the input bounds the uncached media. */
	left = in - (u->cache_read_input_tokens > 0 ? u->cache_read_input_tokens : 0) -
	       (u->cache_creation_input_tokens > 0 ? u->cache_creation_input_tokens : 0);
	if (left < 0)
		left = 0;
	if (u->audio_input_tokens > left)
		u->audio_input_tokens = left;
	left -= u->audio_input_tokens > 0 ? u->audio_input_tokens : 0;
	if (u->image_input_tokens > left)
		u->image_input_tokens = left;
}

/* Half a JSON object is worse than none: too long means empty. */
static void finish_raw(struct tt_call *c, struct tt_jsonw *w)
{
	c->usage_raw_truncated = tt_jsonw_finish(w) < 0;
	if (c->usage_raw_truncated)
		c->usage_raw[0] = '\0';
}

void tt_call_set_usage_raw(struct tt_call *c, const cJSON *usage)
{
	struct tt_jsonw w;

	if (!cJSON_IsObject(usage))
		return;
	check_counts(c, usage, 0);
	tt_jsonw_init(&w, c->usage_raw, sizeof(c->usage_raw));
	write_usage(&w, NULL, usage, 0, NULL);
	finish_raw(c, &w);
}

void tt_call_merge_usage_raw(struct tt_call *c, const char *key,
			     const cJSON *usage)
{
	cJSON *all = c->usage_raw[0] ? cJSON_Parse(c->usage_raw) : NULL;
	struct tt_jsonw w;

	if (!cJSON_IsObject(usage)) {
		cJSON_Delete(all);
		return;
	}
	check_counts(c, usage, 0);
	if (!cJSON_IsObject(all)) {
		cJSON_Delete(all);
		all = cJSON_CreateObject();
	}
	/* Everything already there (filtered before) but key, then key. */
	tt_jsonw_init(&w, c->usage_raw, sizeof(c->usage_raw));
	write_usage(&w, NULL, all, 0, key);
	if (tt_jsonw_finish(&w) < 0) {
		cJSON_Delete(all);
		finish_raw(c, &w);
		return;
	}
	w.len--; /* reopen the object: drop its '}' */
	w.first = w.buf[w.len - 1] == '{';
	write_usage(&w, key, usage, 1, NULL);
	tt_jsonw_close(&w);
	cJSON_Delete(all);
	finish_raw(c, &w);
}


int tt_hdr_has(const struct tt_hdrs *hs, const char *name, const char *needle)
{
	size_t len, nlen = strlen(needle);
	const char *v = hs ? tt_hdrs_get(hs, name, &len) : NULL;

	if (!v || !nlen)
		return 0;
	for (size_t i = 0; i + nlen <= len; i++)
		if (!strncasecmp(v + i, needle, nlen))
			return 1;
	return 0;
}
