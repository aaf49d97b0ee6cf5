// SPDX-License-Identifier: MIT
/*
 * Server-sent events, byte by byte through a small line state machine.
 * Field values stream straight into the buffer they belong to (data, event
 * name, id), so a line is never held twice and memory stays within
 * max_event whatever the line lengths.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "framing/sse.h"
#include "util/mem.h"

enum sse_state {
	ST_LINE_START, /* nothing of the current line seen */
	ST_NAME,       /* in the field name */
	ST_VALUE_FIRST,/* just after the colon: one space may be dropped */
	ST_VALUE,      /* in the field value */
	ST_COMMENT,    /* in a ':' line */
};

enum sse_field { F_NONE, F_DATA, F_EVENT, F_ID };

#define NAME_MAX_LEN 5 /* "event"; longer names are unknown fields */

struct sse_buf {
	char *p;
	size_t len, cap;
};

struct tt_sse {
	size_t max_event;
	struct tt_mem mem;      /* the buffers and this struct come from it */
	struct sse_buf data;    /* this event's data lines joined by \n */
	struct sse_buf event;   /* this event's name */
	struct sse_buf id;      /* last event id, committed at dispatch */
	/* [0, id_stage_len): the id this event set (if id_staged), then the
	 * value of the id line being read. */
	struct sse_buf id_next;
	size_t id_stage_len;
	int id_staged;
	int id_nul;             /* the id line being read holds a NUL */
	int state;
	int field;              /* enum sse_field of the current line */
	char name[NAME_MAX_LEN];
	size_t name_len;        /* > NAME_MAX_LEN: unknown field */
	int bom;                /* BOM bytes matched, -1 once past the start */
	int after_cr;           /* the last byte was \r: a \n next is its pair */
	int data_seen;          /* a data line, even empty, in this event */
	int pending;            /* a data, event or id line since dispatch */
	int skipping;           /* this event is dropped: over cap or no memory */
	int skip_nomem;         /* ... because a buffer could not grow */
	int ret;                /* what the current feed returns */
	struct tt_sse_stats stats;
};

static const uint8_t utf8_bom[3] = { 0xef, 0xbb, 0xbf };

struct tt_sse *tt_sse_new(size_t max_event, const struct tt_mem *mem)
{
	struct tt_sse *s = tt_mem_calloc(mem, 1, sizeof(*s));

	if (!s)
		return NULL;
	s->mem = tt_mem_resolve(mem);
	s->max_event = max_event;
	return s;
}

void tt_sse_free(struct tt_sse *s)
{
	struct tt_mem mem;

	if (!s)
		return;
	mem = s->mem;
	tt_mem_free(&mem, s->data.p);
	tt_mem_free(&mem, s->event.p);
	tt_mem_free(&mem, s->id.p);
	tt_mem_free(&mem, s->id_next.p);
	tt_mem_free(&mem, s);
}

const struct tt_sse_stats *tt_sse_get_stats(const struct tt_sse *s)
{
	return &s->stats;
}

