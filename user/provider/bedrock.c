// SPDX-License-Identifier: MIT
/*
 * AWS Bedrock runtime (bedrock-runtime.{region}.amazonaws.com):
 * /model/{modelId}/invoke, /invoke-with-response-stream, /converse,
 * /converse-stream, /count-tokens. The model id is URL-encoded in the path
 * (anthropic.claude-3-haiku-20240307-v1%3A0, ARNs with %2F) and is the
 * response model when the body names none.
 *
 * Usage sources, most authoritative first: the invocation metrics of the
 * final stream chunk ("amazon-bedrock-invocationMetrics") and the
 * x-amzn-bedrock-*-token-count headers of InvokeModel; then the model's
 * own JSON (Anthropic messages, Titan, Llama, Cohere, Mistral/AI21 chat,
 * Nova) or Converse's usage object.
 *
 * Cache semantics (a choice; AWS does not state it): Converse inputTokens,
 * the input-token-count header and inputTokenCount exclude cache reads
 * and writes, as Anthropic's input_tokens do, so the normalized input is
 * input + cache read + cache write. Converse's totalTokens settles it per
 * response when it is present: if it equals inputTokens + outputTokens
 * although cache tokens were reported, inputTokens already included them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util/b64.h"
#include "provider/pdec_impl.h"

/* Base64 text of one stream chunk; larger ones are counted and skipped. */
#define BR_CHUNK_B64_MAX (1u << 20)
/* Largest token count taken (tt_pj_int's bound). */
#define BR_COUNT_MAX 9000000000000000LL

enum br_kind {
	BR_MODEL = 0,  /* invoke: the model's native JSON */
	BR_CONVERSE,   /* converse and converse-stream */
	BR_NO_USAGE,   /* count-tokens, async-invoke, guardrails, ... */
};

struct br_state {
	struct tt_usage_parts body;  /* from the model's JSON or Converse */
	struct tt_usage_parts meter; /* headers or invocation metrics */
	int kind;
	int stream_op;
};

_Static_assert(sizeof(struct br_state) <= TT_PDEC_SCRATCH,
	       "bedrock state exceeds the scratch area");

static struct br_state *br(struct tt_pdec *d)
{
	return (struct br_state *)d->scratch.b;
}

static int is_2xx(int status)
{
	return status >= 200 && status < 300;
}

static int br_match(const struct tt_req_info *req, const char *path)
{
	const char *hint = req->provider_hint;

	/* Mantle's and the runtime's OpenAI/Anthropic-compatible surfaces
	 * go to those decoders. */
	if (!strncmp(path, "/openai/", 8) || !strncmp(path, "/anthropic/", 11))
		return 0;
	if (hint && !strcmp(hint, "aws.bedrock"))
		return 1;
	return !strncmp(path, "/model/", 7) && req->host &&
	       strstr(req->host, "bedrock-runtime.");
}

static const struct br_op {
	const char *suffix, *operation;
	int kind, stream;
} ops[] = {
	{ "invoke", "chat", BR_MODEL, 0 },
	{ "invoke-with-response-stream", "chat", BR_MODEL, 1 },
	{ "converse", "chat", BR_CONVERSE, 0 },
	{ "converse-stream", "chat", BR_CONVERSE, 1 },
	{ "count-tokens", "count_tokens", BR_NO_USAGE, 0 },
};

static void br_begin(struct tt_pdec *d, const struct tt_req_info *req,
		     const char *path)
{
	struct br_state *st = br(d);
	const char *op = "other", *id, *slash;

	tt_usage_parts_init(&st->body);
	tt_usage_parts_init(&st->meter);
	st->kind = BR_NO_USAGE;
	if (!d->call.provider[0])
		tt_copy(d->call.provider, sizeof(d->call.provider),
			"aws.bedrock", strlen("aws.bedrock"));
	if (!strncmp(path, "/model/", 7)) {
		id = path + 7;
		slash = strchr(id, '/');
		/* The path names the model; Bedrock bodies do not. */
		tt_url_decode(id, slash ? (size_t)(slash - id) : strlen(id),
			      d->call.request_model,
			      sizeof(d->call.request_model));
		for (size_t i = 0; slash && i < sizeof(ops) / sizeof(ops[0]); i++) {
			if (strcmp(slash + 1, ops[i].suffix))
				continue;
			op = ops[i].operation;
			st->kind = ops[i].kind;
			st->stream_op = ops[i].stream;
			if (ops[i].stream)
				d->call.stream = 1;
		}
	} else if (!strncmp(path, "/async-invoke", 13)) {
		op = "batch";
	}
	tt_copy(d->call.operation, sizeof(d->call.operation), op, strlen(op));
}

