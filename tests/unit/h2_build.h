/* SPDX-License-Identifier: MIT */
/*
 * Building HTTP/2 byte streams for tests: frames by hand, header blocks
 * with nghttp2's deflater (real HPACK: Huffman strings, dynamic table,
 * size updates). Used by h2_test.c, exchange_h2_test.c, classify_test.c.
 * Allocation failure aborts: these are test inputs, not code under test.
 */
#ifndef TT_H2_BUILD_H
#define TT_H2_BUILD_H

#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A growing byte buffer, always NUL-terminated (so it can hold text). */
struct h2b {
	uint8_t *p;
	size_t n, cap;
};

/* Room for n more bytes and the NUL. */
static inline void h2b_reserve(struct h2b *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;

	if (b->n + n + 1 <= b->cap)
		return;
	while (cap < b->n + n + 1)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p)
		abort();
	b->cap = cap;
}

static inline void h2b_put(struct h2b *b, const void *d, size_t n)
{
	h2b_reserve(b, n);
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = 0;
}

static inline void h2b_put_str(struct h2b *b, const char *s)
{
	h2b_put(b, s, strlen(s));
}

/* The low `bytes` bytes of v, big-endian. */
static inline void h2b_put_be(struct h2b *b, uint32_t v, int bytes)
{
	while (bytes--)
		h2b_put(b, &(uint8_t){ (uint8_t)(v >> (8 * bytes)) }, 1);
}

static inline void h2b_frame_hdr(struct h2b *b, size_t len, int type,
				 int flags, uint32_t sid)
{
	h2b_put_be(b, (uint32_t)len, 3);
	h2b_put_be(b, (uint32_t)(type << 8 | flags), 2);
	h2b_put_be(b, sid, 4);
}

static inline void h2b_frame(struct h2b *b, int type, int flags, uint32_t sid,
			     const void *pl, size_t len)
{
	h2b_frame_hdr(b, len, type, flags, sid);
	h2b_put(b, pl, len);
}

/* A frame with pad bytes of padding (PADDED set when pad >= 0) and an
 * optional 5-byte priority prefix (HEADERS). */
static inline void h2b_frame_padded(struct h2b *b, int type, int flags,
				    uint32_t sid, const void *body, size_t len,
				    int pad, int prio)
{
	static const uint8_t zeros[256], prio5[5] = { 0, 0, 0, 3, 15 };
	size_t total = len + (pad >= 0 ? 1 + (size_t)pad : 0) +
		       (prio ? 5 : 0);

	h2b_frame_hdr(b, total, type,
		      flags | (pad >= 0 ? 0x8 : 0) | (prio ? 0x20 : 0), sid);
	if (pad >= 0)
		h2b_put_be(b, (uint32_t)pad, 1);
	if (prio)
		h2b_put(b, prio5, 5);
	h2b_put(b, body, len);
	if (pad > 0)
		h2b_put(b, zeros, (size_t)pad);
}

/* An empty SETTINGS frame (all defaults). */
static inline void h2b_settings(struct h2b *b)
{
	h2b_frame(b, 4, 0, 0, NULL, 0);
}

/* SETTINGS with HEADER_TABLE_SIZE, MAX_FRAME_SIZE and (ignored by the
 * decoder) MAX_CONCURRENT_STREAMS. */
static inline void h2b_settings_sizes(struct h2b *b, uint32_t table,
				      uint32_t frame_size)
{
	struct h2b pl = { 0 };

	h2b_put_be(&pl, 1, 2);
	h2b_put_be(&pl, table, 4);
	h2b_put_be(&pl, 5, 2);
	h2b_put_be(&pl, frame_size, 4);
	h2b_put_be(&pl, 3, 2);
	h2b_put_be(&pl, 100, 4);
	h2b_frame(b, 4, 0, 0, pl.p, pl.n);
	free(pl.p);
}

static inline nghttp2_hd_deflater *h2b_deflater(size_t max_table)
{
	nghttp2_hd_deflater *d;

	if (nghttp2_hd_deflate_new(&d, max_table))
		abort();
	return d;
}

/* The HPACK block of n name/value pairs (kv alternating) into out,
 * replacing what it held. */
static inline void h2b_hpack(nghttp2_hd_deflater *d, struct h2b *out,
			     const char *const *kv, size_t n)
{
	nghttp2_nv *nva = calloc(n ? n : 1, sizeof(*nva));
	size_t bound;
	ssize_t rv;

	if (!nva)
		abort();
	for (size_t i = 0; i < n; i++)
		nva[i] = (nghttp2_nv){ (uint8_t *)kv[2 * i],
				       (uint8_t *)kv[2 * i + 1],
				       strlen(kv[2 * i]),
				       strlen(kv[2 * i + 1]),
				       NGHTTP2_NV_FLAG_NONE };
	bound = nghttp2_hd_deflate_bound(d, nva, n);
	out->n = 0;
	h2b_reserve(out, bound);
	rv = nghttp2_hd_deflate_hd(d, out->p, bound, nva, n);
	if (rv < 0)
		abort();
	out->n = (size_t)rv;
	out->p[out->n] = 0;
	free(nva);
}

/* HEADERS (END_HEADERS) of n name/value pairs, kv alternating. */
static inline void h2b_headers(struct h2b *b, nghttp2_hd_deflater *d,
			       uint32_t sid, int end_stream,
			       const char *const *kv, size_t n)
{
	struct h2b blk = { 0 };

	h2b_hpack(d, &blk, kv, n);
	h2b_frame(b, 1, 0x4 | (end_stream ? 0x1 : 0), sid, blk.p, blk.n);
	free(blk.p);
}

static inline void h2b_data(struct h2b *b, uint32_t sid, int end_stream,
			    const char *s)
{
	h2b_frame(b, 0, end_stream ? 0x1 : 0, sid, s, strlen(s));
}

#endif
