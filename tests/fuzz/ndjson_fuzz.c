// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/framing/ndjson.c. Input: a cap byte, two seed
 * bytes, then the stream, run by framing_fuzz.h (whole, in pieces, byte by
 * byte: the same lines, stats and finish). Invariants: every line is
 * non-empty, within the cap, holds no \n and is trimmed; every newline
 * ends a line that is passed on, empty or over the cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/ndjson.h"
#include "fuzz.h"

static void on_line(void *ctx, const char *line, size_t len);
#define FZ_MODULE ndjson
#define FZ_CALLBACK on_line
#define FZ_COUNT lines
#define FZ_FINISH_AGAIN 0
#include "framing_fuzz.h"

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
	f->count++;
	fz_hash_field(&f->hash, line, len);
}

static void fz_check(const struct fz_outcome *o)
{
	CHECK(!o->fz.failed); /* any bytes are lines */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_outcome whole;
	struct fz init = { .cap = 0 };
	size_t newlines = 0;

	if (size < 3)
		return 0;
	init.cap = fz_cap(data[0], 1);
	for (size_t i = 3; i < size; i++)
		newlines += data[i] == '\n';
	fz_runs(data + 3, size - 3, &init, fz_seed(data + 1), &whole);
	CHECK(whole.stats.lines + whole.stats.empty + whole.stats.oversize ==
	      newlines);
	return 0;
}
