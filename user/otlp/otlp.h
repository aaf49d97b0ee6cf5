/* SPDX-License-Identifier: MIT */
/*
 * OTLP/HTTP JSON payloads from allocation events (docs/otlp.md). Pure:
 * events (struct tt_event), a clock value and the resource in; log
 * records, batches and metric payloads out, with counters. No I/O, no
 * logging. The exporter (agent/otlp_export.c) does the sending and the
 * spool.
 *
 * One allocation event becomes one log record (attributes named after the
 * OpenTelemetry GenAI conventions where they exist, tokentap.* otherwise:
 * alloc/fields.c's table names them) and one metric observation for the
 * gen_ai.client.* histograms and the tokentap.* sums.
 */
#ifndef TT_OTLP_H
#define TT_OTLP_H

#include <stddef.h>
#include <stdint.h>
#include "alloc/event.h"
#include "alloc/event_read.h"

struct cJSON;

#define TT_OTLP_LINE_MAX (64u << 10)   /* a ledger line the core accepts */
#define TT_OTLP_RECORD_MAX (96u << 10) /* one log record's JSON */
#define TT_OTLP_STR_MAX 256            /* a metric attribute value, bytes */

/* Why a line gives no log record: the enum value TT_OTLP_REJ_<ID> and
 * the name of its counter, listed once. */
#define TT_OTLP_REJECTS(X)                                                     \
	X(NOT_JSON, not_json, "not one JSON object")                           \
	X(NOT_EVENT, not_event, "not an allocation event")                     \
	X(NO_ID, no_event_id, "event_id missing or not a string")              \
	X(BAD_TIME, bad_timestamp, "timestamp_utc missing or malformed")       \
	X(TOO_BIG, too_big, "line or record over its cap")

enum tt_otlp_reject {
	TT_OTLP_OK = 0,
#define TT_OTLP_REJ_ENUM(id, name, doc) TT_OTLP_REJ_##id,
	TT_OTLP_REJECTS(TT_OTLP_REJ_ENUM)
#undef TT_OTLP_REJ_ENUM
	TT_OTLP_REJ_MAX,
};

/* "not_json", "not_event", ...: the keys of the counters. */
const char *tt_otlp_reject_name(int reason);

/* The resource every payload carries: service.name "tokentap" and these. */
struct tt_otlp_resource {
	const char *host_name;       /* host.name; NULL or "": left out */
	const char *service_version; /* service.version; NULL or "": left out */
};

/* A ledger line read back (tests, the fuzz target, tools that start from
 * a ledger file; the agent hands its sinks the struct): rd.ev points into
 * root. Free with tt_otlp_event_free(). */
struct tt_otlp_event {
	struct cJSON *root;
	struct tt_event_read rd;
};

/* Parses one line (len bytes, no newline needed, need not be
 * NUL-terminated). Returns TT_OTLP_OK or a TT_OTLP_REJ_* reason (running
 * out of memory is TT_OTLP_REJ_TOO_BIG); on a rejection nothing needs
 * freeing. */
int tt_otlp_event_parse(const char *line, size_t len,
			struct tt_otlp_event *ev);
void tt_otlp_event_free(struct tt_otlp_event *ev);

/* error.type: the provider's error type; for a failed call without one,
 * the HTTP status (as the HTTP conventions do), else the outcome; "" for
 * a success. */
void tt_otlp_error_type(const struct tt_event *ev, char out[TT_OTLP_STR_MAX]);

/* The event's log record (one JSON object, NUL-terminated) in out.
 * observed_ns: when the exporter took it. Returns the length, or -E2BIG
 * when it does not fit cap. */
long tt_otlp_log_record(const struct tt_event *ev, uint64_t observed_ns,
			char *out, size_t cap);

/* The attributes of a metric series. */
enum tt_otlp_key {
	TT_OTLP_KEY_PROVIDER = 0, /* gen_ai.provider.name */
	TT_OTLP_KEY_OPERATION,    /* gen_ai.operation.name */
	TT_OTLP_KEY_REQ_MODEL,    /* gen_ai.request.model */
	TT_OTLP_KEY_RESP_MODEL,   /* gen_ai.response.model */
	TT_OTLP_KEY_SERVER,       /* server.address */
	TT_OTLP_KEY_ERROR,        /* error.type (duration series only) */
	TT_OTLP_KEYS,
};

/* What one event adds to the metrics. Keys are plain: cut to
 * TT_OTLP_STR_MAX - 1 bytes on a character boundary, every byte JSON
 * would escape (controls, quote, backslash, broken UTF-8) made '_', so a
 * data point's size has a bound; "" for none. */
