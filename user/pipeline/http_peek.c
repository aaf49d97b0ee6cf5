// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "pipeline/http_peek.h"

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* Copies [s, s+n) into dst (cap bytes), truncating; always terminates. */
static void copy_trunc(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int is_token_char(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/* Parses "METHOD SP target SP HTTP/1.x" in [p, end). */
static int parse_request_line(const uint8_t *p, const uint8_t *end,
			      struct tt_http_peek *out)
{
	const uint8_t *sp1, *sp2, *q;

	for (sp1 = p; sp1 < end && is_token_char(*sp1); sp1++)
		;
	if (sp1 == p || sp1 >= end || *sp1 != ' ' || sp1 - p >= 16)
		return -EINVAL;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return -EINVAL;
	if (end - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return -EINVAL;
	copy_trunc(out->method, sizeof(out->method), p, (size_t)(sp1 - p));
	/* The query string can carry keys (Gemini ?key=): never keep it. */
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	copy_trunc(out->path, sizeof(out->path), sp1 + 1,
		   (size_t)((q ? q : sp2) - sp1 - 1));
	return 0;
}

int tt_http_peek_request(const uint8_t *buf, size_t len,
			 struct tt_http_peek *out)
{
	const uint8_t *end, *line, *eol;
	size_t scan = len < TT_PEEK_MAX ? len : TT_PEEK_MAX;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len && buf[0] == 'P') {
		size_t n = len < sizeof(h2_preface) - 1 ? len
							: sizeof(h2_preface) - 1;
		if (!memcmp(buf, h2_preface, n)) {
			if (n < sizeof(h2_preface) - 1)
				return -EAGAIN;
			out->is_h2 = 1;
			return 0;
		}
	}
	end = buf + scan;
	eol = memchr(buf, '\n', scan);
	if (!eol) {
		/* Reject early when the bytes cannot start a request line. */
		for (size_t i = 0; i < scan && buf[i] != ' '; i++)
			if (!is_token_char(buf[i]))
				return -EINVAL;
		return scan < TT_PEEK_MAX ? -EAGAIN : -E2BIG;
	}
	if (eol == buf || eol[-1] != '\r')
		return -EINVAL;
	ret = parse_request_line(buf, eol - 1, out);
	if (ret)
		return ret;
	for (line = eol + 1; line < end; line = eol + 1) {
		const uint8_t *colon, *v, *ve;

		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		if (eol == line || eol[-1] != '\r')
			return -EINVAL;
		if (eol - 1 == line)
			return 0; /* end of head */
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon)
			return -EINVAL;
		if (colon - line != 4 || strncasecmp((const char *)line, "host", 4))
			continue;
		for (v = colon + 1; v < eol - 1 && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = eol - 1; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		copy_trunc(out->host, sizeof(out->host), v, (size_t)(ve - v));
		return 0; /* the Host is all classification needs */
	}
	return scan < TT_PEEK_MAX ? -EAGAIN : -E2BIG;
}
