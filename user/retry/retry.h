/* SPDX-License-Identifier: MIT */
/*
 * Retries and fallbacks told from the traffic itself, for clients that
 * send no retry header (curl, python requests, Go): a call whose request
 * body hashes the same (exchange/exchange.h: keyed, the top-level "model"
 * value left out) as a failed call of the same process that ended at most
 * a window before it started is
 *   - a retry (attempt n + 1 of that call) when it goes to the same
 *     provider, operation and model;
 *   - a fallback (linked to the failed call) when the model or the
 *     provider differs.
 * A call after a success, after the window, from another process or with
 * another body is a first attempt. The table keeps, per (process, body
 * hash), the last call only: no body, no prompt. It is bounded: at its cap
 * the least recently seen entry goes, counted. Pure: the caller hands in
 * the call's own timestamps. docs/finops.md#retries-and-fallbacks.
 */
#ifndef TT_RETRY_H
#define TT_RETRY_H

#include <stddef.h>
#include <stdint.h>
#include "util/counters.h"

#define TT_RETRY_WINDOW_DEFAULT_S 60
#define TT_RETRY_TRACKED_DEFAULT 4096
#define TT_RETRY_TRACKED_MAX (1u << 20)
#define TT_RETRY_ID_MAX 37 /* an event id (UUID text) and its NUL */

#define TT_RETRY_COUNTERS(X)                                                   \
	X(calls, "calls with a body hash the retry table looked up")           \
	X(unhashed, "calls without a body hash (multipart, gap, no JSON body)")\
	X(retries, "calls found to repeat a failed call (retries)")             \
	X(fallbacks, "calls found to resend a failed call to another model")   \
	X(evicted, "retry table entries dropped at its cap (least recent)")

struct tt_retry_stats {
	TT_RETRY_COUNTERS(TT_COUNTER_FIELD)
};

/* One finished call, as the table sees it. */
struct tt_retry_call {
	uint32_t pid;
	const char *provider, *operation, *model; /* NULL: unknown */
	int has_body_hash;
	uint64_t body_hash;
	uint64_t start_ns, end_ns;
	int failed;             /* not a success: error, rate limit, cut */
	int64_t header_attempt; /* X-Stainless-Retry-Count, < 0 when not sent */
	const char *event_id;
};

struct tt_retry_result {
	int64_t attempt;        /* < 0: unknown */
	const char *source;     /* "header", "inferred" or NULL */
	char retry_of[TT_RETRY_ID_MAX];    /* "" unless a retry was found */
	char fallback_of[TT_RETRY_ID_MAX]; /* "" unless a fallback was found */
};

struct tt_retry;

/* A table of at most max_tracked calls (0: the default); window_ns from a
 * failed call's end to its retry's start. NULL when out of memory. */
struct tt_retry *tt_retry_new(size_t max_tracked, uint64_t window_ns);
void tt_retry_free(struct tt_retry *t);
/* A new window (configuration reload); the entries stay. */
void tt_retry_set_window(struct tt_retry *t, uint64_t window_ns);

/* The attempt, its source and the link of c, then c takes its body's
 * place in the table; counted in st. t may be NULL (no inference: the
 * header only). */
void tt_retry_observe(struct tt_retry *t, const struct tt_retry_call *c,
		      struct tt_retry_result *out, struct tt_retry_stats *st);
/* Entries held now (a level). */
size_t tt_retry_size(const struct tt_retry *t);

#endif