struct tt_otlp_obs {
	char key[TT_OTLP_KEYS][TT_OTLP_STR_MAX];
	int64_t input_tokens, output_tokens; /* -1: not reported */
	double duration_s;                   /* < 0: unknown */
	int unallocated;                     /* allocation.status unallocated */
};

void tt_otlp_obs_of(const struct tt_event *ev, struct tt_otlp_obs *obs);

/* The exporter's queue entry for one event: its observation and its log
 * record, built on the agent's event loop (the event is valid there
 * only) and taken apart on the exporter thread. */
#define TT_OTLP_ENTRY_MAX (TT_OTLP_RECORD_MAX + TT_OTLP_KEYS * TT_OTLP_STR_MAX + 64)

/* Returns the entry's length, or -E2BIG when it does not fit cap. */
long tt_otlp_entry_pack(const struct tt_otlp_obs *obs, const char *rec,
			size_t rec_len, char *out, size_t cap);
/* Fills *obs; *rec points into buf. 0 or -EINVAL (not an entry). */
int tt_otlp_entry_unpack(const char *buf, size_t len, struct tt_otlp_obs *obs,
			 const char **rec, size_t *rec_len);

/* An ExportLogsServiceRequest being filled: one resource, one scope, up
 * to max_records records and max_bytes of JSON. */
struct tt_otlp_batch {
	char *buf;
	size_t max_bytes, len, head_len;
	unsigned max_records, records;
};

/* 0, -EINVAL (max_bytes under 4 KiB or no records allowed) or -ENOMEM. */
int tt_otlp_batch_init(struct tt_otlp_batch *b, size_t max_bytes,
		       unsigned max_records);
void tt_otlp_batch_free(struct tt_otlp_batch *b);
/* Empties the batch and writes its resource and scope. */
void tt_otlp_batch_begin(struct tt_otlp_batch *b,
			 const struct tt_otlp_resource *res);
/* Appends one record. 0; -ENOSPC: the batch is full (finish it, begin
 * another and add again); -E2BIG: the record never fits an empty batch. */
int tt_otlp_batch_add(struct tt_otlp_batch *b, const char *rec, size_t n);
/* Closes the JSON; returns its length (b->buf, NUL-terminated). The
 * batch must be begun again before the next add. */
size_t tt_otlp_batch_finish(struct tt_otlp_batch *b);

/* Counters exported as tokentap.* sums next to the GenAI histograms. */
enum tt_otlp_counter {
	TT_OTLP_C_EVENTS = 0,      /* tokentap.events */
	TT_OTLP_C_UNALLOCATED,     /* tokentap.events.unallocated */
	TT_OTLP_C_CAPTURE_LOST,    /* tokentap.capture.lost (ring buffer) */
	TT_OTLP_C_EXPORT_DROPPED,  /* tokentap.otlp.dropped */
	TT_OTLP_C_MAX,
};

/* Cumulative metric state since start_ns. Series over max_series per
 * histogram share one overflow series (otel.metric.overflow=true). */
struct tt_otlp_metrics;

struct tt_otlp_metrics_stats {
	uint64_t recorded, series_overflow, payload_too_big;
};

/* NULL on allocation failure. max_series is capped at 1024. */
struct tt_otlp_metrics *tt_otlp_metrics_new(unsigned max_series,
					    uint64_t start_ns);
void tt_otlp_metrics_free(struct tt_otlp_metrics *m);
/* Counts the event (tokentap.events, .unallocated) and records its tokens
 * and duration in the histograms. */
void tt_otlp_metrics_record(struct tt_otlp_metrics *m,
			    const struct tt_otlp_obs *obs);
/* Sets a counter the agent keeps itself (capture.lost, otlp.dropped). */
void tt_otlp_metrics_set(struct tt_otlp_metrics *m, enum tt_otlp_counter c,
			 uint64_t value);
/* The ExportMetricsServiceRequest at now_ns into out (NUL-terminated).
 * Returns the length, or -E2BIG (counted). */
long tt_otlp_metrics_payload(struct tt_otlp_metrics *m,
			     const struct tt_otlp_resource *res,
			     uint64_t now_ns, char *out, size_t cap);
const struct tt_otlp_metrics_stats *
tt_otlp_metrics_stats(const struct tt_otlp_metrics *m);
/* The worst case payload for max_series: a buffer this large never sees
 * -E2BIG. */
size_t tt_otlp_metrics_payload_max(unsigned max_series);

#endif
