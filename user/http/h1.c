// SPDX-License-Identifier: MIT
/*
 * HTTP/1.x message parser: see h1.h. One state machine per direction; the
 * head is buffered (it must be whole for on_head), bodies are handed out
 * from the caller's buffer. The start-line matcher doubles as the resync
 * scanner, so "first message", "next message" and "lost, looking for a
 * message" are one code path that differs only in what a mismatch counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http/h1_impl.h"

static void h1_match_reset(struct tt_h1 *p)
{
	p->m = p->kind == TT_H1_REQUEST ? M_METHOD : M_VERSION;
	p->mi = 0;
}

static void h1_buf_drop(struct tt_h1 *p, size_t keep)
{
	p->buf_len = 0;
	p->over = p->skip_line = p->start_cut = 0;
	p->dropped_lines = p->start_unkept = 0;
	if (p->buf_cap > keep) {
		tt_mem_free(&p->mem, p->buf);
		p->buf = NULL;
		p->buf_cap = 0;
	}
	p->stats.head_buf_bytes = p->buf_cap;
}

/* The caller has checked that buf_len + n <= TT_H1_HEAD_MAX. */
static int h1_buf_put(struct tt_h1 *p, const void *d, size_t n)
{
	if (p->buf_len + n > p->buf_cap) {
		size_t cap = p->buf_cap ? p->buf_cap : H1_BUF_MIN;
		char *nb;

		while (cap < p->buf_len + n)
			cap *= 2;
		if (cap > TT_H1_HEAD_MAX)
			cap = TT_H1_HEAD_MAX;
		nb = tt_mem_realloc(&p->mem, p->buf, cap);
		if (!nb)
			return -ENOMEM;
		p->buf = nb;
		p->buf_cap = cap;
		p->stats.head_buf_bytes = cap;
	}
	memcpy(p->buf + p->buf_len, d, n);
	p->buf_len += n;
	return 0;
}

static void h1_end(struct tt_h1 *p, int how)
{
	p->in_msg = 0;
	if (how == TT_H1_END_COMPLETE)
		p->stats.messages++;
	else
		p->stats.aborted++;
	p->state = ST_START;
	h1_match_reset(p);
	if (p->cb.on_end)
		p->cb.on_end(p->ctx, how);
}

/*
 * Sync is lost: counts why (counter may be NULL), aborts the message in
 * progress, drops the buffered head and scans for the next start line.
 * The scan tries every byte offset, not only line starts: a pipelined
 * request or a next response follows its body with no line break.
 */
void h1_lost(struct tt_h1 *p, uint64_t *counter)
{
	if (counter)
		(*counter)++;
	if (p->in_msg)
		h1_end(p, TT_H1_END_ABORTED);
	if (!p->resyncing) {
		p->resyncing = 1;
		p->stats.resyncs++;
	}
	p->fresh = 0;
	p->stats.skipped_bytes += p->buf_len + p->start_unkept;
	h1_buf_drop(p, H1_BUF_KEEP);
	p->state = ST_START;
	h1_match_reset(p);
}

static void h1_nomem(struct tt_h1 *p)
{
	p->nomem = 1;
	h1_lost(p, &p->stats.nomem);
}

/* Advances the start-line matcher by one byte (not yet in buf). Returns 1
 * when c ends a valid start line, 0 to go on, -1 on a mismatch. */
static int h1_match(struct tt_h1 *p, uint8_t c)
{
	static const char ver[] = "HTTP/1.";

	switch (p->m) {
	case M_METHOD:
		if (c >= 'A' && c <= 'Z' && p->mi < 7) {
			p->method[p->mi++] = (char)c;
			return 0;
		}
		if (c != ' ' || p->mi < 3)
			return -1;
		p->method[p->mi] = '\0';
		p->target_off = p->buf_len + 1;
		p->m = M_TARGET;
		p->mi = 0;
		return 0;
	case M_TARGET:
		if (c > ' ' && c != 0x7f) {
			p->mi++;
			return 0;
		}
		if (c != ' ' || !p->mi)
			return -1;
		p->target_len = p->mi < TT_H1_TARGET_KEEP ? p->mi
							  : TT_H1_TARGET_KEEP;
		p->m = M_VERSION;
		p->mi = 0;
		return 0;
	case M_VERSION:
		if (p->mi < sizeof(ver) - 1)
			return c == (uint8_t)ver[p->mi++] ? 0 : -1;
		if (!h1_digit(c))
			return -1;
		p->minor = c - '0';
		p->m = p->kind == TT_H1_REQUEST ? M_EOL : M_VSP;
		return 0;
	case M_VSP:
		if (c != ' ')
			return -1;
		p->m = M_STATUS;
		p->mi = 0;
		p->status = 0;
		return 0;
	case M_STATUS:
		if (!h1_digit(c))
			return -1;
		p->status = p->status * 10 + (c - '0');
		if (++p->mi == 3)
			p->m = M_AFTER_STATUS;
		return 0;
	case M_AFTER_STATUS:
		if (c == ' ') {
			p->m = M_REASON;
			p->mi = 0;
			return 0;
		}
		p->m = M_EOL;
		return h1_match(p, c);
	case M_REASON:
		if (c == '\r' || c == '\n') {
			p->m = M_EOL;
			return h1_match(p, c);
		}
		p->mi++;
		return (c < ' ' && c != '\t') || c == 0x7f ? -1 : 0;
	case M_EOL:
		if (c == '\n')
			return 1;
		if (c != '\r')
			return -1;
		p->m = M_LF;
		return 0;
	case M_LF:
		return c == '\n' ? 1 : -1;
	}
	return -1;
}

