// SPDX-License-Identifier: MIT
/*
 * Streaming Content-Encoding decoders (see decode.h).
 *
 * Every coding runs the same loop: give the codec the input and an output
 * room of at most 16 KiB, hand what it produced to the sink, repeat while
 * it has input left or filled the room. The room is never more than one
 * byte past the cap, so a bomb costs max_out bytes of work, not its
 * expanded size.
 *
 * Stream boundaries are handled outside the codecs with a small hold
 * buffer: at the start of a deflate body it collects the two bytes that
 * tell zlib-wrapped from raw deflate; at the start of a zstd body and after
 * the end of each gzip member or zstd frame it collects the magic number
 * that starts another one. Anything else after the end is trailing
 * garbage: counted, ignored.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST
#include <zlib.h>
#include <brotli/decode.h>
/* ZSTD_createDStream_advanced (custom allocator): exported by the shared
 * library, declared only in the "experimental" section of zstd.h. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>
#include "body/decode.h"

#define OUT_BUF 16384
#define HOLD_MAX 4
/* 8 MiB, the window limit RFC 8878 sets for the zstd content coding. */
#define ZSTD_WINDOW_LOG_MAX 23

enum phase {
	PH_START,    /* before the first codec byte (maybe collecting hold) */
	PH_BODY,     /* inside a member / frame / stream */
	PH_BETWEEN,  /* a gzip member or zstd frame ended: another may follow */
	PH_TRAILING, /* stream over: the rest is garbage */
};

struct tt_body_dec {
	int enc;
	int err;   /* sticky: -E2BIG, -EINVAL, -ENOMEM */
	int phase;
	int zlib_ready;
	size_t max_out;
	struct tt_body_alloc alloc;
	struct tt_body_dec_stats stats;
	uint8_t hold[HOLD_MAX];
	size_t hold_len;
	z_stream z;
	BrotliDecoderState *br;
	ZSTD_DStream *zs;
	uint8_t buf[OUT_BUF];
};

/* ---- Content-Encoding header ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int coding_from_token(const char *t, size_t len)
{
	static const struct {
		const char *name;
		int enc;
	} names[] = {
		{ "identity", TT_ENC_IDENTITY }, { "gzip", TT_ENC_GZIP },
		{ "x-gzip", TT_ENC_GZIP },       { "deflate", TT_ENC_DEFLATE },
		{ "br", TT_ENC_BR },             { "zstd", TT_ENC_ZSTD },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len &&
		    !strncasecmp(names[i].name, t, len))
			return names[i].enc;
	return TT_ENC_UNSUPPORTED;
}

int tt_enc_parse(const char *value, size_t len)
{
	const char *token = NULL;
	size_t token_len = 0, i = 0;

	if (!value)
		return TT_ENC_IDENTITY;
	/* RFC 9110 5.6.1: empty list elements are allowed and ignored. */
	while (i < len) {
		size_t start, end;

		while (i < len && (is_space(value[i]) || value[i] == ','))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && value[i] != ',')
			i++;
		end = i;
		while (end > start && is_space(value[end - 1]))
			end--;
		if (token)
			return TT_ENC_UNSUPPORTED; /* several codings */
		token = value + start;
		token_len = end - start;
	}
	return token ? coding_from_token(token, token_len) : TT_ENC_IDENTITY;
}

const char *tt_enc_name(int enc)
{
	switch (enc) {
	case TT_ENC_IDENTITY: return "identity";
	case TT_ENC_GZIP: return "gzip";
	case TT_ENC_DEFLATE: return "deflate";
	case TT_ENC_BR: return "br";
	case TT_ENC_ZSTD: return "zstd";
	default: return "unsupported";
	}
}

/* ---- allocation: one injectable allocator for us and all codecs ---- */

static void *mem_alloc(const struct tt_body_alloc *a, size_t n)
{
	return a->alloc ? a->alloc(a->opaque, n) : malloc(n);
}

static void mem_free(const struct tt_body_alloc *a, void *p)
{
	if (!p)
		return;
	if (a->free)
		a->free(a->opaque, p);
	else
		free(p);
}

static void *zlib_alloc(void *opaque, uInt items, uInt size)
{
	struct tt_body_dec *d = opaque;

	if (size && items > SIZE_MAX / size)
		return Z_NULL;
	return mem_alloc(&d->alloc, (size_t)items * size);
}

static void zlib_free(void *opaque, void *p)
{
	mem_free(&((struct tt_body_dec *)opaque)->alloc, p);
}

static void *codec_alloc(void *opaque, size_t size)
{
	return mem_alloc(&((struct tt_body_dec *)opaque)->alloc, size);
}

