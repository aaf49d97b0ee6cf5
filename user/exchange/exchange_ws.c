// SPDX-License-Identifier: MIT
/*
 * The WebSocket side of the exchange pipeline. A 101 response with
 * Upgrade: websocket ends HTTP/1 on the connection (the handshake is not
 * a call and makes no record); from then on each direction goes through
 * a frame parser (http/ws.c) and, when the upgraded path is an AI API
 * (provider/wscall.h), the complete text messages through the call
 * decoder, which reports one call per response. Every record carries the
 * handshake's host, kept headers and key fingerprint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "tt_abi.h"
#include "exchange/exchange_impl.h"
#include "http/ws.h"
#include "provider/wscall.h"

struct x_ws {
	struct tt_xconn *x;
	struct tt_ws *ws[2];       /* [TT_DIR_EGRESS]: client frames */
	struct tt_wscall *calls;   /* NULL: not an API we decode */
	int deflate;               /* permessage-deflate agreed */
	int folded;                /* counters added to x->st */
	char host[256];
	struct tt_hdrs hdrs;       /* the handshake's kept headers */
	char hbuf[TT_X_KEPT_HDRS];
	struct tt_keyfp key;
};

/* Case-insensitive: the header's value contains token. */
static int hdr_has(const struct tt_hdrs *hs, const char *name,
		   const char *token)
{
	size_t len, n = strlen(token);
	const char *v = tt_hdrs_get(hs, name, &len);

	for (size_t i = 0; v && i + n <= len; i++)
		if (!strncasecmp(v + i, token, n))
			return 1;
	return 0;
}

static void on_call(void *ctx, const struct tt_wscall_done *d)
{
	struct x_ws *w = ctx;
	struct tt_xconn *x = w->x;
	struct tt_xrec rec = { 0 };

	rec.call = d->call;
	rec.host = w->host[0] ? w->host : x->server_name;
	rec.req_hdrs = &w->hdrs;
	rec.key = w->key;
	rec.start_ns = d->start_ns;
	rec.end_ns = d->end_ns;
	rec.ttfb_ns = d->first_ns ? (int64_t)(d->first_ns - d->start_ns) : -1;
	rec.request_bytes = d->request_bytes;
	rec.response_bytes = d->response_bytes;
	rec.response_encoding = w->deflate ? "deflate" : "identity";
	rec.problem = d->problem;
	x->st.exchanges++;
	x->st.ws_calls++;
	if (d->call->outcome == TT_OUT_INCOMPLETE)
		x->st.incomplete++;
	if (x->emit)
		x->emit(x->ctx, &rec);
}

static void on_message(struct x_ws *w, int dir, const struct tt_ws_msg *m)
{
	uint64_t ts = w->x->now_ns;

	if (!w->calls)
		return;
	if (m->lost && m->opcode < 8) {
		tt_wscall_lost(w->calls, dir == TT_DIR_INGRESS, ts);
		return;
	}
	if (m->opcode != TT_WS_TEXT)
		return; /* binary (audio), pings, pongs, closes */
	if (dir == TT_DIR_EGRESS)
		tt_wscall_client(w->calls, ts, (const char *)m->data, m->len,
				 m->payload_bytes);
	else
		tt_wscall_server(w->calls, ts, (const char *)m->data, m->len,
				 m->payload_bytes);
}

static void on_client(void *ctx, const struct tt_ws_msg *m)
{
	on_message(ctx, TT_DIR_EGRESS, m);
}

static void on_server(void *ctx, const struct tt_ws_msg *m)
{
	on_message(ctx, TT_DIR_INGRESS, m);
}

