/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus endpoint (docs/metrics.md): GET /metrics served by
 * libmicrohttpd's own thread. The registry (metrics/) belongs to the
 * agent loop; the HTTP thread never reads it. A scrape asks the loop for
 * a snapshot and waits (up to TT_PROM_WAIT_MS) while the loop renders the
 * text and hands it over under a mutex; if the loop is busy longer, the
 * previous snapshot is served and counted as stale.
 */
#ifndef TT_PROM_H
#define TT_PROM_H

#include <stdint.h>
#include "metrics/callmetrics.h"
#include "metrics/health.h"
#include "agent/attach.h"
#include "pipeline/pipeline.h"
#include "agent/cgroups.h"
#include "agent/procinfo.h"

#define TT_PROM_WAIT_MS 1000
#define TT_PROM_TEXT_MAX (64u << 20) /* the most one snapshot may take */

struct tt_prom;

/* addr: "ADDR:PORT", "[ADDR6]:PORT" or "off" (*out = NULL, 0). Binds
 * before returning: 0, -EINVAL (bad address) or the bind's -errno
 * (logged, naming the address). NULL: TT_METRICS_LISTEN_DEFAULT, and a
 * port already taken is only a warning (*out = NULL, 0): an address
 * nobody asked for never stops the agent. */
int tt_prom_open(const char *addr, struct tt_prom **out);
void tt_prom_close(struct tt_prom *p);

/* The per-call families as a pipeline sink (p not NULL). */
struct tt_sink tt_prom_sink(struct tt_prom *p);

/* 1 when a scrape waits for a snapshot: one atomic load, for every loop
 * iteration. */
int tt_prom_wanted(const struct tt_prom *p);

/* Copies the counters of the agent's modules into h. */
void tt_prom_fill(struct tt_health *h, const struct tt_pipeline_stats *ps,
		  const struct tt_alloc_stats *alloc, const struct tt_attach *am, const struct tt_procs *procs,
		  const struct tt_cgroups *cg);

/* Loop side: mirrors h (start time and scrape counts are added here),
 * renders and hands the text to the HTTP thread. */
void tt_prom_publish(struct tt_prom *p, struct tt_health *h);

#endif
