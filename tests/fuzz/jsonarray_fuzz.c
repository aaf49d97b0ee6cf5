// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/framing/jsonarray.c. Input: a cap byte, two seed
 * bytes, then the stream. The stream is fed whole, in pieces drawn from
 * the seed, and byte by byte. Invariants: every element is non-empty,
 * within the cap and trimmed; nothing is emitted once a feed said
 * -EINVAL; feeds return only 0 or -EINVAL; the three runs agree exactly.
 * A second pass wraps the input's elements back into an array and checks
 * they come out again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/jsonarray.h"

#define CHECK(c)                                                             \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

struct fz {
	size_t cap;
	int failed;      /* a feed returned -EINVAL */
	uint64_t hash, elements;
	/* For the rebuild: the elements, joined by ",\r\n". */
	char *join;
	size_t join_len, join_cap;
};

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
	f->elements++;
	f->hash = (f->hash ^ len) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		f->hash = (f->hash ^ (uint8_t)elem[i]) * 0x100000001b3ull;
	if (f->join && f->join_len + len + 3 <= f->join_cap) {
		if (f->join_len) {
			memcpy(f->join + f->join_len, ",\r\n", 3);
			f->join_len += 3;
		}
		memcpy(f->join + f->join_len, elem, len);
		f->join_len += len;
	}
}

struct outcome {
	struct fz fz;
	struct tt_jsonarray_stats stats;
	int finish;
};

/* mode 0: whole; 1: pieces from the seed; 2: byte by byte. */
static void run(const uint8_t *p, size_t n, size_t cap, uint32_t seed,
		int mode, char *join, size_t join_cap, struct outcome *o)
{
	struct tt_jsonarray *ja = tt_jsonarray_new(cap, NULL);
	size_t off = 0, k;
	int ret;

	memset(o, 0, sizeof(*o));
	o->fz.cap = cap;
	o->fz.hash = 0xcbf29ce484222325ull;
	o->fz.join = join;
	o->fz.join_cap = join_cap;
	CHECK(ja);
	while (off < n) {
		k = n - off;
		if (mode == 2) {
			k = 1;
		} else if (mode == 1) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			if (k > 1)
				k = seed % (k > 64 ? 64 : k) + 1;
		}
		ret = tt_jsonarray_feed(ja, p + off, k, on_elem, &o->fz);
		CHECK(ret == 0 || ret == -EINVAL);
		CHECK(!o->fz.failed || ret == -EINVAL);
		if (ret)
			o->fz.failed = 1;
		off += k;
	}
	o->stats = *tt_jsonarray_get_stats(ja);
	o->finish = tt_jsonarray_finish(ja);
	CHECK(o->finish == -EINVAL || o->finish == 0 || o->finish == 1);
	CHECK((o->finish == -EINVAL) == o->fz.failed);
	CHECK(o->stats.malformed == (uint64_t)o->fz.failed);
	CHECK(tt_jsonarray_finish(ja) == 1);
	CHECK(o->stats.bytes == n);
	CHECK(o->stats.elements == o->fz.elements);
	tt_jsonarray_free(ja);
}

static void same(const struct outcome *a, const struct outcome *b)
{
	CHECK(a->fz.hash == b->fz.hash);
	CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)));
	CHECK(a->finish == b->finish);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, cut, bytes, again;
	size_t cap, join_cap;
	uint32_t seed;
	char *join;

	if (size < 3)
		return 0;
	cap = data[0] & 0x80 ? (size_t)1 << 20 : data[0];
	seed = (uint32_t)data[1] << 8 | data[2] | 1u << 16;
	data += 3;
	size -= 3;
	join_cap = 4 * size + 8;
	join = malloc(join_cap);
	CHECK(join);
	join[0] = '[';
	run(data, size, cap, seed, 0, join + 1, join_cap - 2, &whole);
	run(data, size, cap, seed, 1, NULL, 0, &cut);
	same(&whole, &cut);
	if (size <= 8192) {
		run(data, size, cap, seed, 2, NULL, 0, &bytes);
		same(&whole, &bytes);
	}
	/* A well-formed array's elements, re-joined, split the same way. */
	if (whole.finish == 0 && !whole.stats.oversize) {
		size_t len = 1 + whole.fz.join_len;

		join[len++] = ']';
		run((const uint8_t *)join, len, cap, seed, 1, NULL, 0, &again);
		CHECK(again.finish == 0);
		CHECK(again.fz.hash == whole.fz.hash);
	}
	free(join);
	return 0;
}
