/* SPDX-License-Identifier: MIT */
/*
 * Incremental HTTP/2 frame and header decoder for ONE direction of one
 * connection, fed the decrypted byte stream in arbitrary pieces (one byte
 * at a time works). TT_H2_CLIENT starts with the 24-byte connection
 * preface, TT_H2_SERVER with a SETTINGS frame. Header blocks (HEADERS or
 * PUSH_PROMISE plus CONTINUATION) are inflated with nghttp2's HPACK
 * inflater as they arrive, so a block is never buffered compressed; DATA
 * is handed out from the caller's buffer with padding removed. Pairing
 * requests and responses by stream is the caller's job.
 *
 * Lost bytes (tt_h2_gap) inside the current frame's payload keep the frame
 * sync: in DATA they are reported (on_data_gap) and nothing else changes;
 * in other frames the frame is ignored, and a header block cut so poisons
 * HPACK. Any other gap, or a stream that does not begin with its preface
 * (joined mid-way), makes the direction POISONED: the HPACK dynamic table
 * is unknown for good, so header blocks are counted and reported through
 * on_headers_lost, never decoded (no invented headers). When frame
 * boundaries were lost too, the parser scans for a plausible frame header
 * and goes on from there; DATA is then still delivered, flagged
 * TT_H2_DATA_AFTER_GAP, for streams whose headers it saw before (a table
 * of TT_H2_STREAMS_MAX stream ids).
 *
 * A protocol error on a stream that was in sync (frame over the max frame
 * size, CONTINUATION out of place, bad fixed frame size, bad padding)
 * stops decoding: the direction is then ERROR and skips all further
 * bytes. After a resync the same findings only mean the guess was wrong:
 * the parser scans again.
 *
 * SETTINGS a sender announces limit what the OTHER direction sends: the
 * caller passes them across with tt_h2_peer_settings (on_settings says
 * when). Memory per direction: the struct (~4 KiB), nghttp2's inflater
 * (dynamic table up to TT_H2_TABLE_MAX, one field up to 64 KiB) and a
 * decoded-header buffer up to TT_H2_DECODED_MAX, shrunk after each block.
 * Callbacks must not call back into the same parser.
 */
#ifndef TT_H2_H
#define TT_H2_H

#include <stddef.h>
#include <stdint.h>
#include "http/hdr.h"

struct tt_mem;

#define TT_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define TT_H2_PREFACE_LEN 24
#define TT_H2_BLOCK_MAX 65536     /* header block bytes, CONTINUATIONs in;
				   * a larger one is counted, its fields
				   * kept within the field caps */
#define TT_H2_DECODED_MAX 65536   /* decoded names + values kept per block */
#define TT_H2_TABLE_MAX 65536     /* HPACK dynamic table size accepted */
#define TT_H2_FRAME_HARD_MAX 16777215u /* 2^24 - 1: the length field's max */
#define TT_H2_STREAMS_MAX 64      /* streams remembered for after a gap */

enum tt_h2_dir { TT_H2_CLIENT = 0, TT_H2_SERVER = 1 };

enum tt_h2_state {
	TT_H2_OK = 0,       /* in sync, HPACK in sync */
	TT_H2_POISONED = 1, /* HPACK state lost: blocks counted, not decoded */
	TT_H2_ERROR = 2,    /* protocol error: this direction is not decoded */
};

enum tt_h2_frame_type {
	TT_H2_DATA = 0, TT_H2_HEADERS = 1, TT_H2_PRIORITY = 2,
	TT_H2_RST_STREAM = 3, TT_H2_SETTINGS = 4, TT_H2_PUSH_PROMISE = 5,
	TT_H2_PING = 6, TT_H2_GOAWAY = 7, TT_H2_WINDOW_UPDATE = 8,
	TT_H2_CONTINUATION = 9, TT_H2_FRAME_TYPES = 10,
};

/* on_data flags. */
#define TT_H2_DATA_END_STREAM 0x1 /* the stream's last data in this
				   * direction (may come with n == 0) */
#define TT_H2_DATA_AFTER_GAP 0x2  /* direction POISONED: the stream may have
				   * lost data, and the frame may have been
				   * found by a resync scan */

/* What one direction's sender announced in SETTINGS (defaults until its
 * first SETTINGS frame). */
struct tt_h2_settings {
	uint32_t header_table_size; /* SETTINGS_HEADER_TABLE_SIZE, 4096 */
	uint32_t max_frame_size;    /* SETTINGS_MAX_FRAME_SIZE, 16384 */
};

