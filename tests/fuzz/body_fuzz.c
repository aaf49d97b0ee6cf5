// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/body/decode.c (Content-Encoding decoders).
 *
 * Input layout:
 *   byte 0   bits 0-2 coding (identity, gzip, deflate, br, zstd; 5-7 wrap
 *            to gzip, deflate, zstd), bits 3-5 output cap, bits 6-7 the
 *            zlib format of the round trip (gzip, zlib, raw, two gzip
 *            members)
 *   rest     the body
 *
 * 1. The body is decoded as that coding, whole and in pseudo-random
 *    pieces. Invariants: output <= cap, pieces <= 16 KiB, results in the
 *    documented set, errors sticky; both runs agree on their common output
 *    prefix, and exactly when neither failed or both hit the cap.
 * 2. The body is compressed at run time (zlib in the chosen format, and
 *    zstd, whose encoder is in the libzstd we link) and decoded in pieces:
 *    output must equal the body, and with a cap one byte short must stop
 *    at exactly that byte with -E2BIG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "body/decode.h"

static const size_t caps[8] = { 0, 1, 64, 1000, 16384, 16385, 65536, 1 << 20 };
static const int codings[8] = {
	TT_ENC_IDENTITY, TT_ENC_GZIP, TT_ENC_DEFLATE, TT_ENC_BR,
	TT_ENC_ZSTD,     TT_ENC_GZIP, TT_ENC_DEFLATE, TT_ENC_ZSTD,
};

struct out {
	uint8_t *p;
	size_t len, cap;
};

static void sink(void *ctx, const uint8_t *p, size_t n)
{
	struct out *o = ctx;

	if (n == 0 || n > 16384 || o->len + n > o->cap)
		abort();
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

struct result {
	int feed, finish;
};

/* Feeds data in pieces of 1..max_piece bytes (seeded), checking the
 * contract on the way. */
static struct result run(int enc, size_t cap, const uint8_t *data,
			 size_t len, size_t max_piece, uint32_t seed,
			 struct out *o)
{
	struct tt_body_dec *d = tt_body_dec_new(enc, cap);
	struct result r = { 0, 0 };
	size_t pos = 0;

	if (!d)
		abort();
	o->len = 0;
	while (pos < len && !r.feed) {
		size_t n;

		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		n = 1 + seed % max_piece;
		if (n > len - pos)
			n = len - pos;
		r.feed = tt_body_dec_feed(d, data + pos, n, sink, o);
		pos += n;
	}
	if (r.feed != 0 && r.feed != -E2BIG && r.feed != -EINVAL &&
	    r.feed != -ENOMEM)
		abort();
	if (r.feed) {
		size_t before = o->len;

		if (tt_body_dec_feed(d, data, len, sink, o) != r.feed ||
		    o->len != before)
			abort();
	}
	r.finish = tt_body_dec_finish(d);
	if (r.feed ? r.finish != r.feed : (r.finish && r.finish != -EPIPE))
		abort();
	if (tt_body_dec_get_stats(d)->out_bytes != o->len || o->len > cap)
		abort();
	if (tt_body_dec_get_stats(d)->in_bytes != pos + (r.feed ? len : 0))
		abort();
	if (r.feed == -E2BIG && o->len != cap)
		abort();
	tt_body_dec_free(d);
	return r;
}

/* Output buffers are kept across runs: a fresh 1 MiB mapping per input
 * made page faults most of the fuzzing time. */
static uint8_t out_whole[(1 << 20) + 1], out_piece[(1 << 20) + 1];

static void decode_as_is(int enc, size_t cap, const uint8_t *body,
			 size_t len, uint32_t seed)
{
	struct out whole = { out_whole, 0, cap }, piece = { out_piece, 0, cap };
	struct result a, b;
	size_t common;

	a = run(enc, cap, body, len, len ? len : 1, seed, &whole);
	b = run(enc, cap, body, len, 1 + seed % 67, seed, &piece);
	common = whole.len < piece.len ? whole.len : piece.len;
	if (memcmp(whole.p, piece.p, common))
		abort();
	/* zstd decodes a frame held whole in one go and fails it before any
	 * output, so only clean or capped runs must agree exactly. */
	if ((!a.feed && !b.feed) || (a.feed == -E2BIG && b.feed == -E2BIG))
		if (whole.len != piece.len || a.finish != b.finish)
			abort();
}

/* zlib of body: wbits 31 gzip, 15 zlib, -15 raw; `members` gzip members. */
static size_t zlib_pack(int wbits, int level, int members,
			const uint8_t *body, size_t len, uint8_t *out,
			size_t room)
{
	size_t used = 0;

	for (int m = 0; m < members; m++) {
		size_t from = len * (size_t)m / (size_t)members;
		size_t to = len * (size_t)(m + 1) / (size_t)members;
		z_stream z;

		memset(&z, 0, sizeof(z));
		if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		z.next_in = (Bytef *)(body + from);
		z.avail_in = (uInt)(to - from);
		z.next_out = out + used;
		z.avail_out = (uInt)(room - used);
		if (deflate(&z, Z_FINISH) != Z_STREAM_END)
			abort();
		used += z.total_out;
		deflateEnd(&z);
	}
	return used;
}

static void round_trip(int enc, const uint8_t *packed, size_t packed_len,
		       const uint8_t *body, size_t len, uint32_t seed)
{
	struct out o = { malloc(len + 1), 0, len };
	struct result r;

	if (!o.p)
		abort();
	r = run(enc, len, packed, packed_len, 1 + seed % 41, seed, &o);
	if (r.feed || r.finish || o.len != len || memcmp(o.p, body, len))
		abort();
	if (len) {
		o.cap = len - 1;
		r = run(enc, len - 1, packed, packed_len, 1 + seed % 13, seed,
			&o);
		if (r.feed != -E2BIG || o.len != len - 1 ||
		    memcmp(o.p, body, len - 1))
			abort();
	}
	free(o.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int wbits[4] = { 31, 15, -15, 31 };
	/* Reused: a context per input took more time than the decoding. */
	static ZSTD_CCtx *cctx;
	const uint8_t *body = data + 1;
	size_t len = size ? size - 1 : 0, room;
	uint32_t seed = 2166136261u;
	uint8_t *packed;
	int fmt;

	if (!size)
		return 0;
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	seed |= 1;
	decode_as_is(codings[data[0] & 7], caps[(data[0] >> 3) & 7], body, len,
		     seed);

	fmt = data[0] >> 6;
	room = 2 * compressBound(len) + ZSTD_compressBound(len) + 64;
	packed = malloc(room);
	if (!packed)
		abort();
	round_trip(fmt == 0 || fmt == 3 ? TT_ENC_GZIP : TT_ENC_DEFLATE, packed,
		   zlib_pack(wbits[fmt], (int)(seed % 10), fmt == 3 ? 2 : 1,
			     body, len, packed, room),
		   body, len, seed);
	if (!cctx && !(cctx = ZSTD_createCCtx()))
		abort();
	room = ZSTD_compressCCtx(cctx, packed, room, body, len,
				 (int)(seed % 4) + 1);
	if (ZSTD_isError(room))
		abort();
	round_trip(TT_ENC_ZSTD, packed, room, body, len, seed);
	free(packed);
	return 0;
}
