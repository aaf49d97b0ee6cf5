// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "metrics/callmetrics.h"

static const char *const call_labels[] = { "provider", "model", "owner",
					   "environment", "outcome", NULL };
static const char *const token_labels[] = { "provider", "model", "owner",
					    "environment", "outcome", "type",
					    NULL };
static const char *const unpriced_labels[] = { "provider", "model", "owner",
					       "environment", "outcome",
					       "reason", NULL };
static const char *const dark_labels[] = { "provider", "owner", "environment",
					   "reason", NULL };
static const char *const dark_byte_labels[] = { "provider", "owner",
						"environment", "direction",
						NULL };
static const char *const declared_labels[] = { "owner", "application",
					       "field", NULL };
/* LLM calls: a cached embedding is ~0.1 s, a long reasoning stream
 * minutes. */
static const double duration_buckets[] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
					   20, 30, 60, 120 };

/* The families, in the order /metrics shows them: where each goes in
 * struct tt_call_metrics, its type, name, help (docs/metrics.md shows it),
 * labels and a histogram's buckets. */
#define FAM(member) offsetof(struct tt_call_metrics, member)
#define BUCKETS(b) b, sizeof(b) / sizeof(b[0])
#define NO_BUCKETS NULL, 0
static const struct {
	size_t off;
	int type;
	const char *name, *help;
	const char *const *labels;
	const double *buckets;
	size_t nbuckets;
} families[] = {
	{ FAM(requests), TT_METRIC_COUNTER, "tokentap_requests_total",
	  "AI API calls seen (one per allocation event).",
	  call_labels, NO_BUCKETS },
	{ FAM(tokens), TT_METRIC_COUNTER, "tokentap_tokens_total",
	  "Tokens the provider reported, by type. input includes "
	  "cache_read and cache_creation; output includes reasoning.",
	  token_labels, NO_BUCKETS },
	{ FAM(cost), TT_METRIC_COUNTER, "tokentap_cost_usd_total",
	  "Estimated cost at list price (USD price table), priced calls "
	  "only. Not an invoice amount.",
	  call_labels, NO_BUCKETS },
	{ FAM(duration), TT_METRIC_HISTOGRAM, "tokentap_request_duration_seconds",
	  "From the first request byte to the last response byte.",
	  call_labels, BUCKETS(duration_buckets) },
	{ FAM(unallocated), TT_METRIC_COUNTER, "tokentap_unallocated_requests_total",
	  "Calls no owner rule matched (owner \"unallocated\").",
	  call_labels, NO_BUCKETS },
	{ FAM(mismatches), TT_METRIC_COUNTER, "tokentap_environment_mismatches_total",
	  "Calls whose declared environment (header, variable, key) "
	  "disagrees with the workload's.",
	  call_labels, NO_BUCKETS },
	{ FAM(unpriced), TT_METRIC_COUNTER, "tokentap_unpriced_calls_total",
	  "Calls left without a cost estimate, by the event's cost.reason "
	  "(unknown_model: add it to the price table).",
	  unpriced_labels, NO_BUCKETS },
	{ FAM(dark), TT_METRIC_COUNTER, "tokentap_dark_connections_total",
	  "AI connections seen but not decrypted (nothing decoded), by "
	  "why: spend that happened and could not be measured.",
	  dark_labels, NO_BUCKETS },
	{ FAM(dark_bytes), TT_METRIC_COUNTER, "tokentap_dark_bytes_total",
	  "Bytes of those connections on the wire, by direction.",
	  dark_byte_labels, NO_BUCKETS },
	{ FAM(declared_missing), TT_METRIC_COUNTER, "tokentap_declared_missing_total",
	  "Calls that did not send a declared header the configuration "
	  "names (declared_headers), by the header's role: coverage of "
	  "tenant, unit, trace and allocation headers per workload.",
	  declared_labels, NO_BUCKETS },
};

