/* SPDX-License-Identifier: MIT */
/*
 * The runs the stream-framer fuzz targets share (sse_fuzz.c, ndjson_fuzz.c,
 * jsonarray_fuzz.c, eventstream_fuzz.c), as tests/unit/framing_harness.h
 * does for their unit tests: the framers share one API shape
 * (tt_<module>_new, _feed, _get_stats, _finish, _free), so the including
 * file names its module and declares its callback before the include:
 *
 *   static void on_event(void *ctx, const struct tt_sse_event *ev);
 *   #define FZ_MODULE sse
 *   #define FZ_CALLBACK on_event   gets the run's struct fz as its ctx
 *   #define FZ_COUNT events        the stats field counting the callbacks
 *   #define FZ_FINISH_AGAIN 0      what a second finish returns
 *   #define FZ_EXTRA char *join;   (optional) its own fields in struct fz
 *   #include "framing_fuzz.h"
 *
 * and defines, after it, the callback and fz_check(): its own checks of a
 * run's outcome. A run feeds the stream whole, in pieces drawn from the
 * seed, or byte by byte; the framer must count every byte and every
 * callback, feeds say 0 or, from a framing error on, -EINVAL, finish says
 * 0, 1 (cut) or -EINVAL (after an error), and no allocation fails.
 */
#ifndef TT_FRAMING_FUZZ_H
#define TT_FRAMING_FUZZ_H

#include <errno.h>
#include "fuzz.h"

#if !defined(FZ_MODULE) || !defined(FZ_CALLBACK) || !defined(FZ_COUNT) || \
	!defined(FZ_FINISH_AGAIN)
#error "define FZ_MODULE, FZ_CALLBACK, FZ_COUNT, FZ_FINISH_AGAIN first"
#endif

#define FZ_CAT_(a, b) a##b
#define FZ_CAT(a, b) FZ_CAT_(a, b)
/* FZ_API(_feed) is tt_sse_feed when FZ_MODULE is sse. */
#define FZ_API(suffix) FZ_CAT(FZ_CAT(tt_, FZ_MODULE), suffix)

/* A run's callback context. */
struct fz {
	size_t cap;     /* the framer's cap */
	int failed;     /* a feed said -EINVAL */
	uint64_t hash;  /* of what the callbacks saw */
	uint64_t count; /* callbacks */
#ifdef FZ_EXTRA
	FZ_EXTRA
#endif
};

struct fz_outcome {
	struct fz fz;
	struct FZ_API(_stats) stats; /* before finish */
	int finish;
};

enum { FZ_WHOLE, FZ_PIECES, FZ_BYTES };

/* The including file's own checks of one run. */
static void fz_check(const struct fz_outcome *o);

/* One run over p[0, n) with the callback context *init (its cap is the
 * framer's), fed in mode's pieces. */
static void fz_run(const uint8_t *p, size_t n, const struct fz *init,
		   uint32_t seed, int mode, struct fz_outcome *o)
{
	struct FZ_CAT(tt_, FZ_MODULE) *fr = FZ_API(_new)(init->cap, NULL);
	size_t off = 0, k;
	int ret;

	memset(o, 0, sizeof(*o));
	o->fz = *init;
	o->fz.hash = FZ_HASH_INIT;
	CHECK(fr);
	while (off < n) {
		k = n - off;
		if (mode == FZ_BYTES)
			k = 1;
		else if (mode == FZ_PIECES && k > 1)
			k = fz_rnd(&seed) % (k > 64 ? 64 : k) + 1;
		ret = FZ_API(_feed)(fr, p + off, k, FZ_CALLBACK, &o->fz);
		CHECK(ret == 0 || ret == -EINVAL);
		CHECK(!o->fz.failed || ret == -EINVAL);
		if (ret)
			o->fz.failed = 1;
		off += k;
	}
	o->stats = *FZ_API(_get_stats)(fr);
	o->finish = FZ_API(_finish)(fr);
	CHECK(o->finish == 0 || o->finish == 1 || o->finish == -EINVAL);
	CHECK((o->finish == -EINVAL) == o->fz.failed);
	CHECK(FZ_API(_finish)(fr) == FZ_FINISH_AGAIN); /* finish resets */
	CHECK(o->stats.bytes == n);
	CHECK(o->stats.FZ_COUNT == o->fz.count);
	CHECK(o->stats.nomem == 0);
	fz_check(o);
	FZ_API(_free)(fr);
}

static void fz_same(const struct fz_outcome *a, const struct fz_outcome *b)
{
	CHECK(a->fz.hash == b->fz.hash);
	CHECK(a->fz.count == b->fz.count);
	CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)));
	CHECK(a->finish == b->finish);
}

/* Whole into *whole; in pieces, and (up to 8 KiB) byte by byte: the same. */
static void fz_runs(const uint8_t *p, size_t n, const struct fz *init,
		    uint32_t seed, struct fz_outcome *whole)
{
	struct fz_outcome other;

	fz_run(p, n, init, seed, FZ_WHOLE, whole);
	fz_run(p, n, init, seed, FZ_PIECES, &other);
	fz_same(whole, &other);
	if (n <= 8192) {
		fz_run(p, n, init, seed, FZ_BYTES, &other);
		fz_same(whole, &other);
	}
}

#endif
