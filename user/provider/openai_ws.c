// SPDX-License-Identifier: MIT
/*
 * OpenAI calls over WebSocket: see wscall.h.
 *
 * Responses API: the server events are those of the HTTP stream, so each
 * call runs through the OpenAI decoder (openai.c) as a streamed POST
 * /v1/responses would, with the create message as its body; the record
 * then says what the socket did: status_code 101 (the handshake's) when
 * the server answered, the status a wrapped error event states
 * ({"type":"error","status":429,"error":{...}}), or null when nothing
 * came. A create with "generate": false only warms the server up (the
 * prewarm codex sends): its operation is "responses_prewarm".
 *
 * Realtime API: decoded here. response.done carries the response's
 * status and usage {input_tokens, output_tokens, input_token_details
 * {text_tokens, audio_tokens, cached_tokens, cached_tokens_details},
 * output_token_details{text_tokens, audio_tokens}}: input includes cached
 * and audio tokens, output audio; the details stay in usage_raw. The
 * model is the session's (session.created/updated), else the URL's.
 *
 * Most messages are deltas or audio; their "type" is read without
 * parsing them (every OpenAI event and SDK message puts it first) and
 * only the few that matter are parsed.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "provider/pdec_impl.h"
#include "provider/wscall.h"

#define WS_HDR_BUF 2048  /* kept handshake headers */

struct wcall {
	int has_request;      /* the client message that asked for it was seen */
	int has_response;     /* response.created (or a later event) named it */
	int answered;         /* some server message for it */
	int prewarm;
	int gapped;
	int responded;        /* tt_pdec_response done (Responses) */
	int status;           /* a wrapped error's status, 0 none */
	char resp_id[128];
	char model[128];      /* asked for */
	char service_tier[32];
	struct tt_pdec *pdec; /* Responses only */
	uint64_t start_ns, first_ns, req_bytes, resp_bytes;
};

struct tt_wscall {
	int api;
	tt_wscall_emit emit;
	void *ctx;
	/* The handshake. */
	char hint[32], host[256], target[1024], request_id[128];
	size_t target_len;
	struct tt_hdrs hdrs;
	char hbuf[WS_HDR_BUF];
	char url_model[128];   /* Realtime ?model= (or Azure ?deployment=) */
	char sess_model[128];  /* Realtime session.model */
	char last_model[128];  /* Responses: the last create's, for response.append */
	int lost[2];           /* a message was lost with no call open: [server] */
	struct wcall *open[TT_WSCALL_OPEN]; /* oldest first */
	size_t n;
	struct tt_wscall_stats st;
};

/* ------------------------------------------------------ set up */

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

int tt_wscall_api(const struct tt_req_info *req)
{
	const char *q = memchr(req->target, '?', req->target_len);
	size_t n = q ? (size_t)(q - req->target) : req->target_len;

	if (req->method && strcasecmp(req->method, "GET"))
		return TT_WSAPI_NONE;
	if (ends_with(req->target, n, "/realtime"))
		return TT_WSAPI_REALTIME;
	if (ends_with(req->target, n, "/responses"))
		return TT_WSAPI_RESPONSES;
	return TT_WSAPI_NONE;
}

/* The value of key in the query of target, into out. */
static void query_value(const char *target, size_t len, const char *key,
			char *out, size_t outlen)
{
	const char *q = memchr(target, '?', len), *end = target + len;
	size_t klen = strlen(key);

	while (q && q < end) {
		const char *p = q + 1, *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;

		if ((size_t)(e - p) > klen && !memcmp(p, key, klen) &&
		    p[klen] == '=') {
			tt_url_decode(p + klen + 1, (size_t)(e - p - klen - 1),
				      out, outlen);
			return;
		}
		q = amp;
	}
}

