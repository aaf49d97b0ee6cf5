// SPDX-License-Identifier: MIT
/*
 * Anthropic Messages API: api.anthropic.com, Claude on Vertex AI
 * (publishers/anthropic ...:rawPredict / :streamRawPredict, model only in
 * the path), Bedrock mantle (/anthropic/v1/messages), the Google Cloud
 * gateway (claude.googleapis.com .../invoke) and any host serving
 * /v1/messages (gateways, Anthropic-compatible servers).
 *
 * Usage comes in parts: input_tokens excludes cache reads and writes, so
 * the normalized input is their sum; output_tokens already includes
 * thinking. A stream carries it in message_start.message.usage and in
 * cumulative message_delta.usage: each field keeps its last reported
 * value. Bedrock reuses tt_anthropic_doc() for Claude bodies.
 */
#include <string.h>
#include "provider/pdec_impl.h"

enum anth_kind {
	ANTH_MESSAGES = 0, /* usage expected */
	ANTH_NO_USAGE,     /* count_tokens, batches, models, ...: body not needed on 2xx */
};

struct anth_state {
	struct tt_usage_parts parts;
	int kind;
};

_Static_assert(sizeof(struct anth_state) <= TT_PDEC_SCRATCH,
	       "anthropic state exceeds the scratch area");

static struct anth_state *anth(struct tt_pdec *d)
{
	return (struct anth_state *)d->scratch.b;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* "/v1/messages" as a whole segment, under any prefix (mantle's
 * /anthropic, gateways' /api/anthropic, ...). */
static const char *messages_at(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, "/v1/messages"))) {
		char next = p[strlen("/v1/messages")];

		if (next == '\0' || next == '/')
			return p;
		p++;
	}
	return NULL;
}

static int is_openai_compat(const char *path)
{
	return ends_with(path, "/chat/completions") || strstr(path, "/openai/");
}

static int anth_match(const struct tt_req_info *req, const char *path)
{
	const char *hint = req->provider_hint;

	if (strstr(path, "/publishers/anthropic/models/"))
		return 1; /* Vertex AI, any Google host */
	if (hint && !strcmp(hint, "anthropic"))
		return !is_openai_compat(path); /* the OpenAI SDK layer */
	return messages_at(path) != NULL;
}

/* Vertex: .../publishers/anthropic/models/{model}:{method}. */
static void vertex_begin(struct tt_pdec *d, const char *at)
{
	const char *model = at + strlen("/publishers/anthropic/models/");
	const char *colon = strrchr(model, ':');
	size_t mlen = colon ? (size_t)(colon - model) : strlen(model);

	if (mlen == strlen("count-tokens") &&
	    !memcmp(model, "count-tokens", mlen)) {
		tt_copy(d->call.operation, sizeof(d->call.operation),
			"count_tokens", strlen("count_tokens"));
		anth(d)->kind = ANTH_NO_USAGE;
		return;
	}
	tt_url_decode(model, mlen, d->call.request_model,
		      sizeof(d->call.request_model));
	if (colon && !strcmp(colon + 1, "streamRawPredict"))
		d->call.stream = 1;
}

static void anth_begin(struct tt_pdec *d, const struct tt_req_info *req,
		       const char *path)
{
	struct anth_state *st = anth(d);
	const char *vertex = strstr(path, "/publishers/anthropic/models/");
	const char *msgs = messages_at(path);
	const char *op = "chat";

	tt_usage_parts_init(&st->parts);
	st->kind = ANTH_MESSAGES;
	if (!d->call.provider[0])
		tt_copy(d->call.provider, sizeof(d->call.provider),
			"anthropic", strlen("anthropic"));
	if (msgs && !strncmp(msgs, "/v1/messages/count_tokens", 25)) {
		op = "count_tokens";
		st->kind = ANTH_NO_USAGE;
	} else if (msgs && !strncmp(msgs, "/v1/messages/batches", 20)) {
		op = "batch";
		st->kind = ANTH_NO_USAGE;
	} else if (msgs && msgs[strlen("/v1/messages")] == '/') {
		op = "other";
		st->kind = ANTH_NO_USAGE;
	} else if (!vertex && !msgs && !ends_with(path, "/invoke")) {
		if (ends_with(path, "/v1/complete")) {
			op = "text_completion"; /* legacy: no usage in the body */
		} else {
			op = "other"; /* models, files, ... */
			st->kind = ANTH_NO_USAGE;
		}
	}
	tt_copy(d->call.operation, sizeof(d->call.operation), op, strlen(op));
	if (vertex)
		vertex_begin(d, vertex);
}

