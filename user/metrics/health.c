// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "metrics/health.h"

enum {
	F_START, F_TARGETS, F_ATTACH, F_RB_LOST_EVENTS, F_RB_LOST_BYTES,
	F_CAPTURED_CALLS, F_CAPTURED_BYTES, F_CAPTURE_DROPPED_BYTES,
	F_STREAM_GAP_BYTES, F_FILTERED_CALLS, F_TABLE_FULL, F_CONNS,
	F_KERNEL_FILTERED, F_LIVE, F_EVENTS, F_EVENTS_DROPPED, F_VERDICT_ERRORS,
	F_DECODED_CONNS, F_EXCHANGES, F_DECODE_PROBLEMS, F_LEDGER,
	F_EVENTS_NOT_WRITTEN, F_UNPRICED, F_PRICING_FALLBACK,
	F_INCONSISTENT_USAGE, F_DECLARED_TRUNC, F_FACTS_ERRORS, F_CGROUP_ERRORS,
	F_RELOADS, F_SCRAPES, F_METRICS_ERRORS, F_N,
};

_Static_assert(F_N <= TT_HEALTH_FAMILIES, "TT_HEALTH_FAMILIES too small");

static const char *const l_result[] = { "result", NULL };
static const char *const l_reason[] = { "reason", NULL };
static const char *const l_verdict[] = { "verdict", NULL };
static const char *const l_table[] = { "table", NULL };

static const struct {
	const char *name, *help;
	int type;
	const char *const *labels;
} fams[F_N] = {
#define C TT_METRIC_COUNTER
#define G TT_METRIC_GAUGE
	[F_START] = { "tokentap_start_time_seconds",
		"Unix time the agent started.", G, NULL },
	[F_TARGETS] = { "tokentap_attached_targets",
		"TLS libraries and binaries with probes attached.", G, NULL },
	[F_ATTACH] = { "tokentap_probe_attachments_total",
		"Probe attachments tried, by result.", C, l_result },
	[F_RB_LOST_EVENTS] = { "tokentap_ringbuf_lost_events_total",
		"Capture events dropped in the kernel: ring buffer full.", C, NULL },
	[F_RB_LOST_BYTES] = { "tokentap_ringbuf_lost_bytes_total",
		"Payload bytes in the events the ring buffer dropped.", C, NULL },
	[F_CAPTURED_CALLS] = { "tokentap_captured_calls_total",
		"TLS read and write calls captured on AI connections.", C, NULL },
	[F_CAPTURED_BYTES] = { "tokentap_captured_bytes_total",
		"Plaintext bytes captured.", C, NULL },
	[F_CAPTURE_DROPPED_BYTES] = { "tokentap_capture_dropped_bytes_total",
		"Bytes the kernel could not copy, by reason.", C, l_reason },
	[F_STREAM_GAP_BYTES] = { "tokentap_stream_gap_bytes_total",
		"Bytes missing from reassembled streams (any cause).", C, NULL },
	[F_FILTERED_CALLS] = { "tokentap_filtered_calls_total",
		"TLS calls on non-AI connections, skipped in the kernel.", C, NULL },
	[F_TABLE_FULL] = { "tokentap_table_full_total",
		"Connections or calls not tracked: a table at its cap.", C, l_table },
	[F_CONNS] = { "tokentap_connections_total",
		"TLS connections classified in user space, by verdict.", C, l_verdict },
	[F_KERNEL_FILTERED] = { "tokentap_kernel_filtered_connections_total",
		"Connections filtered in the kernel before any copy, by reason.",
		C, l_reason },
	[F_LIVE] = { "tokentap_live_connections",
		"Connections the agent tracks now.", G, NULL },
	[F_EVENTS] = { "tokentap_capture_events_total",
		"Events read from the ring buffers.", C, NULL },
	[F_EVENTS_DROPPED] = { "tokentap_capture_events_dropped_total",
		"Events read but not used, by reason.", C, l_reason },
	[F_VERDICT_ERRORS] = { "tokentap_verdict_errors_total",
		"Filter verdicts that could not be written to the kernel.", C, NULL },
	[F_DECODED_CONNS] = { "tokentap_decoded_connections_total",
		"AI connections decoded.", C, NULL },
	[F_EXCHANGES] = { "tokentap_exchanges_total",
		"Request/response exchanges of finished connections.", C, NULL },
	[F_DECODE_PROBLEMS] = { "tokentap_decode_problems_total",
		"Exchanges or connections decoding fell short on, by reason.",
		C, l_reason },
	[F_LEDGER] = { "tokentap_ledger_events_total",
		"Allocation events written to the ledger.", C, NULL },
	[F_EVENTS_NOT_WRITTEN] = { "tokentap_events_dropped_total",
		"Allocation events not written, by reason.", C, l_reason },
	[F_UNPRICED] = { "tokentap_unpriced_requests_total",
		"Calls left without a cost estimate, by reason.", C, l_reason },
	[F_PRICING_FALLBACK] = { "tokentap_pricing_fallbacks_total",
		"Calls priced with another provider's entry.", C, NULL },
	[F_INCONSISTENT_USAGE] = { "tokentap_inconsistent_usage_total",
		"Calls whose cache or reasoning counts exceed their totals.", C, NULL },
	[F_DECLARED_TRUNC] = { "tokentap_declared_values_truncated_total",
		"Allocation header values cut to their cap.", C, NULL },
	[F_FACTS_ERRORS] = { "tokentap_process_facts_errors_total",
		"Process facts that could not be read, by reason.", C, l_reason },
	[F_CGROUP_ERRORS] = { "tokentap_cgroup_lookup_errors_total",
		"cgroup id to path lookups that failed, by reason.", C, l_reason },
	[F_RELOADS] = { "tokentap_config_reloads_total",
		"Configuration reloads (SIGHUP), by result.", C, l_result },
	[F_SCRAPES] = { "tokentap_metrics_scrapes_total",
		"Scrapes of this endpoint; stale: served the previous snapshot "
		"because the agent loop was busy.", C, l_result },
	[F_METRICS_ERRORS] = { "tokentap_metrics_errors_total",
		"Metric updates or renderings that failed, by reason.", C, l_reason },
#undef C
#undef G
};

