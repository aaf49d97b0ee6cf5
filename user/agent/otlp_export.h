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
#include <cjson/cJSON.h>
#include "config/otlp_config.h"
#include "pipeline/sink.h"

struct tt_otlp_export;

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
/* The "otlp" object of agent_stats; after stop. */
void tt_otlp_export_stats_json(const struct tt_otlp_export *x, cJSON *o);
void tt_otlp_export_free(struct tt_otlp_export *x);

#endif
