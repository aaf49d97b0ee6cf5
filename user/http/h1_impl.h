/* SPDX-License-Identifier: MIT */
/*
 * Inside the HTTP/1 parser (h1.h): its state, shared by h1.c (the state
 * machine, bodies, chunks, resync) and h1_head.c (the header lines:
 * validation, framing headers, and over the caps which lines are kept).
 * Not for other folders.
 */
#ifndef TT_H1_IMPL_H
#define TT_H1_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include "http/h1.h"
#include "util/mem.h"

#define H1_BUF_MIN 256  /* first allocation; doubles up to TT_H1_HEAD_MAX */
#define H1_BUF_KEEP 512 /* a buffer this small survives a resync */
#define H1_CHUNK_DIGITS 15 /* significant hex digits: sizes stay < 2^60 */
#define H1_REASON_KEEP 256 /* reason phrase bytes kept */
/* A header line may fill the head buffer up to this; the last 2 bytes
 * are for the blank line that ends the head, so it always fits. */
#define H1_LINES_MAX (TT_H1_HEAD_MAX - 2)

enum h1_state {
	ST_START,         /* a start line is expected (matcher m) */
	ST_HEAD,          /* header lines up to the blank line */
	ST_BODY_LEN,      /* Content-Length body, remaining bytes left */
	ST_BODY_EOF,      /* close-delimited body */
	ST_CHUNK_SIZE,    /* hex digits of a chunk-size line */
	ST_CHUNK_EXT,     /* rest of a chunk-size line (extensions) */
	ST_CHUNK_SIZE_LF, /* CR seen at the end of the chunk-size line */
	ST_CHUNK_DATA,    /* chunk data, remaining bytes left */
	ST_CHUNK_DATA_CR, /* CRLF after chunk data */
	ST_CHUNK_DATA_LF,
	ST_TRAILER,       /* trailer lines up to the blank line */
	ST_UPGRADED,      /* after an accepted 101: no longer HTTP/1 */
};

enum h1_match {
	M_METHOD,       /* requests: upper-case letters */
	M_TARGET,       /* requests: non-SP, non-CTL bytes */
	M_VERSION,      /* "HTTP/1." then a digit */
	M_VSP,          /* responses: SP after the version */
	M_STATUS,       /* responses: 3 digits */
	M_AFTER_STATUS, /* responses: SP reason, or end of line */
	M_REASON,
	M_EOL,          /* CR LF or LF */
	M_LF,           /* LF after CR */
};

struct tt_h1 {
	int kind;
	struct tt_h1_callbacks cb;
	void *ctx;
	struct tt_mem mem; /* everything below is allocated through it */
	struct tt_h1_stats stats;

	enum h1_state state;
	int in_msg;    /* on_head was called, on_end is owed */
	int resyncing; /* mismatches are skipped bytes, not errors */
	int fresh;     /* nothing parsed yet: a mismatch is a midway join */
	int nomem;     /* an allocation failed during this feed */
	size_t used;   /* ST_UPGRADED: bytes of the last feed that were HTTP */

	/* Start line, filled by the matcher. */
	enum h1_match m;
	size_t mi; /* position inside the current matcher step */
	char method[16];
	size_t target_off, target_len;
	int status, minor;
	size_t line1_len; /* start line length, LF included */
	int start_cut;    /* target bytes beyond TT_H1_TARGET_KEEP left out */
	size_t start_unkept; /* start line bytes matched but not kept */

	/* Head buffer: start line and header lines. */
	char *buf;
	size_t buf_len, buf_cap;
	size_t line_start; /* offset of the header line being received */
	int over;          /* over a cap: only headers that matter are kept */
	int skip_line;     /* leaving out the rest of an over-long line */
	size_t dropped_lines; /* header lines left out of this head */

	/* Body. */
	uint64_t remaining;
	uint64_t chunk_size;
	unsigned chunk_digits;
	size_t line_len; /* chunk-size line or trailer line so far */
	int line_cr;     /* the trailer line so far ends with CR */
	size_t trailer_len;
};

static inline int h1_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}


static inline int h1_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* h1.c */
void h1_lost(struct tt_h1 *p, uint64_t *counter);

/* h1_head.c. h1_header_ok: name ":" value, no obs-fold, NUL or stray CR.
 * h1_head_parse: the buffered head into h (0, or -EINVAL).
 * h1_head_room: room for the header line in progress.
 * h1_head_compact: over the caps, the lines that do not matter go.
 * h1_line_keep: over the caps, whether this line stays.
 * h1_line_drop: the line in progress is left out. */
int h1_header_ok(const char *l, size_t n);
int h1_head_parse(struct tt_h1 *p, struct tt_h1_head *h, int *eof_body);
size_t h1_head_room(const struct tt_h1 *p, const uint8_t *d, size_t take);
void h1_head_compact(struct tt_h1 *p);
int h1_line_keep(struct tt_h1 *p, const char *line, size_t len, size_t end);
void h1_line_drop(struct tt_h1 *p, int ended);

#endif
