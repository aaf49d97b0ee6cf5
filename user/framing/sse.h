/* SPDX-License-Identifier: MIT */
/*
 * text/event-stream (server-sent events) framing, incremental, per the
 * WHATWG "event stream interpretation" rules:
 *
 * - lines end in \n, \r\n or \r (a \r\n split across two feeds is one end);
 * - a leading UTF-8 BOM is skipped;
 * - "field: value" with at most one space after the colon removed; a line
 *   without a colon is a field with an empty value ("data" alone is an
 *   empty data line);
 * - lines starting with ':' are comments (counted, e.g. ": keep-alive");
 * - "data" lines of one event are joined with \n; "event" sets the event
 *   name (last one wins); "id" sets the last event id, which persists
 *   across later events as the spec says (an id containing NUL is ignored);
 *   "retry" and unknown fields are ignored;
 * - a blank line dispatches the event when it has at least one data line.
 *   An event with fields but no data is not dispatched (counted as empty).
 *   At the end of the stream a pending event is discarded, not dispatched.
 *
 * The data is passed as sent: "[DONE]" and trailing spaces after JSON are
 * for the caller to handle.
 */
#ifndef TT_SSE_H
#define TT_SSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One dispatched event. Pointers are valid during the callback only and
 * are never NULL; the text is not NUL-terminated. event_len 0: no "event"
 * field (the spec's default name is "message"). id_len 0: no id yet.
 */
struct tt_sse_event {
	const char *event;
	size_t event_len;
	const char *data;
	size_t data_len;
	const char *id;
	size_t id_len;
};

/* Must not feed, finish or free the parser that calls it. */
typedef void (*tt_sse_cb)(void *ctx, const struct tt_sse_event *ev);

struct tt_sse_stats {
	uint64_t events;   /* dispatched */
	uint64_t comments; /* comment lines */
	uint64_t empty;    /* ended by a blank line with fields but no data */
	uint64_t oversize; /* over max_event: skipped whole */
	uint64_t nomem;    /* skipped whole: a buffer could not grow */
	uint64_t bytes;    /* fed */
};

struct tt_sse;
struct tt_mem; /* util/mem.h: the allocator a framer is handed (NULL: libc) */

/*
 * max_event caps the bytes one event holds at a time: data (with the \n
 * joining its lines) + event name + the id set in this event. An event
 * over it is skipped up to its blank line and counted. NULL when out of
 * memory.
 */
struct tt_sse *tt_sse_new(size_t max_event, const struct tt_mem *mem);

/*
 * Feeds the next n bytes of the decoded body; cb is called once per
 * complete event, in order. Returns 0, or -ENOMEM when an event was
 * dropped because a buffer could not grow (every byte is still consumed
 * and the parser stays in sync).
 */
int tt_sse_feed(struct tt_sse *s, const uint8_t *p, size_t n, tt_sse_cb cb,
		void *ctx);

/*
 * End of stream. Returns 1 when it ended inside an event (field lines
 * without their blank line, or an unterminated non-comment line: the
 * stream was cut; that event is not dispatched), else 0. Resets the parser
 * for a new stream; stats are kept.
 */
int tt_sse_finish(struct tt_sse *s);

void tt_sse_free(struct tt_sse *s);

const struct tt_sse_stats *tt_sse_get_stats(const struct tt_sse *s);

#endif