static int is_2xx(int status)
{
	return status >= 200 && status < 300;
}

static int anth_response(struct tt_pdec *d, int status,
			 const struct tt_hdrs *hdrs)
{
	int sse = tt_hdr_has(hdrs, "content-type", "text/event-stream");

	if (is_2xx(status) && anth(d)->kind == ANTH_NO_USAGE)
		return TT_FRAME_IGNORE;
	/* No content-type at all: trust the request's stream flag. */
	if (!sse && is_2xx(status) && d->call.stream &&
	    !tt_hdr_has(hdrs, "content-type", "json"))
		sse = 1;
	if (!sse)
		return TT_FRAME_WHOLE;
	d->call.stream = 1;
	return TT_FRAME_SSE;
}

/* ------------------------------------------------------------ usage parts */

void tt_usage_parts_init(struct tt_usage_parts *p)
{
	p->input_tokens = p->cache_read = p->cache_write = -1;
	p->cache_write_1h = -1;
	p->output_tokens = p->reasoning_tokens = -1;
}

static int64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : v;
}

void tt_usage_parts_apply(const struct tt_usage_parts *p, struct tt_usage *u)
{
	u->cache_read_input_tokens = p->cache_read;
	u->cache_creation_input_tokens = p->cache_write;
	u->cache_creation_1h_input_tokens = p->cache_write_1h;
	u->input_tokens = p->input_tokens < 0 ? -1 : p->input_tokens +
			  nonneg(p->cache_read) + nonneg(p->cache_write);
	u->output_tokens = p->output_tokens;
	u->reasoning_tokens = p->reasoning_tokens;
}

/* Last non-null wins: an absent or null field keeps the earlier value. */
static int take(int64_t *dst, int64_t v)
{
	if (v < 0)
		return 0;
	*dst = v;
	return 1;
}

/* Returns 1 when the usage object held numbers. */
static int fold_usage(struct tt_usage_parts *p, const cJSON *usage)
{
	int64_t w5 = tt_pj_path_int(usage, "cache_creation.ephemeral_5m_input_tokens");
	int64_t w1 = tt_pj_path_int(usage, "cache_creation.ephemeral_1h_input_tokens");
	int64_t write = tt_pj_int(usage, "cache_creation_input_tokens");
	int n = 0;

	/* The TTL split alone (no total): its sum is the write count. */
	if (write < 0 && (w5 >= 0 || w1 >= 0))
		write = nonneg(w5) + nonneg(w1);
	n |= take(&p->input_tokens, tt_pj_int(usage, "input_tokens"));
	n |= take(&p->cache_read, tt_pj_int(usage, "cache_read_input_tokens"));
	n |= take(&p->cache_write, write);
	n |= take(&p->cache_write_1h, w1);
	n |= take(&p->output_tokens, tt_pj_int(usage, "output_tokens"));
	n |= take(&p->reasoning_tokens,
		  tt_pj_path_int(usage, "output_tokens_details.thinking_tokens"));
	return n;
}

/* A usage object of a message or an event; raw_key names the event
 * under which a stream's usage objects are merged (NULL: whole body). */
static void on_usage(struct tt_pdec *d, struct tt_usage_parts *parts,
		     const cJSON *usage, const char *raw_key)
{
	if (!cJSON_IsObject(usage))
		return;
	if (fold_usage(parts, usage)) {
		d->usage_seen = 1;
		tt_usage_parts_apply(parts, &d->call.usage);
	}
	if (raw_key)
		tt_call_merge_usage_raw(&d->call, raw_key, usage);
	else
		tt_call_set_usage_raw(&d->call, usage);
	/* The tier that served it (standard, priority, batch). */
	tt_pj_str(usage, "service_tier", d->call.service_tier,
		  sizeof(d->call.service_tier));
}

/* ------------------------------------------------------------ documents */

