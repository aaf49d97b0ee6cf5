// SPDX-License-Identifier: MIT
/*
 * HTTP/2 header blocks: the fragments of a HEADERS (or PUSH_PROMISE)
 * frame and its CONTINUATIONs go through nghttp2's HPACK inflater as they
 * come; the fields of a HEADERS block are copied into one growing buffer
 * (capped) and handed over at END_HEADERS. A block that cannot be decoded
 * leaves HPACK out of sync: later blocks are reported lost, never guessed.
 */
#include <string.h>
#include "http/h2_impl.h"

static void dec_reset(struct tt_h2 *p)
{
	p->dec_len = 0;
	p->nfld = p->ndropped = 0;
	if (p->dec_cap > H2_DEC_KEEP) {
		tt_mem_free(&p->mem, p->dec);
		p->dec = NULL;
		p->dec_cap = 0;
	}
	p->stats.decoded_buf_bytes = p->dec_cap;
}

static void hb_report_lost(struct tt_h2 *p)
{
	if (p->hb_reported)
		return;
	p->hb_reported = 1;
	if (p->hb_type == TT_H2_HEADERS && p->cb.on_headers_lost)
		p->cb.on_headers_lost(p->ctx, p->hb_sid, p->hb_end_stream);
}

/* The block in progress cannot be decoded any more, and the inflater saw
 * part of it: HPACK is out of sync from here on. */
void h2_hb_lose(struct tt_h2 *p)
{
	if (p->hb_mode == HB_DECODE)
		p->stats.undecodable_header_blocks++;
	p->hb_mode = HB_LOST;
	hb_report_lost(p);
	dec_reset(p);
	h2_poison(p);
}

/* The block in progress will not even be delimited (sync lost, error). */
void h2_hb_abandon(struct tt_h2 *p)
{
	if (!p->hb_active)
		return;
	h2_hb_lose(p);
	p->hb_active = 0;
}

static void field_add(struct tt_h2 *p, const nghttp2_nv *nv)
{
	const uint8_t *v = nv->value;
	size_t vlen = nv->valuelen, need;
	struct h2_field *f;

	/* struct tt_hdrs promises trimmed values. */
	while (vlen && (v[0] == ' ' || v[0] == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	need = nv->namelen + vlen;
	if (p->nfld == TT_HDRS_MAX || need > TT_H2_DECODED_MAX - p->dec_len) {
		p->ndropped++;
		return;
	}
	if (p->dec_len + need > p->dec_cap) {
		size_t cap = p->dec_cap ? p->dec_cap : H2_DEC_MIN;
		char *nb;

		/* Powers of two up to the cap, which need fits under. */
		while (cap < p->dec_len + need)
			cap *= 2;
		nb = tt_mem_realloc(&p->mem, p->dec, cap);
		if (!nb) {
			p->stats.nomem++;
			p->ndropped++;
			return;
		}
		p->dec = nb;
		p->dec_cap = cap;
		p->stats.decoded_buf_bytes = cap;
	}
	f = &p->fld[p->nfld++];
	f->name_off = (uint32_t)p->dec_len;
	f->name_len = (uint32_t)nv->namelen;
	if (nv->namelen)
		memcpy(p->dec + p->dec_len, nv->name, nv->namelen);
	p->dec_len += nv->namelen;
	f->value_off = (uint32_t)p->dec_len;
	f->value_len = (uint32_t)vlen;
	if (vlen)
		memcpy(p->dec + p->dec_len, v, vlen);
	p->dec_len += vlen;
}

/* Runs the inflater over n bytes of the block (final: its end). */
static void inflate(struct tt_h2 *p, const uint8_t *d, size_t n, int final)
{
	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t rv = nghttp2_hd_inflate_hd2(p->inf, &nv, &fl, d, n,
						    final);

		if (rv < 0) {
			if (rv == NGHTTP2_ERR_NOMEM)
				p->stats.nomem++;
			p->stats.hpack_errors++;
			h2_hb_lose(p);
			return;
		}
		d += rv;
		n -= (size_t)rv;
		if ((fl & NGHTTP2_HD_INFLATE_EMIT) && p->hb_mode == HB_DECODE &&
		    p->hb_type == TT_H2_HEADERS)
			field_add(p, &nv);
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(p->inf);
			return;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && n == 0)
			return;
	}
}

void h2_hb_begin(struct tt_h2 *p)
{
	p->hb_active = 1;
	p->hb_type = p->type;
	p->hb_sid = p->sid;
	p->hb_end_stream = p->type == TT_H2_HEADERS &&
			   (p->flags & F_END_STREAM);
	p->hb_len = 0;
	p->hb_reported = 0;
	p->hb_mode = HB_DECODE; /* nfld, dec_len: reset after each block */
	if (p->type == TT_H2_PUSH_PROMISE)
		p->stats.push_promises++;
	if (p->state != TT_H2_OK) {
		h2_hb_lose(p);
		return;
	}
	/* The inflater takes a new table size only between blocks. */
	if (p->table_set != p->table_want) {
		if (nghttp2_hd_inflate_change_table_size(p->inf,
							 p->table_want)) {
			p->stats.nomem++;
			h2_hb_lose(p);
			return;
		}
		p->table_set = p->table_want;
	}
}

void h2_hb_feed(struct tt_h2 *p, const uint8_t *d, size_t n)
{
	p->hb_len += n;
	if (p->hb_mode == HB_LOST)
		return;
	if (p->hb_mode == HB_DECODE && p->hb_len > TT_H2_BLOCK_MAX) {
		/* Inflating on keeps HPACK in sync at no memory cost. */
		p->stats.header_block_too_large++;
		p->hb_mode = HB_TOOBIG;
		dec_reset(p);
	}
	inflate(p, d, n, 0);
}

static void hb_deliver(struct tt_h2 *p)
{
	struct tt_hdrs *hs = &p->hdrs;
	const char *base = p->dec ? p->dec : (const char *)h2_empty;

	hs->n = p->nfld;
	hs->dropped = p->ndropped;
	for (size_t i = 0; i < p->nfld; i++) {
		hs->h[i].name = base + p->fld[i].name_off;
		hs->h[i].name_len = p->fld[i].name_len;
		hs->h[i].value = base + p->fld[i].value_off;
		hs->h[i].value_len = p->fld[i].value_len;
	}
	p->stats.headers_dropped += p->ndropped;
	p->hb_reported = 1;
	if (p->cb.on_headers)
		p->cb.on_headers(p->ctx, p->hb_sid, hs, p->hb_end_stream);
}

void h2_hb_finish(struct tt_h2 *p)
{
	if (p->hb_mode != HB_LOST)
		inflate(p, h2_empty, 0, 1);
	if (p->hb_mode != HB_LOST)
		p->stats.header_blocks++;
	if (p->hb_type == TT_H2_HEADERS) {
		if (p->hb_mode == HB_DECODE)
			hb_deliver(p);
		else
			hb_report_lost(p);
		if (p->hb_mode != HB_LOST && !p->hb_end_stream)
			h2_stream_add(p, p->hb_sid);
		if (p->hb_end_stream)
			h2_stream_del(p, p->hb_sid);
	}
	p->hb_active = 0;
	dec_reset(p);
}
