/* SPDX-License-Identifier: MIT */
/*
 * An allocator that fails on demand and counts what is live, to hand to a
 * core as its struct tt_mem (user/util/mem.h), as nghttp2's tests do with
 * theirs (tests/malloc_wrapper.h). Nothing is interposed, so it works the
 * same under -O2, sanitizers and valgrind:
 *
 *   static struct fail_mem fm = FAIL_MEM_INIT;
 *   struct tt_mem mem = fail_mem(&fm);
 *   struct tt_h1 *p = tt_h1_new(TT_H1_REQUEST, &cbs, ctx, &mem);
 *   fm.fail_in = 0;             every allocation fails from here ...
 *   ... tt_h1_feed(p, ...) gives -ENOMEM ...
 *   fm.fail_in = -1;            ... until this
 *   tt_h1_free(p);
 *   TT_CHECK_EQ_INT(fm.live, 0);  nothing leaked
 */
#ifndef FAIL_MEM_H
#define FAIL_MEM_H

#include <stdlib.h>
#include "util/mem.h"

struct fail_mem {
	int fail_in;          /* allocations left before they fail; -1 never */
	long live;            /* blocks handed out and not yet freed */
	unsigned long calls;  /* malloc and realloc calls */
	unsigned long failed; /* of which failed */
};

#define FAIL_MEM_INIT { -1, 0, 0, 0 }

/* Whether this call fails: counts it, and counts down fail_in. */
static int fail_mem_fails_(struct fail_mem *fm)
{
	fm->calls++;
	if (fm->fail_in == 0) {
		fm->failed++;
		return 1;
	}
	if (fm->fail_in > 0)
		fm->fail_in--;
	return 0;
}

static void *fail_mem_malloc_(size_t size, void *user)
{
	struct fail_mem *fm = user;
	void *p;

	if (fail_mem_fails_(fm))
		return NULL;
	p = malloc(size);
	fm->live += p != NULL;
	return p;
}

static void *fail_mem_realloc_(void *old, size_t size, void *user)
{
	struct fail_mem *fm = user;
	void *p;

	if (fail_mem_fails_(fm))
		return NULL;
	p = realloc(old, size);
	fm->live += p && !old;
	return p;
}

static void fail_mem_free_(void *p, void *user)
{
	struct fail_mem *fm = user;

	if (!p)
		return;
	fm->live--;
	free(p);
}

/* The struct tt_mem that allocates through fm. */
__attribute__((unused))
static struct tt_mem fail_mem(struct fail_mem *fm)
{
	struct tt_mem mem = { fail_mem_malloc_, fail_mem_realloc_,
			      fail_mem_free_, fm };

	return mem;
}

#endif