static void on_message(struct tt_pdec *d, struct tt_usage_parts *parts,
		       const cJSON *msg, const char *raw_key)
{
	if (!cJSON_IsObject(msg))
		return;
	tt_pj_str(msg, "id", d->call.response_id, sizeof(d->call.response_id));
	tt_pj_str(msg, "model", d->call.response_model,
		  sizeof(d->call.response_model));
	tt_pj_str(msg, "stop_reason", d->call.finish_reason,
		  sizeof(d->call.finish_reason));
	on_usage(d, parts, cJSON_GetObjectItemCaseSensitive(msg, "usage"),
		 raw_key);
}

static void on_error(struct tt_pdec *d, const cJSON *doc)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	char type[64] = "";

	/* Anthropic's {"error":{"type"}}, or Google's {"error":{"status"}}
	 * when Vertex's front end refuses a Claude call. */
	if (!tt_pj_str(err, "type", type, sizeof(type)))
		tt_pj_str(err, "status", type, sizeof(type));
	if (type[0])
		tt_copy(d->call.error_type, sizeof(d->call.error_type), type,
			strlen(type));
	if (!d->call.request_id[0])
		tt_pj_str(doc, "request_id", d->call.request_id,
			  sizeof(d->call.request_id));
	if (!is_2xx(d->call.status))
		return;
	/* An error event inside a 2xx stream: the call failed midway. */
	d->stream_error = 1;
	if (!strcmp(type, "overloaded_error"))
		d->call.outcome = TT_OUT_OVERLOADED;
}

static const char *const ignored_events[] = {
	"ping", "content_block_start", "content_block_delta",
	"content_block_stop",
};

void tt_anthropic_doc(struct tt_pdec *d, struct tt_usage_parts *parts,
		      const char *event, size_t event_len, const cJSON *doc)
{
	char type[32] = "";

	if (!cJSON_IsObject(doc)) {
		d->stats.unknown_events++;
		return;
	}
	if (!tt_pj_str(doc, "type", type, sizeof(type)) && event)
		tt_copy(type, sizeof(type), event, event_len);
	if (!strcmp(type, "message")) {
		on_message(d, parts, doc, NULL);
		d->terminal_seen = 1;
	} else if (!strcmp(type, "message_start")) {
		on_message(d, parts,
			   cJSON_GetObjectItemCaseSensitive(doc, "message"),
			   "message_start");
	} else if (!strcmp(type, "message_delta")) {
		tt_pj_str(cJSON_GetObjectItemCaseSensitive(doc, "delta"),
			  "stop_reason", d->call.finish_reason,
			  sizeof(d->call.finish_reason));
		on_usage(d, parts, cJSON_GetObjectItemCaseSensitive(doc, "usage"),
			 "message_delta");
	} else if (!strcmp(type, "message_stop")) {
		d->terminal_seen = 1;
	} else if (!strcmp(type, "error") ||
		   cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "error"))) {
		on_error(d, doc);
	} else if (!strcmp(type, "completion")) {
		/* Legacy /v1/complete: no usage; ends with a stop_reason. */
		tt_pj_str(doc, "model", d->call.response_model,
			  sizeof(d->call.response_model));
		tt_pj_str(doc, "id", d->call.response_id,
			  sizeof(d->call.response_id));
		if (tt_pj_str(doc, "stop_reason", d->call.finish_reason,
			      sizeof(d->call.finish_reason)))
			d->terminal_seen = 1;
	} else {
		for (size_t i = 0; i < sizeof(ignored_events) /
					   sizeof(ignored_events[0]); i++)
			if (!strcmp(type, ignored_events[i]))
				return;
		d->stats.unknown_events++;
	}
}

static void anth_json(struct tt_pdec *d, const char *event, size_t event_len,
		      const cJSON *doc)
{
	tt_anthropic_doc(d, &anth(d)->parts, event, event_len, doc);
}

static void anth_finish(struct tt_pdec *d, int complete)
{
	/* A stream that ended cleanly but without message_stop was cut by
	 * the server or a proxy: not a success. */
	if (d->framing == TT_FRAME_SSE && is_2xx(d->call.status) && complete &&
	    !d->terminal_seen && !d->stream_error)
		d->call.outcome = TT_OUT_INCOMPLETE;
}

const struct tt_provider_ops tt_anthropic_ops = {
	.name = "anthropic",
	.match = anth_match,
	.begin = anth_begin,
	.response = anth_response,
	.json = anth_json,
	.finish = anth_finish,
};
