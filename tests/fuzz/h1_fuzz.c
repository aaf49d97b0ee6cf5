// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/http/h1.c. Input: a flags byte, two seed bytes,
 * then the stream. With flag bit 1, the stream is expanded (fz_expand in
 * fuzz.h), so that heads, trailers and chunk lines past the caps are
 * within reach of small inputs. The stream goes to a request parser and a
 * response parser three times (fz_stream_target): whole, cut into pieces
 * drawn from the seed, and cut with gaps between pieces. Invariants: the
 * callback sequence is well formed (on_end once per on_head, body only
 * inside a message, framing lengths add up), the whole and the cut runs
 * agree exactly, counters add up, and nothing is held after eof.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http/h1.h"
#include "fuzz.h"

struct fz {
	int kind;
	unsigned none_bits; /* responses: answer BODY_NONE when bit set */
	unsigned nresp;
	int in_msg, in_body;
	uint64_t heads, ends;
	/* The message in progress. */
	int64_t cl;
	int chunked, no_body;
	uint64_t body, gap;
	uint64_t hash;
};

static void mix(struct fz *f, const void *p, size_t n)
{
	fz_hash(&f->hash, p, n);
}

static void mix_u64(struct fz *f, uint64_t v)
{
	mix(f, &v, sizeof(v));
}

static int on_head(void *ctx, const struct tt_h1_head *h)
{
	struct fz *f = ctx;
	int ret = 0;

	CHECK(!f->in_msg);
	f->in_msg = 1;
	f->in_body = 0;
	f->heads++;
	CHECK(h->kind == f->kind);
	CHECK(h->minor >= 0 && h->minor <= 9);
	CHECK(h->content_length >= -1);
	CHECK(h->chunked == 0 || h->chunked == 1);
	CHECK(!h->chunked || h->content_length == -1);
	CHECK(h->keep_alive == 0 || h->keep_alive == 1);
	CHECK(h->hdrs.n <= TT_HDRS_MAX);
	CHECK(h->cut == 0 || h->cut == 1);
	CHECK(!h->hdrs.dropped || h->cut); /* headers left out: cut says so */
	mix(f, "H", 1);
	if (h->kind == TT_H1_REQUEST) {
		size_t mlen = strnlen(h->method, sizeof(h->method));

		CHECK(mlen >= 3 && mlen <= 7);
		for (size_t i = 0; i < mlen; i++)
			CHECK(h->method[i] >= 'A' && h->method[i] <= 'Z');
		CHECK(h->target && h->target_len >= 1 &&
		      h->target_len <= TT_H1_TARGET_KEEP);
		mix(f, h->method, mlen);
		mix(f, h->target, h->target_len); /* ASan checks the bounds */
	} else {
		CHECK(h->status >= 0 && h->status <= 999);
		mix_u64(f, (uint64_t)h->status);
	}
	for (size_t i = 0; i < h->hdrs.n; i++) {
		const struct tt_hdr *hd = &h->hdrs.h[i];

		CHECK(hd->name_len >= 1);
		mix(f, hd->name, hd->name_len);
		mix(f, hd->value, hd->value_len);
		CHECK(!hd->value_len || (hd->value[0] != ' ' &&
					 hd->value[hd->value_len - 1] != ' '));
	}
	mix_u64(f, (uint64_t)h->content_length);
	mix_u64(f, h->hdrs.dropped);
	mix_u64(f, (uint64_t)h->cut);
	mix_u64(f, (uint64_t)(h->chunked * 2 + h->keep_alive));

	f->cl = h->content_length;
	f->chunked = h->chunked;
	f->body = f->gap = 0;
	f->no_body = 0;
	if (h->kind == TT_H1_RESPONSE) {
		if (h->status >= 200 && ((f->none_bits >> (f->nresp++ % 8)) & 1))
			ret = TT_H1_BODY_NONE;
		/* Some runs accept a 101: the parser stops there. */
		if (h->status == 101 && (f->none_bits & 1))
			ret = TT_H1_UPGRADE;
		f->no_body = h->status / 100 == 1 || h->status == 204 ||
			     ret == TT_H1_UPGRADE ||
			     h->status == 304 || ret == TT_H1_BODY_NONE;
	}
	return ret;
}

