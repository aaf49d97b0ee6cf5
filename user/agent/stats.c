// SPDX-License-Identifier: MIT
/*
 * Reads every module's counters into one snapshot (stats.h); the table in
 * counters.c turns it into agent_stats and the health metrics.
 */
#include <cjson/cJSON.h>
#include <string.h>
#include "util/log.h"
#include "agent/stats.h"

void tt_stats_gather(const struct tt_stats_sources *src,
		     struct tt_agent_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (src->cap && src->cap->skel && !tt_capture_counters(src->cap, c->bpf))
		c->have |= TT_HAVE_BPF;
	if (src->pipe) {
		tt_pipeline_get_stats(src->pipe, &c->pipe);
		tt_pipeline_conn_stats(src->pipe, &c->conns);
	}
	if (src->am) {
		tt_attach_get_stats(src->am, &c->attach);
		tt_tlslib_get_stats(&c->tlslib);
		c->targets = tt_attach_count(src->am);
		c->have |= TT_HAVE_ATTACH;
	}
	if (src->alloc)
		c->alloc = *src->alloc;
	if (src->procs) {
		c->facts = *tt_procs_stats(src->procs);
		c->have |= TT_HAVE_FACTS;
	}
	if (src->cgroups) {
		c->cgroups = *tt_cgroups_stats(src->cgroups);
		c->have |= TT_HAVE_CGROUPS;
	}
	if (src->out)
		c->ledger = src->out->st;
	if (src->otlp) {
		tt_otlp_export_get_stats(src->otlp, &c->otlp);
		c->have |= TT_HAVE_OTLP;
	}
	if (src->loop)
		c->loop = *src->loop;
}

void tt_stats_emit(const struct tt_stats_sources *src, struct tt_output *out)
{
	struct tt_agent_counters c;
	cJSON *o, *otlp;

	tt_stats_gather(src, &c);
	o = tt_counters_json(&c);
	/* The one value that is not a counter. */
	otlp = o ? cJSON_GetObjectItemCaseSensitive(o, "otlp") : NULL;
	if (!o || (otlp && !cJSON_AddStringToObject(otlp, "endpoint",
			tt_otlp_export_endpoint(src->otlp))))
		tt_err("agent_stats: out of memory");
	else
		tt_output_write(out, o);
	if (c.bpf[TT_C_RB_LOST_EVENTS])
		tt_warn("ring buffer full: %llu events lost (raise capture.ringbuf_bytes)",
			(unsigned long long)c.bpf[TT_C_RB_LOST_EVENTS]);
	tt_info("stopped: %llu connections captured, %llu filtered, %llu events",
		(unsigned long long)c.pipe.conns_captured,
		(unsigned long long)c.pipe.conns_filtered,
		(unsigned long long)c.pipe.calls);
	cJSON_Delete(o);
}

void tt_stats_publish(const struct tt_stats_sources *src, struct tt_prom *prom)
{
	struct tt_agent_counters c;

	tt_stats_gather(src, &c);
	tt_prom_publish(prom, &c);
}
