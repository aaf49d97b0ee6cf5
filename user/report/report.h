/* SPDX-License-Identifier: MIT */
/*
 * The unit-cost scorecard: an aggregator fed the allocation ledger one line
 * at a time (docs/report.md). Pure: text in, groups and counters out, no
 * I/O. Lines are classified (event, blank, too long, not JSON, not an
 * event, unknown version, bad field, outside the time window) and every
 * skipped line is counted. Events are grouped by a caller-chosen key list
 * plus the cost currency (costs in different currencies are never added)
 * and, for the FOCUS rows, by UTC day. Groups, day cells and key values
 * are capped; what does not fit goes to an "(other)" group, counted.
 */
#ifndef TT_REPORT_H
#define TT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include "pricing/pricing.h"

#define TT_REPORT_LINE_MAX (1u << 20)   /* longer lines: too_long */
#define TT_REPORT_GROUPS_MAX 10000      /* then "(other)" */
#define TT_REPORT_CELLS_MAX 262144      /* (group, day) pairs, then "(other)" */
#define TT_REPORT_OTHER_GROUPS 16       /* "(other)" groups: one per currency */
#define TT_REPORT_OTHER_CELLS 4096      /* days the "(other)" groups may add */
#define TT_REPORT_VALUE_MAX 320         /* bytes of a key value; longer cut */
#define TT_REPORT_VERSIONS_MAX 64       /* distinct price table versions */
#define TT_REPORT_COST_MAX 1e12         /* larger cost.amount: bad_field */
#define TT_REPORT_UNKNOWN_MARK 0.05     /* default unknown-cost share mark */
/* Distinct declared.unit_id values kept to count a group's units (and a
 * currency total's), and the bytes of ids kept in all; past them a call's
 * unit is not counted (units_uncounted) and the count is a lower
 * bound, shown so, with no cost per unit. */
#define TT_REPORT_UNITS_MAX 65536
#define TT_REPORT_UNITS_TOTAL_MAX (1u << 21)
#define TT_REPORT_UNIT_BYTES_MAX (64u << 20)

enum tt_report_key {
	TT_RKEY_OWNER,
	TT_RKEY_TEAM,
	TT_RKEY_COST_CENTER,
	TT_RKEY_APPLICATION,
	TT_RKEY_ENVIRONMENT,
	TT_RKEY_PROVIDER,
	TT_RKEY_MODEL,          /* response_model, else request_model */
	TT_RKEY_OPERATION,
	TT_RKEY_WORKLOAD,       /* container, pod, unit, exe, comm */
	TT_RKEY_API_KEY,        /* the fingerprint */
	TT_RKEY_ALLOCATION_STATUS,
	TT_RKEY_ENVIRONMENT_SOURCE, /* allocation.environment_source */
	TT_RKEY_PROVIDER_PROJECT, /* declared.provider_project */
	/* What the call declared (the event's "declared" object). */
	TT_RKEY_TENANT,
	TT_RKEY_WORKFLOW,
	TT_RKEY_UNIT_TYPE,
	TT_RKEY_UNIT_ID,
	TT_RKEY_UNIT_OUTCOME,
	TT_RKEY_USER,
	TT_RKEY_TRACE_ID,
	TT_RKEY__COUNT
};

/* What a line was. */
enum tt_report_line {
	TT_RLINE_EVENT,         /* an event, aggregated */
	TT_RLINE_BLANK,         /* empty or only white space */
	TT_RLINE_TOO_LONG,      /* over TT_REPORT_LINE_MAX bytes */
	TT_RLINE_NOT_JSON,      /* not one JSON value */
	TT_RLINE_NOT_EVENT,     /* JSON, but no "event_type" of ours
				 * (agent_stats, connection records, ...) */
	TT_RLINE_BAD_VERSION,   /* an event whose event_version is not 1 */
	TT_RLINE_BAD_FIELD,     /* an event with a field of the wrong type */
	TT_RLINE_OUT_OF_RANGE,  /* an event outside --since/--until */
	TT_RLINE_DROPPED,       /* an event no group could take (counted) */
	TT_RLINE__COUNT
};

/* cost.reason values; the last slot takes any other string. */
enum tt_report_reason {
	TT_RREASON_NO_PRICE_TABLE,
	TT_RREASON_UNKNOWN_MODEL,
	TT_RREASON_NO_USAGE,
	TT_RREASON_MISSING_INPUT,
	TT_RREASON_MISSING_CACHED_INPUT,
	TT_RREASON_MISSING_CACHE_WRITE,
	TT_RREASON_MISSING_CACHE_WRITE_1H,
	TT_RREASON_MISSING_OUTPUT,
	TT_RREASON_MISSING_REASONING,
	TT_RREASON_INVALID_USAGE,
	TT_RREASON_NO_PRICE_AT_DATE,
	TT_RREASON_OTHER,       /* a string not listed above, or null */
	TT_RREASON__COUNT
};

