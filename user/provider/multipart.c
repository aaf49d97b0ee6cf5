// SPDX-License-Identifier: MIT
/*
 * multipart/form-data, for the endpoints that send the model as a form
 * field (audio transcriptions, image edits): the boundary from the
 * Content-Type and one field's value from a bounded prefix of the body.
 * Split from reqscan.c, whose JSON automaton it shares nothing with.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "provider/reqscan.h"
#include "util/utf8.h"

static int is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parameter pname of a header value "type; a=b; c=\"d\"" (RFC 9110
 * section 5.6.6; quoted-string with backslash escapes). The first one wins.
 * Returns the value's length copied into out, -ENOENT, or -E2BIG.
 */
static int hdr_param(const char *v, size_t len, const char *pname,
		     char *out, size_t outlen)
{
	size_t plen = strlen(pname), i = 0;

	out[0] = '\0';
	while (i < len && v[i] != ';' && v[i] != '"')
		i++; /* the type itself */
	while (i < len) {
		size_t name_at, name_len, o = 0;
		int match, quoted;

		if (v[i] == '"') { /* stray quoted text: skip it whole */
			for (i++; i < len && v[i] != '"'; i++)
				i += v[i] == '\\';
			i++;
		}
		while (i < len && (v[i] == ';' || is_ows((uint8_t)v[i])))
			i++;
		name_at = i;
		while (i < len && v[i] != '=' && v[i] != ';' &&
		       !is_ows((uint8_t)v[i]))
			i++;
		name_len = i - name_at;
		while (i < len && is_ows((uint8_t)v[i]))
			i++;
		if (i >= len || v[i] != '=')
			continue;
		for (i++; i < len && is_ows((uint8_t)v[i]); i++)
			;
		match = name_len == plen &&
			!strncasecmp(v + name_at, pname, plen);
		quoted = i < len && v[i] == '"';
		for (i += (size_t)quoted; i < len; i++) {
			char c = v[i];

			if (quoted && c == '"') {
				i++;
				break;
			}
			if (!quoted && (c == ';' || is_ows((uint8_t)c)))
				break;
			if (quoted && c == '\\' && i + 1 < len)
				c = v[++i];
			if (match && o + 1 >= outlen)
				return -E2BIG;
			if (match)
				out[o++] = c;
		}
		if (match) {
			out[o] = '\0';
			return (int)o;
		}
		while (i < len && v[i] != ';')
			i++;
	}
	return -ENOENT;
}

int tt_multipart_boundary(const char *ctype, size_t len, char *out,
			  size_t outlen)
{
	size_t i = 0;
	int ret;

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	while (i < len && is_ows((uint8_t)ctype[i]))
		i++;
	if (len - i < 10 || strncasecmp(ctype + i, "multipart/", 10))
		return -ENOENT;
	ret = hdr_param(ctype + i, len - i, "boundary", out, outlen);
	return ret == 0 ? -ENOENT : ret;
}

struct mp_delim {
	size_t value_end; /* end of the content before the delimiter */
	size_t after;     /* first byte after "--boundary" */
	int closing;      /* "--boundary--" */
};

/*
 * Next delimiter line ("--" boundary at a line start, then "--" or
 * padding and a line end) at or after from. At offset 0 the body may
 * start with it. Returns 0 or -EAGAIN (none in the prefix yet).
 */
static int find_delim(const uint8_t *body, size_t len, size_t from,
		      const char *pat, size_t plen, struct mp_delim *d)
{
	size_t at = from;

	while (at < len) {
		const uint8_t *hit = memmem(body + at, len - at, pat, plen);
		size_t h, t;

		if (!hit)
			return -EAGAIN;
		h = (size_t)(hit - body);
		at = h + 1;
		t = h + plen;
		if (!(h == 0 || (h > from && body[h - 1] == '\n')))
			continue;
		if (t >= len || (body[t] == '-' && t + 1 >= len))
			return -EAGAIN;
		if (body[t] == '-' && body[t + 1] != '-')
			continue;
		if (body[t] != '-' && !is_ows(body[t]) && body[t] != '\r' &&
		    body[t] != '\n')
			continue; /* a longer boundary-like string */
		d->value_end = h ? h - 1 : 0;
		if (d->value_end > from && body[d->value_end - 1] == '\r')
			d->value_end--;
		d->after = t;
		d->closing = body[t] == '-';
		return 0;
	}
	return -EAGAIN;
}

/* Skips a part's header block from pos; sets *is_field when its
 * Content-Disposition names the field. Returns 0 or -EAGAIN. */
static int part_headers(const uint8_t *body, size_t len, size_t *pos,
			const char *name, int *is_field)
{
	static const char cd[] = "content-disposition";
	char pname[TT_MULTIPART_BOUNDARY_MAX];
	size_t i = *pos;

	*is_field = 0;
	for (;;) {
		const uint8_t *nl = memchr(body + i, '\n', len - i);
		size_t end, h;

		if (!nl)
			return -EAGAIN;
		end = (size_t)(nl - body);
		h = end > i && body[end - 1] == '\r' ? end - 1 : end;
		if (h == i) {
			*pos = end + 1; /* the blank line */
			return 0;
		}
		if (h - i > sizeof(cd) - 1 &&
		    !strncasecmp((const char *)body + i, cd, sizeof(cd) - 1)) {
			size_t v = i + sizeof(cd) - 1;

			while (v < h && is_ows(body[v]))
				v++;
			if (v < h && body[v] == ':' &&
			    hdr_param((const char *)body + v + 1, h - v - 1,
				      "name", pname, sizeof(pname)) >= 0 &&
			    !strcmp(pname, name))
				*is_field = 1;
		}
		i = end + 1;
	}
}

static int copy_value(const uint8_t *v, size_t vlen, char *out, size_t outlen)
{
	if (vlen > outlen - 1)
		vlen = tt_utf8_trim(v, outlen - 1);
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return (int)vlen;
}

int tt_multipart_field(const uint8_t *body, size_t len, const char *boundary,
		       const char *name, char *out, size_t outlen)
{
	char pat[TT_MULTIPART_BOUNDARY_MAX + 2];
	size_t blen = strlen(boundary), plen = blen + 2, pos;
	struct mp_delim d;
	const uint8_t *nl;
	int ret, is_field;

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	if (!blen || blen >= TT_MULTIPART_BOUNDARY_MAX)
		return -EINVAL;
	pat[0] = pat[1] = '-';
	memcpy(pat + 2, boundary, blen);
	ret = find_delim(body, len, 0, pat, plen, &d);
	while (!ret) {
		if (d.closing)
			return -ENOENT;
		/* Transport padding up to the end of the delimiter line. */
		nl = memchr(body + d.after, '\n', len - d.after);
		if (!nl)
			return -EAGAIN;
		pos = (size_t)(nl - body) + 1;
		ret = part_headers(body, len, &pos, name, &is_field);
		if (ret)
			break;
		ret = find_delim(body, len, pos, pat, plen, &d);
		if (is_field && !ret)
			return copy_value(body + pos, d.value_end - pos, out,
					  outlen);
		/* Longer than out - 1 even if a delimiter came right after
		 * the prefix: the truncated answer is final. */
		if (is_field && len - pos >= outlen &&
		    len - pos - outlen >= plen + 3)
			return copy_value(body + pos, outlen, out, outlen);
	}
	return ret;
}