struct tt_wscall *tt_wscall_new(int api, const struct tt_req_info *hs,
				const char *request_id, tt_wscall_emit emit,
				void *ctx)
{
	struct tt_wscall *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->api = api;
	s->emit = emit;
	s->ctx = ctx;
	if (hs->provider_hint)
		tt_copy(s->hint, sizeof(s->hint), hs->provider_hint,
			strlen(hs->provider_hint));
	if (hs->host)
		tt_copy(s->host, sizeof(s->host), hs->host, strlen(hs->host));
	tt_copy(s->target, sizeof(s->target), hs->target, hs->target_len);
	s->target_len = strlen(s->target);
	tt_copy(s->request_id, sizeof(s->request_id), request_id,
		strlen(request_id));
	tt_hdrs_clone(&s->hdrs, s->hbuf, sizeof(s->hbuf), hs->hdrs);
	query_value(s->target, s->target_len, "model", s->url_model,
		    sizeof(s->url_model));
	if (!s->url_model[0])
		query_value(s->target, s->target_len, "deployment",
			    s->url_model, sizeof(s->url_model));
	return s;
}

/* ------------------------------------------------------ calls */

/* The call's decoder, begun as the HTTP request would have been. */
static struct tt_pdec *call_pdec(struct tt_wscall *s, struct wcall *c)
{
	struct tt_req_fields body = { .stream = 1, .include_usage = -1 };
	struct tt_req_info req = {
		.provider_hint = s->hint[0] ? s->hint : NULL,
		.host = s->host,
		.method = "POST",
		.target = s->target,
		.target_len = s->target_len,
		.hdrs = &s->hdrs,
		.body = &body,
	};
	const char *model = c->model[0] ? c->model : s->url_model;

	if (c->pdec)
		return c->pdec;
	c->pdec = tt_pdec_new();
	if (!c->pdec)
		return NULL;
	tt_copy(body.model, sizeof(body.model), model, strlen(model));
	body.has_model = !!model[0];
	tt_copy(body.service_tier, sizeof(body.service_tier), c->service_tier,
		strlen(c->service_tier));
	tt_pdec_begin(c->pdec, &req);
	return c->pdec;
}

static struct wcall *call_open(struct tt_wscall *s, uint64_t ts);

static void call_remove(struct tt_wscall *s, struct wcall *c)
{
	size_t i;

	for (i = 0; i < s->n && s->open[i] != c; i++)
		;
	if (i == s->n)
		return;
	memmove(s->open + i, s->open + i + 1, (s->n - i - 1) * sizeof(c));
	s->n--;
	tt_pdec_free(c->pdec);
	free(c);
}

static void realtime_finish(struct tt_wscall *s, struct wcall *c,
			    int complete, struct tt_call *out)
{
	struct tt_call *call = &c->pdec->call;
	struct tt_usage *u = &call->usage;

	tt_copy(call->operation, sizeof(call->operation), "realtime", 8);
	if (!call->response_model[0] && s->sess_model[0])
		tt_copy(call->response_model, sizeof(call->response_model),
			s->sess_model, strlen(s->sess_model));
	if (!complete && !call->outcome)
		call->outcome = TT_OUT_INCOMPLETE;
	if (c->pdec->usage_seen)
		call->usage_status = TT_USAGE_REPORTED;
	else if (c->answered && !call->error_type[0])
		call->usage_status = TT_USAGE_MISSING;
	if (u->input_tokens >= 0 || u->output_tokens >= 0)
		u->total_tokens = (u->input_tokens > 0 ? u->input_tokens : 0) +
				  (u->output_tokens > 0 ? u->output_tokens : 0);
	*out = *call;
}

