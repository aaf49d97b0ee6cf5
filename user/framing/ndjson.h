/* SPDX-License-Identifier: MIT */
/*
 * Newline-delimited JSON (application/x-ndjson: Ollama's native API, Cohere
 * v1 streams), incremental. A line ends in \n (a \r before it is part of
 * the terminator); each line that holds something other than JSON
 * whitespace is passed to the callback with leading and trailing
 * whitespace trimmed. Lines are not parsed.
 */
#ifndef TT_NDJSON_H
#define TT_NDJSON_H

#include <stddef.h>
#include <stdint.h>

/* line: not NUL-terminated, valid during the call only. Must not feed,
 * finish or free the parser that calls it. */
typedef void (*tt_ndjson_cb)(void *ctx, const char *line, size_t len);

struct tt_ndjson_stats {
	uint64_t lines;    /* passed to the callback */
	uint64_t empty;    /* empty or whitespace-only lines skipped */
	uint64_t oversize; /* over max_line: skipped whole */
	uint64_t nomem;    /* skipped whole: the buffer could not grow */
	uint64_t bytes;    /* fed */
};

struct tt_ndjson;
struct tt_mem; /* util/mem.h: the allocator a framer is handed (NULL: libc) */

/* max_line caps one line without its \n or \r\n. NULL when out of memory. */
struct tt_ndjson *tt_ndjson_new(size_t max_line, const struct tt_mem *mem);

/*
 * Feeds the next n bytes of the decoded body; cb is called once per
 * complete non-empty line, in order. Returns 0, or -ENOMEM when a line was
 * dropped because the buffer could not grow (every byte is still consumed
 * and the parser stays in sync).
 */
int tt_ndjson_feed(struct tt_ndjson *nd, const uint8_t *p, size_t n,
		   tt_ndjson_cb cb, void *ctx);

/*
 * End of stream. Returns 1 when a non-empty last line had no \n: every
 * object is newline-terminated (Ollama), so the stream was cut and that
 * line is not passed on. Else 0. Resets the parser for a new stream;
 * stats are kept.
 */
int tt_ndjson_finish(struct tt_ndjson *nd);

void tt_ndjson_free(struct tt_ndjson *nd);

const struct tt_ndjson_stats *tt_ndjson_get_stats(const struct tt_ndjson *nd);

#endif
