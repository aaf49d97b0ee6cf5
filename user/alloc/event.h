/* SPDX-License-Identifier: MIT */
/*
 * The allocation event: one decoded AI call (exchange/exchange.h) plus the
 * facts about the process that made it, resolved once into struct
 * tt_event: an owner (owner/rules.h), an environment check, declared
 * headers and a cost (pricing/). Every sink takes that struct
 * (pipeline/sink.h); tt_event_json() writes it as the ledger's
 * "ai_api_cost_allocation" line. Pure: the caller gathers the facts
 * (agent: /proc and the cgroup tree; replay: the capture file) and hands
 * them in. Schema: docs/events.md, docs/events.schema.json; the fields'
 * names: alloc/fields.c.
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
#include "alloc/declared.h"
#include "retry/retry.h"
#include "exchange/exchange.h"
#include "provider/call.h"
#include "util/counters.h"

#define TT_EVENT_TYPE "ai_api_cost_allocation"
#define TT_EVENT_VERSION 1
#define TT_EVENT_MAX 16384          /* bytes of one event line */
#define TT_DECLARED_VALUE_MAX 128   /* a declared header value, with the NUL */
#define TT_CONTAINER_LABELS_MAX 32
#define TT_EVENT_ABSENT_WORDS 3     /* 64 field table rows each */

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

/* The allocation counters (util/counters.h); pricing's are its own. */
#define TT_ALLOC_COUNTERS(X)                                                   \
	X(events, "allocation events made")                                    \
	X(too_big, "allocation events too big to write")                       \
	X(allocated, "events an owner rule matched")                           \
	X(unallocated, "events no owner rule matched")                         \
	X(env_mismatch, "declared and workload environments differ")           \
	X(declared_truncated, "declared header values cut to their cap")       \
	X(declared_replaced, "declared values with bytes replaced by _")       \
	X(traceparent_invalid, "traceparent headers not W3C trace context")    \
	X(no_price_table, "calls left unpriced: no table loaded")

struct tt_alloc_stats {
	TT_ALLOC_COUNTERS(TT_COUNTER_FIELD)
	struct tt_pricing_stats pricing;
	struct tt_retry_stats retry;
};

/* Shared, read-only context of every event (stats excepted). */
struct tt_alloc {
	const char *host;                   /* this machine's name */
	const struct tt_owner_rules *rules; /* NULL: no rules, all unallocated */
	const struct tt_pricing *prices;    /* NULL: no table loaded */
	const char *prices_path;            /* the table's file, for the event */
	/* Allocation header names by role (enum tt_decl_role), "" = off. */
	const char (*declared)[TT_RULE_KEY_MAX];
	/* W3C baggage keys recorded (declared_headers.baggage). */
	const char (*baggage)[TT_BAGGAGE_KEY_MAX];
	size_t n_baggage;
	/* Inferred retries and fallbacks; NULL: the retry header only. */
	struct tt_retry *retry;
	struct tt_alloc_stats st;
};

/* Request headers an event may need: the roles' and "baggage". */
#define TT_ALLOC_KEEP_MAX (TT_DECL_ROLES + 2)

/* A list of strings (allocation.sources). */
struct tt_strs {
	const char *const *v;
	size_t n;
};

/* A map of strings, in order (tags, container labels); a NULL or ""
 * value is written as null. */
struct tt_kvs {
	const struct tt_kv *kv;
	size_t n;
};

/*
 * Everything one allocation event says, resolved once by
 * tt_alloc_build(): the ledger line (tt_event_json), the OTLP log record
 * and metrics (otlp/) and the Prometheus families (metrics/callmetrics.h)
 * all read this struct. Which member is which ledger field, and under
 * which OTLP attribute it is exported, is alloc/fields.c's table: a field
 * is named there once.
 *
 * Null in the ledger: a string NULL or "", a count or optional duration
 * < 0, an amount NaN, an "object or null" group whose has_* flag is 0.
 * Strings point into the call record, the process facts, the rule and
 * price tables (valid while the event is in use, that is during the sink
 * callbacks) or into the storage at the end of the struct: copying the
 * struct by value would leave those pointing into the original.
 */