int tt_call_metrics_init(struct tt_call_metrics *cm, struct tt_metrics *m)
{
	int ret = 0;

	memset(cm, 0, sizeof(*cm));
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct tt_mfam **slot =
			(struct tt_mfam **)((char *)cm + families[i].off);

		*slot = tt_metrics_family(m, families[i].type, families[i].name,
					  families[i].help, families[i].labels,
					  families[i].buckets,
					  families[i].nbuckets);
		if (!*slot)
			ret = -EINVAL;
	}
	return ret;
}

static const char *or_unknown(const char *s)
{
	return s && s[0] ? s : TT_CALLMETRICS_UNKNOWN;
}

/* A dark connection is no call: its own families, nothing else. */
static void observe_dark(struct tt_call_metrics *cm, const struct tt_event *ev)
{
	const char *v[4] = {
		or_unknown(ev->provider), or_unknown(ev->owner),
		or_unknown(ev->environment), or_unknown(ev->problem),
	};

	tt_mfam_add(cm->dark, v, 1);
	v[3] = "sent";
	tt_mfam_add(cm->dark_bytes, v, (double)ev->conn_bytes_sent);
	v[3] = "received";
	tt_mfam_add(cm->dark_bytes, v, (double)ev->conn_bytes_received);
}

/* Each configured declared header the call did not send (traceparent:
 * or sent malformed). */
static void observe_declared(struct tt_call_metrics *cm,
			     const struct tt_event *ev)
{
	const char *v[3] = { or_unknown(ev->owner), or_unknown(ev->application) };

	for (int r = 0; r < TT_DECL_ROLES; r++) {
		if (!(ev->declared_missing & (1u << r)))
			continue;
		v[2] = tt_decl_role_name(r);
		tt_mfam_add(cm->declared_missing, v, 1);
	}
}

void tt_call_metrics_observe(struct tt_call_metrics *cm,
			     const struct tt_event *ev)
{
	const struct tt_usage *u = &ev->usage;
	const char *v[7] = {
		or_unknown(ev->provider),
		or_unknown(ev->response_model && ev->response_model[0]
				   ? ev->response_model : ev->request_model),
		or_unknown(ev->owner),
		or_unknown(ev->environment),
		or_unknown(ev->outcome),
	};
	const struct {
		const char *type;
		int64_t n;
	} tokens[] = {
		{ "input", u->input_tokens },
		{ "output", u->output_tokens },
		{ "cache_read", u->cache_read_input_tokens },
		{ "cache_creation", u->cache_creation_input_tokens },
		{ "reasoning", u->reasoning_tokens },
		{ "cache_creation_1h", u->cache_creation_1h_input_tokens },
		{ "audio_input", u->audio_input_tokens },
		{ "audio_output", u->audio_output_tokens },
		{ "image_input", u->image_input_tokens },
		{ "image_output", u->image_output_tokens },
	};

	if (ev->has_connection) {
		observe_dark(cm, ev);
		return;
	}
	tt_mfam_add(cm->requests, v, 1);
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		/* Not reported: no series made up. Zero cache and reasoning
		 * counts (most calls) make no series either. */
		if (tokens[i].n < 0 || (i >= 2 && !tokens[i].n))
			continue;
		v[5] = tokens[i].type;
		tt_mfam_add(cm->tokens, v, (double)tokens[i].n);
	}
	/* NaN (not priced) fails the comparison. */
	if (ev->currency && !strcmp(ev->currency, "USD") && ev->cost_amount >= 0)
		tt_mfam_add(cm->cost, v, ev->cost_amount);
	if (isnan(ev->cost_amount)) {
		v[5] = or_unknown(ev->cost_reason);
		tt_mfam_add(cm->unpriced, v, 1);
	}
	tt_mfam_observe(cm->duration, v, (double)ev->duration_ns / 1e9);
	if (!ev->alloc_status || strcmp(ev->alloc_status, TT_OWNER_ALLOCATED_NAME))
		tt_mfam_add(cm->unallocated, v, 1);
	if (ev->env_mismatch)
		tt_mfam_add(cm->mismatches, v, 1);
	observe_declared(cm, ev);
}
