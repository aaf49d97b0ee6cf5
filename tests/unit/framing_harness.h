/* SPDX-License-Identifier: MIT */
/*
 * Split-point tests for the stream framers (sse_test.c, ndjson_test.c,
 * jsonarray_test.c, eventstream_test.c): an allocator that fails on demand,
 * a callback trace, and runs of one input whole, at every split point (and
 * pair of split points) and byte by byte, each run checked to give the
 * same trace, return codes and stats as the whole.
 *
 * The framers share one API shape (tt_<module>_new, _feed, _get_stats,
 * _finish, _free; struct tt_<module>_stats), so the including file names
 * its module and its feed callback, declared before the include:
 *
 *   static void on_event(void *ctx, const struct tt_sse_event *ev);
 *   #define FH_MODULE sse
 *   #define FH_CALLBACK on_event
 *   #include "framing_harness.h"
 *
 * The callback gets the struct fh_trace of the run as its ctx.
 * Header-only like tt_test.h: each test file is one binary.
 */
#ifndef FRAMING_HARNESS_H
#define FRAMING_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fail_mem.h"
#include "tt_test.h"

#if !defined(FH_MODULE) || !defined(FH_CALLBACK)
#error "define FH_MODULE and FH_CALLBACK before including framing_harness.h"
#endif

#define FH_CAT_(a, b) a##b
#define FH_CAT(a, b) FH_CAT_(a, b)
/* FH_API(_feed) is tt_sse_feed when FH_MODULE is sse. */
#define FH_API(suffix) FH_CAT(FH_CAT(tt_, FH_MODULE), suffix)

/*
 * The allocator every framer here is handed (fail_mem.h): a test makes its
 * allocations fail with fh_fail.fail_in = 0 (and -1 to stop), and fh_run
 * checks that a framer frees all it allocated.
 */
static struct fail_mem fh_fail = FAIL_MEM_INIT;
static const struct tt_mem fh_mem = { fail_mem_malloc_, fail_mem_realloc_,
				      fail_mem_free_, &fh_fail };

/* What the callbacks saw, as text; a test's own put() fills it. */
struct fh_trace {
	char s[8192];
	size_t len;
};

#define FH_PUT_ESC_BACKSLASH 1 /* a backslash as \x5c, not as itself */
#define FH_PUT_NL_AS_N 2       /* a newline as \n, not as \x0a */

/* Appends p[0, n): printable ASCII as it is, any other byte as \xHH
 * (flags: FH_PUT_*); stops short of a full buffer. */
__attribute__((unused))
static void fh_put_hex(struct fh_trace *t, const char *p, size_t n, int flags)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n && t->len + 5 < sizeof(t->s); i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f &&
		    !(c == '\\' && (flags & FH_PUT_ESC_BACKSLASH))) {
			t->s[t->len++] = (char)c;
		} else if (c == '\n' && (flags & FH_PUT_NL_AS_N)) {
			memcpy(t->s + t->len, "\\n", 2);
			t->len += 2;
		} else {
			t->s[t->len++] = '\\';
			t->s[t->len++] = 'x';
			t->s[t->len++] = hex[c >> 4];
			t->s[t->len++] = hex[c & 15];
		}
	}
	t->s[t->len] = '\0';
}

struct fh_result {
	struct fh_trace trace;
	int finish;   /* tt_<module>_finish() */
	int feed_ret; /* the first nonzero tt_<module>_feed(), else 0 */
	struct FH_API(_stats) stats; /* before finish */
};

/* Runs one framer over in[0, len) fed in pieces ending at cuts[], each
 * piece in its own allocation so that a read past it is caught by
 * sanitizers and valgrind. */
static void fh_run(const void *in, size_t len, size_t max,
		   const size_t *cuts, size_t ncuts, struct fh_result *r)
{
	long live = fh_fail.live; /* before the framer is made */
	struct FH_CAT(tt_, FH_MODULE) *fr = FH_API(_new)(max, &fh_mem);
	size_t from = 0;

	memset(r, 0, sizeof(*r));
	if (!fr)
		abort();
	for (size_t k = 0; k <= ncuts; k++) {
		size_t to = k < ncuts ? cuts[k] : len;
		uint8_t *piece = malloc(to - from + 1);
		int ret;

		if (!piece)
			abort();
		memcpy(piece, (const uint8_t *)in + from, to - from);
		ret = FH_API(_feed)(fr, piece, to - from, FH_CALLBACK,
				    &r->trace);
		if (ret && !r->feed_ret)
			r->feed_ret = ret;
		free(piece);
		from = to;
	}
	r->stats = *FH_API(_get_stats)(fr);
	r->finish = FH_API(_finish)(fr);
	FH_API(_free)(fr);
	TT_CHECK_EQ_INT(fh_fail.live, live); /* all it allocated is freed */
}

static void fh_same(const struct fh_result *a, const struct fh_result *b)
{
	TT_CHECK_EQ_STR(a->trace.s, b->trace.s);
	TT_CHECK_EQ_INT(a->finish, b->finish);
	TT_CHECK_EQ_INT(a->feed_ret, b->feed_ret);
	TT_CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)));
}

/* Runs in whole into *whole, then split at every point (and every pair
 * of points when pairs is set): each the same as the whole. */
static void fh_check_split_points(const void *in, size_t len, size_t max,
				  int pairs, struct fh_result *whole)
{
	size_t cuts[2];
	struct fh_result r;

	fh_run(in, len, max, NULL, 0, whole);
	for (cuts[0] = 0; cuts[0] <= len; cuts[0]++) {
		fh_run(in, len, max, cuts, 1, &r);
		fh_same(&r, whole);
		for (cuts[1] = cuts[0]; pairs && cuts[1] <= len; cuts[1]++) {
			fh_run(in, len, max, cuts, 2, &r);
			fh_same(&r, whole);
		}
	}
}

/* Byte by byte: the same as *whole. */
static void fh_check_bytes(const void *in, size_t len, size_t max,
			   const struct fh_result *whole)
{
	size_t *bytes = malloc((len + 1) * sizeof(*bytes));
	struct fh_result r;

	if (!bytes)
		abort();
	for (size_t k = 0; k < len; k++)
		bytes[k] = k + 1;
	fh_run(in, len, max, bytes, len, &r);
	fh_same(&r, whole);
	free(bytes);
}

/* Whole, every split point (and pair when asked), byte by byte: all the
 * same; *whole gets the result. */
__attribute__((unused))
static void fh_check_splits(const void *in, size_t len, size_t max,
			    int pairs, struct fh_result *whole)
{
	fh_check_split_points(in, len, max, pairs, whole);
	fh_check_bytes(in, len, max, whole);
}

#endif
