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
#include "http/h1.h"
#include "util/mem.h"

#define H1_BUF_MIN 256  /* first allocation; doubles up to TT_H1_HEAD_MAX */
#define H1_BUF_KEEP 512 /* a buffer this small survives a resync */
#define H1_CHUNK_DIGITS 15 /* significant hex digits: sizes stay < 2^60 */

enum h1_state {
	ST_START,         /* a start line is expected (matcher m) */
	ST_HEAD,          /* header lines up to the blank line */
	ST_BODY_LEN,      /* Content-Length body, remaining bytes left */
	ST_BODY_EOF,      /* close-delimited body */
	ST_CHUNK_SIZE,    /* hex digits of a chunk-size line */
	ST_CHUNK_EXT,     /* rest of a chunk-size line (extensions) */
	ST_CHUNK_SIZE_LF, /* CR seen at the end of the chunk-size line */
	ST_CHUNK_DATA,    /* chunk data, remaining bytes left */
	ST_CHUNK_DATA_CR, /* CRLF after chunk data */
	ST_CHUNK_DATA_LF,
	ST_TRAILER,       /* trailer lines up to the blank line */
	ST_UPGRADED,      /* after an accepted 101: no longer HTTP/1 */
};

enum h1_match {
	M_METHOD,       /* requests: upper-case letters */
	M_TARGET,       /* requests: non-SP, non-CTL bytes */
	M_VERSION,      /* "HTTP/1." then a digit */
	M_VSP,          /* responses: SP after the version */
	M_STATUS,       /* responses: 3 digits */
	M_AFTER_STATUS, /* responses: SP reason, or end of line */
	M_REASON,
	M_EOL,          /* CR LF or LF */
	M_LF,           /* LF after CR */
};

struct tt_h1 {
	int kind;
	struct tt_h1_callbacks cb;
	void *ctx;
	struct tt_mem mem; /* everything below is allocated through it */
	struct tt_h1_stats stats;

	enum h1_state state;
	int in_msg;    /* on_head was called, on_end is owed */
	int resyncing; /* mismatches are skipped bytes, not errors */
	int fresh;     /* nothing parsed yet: a mismatch is a midway join */
	int nomem;     /* an allocation failed during this feed */
	size_t used;   /* ST_UPGRADED: bytes of the last feed that were HTTP */

	/* Start line, filled by the matcher. */
	enum h1_match m;
	size_t mi; /* position inside the current matcher step */
	char method[16];
	size_t target_off, target_len;
	int status, minor;
	size_t line1_len; /* start line length, LF included */

	/* Head buffer: start line and header lines. */
	char *buf;
	size_t buf_len, buf_cap;
	size_t line_start; /* offset of the header line being received */

	/* Body. */
	uint64_t remaining;
	uint64_t chunk_size;
	unsigned chunk_digits;
	size_t line_len; /* chunk-size line or trailer line so far */
	int line_cr;     /* the trailer line so far ends with CR */
	size_t trailer_len;
};

static void h1_match_reset(struct tt_h1 *p)
{
	p->m = p->kind == TT_H1_REQUEST ? M_METHOD : M_VERSION;
	p->mi = 0;
}

static void h1_buf_drop(struct tt_h1 *p, size_t keep)
{
	p->buf_len = 0;
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
static void h1_lost(struct tt_h1 *p, uint64_t *counter)
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
	p->stats.skipped_bytes += p->buf_len;
	h1_buf_drop(p, H1_BUF_KEEP);
	p->state = ST_START;
	h1_match_reset(p);
}

static void h1_nomem(struct tt_h1 *p)
{
	p->nomem = 1;
	h1_lost(p, &p->stats.nomem);
}

static int h1_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
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
		p->target_len = p->mi;
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
			return 0;
		}
		p->m = M_EOL;
		return h1_match(p, c);
	case M_REASON:
		if (c == '\r' || c == '\n') {
			p->m = M_EOL;
			return h1_match(p, c);
		}
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

static int h1_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       h1_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* name ":" value, name a token; no obs-fold, NUL or stray CR. */
static int h1_header_ok(const char *l, size_t n)
{
	size_t i = 0;

	while (i < n && h1_tchar((uint8_t)l[i]))
		i++;
	if (!i || i == n || l[i] != ':')
		return 0;
	for (i++; i < n; i++)
		if (l[i] == '\0' || l[i] == '\r')
			return 0;
	return 1;
}

static int h1_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether the comma-separated list v has an element equal to tok (any
 * case); *last tells whether the final element is tok. */
static int h1_list_has(const char *v, size_t n, const char *tok, int *last)
{
	size_t tlen = strlen(tok), i = 0;
	int found = 0, is = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (h1_ows(v[i]) || v[i] == ','))
			i++;
		if (i == n)
			break;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && h1_ows(v[e - 1]))
			e--;
		is = e - s == tlen && !strncasecmp(v + s, tok, tlen);
		found |= is;
	}
	if (last)
		*last = is;
	return found;
}

