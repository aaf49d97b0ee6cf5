/* SPDX-License-Identifier: MIT */
/*
 * Building HTTP/2 byte streams for tests: frames by hand, header blocks
 * with nghttp2's deflater (real HPACK, dynamic table included).
 */
#ifndef TT_H2_BUILD_H
#define TT_H2_BUILD_H

#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct h2b {
	uint8_t *p;
	size_t n, cap;
};

static inline void h2b_put(struct h2b *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static inline void h2b_frame(struct h2b *b, int type, int flags, uint32_t sid,
			     const void *pl, size_t len)
{
	uint8_t h[9] = { (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
			 (uint8_t)type, (uint8_t)flags, (uint8_t)(sid >> 24),
			 (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid };

	h2b_put(b, h, 9);
	if (len)
		h2b_put(b, pl, len);
}

/* HEADERS (END_HEADERS) of n name/value pairs, kv alternating. */
static inline void h2b_headers(struct h2b *b, nghttp2_hd_deflater *d,
			       uint32_t sid, int end_stream,
			       const char *const *kv, size_t n)
{
	nghttp2_nv nva[64];
	uint8_t blk[8192];
	ssize_t rv;

	for (size_t i = 0; i < n && i < 64; i++)
		nva[i] = (nghttp2_nv){ (uint8_t *)kv[2 * i], (uint8_t *)kv[2 * i + 1],
				       strlen(kv[2 * i]), strlen(kv[2 * i + 1]),
				       NGHTTP2_NV_FLAG_NONE };
	rv = nghttp2_hd_deflate_hd(d, blk, sizeof(blk), nva, n);
	if (rv < 0)
		abort();
	h2b_frame(b, 1, 0x4 | (end_stream ? 0x1 : 0), sid, blk, (size_t)rv);
}

static inline void h2b_data(struct h2b *b, uint32_t sid, int end_stream,
			    const char *s)
{
	h2b_frame(b, 0, end_stream ? 0x1 : 0, sid, s, strlen(s));
}

static inline void h2b_settings(struct h2b *b)
{
	h2b_frame(b, 4, 0, 0, NULL, 0);
}

#endif
