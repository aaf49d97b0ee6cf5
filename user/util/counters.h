/* SPDX-License-Identifier: MIT */
/*
 * Counter lists. A module names its counters once, in an X-macro list
 * next to its stats struct, each with what it counts (the text
 * docs/metrics.md shows for it):
 *
 *	#define TT_FOO_COUNTERS(X)                                  \
 *		X(hits, "lookups answered from the cache")          \
 *		X(misses, "lookups not in the cache")
 *	struct tt_foo_stats { TT_FOO_COUNTERS(TT_COUNTER_FIELD) };
 *
 * The list makes the struct's fields and its sum where it has one
 * (TT_COUNTER_ADD). The agent's table (agent/counters.c) maps every
 * counter to its agent_stats key and Prometheus series; its unit test
 * walks the same lists so that none is left out. Every counter is a
 * uint64_t running total, or a level where its text says "a level".
 */
#ifndef TT_COUNTERS_H
#define TT_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#define TT_COUNTER_FIELD(name, doc) uint64_t name;
/* The body of a sum: a->name += b->name for each counter (a, b in scope). */
#define TT_COUNTER_ADD(name, doc) a->name += b->name;

/* The name of entry i of a names[n] table made from a list of reasons
 * (an enum and its counters' names), or "unknown" outside it. */
static inline const char *tt_name_of(const char *const *names, size_t n,
				     int i)
{
	return i >= 0 && (size_t)i < n && names[i] ? names[i] : "unknown";
}

#endif
