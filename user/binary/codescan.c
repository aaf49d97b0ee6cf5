// SPDX-License-Identifier: MIT
/*
 * Chunked linear scans of an ELF file's regions: see codescan.h. Each
 * chunk is read with one tt_elfview_read; consecutive chunks overlap by
 * the longest pattern, and each chunk but a region's first also carries
 * one byte of look-behind, so a match depends only on the bytes around
 * it, never on where a chunk ended.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "binary/codescan.h"

#define LOC_SIZE 24
#define BLOOM_BITS 1024

typedef void (*chunk_fn)(void *ctx, const uint8_t *p, size_t n, size_t from,
			 size_t limit, uint64_t va);

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * Calls fn for region r in chunks: p[0, n) holds file bytes from va on;
 * fn reports matches starting at positions [from, limit) only (p[from - 1]
 * is the look-behind byte when from is 1). overlap: bytes after a
 * position a match may need.
 */
static int each_chunk(struct tt_elfview *ev, const struct tt_region *r,
		      size_t chunk, size_t overlap, chunk_fn fn, void *ctx,
		      struct tt_scan_stats *st)
{
	size_t cap = chunk ? chunk : TT_CODESCAN_CHUNK;
	uint64_t pos = 0;
	uint8_t *buf;
	int ret = 0;

	if (cap < 2 * overlap + 2)
		cap = 2 * overlap + 2;
	if (cap > r->size + 1)
		cap = (size_t)r->size + 1; /* one read holds the region */
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while (pos < r->size) {
		size_t back = pos ? 1 : 0;
		uint64_t rest = r->size - pos + back;
		size_t n = rest < cap ? (size_t)rest : cap;
		size_t limit = n == rest ? n : n - overlap;

		ret = tt_elfview_read(ev, r->off + pos - back, buf, n);
		if (ret)
			break;
		fn(ctx, buf, n, back, limit, r->va + pos - back);
		st->bytes_scanned += limit - back;
		pos += limit - back;
	}
	free(buf);
	return ret;
}

/* ---- strings ---- */

struct str_ctx {
	const struct tt_needle *nd;
	size_t nn, per_needle, cap, *nhits;
	uint32_t *key;
	size_t *count;
	uint64_t bloom[BLOOM_BITS / 64];
	struct tt_strhit *hits;
	struct tt_scan_stats *st;
};

static uint32_t bloom_hash(uint32_t w)
{
	return (w * 0x9E3779B1u) >> 22; /* 10 bits */
}

static void str_at(struct str_ctx *c, const uint8_t *p, size_t n, size_t i,
		   uint64_t va, uint32_t w)
{
	for (size_t k = 0; k < c->nn; k++) {
		const struct tt_needle *d = &c->nd[k];
		size_t need = d->len + (d->flags & TT_NEEDLE_NUL ? 1u : 0u);

		if (c->key[k] != w || need > n - i || memcmp(p + i, d->s, d->len) ||
		    ((d->flags & TT_NEEDLE_NUL) && p[i + d->len]))
			continue;
		if (c->count[k] >= c->per_needle || *c->nhits >= c->cap) {
			c->st->hits_dropped++;
			continue;
		}
		c->count[k]++;
		c->hits[(*c->nhits)++] = (struct tt_strhit){ va + i, (uint16_t)k };
	}
}

static void str_chunk(void *arg, const uint8_t *p, size_t n, size_t from,
		      size_t limit, uint64_t va)
{
	struct str_ctx *c = arg;

	for (size_t i = from; i < limit && n - i >= 4; i++) {
		uint32_t w = le32(p + i), h = bloom_hash(w);

		if (c->bloom[h / 64] >> (h % 64) & 1)
			str_at(c, p, n, i, va, w);
	}
}

int tt_scan_strings(struct tt_elfview *ev, const struct tt_needle *nd,
		    size_t nn, size_t per_needle, struct tt_strhit *hits,
		    size_t cap, size_t *nhits, size_t chunk,
		    struct tt_scan_stats *st)
{
	struct str_ctx c = { nd, nn, per_needle, cap, nhits, NULL, NULL, { 0 },
			     hits, st };
	size_t longest = 0;
	int ret = 0;

