/* SPDX-License-Identifier: MIT */
/*
 * AI API calls carried inside one WebSocket: OpenAI's Responses API over
 * WebSocket (GET .../responses upgraded; the client sends
 * response.create messages, the server answers each with the Responses
 * stream events, response.created ... response.completed) and the
 * Realtime API (.../realtime?model=...; each response, whether the client
 * asked for it with response.create or server VAD started it, ends with
 * response.done and its usage). Fed the socket's complete text messages
 * of both directions in order; reports one tt_call per response. Pure:
 * messages and timestamps in, calls and counters out; only ids, names and
 * numbers are kept (never a prompt, a transcript or audio).
 *
 * Pairing: a response is known by its id from response.created on; the
 * client message that asked for it is the oldest one not yet answered.
 * A response whose request was not seen (a lost message) is still
 * reported, with what the server said. Up to TT_WSCALL_OPEN calls are
 * open at once; the oldest is given up past that.
 */
#ifndef TT_WSCALL_H
#define TT_WSCALL_H

#include <stddef.h>
#include <stdint.h>
#include "provider/call.h"

#define TT_WSCALL_OPEN 16

enum tt_wsapi { TT_WSAPI_NONE = 0, TT_WSAPI_RESPONSES, TT_WSAPI_REALTIME };

/* Which API an upgraded request is for (req as for tt_pdec_begin; body
 * may be empty fields): enum tt_wsapi. */
int tt_wscall_api(const struct tt_req_info *req);

/* One finished call. Pointers valid during the callback only. */
struct tt_wscall_done {
	const struct tt_call *call;
	uint64_t start_ns;       /* the request message, else the first answer */
	uint64_t first_ns;       /* the first server message for it; 0 none */
	uint64_t end_ns;
	uint64_t request_bytes;  /* payload bytes of its request message as sent */
	uint64_t response_bytes; /* payload bytes of the server messages for it */
	const char *problem;     /* NULL, "gap", "no_response" */
};

typedef void (*tt_wscall_emit)(void *ctx, const struct tt_wscall_done *d);

struct tt_wscall_stats {
	uint64_t calls;           /* reported */
	uint64_t open_overflow;   /* given up: more than TT_WSCALL_OPEN open */
	uint64_t orphan_events;   /* server events no call could take */
	uint64_t session_errors;  /* error events tied to no request */
	uint64_t json_errors;     /* messages that needed parsing and did not parse */
	uint64_t lost_messages;   /* messages the frame layer could not deliver */
};

struct tt_wscall;

/* api: enum tt_wsapi (not NONE). handshake: the upgrade request, copied
 * (its kept headers give the client and SDK fields of every call).
 * request_id: the 101's request id header value, or "". NULL on
 * allocation failure. */
struct tt_wscall *tt_wscall_new(int api, const struct tt_req_info *handshake,
				const char *request_id, tt_wscall_emit emit,
				void *ctx);
void tt_wscall_free(struct tt_wscall *s);

/* A complete text message. wire: its payload bytes as sent. */
void tt_wscall_client(struct tt_wscall *s, uint64_t ts, const char *msg,
		      size_t len, uint64_t wire);
void tt_wscall_server(struct tt_wscall *s, uint64_t ts, const char *msg,
		      size_t len, uint64_t wire);
/* A message of that direction was lost (a gap, or over a cap). */
void tt_wscall_lost(struct tt_wscall *s, int from_server, uint64_t ts);
/* The socket ended: open calls are reported incomplete. */
void tt_wscall_close(struct tt_wscall *s, uint64_t ts);

const struct tt_wscall_stats *tt_wscall_get_stats(const struct tt_wscall *s);

#endif