static void codec_free(void *opaque, void *p)
{
	mem_free(&((struct tt_body_dec *)opaque)->alloc, p);
}

/* ---- output and cap ---- */

/* One byte past the cap: producing it proves the body is larger. */
static size_t out_room(const struct tt_body_dec *d)
{
	uint64_t left = d->max_out - d->stats.out_bytes;

	return left >= OUT_BUF ? OUT_BUF : (size_t)left + 1;
}

static int emit(struct tt_body_dec *d, const uint8_t *p, size_t got,
		tt_body_sink sink, void *ctx)
{
	uint64_t left = d->max_out - d->stats.out_bytes;
	size_t n = got > left ? (size_t)left : got;

	if (n) {
		sink(ctx, p, n);
		d->stats.out_bytes += n;
		d->stats.sink_calls++;
	}
	return got > left ? -E2BIG : 0;
}

/* The codec reached the end of its stream (or of a gzip member / zstd
 * frame, after which another may follow). */
static void stream_end(struct tt_body_dec *d)
{
	d->phase = (d->enc == TT_ENC_GZIP || d->enc == TT_ENC_ZSTD) ?
			   PH_BETWEEN : PH_TRAILING;
}

/* ---- codecs: each consumes input until it needs more, the stream ends
 * or an error; *used says how much. ---- */

static int zlib_step(struct tt_body_dec *d, const uint8_t *in, size_t n,
		     size_t *used, tt_body_sink sink, void *ctx)
{
	z_stream *z = &d->z;
	size_t left = n; /* not yet given to zlib (avail_in is 32 bits) */
	int ret = 0;

	z->next_in = in;
	z->avail_in = 0;
	for (;;) {
		size_t room = out_room(d), got;
		uInt before_in;
		int zr;

		if (!z->avail_in && left) {
			z->avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
			left -= z->avail_in;
		}
		before_in = z->avail_in;
		z->next_out = d->buf;
		z->avail_out = (uInt)room;
		zr = inflate(z, Z_NO_FLUSH);
		got = room - z->avail_out;
		ret = emit(d, d->buf, got, sink, ctx);
		if (ret)
			break;
		if (zr == Z_STREAM_END) {
			stream_end(d);
			break;
		}
		if (zr == Z_MEM_ERROR) {
			ret = -ENOMEM;
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			ret = -EINVAL; /* Z_DATA_ERROR, Z_NEED_DICT */
			break;
		}
		if (!z->avail_out)
			continue; /* room full: more output may be pending */
		if (!z->avail_in && !left)
			break; /* all flushed, all consumed */
		if (!got && z->avail_in == before_in) {
			ret = -EINVAL; /* no progress: never spin */
			break;
		}
	}
	*used = n - left - z->avail_in;
	return ret;
}

static int brotli_step(struct tt_body_dec *d, const uint8_t *in, size_t n,
		       size_t *used, tt_body_sink sink, void *ctx)
{
	const uint8_t *next_in = in;
	size_t avail_in = n;
	int ret = 0;

	for (;;) {
		size_t room = out_room(d), avail_out = room;
		size_t before_in = avail_in;
		uint8_t *next_out = d->buf;
		BrotliDecoderResult r;

		r = BrotliDecoderDecompressStream(d->br, &avail_in, &next_in,
						  &avail_out, &next_out, NULL);
		ret = emit(d, d->buf, room - avail_out, sink, ctx);
		if (ret)
			break;
		if (r == BROTLI_DECODER_RESULT_SUCCESS) {
			stream_end(d);
			break;
		}
		if (r == BROTLI_DECODER_RESULT_ERROR) {
			int code = BrotliDecoderGetErrorCode(d->br);

			/* -21..-30 are the allocation failures */
			ret = code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
			      code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES ?
				-ENOMEM : -EINVAL;
			break;
		}
		if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
			break; /* everything consumed and flushed */
		if (avail_out == room && avail_in == before_in) {
			ret = -EINVAL; /* no progress: never spin */
			break;
		}
	}
	*used = n - avail_in;
	return ret;
}

