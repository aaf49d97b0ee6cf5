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
#include "pipeline/sink.h"
#include "util/counters.h"
#include "budget/budget.h"

#define TT_PROM_WAIT_MS 1000
#define TT_PROM_TEXT_MAX (64u << 20) /* the most one snapshot may take */

struct tt_prom;
struct tt_agent_counters;

/* The endpoint's own counters and its registry's (util/counters.h). */
#define TT_PROM_COUNTERS(X)                                                    \
	X(start_time_s, "a level: Unix time the agent started")                \
	X(scrapes, "scrapes answered with a fresh snapshot")                   \
	X(scrapes_stale, "scrapes answered with the previous snapshot")        \
	X(render_errors, "snapshots not rendered: too big or out of memory")   \
	X(alloc_failures, "metric updates lost: out of memory")                \
	X(bad_updates, "metric updates refused: negative step, NaN")

struct tt_prom_stats {
	TT_PROM_COUNTERS(TT_COUNTER_FIELD)
};

/* addr: "ADDR:PORT", "[ADDR6]:PORT" or "off" (*out = NULL, 0). Binds
 * before returning: 0, -EINVAL (bad address) or the bind's -errno
 * (logged, naming the address). NULL: TT_METRICS_LISTEN_DEFAULT, and a
 * port already taken is only a warning (*out = NULL, 0): an address
 * nobody asked for never stops the agent. */
int tt_prom_open(const char *addr, struct tt_prom **out);
void tt_prom_close(struct tt_prom *p);

/* The per-call families as a pipeline sink (p not NULL). */
struct tt_sink tt_prom_sink(struct tt_prom *p);

/* The budgets (their definitions and the spend recovered at start); the
 * sink adds each priced call to them, every snapshot rolls them to the
 * current UTC period. */
void tt_prom_set_budgets(struct tt_prom *p, const struct tt_budgets *b);
/* A reload: the limits of budgets defined alike (name, scope, value,
 * period) in next; returns how many budgets differ otherwise (added,
 * removed, redefined), which apply at the next start. */
int tt_prom_update_budget_limits(struct tt_prom *p,
				 const struct tt_budget_defs *next);
/* The price table's snapshot (Unix seconds, 0: none) and the configured
 * maximum age (seconds). */
void tt_prom_set_prices(struct tt_prom *p, double snapshot_s, double max_age_s);

/* 1 when a scrape waits for a snapshot: one atomic load, for every loop
 * iteration. */
int tt_prom_wanted(const struct tt_prom *p);

/* Loop side: the health metrics mirror c (its prom part is filled in
 * here), then the text is rendered and handed to the HTTP thread. */
void tt_prom_publish(struct tt_prom *p, struct tt_agent_counters *c);

#endif
