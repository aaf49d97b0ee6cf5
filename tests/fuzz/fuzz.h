/* SPDX-License-Identifier: MIT */
/*
 * What every fuzz target here shares: CHECK (a broken invariant aborts, so
 * libFuzzer keeps the input), a hash to compare runs over the same input
 * cut differently, a small PRNG seeded from input bytes, and the run
 * expansion that lets small inputs reach the caps. Header-only: each
 * target is one binary.
 */
#ifndef TT_FUZZ_H
#define TT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                             \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

/* Writer output collected in a growing buffer (a tt_report_sink). */
struct fz_buf {
	char *p;
	size_t len, cap;
};

static inline int fz_to_buf(void *ctx, const char *s, size_t n)
{
	struct fz_buf *b = ctx;

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		CHECK(p);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* 64-bit FNV-1a: FZ_HASH_INIT, then fz_hash over the bytes as they come
 * (pieces hash as their concatenation), or fz_hash_field for one value
 * whose length counts too. */
#define FZ_HASH_INIT 0xcbf29ce484222325ull

static inline void fz_hash(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static inline void fz_hash_field(uint64_t *h, const void *p, size_t n)
{
	*h = (*h ^ n) * 0x100000001b3ull;
	fz_hash(h, p, n);
}

/* A nonzero seed from two input bytes, and xorshift32 from it. */
static inline uint32_t fz_seed(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1] | 1u << 16;
}

static inline uint32_t fz_rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A cap from one input byte: below 0x80 the byte times unit (so small
 * caps reach the oversize paths), from 0x80 on 1 MiB. */
static inline size_t fz_cap(uint8_t b, size_t unit)
{
	return b & 0x80 ? (size_t)1 << 20 : (size_t)b * unit;
}

/*
 * Returns a malloc'd copy of in[0, len) of *n <= max bytes in which a NUL
 * byte followed by k stands for 64 * k + 1 copies of the byte before it,
 * so that heads, header blocks and frames past the caps are within reach
 * of small inputs.
 */
static inline uint8_t *fz_expand(const uint8_t *in, size_t len, size_t max,
				 size_t *n)
{
	uint8_t *out = malloc(max ? max : 1);
	size_t o = 0;

	CHECK(out);
	for (size_t i = 0; i < len && o < max; i++) {
		if (in[i] == 0 && i + 1 < len && o > 0) {
			size_t run = 64 * (size_t)in[++i] + 1;

			if (run > max - o)
				run = max - o;
			memset(out + o, out[o - 1], run);
			o += run;
		} else {
			out[o++] = in[i];
		}
	}
	*n = o;
	return out;
}

/*
 * One run of a stream target (h1, h2) over d[0, n) as parser kind kind:
 * mode 0 whole, 1 in pieces, 2 in pieces with gaps. Returns the hash of
 * what the callbacks saw and copies the parser's stats to *stats.
 */
typedef uint64_t (*fz_stream_run)(int kind, unsigned flags, uint32_t seed,
				  int mode, const uint8_t *d, size_t n,
				  void *stats);

/*
 * The whole of a stream target. Input: a flags byte, two seed bytes, then
 * the stream, expanded (fz_expand) up to max bytes when flags bit 1 is
 * set. For each parser kind from first to last, the whole and the cut run
 * must agree exactly (hash and stats_size bytes of stats); then a run with
 * gaps, which has only its own invariants.
 */
static inline int fz_stream_target(const uint8_t *input, size_t size,
				   size_t max, int first, int last,
				   fz_stream_run run, size_t stats_size)
{
	uint8_t whole[1024], cut[1024], *owned = NULL;
	const uint8_t *data = input + 3;
	unsigned flags;
	uint32_t seed;

	CHECK(stats_size <= sizeof(whole));
	if (size < 3)
		return 0;
	flags = input[0];
	seed = fz_seed(input + 1);
	size -= 3;
	if (flags & 2) {
		owned = fz_expand(data, size, max, &size);
		data = owned;
	}
	for (int kind = first; kind <= last; kind++) {
		uint64_t a = run(kind, flags, seed, 0, data, size, whole);
		uint64_t b = run(kind, flags, seed, 1, data, size, cut);

		CHECK(a == b);
		CHECK(!memcmp(whole, cut, stats_size));
		run(kind, flags, seed, 2, data, size, cut);
	}
	free(owned);
	return 0;
}

#endif