enum tt_report_tok {
	TT_RTOK_INPUT,          /* usage.input_tokens (cache included) */
	TT_RTOK_OUTPUT,         /* usage.output_tokens (reasoning included) */
	TT_RTOK_CACHE_READ,
	TT_RTOK_CACHE_WRITE,
	TT_RTOK_REASONING,
	TT_RTOK__COUNT
};

/* A sum of doubles with Neumaier's compensation: the order the files are
 * given in changes the result in the last digit at most. */
struct tt_report_sum {
	double sum, comp;
};

double tt_report_sum_value(const struct tt_report_sum *s);

#define TT_REPORT_NO_VERSION 0xffffu
#define TT_REPORT_MIXED_VERSION 0xfffeu

struct tt_report_stats {
	uint64_t calls;         /* attempted: every event */
	uint64_t successes;     /* outcome "success" */
	uint64_t failures;      /* any other outcome */
	uint64_t retries;       /* attempt >= 1 */
	uint64_t attempt_known; /* attempt not null: first attempts + retries */
	uint64_t fallbacks;     /* fallback_of not null */
	uint64_t tokens[TT_RTOK__COUNT]; /* null counts as 0; saturating */
	uint64_t priced;        /* cost.amount not null */
	uint64_t unpriced;      /* cost.amount null */
	uint64_t unpriced_by[TT_RREASON__COUNT];
	/* The honest ratios (docs/report.md#honest-ratios): unpriced failed
	 * calls that reported no usage (usage_status "none": a rejected
	 * request, not billed) are of known cost 0; successes with a cost. */
	uint64_t unbilled_errors;
	uint64_t priced_successes;
	uint64_t allocated;     /* allocation.status "allocated" */
	uint64_t mismatches;    /* environment_check.mismatch true */
	/* Dark connections (events with a "connection"): AI traffic seen and
	 * not decrypted. No call, no cost: counted here only. */
	uint64_t dark;
	uint64_t dark_sent, dark_received; /* their bytes; saturating */
	struct tt_report_sum cost;           /* sum of cost.amount */
	struct tt_report_sum failed_cost;    /* of failed calls */
	struct tt_report_sum allocated_cost; /* of allocated calls */
	/* With opts.reprice: the same calls priced by that table. */
	struct tt_report_sum new_cost;
	uint64_t new_priced, new_unpriced;
	int64_t first_us, last_us; /* timestamp_utc, µs since the epoch */
	uint16_t version;       /* price table version id, NO_ or MIXED_ */
	/* Business units (docs/report.md#cost-per-unit): DISTINCT
	 * declared.unit_id values (with opts.unit_outcome: of units one of
	 * whose calls declared it), counted in a set, never summed; of them
	 * those with a call of unknown cost; how often an id did not fit the
	 * caps (a call's id in a group, a group's id in a total; not 0:
	 * units is a lower bound). */
	uint64_t units, units_unknown_cost, units_uncounted;
};

/* A set of unit ids (report_units.c): open addressing over the report's
 * id bytes. */
struct tt_runit {
	uint32_t hash, off;     /* off: into tt_report.unit_bytes */
	uint16_t len;
	uint8_t flags;          /* TT_RUNIT_ bits; 0: an empty slot */
};

struct tt_runits {
	struct tt_runit *slot;
	uint32_t cap, n;
};

/* Ratios of a stats block; NaN where the denominator is 0. Cost ratios
 * are over the calls of known cost only: priced ones and unbilled
 * errors; the others are in neither numerator nor denominator. */
struct tt_report_derived {
	double cost;
	uint64_t known_calls;        /* priced + unbilled errors */
	uint64_t unknown_calls;      /* calls - known_calls */
	double unknown_share;        /* unknown_calls / calls */
	double cost_per_call;        /* cost / known_calls */
	double cost_per_success;     /* cost / priced successes */
	double retry_inflation;      /* retries / first attempts (attempt 0) */
	double cost_per_unit;        /* cost / units; NaN when capped */
	double alloc_cost_coverage;  /* allocated cost / cost */
	double alloc_call_coverage;  /* allocated calls / calls */
};

void tt_report_derive(const struct tt_report_stats *s,
		      struct tt_report_derived *d);