static size_t h1_start(struct tt_h1 *p, const uint8_t *d, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = d[i];
		int r;

		/* Empty lines between messages are tolerated (RFC 9112 2.2). */
		if (!p->buf_len && (c == '\r' || c == '\n')) {
			if (p->resyncing)
				p->stats.skipped_bytes++;
			i++;
			continue;
		}
		r = h1_match(p, c);
		/* A long target or reason is matched to its end but only its
		 * first bytes are kept. */
		if (!r && ((p->m == M_TARGET && p->mi > TT_H1_TARGET_KEEP) ||
			   (p->m == M_REASON && p->mi > H1_REASON_KEEP))) {
			p->start_cut |= p->m == M_TARGET;
			p->start_unkept++;
			i++;
			continue;
		}
		if (r >= 0 && p->buf_len + 1 > TT_H1_HEAD_MAX)
			r = -2;
		if (r < 0) {
			int had = p->buf_len > 0;
			uint64_t *why = NULL;

			/* A midway join or a scan that goes on is no error. */
			if (!p->resyncing && !p->fresh)
				why = r == -2 ? &p->stats.head_too_large :
						&p->stats.parse_errors;
			h1_lost(p, why);
			/* c may start the next candidate; a byte that cannot
			 * is skipped. Each byte is tried at most twice. */
			if (!had) {
				p->stats.skipped_bytes++;
				i++;
			}
			continue;
		}
		i++;
		if (h1_buf_put(p, &c, 1)) {
			h1_nomem(p); /* the byte is skipped: no retry loop */
			p->stats.skipped_bytes++;
			continue;
		}
		if (r == 1) {
			p->stats.cut_bytes += p->start_unkept;
			p->resyncing = 0;
			p->fresh = 0;
			p->line1_len = p->buf_len;
			p->line_start = p->buf_len;
			p->state = ST_HEAD;
			return i;
		}
	}
	return n;
}

static void h1_chunk_next(struct tt_h1 *p)
{
	p->state = ST_CHUNK_SIZE;
	p->chunk_size = 0;
	p->chunk_digits = 0;
	p->line_len = 0;
}

/* The head is complete in buf: report it and pick the body framing. */
static void h1_head_done(struct tt_h1 *p)
{
	struct tt_h1_head h;
	int eof_body = 0, ret = 0, no_body;

	if (h1_head_parse(p, &h, &eof_body)) {
		h1_lost(p, &p->stats.parse_errors);
		return;
	}
	p->stats.headers_dropped += h.hdrs.dropped;
	if (p->cb.on_head)
		ret = p->cb.on_head(p->ctx, &h);
	p->in_msg = 1;
	/* The head's pointers are dead now: release the buffer so an idle or
	 * streaming connection holds none. */
	h1_buf_drop(p, 0);
	if (p->kind == TT_H1_REQUEST)
		no_body = !h.chunked && h.content_length <= 0;
	else
		no_body = h.status / 100 == 1 || h.status == 204 ||
			  h.status == 304 || ret == TT_H1_BODY_NONE ||
			  (!h.chunked && !eof_body && h.content_length == 0);
	if (ret == TT_H1_UPGRADE && p->kind == TT_H1_RESPONSE &&
	    h.status == 101) {
		h1_end(p, TT_H1_END_COMPLETE);
		p->state = ST_UPGRADED;
	} else if (no_body) {
		h1_end(p, TT_H1_END_COMPLETE);
	} else if (h.chunked) {
		h1_chunk_next(p);
	} else if (eof_body || h.content_length < 0) {
		p->state = ST_BODY_EOF;
	} else {
		p->state = ST_BODY_LEN;
		p->remaining = (uint64_t)h.content_length;
	}
}