/* Reports c and forgets it. complete: its final event came. */
static void call_finish(struct tt_wscall *s, struct wcall *c, int complete,
			uint64_t ts)
{
	struct tt_call call;
	struct tt_wscall_done done = { 0 };

	if (!call_pdec(s, c)) {
		call_remove(s, c);
		return;
	}
	if (s->api == TT_WSAPI_REALTIME) {
		realtime_finish(s, c, complete, &call);
	} else {
		if (!c->responded)
			tt_pdec_response(c->pdec, 200, NULL);
		tt_pdec_finish(c->pdec, complete, &call);
		if (c->prewarm)
			tt_copy(call.operation, sizeof(call.operation),
				"responses_prewarm", 17);
	}
	/* What the socket said: 101 when answered, an error's own status. */
	call.status = c->status ? c->status : c->answered ? 101 : 0;
	call.stream = 1;
	if (!call.request_id[0])
		tt_copy(call.request_id, sizeof(call.request_id),
			s->request_id, strlen(s->request_id));
	if (!c->answered) {
		call.outcome = TT_OUT_INCOMPLETE;
		call.usage_status = TT_USAGE_NONE;
	}
	if (c->gapped && call.usage_status == TT_USAGE_REPORTED)
		call.usage_status = TT_USAGE_PARTIAL;
	else if (c->gapped && call.usage_status == TT_USAGE_MISSING)
		call.usage_status = TT_USAGE_LOST;
	done.call = &call;
	done.start_ns = c->start_ns;
	done.first_ns = c->first_ns;
	done.end_ns = ts;
	done.request_bytes = c->req_bytes;
	done.response_bytes = c->resp_bytes;
	done.problem = c->gapped ? "gap" : !c->answered ? "no_response" : NULL;
	s->st.calls++;
	if (s->emit)
		s->emit(s->ctx, &done);
	call_remove(s, c);
}

static struct wcall *call_open(struct tt_wscall *s, uint64_t ts)
{
	struct wcall *c;

	if (s->n == TT_WSCALL_OPEN) {
		s->st.open_overflow++;
		call_finish(s, s->open[0], 0, ts);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->start_ns = ts;
	/* A message lost while no call was open may have been its start. */
	c->gapped = s->lost[0] || s->lost[1];
	s->lost[0] = s->lost[1] = 0;
	s->open[s->n++] = c;
	return c;
}

/* The call a server event is for: by response id, else the oldest one
 * not yet named by the server. make: open one when none. */
static struct wcall *call_for(struct tt_wscall *s, const char *id, int make,
			      uint64_t ts)
{
	struct wcall *c = NULL;

	for (size_t i = 0; id && id[0] && i < s->n; i++)
		if (!strcmp(s->open[i]->resp_id, id))
			return s->open[i];
	for (size_t i = 0; i < s->n && !c; i++)
		if (!s->open[i]->has_response)
			c = s->open[i];
	if (!c && make)
		c = call_open(s, ts);
	if (c && id && id[0]) {
		c->has_response = 1;
		tt_copy(c->resp_id, sizeof(c->resp_id), id, strlen(id));
	}
	return c;
}

/* The newest call the server is answering: unparsed events' bytes. */
static struct wcall *call_current(struct tt_wscall *s)
{
	for (size_t i = s->n; i > 0; i--)
		if (s->open[i - 1]->answered)
			return s->open[i - 1];
	return s->n ? s->open[0] : NULL;
}

static void call_answered(struct wcall *c, uint64_t ts, uint64_t wire)
{
	if (!c->answered)
		c->first_ns = ts;
	c->answered = 1;
	c->resp_bytes += wire;
}

/* ------------------------------------------------------ messages */

/* The top-level "type" of a message without parsing it: the first
 * "type" key within the first bytes. 1 when found. */
static int peek_type(const char *m, size_t len, char *out, size_t outlen)
{
	static const char key[] = "\"type\"";
	size_t lim = len < 512 ? len : 512, i, j;
	const char *hit = memmem(m, lim, key, sizeof(key) - 1);

	if (!hit)
		return 0;
	i = (size_t)(hit - m) + sizeof(key) - 1;
	while (i < len && (m[i] == ' ' || m[i] == ':' || m[i] == '\t'))
		i++;
	if (i >= len || m[i] != '"')
		return 0;
	for (j = ++i; j < len && m[j] != '"' && m[j] != '\\'; j++)
		;
	if (j >= len || m[j] != '"' || j - i >= outlen)
		return 0;
	memcpy(out, m + i, j - i);
	out[j - i] = '\0';
	return 1;
}

static int is_one_of(const char *type, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(type, *list))
			return 1;
	return 0;
}