struct tt_report_group {
	uint32_t hash;
	int other;              /* the "(other)" group of its currency */
	char currency[4];       /* "" when the events had none */
	/* Key values in the order of opts.keys; NULL for null. They point
	 * into blob, which the group owns. */
	const char *val[TT_RKEY__COUNT];
	char *blob;
	size_t blob_len;
	struct tt_report_stats st;
	struct tt_runits units;
};

/* A group's events on one UTC day: the FOCUS rows. */
struct tt_report_cell {
	uint32_t group, hash;
	int32_t day;            /* days since 1970-01-01 */
	uint16_t version;
	uint64_t calls, successes, failures, unpriced;
	uint64_t tokens[TT_RTOK__COUNT];
	struct tt_report_sum cost;
};

struct tt_report_total {
	char currency[4];
	uint64_t groups;
	struct tt_report_stats st;
	struct tt_runits units;  /* the groups' ids, each once */
};

struct tt_report_opts {
	enum tt_report_key keys[TT_RKEY__COUNT];
	size_t nkeys;
	int has_since, has_until;
	int64_t since_us, until_us; /* since inclusive, until exclusive */
	/* 0: the TT_REPORT_ defaults; lower values let tests reach them
	 * (max_units: the ids of a group's set and of a total's). */
	size_t max_groups, max_cells, max_units;
	/* Price every event again with this table (docs/report.md,
	 * --reprice): the groups show the new cost beside the old; NULL:
	 * no. The table must outlive the report. */
	const struct tt_pricing *reprice;
	/* Honest ratios and CI thresholds (docs/report.md#honest-ratios,
	 * #thresholds-for-ci), fractions 0..1. A group whose share of calls
	 * of unknown cost is above unknown_mark is marked (without
	 * has_unknown_mark: TT_REPORT_UNKNOWN_MARK). A fail_ limit is
	 * checked only when its has_ flag is set. */
	int has_unknown_mark;
	double unknown_mark;
	int has_fail_unallocated, has_fail_unpriced, has_fail_dark;
	double fail_unallocated, fail_unpriced, fail_dark;
	/* Count only the units one of whose calls declared this
	 * declared.unit_outcome ("resolved": cost per resolved case); NULL:
	 * every unit. Must outlive the report. */
	const char *unit_outcome;
};

struct tt_rslot {
	uint32_t ref, hash;     /* ref: index + 1; 0 empty */
};

struct tt_rindex {
	struct tt_rslot *slot;
	uint32_t cap;           /* power of two, or 0 */
};

struct tt_report {
	struct tt_report_opts opts;
	uint64_t lines[TT_RLINE__COUNT];
	uint64_t lines_total;
	uint64_t other_group_cap;  /* events sent to "(other)": group cap */
	uint64_t other_cell_cap;   /* ... day-cell cap */
	uint64_t values_truncated; /* key values cut at TT_REPORT_VALUE_MAX */
	uint64_t versions_overflow;/* events whose version did not fit */
	uint64_t nomem;            /* events lost to allocation failure */
	uint64_t mixed_currency_keys; /* key tuples seen in >1 currency */
	uint64_t unit_calls;       /* calls that declared a unit_id */
	char *unit_bytes;          /* the unit ids the sets hold */
	size_t unit_bytes_len, unit_bytes_cap;

	struct tt_report_group *groups;
	size_t ngroups, groups_cap, nregular;
	struct tt_rindex gindex;
	struct tt_report_cell *cells;
	size_t ncells, cells_cap, nregular_cells;
	struct tt_rindex cindex;
	char versions[TT_REPORT_VERSIONS_MAX][64];
	size_t nversions;

	/* After tt_report_finish(): groups by cost descending then key, the
	 * rank of each group, cells by day then rank, totals per currency
	 * by cost descending then currency. */
	int finished;
	uint32_t *order, *rank, *cell_order;
	struct tt_report_total *totals;
	size_t ntotals;

	char scratch[TT_RKEY__COUNT * (TT_REPORT_VALUE_MAX + 2)];
};

/* 0, or -EINVAL for a key list that is empty, too long or repeats a
 * key. The opts are copied. */
int tt_report_init(struct tt_report *r, const struct tt_report_opts *opts);
void tt_report_free(struct tt_report *r);

/* One ledger line (a trailing "\n" or "\r\n" is ignored). The class goes
 * to *cls when given and is counted in r->lines. 0, -ENOMEM (the event is
 * counted in r->nomem and lost), or -EINVAL after tt_report_finish(). */
int tt_report_feed(struct tt_report *r, const char *line, size_t len,
		   enum tt_report_line *cls);
