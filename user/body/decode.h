/* SPDX-License-Identifier: MIT */
/*
 * Streaming HTTP Content-Encoding decoders with a hard cap on output.
 *
 * Pure core: bytes in, decoded bytes out through a sink callback, counters
 * in a stats struct. Memory per decoder is bounded and does not grow with
 * the body: one 16 KiB output buffer plus the codec's own state (zlib 32 KiB
 * window; brotli up to its default maximum 16 MiB window, large-window
 * streams are refused; zstd window limited to 8 MiB, windowLog 23, which is
 * the RFC 8878 limit for the HTTP content coding). Decoded output is never
 * accumulated here, so a decompression bomb stops at max_out with -E2BIG
 * after doing max_out bytes of work.
 *
 * gzip accepts several members back to back (RFC 1952 2.2), zstd several
 * frames and skippable frames (RFC 8878 3); deflate accepts the zlib
 * wrapping the RFC asks for and raw deflate, which some servers send, told
 * apart by the first two bytes. Bytes after the end of the stream are
 * counted as trailing garbage and ignored.
 */
#ifndef TT_BODY_DECODE_H
#define TT_BODY_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum tt_enc {
	TT_ENC_IDENTITY = 0,
	TT_ENC_GZIP,
	TT_ENC_DEFLATE,
	TT_ENC_BR,
	TT_ENC_ZSTD,
	TT_ENC_UNSUPPORTED,
};

/*
 * Content-Encoding value -> enum tt_enc. Case-insensitive, surrounding
 * whitespace and empty list elements ignored, "x-gzip" is gzip, an empty or
 * absent (NULL) value is identity. Several codings ("gzip, br") or an
 * unknown one give TT_ENC_UNSUPPORTED.
 */
int tt_enc_parse(const char *value, size_t len);

/* "identity", "gzip", "deflate", "br", "zstd"; anything else "unsupported". */
const char *tt_enc_name(int enc);

typedef void (*tt_body_sink)(void *ctx, const uint8_t *p, size_t n);

struct tt_body_dec_stats {
	uint64_t in_bytes;       /* every byte handed to feed */
	uint64_t out_bytes;      /* bytes given to the sink, <= max_out */
	uint64_t trailing_bytes; /* ignored after the end of the stream */
	uint64_t dropped_bytes;  /* not decoded: after the cap or an error */
	uint64_t members;        /* streams, gzip members, zstd frames begun */
	uint64_t sink_calls;
	uint64_t window_refused; /* zstd window over 8 MiB (gives -EINVAL) */
};

/*
 * Optional allocator for everything a decoder allocates (its state and the
 * codec's), so tests can force failures and measure peak memory. NULL
 * members or a NULL struct mean malloc/free.
 */
struct tt_body_alloc {
	void *(*alloc)(void *opaque, size_t size);
	void (*free)(void *opaque, void *p);
	void *opaque;
};

struct tt_body_dec;

/* NULL with errno ENOMEM, or EINVAL when enc is not a supported coding. */
struct tt_body_dec *tt_body_dec_new(int enc, size_t max_out);
struct tt_body_dec *tt_body_dec_new_alloc(int enc, size_t max_out,
					  const struct tt_body_alloc *alloc);

/*
 * Decodes n input bytes, calling sink with decoded output in pieces of
 * 1..16384 bytes (identity passes pointers into `in`). The sink is called
 * only from inside feed.
 * Returns 0;
 *   -E2BIG once more than max_out bytes would be produced: output stops at
 *          exactly max_out, later feeds return -E2BIG and do nothing;
 *   -EINVAL on corrupt input (sticky), including a zstd window over 8 MiB
 *          and a brotli large-window stream;
 *   -ENOMEM when the codec could not allocate (sticky).
 */
int tt_body_dec_feed(struct tt_body_dec *d, const uint8_t *in, size_t n,
		     tt_body_sink sink, void *ctx);

/*
 * End of input: 0 if the compressed stream was complete (an empty body
 * counts as complete: servers label 204/304 and HEAD replies with the
 * coding they would have used), -EPIPE if it was truncated, or the sticky
 * error.
 */
int tt_body_dec_finish(struct tt_body_dec *d);

const struct tt_body_dec_stats *
tt_body_dec_get_stats(const struct tt_body_dec *d);

void tt_body_dec_free(struct tt_body_dec *d);

#endif
