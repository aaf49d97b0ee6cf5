// SPDX-License-Identifier: MIT
/* The report's open-addressing index over item numbers (groups, cells). */
#include <errno.h>
#include <stdlib.h>
#include "report/report.h"
#include "report/report_impl.h"

struct tt_rslot *tt_rindex_find(const struct tt_rindex *ix, uint32_t hash,
				tt_rindex_eq eq, const struct tt_report *r,
				const void *key)
{
	uint32_t mask = ix->cap - 1;

	if (!ix->cap)
		return NULL;
	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		struct tt_rslot *s = &ix->slot[i];

		if (!s->ref || (s->hash == hash && eq(r, s->ref - 1, key)))
			return s;
	}
}

/* Room for one more of n items at a load of at most 1/2. */
int tt_rindex_reserve(struct tt_rindex *ix, size_t n)
{
	struct tt_rslot *slot;
	uint32_t cap = ix->cap ? ix->cap : 64;

	while ((size_t)cap < 2 * (n + 1))
		cap *= 2;
	if (cap == ix->cap)
		return 0;
	slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < ix->cap; i++) {
		uint32_t j = ix->slot[i].hash & (cap - 1);

		if (!ix->slot[i].ref)
			continue;
		while (slot[j].ref)
			j = (j + 1) & (cap - 1);
		slot[j] = ix->slot[i];
	}
	free(ix->slot);
	ix->slot = slot;
	ix->cap = cap;
	return 0;
}
