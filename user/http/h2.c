// SPDX-License-Identifier: MIT
/*
 * HTTP/2 one-direction decoder: see h2.h. A byte-driven state machine
 * (frame header, pad length, fixed prefix, body, padding) that never
 * buffers a frame. Block fragments go straight into nghttp2's inflater
 * (h2_hpack.c); decoded fields are copied, as its output lives only until
 * its next call. After a lost sync, the frame header buffer is a sliding
 * window that a stricter check than in-sync frames get must accept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <nghttp2/nghttp2.h>
#include "http/h2_impl.h"

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

int h2_stream_find(const struct tt_h2 *p, uint32_t sid)
{
	for (size_t i = 0; i < p->nstreams; i++)
		if (p->streams[i] == sid)
			return (int)i;
	return -1;
}

void h2_stream_del(struct tt_h2 *p, uint32_t sid)
{
	int i = h2_stream_find(p, sid);

	if (i < 0)
		return;
	memmove(&p->streams[i], &p->streams[i + 1],
		(p->nstreams - (size_t)i - 1) * sizeof(p->streams[0]));
	p->nstreams--;
}

/* Oldest out when full: a stream that long-lived is the least likely to
 * still send data right after a gap. */
void h2_stream_add(struct tt_h2 *p, uint32_t sid)
{
	if (h2_stream_find(p, sid) >= 0)
		return;
	if (p->nstreams == TT_H2_STREAMS_MAX) {
		p->stats.streams_evicted++;
		h2_stream_del(p, p->streams[0]);
	}
	p->streams[p->nstreams++] = sid;
}

/* Frame boundaries lost: scan from the next byte on. */
static void lose_sync(struct tt_h2 *p)
{
	h2_hb_abandon(p);
	h2_poison(p);
	if (p->ph != PH_SCAN)
		p->stats.resyncs++;
	p->stats.skipped_bytes += p->hlen;
	p->ph = PH_SCAN;
	p->hlen = 0;
	p->resynced = 1;
	p->await_settings = 0;
}

/* The 9 bytes in hdr are no frame header: slide the window by one. */
static void scan_from_window(struct tt_h2 *p)
{
	memmove(p->hdr, p->hdr + 1, H2_HDR_LEN - 1);
	p->hlen = H2_HDR_LEN - 1;
	p->stats.skipped_bytes++;
	p->ph = PH_SCAN;
}

/* A framing error: real if the stream was in sync (stop decoding), else
 * a wrong guess of the scan (scan again, from the header's next byte if
 * the header is still at hand). */
static void bad_frame(struct tt_h2 *p, uint64_t *counter, int at_header)
{
	h2_hb_abandon(p);
	if (!p->resynced) {
		(*counter)++;
		p->state = TT_H2_ERROR;
		p->ph = PH_STOP;
	} else if (at_header) {
		p->stats.resyncs++;
		scan_from_window(p);
	} else {
		lose_sync(p);
	}
}

/* What RFC 9113 section 6 fixes per frame type. */
static const struct h2_type {
	uint8_t flags; /* flags defined */
	uint8_t fixed; /* prefix after the pad length: ids, codes, opaque */
	int8_t len;    /* exact payload length, or -1 */
	int8_t sid;    /* 1: stream frame, 0: connection frame, -1: either */
} h2_types[TT_H2_FRAME_TYPES] = {
	[TT_H2_DATA] = { F_END_STREAM | F_PADDED, 0, -1, 1 },
	[TT_H2_HEADERS] = { F_END_STREAM | F_END_HEADERS | F_PADDED |
				    F_PRIORITY, 0, -1, 1 },
	[TT_H2_PRIORITY] = { 0, 5, 5, 1 },
	[TT_H2_RST_STREAM] = { 0, 4, 4, 1 },
	[TT_H2_SETTINGS] = { F_ACK, 6, -1, 0 },
	[TT_H2_PUSH_PROMISE] = { F_END_HEADERS | F_PADDED, 4, -1, 1 },
	[TT_H2_PING] = { F_ACK, 8, 8, 0 },
	[TT_H2_GOAWAY] = { 0, 8, -1, 0 },
	[TT_H2_WINDOW_UPDATE] = { 0, 4, 4, -1 },
	[TT_H2_CONTINUATION] = { F_END_HEADERS, 0, -1, 1 },
};

