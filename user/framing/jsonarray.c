// SPDX-License-Identifier: MIT
/*
 * Top-level JSON array splitter. One pass, byte by byte (strings by span).
 * An element that begins and ends inside one feed is passed straight from
 * the caller's bytes; only an element split across feeds is copied, into
 * one buffer bounded by max_elem.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/jsonarray.h"
#include "util/mem.h"

enum ja_state {
	JA_BEFORE,    /* before '[' */
	JA_FIRST,     /* after '[': an element or ']' */
	JA_ELEM,      /* inside an element's value */
	JA_ELEM_DONE, /* the value ended: ',' or ']' next */
	JA_NEXT,      /* after ',': an element */
	JA_AFTER,     /* after the closing ']' */
	JA_ERROR,     /* sticky until finish */
};

struct tt_jsonarray {
	size_t max_elem;
	struct tt_mem mem; /* buf and this struct come from it */
	char *buf;       /* the start of an element split across feeds */
	size_t len, cap;
	int state;
	int in_string, escape;
	unsigned depth;
	/* Bit d set: nesting level d + 1 was opened by '[' (else '{'). */
	uint8_t kinds[TT_JSONARRAY_MAX_DEPTH / 8];
	int skipping;    /* the current element is dropped */
	int skip_nomem;  /* ... because the buffer could not grow */
	int ret;         /* what the current feed returns */
	struct tt_jsonarray_stats stats;
};

struct tt_jsonarray *tt_jsonarray_new(size_t max_elem,
				     const struct tt_mem *mem)
{
	struct tt_jsonarray *ja = tt_mem_calloc(mem, 1, sizeof(*ja));

	if (!ja)
		return NULL;
	ja->mem = tt_mem_resolve(mem);
	ja->max_elem = max_elem;
	return ja;
}

void tt_jsonarray_free(struct tt_jsonarray *ja)
{
	if (ja)
		tt_mem_free_obj(&ja->mem, ja->buf, ja);
}

const struct tt_jsonarray_stats *
tt_jsonarray_get_stats(const struct tt_jsonarray *ja)
{
	return &ja->stats;
}

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void fail(struct tt_jsonarray *ja)
{
	ja->state = JA_ERROR;
	ja->stats.malformed++;
	ja->ret = -EINVAL;
	ja->len = 0;
	ja->skipping = 0;
}

/* Keeps the part of an element seen so far; drops it over the cap. */
static void hold(struct tt_jsonarray *ja, const uint8_t *p, size_t n)
{
	size_t cap;
	char *nb;

	if (ja->skipping || !n)
		return;
	if (n > ja->max_elem || ja->len > ja->max_elem - n) {
		ja->skipping = 1;
		return;
	}
	if (ja->len + n > ja->cap) {
		cap = ja->cap ? ja->cap : 256;
		while (cap < ja->len + n)
			cap = cap > SIZE_MAX / 2 ? ja->len + n : cap * 2;
		if (cap > ja->max_elem)
			cap = ja->max_elem;
		nb = tt_mem_realloc(&ja->mem, ja->buf, cap);
		if (!nb) {
			ja->skipping = 1;
			ja->skip_nomem = 1;
			ja->ret = -ENOMEM;
			return;
		}
		ja->buf = nb;
		ja->cap = cap;
	}
	memcpy(ja->buf + ja->len, p, n);
	ja->len += n;
}

/* The element's value ended; its bytes in this feed are p[0, n). */
static void elem_done(struct tt_jsonarray *ja, const uint8_t *p, size_t n,
		      tt_jsonarray_cb cb, void *ctx)
{
	if (!ja->len && !ja->skipping) {
		if (n > ja->max_elem) {
			ja->stats.oversize++;
		} else {
			ja->stats.elements++;
			cb(ctx, (const char *)p, n);
		}
		return;
	}
	hold(ja, p, n);
	if (ja->skip_nomem)
		ja->stats.nomem++;
	else if (ja->skipping)
		ja->stats.oversize++;
	else {
		ja->stats.elements++;
		cb(ctx, ja->buf, ja->len);
	}
	ja->len = 0;
	ja->skipping = 0;
	ja->skip_nomem = 0;
}

