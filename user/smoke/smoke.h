/* SPDX-License-Identifier: MIT */
/*
 * `tokentap smoke` (docs/finops.md, "Smoke and handoff record"): the
 * evidence a workload's happy-path and error-path calls left in the
 * ledger, checked, and the handoff record made of it. Pure: ledger events
 * (parsed JSON objects) and the price table's JSON in, a verdict with its
 * reasons and the record (JSON and text) out. Running the commands and
 * reading the ledger are the adapter's (agent/smoke_cmd.c).
 *
 * A workload is an owner rule's name (the events' allocation.rule) or a
 * cgroup path as events write it ("/..."; the cgroup and those below it).
 */
#ifndef TT_SMOKE_H
#define TT_SMOKE_H

#include <stddef.h>
#include <stdio.h>

struct cJSON;

#define TT_SMOKE_EVENTS_MAX 256  /* events kept per window; more are counted */
#define TT_SMOKE_REASONS_MAX 16
#define TT_SMOKE_REASON_LEN 320
#define TT_SMOKE_URLS_MAX 4
#define TT_SMOKE_URL_LEN 512

struct tt_smoke_spec {
	const char *workload;   /* rule name or cgroup path */
	int max_error_attempts; /* auth failures allowed (>= 1) */
	/* 1: the path's calls were watched for, not made by a command: its
	 * first call of the kind is the one checked. */
	int happy_watched, error_watched;
	int happy_pid, error_pid; /* the commands' pids (0: none) */
};

/* The allocation events of one window of the ledger, in order. */
struct tt_smoke_window {
	const struct cJSON *ev[TT_SMOKE_EVENTS_MAX];
	size_t n;
	unsigned over; /* events past the cap, not kept */
};

struct tt_smoke_result {
	int happy_pass, error_pass;
	const struct cJSON *happy;        /* the call's event, or NULL */
	unsigned happy_events;            /* the workload's events in its window */
	const struct cJSON *error_first;  /* the first error-path event */
	unsigned error_events, auth_failures;
	const char *owner, *environment;  /* of the happy (else error) event */
	char urls[TT_SMOKE_URLS_MAX][TT_SMOKE_URL_LEN]; /* price sources */
	unsigned nurls;
	char reasons[TT_SMOKE_REASONS_MAX][TT_SMOKE_REASON_LEN];
	unsigned nreasons;
};

/* A member by dotted path ("cost.priced_as.model"), or NULL. */
const struct cJSON *tt_smoke_at(const struct cJSON *o, const char *path);

/* 1 when ev is a call of the workload. */
int tt_smoke_is_workload(const struct cJSON *ev, const char *workload);

/* Checks both windows (watching both, they are the same window).
 * Fills res; the price sources are checked apart (below). */
void tt_smoke_check(const struct tt_smoke_spec *spec,
		    const struct tt_smoke_window *happy,
		    const struct tt_smoke_window *error,
		    struct tt_smoke_result *res);

/* The source URLs of the price entry that priced the happy call
 * (cost.priced_as) in table (the price table's JSON, whose file's
 * SHA-256 is table_sha256), and the table's own source. A table that is
 * missing (NULL), another one than the call's, or an entry without any
 * source fails the happy path with the reason. */
void tt_smoke_check_prices(struct tt_smoke_result *res,
			   const struct cJSON *table, const char *table_sha256,
			   const char *why_no_table);

/* Adds a reason (printf) and fails the happy (which 0) or error (1) path. */
__attribute__((format(printf, 3, 4)))
void tt_smoke_fail(struct tt_smoke_result *res, int which, const char *fmt, ...);

struct tt_smoke_record {
	char run_id[37];        /* UUID v4 */
	char reviewed_at[32];   /* UTC, as timestamp_utc */
	const char *operator_name, *workload, *follow_up_owner, *ledger;
	int max_error_attempts;
	int happy_watched, error_watched;
	int happy_exit, error_exit; /* the commands' exit status, -1: none */
	const struct tt_smoke_result *res;
};

/* The handoff record as one JSON object (cJSON, the caller frees), with
 * run_id, reviewed_at, operator, source_urls_checked, workload_tag,
 * owner_tag, environment, happy_path_result, error_path_result,
 * evidence_captured, decision, follow_up_owner, and the reasons. NULL when
 * out of memory. */
struct cJSON *tt_smoke_record_json(const struct tt_smoke_record *r);
/* The same, for people: one field a line. */
void tt_smoke_record_text(const struct tt_smoke_record *r, FILE *f);

#endif