	*nhits = 0;
	if (nn > 65535)
		return -EINVAL;
	c.key = calloc(nn ? nn : 1, sizeof(*c.key));
	c.count = calloc(nn ? nn : 1, sizeof(*c.count));
	if (!c.key || !c.count) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < nn; k++) {
		uint32_t h;

		if (nd[k].len < TT_NEEDLE_MIN) {
			ret = -EINVAL;
			goto out;
		}
		c.key[k] = le32((const uint8_t *)nd[k].s);
		h = bloom_hash(c.key[k]);
		c.bloom[h / 64] |= 1ull << (h % 64);
		if (nd[k].len + 1u > longest)
			longest = nd[k].len + 1u;
	}
	for (size_t r = 0; r < ev->nreg && !ret; r++)
		if (ev->reg[r].kind == TT_REGION_RODATA)
			ret = each_chunk(ev, &ev->reg[r], chunk, longest, str_chunk,
					 &c, st);
out:
	free(c.key);
	free(c.count);
	return ret;
}

/* ---- Rust panic Locations ---- */

struct loc_ctx {
	const uint64_t *ends;
	size_t nends, cap, *n;
	struct tt_rustloc *out;
	struct tt_scan_stats *st;
};

static bool is_end(const struct loc_ctx *c, uint64_t v)
{
	for (size_t i = 0; i < c->nends; i++)
		if (c->ends[i] == v)
			return true;
	return false;
}

static void loc_chunk(void *arg, const uint8_t *p, size_t n, size_t from,
		      size_t limit, uint64_t va)
{
	struct loc_ctx *c = arg;
	size_t i = from + ((8 - (va + from) % 8) % 8);

	for (; i < limit && n - i >= LOC_SIZE; i += 8) {
		uint64_t len = le64(p + i + 8), ptr;
		uint32_t line, col;

		if (len < 16 || len > 512)
			continue;
		ptr = le64(p + i);
		line = le32(p + i + 16);
		col = le32(p + i + 20);
		if (!line || line > 100000 || col > 1000 || !is_end(c, ptr + len))
			continue;
		if (*c->n >= c->cap) {
			c->st->hits_dropped++;
			continue;
		}
		c->out[(*c->n)++] = (struct tt_rustloc){ va + i, ptr + len, line, col };
	}
}

int tt_scan_locations(struct tt_elfview *ev, const uint64_t *ends,
		      size_t nends, struct tt_rustloc *out, size_t cap,
		      size_t *n, size_t chunk, struct tt_scan_stats *st)
{
	struct loc_ctx c = { ends, nends, cap, n, out, st };
	int ret = 0;

	*n = 0;
	for (size_t r = 0; r < ev->nreg && !ret && nends; r++)
		if (ev->reg[r].kind != TT_REGION_CODE)
			ret = each_chunk(ev, &ev->reg[r], chunk, LOC_SIZE, loc_chunk,
					 &c, st);
	return ret;
}

/* ---- code ---- */

/* Opcode bytes the code scan stops at. */
enum { CL_NONE, CL_LEA, CL_MOV, CL_BRANCH };

struct code_ctx {
	struct tt_codescan *cs;
	struct tt_scan_stats *st;
	uint8_t cls[256];
};

static uint64_t mix(uint64_t v)
{
	return v * 0x9E3779B97F4A7C15ull;
}

static bool is_anchor(const struct tt_codescan *cs, uint64_t v)
{
	if (v < cs->set_lo || v > cs->set_hi)
		return false; /* the common case, and 0: the empty slot's value */
	for (size_t i = mix(v) >> 32 & cs->set_mask;; i = (i + 1) & cs->set_mask) {
		if (cs->set[i] == v)
			return true;
		if (!cs->set[i])
			return false;
	}
}

