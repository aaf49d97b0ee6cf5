// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/framing/ndjson.c. Input: a cap byte, two seed
 * bytes, then the stream. The stream is fed whole, in pieces drawn from
 * the seed, and byte by byte. Invariants: every line is non-empty, within
 * the cap, holds no \n and is trimmed; the three runs agree exactly; no
 * more lines than newlines.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/ndjson.h"

#define CHECK(c)                                                             \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

struct fz {
	size_t cap;
	uint64_t hash, lines;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void on_line(void *ctx, const char *line, size_t len)
{
	struct fz *f = ctx;

	CHECK(line && len > 0 && len <= f->cap);
	CHECK(!memchr(line, '\n', len));
	CHECK(!is_ws(line[0]) && !is_ws(line[len - 1]));
	f->lines++;
	f->hash = (f->hash ^ len) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		f->hash = (f->hash ^ (uint8_t)line[i]) * 0x100000001b3ull;
}

struct outcome {
	struct fz fz;
	struct tt_ndjson_stats stats;
	int cut;
};

/* mode 0: whole; 1: pieces from the seed; 2: byte by byte. */
static void run(const uint8_t *p, size_t n, size_t cap, uint32_t seed,
		int mode, struct outcome *o)
{
	struct tt_ndjson *nd = tt_ndjson_new(cap, NULL);
	size_t off = 0, k;

	memset(o, 0, sizeof(*o));
	o->fz.cap = cap;
	o->fz.hash = 0xcbf29ce484222325ull;
	CHECK(nd);
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
		CHECK(tt_ndjson_feed(nd, p + off, k, on_line, &o->fz) == 0);
		off += k;
	}
	o->stats = *tt_ndjson_get_stats(nd);
	o->cut = tt_ndjson_finish(nd);
	CHECK(o->cut == 0 || o->cut == 1);
	CHECK(tt_ndjson_finish(nd) == 0);
	CHECK(o->stats.bytes == n);
	CHECK(o->stats.lines == o->fz.lines);
	CHECK(o->stats.nomem == 0);
	tt_ndjson_free(nd);
}

static void same(const struct outcome *a, const struct outcome *b)
{
	CHECK(a->fz.hash == b->fz.hash);
	CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)));
	CHECK(a->cut == b->cut);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, cut, bytes;
	size_t cap, newlines = 0;
	uint32_t seed;

	if (size < 3)
		return 0;
	cap = data[0] & 0x80 ? (size_t)1 << 20 : data[0];
	seed = (uint32_t)data[1] << 8 | data[2] | 1u << 16;
	data += 3;
	size -= 3;
	for (size_t i = 0; i < size; i++)
		newlines += data[i] == '\n';
	run(data, size, cap, seed, 0, &whole);
	CHECK(whole.stats.lines + whole.stats.empty + whole.stats.oversize ==
	      newlines);
	run(data, size, cap, seed, 1, &cut);
	same(&whole, &cut);
	if (size <= 8192) {
		run(data, size, cap, seed, 2, &bytes);
		same(&whole, &bytes);
	}
	return 0;
}
