/* SPDX-License-Identifier: MIT */
/*
 * One top-level JSON array streamed in pieces, split into its elements
 * without parsing them: Gemini :streamGenerateContent without alt=sse
 * sends "[{...}\r\n,\r\n{...}\r\n]". The splitter tracks strings, escapes
 * and bracket nesting (with the kind of each bracket, up to
 * TT_JSONARRAY_MAX_DEPTH levels); whitespace and commas between elements
 * are skipped; each element is passed as its raw text, trimmed.
 *
 * Malformed structure puts the splitter in a sticky error state: text
 * before '[' or after the closing ']', an empty element ("[,", "1,,2",
 * "1,]"), a bracket closing the wrong kind or nothing, two values in one
 * element ("{} {}"), nesting deeper than the cap. Scalars are not checked
 * ("[tru]" passes "tru" on).
 */
#ifndef TT_JSONARRAY_H
#define TT_JSONARRAY_H

#include <stddef.h>
#include <stdint.h>

/* Far deeper than any API response; cJSON itself stops at 1000. */
#define TT_JSONARRAY_MAX_DEPTH 256

/* elem: not NUL-terminated, valid during the call only. Must not feed,
 * finish or free the splitter that calls it. */
typedef void (*tt_jsonarray_cb)(void *ctx, const char *elem, size_t len);

struct tt_jsonarray_stats {
	uint64_t elements;  /* passed to the callback */
	uint64_t oversize;  /* over max_elem: skipped whole */
	uint64_t nomem;     /* skipped whole: the buffer could not grow */
	uint64_t malformed; /* streams that entered the error state */
	uint64_t too_deep;  /* ... of them because of nesting */
	uint64_t bytes;     /* fed */
};

struct tt_jsonarray;
struct tt_mem; /* util/mem.h: the allocator a framer is handed (NULL: libc) */

/* max_elem caps one element's trimmed text. NULL when out of memory. */
struct tt_jsonarray *tt_jsonarray_new(size_t max_elem,
				     const struct tt_mem *mem);

/*
 * Feeds the next n bytes of the decoded body; cb is called once per
 * complete element, in order, as soon as its value ends. Returns 0;
 * -ENOMEM when an element was dropped because the buffer could not grow
 * (the splitter stays in sync); -EINVAL when the structure is malformed,
 * from then on for every feed until tt_jsonarray_finish().
 */
int tt_jsonarray_feed(struct tt_jsonarray *ja, const uint8_t *p, size_t n,
		      tt_jsonarray_cb cb, void *ctx);

/*
 * End of stream. Returns 0 when the closing ']' was seen, 1 when not (the
 * stream was cut, or was empty), -EINVAL when the stream was malformed.
 * Resets the splitter for a new stream; stats are kept.
 */
int tt_jsonarray_finish(struct tt_jsonarray *ja);

void tt_jsonarray_free(struct tt_jsonarray *ja);

const struct tt_jsonarray_stats *
tt_jsonarray_get_stats(const struct tt_jsonarray *ja);

#endif
