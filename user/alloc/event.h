/* SPDX-License-Identifier: MIT */
/*
 * The allocation event: one decoded AI call (decode/exchange.h) plus the
 * facts about the process that made it, turned into an owner (core/rules),
 * an environment check, a cost (core/pricing) and one line of JSON, the
 * "ai_api_cost_allocation" event of the ledger. Pure: the caller gathers
 * the facts (agent: /proc and the cgroup tree; replay: the capture file)
 * and hands them in. Schema: docs/events.md, docs/events.schema.json.
 */
#ifndef TT_ALLOC_EVENT_H
#define TT_ALLOC_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include "config/config.h"
#include "owner/environ.h"
#include "pricing/pricing.h"
#include "owner/rules.h"
#include "owner/workload.h"
#include "exchange/exchange.h"

#define TT_EVENT_TYPE "ai_api_cost_allocation"
#define TT_EVENT_VERSION 1
#define TT_EVENT_MAX 16384          /* bytes of one event line */
#define TT_DECLARED_VALUE_MAX 128   /* a declared header value, with the NUL */
#define TT_CONTAINER_LABELS_MAX 32

/* What is known about the process behind a call. Any pointer may be NULL
 * or "" (unknown); nothing here is required. */
struct tt_proc_facts {
	uint32_t pid;
	const char *comm;
	const char *exe;
	uint64_t cgroup_id;
	const char *cgroup_path;             /* relative to the cgroup2 mount */
	const struct tt_workload *workload;  /* parsed from cgroup_path */
	const struct tt_pod_ref *pod;        /* namespace/name, when the host says */
	const char *container_name;
	const struct tt_kv *container_labels;
	size_t n_container_labels;
	const struct tt_environ *env;        /* allow-listed variables only */
};

struct tt_alloc_stats {
	uint64_t events;
	uint64_t too_big;        /* an event did not fit TT_EVENT_MAX: not written */
	uint64_t allocated, unallocated;
	uint64_t env_mismatch;
	uint64_t declared_truncated; /* declared header values cut to the cap */
	struct tt_pricing_stats pricing;
	uint64_t no_price_table; /* calls left unpriced: no table loaded */
};

/* Shared, read-only context of every event (stats excepted). */
struct tt_alloc {
	const char *host;                   /* this machine's name */
	const struct tt_owner_rules *rules; /* NULL: no rules, all unallocated */
	const struct tt_pricing *prices;    /* NULL: no table loaded */
	const char *prices_path;            /* the table's file, for the event */
	/* Allocation header names by role (enum tt_decl_role), "" = off. */
	const char (*declared)[TT_RULE_KEY_MAX];
	struct tt_alloc_stats st;
};

/* Writes the event for one exchange as a line of JSON (no newline) into
 * buf. event_id: a UUID string from the caller. Returns the length, or
 * -E2BIG (counted in a->st.too_big). */
long tt_alloc_event(struct tt_alloc *a, const struct tt_xrec *rec,
		    const struct tt_proc_facts *pf, const char *event_id,
		    char *buf, size_t cap);

/* What an event booked, for the metrics (metrics/callmetrics.h): copies,
 * valid after the call. "" where the event has null. */
struct tt_alloc_result {
	int allocated;      /* an owner rule matched */
	int env_mismatch;   /* environment_check.mismatch */
	int priced;         /* cost.amount holds the estimate */
	double cost;        /* in currency; 0 when not priced */
	char currency[4];   /* the price table's, "" without one */
	char owner[TT_RULE_VALUE_MAX];       /* "unallocated" when unallocated */
	char environment[TT_RULE_VALUE_MAX]; /* the one booked to, normalized */
};

/* tt_alloc_event(), also filling *res (when not NULL) whether or not the
 * line fits buf. */
long tt_alloc_event_res(struct tt_alloc *a, const struct tt_xrec *rec,
			const struct tt_proc_facts *pf, const char *event_id,
			char *buf, size_t cap, struct tt_alloc_result *res);

/* The rule facts a process's facts give (no headers, no key): owner
 * rules and capture.arm selectors match on them. */
void tt_alloc_process_facts(const struct tt_proc_facts *pf, struct tt_facts *f);

/* Formats 16 bytes as an RFC 9562 version 4 UUID (the version and variant
 * bits are set here). */
void tt_alloc_uuid(const uint8_t b[16], char out[37]);

/* The request header names the exchange pipeline must keep for the
 * events: the configured allocation headers, NULL-terminated, pointing
 * into declared (which must outlive the list). */
void tt_alloc_keep_headers(const char (*declared)[TT_RULE_KEY_MAX],
			   const char *out[TT_DECL_ROLES + 1]);

#endif