static const char *const responses_client[] = {
	"response.create", "response.append", NULL };
static const char *const responses_server[] = {
	"response.created", "response.queued", "response.in_progress",
	"response.completed", "response.failed", "response.incomplete",
	"error", NULL };
static const char *const realtime_client[] = {
	"response.create", "session.update", NULL };
static const char *const realtime_server[] = {
	"session.created", "session.updated", "response.created",
	"response.done", "error", NULL };

/* The message parsed when its type matters (or cannot be read): one of
 * the types of its direction's list (from_server) and its API. */
static cJSON *parse_if(struct tt_wscall *s, const char *m, size_t len,
		       int from_server, char *type, size_t tlen)
{
	int rt = s->api == TT_WSAPI_REALTIME;
	const char *const *wanted =
		from_server ? (rt ? realtime_server : responses_server)
			    : (rt ? realtime_client : responses_client);
	cJSON *doc;

	type[0] = '\0';
	if (peek_type(m, len, type, tlen) && !is_one_of(type, wanted))
		return NULL;
	doc = cJSON_ParseWithLength(m, len);
	if (!cJSON_IsObject(doc)) {
		s->st.json_errors++;
		cJSON_Delete(doc);
		return NULL;
	}
	tt_pj_str(doc, "type", type, tlen);
	return doc;
}

static void responses_client_msg(struct tt_wscall *s, uint64_t ts,
				 const cJSON *doc, const char *type,
				 uint64_t wire)
{
	const cJSON *gen = cJSON_GetObjectItemCaseSensitive(doc, "generate");
	struct wcall *c = call_open(s, ts);

	if (!c)
		return;
	c->has_request = 1;
	c->req_bytes = wire;
	c->prewarm = cJSON_IsFalse(gen);
	/* response.append continues the last response: its model. */
	if (!tt_pj_str(doc, "model", c->model, sizeof(c->model)) &&
	    !strcmp(type, "response.append"))
		tt_copy(c->model, sizeof(c->model), s->last_model,
			strlen(s->last_model));
	tt_copy(s->last_model, sizeof(s->last_model), c->model,
		strlen(c->model));
	tt_pj_str(doc, "service_tier", c->service_tier,
		  sizeof(c->service_tier));
}

/* A server event of the Responses API. */
static void responses_server_msg(struct tt_wscall *s, uint64_t ts,
				 const char *m, size_t len, const cJSON *doc,
				 const char *type, uint64_t wire)
{
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(doc, "response");
	char id[128] = "";
	struct wcall *c;
	int terminal, err = !strcmp(type, "error");

	tt_pj_str(resp, "id", id, sizeof(id));
	/* An error answers the oldest unanswered request, else the call in
	 * progress; one with a status is that request's HTTP answer. */
	c = err ? call_for(s, NULL, 0, ts) : call_for(s, id, 1, ts);
	if (!c && err)
		c = call_current(s);
	if (!c) {
		s->st.session_errors += err;
		s->st.orphan_events += !err;
		return;
	}
	call_answered(c, ts, wire);
	if (!call_pdec(s, c))
		return;
	if (!c->responded) {
		int64_t st = err ? tt_pj_int(doc, "status") : -1;

		if (st < 0)
			st = tt_pj_int(doc, "status_code");
		c->status = st >= 400 && st <= 599 ? (int)st : 0;
		tt_pdec_response(c->pdec, c->status ? c->status : 200, NULL);
		c->responded = 1;
	}
	if (err && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "error"))) {
		/* Wrapped: only the inner error, as an HTTP error body. */
		cJSON *body = cJSON_CreateObject();
		char *text;

		if (body)
			cJSON_AddItemReferenceToObject(
				body, "error",
				cJSON_GetObjectItemCaseSensitive(doc, "error"));
		text = body ? cJSON_PrintUnformatted(body) : NULL;
		if (text)
			tt_pdec_json(c->pdec, NULL, 0, text, strlen(text));
		free(text);
		cJSON_Delete(body);
	} else {
		tt_pdec_json(c->pdec, NULL, 0, m, len);
	}
	terminal = err || !strcmp(type, "response.completed") ||
		   !strcmp(type, "response.failed") ||
		   !strcmp(type, "response.incomplete");
	if (terminal)
		call_finish(s, c, 1, ts);
}

