/* SPDX-License-Identifier: MIT */
/*
 * The agent's counters read from its modules at one moment, and what is
 * made of them (counters.h): the agent_stats line written at exit, and
 * the health metrics a scrape waits for. Event loop only.
 */
#ifndef TT_AGENT_STATS_H
#define TT_AGENT_STATS_H

#include "agent/counters.h"
#include "agent/capture.h"

/* Where the counters are read from; any member may be NULL (that part
 * is left out of agent_stats and reads 0 on /metrics). */
struct tt_stats_sources {
	struct tt_capture *cap;
	const struct tt_attach *am;
	const struct tt_pipeline *pipe;
	const struct tt_alloc_stats *alloc;
	const struct tt_procs *procs;
	const struct tt_cgroups *cgroups;
	const struct tt_output *out;
	const struct tt_otlp_export *otlp; /* read after tt_otlp_export_stop */
	const struct tt_loop_stats *loop;
};

void tt_stats_gather(const struct tt_stats_sources *src,
		     struct tt_agent_counters *c);
/* At exit: the agent_stats line into out, and a summary in the log. */
void tt_stats_emit(const struct tt_stats_sources *src, struct tt_output *out);
/* A scrape waits: the health metrics mirror the counters now. */
void tt_stats_publish(const struct tt_stats_sources *src, struct tt_prom *prom);

#endif
