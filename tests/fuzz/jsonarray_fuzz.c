// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/framing/jsonarray.c. Input: a cap byte, two seed
 * bytes, then the stream, run by framing_fuzz.h (whole, in pieces, byte by
 * byte: the same elements, stats and finish). Invariants: every element
 * is non-empty, within the cap and trimmed; nothing is emitted once a feed
 * said -EINVAL, which is counted as malformed. A second pass wraps the
 * input's elements back into an array and checks they come out again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/jsonarray.h"
#include "fuzz.h"

static void on_elem(void *ctx, const char *elem, size_t len);
#define FZ_MODULE jsonarray
#define FZ_CALLBACK on_elem
#define FZ_COUNT elements
#define FZ_FINISH_AGAIN 1 /* nothing seen: no array, a cut stream */
/* For the rebuild: the elements, joined by ",\r\n" (when join is set). */
#define FZ_EXTRA                                                             \
	char *join;                                                          \
	size_t join_len, join_cap;
#include "framing_fuzz.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void on_elem(void *ctx, const char *elem, size_t len)
{
	struct fz *f = ctx;

	CHECK(!f->failed);
	CHECK(elem && len > 0 && len <= f->cap);
	CHECK(!is_ws(elem[0]) && !is_ws(elem[len - 1]));
	f->count++;
	fz_hash_field(&f->hash, elem, len);
	if (f->join && f->join_len + len + 3 <= f->join_cap) {
		if (f->join_len) {
			memcpy(f->join + f->join_len, ",\r\n", 3);
			f->join_len += 3;
		}
		memcpy(f->join + f->join_len, elem, len);
		f->join_len += len;
	}
}

static void fz_check(const struct fz_outcome *o)
{
	CHECK(o->stats.malformed == (uint64_t)o->fz.failed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_outcome whole, again;
	struct fz init = { .cap = 0 };
	uint32_t seed;
	char *join;

	if (size < 3)
		return 0;
	init.cap = fz_cap(data[0], 1);
	seed = fz_seed(data + 1);
	data += 3;
	size -= 3;
	/* Every run joins into the same buffer: the same elements. */
	init.join_cap = 4 * size + 8;
	join = malloc(init.join_cap);
	CHECK(join);
	join[0] = '[';
	init.join = join + 1;
	init.join_cap -= 2;
	fz_runs(data, size, &init, seed, &whole);
	/* A well-formed array's elements, re-joined, split the same way. */
	if (whole.finish == 0 && !whole.stats.oversize) {
		size_t len = 1 + whole.fz.join_len;

		join[len++] = ']';
		init.join = NULL;
		fz_run((const uint8_t *)join, len, &init, seed, FZ_PIECES,
		       &again);
		CHECK(again.finish == 0);
		CHECK(again.fz.hash == whole.fz.hash);
	}
	free(join);
	return 0;
}