/* ------------------------------------------------------ Realtime */

/* Audio and image tokens; the cached ones (cached_tokens_details) are
 * priced as cache reads, so the input counts are what is left. */
static void realtime_media(const cJSON *usage, struct tt_usage *u)
{
	static const char *const kinds[2] = { "audio_tokens", "image_tokens" };
	int64_t *in[2] = { &u->audio_input_tokens, &u->image_input_tokens };
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(usage,
							    "input_token_details");
	const cJSON *cached = cJSON_GetObjectItemCaseSensitive(det,
							       "cached_tokens_details");

	for (int i = 0; i < 2; i++) {
		int64_t all = tt_pj_int(det, kinds[i]);
		int64_t c = tt_pj_int(cached, kinds[i]);

		*in[i] = all < 0 ? -1 : c > 0 && c <= all ? all - c : all;
	}
	u->audio_output_tokens =
		tt_pj_path_int(usage, "output_token_details.audio_tokens");
	tt_usage_fit_media(u);
}

static void realtime_usage(struct tt_pdec *d, const cJSON *usage)
{
	struct tt_usage *u = &d->call.usage;

	if (!cJSON_IsObject(usage))
		return;
	u->input_tokens = tt_pj_int(usage, "input_tokens");
	u->output_tokens = tt_pj_int(usage, "output_tokens");
	u->cache_read_input_tokens =
		tt_pj_path_int(usage, "input_token_details.cached_tokens");
	realtime_media(usage, u);
	d->usage_seen = u->input_tokens >= 0 || u->output_tokens >= 0;
	tt_call_set_usage_raw(&d->call, usage);
}

/* response.done: status, status_details{type, reason, error}, usage. */
static void realtime_done(struct tt_pdec *d, const cJSON *resp)
{
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(resp,
							    "status_details");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(det, "error");
	char status[16] = "";
	struct tt_call *c = &d->call;

	tt_pj_str(resp, "id", c->response_id, sizeof(c->response_id));
	tt_pj_str(resp, "model", c->response_model, sizeof(c->response_model));
	tt_pj_str(resp, "status", status, sizeof(status));
	if (!tt_pj_str(det, "reason", c->finish_reason,
		       sizeof(c->finish_reason)))
		tt_copy(c->finish_reason, sizeof(c->finish_reason), status,
			strlen(status));
	if (!tt_pj_str(err, "code", c->error_type, sizeof(c->error_type)))
		tt_pj_str(err, "type", c->error_type, sizeof(c->error_type));
	/* cancelled (turn detected, client) and failed: billed, unfinished */
	if (!strcmp(status, "cancelled") || !strcmp(status, "failed"))
		c->outcome = TT_OUT_INCOMPLETE;
	realtime_usage(d, cJSON_GetObjectItemCaseSensitive(resp, "usage"));
}

static int error_outcome(const char *type)
{
	if (strstr(type, "rate_limit") || strstr(type, "quota"))
		return TT_OUT_RATE_LIMITED;
	if (strstr(type, "auth") || strstr(type, "permission"))
		return TT_OUT_AUTH_ERROR;
	if (strstr(type, "invalid_request"))
		return TT_OUT_CLIENT_ERROR;
	if (strstr(type, "server_error"))
		return TT_OUT_SERVER_ERROR;
	return TT_OUT_INCOMPLETE;
}