/* "ThrottlingException:http://internal.amazon.com/..." -> the name. */
static void set_error_type(struct tt_pdec *d, const char *v, size_t len)
{
	const char *colon = memchr(v, ':', len);

	if (colon)
		len = (size_t)(colon - v);
	tt_copy(d->call.error_type, sizeof(d->call.error_type), v, len);
}

static int64_t hdr_int(const struct tt_hdrs *hs, const char *name)
{
	char num[24], *end;
	long long v;

	if (tt_hdrs_copy(hs, name, num, sizeof(num)) <= 0)
		return -1;
	v = strtoll(num, &end, 10);
	/* The cap tt_pj_int applies: sums of counts cannot overflow. */
	return end == num || *end || v < 0 || v > BR_COUNT_MAX ? -1 : v;
}

static int br_response(struct tt_pdec *d, int status, const struct tt_hdrs *hdrs)
{
	struct br_state *st = br(d);
	struct tt_usage_parts *m = &st->meter;
	const char *etype;
	size_t len;
	int n = 0;

	if (hdrs && (etype = tt_hdrs_get(hdrs, "x-amzn-errortype", &len)))
		set_error_type(d, etype, len);
	for (size_t i = 0; hdrs && i < 4; i++) {
		static const char *const names[4] = {
			"x-amzn-bedrock-input-token-count",
			"x-amzn-bedrock-output-token-count",
			"x-amzn-bedrock-cache-read-input-token-count",
			"x-amzn-bedrock-cache-write-input-token-count",
		};
		int64_t *dst[4] = { &m->input_tokens, &m->output_tokens,
				    &m->cache_read, &m->cache_write };

		*dst[i] = hdr_int(hdrs, names[i]);
		n |= *dst[i] >= 0;
	}
	if (n && is_2xx(status))
		d->usage_seen = 1;
	if (is_2xx(status) && st->kind == BR_NO_USAGE)
		return TT_FRAME_IGNORE;
	if (tt_hdr_has(hdrs, "content-type", "application/vnd.amazon.eventstream") ||
	    (is_2xx(status) && st->stream_op)) {
		d->call.stream = 1;
		return TT_FRAME_EVENTSTREAM;
	}
	return TT_FRAME_WHOLE;
}

/* Input exclusive of the cache (see the top comment): when totalTokens
 * equals input + output although cache tokens were reported, the input
 * already held them. */
static int64_t input_without_cache(int64_t in, int64_t out, int64_t total,
				   int64_t cr, int64_t cw)
{
	int64_t cache = (cr < 0 ? 0 : cr) + (cw < 0 ? 0 : cw);

	if (cache > 0 && in >= cache && out >= 0 && total == in + out)
		return in - cache;
	return in;
}

/* ------------------------------------------------------------ model JSON */

/* Where the other model families put their token counts; the object is
 * "" for top-level fields. Last non-null wins in streams (Llama's and
 * Titan's stream counts are cumulative). */
static const struct family {
	const char *obj, *in, *out;
} families[] = {
	{ "", "inputTextTokenCount", "totalOutputTextTokenCount" }, /* Titan stream */
	{ "", "prompt_token_count", "generation_token_count" },     /* Meta Llama */
	{ "usage", "prompt_tokens", "completion_tokens" },          /* Mistral, AI21 chat */
	{ "meta.billed_units", "input_tokens", "output_tokens" },   /* Cohere */
	{ "usage", "inputTokens", "outputTokens" },                 /* Amazon Nova */
	{ "metadata.usage", "inputTokens", "outputTokens" },        /* Nova stream */
};

