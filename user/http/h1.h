/* SPDX-License-Identifier: MIT */
/*
 * Incremental HTTP/1.x message parser, one instance per direction of a
 * connection (requests on egress, responses on ingress), fed the decrypted
 * byte stream in arbitrary pieces. It reports each message as a head, its
 * de-chunked body bytes (straight from the fed buffer, never copied) and an
 * end; lost stream bytes (tt_h1_gap) are either absorbed inside a body of
 * known length or end the message as aborted.
 *
 * Whatever does not parse is counted and skipped: the parser then discards
 * bytes up to the next start line of its kind (requests: "METHOD SP target
 * SP HTTP/1.x" CRLF, METHOD 3-7 upper-case letters; responses: "HTTP/1.x SP
 * 3DIGIT [SP reason]" CRLF), looked for at every offset since a next message
 * follows a body with no line break. A new parser is in that mode too, so an
 * agent that joins a connection midway picks up at the next message.
 *
 * Memory per parser: the struct plus a head buffer allocated lazily, capped
 * at TT_H1_HEAD_MAX and shrunk back after each head. Callbacks must not call
 * back into the same parser.
 *
 * A head over TT_H1_HEAD_MAX (or with more than TT_HDRS_MAX headers) is not
 * given up: the parser keeps the start line (a request target up to
 * TT_H1_TARGET_KEEP bytes), the framing headers and the headers the
 * caller's keep_header chooses, leaves the others out (an over-long line
 * whole), stays in sync and reports the head with cut set. Trailers are
 * never kept, so they have no cap.
 */
#ifndef TT_H1_H
#define TT_H1_H

#include <stddef.h>
#include <stdint.h>
#include "http/hdr.h"

struct tt_mem;

#define TT_H1_HEAD_MAX 16384   /* start line + headers kept */
#define TT_H1_TARGET_KEEP 4096 /* request target bytes kept */

enum tt_h1_kind { TT_H1_REQUEST = 0, TT_H1_RESPONSE = 1 };
enum tt_h1_end { TT_H1_END_COMPLETE = 0, TT_H1_END_ABORTED = 1 };

/* on_head's answer: no body follows (the response to HEAD). Only
 * meaningful for responses; request bodies are always explicit. */
#define TT_H1_BODY_NONE 1
/* on_head's answer to a 101 (Switching Protocols) response the caller
 * accepts: the message ends there and HTTP/1 ends on the connection.
 * The parser stops: tt_h1_feed() leaves the rest of its buffer unread
 * (tt_h1_upgraded() says where it stopped) and takes nothing more until
 * tt_h1_eof(). */
#define TT_H1_UPGRADE 2

struct tt_h1_head {
	int kind;
	char method[16];    /* requests */
	const char *target; /* requests: request target as sent */
	size_t target_len;
	int status;         /* responses */
	int minor;          /* HTTP/1.minor */
	struct tt_hdrs hdrs;
	int64_t content_length; /* -1 when absent or when a
				 * Transfer-Encoding overrides it */
	int chunked;
	int keep_alive;     /* from version and Connection */
	/* Headers (or target bytes) were left out: the head was over
	 * TT_H1_HEAD_MAX or had over TT_HDRS_MAX headers. hdrs.dropped
	 * counts the headers left out. */
	int cut;
};

/* Any may be NULL. Pointers in the head (target, header names and values)
 * are valid only during on_head. on_end is called exactly once for every
 * on_head. */
struct tt_h1_callbacks {
	int (*on_head)(void *ctx, const struct tt_h1_head *head);
	void (*on_body)(void *ctx, const uint8_t *p, size_t n); /* de-chunked */
	void (*on_body_gap)(void *ctx, uint64_t n); /* body bytes lost */
	void (*on_end)(void *ctx, int end);         /* enum tt_h1_end */
	/* A head over the caps keeps a header only when this says 1 (name
	 * as sent, any case), besides the framing headers (Content-Length,
	 * Transfer-Encoding, Connection, Upgrade). NULL: none but those. */
	int (*keep_header)(void *ctx, const char *name, size_t len);
};

struct tt_h1_stats {
	uint64_t messages;        /* ended COMPLETE (1xx included) */
	uint64_t aborted;         /* ended ABORTED */
	uint64_t parse_errors;    /* bad start line, header, length, chunk */
	uint64_t resyncs;         /* times the parser lost sync and scanned */
	uint64_t head_too_large;  /* heads or trailers over TT_H1_HEAD_MAX */
	uint64_t cut_bytes;       /* head bytes parsed but left out */
	uint64_t skipped_bytes;   /* discarded without being parsed */
	uint64_t gaps_skipped;    /* gaps absorbed inside a body */
	uint64_t gaps_aborted;    /* gaps that forced a resync */
	uint64_t headers_dropped; /* headers beyond TT_HDRS_MAX */
	uint64_t nomem;           /* head buffer allocations that failed */
	uint64_t head_buf_bytes;  /* head buffer held now (a gauge) */
};

/* NULL on allocation failure. kind is enum tt_h1_kind. The parser
 * allocates only through mem (NULL: libc; util/mem.h). */
struct tt_h1 *tt_h1_new(int kind, const struct tt_h1_callbacks *cb,
			void *ctx, const struct tt_mem *mem);
void tt_h1_free(struct tt_h1 *p);

/* Parses len more bytes of the stream. Returns 0, or -ENOMEM when the head
 * buffer could not grow (the head in progress is then dropped, counted in
 * nomem, and the parser resynchronizes; it stays usable). */
int tt_h1_feed(struct tt_h1 *p, const uint8_t *data, size_t len);

/* len bytes of the stream were lost here. Inside a body region of known
 * length (remaining Content-Length, or the rest of the current chunk) that
 * holds them, or inside a close-delimited body, reports on_body_gap and
 * stays in sync; otherwise ends the message in progress as aborted and
 * resynchronizes. */
void tt_h1_gap(struct tt_h1 *p, uint64_t len);

/* The connection ended: a close-delimited body ends COMPLETE, any other
 * message in progress ABORTED. The parser is then as new. */
void tt_h1_eof(struct tt_h1 *p);

/* 1 once a head was answered TT_H1_UPGRADE, with *used (may be NULL) the
 * bytes of the last tt_h1_feed() buffer that were HTTP/1; else 0. */
int tt_h1_upgraded(const struct tt_h1 *p, size_t *used);

const struct tt_h1_stats *tt_h1_get_stats(const struct tt_h1 *p);

#endif
