// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/http/h2.c. Input: a flags byte, two seed bytes,
 * then the stream. Flag bit 0: pieces of at most 7 bytes (else 300); bit
 * 1: the stream is expanded (fz_expand in fuzz.h), so that big frames and
 * header blocks are within reach; bit 2: the peer announced a 64 KiB
 * table and 1 MiB frames; bits 4-7: how often gaps come. The stream goes
 * to a client and a server direction, three times each
 * (fz_stream_target): whole, cut into pieces drawn from the seed, and cut
 * with gaps between pieces (where the direction's own SETTINGS are also
 * passed back as the peer's, to exercise the ACK logic).
 *
 * Invariants: stream ids in callbacks are 1..2^31-1; header lists are in
 * bounds (every byte is hashed, ASan checks); no headers once the
 * direction is not OK, and the state never goes back; DATA flags are
 * known ones and AFTER_GAP only when not OK; whole and cut runs agree
 * exactly; counters add up; nothing leaks (LSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http/h2.h"
#include "fuzz.h"

#define SID_OK(s) ((s) >= 1 && (s) <= 0x7fffffffu)

struct fz {
	struct tt_h2 *p;
	int state;         /* at the start of the current feed */
	uint64_t headers, lost, hash;
	int data_open;
	uint32_t data_sid;
	unsigned data_key;
	struct tt_h2_settings set;
	int set_seen;
};

static void mix(struct fz *f, const void *p, size_t n)
{
	fz_hash(&f->hash, p, n);
}

static void mark(struct fz *f, char c, uint64_t a, uint64_t b)
{
	mix(f, &c, 1);
	mix(f, &a, sizeof(a));
	mix(f, &b, sizeof(b));
	f->data_open = 0;
}

static void on_headers(void *ctx, uint32_t sid, const struct tt_hdrs *hs,
		       int end)
{
	struct fz *f = ctx;

	CHECK(SID_OK(sid) && (end == 0 || end == 1));
	CHECK(tt_h2_state(f->p) == TT_H2_OK); /* never invented */
	CHECK(hs->n <= TT_HDRS_MAX);
	mark(f, 'H', sid, (uint64_t)end << 32 | hs->n);
	for (size_t i = 0; i < hs->n; i++) {
		const struct tt_hdr *h = &hs->h[i];

		mix(f, h->name, h->name_len);
		mix(f, "=", 1);
		mix(f, h->value, h->value_len);
		CHECK(!h->value_len || (h->value[0] != ' ' &&
					h->value[h->value_len - 1] != ' '));
	}
	mix(f, &hs->dropped, sizeof(hs->dropped));
	f->headers++;
}

static void on_headers_lost(void *ctx, uint32_t sid, int end)
{
	struct fz *f = ctx;

	CHECK(SID_OK(sid) && (end == 0 || end == 1));
	mark(f, 'L', sid, (uint64_t)end);
	f->lost++;
}

static void on_data(void *ctx, uint32_t sid, const uint8_t *p, size_t n,
		    unsigned flags)
{
	struct fz *f = ctx;
	unsigned key = flags & ~TT_H2_DATA_END_STREAM;

	CHECK(SID_OK(sid) && p);
	CHECK(!(flags & ~(TT_H2_DATA_END_STREAM | TT_H2_DATA_AFTER_GAP)));
	CHECK(n > 0 || (flags & TT_H2_DATA_END_STREAM));
	CHECK(!(flags & TT_H2_DATA_AFTER_GAP) || f->state != TT_H2_OK ||
	      tt_h2_state(f->p) != TT_H2_OK);
	/* Chunks of one frame hash alike however they were cut. */
	if (!f->data_open || f->data_sid != sid || f->data_key != key)
		mark(f, 'D', sid, key);
	mix(f, p, n);
	f->data_open = !(flags & TT_H2_DATA_END_STREAM);
	if (!f->data_open)
		mark(f, 'E', sid, 0);
	f->data_sid = sid;
	f->data_key = key;
}

static void on_data_gap(void *ctx, uint32_t sid, uint64_t n)
{
	CHECK(SID_OK(sid) && n > 0);
	mark(ctx, 'G', sid, n);
}

static void on_reset(void *ctx, uint32_t sid, uint32_t code)
{
	CHECK(SID_OK(sid));
	mark(ctx, 'R', sid, code);
}

static void on_goaway(void *ctx, uint32_t last, uint32_t code)
{
	CHECK(last <= 0x7fffffffu);
	mark(ctx, 'A', last, code);
}

static void on_settings(void *ctx, const struct tt_h2_settings *s)
{
	struct fz *f = ctx;

	CHECK(s->max_frame_size >= 16384 &&
	      s->max_frame_size <= TT_H2_FRAME_HARD_MAX);
	mark(f, 'S', s->header_table_size, s->max_frame_size);
	f->set = *s;
	f->set_seen = 1;
}

/* Over the caps some fields are kept: names that begin with a vowel
 * (any input decides which, so every path is reached). */
static int keep_header(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	return len && strchr("aeiou", name[0]) != NULL;
}

static const struct tt_h2_callbacks cbs = {
	on_headers, on_headers_lost, on_data, on_data_gap,
	on_reset, on_goaway, on_settings, keep_header,
};

static void feed(struct fz *f, const uint8_t *d, size_t n)
{
	uint64_t headers = f->headers;
	int rc;

	f->state = tt_h2_state(f->p);
	rc = tt_h2_feed(f->p, d, n);
	CHECK((rc != 0) == (tt_h2_state(f->p) == TT_H2_ERROR));
	CHECK(tt_h2_state(f->p) >= f->state); /* never back */
	if (f->state != TT_H2_OK)
		CHECK(f->headers == headers);
}

/* mode 0: whole; 1: pieces; 2: pieces with gaps. Returns the trace
 * hash; *st gets the final counters. */
static uint64_t run(int dir, unsigned flags, uint32_t seed, int mode,
		    const uint8_t *d, size_t n, void *st)
{
	struct fz f = { .hash = FZ_HASH_INIT };
	size_t maxpiece = (flags & 1) ? 7 : 300;
	unsigned gap_every = 2 + (flags >> 4);
	const struct tt_h2_stats *s;
	uint64_t blocks_started;

	f.p = tt_h2_new(dir, &cbs, &f, NULL);
	CHECK(f.p);
	if (flags & 4) {
		struct tt_h2_settings peer = { 65536, 1 << 20 };

		tt_h2_peer_settings(f.p, &peer);
	}
	if (mode == 0) {
		feed(&f, d, n);
	} else {
		for (size_t at = 0; at < n;) {
			size_t take = 1 + fz_rnd(&seed) % maxpiece;

			if (take > n - at)
				take = n - at;
			feed(&f, d + at, take);
			at += take;
			if (mode < 2 || fz_rnd(&seed) % gap_every)
				continue;
			f.state = tt_h2_state(f.p);
			tt_h2_gap(f.p, fz_rnd(&seed) % 4 == 0 ?
					       (uint64_t)fz_rnd(&seed) << 8 :
					       1 + fz_rnd(&seed) % 40);
			CHECK(tt_h2_state(f.p) >= f.state);
			if (f.set_seen)
				tt_h2_peer_settings(f.p, &f.set);
		}
	}
	s = tt_h2_get_stats(f.p);
	blocks_started = s->frames[TT_H2_HEADERS] +
			 s->frames[TT_H2_PUSH_PROMISE];
	CHECK(f.headers + f.lost <= s->frames[TT_H2_HEADERS]);
	CHECK(s->header_blocks <= blocks_started);
	CHECK(s->undecodable_header_blocks <= blocks_started);
	CHECK(s->header_block_too_large <= s->header_blocks + 1);
	CHECK(s->decoded_buf_bytes <= TT_H2_DECODED_MAX);
	CHECK(s->nomem == 0);
	CHECK(s->frame_too_large + s->protocol_errors <= 1);
	CHECK((s->frame_too_large + s->protocol_errors == 1) ==
	      (tt_h2_state(f.p) == TT_H2_ERROR));
	CHECK(s->bad_preface <= 1);
	if (mode < 2)
		CHECK(s->gaps == 0);
	if (tt_h2_state(f.p) == TT_H2_OK)
		CHECK(s->resyncs == 0 && s->undecodable_header_blocks == 0);
	memcpy(st, s, sizeof(*s));
	tt_h2_free(f.p);
	return f.hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	return fz_stream_target(input, size, 4 * TT_H2_BLOCK_MAX,
				TT_H2_CLIENT, TT_H2_SERVER, run,
				sizeof(struct tt_h2_stats));
}
