/* SPDX-License-Identifier: MIT */
/*
 * Inside the exchange pipeline: the per-exchange and per-connection state
 * shared by the HTTP/1 path (exchange.c), the response body
 * (exchange_body.c), the HTTP/2 path (exchange_h2.c) and WebSocket
 * (exchange_ws.c). Not an interface: only those files include it.
 */
#ifndef TT_EXCHANGE_IMPL_H
#define TT_EXCHANGE_IMPL_H

#include "body/decode.h"
#include "exchange/exchange.h"
#include "framing/eventstream.h"
#include "framing/jsonarray.h"
#include "framing/ndjson.h"
#include "framing/sse.h"
#include "http/h1.h"
#include "http/h2.h"
#include "provider/reqscan.h"

#define TT_X_SERVER_NAME_MAX 255

enum x_proto { X_UNDECIDED = 0, X_H1, X_H2, X_WS };

struct exchange {
	/* request */
	char method[16];
	char host[256];            /* Host header, "" when none */
	char target[1024];
	size_t target_len;
	struct tt_hdrs hdrs;       /* points into hbuf */
	char hbuf[TT_X_KEPT_HDRS];
	size_t hbuf_len;
	struct tt_keyfp key;
	struct tt_reqscan scan;
	struct tt_siphash body_hash; /* scan.hash points here, or NULL */
	int req_enc;
	struct tt_body_dec *req_dec;
	int multipart;
	char boundary[128];
	uint8_t *mp;               /* multipart window */
	size_t mp_len;
	char mp_model[128];        /* the "model" field, once found */
	int req_done;
	uint64_t start_ns, req_bytes;
	/* response */
	int has_response;
	struct tt_pdec *pdec;
	int framing;
	int enc;
	struct tt_body_dec *dec;
	struct tt_sse *sse;
	struct tt_ndjson *nd;
	struct tt_jsonarray *ja;
	struct tt_eventstream *es;
	char *whole;               /* TT_FRAME_WHOLE body */
	size_t whole_len, whole_cap;
	size_t whole_gap_at;       /* bytes of whole before the last gap */
	int gapped;                /* the body lost bytes (recoverably so far) */
	uint64_t resp_bytes, first_body_ns;
	const char *problem;
	int broken;                /* stop decoding this body */
	uint32_t stream_id;        /* HTTP/2 stream, 0 for HTTP/1 */
};

struct tt_xconn {
	struct tt_xconn_info info;
	char *server_name;         /* owned; "" when none */
	char hint[32];
	tt_x_emit emit;
	void *ctx;
	struct tt_h1 *req_parser, *resp_parser;
	int proto;                 /* enum x_proto: decided by the first bytes */
	uint64_t early_gap[2];     /* gaps before the protocol was known */
	uint8_t held;              /* a first egress byte "P", not yet fed */
	struct tt_h2 *h2[2];       /* HTTP/2: one parser per direction */
	struct x_ws *ws;           /* after a 101 to WebSocket (exchange_ws.c) */
	/* Requests awaiting their response: a FIFO ring (q[head] oldest) of
	 * qcap slots, a power of two grown on demand up to TT_X_PENDING_MAX,
	 * so that an idle keep-alive connection keeps 4 slots, not 128. */
	struct exchange **q;
	size_t qcap, head, n;
	struct exchange *cur_req;  /* request whose body is arriving */
	struct exchange *cur_resp; /* exchange whose response is arriving */
	uint64_t now_ns;
	/* The last credential header and its fingerprint: a connection
	 * usually carries one key, and SHA-256 per request is not free. */
	uint64_t last_key_fnv;     /* FNV-1a of the header value, never the value */
	size_t last_key_len;
	struct tt_keyfp last_key;
	struct tt_xconn_stats st;
};

/* The i-th oldest pending exchange (i < x->n). */
static inline struct exchange *x_q_at(const struct tt_xconn *x, size_t i)
{
	return x->q[(x->head + i) & (x->qcap - 1)];
}

/* The steps both paths share. cur_req / cur_resp select the exchange.
 * They do not count gaps: each transport counts its own once. */
int x_req_head(struct tt_xconn *x, const struct tt_h1_head *head);
void x_req_body(struct tt_xconn *x, const uint8_t *p, size_t n);
void x_req_gap(struct tt_xconn *x, uint64_t n);
void x_req_end(struct tt_xconn *x);
/* A final response head (status >= 200) for e. */
void x_resp_begin(struct tt_xconn *x, struct exchange *e, int status,
		  const struct tt_hdrs *hdrs);
void x_resp_body(struct tt_xconn *x, const uint8_t *p, size_t n);
void x_resp_gap(struct tt_xconn *x, uint64_t n);
/* Emits e's record and frees it. */
void x_finish(struct tt_xconn *x, struct exchange *e, int complete);

/* The response body (exchange_body.c). x_begin_decoder: e's provider
 * decoder, started from its request (also for a request never answered).
 * x_set_problem: the first problem sticks and the body is given up.
 * x_settle_body: framing and decoding ended; 1 when the body was whole. */
void x_begin_decoder(struct tt_xconn *x, struct exchange *e);
void x_set_problem(struct exchange *e, const char *problem);
int x_settle_body(struct tt_xconn *x, struct exchange *e, int complete);

/* HTTP/2 (exchange_h2.c). */
int x_h2_start(struct tt_xconn *x);
void x_h2_data(struct tt_xconn *x, int dir, const uint8_t *p, size_t n);
void x_h2_gap(struct tt_xconn *x, int dir, uint64_t len);
void x_h2_free(struct tt_xconn *x);

/* WebSocket after HTTP/1 (exchange_ws.c). x_ws_start: the 101 response
 * to e, with its headers; 0 (the connection is X_WS now: e is the caller's
 * to drop, without a record), -EINVAL (not Upgrade: websocket), -ENOMEM. */
int x_ws_start(struct tt_xconn *x, struct exchange *e,
	       const struct tt_hdrs *resp);
void x_ws_data(struct tt_xconn *x, int dir, const uint8_t *p, size_t n);
/* The ingress buffer that held the 101: the frames after it. */
void x_ws_rest(struct tt_xconn *x, const uint8_t *p, size_t n);
void x_ws_gap(struct tt_xconn *x, int dir, uint64_t len);
void x_ws_close(struct tt_xconn *x);
void x_ws_free(struct tt_xconn *x);

#endif