static int is_padded(uint8_t type, uint8_t fl)
{
	return type < TT_H2_FRAME_TYPES &&
	       (fl & h2_types[type].flags & F_PADDED);
}

/* The fixed prefix after the pad length (SETTINGS: one entry). */
static uint32_t fixed_len(uint8_t type, uint8_t fl)
{
	if (type >= TT_H2_FRAME_TYPES)
		return 0;
	if (type == TT_H2_HEADERS)
		return (fl & F_PRIORITY) ? 5 : 0;
	return h2_types[type].fixed;
}

/* Checks the frame header h against the stream's state. strict: the
 * header was found by scanning, so anything unusual rejects it. */
static int frame_check(const struct tt_h2 *p, const uint8_t *h, int strict)
{
	uint32_t len = (uint32_t)h[0] << 16 | (uint32_t)h[1] << 8 | h[2];
	uint8_t type = h[3], fl = h[4];
	uint32_t raw = be32(h + 5), sid = raw & 0x7fffffffu;
	const struct h2_type *t;

	if (len > p->max_frame)
		return CHK_TOO_LARGE;
	/* Nothing may come between a block's frames (RFC 9113 6.10). */
	if (p->hb_active != (type == TT_H2_CONTINUATION) ||
	    (p->hb_active && sid != p->hb_sid))
		return CHK_PROTO;
	if (type >= TT_H2_FRAME_TYPES)
		return strict ? CHK_PROTO : CHK_OK;
	t = &h2_types[type];
	if (strict && ((raw >> 31) || (fl & ~t->flags)))
		return CHK_PROTO;
	if ((t->sid == 1 && !sid) || (t->sid == 0 && sid))
		return CHK_PROTO;
	if (type == TT_H2_SETTINGS ? ((fl & F_ACK) ? len : len % 6) :
	    t->len >= 0 ? len != (uint32_t)t->len :
	    len < is_padded(type, fl) + fixed_len(type, fl))
		return CHK_PROTO;
	if (type == TT_H2_PUSH_PROMISE && p->dir == TT_H2_CLIENT)
		return CHK_PROTO;
	if (strict && p->dir == TT_H2_CLIENT && type <= TT_H2_HEADERS &&
	    !(sid & 1))
		return CHK_PROTO;
	return CHK_OK;
}

static void set_phase_after_padlen(struct tt_h2 *p)
{
	p->fix_need = fixed_len(p->type, p->flags);
	if (p->type == TT_H2_SETTINGS && !p->left)
		p->fix_need = 0;
	p->fix_len = 0;
	p->ph = p->fix_need ? PH_FIXED : PH_BODY;
}

static void fixed_done(struct tt_h2 *p)
{
	unsigned id = (unsigned)p->fix[0] << 8 | p->fix[1];
	uint32_t v = be32(p->fix + 2);

	p->fix_len = 0;
	switch (p->type) {
	case TT_H2_RST_STREAM:
		h2_stream_del(p, p->sid);
		if (p->cb.on_reset)
			p->cb.on_reset(p->ctx, p->sid, be32(p->fix));
		break;
	case TT_H2_GOAWAY:
		if (p->cb.on_goaway)
			p->cb.on_goaway(p->ctx, be32(p->fix) & 0x7fffffffu,
					be32(p->fix + 4));
		break;
	case TT_H2_SETTINGS:
		if (id == SET_HEADER_TABLE_SIZE)
			p->nset.header_table_size = v;
		else if (id == SET_MAX_FRAME_SIZE && v >= H2_MIN_FRAME &&
			 v <= TT_H2_FRAME_HARD_MAX)
			p->nset.max_frame_size = v;
		else if (id == SET_MAX_FRAME_SIZE)
			p->stats.settings_invalid++;
		if (p->left)
			return; /* the next entry: still PH_FIXED */
		break;
	}
	p->ph = PH_BODY;
}