/* A bracket inside an element; 0, or -1 after fail(). */
static int bracket(struct tt_jsonarray *ja, uint8_t c)
{
	unsigned d;
	int opened_by_square;

	if (c == '[' || c == '{') {
		if (ja->depth == TT_JSONARRAY_MAX_DEPTH) {
			ja->stats.too_deep++;
			fail(ja);
			return -1;
		}
		d = ja->depth++;
		if (c == '[')
			ja->kinds[d / 8] |= (uint8_t)(1u << (d % 8));
		else
			ja->kinds[d / 8] &= (uint8_t)~(1u << (d % 8));
		return 0;
	}
	if (!ja->depth) {
		fail(ja);
		return -1;
	}
	d = ja->depth - 1;
	opened_by_square = (ja->kinds[d / 8] >> (d % 8)) & 1;
	if (opened_by_square != (c == ']')) {
		fail(ja);
		return -1;
	}
	ja->depth--;
	return 0;
}

int tt_jsonarray_feed(struct tt_jsonarray *ja, const uint8_t *p, size_t n,
		      tt_jsonarray_cb cb, void *ctx)
{
	size_t i, seg = 0; /* where the current element's bytes in p start */
	uint8_t c;

	ja->stats.bytes += n;
	if (ja->state == JA_ERROR)
		return -EINVAL;
	ja->ret = 0;
	if (!n)
		return 0;
	for (i = 0; i < n && ja->state != JA_ERROR; i++) {
		c = p[i];
		switch (ja->state) {
		case JA_BEFORE:
			if (c == '[')
				ja->state = JA_FIRST;
			else if (!is_ws(c))
				fail(ja);
			continue;
		case JA_AFTER:
			if (!is_ws(c))
				fail(ja);
			continue;
		case JA_ELEM_DONE:
			if (c == ',')
				ja->state = JA_NEXT;
			else if (c == ']')
				ja->state = JA_AFTER;
			else if (!is_ws(c))
				fail(ja);
			continue;
		case JA_FIRST:
		case JA_NEXT:
			if (is_ws(c))
				continue;
			if (c == ',' || (c == ']' && ja->state == JA_NEXT)) {
				fail(ja);
				continue;
			}
			if (c == ']') {
				ja->state = JA_AFTER;
				continue;
			}
			ja->state = JA_ELEM;
			seg = i;
			break;
		}
		/* JA_ELEM */
		if (ja->in_string) {
			/* Jump to the next quote or backslash. */
			while (!ja->escape && i < n && p[i] != '"' &&
			       p[i] != '\\')
				i++;
			if (i == n)
				break;
			c = p[i];
			if (ja->escape)
				ja->escape = 0;
			else if (c == '\\')
				ja->escape = 1;
			else {
				ja->in_string = 0;
				if (!ja->depth) {
					elem_done(ja, p + seg, i + 1 - seg, cb, ctx);
					ja->state = JA_ELEM_DONE;
				}
			}
			continue;
		}
		switch (c) {
		case '"':
			ja->in_string = 1;
			break;
		case '[':
		case '{':
		case '}':
			if (bracket(ja, c))
				break;
			if (c == '}' && !ja->depth) {
				elem_done(ja, p + seg, i + 1 - seg, cb, ctx);
				ja->state = JA_ELEM_DONE;
			}
			break;
		case ']':
			if (!ja->depth) {
				/* Ends a scalar and the array: "[1]". */
				elem_done(ja, p + seg, i - seg, cb, ctx);
				ja->state = JA_AFTER;
				break;
			}
			if (bracket(ja, c))
				break;
			if (!ja->depth) {
				elem_done(ja, p + seg, i + 1 - seg, cb, ctx);
				ja->state = JA_ELEM_DONE;
			}
			break;
		case ',':
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			if (ja->depth)
				break;
			/* Ends a scalar. */
			elem_done(ja, p + seg, i - seg, cb, ctx);
			ja->state = c == ',' ? JA_NEXT : JA_ELEM_DONE;
			break;
		}
	}
	if (ja->state == JA_ELEM)
		hold(ja, p + seg, n - seg);
	return ja->ret;
}

int tt_jsonarray_finish(struct tt_jsonarray *ja)
{
	int ret = ja->state == JA_ERROR ? -EINVAL : ja->state != JA_AFTER;

	ja->state = JA_BEFORE;
	ja->in_string = 0;
	ja->escape = 0;
	ja->depth = 0;
	ja->len = 0;
	ja->skipping = 0;
	ja->skip_nomem = 0;
	return ret;
}
