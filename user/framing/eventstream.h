/* SPDX-License-Identifier: MIT */
/*
 * AWS event stream framing (application/vnd.amazon.eventstream: Bedrock
 * InvokeModelWithResponseStream and ConverseStream), incremental.
 *
 *   [total_length u32 BE][headers_length u32 BE][prelude_crc u32 BE]
 *   [headers][payload][message_crc u32 BE]
 *
 * prelude_crc is the CRC32 (zlib's) of the first 8 bytes, message_crc the
 * CRC32 of everything before it. A header is
 *   [name_len u8][name][type u8][value]
 * with the value sized by its type (enum tt_eventstream_type).
 *
 * Both CRCs are checked. A bad prelude CRC, a total_length below 16 or
 * above TT_EVENTSTREAM_SPEC_MAX, a headers_length that does not fit, or a
 * bad message CRC means the framing can no longer be trusted: the decoder
 * enters a sticky error state. A message over the caller's cap whose
 * prelude is sound is skipped whole (its CRC still checked as it streams
 * past) and the decoder stays in sync; so is a message whose header block
 * does not parse (its CRC was good, so the next boundary is known).
 */
#ifndef TT_EVENTSTREAM_H
#define TT_EVENTSTREAM_H

#include <stddef.h>
#include <stdint.h>

#define TT_EVENTSTREAM_SPEC_MAX (16u << 20) /* largest message the format allows */
#define TT_EVENTSTREAM_OVERHEAD 16          /* prelude + message CRC */

enum tt_eventstream_type {
	TT_EVENTSTREAM_TRUE = 0,   /* no value bytes */
	TT_EVENTSTREAM_FALSE = 1,  /* no value bytes */
	TT_EVENTSTREAM_BYTE = 2,   /* 1 byte */
	TT_EVENTSTREAM_SHORT = 3,  /* 2 bytes BE */
	TT_EVENTSTREAM_INT = 4,    /* 4 bytes BE */
	TT_EVENTSTREAM_LONG = 5,   /* 8 bytes BE */
	TT_EVENTSTREAM_BYTES = 6,  /* u16 BE length + bytes */
	TT_EVENTSTREAM_STRING = 7, /* u16 BE length + UTF-8 */
	TT_EVENTSTREAM_TIMESTAMP = 8, /* 8 bytes BE, ms since the epoch */
	TT_EVENTSTREAM_UUID = 9,   /* 16 bytes */
};

/* One header, pointing into the message. */
struct tt_eventstream_header {
	const char *name;
	size_t name_len;
	int type;             /* enum tt_eventstream_type */
	const uint8_t *value; /* the value bytes (bytes/string: without the
			       * length prefix); empty for bool */
	size_t value_len;
	int64_t num;          /* bool (1/0), byte, short, int, long, timestamp:
			       * the value, sign-extended; else 0 */
};

/*
 * One message. Pointers are valid during the callback only, never NULL,
 * not NUL-terminated. The string headers callers need are picked out
 * (length 0 when absent or not of string type); the whole header block is
 * there for the rest (walk it with tt_eventstream_header_next()).
 */
struct tt_eventstream_msg {
	const char *payload;
	size_t payload_len;
	const char *event_type;      /* ":event-type", e.g. chunk, metadata */
	size_t event_type_len;
	const char *message_type;    /* ":message-type": event, exception, error */
	size_t message_type_len;
	const char *content_type;    /* ":content-type" */
	size_t content_type_len;
	const char *exception_type;  /* ":exception-type" */
	size_t exception_type_len;
	const char *error_code;      /* ":error-code" (message-type error) */
	size_t error_code_len;
	const char *error_message;   /* ":error-message" */
	size_t error_message_len;
	const uint8_t *headers;
	size_t headers_len;
};

/* Must not feed, finish or free the decoder that calls it. */
typedef void (*tt_eventstream_cb)(void *ctx,
				  const struct tt_eventstream_msg *msg);

struct tt_eventstream_stats {
	uint64_t messages;           /* passed to the callback */
	uint64_t oversize;           /* over max_message: skipped whole */
	uint64_t nomem;              /* skipped whole: the buffer could not grow */
	uint64_t bad_headers;        /* header block did not parse: skipped */
	uint64_t prelude_crc_errors; /* each of these three ends the stream */
	uint64_t message_crc_errors;
	uint64_t bad_lengths;
	uint64_t bytes;              /* fed */
};

struct tt_eventstream;
struct tt_mem; /* util/mem.h: the allocator a framer is handed (NULL: libc) */

/* max_message caps one whole message (prelude and CRCs included; more
 * than TT_EVENTSTREAM_SPEC_MAX means the spec maximum). NULL when out of
 * memory. */
struct tt_eventstream *tt_eventstream_new(size_t max_message,
					 const struct tt_mem *mem);

/*
 * Feeds the next n bytes of the decoded body; cb is called once per
 * complete, verified message, in order. Returns 0; -ENOMEM when a message
 * was dropped because the buffer could not grow (the decoder stays in
 * sync); -EINVAL when the framing broke (see above), from then on for
 * every feed until tt_eventstream_finish().
 */
int tt_eventstream_feed(struct tt_eventstream *es, const uint8_t *p,
			size_t n, tt_eventstream_cb cb, void *ctx);

/*
 * End of stream. Returns 0 when it ended between messages, 1 inside one
 * (the stream was cut; that message is not passed on), -EINVAL after a
 * framing error. Resets the decoder for a new stream; stats are kept.
 */
int tt_eventstream_finish(struct tt_eventstream *es);

void tt_eventstream_free(struct tt_eventstream *es);

const struct tt_eventstream_stats *
tt_eventstream_get_stats(const struct tt_eventstream *es);

/*
 * Reads the header at *off of a header block of len bytes and advances
 * *off. Returns 1 with *h filled, 0 at the end of the block, -EINVAL when
 * the header is truncated or of an unknown type.
 */
int tt_eventstream_header_next(const uint8_t *block, size_t len, size_t *off,
			       struct tt_eventstream_header *h);

#endif