/* Content-Length: digits only, below 2^62. */
static int h1_parse_cl(const char *v, size_t n, int64_t *out)
{
	int64_t x = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!h1_digit((uint8_t)v[i]) || x > (INT64_C(1) << 62) / 10)
			return -EINVAL;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

static int h1_name_is(const struct tt_hdr *h, const char *name)
{
	size_t n = strlen(name);

	return h->name_len == n && !strncasecmp(h->name, name, n);
}

/*
 * Fills h from the buffered head (already validated line by line). The
 * framing headers are read from every line, kept or dropped. *eof_body
 * tells a response whose Transfer-Encoding is not chunked: its body runs
 * to the end of the connection. Returns 0 or -EINVAL (bad or conflicting
 * Content-Length; a request with a non-chunked Transfer-Encoding).
 */
static int h1_head_parse(struct tt_h1 *p, struct tt_h1_head *h, int *eof_body)
{
	const char *line = p->buf + p->line1_len, *end = p->buf + p->buf_len;
	int te = 0, te_chunked = 0, conn_close = 0, conn_keep = 0;

	memset(h, 0, sizeof(*h));
	h->kind = p->kind;
	h->minor = p->minor;
	h->content_length = -1;
	if (p->kind == TT_H1_REQUEST) {
		memcpy(h->method, p->method, sizeof(h->method));
		h->target = p->buf + p->target_off;
		h->target_len = p->target_len;
	} else {
		h->status = p->status;
	}
	for (;;) {
		const char *lf = memchr(line, '\n', (size_t)(end - line));
		const char *le = lf, *colon, *v, *ve;
		struct tt_hdr hdr;

		if (!lf)
			return -EINVAL; /* cannot happen: the head ends in LF */
		if (le > line && le[-1] == '\r')
			le--;
		if (le == line)
			break;
		colon = memchr(line, ':', (size_t)(le - line));
		if (!colon)
			return -EINVAL;
		for (v = colon + 1; v < le && h1_ows(*v); v++)
			;
		for (ve = le; ve > v && h1_ows(ve[-1]); ve--)
			;
		hdr.name = line;
		hdr.name_len = (size_t)(colon - line);
		hdr.value = v;
		hdr.value_len = (size_t)(ve - v);
		if (h->hdrs.n < TT_HDRS_MAX)
			h->hdrs.h[h->hdrs.n++] = hdr;
		else
			h->hdrs.dropped++;
		if (h1_name_is(&hdr, "content-length")) {
			int64_t cl;

			if (h1_parse_cl(v, hdr.value_len, &cl) ||
			    (h->content_length >= 0 && h->content_length != cl))
				return -EINVAL;
			h->content_length = cl;
		} else if (h1_name_is(&hdr, "transfer-encoding")) {
			/* The last coding of the last header decides. */
			te = 1;
			h1_list_has(v, hdr.value_len, "chunked", &te_chunked);
		} else if (h1_name_is(&hdr, "connection")) {
			conn_close |= h1_list_has(v, hdr.value_len, "close", NULL);
			conn_keep |= h1_list_has(v, hdr.value_len, "keep-alive",
						 NULL);
		}
		line = lf + 1;
	}
	*eof_body = 0;
	if (te) {
		if (!te_chunked && p->kind == TT_H1_REQUEST)
			return -EINVAL; /* RFC 9112 6.3: cannot be delimited */
		h->chunked = te_chunked;
		*eof_body = !te_chunked;
		h->content_length = -1; /* Transfer-Encoding overrides it */
	}
	h->keep_alive = !conn_close && (p->minor >= 1 || conn_keep);
	return 0;
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

	/* Fill up to the cap exactly and trip on the next byte, so that
	 * where the scan resumes does not depend on how the stream was cut. */
	if (p->buf_len + take > TT_H1_HEAD_MAX) {
		take = TT_H1_HEAD_MAX - p->buf_len;
		if (!take) {
			h1_lost(p, &p->stats.head_too_large);
			return 0;
		}
		lf = NULL;
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

/* Trailers are skipped, not reported; they count against the head cap. */
static size_t h1_trailer(struct tt_h1 *p, const uint8_t *d, size_t n)
{
	const uint8_t *lf = memchr(d, '\n', n);
	size_t take = lf ? (size_t)(lf - d) + 1 : n;
	size_t text = lf ? take - 1 : take; /* bytes before the LF */

	/* Up to the cap exactly, as for the head. */
	if (p->trailer_len + take > TT_H1_HEAD_MAX) {
		take = TT_H1_HEAD_MAX - p->trailer_len;
		if (!take) {
			h1_lost(p, &p->stats.head_too_large);
			return 0;
		}
		lf = NULL;
		text = take;
	}
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