static size_t h1_head(struct tt_h1 *p, const uint8_t *d, size_t n)
{
	const uint8_t *lf = memchr(d, '\n', n);
	size_t take = lf ? (size_t)(lf - d) + 1 : n;
	const char *line;
	size_t len;

	if (p->skip_line) { /* the rest of a line left out */
		p->stats.cut_bytes += take;
		p->skip_line = !lf;
		return take;
	}
	if (p->buf_len + take > h1_head_room(p, d, take)) {
		if (!p->over)
			h1_head_compact(p);
		if (p->buf_len + take > h1_head_room(p, d, take)) {
			p->stats.cut_bytes += take;
			h1_line_drop(p, lf != NULL);
			return take;
		}
	}
	if (h1_buf_put(p, d, take)) {
		h1_nomem(p);
		return 0;
	}
	if (!lf)
		return take;
	line = p->buf + p->line_start;
	len = p->buf_len - 1 - p->line_start;
	if (len && line[len - 1] == '\r')
		len--;
	if (!len)
		h1_head_done(p);
	else if (!h1_header_ok(line, len))
		h1_lost(p, &p->stats.parse_errors);
	else if (p->over && !h1_line_keep(p, line, len, p->line_start))
		h1_line_drop(p, 1);
	else
		p->line_start = p->buf_len;
	return take;
}

static size_t h1_body(struct tt_h1 *p, const uint8_t *d, size_t n)
{
	size_t take = n;

	if (p->state != ST_BODY_EOF && p->remaining < take)
		take = (size_t)p->remaining;
	if (p->cb.on_body)
		p->cb.on_body(p->ctx, d, take);
	if (p->state == ST_BODY_EOF)
		return take;
	p->remaining -= take;
	if (!p->remaining) {
		if (p->state == ST_BODY_LEN)
			h1_end(p, TT_H1_END_COMPLETE);
		else
			p->state = ST_CHUNK_DATA_CR;
	}
	return take;
}