#define H(field) offsetof(struct tt_health, field)

/* Every series: its family, label value (NULL: none) and field. */
static const struct {
	int fam;
	const char *label;
	size_t off;
} series[] = {
	{ F_START, NULL, H(start_time_s) },
	{ F_TARGETS, NULL, H(targets) },
	{ F_ATTACH, "ok", H(attached) },
	{ F_ATTACH, "failed", H(attach_failed) },
	{ F_RB_LOST_EVENTS, NULL, H(bpf[TT_C_RB_LOST_EVENTS]) },
	{ F_RB_LOST_BYTES, NULL, H(bpf[TT_C_RB_LOST_BYTES]) },
	{ F_CAPTURED_CALLS, NULL, H(bpf[TT_C_CAPTURED_CALLS]) },
	{ F_CAPTURED_BYTES, NULL, H(bpf[TT_C_CAPTURED_BYTES]) },
	{ F_CAPTURE_DROPPED_BYTES, "truncated", H(bpf[TT_C_TRUNC_BYTES]) },
	{ F_CAPTURE_DROPPED_BYTES, "read_fault", H(bpf[TT_C_FAULT_BYTES]) },
	{ F_STREAM_GAP_BYTES, NULL, H(conns.gap_bytes) },
	{ F_FILTERED_CALLS, NULL, H(bpf[TT_C_FILTERED_CALLS]) },
	{ F_TABLE_FULL, "kernel_connections", H(bpf[TT_C_CONN_MAP_FULL]) },
	{ F_TABLE_FULL, "kernel_calls", H(bpf[TT_C_STASH_FULL]) },
	{ F_TABLE_FULL, "connections", H(conns.table_full) },
	{ F_TABLE_FULL, "probe_targets", H(targets_table_full) },
	{ F_TABLE_FULL, "process_facts", H(facts_table_full) },
	{ F_CONNS, "captured", H(conns_captured) },
	{ F_CONNS, "filtered", H(conns_filtered) },
	{ F_CONNS, "unclassified", H(conns_unclassified) },
	{ F_KERNEL_FILTERED, "server_name", H(bpf[TT_C_SNI_FILTERED]) },
	{ F_KERNEL_FILTERED, "server_role", H(bpf[TT_C_SERVER_CONNS]) },
	{ F_LIVE, NULL, H(conns.live) },
	{ F_EVENTS, NULL, H(events) },
	{ F_EVENTS_DROPPED, "malformed", H(bad_events) },
	{ F_EVENTS_DROPPED, "untracked", H(untracked_events) },
	{ F_EVENTS_DROPPED, "after_filter", H(after_filter_events) },
	{ F_VERDICT_ERRORS, NULL, H(verdict_errors) },
	{ F_DECODED_CONNS, NULL, H(decoders) },
	{ F_EXCHANGES, NULL, H(x.exchanges) },
	{ F_DECODE_PROBLEMS, "incomplete", H(x.incomplete) },
	{ F_DECODE_PROBLEMS, "orphan_response", H(x.orphan_responses) },
	{ F_DECODE_PROBLEMS, "pending_overflow", H(x.pending_overflow) },
	{ F_DECODE_PROBLEMS, "unknown_api", H(x.unknown_api) },
	{ F_DECODE_PROBLEMS, "body_too_large", H(x.body_too_large) },
	{ F_DECODE_PROBLEMS, "decode_error", H(x.decode_errors) },
	{ F_DECODE_PROBLEMS, "decompression_bomb", H(x.bombs) },
	{ F_DECODE_PROBLEMS, "framing_error", H(x.framing_errors) },
	{ F_DECODE_PROBLEMS, "gap", H(x.gaps) },
	{ F_DECODE_PROBLEMS, "h2_undecodable", H(x.h2_undecodable) },
	{ F_DECODE_PROBLEMS, "h2_protocol_error", H(x.h2_protocol_errors) },
	{ F_DECODE_PROBLEMS, "h2_joined_midway", H(h2_midway) },
	{ F_DECODE_PROBLEMS, "decoder_alloc_failure", H(decoder_alloc_failures) },
	{ F_LEDGER, NULL, H(ledger_events) },
	{ F_EVENTS_NOT_WRITTEN, "too_big", H(alloc.too_big) },
	{ F_UNPRICED, "unknown_model", H(alloc.pricing.unknown_model) },
	{ F_UNPRICED, "no_usage", H(alloc.pricing.no_usage) },
	{ F_UNPRICED, "missing_rate", H(alloc.pricing.missing_rate) },
	{ F_UNPRICED, "no_price_table", H(alloc.no_price_table) },
	{ F_PRICING_FALLBACK, NULL, H(alloc.pricing.fallback) },
	{ F_INCONSISTENT_USAGE, NULL, H(alloc.pricing.inconsistent) },
	{ F_DECLARED_TRUNC, NULL, H(alloc.declared_truncated) },
	{ F_FACTS_ERRORS, "exe", H(exe_errors) },
	{ F_FACTS_ERRORS, "environ", H(environ_errors) },
	{ F_FACTS_ERRORS, "environ_truncated", H(environ_truncated) },
	{ F_FACTS_ERRORS, "cgroup_unknown", H(cgroup_unknown) },
	{ F_FACTS_ERRORS, "docker", H(docker_errors) },
	{ F_CGROUP_ERRORS, "not_found", H(cg_not_found) },
	{ F_CGROUP_ERRORS, "cache_full", H(cg_cache_full) },
	{ F_CGROUP_ERRORS, "walk_capped", H(cg_walk_capped) },
	{ F_CGROUP_ERRORS, "walk_error", H(cg_walk_errors) },
	{ F_CGROUP_ERRORS, "path_too_long", H(cg_path_too_long) },
	{ F_RELOADS, "ok", H(reloads_ok) },
	{ F_RELOADS, "error", H(reloads_failed) },
	{ F_SCRAPES, "fresh", H(scrapes) },
	{ F_SCRAPES, "stale", H(scrapes_stale) },
	{ F_METRICS_ERRORS, "render_too_big", H(render_errors) },
};