static int zstd_step(struct tt_body_dec *d, const uint8_t *in, size_t n,
		     size_t *used, tt_body_sink sink, void *ctx)
{
	ZSTD_inBuffer ib = { in, n, 0 };
	int ret = 0;

	for (;;) {
		ZSTD_outBuffer ob = { d->buf, out_room(d), 0 };
		size_t before_in = ib.pos;
		size_t zr = ZSTD_decompressStream(d->zs, &ob, &ib);

		if (ZSTD_isError(zr)) {
			ZSTD_ErrorCode code = ZSTD_getErrorCode(zr);

			if (code == ZSTD_error_frameParameter_windowTooLarge)
				d->stats.window_refused++;
			ret = code == ZSTD_error_memory_allocation ? -ENOMEM :
								     -EINVAL;
			break;
		}
		ret = emit(d, d->buf, ob.pos, sink, ctx);
		if (ret)
			break;
		if (zr == 0) {
			stream_end(d); /* frame decoded and flushed */
			break;
		}
		if (ob.pos < ob.size) {
			if (ib.pos == ib.size)
				break; /* all flushed, all consumed */
			if (ib.pos == before_in) {
				ret = -EINVAL; /* no progress: never spin */
				break;
			}
		}
	}
	*used = ib.pos;
	return ret;
}

static int codec_step(struct tt_body_dec *d, const uint8_t *in, size_t n,
		      size_t *used, tt_body_sink sink, void *ctx)
{
	switch (d->enc) {
	case TT_ENC_GZIP:
	case TT_ENC_DEFLATE:
		return zlib_step(d, in, n, used, sink, ctx);
	case TT_ENC_BR:
		return brotli_step(d, in, n, used, sink, ctx);
	default:
		return zstd_step(d, in, n, used, sink, ctx);
	}
}

/* ---- stream boundaries ---- */

static size_t hold_need(int enc)
{
	switch (enc) {
	case TT_ENC_GZIP:
	case TT_ENC_DEFLATE:
		return 2;
	case TT_ENC_ZSTD:
		return 4;
	default:
		return 0;
	}
}

/* Does the hold start a member / frame: 1 yes, 0 not known yet, -1 no. */
static int hold_match(const struct tt_body_dec *d)
{
	static const uint8_t gzip_magic[2] = { 0x1f, 0x8b };
	static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	/* Skippable frames: 0x184D2A50..5F, little-endian. */
	static const uint8_t skip_magic[4] = { 0x50, 0x2a, 0x4d, 0x18 };
	const uint8_t *want = NULL;
	size_t len = d->hold_len;

	if (d->enc == TT_ENC_GZIP)
		want = gzip_magic;
	else if (d->enc == TT_ENC_ZSTD && len)
		want = (d->hold[0] & 0xf0) == 0x50 ? skip_magic : zstd_magic;
	for (size_t i = 0; want && i < len; i++)
		if (d->hold[i] != want[i] && !(i == 0 && want == skip_magic))
			return -1;
	return len == hold_need(d->enc) ? 1 : 0;
}

/* RFC 1950: CM 8, CINFO <= 7, header a multiple of 31. A raw deflate
 * stream rarely looks like this: its first block would have to be a
 * non-final stored block with non-zero padding bits. */