/* Counts a too-long line the caller did not keep in memory. */
void tt_report_too_long(struct tt_report *r);

/* Sorts and totals; may be called again after more lines. 0 or -ENOMEM. */
int tt_report_finish(struct tt_report *r);

/* The group of the given rank (0: most cost), or NULL. After finish. */
const struct tt_report_group *tt_report_group_at(const struct tt_report *r,
						 size_t rank);
/* The version string of a version id; NULL for NO_ and MIXED_. */
const char *tt_report_version(const struct tt_report *r, uint16_t id);

/* "owner", "model", ...; NULL for an out-of-range key. */
const char *tt_report_key_name(enum tt_report_key k);
const char *tt_report_reason_name(enum tt_report_reason rsn);
const char *tt_report_line_name(enum tt_report_line cls);
/* A comma-separated key list ("owner,environment,model"). 0 or -EINVAL;
 * on error *bad (when given) is the offending name's offset in list. */
int tt_report_parse_keys(const char *list, struct tt_report_opts *opts,
			 size_t *bad);

/* ISO 8601 time: YYYY-MM-DD, optionally followed by T (or a space)
 * hh:mm[:ss[.fraction]] and Z or +hh:mm / -hh:mm (none: UTC). To
 * microseconds since the epoch. 0 or -EINVAL. */
int tt_report_parse_time(const char *s, size_t len, int64_t *us);
/* "YYYY-MM-DDThh:mm:ss.uuuuuuZ" into out (at least 32 bytes). */
void tt_report_format_time(int64_t us, char *out);
/* Days since 1970-01-01 of a time (floor). */
int32_t tt_report_day(int64_t us);

/*
 * Writers (report_out.c, focus.c): the finished report as text through a
 * sink, which returns 0 or a negative value that stops the writer and is
 * returned. Each returns 0, the sink's error, -EINVAL before finish, or
 * -ENOMEM.
 */
typedef int (*tt_report_sink)(void *ctx, const char *buf, size_t len);

int tt_report_write_table(const struct tt_report *r, tt_report_sink sink,
			  void *ctx);
int tt_report_write_csv(const struct tt_report *r, tt_report_sink sink,
			void *ctx);
int tt_report_write_json(const struct tt_report *r, tt_report_sink sink,
			 void *ctx);
/* FOCUS-style rows, one per group, currency and UTC day. Needs provider
 * and model among the keys (-EINVAL otherwise). */
int tt_report_write_focus(const struct tt_report *r, tt_report_sink sink,
			  void *ctx);
/*
 * CI thresholds (report_policy.c). A check per limit set in the opts:
 * the unallocated share of cost per currency (1 - allocated cost / cost;
 * undefined, so not exceeded, when that cost is 0), the share of calls of
 * unknown cost, and the dark share (dark connections / (dark connections
 * + calls)) over all currencies.
 */
enum tt_report_check_kind {
	TT_RCHECK_UNALLOCATED,
	TT_RCHECK_UNPRICED,
	TT_RCHECK_DARK,
};

struct tt_report_check {
	enum tt_report_check_kind kind;
	char currency[4];       /* unallocated: the currency; else "" */
	double share;           /* NaN when undefined */
	double limit;
	int exceeded;
};

#define TT_REPORT_CHECKS_MAX (TT_REPORT_OTHER_GROUPS + 2 + 64)

/* Fills out[0..*n) (at most max); returns how many were exceeded, or
 * -EINVAL before finish. Checks past max are not made, counted in
 * *n as made: a caller passing TT_REPORT_CHECKS_MAX sees them all. */
int tt_report_checks(const struct tt_report *r, struct tt_report_check *out,
		     size_t max, size_t *n);
/* "unallocated_cost_share", "unknown_cost_share", "dark_share". */
const char *tt_report_check_name(enum tt_report_check_kind k);
/* The option that sets a check's limit ("--fail-unallocated-above"). */
const char *tt_report_check_option(enum tt_report_check_kind k);
/* The ratio policy and the checks as text lines (the table's footer;
 * stderr for the other formats). */
int tt_report_write_policy(const struct tt_report *r, tt_report_sink sink,
			   void *ctx);
int tt_report_write_checks(const struct tt_report *r, tt_report_sink sink,
			   void *ctx);
/* A percentage ("2%", "2.5", "0%"; 0..100) as a fraction. 0 or -EINVAL. */
int tt_report_parse_percent(const char *s, double *fraction);

/* The skipped-line summary, one line ("lines: ... ") for stderr. */
int tt_report_write_summary(const struct tt_report *r, tt_report_sink sink,
			    void *ctx);

#endif