static void frame_end(struct tt_h2 *p)
{
	p->ph = PH_HEAD;
	p->hlen = 0;
	if (p->type == TT_H2_SETTINGS && !p->damaged) {
		if (p->flags & F_ACK) {
			/* This sender applied the peer's SETTINGS by now. */
			if (p->pending) {
				p->table_want = p->pend.header_table_size;
				p->max_frame = p->pend.max_frame_size;
				p->pending = 0;
			}
		} else {
			p->own = p->nset;
			if (p->cb.on_settings)
				p->cb.on_settings(p->ctx, &p->own);
		}
	}
	if (p->hb_active && (p->flags & F_END_HEADERS))
		h2_hb_finish(p); /* only block frames come while hb_active */
}

/* The DATA frame's data part is over: its END_STREAM, if still owed. */
static void data_done(struct tt_h2 *p)
{
	if (!(p->flags & F_END_STREAM))
		return;
	if (p->data_on && !p->data_end_sent && p->cb.on_data)
		p->cb.on_data(p->ctx, p->sid, h2_empty, 0,
			      p->data_flags | TT_H2_DATA_END_STREAM);
	p->data_end_sent = 1;
	h2_stream_del(p, p->sid);
}

/* Moves past whatever part of the payload is complete. */
static void settle(struct tt_h2 *p)
{
	if (p->ph == PH_BODY && p->left == p->pad) {
		if (p->type == TT_H2_DATA)
			data_done(p);
		p->ph = PH_PAD;
	}
	if (p->ph == PH_PAD && p->left == 0)
		frame_end(p);
}

static void frame_begin(struct tt_h2 *p)
{
	const uint8_t *h = p->hdr;

	p->len = (uint32_t)h[0] << 16 | (uint32_t)h[1] << 8 | h[2];
	p->type = h[3];
	p->flags = h[4];
	p->sid = be32(h + 5) & 0x7fffffffu;
	p->hlen = 0;
	p->left = p->len;
	p->pad = 0;
	p->damaged = p->data_on = p->data_end_sent = 0;
	p->data_flags = 0;
	if (p->type < TT_H2_FRAME_TYPES)
		p->stats.frames[p->type]++;
	else
		p->stats.frames_unknown++;

	if (p->type == TT_H2_DATA && p->state != TT_H2_OK) {
		p->data_on = h2_stream_find(p, p->sid) >= 0;
		p->data_flags = TT_H2_DATA_AFTER_GAP;
		p->stats.data_unattributed += !p->data_on;
	} else if (p->type == TT_H2_DATA) {
		p->data_on = 1;
	} else if (p->type == TT_H2_HEADERS ||
		   p->type == TT_H2_PUSH_PROMISE) {
		h2_hb_begin(p);
	} else if (p->type == TT_H2_SETTINGS) {
		p->nset = p->own;
	}
	if (is_padded(p->type, p->flags)) {
		p->ph = PH_PADLEN;
		return;
	}
	set_phase_after_padlen(p);
	settle(p);
}

static void head_done(struct tt_h2 *p)
{
	int chk;

	if (p->await_settings) {
		p->await_settings = 0;
		if (p->hdr[3] != TT_H2_SETTINGS || (p->hdr[4] & F_ACK)) {
			/* No server preface: joined mid-way. */
			p->stats.bad_preface++;
			p->hlen = 0;
			lose_sync(p);
			p->hlen = H2_HDR_LEN;
			if (frame_check(p, p->hdr, 1) == CHK_OK)
				frame_begin(p);
			else
				scan_from_window(p);
			return;
		}
	}
	chk = frame_check(p, p->hdr, 0);
	if (chk == CHK_TOO_LARGE)
		bad_frame(p, &p->stats.frame_too_large, 1);
	else if (chk != CHK_OK)
		bad_frame(p, &p->stats.protocol_errors, 1);
	else
		frame_begin(p);
}

static size_t step_preface(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	size_t i = 0;

	while (i < n && p->preface_i < TT_H2_PREFACE_LEN) {
		if (d[i] != (uint8_t)TT_H2_PREFACE[p->preface_i]) {
			/* Joined mid-way: this byte is the scan's first. */
			p->stats.bad_preface++;
			p->stats.skipped_bytes += p->preface_i;
			lose_sync(p);
			return i;
		}
		p->preface_i++;
		i++;
	}
	if (p->preface_i == TT_H2_PREFACE_LEN)
		p->ph = PH_HEAD;
	return i;
}

