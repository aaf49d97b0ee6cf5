// SPDX-License-Identifier: MIT
/*
 * NDJSON lines. A line that arrives whole inside one feed is passed
 * straight from the caller's bytes; only a line split across feeds is
 * copied, into one buffer bounded by max_line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/ndjson.h"
#include "util/mem.h"

struct tt_ndjson {
	size_t max_line;
	struct tt_mem mem; /* buf and this struct come from it */
	char *buf;       /* the start of a line split across feeds */
	size_t len, cap;
	int skipping;    /* the current line is dropped */
	int skip_nomem;  /* ... because the buffer could not grow */
	struct tt_ndjson_stats stats;
};

struct tt_ndjson *tt_ndjson_new(size_t max_line, const struct tt_mem *mem)
{
	struct tt_ndjson *nd = tt_mem_calloc(mem, 1, sizeof(*nd));

	if (!nd)
		return NULL;
	nd->mem = tt_mem_resolve(mem);
	nd->max_line = max_line;
	return nd;
}

void tt_ndjson_free(struct tt_ndjson *nd)
{
	if (nd)
		tt_mem_free_obj(&nd->mem, nd->buf, nd);
}

const struct tt_ndjson_stats *tt_ndjson_get_stats(const struct tt_ndjson *nd)
{
	return &nd->stats;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A line's raw length may be max_line + 1 when the extra byte is the \r
 * of a \r\n: the cap is on the content. */
static int over_cap(const struct tt_ndjson *nd, const char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		len--;
	return len > nd->max_line;
}

static void line_done(struct tt_ndjson *nd, const char *line, size_t len,
		      tt_ndjson_cb cb, void *ctx)
{
	if (nd->skipping) {
		if (nd->skip_nomem)
			nd->stats.nomem++;
		else
			nd->stats.oversize++;
		goto out;
	}
	if (over_cap(nd, line, len)) {
		nd->stats.oversize++;
		goto out;
	}
	while (len && is_ws(line[len - 1]))
		len--;
	while (len && is_ws(*line)) {
		line++;
		len--;
	}
	if (!len) {
		nd->stats.empty++;
		goto out;
	}
	nd->stats.lines++;
	cb(ctx, line, len);
out:
	nd->len = 0;
	nd->skipping = 0;
	nd->skip_nomem = 0;
}

/* Keeps the part of a line seen so far; 0 or -ENOMEM (line dropped). */
static int hold(struct tt_ndjson *nd, const uint8_t *p, size_t n)
{
	size_t limit = nd->max_line + 1 > nd->max_line ? nd->max_line + 1
							: nd->max_line;
	size_t cap;
	char *nb;

	if (nd->skipping || !n)
		return 0;
	if (n > limit || nd->len > limit - n) {
		nd->skipping = 1;
		return 0;
	}
	if (nd->len + n > nd->cap) {
		cap = nd->cap ? nd->cap : 256;
		while (cap < nd->len + n)
			cap = cap > SIZE_MAX / 2 ? nd->len + n : cap * 2;
		if (cap > limit)
			cap = limit;
		nb = tt_mem_realloc(&nd->mem, nd->buf, cap);
		if (!nb) {
			nd->skipping = 1;
			nd->skip_nomem = 1;
			return -ENOMEM;
		}
		nd->buf = nb;
		nd->cap = cap;
	}
	memcpy(nd->buf + nd->len, p, n);
	nd->len += n;
	return 0;
}

int tt_ndjson_feed(struct tt_ndjson *nd, const uint8_t *p, size_t n,
		   tt_ndjson_cb cb, void *ctx)
{
	const uint8_t *nl;
	size_t i = 0, seg;
	int ret = 0;

	nd->stats.bytes += n;
	if (!n)
		return 0;
	while (i < n) {
		nl = memchr(p + i, '\n', n - i);
		seg = nl ? (size_t)(nl - (p + i)) : n - i;
		if (!nl) {
			if (hold(nd, p + i, seg))
				ret = -ENOMEM;
			break;
		}
		if (!nd->len && !nd->skipping) {
			line_done(nd, (const char *)p + i, seg, cb, ctx);
		} else {
			if (hold(nd, p + i, seg))
				ret = -ENOMEM;
			line_done(nd, nd->buf, nd->len, cb, ctx);
		}
		i += seg + 1;
	}
	return ret;
}

int tt_ndjson_finish(struct tt_ndjson *nd)
{
	int cut = nd->skipping;

	for (size_t i = 0; i < nd->len && !cut; i++)
		cut = !is_ws(nd->buf[i]);
	nd->len = 0;
	nd->skipping = 0;
	nd->skip_nomem = 0;
	return cut;
}
