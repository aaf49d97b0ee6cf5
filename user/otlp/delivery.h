/* SPDX-License-Identifier: MIT */
/*
 * The delivery rules of the OTLP exporter, pure so they can be tested
 * without a network or a disk: what an HTTP answer means, how long to back
 * off, what a spool file's header says, which spool files to drop when it
 * is full, and the bounded line queue between the agent's event loop and
 * the exporter thread. docs/otlp.md describes the behaviour.
 */
#ifndef TT_OTLP_DELIVERY_H
#define TT_OTLP_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

/* What to do with a batch after one attempt. */
enum tt_otlp_verdict {
	TT_OTLP_SENT = 0,  /* 2xx: done */
	TT_OTLP_RETRY,     /* 429, 502, 503, 504, connection trouble: later */
	TT_OTLP_DROP,      /* any other answer: retrying would not help */
};

/* How the transfer went below HTTP (the adapter maps libcurl's codes). */
enum tt_otlp_transport {
	TT_OTLP_NET_OK = 0,   /* an HTTP status came back */
	TT_OTLP_NET_CONNECT,  /* refused, unreachable, name not resolved */
	TT_OTLP_NET_TIMEOUT,
	TT_OTLP_NET_BROKEN,   /* sent or received part, then the peer went */
	TT_OTLP_NET_FATAL,    /* bad URL, unsupported scheme, TLS trust */
};

/* Drop reasons (batches' records counted under each): the enum value
 * TT_OTLP_DROP_<ID> and the name of its counter, listed once. */
#define TT_OTLP_DROPS(X)                                                       \
	X(QUEUE_FULL, queue_full, "the in-memory queue was full")              \
	X(REJECTED_LINE, rejected_line, "the line gave no log record")         \
	X(HTTP_4XX, http_4xx, "answered 4xx other than 429")                   \
	X(HTTP_5XX, http_5xx, "answered 500, 501, 505...")                     \
	X(HTTP_OTHER, http_other, "answered 1xx, 3xx or nonsense")             \
	X(TRANSPORT, transport, "a transport error retrying cannot fix")       \
	X(PARTIAL, partial_success, "2xx with partialSuccess rejections")      \
	X(SPOOL_FULL, spool_full, "evicted from (or never fit) the spool")     \
	X(SPOOL_ERROR, spool_error, "spool write or read failed")              \
	X(NO_SPOOL, no_spool, "undeliverable and no spool configured")

enum tt_otlp_drop {
#define TT_OTLP_DROP_ENUM(id, name, doc) TT_OTLP_DROP_##id,
	TT_OTLP_DROPS(TT_OTLP_DROP_ENUM)
#undef TT_OTLP_DROP_ENUM
	TT_OTLP_DROP_MAX,
};

/* "queue_full", ...; "unknown" out of range. */
const char *tt_otlp_drop_name(int reason);

/* status: the HTTP status (0 when none came). On TT_OTLP_DROP, *drop (if
 * not NULL) says which drop counter the batch goes to. */
enum tt_otlp_verdict tt_otlp_classify(enum tt_otlp_transport net, long status,
				      enum tt_otlp_drop *drop);

#define TT_OTLP_BACKOFF_FIRST_MS 500u

/* The next backoff after prev_ms (0: the first failure): doubles up to
 * max_ms. The wait is the backoff with "equal jitter": half of it fixed,
 * the other half scaled by jitter in [0, 1), so a fleet that lost its
 * collector at once does not come back in step. */
uint32_t tt_otlp_backoff_next(uint32_t prev_ms, uint32_t max_ms);
uint32_t tt_otlp_backoff_wait(uint32_t backoff_ms, double jitter);

/* rejectedLogRecords / rejectedDataPoints of a 2xx answer's
 * partialSuccess (the body, len bytes); 0 when absent or unreadable. */
uint64_t tt_otlp_partial_rejected(const char *body, size_t len);