static size_t step_scan(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p->hdr[p->hlen++] = d[i];
		if (p->hlen < H2_HDR_LEN)
			continue;
		if (frame_check(p, p->hdr, 1) == CHK_OK) {
			frame_begin(p);
			return i + 1;
		}
		scan_from_window(p);
	}
	return n;
}

/* Appends up to need - *have bytes of d to buf; returns how many. */
static size_t collect(uint8_t *buf, size_t *have, size_t need,
		      const uint8_t *d, size_t n)
{
	size_t take = need - *have < n ? need - *have : n;

	memcpy(buf + *have, d, take);
	*have += take;
	return take;
}

static size_t step_head(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	size_t take = collect(p->hdr, &p->hlen, H2_HDR_LEN, d, n);

	if (p->hlen == H2_HDR_LEN)
		head_done(p);
	return take;
}

static size_t step_padlen(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	p->left--;
	set_phase_after_padlen(p);
	if (d[0] > p->left - p->fix_need) {
		bad_frame(p, &p->stats.protocol_errors, 0);
		return 1;
	}
	p->pad = d[0];
	settle(p);
	return 1;
}

static size_t step_fixed(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	size_t take = collect(p->fix, &p->fix_len, p->fix_need, d, n);

	p->left -= (uint32_t)take;
	if (p->fix_len == p->fix_need)
		fixed_done(p);
	settle(p);
	return take;
}

/* PH_BODY and PH_PAD. */
static size_t step_body(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	size_t take = p->ph == PH_PAD ? p->left : p->left - p->pad;

	if (take > n)
		take = n;
	if (p->ph == PH_PAD) {
		/* skipped */
	} else if (p->type == TT_H2_DATA && p->data_on) {
		unsigned fl = p->data_flags;

		if ((p->flags & F_END_STREAM) && p->left - take == p->pad) {
			fl |= TT_H2_DATA_END_STREAM;
			p->data_end_sent = 1;
		}
		if (p->cb.on_data)
			p->cb.on_data(p->ctx, p->sid, d, take, fl);
	} else if (p->hb_active) {
		h2_hb_feed(p, d, take);
	}
	p->left -= (uint32_t)take;
	settle(p);
	return take;
}

static size_t step_stop(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	p->stats.skipped_bytes += n;
	return n;
}

/* Each consumes at least one byte or changes the phase. */
static size_t (*const h2_steps[])(struct tt_h2 *, const uint8_t *,
				  size_t) = {
	[PH_PREFACE] = step_preface, [PH_SCAN] = step_scan,
	[PH_HEAD] = step_head,       [PH_PADLEN] = step_padlen,
	[PH_FIXED] = step_fixed,     [PH_BODY] = step_body,
	[PH_PAD] = step_body,        [PH_STOP] = step_stop,
};

int tt_h2_feed(struct tt_h2 *p, const uint8_t *data, size_t len)
{
	while (len) {
		size_t used = h2_steps[p->ph](p, data, len);

		data += used;
		len -= used;
	}
	return p->state == TT_H2_ERROR ? -EPROTO : 0;
}

/* len (<= left) bytes of the current frame's payload were lost. */
static void gap_in_frame(struct tt_h2 *p, uint32_t len)
{
	if (p->type == TT_H2_DATA || p->ph == PH_PAD) {
		/* Data then padding (or only padding): exact accounting,
		 * nothing else lost. */
		uint32_t data_left = p->ph == PH_BODY ? p->left - p->pad : 0;
		uint32_t lost = len < data_left ? len : data_left;

		p->left -= len;
		if (lost && p->data_on && p->cb.on_data_gap)
			p->cb.on_data_gap(p->ctx, p->sid, lost);
		settle(p);
		return;
	}
	if (p->hb_active)
		h2_hb_lose(p); /* part of the block is gone */
	p->damaged = 1;
	p->left -= len;
	p->pad = p->left;
	p->ph = PH_PAD;
	settle(p);
}