static int h1_hex(uint8_t c)
{
	if (h1_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One byte of chunk framing. Returns 0, or -1 when c is malformed. */
static int h1_chunk_byte(struct tt_h1 *p, uint8_t c)
{
	int v;

	if (p->state == ST_CHUNK_DATA_CR || p->state == ST_CHUNK_DATA_LF) {
		if (c == '\r' && p->state == ST_CHUNK_DATA_CR) {
			p->state = ST_CHUNK_DATA_LF;
			return 0;
		}
		if (c != '\n') /* a bare LF ends the data too */
			return -1;
		h1_chunk_next(p);
		return 0;
	}
	/* The chunk-size line, extensions included, is capped. */
	if (++p->line_len > TT_H1_HEAD_MAX)
		return -1;
	switch (p->state) {
	case ST_CHUNK_SIZE:
		v = h1_hex(c);
		if (v >= 0) {
			if ((p->chunk_size || v) &&
			    ++p->chunk_digits > H1_CHUNK_DIGITS)
				return -1;
			p->chunk_size = p->chunk_size * 16 + (uint64_t)v;
			return 0;
		}
		if (p->line_len == 1) /* no digit before it */
			return -1;
		if (c == ';' || h1_ows((char)c)) {
			p->state = ST_CHUNK_EXT;
			return 0;
		}
		if (c == '\r') {
			p->state = ST_CHUNK_SIZE_LF;
			return 0;
		}
		if (c != '\n')
			return -1;
		break;
	case ST_CHUNK_EXT:
		if (c == '\r')
			p->state = ST_CHUNK_SIZE_LF;
		if (c != '\n')
			return c ? 0 : -1;
		break;
	case ST_CHUNK_SIZE_LF:
		if (c != '\n')
			return -1;
		break;
	default:
		return -1;
	}
	/* The chunk-size line ended. */
	if (p->chunk_size) {
		p->state = ST_CHUNK_DATA;
		p->remaining = p->chunk_size;
	} else {
		p->state = ST_TRAILER;
		p->trailer_len = 0;
		p->line_len = 0;
		p->line_cr = 0;
	}
	return 0;
}

static size_t h1_chunk(struct tt_h1 *p, const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (h1_chunk_byte(p, d[i])) {
			h1_lost(p, &p->stats.parse_errors);
			return i;
		}
		if (p->state == ST_CHUNK_DATA || p->state == ST_TRAILER)
			return i + 1;
	}
	return n;
}

/* Trailers are skipped, not reported: nothing is kept, so nothing caps
 * them; a trailer section over TT_H1_HEAD_MAX is counted once. */
static size_t h1_trailer(struct tt_h1 *p, const uint8_t *d, size_t n)
{
	const uint8_t *lf = memchr(d, '\n', n);
	size_t take = lf ? (size_t)(lf - d) + 1 : n;
	size_t text = lf ? take - 1 : take; /* bytes before the LF */

	if (p->trailer_len <= TT_H1_HEAD_MAX &&
	    p->trailer_len + take > TT_H1_HEAD_MAX)
		p->stats.head_too_large++;
	p->trailer_len += take;
	if (text) {
		p->line_len += text;
		p->line_cr = d[text - 1] == '\r';
	}
	if (!lf)
		return take;
	if (!p->line_len || (p->line_len == 1 && p->line_cr)) {
		h1_end(p, TT_H1_END_COMPLETE);
	} else {
		p->line_len = 0;
		p->line_cr = 0;
	}
	return take;
}

static size_t h1_step(struct tt_h1 *p, const uint8_t *d, size_t n)
{
	switch (p->state) {
	case ST_START:
		return h1_start(p, d, n);
	case ST_HEAD:
		return h1_head(p, d, n);
	case ST_BODY_LEN:
	case ST_BODY_EOF:
	case ST_CHUNK_DATA:
		return h1_body(p, d, n);
	case ST_TRAILER:
		return h1_trailer(p, d, n);
	default:
		return h1_chunk(p, d, n);
	}
}

struct tt_h1 *tt_h1_new(int kind, const struct tt_h1_callbacks *cb,
			void *ctx, const struct tt_mem *mem)
{
	struct tt_h1 *p = tt_mem_calloc(mem, 1, sizeof(*p));

	if (!p)
		return NULL;
	p->mem = tt_mem_resolve(mem);
	p->kind = kind == TT_H1_RESPONSE ? TT_H1_RESPONSE : TT_H1_REQUEST;
	if (cb)
		p->cb = *cb;
	p->ctx = ctx;
	p->state = ST_START;
	p->fresh = 1;
	h1_match_reset(p);
	return p;
}

void tt_h1_free(struct tt_h1 *p)
{
	if (p)
		tt_mem_free_obj(&p->mem, p->buf, p);
}

int tt_h1_feed(struct tt_h1 *p, const uint8_t *data, size_t len)
{
	size_t off = 0;

	p->nomem = 0;
	/* Every step consumes bytes or moves to ST_START, which always
	 * does, so this ends. */
	while (off < len && p->state != ST_UPGRADED)
		off += h1_step(p, data + off, len - off);
	p->used = off;
	return p->nomem ? -ENOMEM : 0;
}

void tt_h1_gap(struct tt_h1 *p, uint64_t len)
{
	if (!len || p->state == ST_UPGRADED)
		return;
	if (p->state == ST_BODY_EOF ||
	    ((p->state == ST_BODY_LEN || p->state == ST_CHUNK_DATA) &&
	     p->remaining >= len)) {
		p->stats.gaps_skipped++;
		if (p->cb.on_body_gap)
			p->cb.on_body_gap(p->ctx, len);
		if (p->state == ST_BODY_EOF)
			return;
		p->remaining -= len;
		if (p->remaining)
			return;
		if (p->state == ST_BODY_LEN)
			h1_end(p, TT_H1_END_COMPLETE);
		else
			p->state = ST_CHUNK_DATA_CR;
		return;
	}
	h1_lost(p, &p->stats.gaps_aborted);
}

void tt_h1_eof(struct tt_h1 *p)
{
	if (p->in_msg)
		h1_end(p, p->state == ST_BODY_EOF ? TT_H1_END_COMPLETE :
						    TT_H1_END_ABORTED);
	h1_buf_drop(p, 0);
	p->state = ST_START;
	p->resyncing = 0;
	p->fresh = 1;
	h1_match_reset(p);
}

int tt_h1_upgraded(const struct tt_h1 *p, size_t *used)
{
	if (used)
		*used = p->state == ST_UPGRADED ? p->used : 0;
	return p->state == ST_UPGRADED;
}

const struct tt_h1_stats *tt_h1_get_stats(const struct tt_h1 *p)
{
	return &p->stats;
}
