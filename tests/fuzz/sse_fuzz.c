// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/framing/sse.c. Input: a cap byte, two seed bytes,
 * then the stream, run by framing_fuzz.h (whole, in pieces, byte by byte:
 * the same events, stats and finish). Invariants: every event respects
 * the cap and the line rules (no \r or \n inside a name or id, no \r in
 * data, no NUL in an id); the stream never breaks the framing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/sse.h"
#include "fuzz.h"

static void on_event(void *ctx, const struct tt_sse_event *ev);
#define FZ_MODULE sse
#define FZ_CALLBACK on_event
#define FZ_COUNT events
#define FZ_FINISH_AGAIN 0
#include "framing_fuzz.h"

static void on_event(void *ctx, const struct tt_sse_event *ev)
{
	struct fz *f = ctx;

	CHECK(ev->event && ev->data && ev->id);
	/* The id may come from an earlier event: each part is capped. */
	CHECK(ev->data_len + ev->event_len <= f->cap);
	CHECK(ev->id_len <= f->cap);
	CHECK(!memchr(ev->event, '\r', ev->event_len));
	CHECK(!memchr(ev->event, '\n', ev->event_len));
	CHECK(!memchr(ev->data, '\r', ev->data_len));
	CHECK(!memchr(ev->id, '\r', ev->id_len));
	CHECK(!memchr(ev->id, '\n', ev->id_len));
	CHECK(!memchr(ev->id, '\0', ev->id_len));
	f->count++;
	fz_hash_field(&f->hash, ev->event, ev->event_len);
	fz_hash_field(&f->hash, ev->data, ev->data_len);
	fz_hash_field(&f->hash, ev->id, ev->id_len);
}

static void fz_check(const struct fz_outcome *o)
{
	CHECK(!o->fz.failed); /* any bytes are SSE */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_outcome whole;
	struct fz init = { .cap = 0 };

	if (size < 3)
		return 0;
	init.cap = fz_cap(data[0], 1);
	fz_runs(data + 3, size - 3, &init, fz_seed(data + 1), &whole);
	return 0;
}
