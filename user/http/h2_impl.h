/* SPDX-License-Identifier: MIT */
/*
 * Inside the HTTP/2 decoder: its state, shared by the frame state machine
 * (h2.c) and the header blocks it hands to HPACK (h2_hpack.c). Not an
 * interface: only those two files include it.
 */
#ifndef TT_H2_IMPL_H
#define TT_H2_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <nghttp2/nghttp2.h>
#include "http/h2.h"
#include "util/mem.h"

#define H2_HDR_LEN 9
#define H2_MIN_FRAME 16384
#define H2_DEF_TABLE 4096
#define H2_DEC_MIN 1024  /* first decoded-buffer allocation */
#define H2_DEC_KEEP 4096 /* a buffer this small survives a block */
_Static_assert(TT_H2_DECODED_MAX % H2_DEC_MIN == 0 &&
	       !((TT_H2_DECODED_MAX / H2_DEC_MIN) &
		 (TT_H2_DECODED_MAX / H2_DEC_MIN - 1)),
	       "decoded buffer doubles up to exactly its cap");

#define F_END_STREAM 0x01
#define F_ACK 0x01
#define F_END_HEADERS 0x04
#define F_PADDED 0x08
#define F_PRIORITY 0x20

#define SET_HEADER_TABLE_SIZE 1
#define SET_MAX_FRAME_SIZE 5

enum h2_phase {
	PH_PREFACE, /* client: matching the connection preface */
	PH_SCAN,    /* sync lost: sliding window over hdr */
	PH_HEAD,    /* frame header bytes */
	PH_PADLEN,  /* the pad length byte */
	PH_FIXED,   /* fixed-size prefix, fix_need bytes into fix */
	PH_BODY,    /* data, block fragment or skipped bytes */
	PH_PAD,     /* padding, or the rest of a frame a gap damaged */
	PH_STOP,    /* ERROR: nothing more is parsed */
};

enum hb_mode {
	HB_DECODE, /* inflating and keeping the fields */
	HB_TOOBIG, /* over TT_H2_BLOCK_MAX: inflating, keeping nothing */
	HB_LOST,   /* HPACK out of sync: skipping */
};

enum { CHK_OK, CHK_TOO_LARGE, CHK_PROTO };

struct h2_field {
	uint32_t name_off, name_len, value_off, value_len;
};

struct tt_h2 {
	int dir;
	struct tt_h2_callbacks cb;
	void *ctx;
	struct tt_mem mem;    /* everything is allocated through it ... */
	nghttp2_mem ng_mem;   /* ... the inflater's too, through this */
	struct tt_h2_stats stats;
	int state;
	enum h2_phase ph;
	int resynced;       /* sync came from a scan: errors mean rescan */
	int await_settings; /* server: the first frame must be SETTINGS */
	size_t preface_i;

	/* The frame in progress; hdr is also the scan window. */
	uint8_t hdr[H2_HDR_LEN];
	size_t hlen;
	uint32_t len, sid;
	uint8_t type, flags;
	uint32_t left; /* payload bytes not consumed yet */
	uint32_t pad;  /* padding at the end of the payload */
	uint8_t fix[8];
	size_t fix_len, fix_need;
	int damaged;       /* a gap hit this frame: its content is ignored */
	int data_on;       /* DATA: delivered (else skipped) */
	unsigned data_flags;
	int data_end_sent;
	struct tt_h2_settings nset; /* SETTINGS being read */

	/* The header block in progress. */
	int hb_active, hb_mode, hb_reported;
	uint8_t hb_type;
	uint32_t hb_sid;
	int hb_end_stream;
	uint64_t hb_len;
	nghttp2_hd_inflater *inf;
	char *dec;
	size_t dec_len, dec_cap;
	struct h2_field fld[TT_HDRS_MAX];
	size_t nfld, ndropped;
	struct tt_hdrs hdrs;

	struct tt_h2_settings own; /* announced by this direction's sender */
	uint32_t table_want, table_set, max_frame;
	int pending;               /* tightened peer limits, applied at ACK */
	struct tt_h2_settings pend;

	/* Streams whose headers were seen, not ended in this direction. */
	uint32_t streams[TT_H2_STREAMS_MAX];
	size_t nstreams;
};

static const uint8_t h2_empty[1];

static inline void h2_poison(struct tt_h2 *p)
{
	if (p->state == TT_H2_OK)
		p->state = TT_H2_POISONED;
}

/* Streams whose headers were seen and not ended (h2.c). */
int h2_stream_find(const struct tt_h2 *p, uint32_t sid);
void h2_stream_add(struct tt_h2 *p, uint32_t sid);
void h2_stream_del(struct tt_h2 *p, uint32_t sid);

/* The header block of the frame in progress (h2_hpack.c): begun by a
 * HEADERS or PUSH_PROMISE frame, fed its fragments (CONTINUATION too),
 * finished at END_HEADERS (the fields to on_headers, or on_headers_lost).
 * h2_hb_lose: the block can no longer be decoded (HPACK out of sync);
 * h2_hb_abandon: nor even delimited (sync lost, framing error). */
void h2_hb_begin(struct tt_h2 *p);
void h2_hb_feed(struct tt_h2 *p, const uint8_t *d, size_t n);
void h2_hb_finish(struct tt_h2 *p);
void h2_hb_lose(struct tt_h2 *p);
void h2_hb_abandon(struct tt_h2 *p);

#endif
