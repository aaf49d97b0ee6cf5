/* SPDX-License-Identifier: MIT */
/*
 * Flood resistance for the ledger. Three classes of event any local
 * process can make at will, at no cost, as fast as it likes:
 *
 *   unanswered    an exchange that got no response (problem no_response):
 *                 requests sent to a listener of its own under an AI name;
 *   unrecognised  a request to an AI host no decoder knows (operation
 *                 null, or "other": a model list, any unknown path) that
 *                 reported no usage: anything at all sent under an AI
 *                 name;
 *   dark          an AI connection nothing decoded: a ClientHello naming
 *                 an AI host is enough.
 *
 * Each such event passes a token bucket of its cgroup and class (config
 * ledger.rate_limit: burst, per_minute) and one of its class shared by all
 * cgroups (global_burst, global_per_minute), so that making cgroups does
 * not multiply the rate. An event over either is not written: it is
 * counted and summed into one "event_summary" record per cgroup and class
 * per summary_interval_s (how many, first and last time, one sample
 * process and host). Answered calls an API decoder recognised are never
 * limited (docs/security.md says why and what is left).
 *
 * Pure: the caller hands in the time (the events' wall clock, ns) and
 * takes the summary lines through a callback.
 */
#ifndef TT_FLOOD_H
#define TT_FLOOD_H

#include <stddef.h>
#include <stdint.h>
#include "config/config.h"
#include "exchange/exchange.h"
#include "util/counters.h"

enum tt_flood_class {
	TT_FLOOD_UNANSWERED = 0,
	TT_FLOOD_UNRECOGNISED,
	TT_FLOOD_DARK,
	TT_FLOOD_CLASSES,
};

#define TT_FLOOD_CGROUPS 1024 /* cgroups with buckets of their own */

/* util/counters.h */
#define TT_FLOOD_COUNTERS(X)                                                   \
	X(limited_unanswered, "unanswered exchanges not written (rate limit)") \
	X(limited_unrecognised, "requests no decoder knows not written "       \
	  "(rate limit)")                                                      \
	X(limited_dark, "dark connections not written (rate limit)")           \
	X(summaries, "event_summary records written")                          \
	X(shared_bucket, "events of cgroups the bucket table had no room for")

struct tt_flood_stats {
	TT_FLOOD_COUNTERS(TT_COUNTER_FIELD)
};

struct tt_flood;

/* The class of an event, or -1 for one that is never limited. */
int tt_flood_class_of(const struct tt_xrec *rec);
const char *tt_flood_class_name(int cls);

/* lim: read at every event (a reload changes it in place); NULL or a
 * burst of 0: nothing is limited. NULL when out of memory. */
struct tt_flood *tt_flood_new(const struct tt_rate_limits *lim);
void tt_flood_free(struct tt_flood *f);

/* 1: write this event; 0: it was counted into a summary instead. */
int tt_flood_admit(struct tt_flood *f, const struct tt_xrec *rec, uint32_t pid,
		   const char *comm, uint64_t cgroup_id, uint64_t now_ns);

/* The summaries whose interval has passed by now_ns (all: every one
 * pending) as JSON lines (no newline) to line(). */
void tt_flood_flush(struct tt_flood *f, uint64_t now_ns, int all,
		    void (*line)(void *ctx, const char *s, size_t n), void *ctx);

const struct tt_flood_stats *tt_flood_get_stats(const struct tt_flood *f);

#endif
