/* SPDX-License-Identifier: MIT */
/*
 * One captured connection turned into AI API calls: the HTTP/1 parsers of
 * both directions, request/response pairing in order, body decoding,
 * stream framing and the provider decoders, ending in one tt_xrec per
 * exchange. Pure: bytes and timestamps in, records and counters out. The
 * live agent and `tokentap replay` feed it the same way.
 */
#ifndef TT_EXCHANGE_H
#define TT_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>
#include "provider/call.h"
#include "provider/keyfp.h"

#define TT_X_PENDING_MAX 128      /* requests awaiting a response per connection
				   * (HTTP/2: streams in flight) */
#define TT_X_WHOLE_BODY_MAX (8u << 20)  /* a non-stream body parsed as one document */
#define TT_X_DECODED_MAX (64u << 20)    /* decompressed bytes per response */
#define TT_X_EVENT_MAX (1u << 20)       /* one stream event */
#define TT_X_KEPT_HDRS 2048             /* bytes of request headers kept per exchange */

struct tt_xconn_info {
	const char *provider_hint; /* from the host table, or NULL */
	const char *server_name;   /* SNI, or "" */
	/* More request headers to keep for the record (allocation headers
	 * such as X-Cost-Center): NULL-terminated names, or NULL. Must
	 * outlive the connection. */
	const char *const *keep_headers;
};

/* One finished exchange. Pointers valid during the callback only. */
struct tt_xrec {
	const struct tt_call *call;
	const char *host;          /* Host header, else the server name */
	/* Request headers kept (lower-case names): the decoders' own, the
	 * provider organization/project headers and info->keep_headers.
	 * Never a credential. */
	const struct tt_hdrs *req_hdrs;
	struct tt_keyfp key;       /* id/hint empty when no key was sent */
	uint64_t start_ns;         /* first byte of the request (caller's clock) */
	uint64_t end_ns;           /* last byte of the response, or when given up */
	int64_t ttfb_ns;           /* request start to first response body byte; -1 */
	uint64_t request_bytes;    /* body bytes as sent */
	uint64_t response_bytes;   /* body bytes as sent (before decoding) */
	const char *response_encoding; /* "identity", "gzip", ... */
	const char *problem;       /* why decoding fell short, or NULL:
				    * "gap", "decode_error", "truncated",
				    * "body_too_large", "unsupported_encoding",
				    * "no_response", "bomb", "framing_error",
				    * "undecodable" (HTTP/2 headers lost) */
	/* A dark connection (pipeline/dark.c): an AI connection nobody
	 * decoded; problem says why, no usage. Bytes each way on the wire. */
	int dark;
	uint64_t bytes_sent, bytes_received;
	const char *name_source;   /* dark: "client_hello", "address" */
};

typedef void (*tt_x_emit)(void *ctx, const struct tt_xrec *rec);

struct tt_xconn_stats {
	uint64_t exchanges, incomplete, orphan_responses, pending_overflow,
		unknown_api, interim_responses, body_too_large, decode_errors,
		bombs, framing_errors, gaps;
	/* HTTP/2: connections, and requests or responses whose headers
	 * could not be decoded (HPACK state lost to a gap or a mid-way join;
	 * no exchange is made up for them). */
	uint64_t h2_connections, h2_undecodable, h2_protocol_errors;
	/* WebSocket after a 101 (docs/websocket.md): sockets, those not to an
	 * API we decode, calls reported, text messages, messages lost (gap,
	 * cap, inflate), resyncs, frames that broke the protocol or a scan's
	 * guess, messages over the cap, inflate errors, server events no
	 * call took, and 101s whose extensions could not be trusted. */
	uint64_t ws_connections, ws_unknown_api, ws_calls, ws_messages,
		ws_lost_messages, ws_resyncs, ws_bad_frames, ws_too_big,
		ws_inflate_errors, ws_orphan_events, ws_bad_extensions;
};

struct tt_xconn;

struct tt_xconn *tt_xconn_new(const struct tt_xconn_info *info,
			      tt_x_emit emit, void *ctx);
/* dir: TT_DIR_EGRESS (what the process sent) or TT_DIR_INGRESS. */
void tt_xconn_data(struct tt_xconn *x, int dir, uint64_t ts_ns,
		   const uint8_t *p, size_t n);
void tt_xconn_gap(struct tt_xconn *x, int dir, uint64_t ts_ns, uint64_t len);
/* The connection ended: every exchange still open is emitted. */
void tt_xconn_close(struct tt_xconn *x, uint64_t ts_ns);
void tt_xconn_free(struct tt_xconn *x);
const struct tt_xconn_stats *tt_xconn_get_stats(const struct tt_xconn *x);
/* a += b, field by field (totals over connections). */
void tt_xconn_stats_add(struct tt_xconn_stats *a, const struct tt_xconn_stats *b);

#endif