struct tt_event {
	const char *event_type;     /* TT_EVENT_TYPE */
	int64_t event_version;
	const char *event_id;
	uint64_t start_ns;          /* timestamp_utc: first request byte */
	uint64_t duration_ns;
	int64_t ttfb_ns;            /* < 0: no response body */
	const char *host;
	/* process, cgroup, container, pod */
	int64_t pid;
	const char *comm, *exe;
	int64_t cgroup_id;
	const char *cgroup_path;
	int has_container;
	const char *container_runtime, *container_id, *container_name;
	struct tt_kvs container_labels;
	int has_pod;
	const char *pod_uid, *pod_namespace, *pod_name, *pod_qos;
	const char *unit, *slice;
	/* owner and allocation */
	const char *owner, *team, *cost_center, *application;
	const char *environment;    /* booked to, canonical name */
	struct tt_kvs tags;
	const char *alloc_status;   /* TT_OWNER_ALLOCATED_NAME or _UNALLOCATED_ */
	const char *alloc_rule;
	struct tt_strs alloc_sources;
	const char *environment_source;
	int env_mismatch;
	const char *env_workload, *env_workload_source;
	const char *env_declared, *env_declared_source;
	/* the call */
	const char *provider, *operation, *server_address, *endpoint;
	const char *request_model, *response_model;
	int stream;
	int64_t status_code;        /* < 0: no response */
	const char *outcome, *error_type, *provider_request_id, *response_id;
	const char *finish_reason, *service_tier;
	int64_t attempt;            /* < 0: unknown */
	const char *attempt_source; /* "header", "inferred" */
	const char *retry_of, *fallback_of; /* event ids */
	const char *user_agent, *sdk_lang, *sdk_version, *runtime;
	const char *runtime_version;
	struct tt_usage usage;      /* counts < 0: not reported */
	const char *usage_raw;      /* the provider's usage, compact JSON */
	const char *usage_status;
	const char *usage_problem;  /* why the usage cannot be true */
	int has_api_key;
	const char *key_fingerprint, *key_hint, *key_source;
	/* declared: by role (enum tt_decl_role), then provider headers */
	const char *declared[TT_DECL_VALUE_ROLES];
	const char *provider_organization, *provider_project;
	const char *trace_id, *span_id;
	struct tt_kvs baggage;
	/* Not a field: bit r set when role r's header is configured and was
	 * not sent (traceparent: or was invalid). */
	uint32_t declared_missing;
	/* cost */
	double cost_amount;         /* as the ledger shows it; NaN: unpriced */
	const char *currency, *pricing_source, *pricing_table;
	const char *pricing_version, *pricing_snapshot_date;
	const char *pricing_sha256;
	int has_priced_as;
	const char *priced_as_provider, *priced_as_model, *priced_as_match;
	const char *priced_as_effective_from;
	const char *priced_tier;    /* the tier's rates applied, or standard */
	int long_context;
	int has_components;
	double cost_part[TT_PRICE_NCLASS + 1]; /* rounded as shown; NaN: null */
	struct tt_strs cost_lacked;
	const char *cost_reason;
	int is_final_invoice_amount;
	int64_t request_bytes, response_bytes;
	const char *response_encoding, *problem;
	/* connection: a dark connection (nothing decrypted), else null */
	int has_connection;
	const char *conn_server_name, *conn_name_source, *conn_peer_address;
	int64_t conn_peer_port, conn_bytes_sent, conn_bytes_received;

	/* Fields a ledger line read back did not have (bit i: row i of the
	 * field table; tt_event_from_json). Always 0 from tt_alloc_build. */
	uint64_t absent[TT_EVENT_ABSENT_WORDS];

	/* Storage some of the pointers above point into. */
	struct tt_owner_result own;
	struct tt_env_check chk;
	struct tt_cost cost;
	const char *sources[TT_RULE_CONDS_MAX];
	const char *lacked[TT_COST_LACKED_MAX];
	struct tt_kv tag_kv[TT_RULE_TAGS_MAX];
	char declared_val[TT_DECL_VALUE_ROLES + 3][TT_DECLARED_VALUE_MAX];
	char trace_buf[TT_TRACE_ID_HEX], span_buf[TT_SPAN_ID_HEX];
	struct tt_kv bag_kv[TT_BAGGAGE_KEYS_MAX];
	char bag_val[TT_BAGGAGE_KEYS_MAX][TT_DECLARED_VALUE_MAX];
	struct tt_retry_result retry;
	char peer_buf[48]; /* conn_peer_address */
};

/* Resolves the event of one exchange: owner rules, environment check,
 * declared headers, attempt (a->retry learns the call: the next call's
 * attempt depends on it), cost. event_id: a UUID string from the caller
 * (it must outlive *ev). Counts pricing, retries, no_price_table and the
 * declared values' truncations in a->st. */
void tt_alloc_build(struct tt_alloc *a, const struct tt_xrec *rec,
		    const struct tt_proc_facts *pf, const char *event_id,
		    struct tt_event *ev);

/* The ledger line of ev: one line of JSON (no newline) into buf. Returns
 * the length, or -E2BIG when it does not fit cap. Pure. */
long tt_event_json(const struct tt_event *ev, char *buf, size_t cap);

/* tt_event_json() of an event tt_alloc_build() made, counted in a->st:
 * events, allocated, unallocated, env_mismatch, or too_big. */
long tt_alloc_json(struct tt_alloc *a, const struct tt_event *ev, char *buf,
		   size_t cap);

/* Points a at cfg's declared headers and baggage keys and sets the retry
 * window (a->retry is the caller's: tt_retry_new). Again after a reload
 * (cfg swapped in place). */
void tt_alloc_use_config(struct tt_alloc *a, const struct tt_config *cfg);

/* tt_alloc_build() then tt_alloc_json(): the line of one exchange. */
long tt_alloc_event(struct tt_alloc *a, const struct tt_xrec *rec,
		    const struct tt_proc_facts *pf, const char *event_id,
		    char *buf, size_t cap);

/* The rule facts a process's facts give (no headers, no key): owner
 * rules and capture.arm selectors match on them. */
void tt_alloc_process_facts(const struct tt_proc_facts *pf, struct tt_facts *f);

/* Formats 16 bytes as an RFC 9562 version 4 UUID (the version and variant
 * bits are set here). */
void tt_alloc_uuid(const uint8_t b[16], char out[37]);

/* The request header names the exchange pipeline must keep for the
 * events: the configured declared headers (and "baggage" when keys are
 * allow-listed), NULL-terminated, pointing into a->declared (which must
 * outlive the list). */
void tt_alloc_keep_headers(const struct tt_alloc *a,
			   const char *out[TT_ALLOC_KEEP_MAX]);

#endif
