/* SPDX-License-Identifier: MIT */
/*
 * The agent's health metrics (docs/metrics.md): capture, probes,
 * decoding, allocation, process facts, configuration. No per-call
 * labels: each family has none or one label from a small static set
 * (reason, result, verdict, table). The agent copies its counters into a
 * struct tt_health; tt_health_metrics_set() mirrors them. Pure.
 */
#ifndef TT_HEALTH_H
#define TT_HEALTH_H

#include <stdint.h>
#include "tt_abi.h"
#include "alloc/event.h"
#include "pipeline/conntab.h"
#include "exchange/exchange.h"
#include "metrics/metrics.h"

/* Every field a running total (or a level for the gauges), 0 unknown. */
struct tt_health {
	uint64_t start_time_s;    /* Unix time the agent started */
	uint64_t bpf[TT_C_MAX];   /* the kernel's counters (tt_counter_names) */
	/* The capture loop. */
	uint64_t events, bad_events, untracked_events, after_filter_events;
	uint64_t conns_captured, conns_filtered, conns_unclassified;
	uint64_t h2_midway, verdict_errors;
	struct tt_conntab_stats conns;
	/* Probes. */
	uint64_t targets, attached, attach_failed, targets_table_full;
	/* Decoding (x: connections already finished). */
	uint64_t ledger_events, decoders, decoder_alloc_failures;
	struct tt_xconn_stats x;
	/* Allocation. */
	struct tt_alloc_stats alloc;
	/* Process facts and the cgroup tree. */
	uint64_t facts_table_full, exe_errors, environ_errors,
		environ_truncated, cgroup_unknown, docker_errors;
	uint64_t cg_not_found, cg_cache_full, cg_walk_capped, cg_walk_errors,
		cg_path_too_long;
	/* Configuration reloads (SIGHUP). */
	uint64_t reloads_ok, reloads_failed;
	/* The metrics endpoint itself. */
	uint64_t scrapes, scrapes_stale, render_errors;
};

#define TT_HEALTH_FAMILIES 32

struct tt_health_metrics {
	struct tt_mfam *fam[TT_HEALTH_FAMILIES];
	struct tt_metrics *m;
};

/* Creates the families in m. 0 or -EINVAL (registry full, a bug). */
int tt_health_metrics_init(struct tt_health_metrics *hm, struct tt_metrics *m);
/* Mirrors h, plus the registry's own update errors. */
void tt_health_metrics_set(struct tt_health_metrics *hm,
			   const struct tt_health *h);

#endif