/* A spool file: this header line, then the payload. The number is the
 * spool format's version. Version 1: the payload is one
 * ExportLogsServiceRequest (OTLP/HTTP JSON) of the records of one batch,
 * "logs", then the records and the payload's bytes. The spool never held
 * ledger lines: building the records from struct tt_event instead of a
 * ledger line read back left it as it was, and a version 1 spool written
 * before is read and sent. */
#define TT_OTLP_SPOOL_NAME "tokentap-otlp-spool"
#define TT_OTLP_SPOOL_VERSION 1
#define TT_OTLP_SPOOL_MAGIC "tokentap-otlp-spool 1 logs"
#define TT_OTLP_SPOOL_HDR_MAX 80

/* Writes the header (with its newline) into out; returns its length. */
size_t tt_otlp_spool_header(char out[TT_OTLP_SPOOL_HDR_MAX], unsigned records,
			    uint64_t payload_bytes);
/* Parses a header at the start of buf. 0 with *hdr_len, *records and
 * *payload_bytes, or -EINVAL. */
int tt_otlp_spool_header_parse(const char *buf, size_t len, size_t *hdr_len,
			       unsigned *records, uint64_t *payload_bytes);
/* The version a spool file's header names (the number after
 * TT_OTLP_SPOOL_NAME and a space), or -EINVAL when buf does not start as
 * a spool file does. For telling a file of another format version (what
 * another agent version wrote) from a damaged one. */
int tt_otlp_spool_version(const char *buf, size_t len);

/* The spool's files, oldest first: a ring of at most cap entries. The
 * adapter mirrors each push and eviction on disk. */
struct tt_otlp_spool_entry {
	uint64_t seq;     /* file name */
	uint64_t bytes;   /* file size */
	unsigned records;
};

struct tt_otlp_spool_index {
	struct tt_otlp_spool_entry *ent;
	size_t cap, head, n;
	uint64_t bytes, records, max_bytes;
	uint64_t next_seq;
};

/* 0, -EINVAL (cap 0) or -ENOMEM. */
int tt_otlp_spool_index_init(struct tt_otlp_spool_index *ix, size_t cap,
			     uint64_t max_bytes);
void tt_otlp_spool_index_free(struct tt_otlp_spool_index *ix);
/* Drops the oldest entries until one of `bytes` fits (both the byte and
 * the entry cap), appending them to evicted (room for ix->cap). Returns
 * how many were evicted, or -E2BIG (nothing evicted) when bytes alone is
 * over max_bytes: the new batch is what gets dropped. */
long tt_otlp_spool_index_make_room(struct tt_otlp_spool_index *ix,
				   uint64_t bytes,
				   struct tt_otlp_spool_entry *evicted);
/* Appends (after make_room succeeded). seq must be above every seq in
 * the index; next_seq follows it. 0 or -E2BIG. */
int tt_otlp_spool_index_push(struct tt_otlp_spool_index *ix,
			     const struct tt_otlp_spool_entry *e);
/* The oldest entry, or NULL. */
const struct tt_otlp_spool_entry *
tt_otlp_spool_index_oldest(const struct tt_otlp_spool_index *ix);
void tt_otlp_spool_index_pop(struct tt_otlp_spool_index *ix);

/* A bounded FIFO of lines in one preallocated buffer: the agent's event
 * loop pushes (never waits, never allocates), the exporter pops. Not
 * locked: the adapter holds a mutex around each call. */
struct tt_otlp_queue {
	uint8_t *buf;
	size_t cap, head, tail, used; /* used: bytes, markers included */
	size_t lines, high_water;
};

/* cap: bytes, at least 64. 0, -EINVAL or -ENOMEM. */
int tt_otlp_queue_init(struct tt_otlp_queue *q, size_t cap);
void tt_otlp_queue_free(struct tt_otlp_queue *q);
/* 0, or -ENOSPC (full: the caller counts the drop) or -E2BIG (the line
 * could never fit). */
int tt_otlp_queue_push(struct tt_otlp_queue *q, const char *line, size_t n);
/* Copies the oldest line into out. Its length, -EAGAIN when empty, or
 * -E2BIG when cap is too small (the line is dropped). */
long tt_otlp_queue_pop(struct tt_otlp_queue *q, char *out, size_t cap);

#endif
