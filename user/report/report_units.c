// SPDX-License-Identifier: MIT
/*
 * Business units of the report (docs/report.md#cost-per-unit): the
 * DISTINCT declared.unit_id values of a group, kept in a capped set so a
 * unit whose calls span many lines, files or groups is counted once. A
 * currency total is the union of its groups' sets, never a sum of their
 * counts (a unit served by two models is one unit). Ids are stored once
 * in the report's byte buffer and compared exactly, not by hash alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "report/report_impl.h"

/* Per-entry flags beside TT_RUNIT_USED. Counted and unknown only ever
 * turn on, so the counters move at most once per unit. */
static void count_change(struct tt_report_stats *st, uint8_t before,
			 uint8_t after)
{
	int was = before & TT_RUNIT_COUNTED, is = after & TT_RUNIT_COUNTED;

	if (is && !was)
		st->units++;
	if (is && (after & TT_RUNIT_UNKNOWN) &&
	    !(was && (before & TT_RUNIT_UNKNOWN)))
		st->units_unknown_cost++;
}

/* Room for one more entry at a load of at most 1/2. 0 or -ENOMEM. */
static int reserve(struct tt_runits *set)
{
	struct tt_runit *slot;
	uint32_t cap = set->cap ? set->cap : 16;

	while ((size_t)cap < 2 * ((size_t)set->n + 1))
		cap *= 2;
	if (cap == set->cap)
		return 0;
	slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < set->cap; i++) {
		uint32_t j = set->slot[i].hash & (cap - 1);

		if (!set->slot[i].flags)
			continue;
		while (slot[j].flags)
			j = (j + 1) & (cap - 1);
		slot[j] = set->slot[i];
	}
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
	return 0;
}

/* The id's slot: its entry, or the empty slot to fill. */
static struct tt_runit *find(const struct tt_report *r,
			     const struct tt_runits *set, uint32_t hash,
			     const char *id, size_t len)
{
	uint32_t mask = set->cap - 1;

	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		struct tt_runit *u = &set->slot[i];

		if (!u->flags || (u->hash == hash && u->len == len &&
				  !memcmp(r->unit_bytes + u->off, id, len)))
			return u;
	}
}

/* Keeps a copy of a new id. 0, -E2BIG (byte cap) or -ENOMEM. */
static int keep_bytes(struct tt_report *r, const char *id, size_t len,
		      uint32_t *off)
{
	if (r->unit_bytes_len + len > TT_REPORT_UNIT_BYTES_MAX)
		return -E2BIG;
	if (r->unit_bytes_len + len > r->unit_bytes_cap) {
		size_t cap = r->unit_bytes_cap ? r->unit_bytes_cap : 4096;
		char *n;

		while (cap < r->unit_bytes_len + len)
			cap *= 2;
		n = realloc(r->unit_bytes, cap);
		if (!n)
			return -ENOMEM;
		r->unit_bytes = n;
		r->unit_bytes_cap = cap;
	}
	memcpy(r->unit_bytes + r->unit_bytes_len, id, len);
	*off = (uint32_t)r->unit_bytes_len;
	r->unit_bytes_len += len;
	return 0;
}

/*
 * Adds an id with flags to a set of at most max ids and moves st's unit
 * counters. off: where the id already is in r->unit_bytes (a merge), or
 * UINT32_MAX to keep a copy. 0, -E2BIG (a cap) or -ENOMEM.
 */
static int upsert(struct tt_report *r, struct tt_runits *set,
		  struct tt_report_stats *st, const char *id, size_t len,
		  uint32_t off, uint8_t flags, uint32_t max)
{
	uint32_t hash = tt_rfnv1a(id, len, 2166136261u);
	struct tt_runit *u;
	int ret = 0;

	if (len > TT_REPORT_VALUE_MAX || !len)
		return -E2BIG;
	if (set->cap) {
		u = find(r, set, hash, id, len);
		if (u->flags) {
			count_change(st, u->flags, u->flags | flags);
			u->flags |= flags;
			goto out;
		}
	}
	if (set->n >= max)
		return -E2BIG;
	ret = reserve(set);
	if (!ret && off == UINT32_MAX)
		ret = keep_bytes(r, id, len, &off);
	if (ret)
		goto out;
	/* Found again: reserve() may have moved the slots. */
	u = find(r, set, hash, id, len);
	*u = (struct tt_runit){ .hash = hash, .off = off,
				.len = (uint16_t)len, .flags = flags };
	set->n++;
	count_change(st, 0, flags);
out:
	return ret;
}

void tt_runits_add(struct tt_report *r, struct tt_runits *set,
		   struct tt_report_stats *st, const char *id,
		   uint8_t flags)
{
	uint32_t max = r->opts.max_units ? (uint32_t)r->opts.max_units :
		       TT_REPORT_UNITS_MAX;

	if (upsert(r, set, st, id, strlen(id), UINT32_MAX,
		   flags | TT_RUNIT_USED, max))
		st->units_uncounted++;
}

void tt_runits_merge(struct tt_report *r, struct tt_runits *dst,
		     struct tt_report_stats *st, const struct tt_runits *src)
{
	uint32_t max = r->opts.max_units ? (uint32_t)r->opts.max_units :
		       TT_REPORT_UNITS_TOTAL_MAX;

	for (uint32_t i = 0; i < src->cap; i++) {
		const struct tt_runit *u = &src->slot[i];

		if (u->flags &&
		    upsert(r, dst, st, r->unit_bytes + u->off, u->len, u->off,
			   u->flags, max))
			st->units_uncounted++;
	}
}

void tt_runits_free(struct tt_runits *set)
{
	free(set->slot);
	set->slot = NULL;
	set->cap = set->n = 0;
}