/* Stop reasons: a top-level key, or the first element of an array. */
static const struct { const char *array, *key; } stop_fields[] = {
	{ NULL, "stop_reason" }, { NULL, "finish_reason" },
	{ NULL, "completionReason" }, { NULL, "stopReason" },
	{ "results", "completionReason" }, { "outputs", "stop_reason" },
	{ "choices", "finish_reason" }, { "generations", "finish_reason" },
};

static const cJSON *obj_at(const cJSON *doc, const char *path)
{
	char key[32];
	const char *dot;

	while (*path && cJSON_IsObject(doc)) {
		dot = strchr(path, '.');
		tt_copy(key, sizeof(key), path,
			dot ? (size_t)(dot - path) : strlen(path));
		doc = cJSON_GetObjectItemCaseSensitive(doc, key);
		path = dot ? dot + 1 : "";
	}
	return cJSON_IsObject(doc) ? doc : NULL;
}

static void family_stop(struct tt_pdec *d, const cJSON *doc)
{
	for (size_t i = 0; i < sizeof(stop_fields) / sizeof(stop_fields[0]); i++) {
		const cJSON *o = doc;

		if (stop_fields[i].array)
			o = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
						       doc, stop_fields[i].array), 0);
		if (tt_pj_str(o, stop_fields[i].key, d->call.finish_reason,
			      sizeof(d->call.finish_reason)))
			return;
	}
	tt_pj_str(obj_at(doc, "messageStop"), "stopReason",
		  d->call.finish_reason, sizeof(d->call.finish_reason));
}

/* Titan's non-stream body: the output count is per result. */
static int64_t titan_results(const cJSON *doc)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "results"), *r;
	int64_t sum = -1;

	cJSON_ArrayForEach(r, res) {
		int64_t n = tt_pj_int(r, "tokenCount");

		if (n < 0)
			continue;
		sum = sum < 0 ? n : sum + n;
		if (sum > BR_COUNT_MAX) /* results[] has no length cap */
			sum = BR_COUNT_MAX;
	}
	return sum;
}

/* Numbers only: a flat family body also holds text ("generation"). */
static void raw_pair(struct tt_pdec *d, const char *in_key, int64_t in,
		     const char *out_key, int64_t out)
{
	cJSON *o = cJSON_CreateObject();

	if (o && in >= 0)
		cJSON_AddNumberToObject(o, in_key, (double)in);
	if (o && out >= 0)
		cJSON_AddNumberToObject(o, out_key, (double)out);
	tt_call_set_usage_raw(&d->call, o);
	cJSON_Delete(o);
}

static void family_doc(struct tt_pdec *d, struct br_state *st, const cJSON *doc)
{
	family_stop(d, doc);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *f = &families[i];
		const cJSON *o = obj_at(doc, f->obj);
		int64_t in = tt_pj_int(o, f->in), out = tt_pj_int(o, f->out);
		const char *out_key = f->out;

		if (o == doc && !strcmp(f->in, "inputTextTokenCount") && out < 0 &&
		    (out = titan_results(doc)) >= 0)
			out_key = "tokenCount";
		if (in < 0 && out < 0)
			continue;
		if (!strcmp(f->in, "inputTokens")) { /* Nova reports cache too */
			int64_t cr = tt_pj_int(o, "cacheReadInputTokenCount");
			int64_t cw = tt_pj_int(o, "cacheWriteInputTokenCount");

			in = input_without_cache(in, out,
						 tt_pj_int(o, "totalTokens"), cr, cw);
			if (cr >= 0)
				st->body.cache_read = cr;
			if (cw >= 0)
				st->body.cache_write = cw;
		}
		if (in >= 0)
			st->body.input_tokens = in;
		if (out >= 0)
			st->body.output_tokens = out;
		d->usage_seen = 1;
		if (o == doc) /* the folded values: later chunks omit some */
			raw_pair(d, f->in, st->body.input_tokens, out_key,
				 st->body.output_tokens);
		else
			tt_call_set_usage_raw(&d->call, o);
		return;
	}
}

