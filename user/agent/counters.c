// SPDX-License-Identifier: MIT
/*
 * The agent's counter table (counters.h). To add a counter: add it to its
 * module's list (the struct field follows), then give it a row below;
 * tests/unit/counters_test.c fails until every listed counter has one,
 * and `make docs` rewrites docs/metrics.md from the table.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>
#include "agent/counters.h"

/*
 * The health families, in the order /metrics shows them: id, name, type,
 * label name (NULL: none) and help text, which docs/metrics.md shows as
 * the family's meaning.
 */
#define C TT_METRIC_COUNTER
#define G TT_METRIC_GAUGE
#define HEALTH_FAMILIES(X)                                                     \
	X(START, "tokentap_start_time_seconds", G, NULL,                       \
	  "Unix time the agent started.")                                      \
	X(TARGETS, "tokentap_attached_targets", G, NULL,                       \
	  "TLS libraries and binaries with probes attached.")                  \
	X(ATTACH, "tokentap_probe_attachments_total", C, "result",             \
	  "Probe attachments tried, by result.")                               \
	X(RB_LOST_EVENTS, "tokentap_ringbuf_lost_events_total", C, NULL,       \
	  "Capture events the kernel dropped: ring buffer full "               \
	  "(raise capture.ringbuf_bytes).")                                    \
	X(RB_LOST_BYTES, "tokentap_ringbuf_lost_bytes_total", C, NULL,         \
	  "Payload bytes in the events the ring buffer dropped.")              \
	X(CAPTURED_CALLS, "tokentap_captured_calls_total", C, NULL,            \
	  "TLS read and write calls captured on AI connections.")              \
	X(CAPTURED_BYTES, "tokentap_captured_bytes_total", C, NULL,            \
	  "Plaintext bytes captured.")                                         \
	X(CAPTURE_DROPPED_BYTES, "tokentap_capture_dropped_bytes_total", C,    \
	  "reason", "Bytes the kernel could not copy, by reason: past the "    \
	  "per-call chunk cap, or user memory not readable.")                  \
	X(STREAM_GAP_BYTES, "tokentap_stream_gap_bytes_total", C, NULL,        \
	  "Bytes missing from reassembled streams, whatever the cause.")       \
	X(FILTERED_CALLS, "tokentap_filtered_calls_total", C, NULL,            \
	  "TLS calls on non-AI connections, skipped in the kernel.")           \
	X(TABLE_FULL, "tokentap_table_full_total", C, "table",                 \
	  "Connections, calls, targets or processes not tracked: a table "     \
	  "was at its cap.")                                                   \
	X(CONNS, "tokentap_connections_total", C, "verdict",                   \
	  "TLS connections classified in user space, by verdict.")             \
	X(KERNEL_FILTERED, "tokentap_kernel_filtered_connections_total", C,    \
	  "reason", "Connections filtered in the kernel before any byte was "  \
	  "copied, by reason.")                                                \
	X(LIVE, "tokentap_live_connections", G, NULL,                          \
	  "Connections the agent tracks now.")                                 \
	X(EVENTS, "tokentap_capture_events_total", C, NULL,                    \
	  "Events read from the ring buffers.")                                \
	X(EVENTS_DROPPED, "tokentap_capture_events_dropped_total", C,          \
	  "reason", "Events read but not used, by reason.")                    \
	X(VERDICT_ERRORS, "tokentap_verdict_errors_total", C, NULL,            \
	  "Filter verdicts that could not be written to the kernel.")          \
	X(DECODED_CONNS, "tokentap_decoded_connections_total", C, NULL,        \
	  "AI connections decoded.")                                           \
	X(OBSERVED, "tokentap_observed_connections_total", C, "kind",          \
	  "Outbound TCP connections the connection observer saw, by what "     \
	  "their ClientHello said.")                                           \
	X(HOLDS, "tokentap_connection_holds_total", C, "result",               \
	  "AI connections held while their process's probes went in, by how " \
	  "the hold ended.")                                                   \
	X(ARMED, "tokentap_armed_processes", G, NULL,                          \
	  "Processes with TLS probes of their own now (scoped mode).")         \
	X(ARMS, "tokentap_process_arms_total", C, "result",                    \
	  "Processes armed with TLS probes, by result.")                       \
	X(DISARMS, "tokentap_process_disarms_total", C, "why",                 \
	  "Processes whose probes were removed, by why.")                      \
	X(AI_SOCKETS, "tokentap_ai_connections_total", C, "result",            \
	  "AI connections the observer reported, by what became of them.")     \
	X(EXCHANGES, "tokentap_exchanges_total", C, NULL,                      \
	  "Request/response exchanges of finished connections.")               \
	X(DECODE_PROBLEMS, "tokentap_decode_problems_total", C, "reason",      \
	  "Exchanges or connections decoding fell short on, by reason "        \
	  "(exchange counts are added when a connection ends).")               \
	X(LEDGER, "tokentap_ledger_events_total", C, NULL,                     \
	  "Allocation events written to the ledger.")                          \
	X(LEDGER_WRITE_ERRORS, "tokentap_ledger_write_errors_total", C, NULL,  \
	  "Ledger writes, rotations or reopens that failed (the log names "    \
	  "the first).")                                                       \
	X(EVENTS_NOT_WRITTEN, "tokentap_events_dropped_total", C, "reason",    \
	  "Allocation events not written, by reason.")                         \
	X(UNPRICED, "tokentap_unpriced_requests_total", C, "reason",           \
	  "Calls left without a cost estimate, by reason.")                    \
	X(PRICED, "tokentap_priced_requests_total", C, NULL,                   \
	  "Calls given a cost estimate.")                                      \
	X(PRICING_FALLBACK, "tokentap_pricing_fallbacks_total", C, NULL,       \
	  "Calls priced with another provider's entry (Azure as OpenAI, ...).") \
	X(PRICING_SUBST, "tokentap_pricing_substitutions_total", C, NULL,      \
	  "Calls priced with a rate the table lacked taken from a base rate "  \
	  "(the event's cost.lacked says which).")                             \
	X(DECLARED_TRUNC, "tokentap_declared_values_truncated_total", C, NULL, \
	  "Allocation header values cut to their cap.")                        \
	X(FACTS_ERRORS, "tokentap_process_facts_errors_total", C, "reason",    \
	  "Process facts that could not be read, by reason.")                  \
	X(CGROUP_ERRORS, "tokentap_cgroup_lookup_errors_total", C, "reason",   \
	  "cgroup id to path lookups that failed, by reason.")                 \
	X(RELOADS, "tokentap_config_reloads_total", C, "result",               \
	  "Configuration reloads (SIGHUP), by result; error kept the running " \
	  "configuration.")                                                    \
	X(SCRAPES, "tokentap_metrics_scrapes_total", C, "result",              \
	  "Scrapes of this endpoint (counted in the next snapshot); stale: "   \
	  "served the previous snapshot because the agent loop was busy.")     \
	X(METRICS_ERRORS, "tokentap_metrics_errors_total", C, "reason",        \
	  "Metric updates or renderings that failed, by reason.")

