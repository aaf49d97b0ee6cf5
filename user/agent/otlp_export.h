/* SPDX-License-Identifier: MIT */
/*
 * OTLP/HTTP export of the ledger's events (docs/otlp.md). The agent's
 * event loop hands each event to tt_otlp_export_event(), which builds its
 * log record and metric observation (otlp/otlp.h), copies them into a
 * bounded in-memory queue and returns: it never waits for the network. An
 * exporter thread of its own batches the records, POSTs them with
 * libcurl, backs off on retryable answers and keeps what it cannot
 * deliver in the on-disk spool (agent/otlp_spool.h).
 */
#ifndef TT_OTLP_EXPORT_H
#define TT_OTLP_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include "config/otlp_config.h"
#include "otlp/delivery.h"
#include "otlp/otlp.h"
#include "pipeline/sink.h"
#include "util/counters.h"

struct tt_otlp_export;

/* The exporter's counters (util/counters.h): agent_stats.otlp. */
#define TT_OTLP_EXPORT_COUNTERS(X)                                             \
	X(queued, "events handed to the exporter")                       \
	X(sent, "records acknowledged with 2xx")                               \
	X(sent_batches, "batches acknowledged with 2xx")                       \
	X(attempts, "POSTs made (logs and metrics)")                           \
	X(failed_attempts, "POSTs that failed and may be retried")             \
	X(retried, "spooled batches sent again after a failure")               \
	X(spooled, "records written to the spool")                             \
	X(spooled_batches, "batches written to the spool")                     \
	X(spool_loaded, "records found in the spool at start")                 \
	X(spool_records, "a level: records the spool holds")                   \
	X(spool_bytes, "a level: bytes the spool holds")                       \
	X(spool_files, "a level: files the spool holds")                       \
	X(spool_bad_files, "unreadable spool files removed at start")          \
	X(spool_other_version_files, "spool files of another format removed")  \
	X(dropped_total, "records dropped, every reason")                      \
	X(too_long_for_queue, "lines longer than the queue takes")             \
	X(metrics_sent, "metric exports delivered")                            \
	X(metrics_failed, "metric exports not delivered")                      \
	X(metric_series_overflow, "events recorded in an overflow series")     \
	X(queue_high_water_bytes, "a level: the most the queue held")

struct tt_otlp_export_stats {
	TT_OTLP_EXPORT_COUNTERS(TT_COUNTER_FIELD)
	uint64_t dropped[TT_OTLP_DROP_MAX]; /* records, by enum tt_otlp_drop */
	uint64_t rejected[TT_OTLP_REJ_MAX]; /* lines, by TT_OTLP_REJ_* (0 unused) */
};

/* Reads the capture's lost-event counter (for tokentap.capture.lost);
 * called from the exporter thread. 0 or a negative errno. */
typedef int (*tt_otlp_lost_fn)(void *ctx, uint64_t *lost);

/* Opens the spool and starts the thread. cfg->endpoint must be set.
 * Returns NULL with a message in err. */
struct tt_otlp_export *tt_otlp_export_start(const struct tt_otlp_config *cfg,
					    const char *host_name,
					    tt_otlp_lost_fn lost, void *ctx,
					    char *err, size_t errlen);
/* One event: its entry queued, or counted as dropped when the queue is
 * full. Event loop only (one thread); never blocks on I/O. */
void tt_otlp_export_event(struct tt_otlp_export *x, const struct tt_event *ev);
/* Flushes what is queued (sent if the endpoint answers at once, else
 * spooled), sends the final metrics and joins the thread. */
void tt_otlp_export_stop(struct tt_otlp_export *x);
/* The exporter as a pipeline sink (each event the ledger got). */
struct tt_sink tt_otlp_export_sink(struct tt_otlp_export *x);
/* Every counter; after stop (the thread's counters are its own until
 * then). */
void tt_otlp_export_get_stats(const struct tt_otlp_export *x,
			      struct tt_otlp_export_stats *out);
/* The base URL. */
const char *tt_otlp_export_endpoint(const struct tt_otlp_export *x);
void tt_otlp_export_free(struct tt_otlp_export *x);

#endif
