/* SPDX-License-Identifier: MIT */
/*
 * The live agent's side of decoding: one exchange pipeline (decode/
 * exchange.c) per captured connection, fed in stream order with the
 * capture's gaps, writing one allocation event per exchange.
 */
#ifndef TT_CALLS_H
#define TT_CALLS_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "pipeline/conntab.h"
#include "exchange/exchange.h"
#include "agent/output.h"
#include "agent/procinfo.h"
#include "metrics/callmetrics.h"

struct tt_otlp_export;

struct tt_calls {
	struct tt_output *out;
	struct tt_alloc *alloc;      /* owner rules, prices: shared */
	struct tt_procs *procs;      /* process facts, or NULL */
	const char *const *keep_headers; /* allocation headers to keep */
	uint64_t id_fallbacks;
	int64_t mono_to_real_ns;
	uint64_t records, record_errors, decoders, decoder_alloc_failures;
	struct tt_xconn_stats st; /* of finished connections */
	struct tt_call_metrics *metrics; /* per-call families, or NULL */
	struct tt_otlp_export *otlp; /* each event line also goes here, or NULL */
};

/* A connection was classified as AI traffic: start decoding it. The bytes
 * seen while it was pending (conn->peek, egress from offset 0) are fed
 * first; anything else already accounted becomes a gap. */
void tt_calls_start(struct tt_calls *cs, struct tt_conn *conn, uint64_t ts);

/* One data event of a decoded connection. next_off: the direction's
 * next offset before this event was accounted. */
void tt_calls_data(struct tt_calls *cs, struct tt_conn *conn, int dir,
		   uint64_t ts, uint64_t next_off, uint64_t off, uint64_t len,
		   const uint8_t *data, uint64_t cap_len);

/* The connection ended (close, exit, agent stop): flush and free. */
void tt_calls_end(struct tt_calls *cs, struct tt_conn *conn, uint64_t ts);

void tt_calls_stats_json(const struct tt_calls *cs, cJSON *o);

#endif
