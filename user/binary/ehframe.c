// SPDX-License-Identifier: MIT
/*
 * .eh_frame FDE ranges for a batch of addresses: see ehframe.h. Record
 * layout from the LSB Core specification ("Exception Frames"): a 4-byte
 * length (0xffffffff: an 8-byte length follows), a 4-byte CIE id (0) or
 * CIE pointer (distance back from this field to its CIE), then for an FDE
 * pc_begin and pc_range in the CIE's 'R' pointer encoding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "binary/ehframe.h"

#define PE_OMIT 0xff
#define PE_FMT(e) ((e) & 0x0f)
#define PE_APP(e) ((e) & 0x70)
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10
#define PE_INDIRECT 0x80
#define RECORD_HEAD 256 /* bytes of a record the parser ever looks at */

/* A bounded little-endian reader; err latches. */
struct rd {
	const uint8_t *p, *end;
	int err;
};

static uint64_t rd_fixed(struct rd *r, size_t n)
{
	uint64_t v = 0;

	if ((size_t)(r->end - r->p) < n) {
		r->err = 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t rd_leb(struct rd *r, int is_signed)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (r->p >= r->end || shift >= 64) {
			r->err = 1;
			return 0;
		}
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (is_signed && shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return v;
}

/* A value in pointer encoding enc (format bits only). */
static uint64_t rd_enc(struct rd *r, uint8_t enc)
{
	switch (PE_FMT(enc)) {
	case PE_ABSPTR: case PE_UDATA8: case PE_SDATA8:
		return rd_fixed(r, 8);
	case PE_UDATA4: return rd_fixed(r, 4);
	case PE_SDATA4: return (uint64_t)(int64_t)(int32_t)rd_fixed(r, 4);
	case PE_UDATA2: return rd_fixed(r, 2);
	case PE_SDATA2: return (uint64_t)(int64_t)(int16_t)rd_fixed(r, 2);
	case PE_ULEB128: return rd_leb(r, 0);
	case PE_SLEB128: return rd_leb(r, 1);
	default:
		r->err = 1;
		return 0;
	}
}

int tt_ehframe_cie_encoding(const uint8_t *p, size_t len, uint8_t *enc)
{
	struct rd r = { p, p + len, 0 };
	const uint8_t *nul;
	const char *aug;
	uint8_t version;

	*enc = PE_ABSPTR;
	version = (uint8_t)rd_fixed(&r, 1);
	nul = r.err ? NULL : memchr(r.p, 0, (size_t)(r.end - r.p));
	if (!nul || (version != 1 && version != 3 && version != 4))
		return -EINVAL;
	aug = (const char *)r.p;
	r.p = nul + 1;
	if (version == 4)
		rd_fixed(&r, 2); /* address size, segment selector size */
	rd_leb(&r, 0);   /* code alignment */
	rd_leb(&r, 1);   /* data alignment */
	if (version == 1)
		rd_fixed(&r, 1);
	else
		rd_leb(&r, 0); /* return address register */
	if (aug[0] != 'z')
		return r.err || aug[0] ? -EINVAL : 0;
	rd_leb(&r, 0); /* augmentation data length */
	for (aug++; *aug && !r.err; aug++) {
		switch (*aug) {
		case 'R':
			*enc = (uint8_t)rd_fixed(&r, 1);
			if (r.err)
				return -EINVAL;
			if (*enc & PE_INDIRECT || (PE_APP(*enc) != 0 &&
						   PE_APP(*enc) != PE_PCREL))
				return -ENOTSUP;
			return 0;
		case 'L':
			rd_fixed(&r, 1);
			break;
		case 'P': {
			uint8_t penc = (uint8_t)rd_fixed(&r, 1);

			rd_enc(&r, penc);
			break;
		}
		case 'S': case 'B': case 'G':
			break;
		default:
			return -EINVAL;
		}
	}
	return r.err ? -EINVAL : 0;
}

/* A window of the section: bytes [base, base + len) of it. */
struct win {
	struct tt_elfview *ev;
	uint8_t *buf;
	size_t cap, len;
	uint64_t base;
};

/* p -> section bytes [off, off + *avail), at least min(need, rest) of
 * them. 0, or -errno from the read. */
static int win_get(struct win *w, uint64_t off, size_t need,
		   const uint8_t **p, size_t *avail)
{
	uint64_t rest = w->ev->eh_size - off;
	int ret;

	if (need > rest)
		need = (size_t)rest;
	if (off < w->base || off + need > w->base + w->len) {
		w->base = off;
		w->len = rest < w->cap ? (size_t)rest : w->cap;
		ret = tt_elfview_read(w->ev, w->ev->eh_off + off, w->buf, w->len);
		if (ret) {
			w->len = 0;
			return ret;
		}
	}
	*p = w->buf + (off - w->base);
	*avail = (size_t)(w->base + w->len - off);
	return 0;
}

struct cie_cache {
	uint64_t off[TT_EHFRAME_CIES];
	uint8_t enc[TT_EHFRAME_CIES];
	int8_t ok[TT_EHFRAME_CIES]; /* 1 parsed, -1 unparseable, 0 empty */
	unsigned next, last;
};

static void cache_put(struct cie_cache *c, uint64_t off, uint8_t enc, int ok)
{
	unsigned i = c->next++ % TT_EHFRAME_CIES;

	c->off[i] = off;
	c->enc[i] = enc;
	c->ok[i] = (int8_t)(ok ? 1 : -1);
	c->last = i;
}

/* r at the CIE id field of a record: its FDE pointer encoding. */
static int cie_body(struct rd *r, uint8_t *enc)
{
	if (rd_fixed(r, 4) != 0 || r->err)
		return -EINVAL;
	return tt_ehframe_cie_encoding(r->p, (size_t)(r->end - r->p), enc);
}

/* The encoding of the CIE at section offset off; 0 or -EINVAL. */
static int cie_at(struct tt_elfview *ev, struct cie_cache *c, uint64_t off,
		  uint8_t *enc, struct tt_ehframe_stats *st)
{
	uint8_t head[RECORD_HEAD];
	uint64_t len, rest;
	struct rd r;
	int ok;

	for (unsigned k = 0; k < TT_EHFRAME_CIES; k++) {
		unsigned i = (c->last + k) % TT_EHFRAME_CIES;

		if (c->ok[i] && c->off[i] == off) {
			c->last = i;
			*enc = c->enc[i];
			return c->ok[i] > 0 ? 0 : -EINVAL;
		}
	}
	st->cie_reads++;
	rest = ev->eh_size - off;
	len = rest < sizeof(head) ? rest : sizeof(head);
	if (tt_elfview_read(ev, ev->eh_off + off, head, (size_t)len))
		return -EINVAL;
	r = (struct rd){ head, head + len, 0 };
	len = rd_fixed(&r, 4);
	if (len == 0xffffffffu)
		len = rd_fixed(&r, 8);
	*enc = 0;
	ok = !r.err && !cie_body(&r, enc);
	cache_put(c, off, *enc, ok);
	return ok ? 0 : -EINVAL;
}

/* Marks the queries inside [start, start + size); returns how many. */
static size_t answer(const uint64_t *q, size_t nq, struct tt_fnbound *out,
		     uint64_t start, uint64_t size)
{
	size_t lo = 0, hi = nq, n = 0;

	while (lo < hi) { /* first q >= start */
		size_t mid = lo + (hi - lo) / 2;

		if (q[mid] < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nq && q[lo] - start < size; lo++) {
		if (out[lo].size)
			continue;
		out[lo].start = start;
		out[lo].size = size;
		n++;
	}
	return n;
}

/* One FDE at section offset off whose body r starts after the length. */
static size_t take_fde(struct tt_elfview *ev, struct cie_cache *c,
		       uint64_t off_id, struct rd *r, const uint64_t *q,
		       size_t nq, struct tt_fnbound *out,
		       struct tt_ehframe_stats *st)
{
	uint64_t cie_ptr = rd_fixed(r, 4), field_va, start, size;
	uint8_t enc;

	st->fdes++;
	if (cie_ptr > off_id || cie_at(ev, c, off_id - cie_ptr, &enc, st)) {
		st->bad_records++;
		return 0;
	}
	field_va = ev->eh_va + off_id + 4;
	start = rd_enc(r, enc);
	size = rd_enc(r, enc & 0x0f);
	if (r->err) {
		st->bad_records++;
		return 0;
	}
	if (PE_APP(enc) == PE_PCREL)
		start += field_va;
	if (!start || !size) /* discarded by the linker */
		return 0;
	return answer(q, nq, out, start, size);
}

int tt_ehframe_lookup(struct tt_elfview *ev, const uint64_t *q, size_t nq,
		      struct tt_fnbound *out, size_t window,
		      struct tt_ehframe_stats *st)
{
	struct cie_cache cache;
	struct win w = { ev, NULL, 0, 0, 0 };
	uint64_t off = 0;
	size_t answered = 0;
	int ret = 0;

	memset(out, 0, nq * sizeof(*out));
	memset(&cache, 0, sizeof(cache));
	if (!ev->eh_size || !nq)
		return 0;
	w.cap = window ? window : TT_EHFRAME_WINDOW;
	if (w.cap < RECORD_HEAD)
		w.cap = RECORD_HEAD;
	if (w.cap > ev->eh_size)
		w.cap = (size_t)ev->eh_size;
	w.buf = malloc(w.cap);
	if (!w.buf)
		return -ENOMEM;
	while (answered < nq && ev->eh_size - off >= 4) {
		const uint8_t *p;
		size_t avail;
		uint64_t len, body;
		struct rd r;

		ret = win_get(&w, off, RECORD_HEAD, &p, &avail);
		if (ret)
			break;
		r = (struct rd){ p, p + (avail < RECORD_HEAD ? avail : RECORD_HEAD), 0 };
		len = rd_fixed(&r, 4);
		if (len == 0)
			break; /* terminator */
		if (len == 0xffffffffu)
			len = rd_fixed(&r, 8);
		body = off + (uint64_t)(r.p - p);
		if (r.err || len < 4 || len > ev->eh_size - body) {
			st->truncated++;
			break;
		}
		if (len < (uint64_t)(r.end - r.p))
			r.end = r.p + len;
		if (r.end - r.p >= 4 && !r.p[0] && !r.p[1] && !r.p[2] && !r.p[3]) {
			uint8_t enc = 0; /* a CIE: its FDEs follow */
			int ok = !cie_body(&r, &enc);

			cache_put(&cache, off, enc, ok);
		} else {
			answered += take_fde(ev, &cache, body, &r, q, nq, out, st);
		}
		off = body + len;
	}
	free(w.buf);
	return ret ? ret : (int)answered;
}
