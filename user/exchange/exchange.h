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
#include "util/counters.h"

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
	/* The key of the request body hash (util/siphash.h, TT_SIPHASH_KEY
	 * bytes; retry/retry.h), or NULL: no hash. Must outlive the
	 * connection. */
	const uint8_t *body_key;
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
	/* The keyed hash of the whole JSON request body less the top-level
	 * "model" value (provider/reqscan.h), when info->body_key was given
	 * and the body was seen whole: no gap, a complete JSON object, not
	 * multipart, a content coding we decode. */
	int has_body_hash;
	uint64_t body_hash;
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
	int peer_family;           /* dark: AF_INET, AF_INET6, 0 unknown */
	uint8_t peer_addr[16];     /* network order */
	uint16_t peer_port;
};

typedef void (*tt_x_emit)(void *ctx, const struct tt_xrec *rec);

/* The counters of a connection (util/counters.h); the pipeline sums them
 * over finished connections. HTTP/2: requests or responses whose headers
 * could not be decoded (HPACK state lost to a gap or a mid-way join) make
 * no exchange. WebSocket after a 101 (docs/websocket.md): bad frames are
 * protocol violations and unconfirmed scan guesses; orphan events are
 * server events and errors no call took. */
#define TT_XCONN_COUNTERS(X)                                                   \
	X(exchanges, "request/response exchanges decoded")                     \
	X(incomplete, "exchanges without a whole response")                    \
	X(orphan_responses, "responses without a request seen")                \
	X(pending_overflow, "requests given up: too many awaiting a response") \
	X(unknown_api, "requests to an AI host no decoder knows")              \
	X(interim_responses, "1xx answers (100 Continue)")                     \
	X(body_too_large, "bodies over the whole-document cap")                \
	X(decode_errors, "bodies the content coding failed on")                \
	X(decompression_bombs, "bodies or messages over the decoded-size cap") \
	X(framing_errors, "streams whose framing broke")                       \
	X(gaps, "lost byte ranges, either direction")                          \
	X(h2_connections, "HTTP/2 connections")                                \
	X(h2_undecodable, "HTTP/2 headers lost with the HPACK state")          \
	X(h2_protocol_errors, "HTTP/2 framing or HPACK errors")                \
	X(ws_connections, "WebSocket connections")                             \
	X(ws_unknown_api, "WebSocket upgrades to paths no decoder knows")      \
	X(ws_calls, "calls made of WebSocket messages")                        \
	X(ws_messages, "WebSocket text messages")                              \
	X(ws_lost_messages, "WebSocket messages lost (gap, cap, inflate)")     \
	X(ws_resyncs, "WebSocket frame resyncs after a gap")                   \
	X(ws_bad_frames, "WebSocket frames that broke the protocol")           \
	X(ws_too_big, "WebSocket messages over their cap")                     \
	X(ws_inflate_errors, "WebSocket messages that failed to inflate")      \
	X(ws_orphan_events, "WebSocket server events no call took")            \
	X(ws_bad_extensions, "WebSocket upgrades with untrusted extensions")

struct tt_xconn_stats {
	TT_XCONN_COUNTERS(TT_COUNTER_FIELD)
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
/* a += b, every counter (totals over connections). */
void tt_xconn_stats_add(struct tt_xconn_stats *a, const struct tt_xconn_stats *b);

#endif