void tt_h2_gap(struct tt_h2 *p, uint64_t len)
{
	if (!len)
		return;
	p->stats.gaps++;
	if (p->ph == PH_STOP)
		return;
	if (p->ph == PH_PREFACE && len <= TT_H2_PREFACE_LEN - p->preface_i) {
		p->stats.gaps_absorbed++;
		p->preface_i += (size_t)len;
		if (p->preface_i == TT_H2_PREFACE_LEN)
			p->ph = PH_HEAD;
		return;
	}
	/* Inside the payload; not DATA's pad length: where its data ends
	 * would be unknown. */
	if (p->ph >= PH_PADLEN && len <= p->left &&
	    !(p->ph == PH_PADLEN && p->type == TT_H2_DATA)) {
		p->stats.gaps_absorbed++;
		gap_in_frame(p, (uint32_t)len);
		return;
	}
	lose_sync(p);
}

void tt_h2_peer_settings(struct tt_h2 *p, const struct tt_h2_settings *s)
{
	uint32_t table = s->header_table_size, frame = s->max_frame_size;

	if (table > TT_H2_TABLE_MAX) {
		table = TT_H2_TABLE_MAX;
		p->stats.table_size_clamped++;
	}
	if (frame < H2_MIN_FRAME)
		frame = H2_MIN_FRAME;
	if (frame > TT_H2_FRAME_HARD_MAX)
		frame = TT_H2_FRAME_HARD_MAX;
	/* A larger limit is harmless at once; a smaller one binds the
	 * sender only once it has seen it, which its ACK says. */
	if (table > p->table_want)
		p->table_want = table;
	if (frame > p->max_frame)
		p->max_frame = frame;
	p->pending = table < p->table_want || frame < p->max_frame;
	p->pend.header_table_size = table;
	p->pend.max_frame_size = frame;
}

/* nghttp2's allocator interface over the parser's tt_mem. */
static void *ng_malloc(size_t size, void *user)
{
	return tt_mem_malloc(user, size);
}

static void ng_free(void *ptr, void *user)
{
	tt_mem_free(user, ptr);
}

static void *ng_calloc(size_t n, size_t size, void *user)
{
	return tt_mem_calloc(user, n, size);
}

static void *ng_realloc(void *ptr, size_t size, void *user)
{
	return tt_mem_realloc(user, ptr, size);
}

struct tt_h2 *tt_h2_new(int dir, const struct tt_h2_callbacks *cb,
			void *ctx, const struct tt_mem *mem)
{
	struct tt_h2 *p = tt_mem_calloc(mem, 1, sizeof(*p));

	if (!p)
		return NULL;
	p->mem = tt_mem_resolve(mem);
	/* The inflater keeps a pointer to ng_mem: p outlives it. */
	p->ng_mem = (nghttp2_mem){ &p->mem, ng_malloc, ng_free, ng_calloc,
				   ng_realloc };
	if (nghttp2_hd_inflate_new2(&p->inf, &p->ng_mem)) {
		tt_mem_free(mem, p);
		return NULL;
	}
	p->dir = dir == TT_H2_SERVER ? TT_H2_SERVER : TT_H2_CLIENT;
	if (cb)
		p->cb = *cb;
	p->ctx = ctx;
	p->state = TT_H2_OK;
	p->ph = p->dir == TT_H2_CLIENT ? PH_PREFACE : PH_HEAD;
	p->await_settings = p->dir == TT_H2_SERVER;
	p->own.header_table_size = H2_DEF_TABLE;
	p->own.max_frame_size = H2_MIN_FRAME;
	p->table_want = p->table_set = H2_DEF_TABLE;
	p->max_frame = H2_MIN_FRAME;
	return p;
}

void tt_h2_free(struct tt_h2 *p)
{
	struct tt_mem mem;

	if (!p)
		return;
	mem = p->mem;
	nghttp2_hd_inflate_del(p->inf);
	tt_mem_free(&mem, p->dec);
	tt_mem_free(&mem, p);
}

int tt_h2_state(const struct tt_h2 *p)
{
	return p->state;
}

const struct tt_h2_settings *tt_h2_get_settings(const struct tt_h2 *p)
{
	return &p->own;
}

const struct tt_h2_stats *tt_h2_get_stats(const struct tt_h2 *p)
{
	return &p->stats;
}