static void realtime_server_msg(struct tt_wscall *s, uint64_t ts,
				const cJSON *doc, const char *type,
				uint64_t wire)
{
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(doc, "response");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	char id[128] = "", etype[64] = "";
	struct wcall *c;

	if (!strncmp(type, "session.", 8)) {
		tt_pj_str(cJSON_GetObjectItemCaseSensitive(doc, "session"),
			  "model", s->sess_model, sizeof(s->sess_model));
		return;
	}
	if (!strcmp(type, "error")) {
		/* Only an error answering a response.create makes a call. */
		c = call_for(s, NULL, 0, ts);
		if (!c || !c->has_request || !call_pdec(s, c)) {
			s->st.session_errors++;
			return;
		}
		call_answered(c, ts, wire);
		if (!tt_pj_str(err, "code", etype, sizeof(etype)))
			tt_pj_str(err, "type", etype, sizeof(etype));
		tt_copy(c->pdec->call.error_type, sizeof(c->pdec->call.error_type),
			etype[0] ? etype : "error", strlen(etype[0] ? etype : "error"));
		tt_pj_str(err, "type", etype, sizeof(etype));
		c->pdec->call.outcome = error_outcome(etype);
		call_finish(s, c, 1, ts);
		return;
	}
	tt_pj_str(resp, "id", id, sizeof(id));
	c = call_for(s, id, 1, ts);
	if (!c || !call_pdec(s, c))
		return;
	call_answered(c, ts, wire);
	if (!strcmp(type, "response.done")) {
		realtime_done(c->pdec, resp);
		call_finish(s, c, 1, ts);
	}
}

/* ------------------------------------------------------ interface */

void tt_wscall_client(struct tt_wscall *s, uint64_t ts, const char *msg,
		      size_t len, uint64_t wire)
{
	int rt = s->api == TT_WSAPI_REALTIME;
	char type[64];
	cJSON *doc = parse_if(s, msg, len, 0, type, sizeof(type));

	if (!doc)
		return;
	if (!rt && is_one_of(type, responses_client)) {
		responses_client_msg(s, ts, doc, type, wire);
	} else if (rt && !strcmp(type, "session.update")) {
		tt_pj_str(cJSON_GetObjectItemCaseSensitive(doc, "session"),
			  "model", s->url_model, sizeof(s->url_model));
	} else if (rt && !strcmp(type, "response.create")) {
		struct wcall *c = call_open(s, ts);

		if (c) {
			c->has_request = 1;
			c->req_bytes = wire;
		}
	}
	cJSON_Delete(doc);
}

void tt_wscall_server(struct tt_wscall *s, uint64_t ts, const char *msg,
		      size_t len, uint64_t wire)
{
	int rt = s->api == TT_WSAPI_REALTIME;
	char type[64];
	cJSON *doc = parse_if(s, msg, len, 1, type, sizeof(type));
	struct wcall *c;

	if (!doc) {
		/* A delta or audio: its bytes are the current call's. */
		if ((c = call_current(s)) && c->has_response)
			call_answered(c, ts, wire);
		return;
	}
	if (rt)
		realtime_server_msg(s, ts, doc, type, wire);
	else if (is_one_of(type, responses_server))
		responses_server_msg(s, ts, msg, len, doc, type, wire);
	cJSON_Delete(doc);
}

void tt_wscall_lost(struct tt_wscall *s, int from_server, uint64_t ts)
{
	(void)ts;
	s->st.lost_messages++;
	/* Every open call may have lost an event; with none open, the
	 * next call may have lost its start. */
	for (size_t i = 0; i < s->n; i++)
		s->open[i]->gapped = 1;
	if (!s->n)
		s->lost[from_server ? 1 : 0] = 1;
}

void tt_wscall_close(struct tt_wscall *s, uint64_t ts)
{
	while (s->n)
		call_finish(s, s->open[0], 0, ts);
}

void tt_wscall_free(struct tt_wscall *s)
{
	if (!s)
		return;
	while (s->n) {
		s->n--;
		tt_pdec_free(s->open[s->n]->pdec);
		free(s->open[s->n]);
	}
	free(s);
}

const struct tt_wscall_stats *tt_wscall_get_stats(const struct tt_wscall *s)
{
	return &s->st;
}