/*
 * Any may be NULL. Stream ids given to callbacks are 1..2^31-1. Header
 * names and values (pseudo-headers ":method", ":path", ":authority",
 * ":scheme", ":status" included as ordinary entries, names as on the wire)
 * are valid only during on_headers. A stream's trailers are a second
 * on_headers. Every HEADERS frame whose block starts in sync gives exactly
 * one on_headers or one on_headers_lost (too large, undecodable, cut by a
 * gap or an error); PUSH_PROMISE blocks are inflated but give neither.
 */
struct tt_h2_callbacks {
	void (*on_headers)(void *ctx, uint32_t stream_id,
			   const struct tt_hdrs *hdrs, int end_stream);
	void (*on_headers_lost)(void *ctx, uint32_t stream_id, int end_stream);
	void (*on_data)(void *ctx, uint32_t stream_id, const uint8_t *p,
			size_t n, unsigned flags); /* TT_H2_DATA_* */
	void (*on_data_gap)(void *ctx, uint32_t stream_id, uint64_t n);
	void (*on_reset)(void *ctx, uint32_t stream_id, uint32_t error_code);
	void (*on_goaway)(void *ctx, uint32_t last_stream_id,
			  uint32_t error_code);
	/* After each SETTINGS frame (not ACK) of this direction's sender:
	 * pass s to the other direction's tt_h2_peer_settings. */
	void (*on_settings)(void *ctx, const struct tt_h2_settings *s);
	/* At a field cap (TT_HDRS_MAX fields, TT_H2_DECODED_MAX bytes) a
	 * field is kept only when it is a pseudo-header or this says 1;
	 * hdrs.dropped counts those left out. NULL: pseudo-headers only. */
	int (*keep_header)(void *ctx, const char *name, size_t len);
};

struct tt_h2_stats {
	uint64_t frames[TT_H2_FRAME_TYPES]; /* by type, once delimited */
	uint64_t frames_unknown;       /* extension types, skipped */
	uint64_t bad_preface;          /* no preface / first frame not
					* SETTINGS: joined mid-way */
	uint64_t frame_too_large;      /* over the max frame size (-> ERROR) */
	uint64_t protocol_errors;      /* other framing errors (-> ERROR) */
	uint64_t header_blocks;        /* inflated (HEADERS and PUSH_PROMISE) */
	uint64_t undecodable_header_blocks; /* poisoned, HPACK error, cut */
	uint64_t header_block_too_large; /* over TT_H2_BLOCK_MAX (kept in part) */
	uint64_t headers_dropped;      /* fields over TT_HDRS_MAX or the
					* decoded-bytes cap */
	uint64_t hpack_errors;         /* the inflater failed (-> POISONED) */
	uint64_t push_promises;
	uint64_t gaps;                 /* tt_h2_gap calls */
	uint64_t gaps_absorbed;        /* inside one frame, sync kept */
	uint64_t resyncs;              /* scans for a frame header started */
	uint64_t skipped_bytes;        /* scanned over, or after ERROR */
	uint64_t data_unattributed;    /* DATA frames dropped while POISONED:
					* stream's headers not seen */
	uint64_t streams_evicted;      /* stream table full */
	uint64_t settings_invalid;     /* out-of-range values ignored */
	uint64_t table_size_clamped;   /* peer's table over TT_H2_TABLE_MAX */
	uint64_t nomem;                /* allocations that failed */
	uint64_t decoded_buf_bytes;    /* decoded-header buffer now (gauge) */
};

/* NULL on allocation failure. dir is enum tt_h2_dir. The decoder and its
 * HPACK inflater allocate only through mem (NULL: libc; util/mem.h). */
struct tt_h2 *tt_h2_new(int dir, const struct tt_h2_callbacks *cb,
			void *ctx, const struct tt_mem *mem);
void tt_h2_free(struct tt_h2 *p);

/* Parses len more bytes. Returns 0, or -EPROTO once the direction is in
 * the ERROR state (bytes are then counted as skipped). */
int tt_h2_feed(struct tt_h2 *p, const uint8_t *data, size_t len);

/* len bytes of the stream were lost here: see the top of this file. */
void tt_h2_gap(struct tt_h2 *p, uint64_t len);

/* The SETTINGS the other direction's sender announced. Relaxed limits
 * apply at once; tightened ones when this direction acknowledges (its
 * SETTINGS ACK), as the sender applies them. The table size is clamped
 * to TT_H2_TABLE_MAX and the frame size to 16384..TT_H2_FRAME_HARD_MAX. */
void tt_h2_peer_settings(struct tt_h2 *p, const struct tt_h2_settings *s);

/* Enum tt_h2_state. */
int tt_h2_state(const struct tt_h2 *p);
const struct tt_h2_settings *tt_h2_get_settings(const struct tt_h2 *p);
const struct tt_h2_stats *tt_h2_get_stats(const struct tt_h2 *p);

#endif
