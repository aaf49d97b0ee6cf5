// SPDX-License-Identifier: MIT
/*
 * The header lines of an HTTP/1 head (h1_impl.h): each line checked as it
 * ends, the head parsed into struct tt_h1_head once whole (framing headers
 * read from every line), and over the caps (TT_H1_HEAD_MAX, TT_HDRS_MAX)
 * the lines that matter kept wherever they are, the others left out and
 * counted.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "http/h1_impl.h"

static int h1_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       h1_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* name ":" value, name a token; no obs-fold, NUL or stray CR. */
int h1_header_ok(const char *l, size_t n)
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

/* Whether a header is one to keep over the caps. */
static int h1_name_matters(struct tt_h1 *p, const char *name, size_t len)
{
	static const char *const framing[] = {
		"content-length", "transfer-encoding", "connection", "upgrade",
	};
	struct tt_hdr h = { name, len, NULL, 0 };

	for (size_t i = 0; i < sizeof(framing) / sizeof(framing[0]); i++)
		if (h1_name_is(&h, framing[i]))
			return 1;
	return len && p->cb.keep_header && p->cb.keep_header(p->ctx, name, len);
}

/* Whether a header named so is among the kept lines before end. */
static int h1_buf_has(const struct tt_h1 *p, size_t end, const char *name,
		      size_t len)
{
	for (size_t at = p->line1_len; at < end;) {
		const char *line = p->buf + at;
		const char *lf = memchr(line, '\n', end - at);
		const char *colon = memchr(line, ':', (size_t)(lf - line));

		if (colon && (size_t)(colon - line) == len &&
		    !strncasecmp(line, name, len))
			return 1;
		at += (size_t)(lf - line) + 1;
	}
	return 0;
}

/* Over the caps, a header line (name ":" value) is kept when it matters
 * and, but for the lengths that frame the body, is the first of its name
 * among the lines kept before end: repeating a header cannot push
 * another out. */
int h1_line_keep(struct tt_h1 *p, const char *line, size_t len, size_t end)
{
	const char *colon = memchr(line, ':', len);
	struct tt_hdr h = { line, colon ? (size_t)(colon - line) : 0, NULL, 0 };

	if (!colon || !h1_name_matters(p, h.name, h.name_len))
		return 0;
	return h1_name_is(&h, "content-length") ||
	       h1_name_is(&h, "transfer-encoding") ||
	       !h1_buf_has(p, end, h.name, h.name_len);
}

/* TT_HDRS_MAX headers are listed already: one that matters takes the
 * place of the last one that does not. Either way one is left out. */
static void h1_hdrs_full(struct tt_h1 *p, struct tt_h1_head *h,
			 const struct tt_hdr *hdr)
{
	h->hdrs.dropped++;
	if (!h1_name_matters(p, hdr->name, hdr->name_len))
		return;
	for (size_t i = h->hdrs.n; i-- > 0;) {
		const struct tt_hdr *o = &h->hdrs.h[i];

		if (!h1_name_matters(p, o->name, o->name_len)) {
			h->hdrs.h[i] = *hdr;
			return;
		}
	}
}

/*
 * Fills h from the buffered head (already validated line by line). The
 * framing headers are read from every line, kept or dropped. *eof_body
 * tells a response whose Transfer-Encoding is not chunked: its body runs
 * to the end of the connection. Returns 0 or -EINVAL (bad or conflicting
 * Content-Length; a request with a non-chunked Transfer-Encoding).
 */
int h1_head_parse(struct tt_h1 *p, struct tt_h1_head *h, int *eof_body)
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
			h1_hdrs_full(p, h, &hdr);
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
	h->hdrs.dropped += p->dropped_lines;
	h->cut = p->start_cut || h->hdrs.dropped > 0;
	return 0;
}


/* Room for the header line in progress (take more bytes of it at d):
 * the whole buffer for the blank line that ends the head, else
 * H1_LINES_MAX. */
size_t h1_head_room(const struct tt_h1 *p, const uint8_t *d, size_t take)
{
	size_t have = p->buf_len - p->line_start;
	int blank = (!have && (d[0] == '\n' ||
			       (d[0] == '\r' && (take == 1 || d[1] == '\n')))) ||
		    (have == 1 && p->buf[p->line_start] == '\r' && d[0] == '\n');

	return blank ? TT_H1_HEAD_MAX : H1_LINES_MAX;
}

/* The head outgrew its buffer: the complete header lines that do not
 * matter are left out (once per head; later ones are left out as they
 * end), the line in progress is kept. */
void h1_head_compact(struct tt_h1 *p)
{
	size_t in = p->line1_len, out = p->line1_len;

	p->over = 1;
	p->stats.head_too_large++;
	while (in < p->line_start) {
		const char *line = p->buf + in;
		const char *lf = memchr(line, '\n', p->line_start - in);
		size_t n = (size_t)(lf - line) + 1;

		if (h1_line_keep(p, line, n, out)) {
			memmove(p->buf + out, line, n);
			out += n;
		} else {
			p->dropped_lines++;
			p->stats.cut_bytes += n;
		}
		in += n;
	}
	memmove(p->buf + out, p->buf + p->line_start, p->buf_len - p->line_start);
	p->buf_len = out + (p->buf_len - p->line_start);
	p->line_start = out;
}

/* Leaves the header line in progress out (it cannot fit, or it does not
 * matter): its bytes so far are dropped, the rest skipped to its end. */
void h1_line_drop(struct tt_h1 *p, int ended)
{
	p->stats.cut_bytes += p->buf_len - p->line_start;
	p->buf_len = p->line_start;
	p->dropped_lines++;
	p->skip_line = !ended;
}
