/* SPDX-License-Identifier: MIT */
/* Sorted arrays of 64-bit values: the comparison for qsort and bsearch,
 * and membership by binary search. */
#ifndef TT_SORTED_H
#define TT_SORTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline int tt_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* v is in t[0, n), which is ascending. */
static inline bool tt_sorted_has(const uint64_t *t, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid] == v)
			return true;
		if (t[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

#endif