static void add_ref(struct code_ctx *c, uint64_t insn, uint64_t target,
		    uint8_t reg, uint8_t kind)
{
	struct tt_codescan *cs = c->cs;

	if (cs->nrefs == cs->refs_cap) {
		size_t cap = cs->refs_cap ? 2 * cs->refs_cap : 64;
		struct tt_coderef *v;

		if (cs->refs_cap >= TT_CODESCAN_REFS_MAX) {
			c->st->refs_dropped++;
			return;
		}
		if (cap > TT_CODESCAN_REFS_MAX)
			cap = TT_CODESCAN_REFS_MAX;
		v = realloc(cs->refs, cap * sizeof(*v));
		if (!v) {
			cs->err = -ENOMEM;
			return;
		}
		cs->refs = v;
		cs->refs_cap = cap;
	}
	cs->refs[cs->nrefs++] = (struct tt_coderef){ insn, target, reg, kind };
}

/* "48/4C 8D modrm(00 reg 101) disp32" with its opcode byte at p[j]. */
static void lea_at(struct code_ctx *c, const uint8_t *p, size_t n, size_t j,
		   uint64_t va)
{
	uint64_t t;

	if (!j || (p[j - 1] != 0x48 && p[j - 1] != 0x4C) || n - j < 6 ||
	    (p[j + 1] & 0xC7) != 0x05)
		return;
	t = va + j + 6 + (uint64_t)(int64_t)(int32_t)le32(p + j + 2);
	if (is_anchor(c->cs, t))
		add_ref(c, va + j - 1, t, (uint8_t)(((p[j + 1] >> 3) & 7) |
						   ((p[j - 1] & 4) << 1)),
			TT_REF_LEA);
}

/* "[41] B8+r imm32" (non-PIE: an absolute address in 32 bits) at p[j]. */
static void mov_at(struct code_ctx *c, const uint8_t *p, size_t n, size_t j,
		   uint64_t va)
{
	bool rexb = j && p[j - 1] == 0x41; /* mov r8d..r15d */
	uint64_t t;

	if (n - j < 5)
		return;
	t = le32(p + j + 1);
	if (is_anchor(c->cs, t))
		add_ref(c, va + j - rexb, t, (uint8_t)((p[j] & 7) | (rexb ? 8 : 0)),
			TT_REF_IMM32);
}

