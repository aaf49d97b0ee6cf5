// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/framing/sse.c. Input: a cap byte, two seed bytes,
 * then the stream. The stream is fed whole, in pieces drawn from the seed,
 * and byte by byte. Invariants: every event respects the cap and the line
 * rules (no \r or \n inside a name or id, no \r in data, no NUL in an id),
 * the three runs agree exactly (events, stats, finish), and the counters
 * add up.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/sse.h"

#define CHECK(c)                                                             \
	do {                                                                 \
		if (!(c))                                                    \
			abort();                                             \
	} while (0)

struct fz {
	size_t cap;
	uint64_t hash, events;
};

static void mix(struct fz *f, const void *p, size_t n)
{
	const uint8_t *b = p;

	f->hash = (f->hash ^ n) * 0x100000001b3ull;
	for (size_t i = 0; i < n; i++)
		f->hash = (f->hash ^ b[i]) * 0x100000001b3ull;
}

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
	f->events++;
	mix(f, ev->event, ev->event_len);
	mix(f, ev->data, ev->data_len);
	mix(f, ev->id, ev->id_len);
}

struct outcome {
	struct fz fz;
	struct tt_sse_stats stats;
	int cut;
};

/* mode 0: whole; 1: pieces from the seed; 2: byte by byte. */
static void run(const uint8_t *p, size_t n, size_t cap, uint32_t seed,
		int mode, struct outcome *o)
{
	struct tt_sse *s = tt_sse_new(cap, NULL);
	size_t off = 0, k;

	memset(o, 0, sizeof(*o));
	o->fz.cap = cap;
	o->fz.hash = 0xcbf29ce484222325ull;
	CHECK(s);
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
		CHECK(tt_sse_feed(s, p + off, k, on_event, &o->fz) == 0);
		off += k;
	}
	o->stats = *tt_sse_get_stats(s);
	o->cut = tt_sse_finish(s);
	CHECK(o->cut == 0 || o->cut == 1);
	CHECK(tt_sse_finish(s) == 0);
	CHECK(o->stats.bytes == n);
	CHECK(o->stats.events == o->fz.events);
	CHECK(o->stats.nomem == 0);
	tt_sse_free(s);
}

static void same(const struct outcome *a, const struct outcome *b)
{
	CHECK(a->fz.hash == b->fz.hash);
	CHECK(a->fz.events == b->fz.events);
	CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)));
	CHECK(a->cut == b->cut);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, cut, bytes;
	size_t cap;
	uint32_t seed;

	if (size < 3)
		return 0;
	/* Small caps reach the oversize path; 0x80 and up: 1 MiB. */
	cap = data[0] & 0x80 ? (size_t)1 << 20 : data[0];
	seed = (uint32_t)data[1] << 8 | data[2] | 1u << 16;
	data += 3;
	size -= 3;
	run(data, size, cap, seed, 0, &whole);
	run(data, size, cap, seed, 1, &cut);
	same(&whole, &cut);
	if (size <= 8192) {
		run(data, size, cap, seed, 2, &bytes);
		same(&whole, &bytes);
	}
	return 0;
}