int x_ws_start(struct tt_xconn *x, struct exchange *e,
	       const struct tt_hdrs *resp)
{
	static const struct tt_ws_callbacks client_cb = { on_client };
	static const struct tt_ws_callbacks server_cb = { on_server };
	struct tt_req_fields none = { .stream = -1, .include_usage = -1 };
	struct tt_req_info req = {
		.provider_hint = x->info.provider_hint,
		.host = e->host[0] ? e->host : x->server_name,
		.method = e->method, .target = e->target,
		.target_len = e->target_len, .hdrs = &e->hdrs, .body = &none,
	};
	struct tt_ws_deflate pmd[2];
	struct x_ws *w;
	const char *ext;
	char rid[128] = "";
	size_t len;
	int api;

	if (!hdr_has(resp, "upgrade", "websocket"))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->x = x;
	ext = tt_hdrs_get(resp, "sec-websocket-extensions", &len);
	if (ext && tt_ws_extensions(ext, len, &pmd[TT_DIR_EGRESS],
				    &pmd[TT_DIR_INGRESS]) == -EINVAL)
		x->st.ws_bad_extensions++;
	w->deflate = ext && pmd[TT_DIR_INGRESS].enabled;
	if (!w->deflate)
		memset(pmd, 0, sizeof(pmd));
	api = tt_wscall_api(&req);
	/* A request carries the prompt: the whole-body cap; a server
	 * message is one event: the event cap. A socket no decoder reads
	 * keeps no message: its frames are only counted. */
	w->ws[TT_DIR_EGRESS] = tt_ws_new(TT_WS_CLIENT, &pmd[TT_DIR_EGRESS],
					 api ? TT_X_WHOLE_BODY_MAX : 1, 0,
					 &client_cb, w);
	w->ws[TT_DIR_INGRESS] = tt_ws_new(TT_WS_SERVER, &pmd[TT_DIR_INGRESS],
					  api ? TT_X_EVENT_MAX : 1, 0,
					  &server_cb, w);
	if (!tt_hdrs_copy(resp, "x-request-id", rid, sizeof(rid)))
		tt_hdrs_copy(resp, "apim-request-id", rid, sizeof(rid));
	if (api != TT_WSAPI_NONE)
		w->calls = tt_wscall_new(api, &req, rid, on_call, w);
	if (!w->ws[0] || !w->ws[1] || (api != TT_WSAPI_NONE && !w->calls)) {
		x->ws = w;
		x_ws_free(x);
		return -ENOMEM;
	}
	if (api == TT_WSAPI_NONE)
		x->st.ws_unknown_api++;
	snprintf(w->host, sizeof(w->host), "%s", e->host);
	w->key = e->key;
	tt_hdrs_clone(&w->hdrs, w->hbuf, sizeof(w->hbuf), &e->hdrs);
	x->ws = w;
	x->proto = X_WS;
	x->st.ws_connections++;
	return 0;
}

void x_ws_data(struct tt_xconn *x, int dir, const uint8_t *p, size_t n)
{
	if (x->ws && n)
		tt_ws_feed(x->ws->ws[dir & 1], p, n);
}

/* The 101 came in this ingress buffer: what follows it is frames. */
void x_ws_rest(struct tt_xconn *x, const uint8_t *p, size_t n)
{
	size_t used;

	if (tt_h1_upgraded(x->resp_parser, &used) && used < n)
		x_ws_data(x, TT_DIR_INGRESS, p + used, n - used);
}

void x_ws_gap(struct tt_xconn *x, int dir, uint64_t len)
{
	if (x->ws)
		tt_ws_gap(x->ws->ws[dir & 1], len);
}

static void fold(struct tt_xconn *x, struct x_ws *w)
{
	const struct tt_wscall_stats *cs = w->calls ? tt_wscall_get_stats(w->calls)
						    : NULL;

	if (w->folded)
		return;
	w->folded = 1;
	for (int d = 0; d < 2; d++) {
		const struct tt_ws_stats *s = w->ws[d] ? tt_ws_get_stats(w->ws[d])
						       : NULL;

		if (!s)
			continue;
		x->st.ws_resyncs += s->resyncs;
		x->st.ws_bad_frames += s->bad_frames + s->unconfirmed;
		if (!w->calls)
			continue; /* no message kept: none lost to the cap */
		x->st.ws_messages += s->messages;
		x->st.ws_lost_messages += s->lost_messages;
		x->st.ws_too_big += s->too_big;
		x->st.ws_inflate_errors += s->inflate_errors;
		x->st.bombs += s->bombs;
	}
	if (cs)
		x->st.ws_orphan_events += cs->orphan_events + cs->session_errors;
}

void x_ws_close(struct tt_xconn *x)
{
	struct x_ws *w = x->ws;

	if (!w)
		return;
	for (int d = 0; d < 2; d++)
		tt_ws_finish(w->ws[d]);
	if (w->calls)
		tt_wscall_close(w->calls, x->now_ns);
	fold(x, w);
}

void x_ws_free(struct tt_xconn *x)
{
	struct x_ws *w = x->ws;

	if (!w)
		return;
	tt_ws_free(w->ws[0]);
	tt_ws_free(w->ws[1]);
	tt_wscall_free(w->calls);
	free(w);
	x->ws = NULL;
}
