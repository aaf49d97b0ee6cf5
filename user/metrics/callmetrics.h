/* SPDX-License-Identifier: MIT */
/*
 * The per-call metric families (docs/metrics.md), updated once per
 * allocation event. Labels: provider, model (the served model, else the
 * requested one), owner, environment, outcome; tokens add "type", the
 * unpriced calls "reason" (the event's cost.reason); the declared headers
 * a call did not send are counted by owner, application and "field" (the
 * role: tenant, unit_id, traceparent, ...). Only
 * those strings: never a pid, pod, request id or key. A missing value
 * reads "unknown". Pure.
 */
#ifndef TT_CALLMETRICS_H
#define TT_CALLMETRICS_H

#include "alloc/event.h"
#include "metrics/metrics.h"

#define TT_CALLMETRICS_UNKNOWN "unknown"

struct tt_call_metrics {
	struct tt_mfam *requests, *tokens, *cost, *duration;
	struct tt_mfam *unallocated, *mismatches, *unpriced;
	struct tt_mfam *dark, *dark_bytes; /* dark connections (no call) */
	struct tt_mfam *declared_missing;  /* configured headers not sent */
};

/* Creates the families in m. 0 or -ENOMEM/-EINVAL (registry full). */
int tt_call_metrics_init(struct tt_call_metrics *cm, struct tt_metrics *m);

/* One allocation event. The cost (the amount the ledger shows) counts
 * only when the call was priced by a table in USD
 * (tokentap_cost_usd_total). */
void tt_call_metrics_observe(struct tt_call_metrics *cm,
			     const struct tt_event *ev);

#endif