int tt_health_metrics_init(struct tt_health_metrics *hm, struct tt_metrics *m)
{
	static const struct tt_health zero;

	memset(hm, 0, sizeof(*hm));
	hm->m = m;
	for (int i = 0; i < F_N; i++) {
		hm->fam[i] = tt_metrics_family(m, fams[i].type, fams[i].name,
					       fams[i].help, fams[i].labels,
					       NULL, 0);
		if (!hm->fam[i])
			return -EINVAL;
	}
	/* Every label set exists from the start: a reason reads 0, not
	 * absent, until it happens. */
	tt_health_metrics_set(hm, &zero);
	return 0;
}

void tt_health_metrics_set(struct tt_health_metrics *hm,
			   const struct tt_health *h)
{
	struct tt_metrics_stats ms;
	const char *v[1];

	for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
		uint64_t n;

		memcpy(&n, (const char *)h + series[i].off, sizeof(n));
		v[0] = series[i].label;
		tt_mfam_set(hm->fam[series[i].fam], series[i].label ? v : NULL,
			    (double)n);
	}
	tt_metrics_get_stats(hm->m, &ms);
	v[0] = "out_of_memory";
	tt_mfam_set(hm->fam[F_METRICS_ERRORS], v, (double)ms.alloc_failures);
	v[0] = "invalid_update";
	tt_mfam_set(hm->fam[F_METRICS_ERRORS], v, (double)ms.bad_updates);
}