/* The final chunk's metrics: what Bedrock bills. */
static void invocation_metrics(struct tt_pdec *d, struct br_state *st,
			       const cJSON *m)
{
	struct tt_usage_parts *mt = &st->meter;

	mt->input_tokens = tt_pj_int(m, "inputTokenCount");
	mt->output_tokens = tt_pj_int(m, "outputTokenCount");
	mt->cache_read = tt_pj_int(m, "cacheReadInputTokenCount");
	mt->cache_write = tt_pj_int(m, "cacheWriteInputTokenCount");
	if (mt->input_tokens >= 0 || mt->output_tokens >= 0 ||
	    mt->cache_read >= 0 || mt->cache_write >= 0)
		d->usage_seen = 1;
	d->terminal_seen = 1;
	tt_call_merge_usage_raw(&d->call, "amazon-bedrock-invocationMetrics", m);
}

/* An InvokeModel body, or the decoded JSON of one stream chunk. */
static void model_doc(struct tt_pdec *d, struct br_state *st, const cJSON *doc)
{
	const cJSON *metrics;

	if (!cJSON_IsObject(doc)) {
		d->stats.unknown_events++;
		return;
	}
	/* Claude: Anthropic's message and stream events, each with "type". */
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "type")))
		tt_anthropic_doc(d, &st->body, NULL, 0, doc);
	else
		family_doc(d, st, doc);
	metrics = cJSON_GetObjectItemCaseSensitive(doc,
						   "amazon-bedrock-invocationMetrics");
	if (cJSON_IsObject(metrics))
		invocation_metrics(d, st, metrics);
}

/* {"bytes":"<base64 of the model's JSON>"}. */
static void stream_chunk(struct tt_pdec *d, struct br_state *st,
			 const cJSON *doc)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(doc, "bytes");
	size_t len = cJSON_IsString(b) && b->valuestring
			     ? strlen(b->valuestring) : 0;
	uint8_t *raw;
	cJSON *inner;
	long n;

	if (!len || len > BR_CHUNK_B64_MAX) {
		d->stats.json_errors++;
		return;
	}
	raw = malloc(len / 4 * 3 + 3);
	if (!raw) {
		d->stats.json_errors++;
		return;
	}
	n = tt_b64_decode(b->valuestring, len, raw);
	inner = n > 0 ? cJSON_ParseWithLength((const char *)raw, (size_t)n)
		      : NULL;
	if (inner)
		model_doc(d, st, inner);
	else
		d->stats.json_errors++;
	cJSON_Delete(inner);
	free(raw);
}

/* ------------------------------------------------------------ Converse */

static void converse_usage(struct tt_pdec *d, struct br_state *st,
			   const cJSON *usage)
{
	int64_t in = tt_pj_int(usage, "inputTokens");
	int64_t out = tt_pj_int(usage, "outputTokens");
	int64_t total = tt_pj_int(usage, "totalTokens");
	int64_t cr = tt_pj_int(usage, "cacheReadInputTokens");
	int64_t cw = tt_pj_int(usage, "cacheWriteInputTokens");

	if (!cJSON_IsObject(usage))
		return;
	tt_call_set_usage_raw(&d->call, usage);
	if (in < 0 && out < 0)
		return;
	st->body.input_tokens = input_without_cache(in, out, total, cr, cw);
	st->body.output_tokens = out;
	st->body.cache_read = cr;
	st->body.cache_write = cw;
	d->usage_seen = 1;
}

/* "throttlingException" (stream member) -> "ThrottlingException" (the
 * x-amzn-ErrorType spelling), so both aggregate alike. */
static void stream_exception(struct tt_pdec *d, const char *name, size_t len,
			     const cJSON *doc)
{
	int64_t orig = tt_pj_int(doc, "originalStatusCode");

	set_error_type(d, name, len);
	if (d->call.error_type[0] >= 'a' && d->call.error_type[0] <= 'z')
		d->call.error_type[0] = (char)(d->call.error_type[0] - 'a' + 'A');
	if (!is_2xx(d->call.status))
		return;
	d->stream_error = 1;
	if (!strcmp(d->call.error_type, "ThrottlingException") || orig == 529)
		d->call.outcome = TT_OUT_OVERLOADED;
	else if (orig == 429)
		d->call.outcome = TT_OUT_RATE_LIMITED;
}