static int is_zlib_header(uint8_t b0, uint8_t b1)
{
	return (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 &&
	       (((unsigned)b0 << 8) | b1) % 31 == 0;
}

/* The hold starts a member / frame: reset the codec and decode the hold. */
static int start_member(struct tt_body_dec *d, tt_body_sink sink, void *ctx)
{
	uint8_t head[HOLD_MAX];
	size_t len = d->hold_len, used = 0;
	int ret;

	memcpy(head, d->hold, len);
	d->hold_len = 0;
	if (d->enc == TT_ENC_GZIP && d->phase == PH_BETWEEN)
		ret = inflateReset(&d->z);
	else if (d->enc == TT_ENC_DEFLATE)
		ret = inflateReset2(&d->z, is_zlib_header(head[0], head[1]) ?
						   MAX_WBITS : -MAX_WBITS);
	else
		ret = Z_OK; /* zstd moves on to the next frame by itself */
	if (ret != Z_OK)
		return -EINVAL;
	d->phase = PH_BODY;
	d->stats.members++;
	ret = codec_step(d, head, len, &used, sink, ctx);
	/* Never in practice: no stream ends inside its own magic. */
	if (!ret)
		d->stats.trailing_bytes += len - used;
	return ret;
}

/* PH_START / PH_BETWEEN: collect the hold, then decide. */
static int hold_step(struct tt_body_dec *d, const uint8_t *in, size_t n,
		     size_t *used, tt_body_sink sink, void *ctx)
{
	size_t take = 0;
	int m = hold_match(d);

	while (m == 0 && take < n) {
		d->hold[d->hold_len++] = in[take++];
		m = hold_match(d);
	}
	*used = take;
	if (m == 0)
		return 0;
	if (m > 0)
		return start_member(d, sink, ctx);
	if (d->phase == PH_START)
		return -EINVAL; /* the body does not start with its magic */
	d->stats.trailing_bytes += d->hold_len;
	d->hold_len = 0;
	d->phase = PH_TRAILING;
	return 0;
}

static int identity_feed(struct tt_body_dec *d, const uint8_t *in, size_t n,
			 size_t *used, tt_body_sink sink, void *ctx)
{
	size_t done = 0;
	int ret = 0;

	while (done < n && !ret) {
		size_t piece = n - done > OUT_BUF ? OUT_BUF : n - done;
		uint64_t before = d->stats.out_bytes;

		ret = emit(d, in + done, piece, sink, ctx);
		done += ret ? (size_t)(d->stats.out_bytes - before) : piece;
	}
	*used = done;
	return ret;
}

int tt_body_dec_feed(struct tt_body_dec *d, const uint8_t *in, size_t n,
		     tt_body_sink sink, void *ctx)
{
	int ret = d->err;

	d->stats.in_bytes += n;
	while (n && !ret) {
		size_t used = 0;

		if (d->enc == TT_ENC_IDENTITY) {
			ret = identity_feed(d, in, n, &used, sink, ctx);
		} else if (d->phase == PH_BODY) {
			ret = codec_step(d, in, n, &used, sink, ctx);
		} else if (d->phase == PH_TRAILING) {
			d->stats.trailing_bytes += n;
			used = n;
		} else {
			ret = hold_step(d, in, n, &used, sink, ctx);
		}
		in += used;
		n -= used;
	}
	if (ret) {
		d->err = ret;
		d->stats.dropped_bytes += n;
	}
	return ret;
}

int tt_body_dec_finish(struct tt_body_dec *d)
{
	if (d->err)
		return d->err;
	switch (d->phase) {
	case PH_START:
		return d->hold_len ? -EPIPE : 0;
	case PH_BODY:
		return -EPIPE;
	case PH_BETWEEN:
		/* A lone 0x1f after a gzip member is garbage, not a member. */
		d->stats.trailing_bytes += d->hold_len;
		d->hold_len = 0;
		return 0;
	default:
		return 0;
	}
}

const struct tt_body_dec_stats *
tt_body_dec_get_stats(const struct tt_body_dec *d)
{
	return &d->stats;
}

struct tt_body_dec *tt_body_dec_new_alloc(int enc, size_t max_out,
					  const struct tt_body_alloc *alloc)
{
	struct tt_body_alloc mem = { 0 };
	struct tt_body_dec *d;

	if (enc < TT_ENC_IDENTITY || enc >= TT_ENC_UNSUPPORTED) {
		errno = EINVAL;
		return NULL;
	}
	if (alloc)
		mem = *alloc;
	d = mem_alloc(&mem, sizeof(*d));
	if (!d)
		goto fail;
	memset(d, 0, sizeof(*d));
	d->alloc = mem;
	d->enc = enc;
	d->max_out = max_out;
	d->phase = PH_START;
	if (enc == TT_ENC_GZIP || enc == TT_ENC_DEFLATE) {
		d->z.zalloc = zlib_alloc;
		d->z.zfree = zlib_free;
		d->z.opaque = d;
		/* deflate: windowBits are set again once the header is seen */
		if (inflateInit2(&d->z, enc == TT_ENC_GZIP ? 16 + MAX_WBITS :
							     MAX_WBITS) != Z_OK)
			goto fail;
		d->zlib_ready = 1;
	} else if (enc == TT_ENC_BR) {
		/* Large-window (RFC-external) streams stay refused: default. */
		d->br = BrotliDecoderCreateInstance(codec_alloc, codec_free, d);
		if (!d->br)
			goto fail;
	} else if (enc == TT_ENC_ZSTD) {
		ZSTD_customMem cmem = { codec_alloc, codec_free, d };

		d->zs = ZSTD_createDStream_advanced(cmem);
		if (!d->zs || ZSTD_isError(ZSTD_DCtx_setParameter(
				      d->zs, ZSTD_d_windowLogMax,
				      ZSTD_WINDOW_LOG_MAX)))
			goto fail;
	}
	return d;
fail:
	tt_body_dec_free(d);
	errno = ENOMEM;
	return NULL;
}

struct tt_body_dec *tt_body_dec_new(int enc, size_t max_out)
{
	return tt_body_dec_new_alloc(enc, max_out, NULL);
}

void tt_body_dec_free(struct tt_body_dec *d)
{
	struct tt_body_alloc mem;

	if (!d)
		return;
	if (d->zlib_ready)
		inflateEnd(&d->z);
	if (d->br)
		BrotliDecoderDestroyInstance(d->br);
	if (d->zs)
		ZSTD_freeDStream(d->zs);
	mem = d->alloc;
	mem_free(&mem, d);
}