/* Room for need bytes; doubling, never past max. 0 or -ENOMEM. */
static int buf_reserve(const struct tt_mem *mem, struct sse_buf *b,
		       size_t need, size_t max)
{
	size_t cap = b->cap ? b->cap : 64;
	char *p;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > max && need <= max)
		cap = max;
	p = tt_mem_realloc(mem, b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Appends to one of the event's buffers, or marks the event skipped when
 * it would pass max_event or memory runs out. */
static void event_put(struct tt_sse *s, struct sse_buf *b, const void *src,
		      size_t n)
{
	size_t held = s->data.len + s->event.len + s->id_next.len;

	if (s->skipping || !n)
		return;
	if (n > s->max_event || held > s->max_event - n) {
		s->skipping = 1;
		return;
	}
	if (buf_reserve(&s->mem, b, b->len + n, s->max_event)) {
		s->skipping = 1;
		s->skip_nomem = 1;
		s->ret = -ENOMEM;
		return;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void event_reset(struct tt_sse *s)
{
	s->data.len = 0;
	s->event.len = 0;
	s->id_next.len = 0;
	s->id_stage_len = 0;
	s->id_staged = 0;
	s->data_seen = 0;
	s->pending = 0;
	s->skipping = 0;
	s->skip_nomem = 0;
}

/* A blank line. */
static void dispatch(struct tt_sse *s, tt_sse_cb cb, void *ctx)
{
	struct sse_buf tmp;
	struct tt_sse_event ev;

	if (s->skipping) {
		if (s->skip_nomem)
			s->stats.nomem++;
		else
			s->stats.oversize++;
		goto out;
	}
	if (s->id_staged) {
		/* Swap rather than copy: both buffers stay allocated. */
		tmp = s->id;
		s->id = s->id_next;
		s->id.len = s->id_stage_len;
		s->id_next = tmp;
	}
	if (!s->data_seen) {
		if (s->pending)
			s->stats.empty++;
		goto out;
	}
	ev.event = s->event.len ? s->event.p : "";
	ev.event_len = s->event.len;
	ev.data = s->data.len ? s->data.p : "";
	ev.data_len = s->data.len;
	ev.id = s->id.len ? s->id.p : "";
	ev.id_len = s->id.len;
	s->stats.events++;
	cb(ctx, &ev);
out:
	event_reset(s);
}

/* The field name is complete (at the colon or the end of the line). */
static void field_start(struct tt_sse *s)
{
	s->field = F_NONE;
	if (s->name_len == 4 && !memcmp(s->name, "data", 4)) {
		s->field = F_DATA;
		if (s->data_seen)
			event_put(s, &s->data, "\n", 1);
		s->data_seen = 1;
	} else if (s->name_len == 5 && !memcmp(s->name, "event", 5)) {
		s->field = F_EVENT;
		s->event.len = 0;
	} else if (s->name_len == 2 && !memcmp(s->name, "id", 2)) {
		s->field = F_ID;
		s->id_next.len = s->id_stage_len;
		s->id_nul = 0;
	}
	if (s->field != F_NONE)
		s->pending = 1;
}

static void value_put(struct tt_sse *s, const uint8_t *p, size_t n)
{
	switch (s->field) {
	case F_DATA:
		event_put(s, &s->data, p, n);
		break;
	case F_EVENT:
		event_put(s, &s->event, p, n);
		break;
	case F_ID:
		if (memchr(p, '\0', n))
			s->id_nul = 1;
		event_put(s, &s->id_next, p, n);
		break;
	}
}

static void line_end(struct tt_sse *s, tt_sse_cb cb, void *ctx)
{
	size_t line_len;

	switch (s->state) {
	case ST_LINE_START:
		dispatch(s, cb, ctx);
		break;
	case ST_NAME:
		/* A field with an empty value. */
		field_start(s);
		/* fall through */
	case ST_VALUE_FIRST:
	case ST_VALUE:
		if (s->field != F_ID || s->skipping)
			break;
		line_len = s->id_next.len - s->id_stage_len;
		if (s->id_nul) {
			s->id_next.len = s->id_stage_len;
			break;
		}
		if (line_len)
			memmove(s->id_next.p, s->id_next.p + s->id_stage_len,
				line_len);
		s->id_stage_len = line_len;
		s->id_next.len = line_len;
		s->id_staged = 1;
		break;
	}
	s->state = ST_LINE_START;
	s->field = F_NONE;
}

static void sse_process(struct tt_sse *s, const uint8_t *p, size_t n,
			tt_sse_cb cb, void *ctx)
{
	size_t i = 0, j;
	uint8_t c;

	while (i < n) {
		c = p[i];
		if (s->after_cr) {
			s->after_cr = 0;
			if (c == '\n') {
				i++;
				continue;
			}
		}
		if (c == '\r' || c == '\n') {
			s->after_cr = c == '\r';
			line_end(s, cb, ctx);
			i++;
			continue;
		}
		switch (s->state) {
		case ST_LINE_START:
			if (c == ':') {
				s->stats.comments++;
				s->state = ST_COMMENT;
				i++;
				continue;
			}
			s->state = ST_NAME;
			s->name_len = 0;
			/* fall through */
		case ST_NAME:
			if (c == ':') {
				field_start(s);
				s->state = ST_VALUE_FIRST;
			} else if (s->name_len < NAME_MAX_LEN) {
				s->name[s->name_len++] = (char)c;
			} else {
				s->name_len = NAME_MAX_LEN + 1;
			}
			i++;
			continue;
		case ST_VALUE_FIRST:
			s->state = ST_VALUE;
			if (c == ' ') {
				i++;
				continue;
			}
			/* fall through */
		default: /* ST_VALUE, ST_COMMENT: the rest of the line */
			for (j = i; j < n && p[j] != '\r' && p[j] != '\n'; j++)
				;
			if (s->state == ST_VALUE)
				value_put(s, p + i, j - i);
			i = j;
		}
	}
}

int tt_sse_feed(struct tt_sse *s, const uint8_t *p, size_t n, tt_sse_cb cb,
		void *ctx)
{
	size_t i = 0;

	s->ret = 0;
	s->stats.bytes += n;
	if (!n)
		return 0;
	/* The BOM may arrive split; on a mismatch the bytes matched so far
	 * are ordinary text. */
	while (s->bom >= 0 && i < n) {
		if (p[i] == utf8_bom[s->bom]) {
			i++;
			if (++s->bom == 3)
				s->bom = -1;
			continue;
		}
		sse_process(s, utf8_bom, (size_t)s->bom, cb, ctx);
		s->bom = -1;
	}
	sse_process(s, p + i, n - i, cb, ctx);
	return s->ret;
}

int tt_sse_finish(struct tt_sse *s)
{
	int cut = s->pending || s->skipping || s->bom > 0 ||
		  (s->state != ST_LINE_START && s->state != ST_COMMENT);

	event_reset(s);
	s->id.len = 0;
	s->state = ST_LINE_START;
	s->field = F_NONE;
	s->bom = 0;
	s->after_cr = 0;
	return cut;
}