static int event_is(const char *event, size_t len, const char *name)
{
	return event && len == strlen(name) && !memcmp(event, name, len);
}

static void stream_event(struct tt_pdec *d, struct br_state *st,
			 const char *event, size_t len, const cJSON *doc)
{
	if (len > 9 && !memcmp(event + len - 9, "Exception", 9)) {
		stream_exception(d, event, len, doc);
	} else if (event_is(event, len, "chunk")) {
		stream_chunk(d, st, doc);
	} else if (event_is(event, len, "metadata")) {
		converse_usage(d, st, cJSON_GetObjectItemCaseSensitive(doc, "usage"));
		d->terminal_seen = 1;
	} else if (event_is(event, len, "messageStop")) {
		tt_pj_str(doc, "stopReason", d->call.finish_reason,
			  sizeof(d->call.finish_reason));
		d->terminal_seen = 1;
	} else if (!event_is(event, len, "messageStart") &&
		   !event_is(event, len, "contentBlockStart") &&
		   !event_is(event, len, "contentBlockDelta") &&
		   !event_is(event, len, "contentBlockStop")) {
		d->stats.unknown_events++;
	}
}

/* A non-2xx body: {"message":"..."}, sometimes with the type in it. */
static void error_body(struct tt_pdec *d, struct br_state *st, const cJSON *doc)
{
	char type[64] = "";
	const char *end;

	if (d->call.error_type[0])
		return;
	if (tt_pj_str(doc, "__type", type, sizeof(type))) {
		end = strrchr(type, '#'); /* "com.amazon...#ThrottlingException" */
		end = end ? end + 1 : type;
		set_error_type(d, end, strlen(end));
	} else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "error"))) {
		tt_anthropic_doc(d, &st->body, NULL, 0, doc);
	}
}

static void br_json(struct tt_pdec *d, const char *event, size_t event_len,
		    const cJSON *doc)
{
	struct br_state *st = br(d);

	if (!is_2xx(d->call.status)) {
		if (event && event_len)
			stream_event(d, st, event, event_len, doc);
		else
			error_body(d, st, doc);
	} else if (d->framing == TT_FRAME_EVENTSTREAM) {
		stream_event(d, st, event ? event : "", event ? event_len : 0,
			     doc);
	} else if (st->kind == BR_CONVERSE) {
		converse_usage(d, st, cJSON_GetObjectItemCaseSensitive(doc, "usage"));
		tt_pj_str(doc, "stopReason", d->call.finish_reason,
			  sizeof(d->call.finish_reason));
		d->terminal_seen = 1;
	} else {
		model_doc(d, st, doc);
	}
}

static void br_finish(struct tt_pdec *d, int complete)
{
	struct br_state *st = br(d);
	struct tt_usage_parts u = st->body;

	/* Metered counts override the body's, field by field. */
	if (st->meter.input_tokens >= 0)
		u.input_tokens = st->meter.input_tokens;
	if (st->meter.output_tokens >= 0)
		u.output_tokens = st->meter.output_tokens;
	if (st->meter.cache_read >= 0)
		u.cache_read = st->meter.cache_read;
	if (st->meter.cache_write >= 0)
		u.cache_write = st->meter.cache_write;
	/* The body's TTL split, only where it still fits the metered total. */
	if (u.cache_write_1h > u.cache_write)
		u.cache_write_1h = -1;
	if (d->usage_seen)
		tt_usage_parts_apply(&u, &d->call.usage);
	if (!d->call.response_model[0])
		tt_copy(d->call.response_model, sizeof(d->call.response_model),
			d->call.request_model, strlen(d->call.request_model));
	if (d->framing == TT_FRAME_EVENTSTREAM && is_2xx(d->call.status) &&
	    complete && !d->terminal_seen && !d->stream_error)
		d->call.outcome = TT_OUT_INCOMPLETE;
}

const struct tt_provider_ops tt_bedrock_ops = {
	.name = "bedrock",
	.match = br_match,
	.begin = br_begin,
	.response = br_response,
	.json = br_json,
	.finish = br_finish,
};