static void on_body(void *ctx, const uint8_t *p, size_t n)
{
	struct fz *f = ctx;

	CHECK(f->in_msg && n > 0 && !f->no_body);
	if (!f->in_body)
		mix(f, "B", 1);
	f->in_body = 1;
	mix(f, p, n);
	f->body += n;
}

static void on_body_gap(void *ctx, uint64_t n)
{
	struct fz *f = ctx;

	CHECK(f->in_msg && n > 0 && !f->no_body);
	f->in_body = 0;
	mix(f, "G", 1);
	mix_u64(f, n);
	f->gap += n;
}

static void on_end(void *ctx, int end)
{
	struct fz *f = ctx;
	uint64_t got = f->body + f->gap;

	CHECK(f->in_msg);
	CHECK(end == TT_H1_END_COMPLETE || end == TT_H1_END_ABORTED);
	f->in_msg = 0;
	f->in_body = 0;
	f->ends++;
	mix(f, end == TT_H1_END_COMPLETE ? "E" : "A", 1);
	if (f->no_body)
		CHECK(got == 0);
	else if (!f->chunked && f->cl >= 0)
		CHECK(end == TT_H1_END_COMPLETE ? got == (uint64_t)f->cl :
						  got < (uint64_t)f->cl);
	else if (f->kind == TT_H1_REQUEST && !f->chunked)
		CHECK(got == 0);
}

/* Over the caps some headers are kept: those whose name begins with a
 * vowel (any input decides which, so every path is reached). */
static int keep_header(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	return len && strchr("aeiouAEIOU", name[0]) != NULL;
}

static const struct tt_h1_callbacks cbs = { on_head, on_body, on_body_gap,
					    on_end, keep_header };

/* mode 0: whole; 1: pieces; 2: pieces with gaps. Returns the trace hash;
 * *st gets the final counters. */
static uint64_t run(int kind, unsigned flags, uint32_t seed, int mode,
		    const uint8_t *d, size_t n, void *st)
{
	struct fz f = { .kind = kind, .none_bits = flags >> 4,
			.hash = FZ_HASH_INIT };
	struct tt_h1 *p = tt_h1_new(kind, &cbs, &f, NULL);
	size_t maxpiece = (flags & 1) ? 7 : 300;
	const struct tt_h1_stats *s;

	CHECK(p);
	if (mode == 0) {
		CHECK(tt_h1_feed(p, d, n) == 0);
	} else {
		for (size_t at = 0; at < n;) {
			size_t take = 1 + fz_rnd(&seed) % maxpiece;

			if (take > n - at)
				take = n - at;
			CHECK(tt_h1_feed(p, d + at, take) == 0);
			at += take;
			CHECK(f.heads - f.ends <= 1);
			if (mode == 2 && fz_rnd(&seed) % 5 == 0)
				tt_h1_gap(p, fz_rnd(&seed) % 4 == 0 ?
					     (uint64_t)fz_rnd(&seed) << 8 :
					     1 + fz_rnd(&seed) % 40);
			CHECK(f.heads - f.ends <= 1);
		}
	}
	CHECK(f.in_msg == (f.heads != f.ends));
	tt_h1_eof(p);
	s = tt_h1_get_stats(p);
	CHECK(!f.in_msg && f.heads == f.ends);
	CHECK(s->messages + s->aborted == f.ends);
	CHECK(s->head_buf_bytes == 0);
	CHECK(s->nomem == 0);
	if (mode < 2)
		CHECK(s->gaps_skipped == 0 && s->gaps_aborted == 0);
	memcpy(st, s, sizeof(*s));
	tt_h1_free(p);
	return f.hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	return fz_stream_target(input, size, 4 * TT_H1_HEAD_MAX,
				TT_H1_REQUEST, TT_H1_RESPONSE, run,
				sizeof(struct tt_h1_stats));
}