enum {
	F_NONE = -1,
#define FAM_ID(id, name, type, label, help) F_##id,
	HEALTH_FAMILIES(FAM_ID)
#undef FAM_ID
	F_N,
};

_Static_assert(F_N <= TT_HEALTH_FAMILIES_MAX, "TT_HEALTH_FAMILIES_MAX too small");

const struct tt_family tt_families[] = {
#define FAM_ROW(id, name, type, label, help) { name, help, type, { label, NULL } },
	HEALTH_FAMILIES(FAM_ROW)
#undef FAM_ROW
};
const size_t tt_nfamilies = F_N;
#undef C
#undef G

#define OFF(field) offsetof(struct tt_agent_counters, field)

/* Every counter of every list, by its place in the snapshot. */
const struct tt_counter_field tt_counter_fields[] = {
#define BPF_FIELD(id, doc) { OFF(bpf[TT_C_##id]), "bpf." #id, doc },
	TT_BPF_COUNTERS(BPF_FIELD)
	{ OFF(targets), "targets", "a level: files with probes attached" },
#define FIELD(part, name, doc) { OFF(part.name), #part "." #name, doc },
#define PIPE(name, doc) FIELD(pipe, name, doc)
	TT_PIPELINE_COUNTERS(PIPE)
#define XCONN(name, doc) FIELD(pipe.x, name, doc)
	TT_XCONN_COUNTERS(XCONN)
#define FLOOD(name, doc) FIELD(pipe.flood, name, doc)
	TT_FLOOD_COUNTERS(FLOOD)
#define CONNS(name, doc) FIELD(conns, name, doc)
	TT_CONNTAB_COUNTERS(CONNS)
#define ATTACH(name, doc) FIELD(attach, name, doc)
	TT_ATTACH_COUNTERS(ATTACH)
#define TLSLIB(name, doc) FIELD(tlslib, name, doc)
	TT_TLSLIB_COUNTERS(TLSLIB)
#define ALLOC(name, doc) FIELD(alloc, name, doc)
	TT_ALLOC_COUNTERS(ALLOC)
#define PRICING(name, doc) FIELD(alloc.pricing, name, doc)
	TT_PRICING_COUNTERS(PRICING)
#define RETRY(name, doc) FIELD(alloc.retry, name, doc)
	TT_RETRY_COUNTERS(RETRY)
#define FACTS(name, doc) FIELD(facts, name, doc)
	TT_PROCINFO_COUNTERS(FACTS)
#define CGROUPS(name, doc) FIELD(cgroups, name, doc)
	TT_CGROUPS_COUNTERS(CGROUPS)
#define LEDGER(name, doc) FIELD(ledger, name, doc)
	TT_OUTPUT_COUNTERS(LEDGER)
#define OTLP(name, doc) FIELD(otlp, name, doc)
	TT_OTLP_EXPORT_COUNTERS(OTLP)
#define OTLP_DROP(id, name, doc) \
	{ OFF(otlp.dropped[TT_OTLP_DROP_##id]), "otlp.dropped." #name, doc },
	TT_OTLP_DROPS(OTLP_DROP)
#define OTLP_REJ(id, name, doc) \
	{ OFF(otlp.rejected[TT_OTLP_REJ_##id]), "otlp.rejected." #name, doc },
	TT_OTLP_REJECTS(OTLP_REJ)
#define LOOP(name, doc) FIELD(loop, name, doc)
	TT_LOOP_COUNTERS(LOOP)
#define PROM(name, doc) FIELD(prom, name, doc)
	TT_PROM_COUNTERS(PROM)
#undef BPF_FIELD
#undef FIELD
#undef PIPE
#undef XCONN
#undef FLOOD
#undef CONNS
#undef ATTACH
#undef TLSLIB
#undef ALLOC
#undef PRICING
#undef RETRY
#undef FACTS
#undef CGROUPS
#undef LEDGER
#undef OTLP
#undef OTLP_DROP
#undef OTLP_REJ
#undef LOOP
#undef PROM
};
const size_t tt_counter_nfields =
	sizeof(tt_counter_fields) / sizeof(tt_counter_fields[0]);

/*
 * The table: agent_stats section and key, health family and label, and
 * the counter. One name per counter and place: where a key and a label
 * name the same thing they are spelled the same (counters_test checks
 * that they never differ by a plural "s" alone).
 */
#define ROW(sec, key, fam, label, field) { sec, key, F_##fam, label, OFF(field) },
/* In agent_stats only. */
#define KEY(sec, key, field) ROW(sec, key, NONE, NULL, field)
/* On /metrics only. */
#define SERIES(fam, label, field) ROW(NULL, NULL, fam, label, field)
#define BPF(id) bpf[TT_C_##id]

const struct tt_counter_row tt_counter_rows[] = {
	/* The capture: kernel, ring buffer, connection table. */
	ROW("capture", "ringbuf_lost_events", RB_LOST_EVENTS, NULL, BPF(RB_LOST_EVENTS))
	ROW("capture", "ringbuf_lost_bytes", RB_LOST_BYTES, NULL, BPF(RB_LOST_BYTES))
	ROW("capture", "filtered_calls", FILTERED_CALLS, NULL, BPF(FILTERED_CALLS))
	ROW("capture", "captured_calls", CAPTURED_CALLS, NULL, BPF(CAPTURED_CALLS))
	ROW("capture", "captured_bytes", CAPTURED_BYTES, NULL, BPF(CAPTURED_BYTES))
	ROW("capture", "truncated_bytes", CAPTURE_DROPPED_BYTES, "truncated", BPF(TRUNC_BYTES))
	ROW("capture", "read_fault_bytes", CAPTURE_DROPPED_BYTES, "read_fault", BPF(FAULT_BYTES))
	ROW("capture", "conn_map_full", TABLE_FULL, "kernel_connections", BPF(CONN_MAP_FULL))
	ROW("capture", "calls_map_full", TABLE_FULL, "kernel_calls", BPF(STASH_FULL))
	ROW("capture", "sni_filtered_connections", KERNEL_FILTERED, "server_name", BPF(SNI_FILTERED))
	ROW("capture", "server_role_connections", KERNEL_FILTERED, "server_role", BPF(SERVER_CONNS))
	ROW("capture", "rustls_untied_records", EVENTS_DROPPED, "rustls_untied", BPF(AEAD_UNTIED))
	ROW("capture", "rustls_unparsed_records", EVENTS_DROPPED, "rustls_unparsed", BPF(AEAD_UNPARSED))
	ROW("capture", "events", EVENTS, NULL, pipe.events)
	ROW("capture", "bad_events", EVENTS_DROPPED, "malformed", pipe.bad_events)
	ROW("capture", "untracked_events", EVENTS_DROPPED, "untracked", pipe.untracked_events)
	ROW("capture", "events_after_filter", EVENTS_DROPPED, "after_filter", pipe.after_filter_events)
	ROW("capture", "connections_captured", CONNS, "captured", pipe.conns_captured)
	ROW("capture", "connections_filtered", CONNS, "filtered", pipe.conns_filtered)
	ROW("capture", "connections_unclassified", CONNS, "unclassified", pipe.conns_unclassified)
	ROW("capture", "h2_connections_joined_midway", DECODE_PROBLEMS, "h2_joined_midway", pipe.h2_midway)
	ROW("capture", "verdict_errors", VERDICT_ERRORS, NULL, pipe.verdict_errors)
	KEY("capture", "records", pipe.records)
	ROW("capture", "connections_live", LIVE, NULL, conns.live)
	KEY("capture", "connections_created", conns.created)
	KEY("capture", "connections_removed", conns.removed)
	ROW("capture", "connection_table_full", TABLE_FULL, "connections", conns.table_full)
	ROW("capture", "stream_gap_bytes", STREAM_GAP_BYTES, NULL, conns.gap_bytes)
	KEY("capture", "stream_duplicate_bytes", conns.dup_bytes)
	KEY("capture", "conn_map_swept", loop.swept)
	ROW("capture", "config_reloads", RELOADS, "ok", loop.reloads_ok)
	ROW("capture", "config_reloads_failed", RELOADS, "error", loop.reloads_failed)
	/* Probes. */
	ROW("attach", "targets", TARGETS, NULL, targets)
	ROW("attach", "attached", ATTACH, "ok", attach.attached)
	ROW("attach", "attach_failed", ATTACH, "failed", attach.attach_failed)
	KEY("attach", "scans", attach.scans)
	KEY("attach", "pids_scanned", attach.pids_scanned)
	KEY("attach", "files_checked", attach.files_checked)
	KEY("attach", "process_events", loop.proc_events)
	ROW("attach", "files_table_full", TABLE_FULL, "probe_targets", attach.files_full)
	KEY("attach", "static_searched", tlslib.static_searched)
	KEY("attach", "static_cache_hits", tlslib.static_cache_hits)
	KEY("attach", "static_found", tlslib.static_found)
	KEY("attach", "static_rejected", tlslib.static_rejected)
	ROW("attach", "static_over_cap", TABLE_FULL, "static_search", tlslib.static_over_cap)
	ROW("attach", "static_evicted", TABLE_FULL, "static_results", tlslib.static_evicted)
	KEY("attach", "static_cpu_us", tlslib.static_cpu_us)
	ROW("attach", "armed", ARMS, "armed", attach.armed)
	ROW("attach", "untraceable", ARMS, "untraceable", attach.untraceable)
	ROW("attach", "arm_table_full", ARMS, "table_full", attach.armed_full)
	ROW("attach", "armed_now", ARMED, NULL, attach.armed_now)
	ROW("attach", "disarmed_exit", DISARMS, "exit", attach.disarmed_exit)
	ROW("attach", "disarmed_exec", DISARMS, "exec", attach.disarmed_exec)
	ROW("attach", "disarmed_idle", DISARMS, "idle", attach.disarmed_idle)
	KEY("attach", "kick_runs", attach.kicks)
	KEY("attach", "kick_runs_netns", attach.kicks_netns)
	KEY("attach", "kick_errors", attach.kick_errors)
	KEY("attach", "kick_netns_errors", attach.kick_netns_errors)
	KEY("attach", "detach_sync", attach.detach_sync)
	KEY("attach", "arm_ns_total", attach.attach_ns_total)
	KEY("attach", "arm_ns_max", attach.attach_ns_max)
	/* The connection observer (kernel) and its AI connections (user). */
	ROW("observer", "connects", OBSERVED, "connects", BPF(SOCK_CONNECTS))
	ROW("observer", "ai", OBSERVED, "ai", BPF(SOCK_AI))
	ROW("observer", "maybe", OBSERVED, "maybe", BPF(SOCK_MAYBE))
	ROW("observer", "other", OBSERVED, "other", BPF(SOCK_NOT_TLS))
	ROW("observer", "hello_gaveup", OBSERVED, "hello_unparsed", BPF(SOCK_PARSE_GAVEUP))
	ROW("observer", "held", HOLDS, "held", BPF(SOCK_HELD))
	ROW("observer", "hold_failopen", HOLDS, "deadline", BPF(SOCK_FAILOPEN))
	ROW("observer", "kicked", HOLDS, "released", BPF(SOCK_KICKED))
	KEY("observer", "hold_drops", BPF(SOCK_HOLD_DROPS))
	ROW("observer", "linked", AI_SOCKETS, "linked", BPF(SOCK_LINKED))
	ROW("observer", "table_full", TABLE_FULL, "kernel_ai_connections", BPF(SOCK_TABLE_FULL))
	KEY("observer", "events_lost", BPF(SOCK_EV_LOST))
	ROW("observer", "ai_connections", AI_SOCKETS, "reported", pipe.socks_opened)
	ROW("observer", "not_ai", AI_SOCKETS, "not_ai", pipe.socks_not_ai)
	ROW("observer", "ai_table_full", TABLE_FULL, "ai_connections", pipe.socks_table_full)
	KEY("observer", "ai_linked", pipe.socks_linked)
	ROW("observer", "ai_decoded", AI_SOCKETS, "decoded", pipe.socks_decoded)
	KEY("observer", "ai_tied_late", pipe.socks_tied_late)
	ROW("observer", "dark", AI_SOCKETS, "dark", pipe.dark_connections)
	KEY("observer", "named_connections", pipe.sock_named_conns)
	/* Decoding. */
	ROW("decode", "events", LEDGER, NULL, pipe.calls)
	KEY("decode", "record_errors", pipe.call_errors)
	KEY("decode", "event_id_fallbacks", loop.id_fallbacks)
	ROW("decode", "connections_decoded", DECODED_CONNS, NULL, pipe.decoders)
	ROW("decode", "exchanges", EXCHANGES, NULL, pipe.x.exchanges)
	ROW("decode", "incomplete", DECODE_PROBLEMS, "incomplete", pipe.x.incomplete)
	ROW("decode", "orphan_response", DECODE_PROBLEMS, "orphan_response", pipe.x.orphan_responses)
	ROW("decode", "pending_overflow", DECODE_PROBLEMS, "pending_overflow", pipe.x.pending_overflow)
	ROW("decode", "unknown_api", DECODE_PROBLEMS, "unknown_api", pipe.x.unknown_api)
	ROW("decode", "body_too_large", DECODE_PROBLEMS, "body_too_large", pipe.x.body_too_large)
	ROW("decode", "head_too_large", DECODE_PROBLEMS, "head_too_large", pipe.x.head_too_large)
	ROW("decode", "decode_error", DECODE_PROBLEMS, "decode_error", pipe.x.decode_errors)
	ROW("decode", "decompression_bomb", DECODE_PROBLEMS, "decompression_bomb", pipe.x.decompression_bombs)
	ROW("decode", "framing_error", DECODE_PROBLEMS, "framing_error", pipe.x.framing_errors)
	ROW("decode", "gap", DECODE_PROBLEMS, "gap", pipe.x.gaps)
	ROW("decode", "h2_undecodable", DECODE_PROBLEMS, "h2_undecodable", pipe.x.h2_undecodable)
	ROW("decode", "h2_protocol_error", DECODE_PROBLEMS, "h2_protocol_error", pipe.x.h2_protocol_errors)
	ROW("decode", "decoder_alloc_failure", DECODE_PROBLEMS, "decoder_alloc_failure", pipe.decoder_alloc_failures)
	KEY("decode", "interim_responses", pipe.x.interim_responses)
	KEY("decode", "h2_connections", pipe.x.h2_connections)
	KEY("decode", "ws_connections", pipe.x.ws_connections)
	KEY("decode", "ws_unknown_api", pipe.x.ws_unknown_api)
	KEY("decode", "ws_calls", pipe.x.ws_calls)
	KEY("decode", "ws_messages", pipe.x.ws_messages)
	KEY("decode", "ws_lost_messages", pipe.x.ws_lost_messages)
	KEY("decode", "ws_resyncs", pipe.x.ws_resyncs)
	KEY("decode", "ws_bad_frames", pipe.x.ws_bad_frames)
	KEY("decode", "ws_too_big", pipe.x.ws_too_big)
	KEY("decode", "ws_inflate_errors", pipe.x.ws_inflate_errors)
	KEY("decode", "ws_orphan_events", pipe.x.ws_orphan_events)
	KEY("decode", "ws_bad_extensions", pipe.x.ws_bad_extensions)
	/* Allocation, prices, process facts, the cgroup tree. */
	KEY("allocation", "events", alloc.events)
	ROW("allocation", "events_too_big", EVENTS_NOT_WRITTEN, "too_big", alloc.too_big)
	KEY("allocation", "allocated", alloc.allocated)
	KEY("allocation", "unallocated", alloc.unallocated)
	KEY("allocation", "environment_mismatch", alloc.env_mismatch)
	ROW("allocation", "declared_truncated", DECLARED_TRUNC, NULL, alloc.declared_truncated)
	KEY("allocation", "declared_replaced", alloc.declared_replaced)
	KEY("allocation", "traceparent_invalid", alloc.traceparent_invalid)
	KEY("allocation.retries", "calls", alloc.retry.calls)
	KEY("allocation.retries", "unhashed", alloc.retry.unhashed)
	KEY("allocation.retries", "retries", alloc.retry.retries)
	KEY("allocation.retries", "fallbacks", alloc.retry.fallbacks)
	KEY("allocation.retries", "evicted", alloc.retry.evicted)
	ROW("allocation.pricing", "priced", PRICED, NULL, alloc.pricing.priced)
	ROW("allocation.pricing", "unknown_model", UNPRICED, "unknown_model", alloc.pricing.unknown_model)
	ROW("allocation.pricing", "no_usage", UNPRICED, "no_usage", alloc.pricing.no_usage)
	ROW("allocation.pricing", "missing_rate", UNPRICED, "missing_rate", alloc.pricing.missing_rate)
	ROW("allocation.pricing", "invalid_usage", UNPRICED, "invalid_usage", alloc.pricing.invalid_usage)
	ROW("allocation.pricing", "no_price_at_date", UNPRICED, "no_price_at_date", alloc.pricing.no_price_at_date)
	ROW("allocation.pricing", "no_price_table", UNPRICED, "no_price_table", alloc.no_price_table)
	ROW("allocation.pricing", "fallback", PRICING_FALLBACK, NULL, alloc.pricing.fallback)
	ROW("allocation.pricing", "substituted", PRICING_SUBST, NULL, alloc.pricing.substituted)
	KEY("allocation.pricing", "long_context", alloc.pricing.long_context)
	KEY("allocation.pricing", "tiered", alloc.pricing.tiered)
	KEY("allocation.process_facts", "gathered", facts.gathered)
	ROW("allocation.process_facts", "table_full", TABLE_FULL, "process_facts", facts.table_full)
	ROW("allocation.process_facts", "exe_errors", FACTS_ERRORS, "exe", facts.exe_errors)
	ROW("allocation.process_facts", "environ_errors", FACTS_ERRORS, "environ", facts.environ_errors)
	ROW("allocation.process_facts", "environ_truncated", FACTS_ERRORS, "environ_truncated", facts.environ_truncated)
	KEY("allocation.process_facts", "cgroup_from_proc", facts.cgroup_from_proc)
	ROW("allocation.process_facts", "cgroup_unknown", FACTS_ERRORS, "cgroup_unknown", facts.cgroup_unknown)
	KEY("allocation.process_facts", "pod_pending", facts.pod_pending)
	KEY("allocation.process_facts", "docker_reads", facts.docker_reads)
	ROW("allocation.process_facts", "docker_errors", FACTS_ERRORS, "docker", facts.docker_errors)
	KEY("allocation.cgroups", "hits", cgroups.hits)
	KEY("allocation.cgroups", "misses", cgroups.misses)
	KEY("allocation.cgroups", "rescans", cgroups.rescans)
	KEY("allocation.cgroups", "rescans_limited", cgroups.rescans_limited)
	ROW("allocation.cgroups", "not_found", CGROUP_ERRORS, "not_found", cgroups.not_found)
	ROW("allocation.cgroups", "cache_full", CGROUP_ERRORS, "cache_full", cgroups.cache_full)
	ROW("allocation.cgroups", "walk_capped", CGROUP_ERRORS, "walk_capped", cgroups.walk_capped)
	ROW("allocation.cgroups", "walk_error", CGROUP_ERRORS, "walk_error", cgroups.walk_errors)
	ROW("allocation.cgroups", "path_too_long", CGROUP_ERRORS, "path_too_long", cgroups.path_too_long)
	KEY("allocation.cgroups", "pod_hits", cgroups.pod_hits)
	KEY("allocation.cgroups", "pod_misses", cgroups.pod_misses)
	KEY("allocation.cgroups", "pod_rescans", cgroups.pod_rescans)
	KEY("allocation.cgroups", "pod_rescans_limited", cgroups.pod_rescans_limited)
	KEY("allocation.cgroups", "pod_cache_full", cgroups.pod_cache_full)
	KEY("allocation.cgroups", "pod_not_found", cgroups.pod_not_found)
	/* The ledger file. */
	KEY("ledger", "lines", ledger.lines)
	KEY("ledger", "bytes", ledger.bytes)
	ROW("ledger", "write_errors", LEDGER_WRITE_ERRORS, NULL, ledger.write_errors)
	KEY("ledger", "rotations", ledger.rotations)
	KEY("ledger", "lines_dropped", ledger.lines_dropped)
	ROW("ledger", "events_dropped", EVENTS_NOT_WRITTEN, "write_failed", ledger.events_dropped)
	KEY("ledger", "rollbacks", ledger.rollbacks)
	KEY("ledger", "write_episodes", ledger.write_episodes)
	/* Rate limits of what any process can make at will (pipeline/flood.h). */
	ROW("ledger", "limited_unanswered", EVENTS_NOT_WRITTEN, "limited_unanswered", pipe.flood.limited_unanswered)
	ROW("ledger", "limited_unrecognised", EVENTS_NOT_WRITTEN, "limited_unrecognised", pipe.flood.limited_unrecognised)
	ROW("ledger", "limited_dark", EVENTS_NOT_WRITTEN, "limited_dark", pipe.flood.limited_dark)
	KEY("ledger", "summaries", pipe.flood.summaries)
	KEY("ledger", "shared_bucket", pipe.flood.shared_bucket)
	/* OTLP export (docs/otlp.md); the reasons keep their module's names. */
	KEY("otlp", "queued", otlp.queued)
	KEY("otlp", "sent", otlp.sent)
	KEY("otlp", "sent_batches", otlp.sent_batches)
	KEY("otlp", "attempts", otlp.attempts)
	KEY("otlp", "failed_attempts", otlp.failed_attempts)
	KEY("otlp", "retried", otlp.retried)
	KEY("otlp", "spooled", otlp.spooled)
	KEY("otlp", "spooled_batches", otlp.spooled_batches)
	KEY("otlp", "spool_loaded", otlp.spool_loaded)
	KEY("otlp", "spool_records", otlp.spool_records)
	KEY("otlp", "spool_bytes", otlp.spool_bytes)
	KEY("otlp", "spool_files", otlp.spool_files)
	KEY("otlp", "spool_bad_files", otlp.spool_bad_files)
	KEY("otlp", "spool_other_version_files", otlp.spool_other_version_files)
	KEY("otlp", "dropped_total", otlp.dropped_total)
#define DROP_ROW(id, name, doc) KEY("otlp.dropped", #name, otlp.dropped[TT_OTLP_DROP_##id])
	TT_OTLP_DROPS(DROP_ROW)
#define REJ_ROW(id, name, doc) KEY("otlp.rejected", #name, otlp.rejected[TT_OTLP_REJ_##id])
	TT_OTLP_REJECTS(REJ_ROW)
	KEY("otlp.rejected", "too_long_for_queue", otlp.too_long_for_queue)
	KEY("otlp", "metrics_sent", otlp.metrics_sent)
	KEY("otlp", "metrics_failed", otlp.metrics_failed)
	KEY("otlp", "metric_series_overflow", otlp.metric_series_overflow)
	KEY("otlp", "queue_high_water_bytes", otlp.queue_high_water_bytes)
	/* The metrics endpoint itself. */
	SERIES(START, NULL, prom.start_time_s)
	SERIES(SCRAPES, "fresh", prom.scrapes)
	SERIES(SCRAPES, "stale", prom.scrapes_stale)
	SERIES(METRICS_ERRORS, "render_too_big", prom.render_errors)
	SERIES(METRICS_ERRORS, "out_of_memory", prom.alloc_failures)
	SERIES(METRICS_ERRORS, "invalid_update", prom.bad_updates)
#undef DROP_ROW
#undef REJ_ROW
};
const size_t tt_counter_nrows = sizeof(tt_counter_rows) / sizeof(tt_counter_rows[0]);

/* The parts of a snapshot that may be missing, and the bit that says
 * they were read. */
#define PART(field, bit) { OFF(field), sizeof(((struct tt_agent_counters *)0)->field), bit }
static const struct {
	size_t off, size;
	unsigned have;
} parts[] = {
	PART(bpf, TT_HAVE_BPF),
	PART(targets, TT_HAVE_ATTACH),
	PART(attach, TT_HAVE_ATTACH),
	PART(facts, TT_HAVE_FACTS),
	PART(cgroups, TT_HAVE_CGROUPS),
	PART(otlp, TT_HAVE_OTLP),
};

static int present(const struct tt_agent_counters *c, size_t off)
{
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (off >= parts[i].off && off < parts[i].off + parts[i].size)
			return (c->have & parts[i].have) != 0;
	return 1;
}

uint64_t tt_counters_value(const struct tt_agent_counters *c, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)c + off, sizeof(v));
	return v;
}

const struct tt_counter_field *tt_counters_field(size_t off)
{
	for (size_t i = 0; i < tt_counter_nfields; i++)
		if (tt_counter_fields[i].off == off)
			return &tt_counter_fields[i];
	return NULL;
}

/* The object at path ("allocation.pricing") under root, made on first
 * use. NULL when out of memory. */
static cJSON *section(cJSON *root, const char *path)
{
	char part[64];
	cJSON *o = root;

	while (o && *path) {
		size_t n = strcspn(path, ".");
		cJSON *next;

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		next = cJSON_GetObjectItemCaseSensitive(o, part);
		o = next ? next : cJSON_AddObjectToObject(o, part);
		path += n + (path[n] == '.');
	}
	return o;
}

cJSON *tt_counters_json(const struct tt_agent_counters *c)
{
	cJSON *o = cJSON_CreateObject(), *s;

	if (!o || !cJSON_AddStringToObject(o, "type", "agent_stats") ||
	    !cJSON_AddNumberToObject(o, "version", TT_AGENT_STATS_VERSION))
		goto fail;
	for (size_t i = 0; i < tt_counter_nrows; i++) {
		const struct tt_counter_row *r = &tt_counter_rows[i];

		if (!r->section || !present(c, r->off))
			continue;
		s = section(o, r->section);
		if (!s || !cJSON_AddNumberToObject(s, r->key,
						   (double)tt_counters_value(c, r->off)))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

int tt_counters_health_init(struct tt_health_metrics *hm, struct tt_metrics *m)
{
	static const struct tt_agent_counters zero;

	memset(hm, 0, sizeof(*hm));
	for (size_t i = 0; i < tt_nfamilies; i++) {
		const struct tt_family *f = &tt_families[i];

		hm->fam[i] = tt_metrics_family(m, f->type, f->name, f->help,
					       f->label[0] ? f->label : NULL,
					       NULL, 0);
		if (!hm->fam[i])
			return -EINVAL;
	}
	tt_counters_health_set(hm, &zero);
	return 0;
}

void tt_counters_health_set(struct tt_health_metrics *hm,
			    const struct tt_agent_counters *c)
{
	for (size_t i = 0; i < tt_counter_nrows; i++) {
		const struct tt_counter_row *r = &tt_counter_rows[i];
		const char *v[1] = { r->label };

		if (r->family >= 0)
			tt_mfam_set(hm->fam[r->family], r->label ? v : NULL,
				    (double)tt_counters_value(c, r->off));
	}
}