/* "E8/E9 rel32": marks a 16-byte aligned target in the bitmap. */
static void branch_at(struct code_ctx *c, const uint8_t *p, size_t n,
		      size_t j, uint64_t va)
{
	struct tt_codescan *cs = c->cs;
	uint64_t t, bit;

	if (n - j < 5)
		return;
	t = va + j + 5 + (uint64_t)(int64_t)(int32_t)le32(p + j + 1);
	if ((t & 15) || t < cs->bm_lo || t >= cs->bm_hi)
		return;
	bit = (t - cs->bm_lo) >> 4;
	cs->bitmap[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

/* PIE code and no bitmap: only the lea counts, found fastest through
 * its opcode byte with memchr. */
static void lea_chunk(void *arg, const uint8_t *p, size_t n, size_t from,
		      size_t limit, uint64_t va)
{
	const uint8_t *q = p + from, *end = p + limit;

	while (q < end && (q = memchr(q, 0x8D, (size_t)(end - q)))) {
		lea_at(arg, p, n, (size_t)(q - p), va);
		q++;
	}
}

static void code_chunk(void *arg, const uint8_t *p, size_t n, size_t from,
		       size_t limit, uint64_t va)
{
	struct code_ctx *c = arg;

	for (size_t j = from; j < limit; j++) {
		switch (c->cls[p[j]]) {
		case CL_NONE:
			break;
		case CL_LEA:
			lea_at(c, p, n, j, va);
			break;
		case CL_MOV:
			mov_at(c, p, n, j, va);
			break;
		case CL_BRANCH:
			branch_at(c, p, n, j, va);
			break;
		}
	}
}

/* The anchor hash set; 0 or -E2BIG, -ENOMEM. */
static int build_set(struct tt_codescan *cs)
{
	size_t size = 16;

	if (cs->nanchors > TT_CODESCAN_ANCHORS_MAX)
		return -E2BIG;
	while (size < 2 * cs->nanchors)
		size *= 2;
	cs->set = calloc(size, sizeof(*cs->set));
	if (!cs->set)
		return -ENOMEM;
	cs->set_mask = size - 1;
	cs->set_lo = UINT64_MAX;
	cs->set_hi = 0;
	for (size_t k = 0; k < cs->nanchors; k++) {
		uint64_t v = cs->anchors[k];
		size_t i = mix(v) >> 32 & cs->set_mask;

		if (!v)
			continue; /* 0 marks an empty slot; no anchor is at 0 */
		cs->set_lo = v < cs->set_lo ? v : cs->set_lo;
		cs->set_hi = v > cs->set_hi ? v : cs->set_hi;
		while (cs->set[i] && cs->set[i] != v)
			i = (i + 1) & cs->set_mask;
		cs->set[i] = v;
	}
	return 0;
}

/* The bitmap covers the largest code region, and the others as far as
 * the span stays under TT_CODESCAN_SPAN_MAX (headers may place code
 * regions anywhere; real ones lie together). A target outside has no
 * callers, which only ever drops a candidate. */
static int build_bitmap(struct tt_elfview *ev, struct tt_codescan *cs)
{
	const struct tt_region *big = NULL;
	uint64_t lo, hi;

	for (size_t r = 0; r < ev->nreg; r++)
		if (ev->reg[r].kind == TT_REGION_CODE &&
		    (!big || ev->reg[r].size > big->size))
			big = &ev->reg[r];
	if (!big || big->size > TT_CODESCAN_SPAN_MAX)
		return 0;
	lo = big->va;
	hi = big->va + big->size;
	for (size_t r = 0; r < ev->nreg; r++) {
		const struct tt_region *g = &ev->reg[r];
		uint64_t l = g->va < lo ? g->va : lo;
		uint64_t h = g->va + g->size > hi ? g->va + g->size : hi;

		if (g->kind == TT_REGION_CODE && h - l <= TT_CODESCAN_SPAN_MAX) {
			lo = l;
			hi = h;
		}
	}
	cs->bm_lo = lo & ~(uint64_t)15;
	cs->bm_hi = hi;
	cs->bitmap = calloc((size_t)((hi - cs->bm_lo) / 128 + 1), 1);
	return cs->bitmap ? 0 : -ENOMEM;
}

int tt_codescan_run(struct tt_elfview *ev, struct tt_codescan *cs,
		    size_t chunk, struct tt_scan_stats *st)
{
	struct code_ctx c = { cs, st, { 0 } };
	int ret = build_set(cs);

	if (!ret && cs->branches)
		ret = build_bitmap(ev, cs);
	if (ret)
		return ret;
	c.cls[0x8D] = CL_LEA;
	if (!ev->pie) /* absolute 32-bit addresses only without PIE */
		for (int b = 0xB8; b <= 0xBF; b++)
			c.cls[b] = CL_MOV;
	if (cs->bitmap)
		c.cls[0xE8] = c.cls[0xE9] = CL_BRANCH;
	for (size_t r = 0; r < ev->nreg && !ret && !cs->err; r++)
		if (ev->reg[r].kind == TT_REGION_CODE)
			ret = each_chunk(ev, &ev->reg[r], chunk, 7,
					 ev->pie && !cs->bitmap ? lea_chunk : code_chunk,
					 &c, st);
	return ret ? ret : cs->err;
}

bool tt_codescan_branch_target(const struct tt_codescan *cs, uint64_t va)
{
	uint64_t bit;

	if (!cs->bitmap || (va & 15) || va < cs->bm_lo || va >= cs->bm_hi)
		return false;
	bit = (va - cs->bm_lo) >> 4;
	return cs->bitmap[bit >> 3] >> (bit & 7) & 1;
}

void tt_codescan_free(struct tt_codescan *cs)
{
	free(cs->refs);
	free(cs->set);
	free(cs->bitmap);
	cs->refs = NULL;
	cs->set = NULL;
	cs->bitmap = NULL;
	cs->nrefs = cs->refs_cap = 0;
}
