// SPDX-License-Identifier: MIT
/*
 * The passes over one executable (sslfind_impl.h), the shared helpers of
 * the library finders, the description line and the cache by build.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "binary/sslfind_impl.h"
#include "util/sorted.h"

#define NEEDLE(s, f) { s, sizeof(s) - 1, f }

static const struct tt_needle needles[SF_NEEDLES] = {
	[SF_N_WRITE_INT] = NEEDLE("ssl_write_internal", TT_NEEDLE_NUL),
	[SF_N_READ_INT] = NEEDLE("ssl_read_internal", TT_NEEDLE_NUL),
	[SF_N_WRITE] = NEEDLE("SSL_write", TT_NEEDLE_NUL),
	[SF_N_READ] = NEEDLE("SSL_read", TT_NEEDLE_NUL),
	[SF_N_CTRL] = NEEDLE("ssl3_ctrl", TT_NEEDLE_NUL),
	[SF_N_SHUTDOWN] = NEEDLE("SSL_shutdown", TT_NEEDLE_NUL),
	[SF_N_OSSL_VERSION] = NEEDLE("OpenSSL 3.", 0),
	[SF_N_BSSL_FILE] = NEEDLE("/ssl/ssl_lib.cc", TT_NEEDLE_NUL),
	[SF_N_AWSLC_AEAD] = NEEDLE("/crypto/fipsmodule/cipher/aead.c",
				   TT_NEEDLE_NUL),
	[SF_N_RS_VECBUF] = NEEDLE("/src/vecbuf.rs", 0),
	[SF_N_RS_FRAG] = NEEDLE("/src/msgs/fragmenter.rs", 0),
	[SF_N_RS_RECORD] = NEEDLE("/src/record_layer.rs", 0),
	[SF_N_RS_CONSUME] = NEEDLE("illegal `BufRead::consume` usage", 0),
};

#define ANCHORS_MAX (SF_NEEDLES * SF_HITS_PER_NEEDLE + SF_LOCS_MAX)

size_t sf_hits(const struct sf_ctx *c, int needle, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nhits; i++) {
		if (c->hits[i].needle != needle)
			continue;
		if (n < max)
			out[n] = c->hits[i].va;
		n++;
	}
	qsort(out, n < max ? n : max, sizeof(*out), tt_cmp_u64);
	return n;
}

int sf_group_at(const struct sf_group *g, size_t n, uint64_t start)
{
	for (size_t i = 0; i < n; i++)
		if (g[i].start == start)
			return (int)i;
	return -1;
}

size_t sf_groups(struct sf_ctx *c, const uint64_t *targets, size_t nt,
		 int reg, struct sf_group *g, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nrefs; i++) {
		const struct sf_ref *r = &c->refs[i];
		int k;

		if (!r->bounds || (reg >= 0 && r->reg != reg) ||
		    !tt_sorted_has(targets, nt, r->target))
			continue;
		k = sf_group_at(g, n, r->fstart);
		if (k < 0) {
			if (n == max) {
				c->res->stats.dropped++;
				continue;
			}
			k = (int)n++;
			memset(&g[k], 0, sizeof(g[k]));
			g[k].start = r->fstart;
			g[k].size = r->fsize;
			g[k].bounds = r->bounds;
		}
		if (g[k].nref < SF_GROUP_REFS)
			g[k].ref[g[k].nref++] = (uint32_t)i;
	}
	return n;
}

int sf_sweep(struct sf_ctx *c, const struct sf_group *g,
	     const uint64_t *anchors, size_t na, struct tt_x86sweep *out)
{
	uint64_t refs[SF_GROUP_REFS];
	size_t nr = 0;

	for (size_t i = 0; i < g->nref; i++) {
		uint64_t insn = c->refs[g->ref[i]].insn;

		if (!nr || refs[nr - 1] != insn)
			refs[nr++] = insn;
	}
	c->res->stats.funcs_swept++;
	return tt_x86fn_sweep(&c->dis, c->ev, g->start, g->size, anchors, na,
			      refs, nr, out);
}

int sf_add(struct sf_ctx *c, unsigned lib, unsigned kind, const char *name,
	   uint64_t va, unsigned count_arg, unsigned flags)
{
	struct tt_sslfind_result *res = c->res;
	struct tt_sslfind_func *f;
	uint64_t off;

	if (tt_elfview_va2off(c->ev, va, 1, true, &off)) {
		res->rejected++;
		return 0;
	}
	if (res->n == TT_SSLFIND_FUNCS_MAX) {
		res->stats.dropped++;
		return 0;
	}
	f = &res->fn[res->n++];
	*f = (struct tt_sslfind_func){ va, off, name, (uint8_t)lib,
				       (uint8_t)kind, (uint8_t)count_arg,
				       (uint8_t)flags };
	return 0;
}

/* The function of every reference with no FDE: for BoringSSL's (built
 * without unwind tables) the frame-pointer prologue; others stay without. */
static int prologue_bounds(struct sf_ctx *c)
{
	for (size_t i = 0; i < c->nrefs; i++) {
		struct sf_ref *r = &c->refs[i];
		uint64_t entry;
		int ret;

		if (r->bounds || !tt_sorted_has(c->bssl_files, c->nbssl_files, r->target))
			continue;
		ret = tt_x86fn_fp_entry(c->ev, r->insn, &entry);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		r->fstart = entry;
		r->fsize = 0;
		r->bounds = SF_B_PROLOGUE;
	}
	return 0;
}

/* Copies the scan's references and finds the function holding each. */
static int resolve_refs(struct sf_ctx *c)
{
	struct tt_ehframe_stats est = { 0 };
	struct tt_fnbound *fb = NULL;
	uint64_t *q = NULL, off;
	size_t nq = 0;
	int ret = -ENOMEM;

	c->nrefs = c->cs.nrefs;
	c->refs = calloc(c->nrefs ? c->nrefs : 1, sizeof(*c->refs));
	q = calloc(c->nrefs ? c->nrefs : 1, sizeof(*q));
	fb = calloc(c->nrefs ? c->nrefs : 1, sizeof(*fb));
	if (!c->refs || !q || !fb)
		goto out;
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct tt_coderef *r = &c->cs.refs[i];

		c->refs[i] = (struct sf_ref){ r->insn, r->target, 0, 0, r->reg, 0 };
		if (!nq || q[nq - 1] != r->insn) /* the scan gives file order */
			q[nq++] = r->insn;
	}
	qsort(q, nq, sizeof(*q), tt_cmp_u64);
	ret = tt_ehframe_lookup(c->ev, q, nq, fb, c->opts->eh_window, &est);
	c->res->stats.fdes = est.fdes;
	c->res->stats.eh_errors = est.bad_records + est.truncated;
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < c->nrefs; i++) {
		struct sf_ref *r = &c->refs[i];
		const uint64_t *at = bsearch(&r->insn, q, nq, sizeof(*q), tt_cmp_u64);
		const struct tt_fnbound *b = at ? &fb[at - q] : NULL;

		/* An FDE may say anything: its start must be code. */
		if (b && b->size &&
		    !tt_elfview_va2off(c->ev, b->start, 1, true, &off)) {
			r->fstart = b->start;
			r->fsize = b->size;
			r->bounds = SF_B_FDE;
		}
	}
	ret = prologue_bounds(c);
out:
	free(q);
	free(fb);
	return ret;
}

/* Every library's anchors, and one code scan for all of them. */
static int scan_code(struct sf_ctx *c)
{
	uint64_t anchors[ANCHORS_MAX];
	struct tt_scan_stats st = { 0 };
	size_t n = 0;
	int ret;

	ret = sf_ossl_anchors(c, anchors, &n, ANCHORS_MAX);
	if (!ret)
		ret = sf_bssl_anchors(c, anchors, &n, ANCHORS_MAX);
	if (!ret)
		ret = sf_rustls_anchors(c, anchors, &n, ANCHORS_MAX);
	if (!ret)
		ret = sf_awslc_anchors(c, anchors, &n, ANCHORS_MAX);
	if (ret || !n)
		return ret;
	c->cs.anchors = anchors;
	c->cs.nanchors = n;
	/* Callers of BoringSSL entries: a check of the prologue scan. */
	c->cs.branches = c->nbssl_files > 0;
	ret = tt_codescan_run(c->ev, &c->cs, c->opts->chunk, &st);
	c->cs.anchors = NULL;
	c->res->stats.bytes_scanned += st.bytes_scanned;
	c->res->stats.dropped += st.refs_dropped + st.hits_dropped;
	c->res->stats.refs = c->cs.nrefs;
	return ret;
}

int tt_sslfind_view(struct tt_elfview *ev, const struct tt_sslfind_opts *opts,
		    struct tt_sslfind_result *res)
{
	static const struct tt_sslfind_opts defaults;
	struct tt_scan_stats st = { 0 };
	struct sf_ctx *c = calloc(1, sizeof(*c));
	uint64_t read0 = ev->bytes_read;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!c)
		return -ENOMEM;
	c->ev = ev;
	c->opts = opts ? opts : &defaults;
	c->res = res;
	ret = tt_scan_strings(ev, needles, SF_NEEDLES, SF_HITS_PER_NEEDLE,
			      c->hits, sizeof(c->hits) / sizeof(c->hits[0]),
			      &c->nhits, c->opts->chunk, &st);
	res->stats.bytes_scanned = st.bytes_scanned;
	res->stats.dropped = st.hits_dropped;
	if (ret || !c->nhits)
		goto out; /* the common case: no TLS library in this program */
	ret = tt_x86fn_init(&c->dis);
	if (!ret)
		ret = scan_code(c);
	if (!ret && c->cs.nrefs)
		ret = resolve_refs(c);
	if (!ret && c->nrefs)
		ret = sf_ossl_find(c);
	if (!ret && c->nrefs)
		ret = sf_bssl_find(c);
	if (!ret && c->nrefs)
		ret = sf_rustls_find(c);
	if (!ret && c->nrefs)
		ret = sf_awslc_find(c);
out:
	res->stats.bytes_read = ev->bytes_read - read0;
	tt_codescan_free(&c->cs);
	tt_x86fn_fini(&c->dis);
	free(c->refs);
	free(c);
	if (ret)
		res->n = 0;
	return ret;
}

int tt_sslfind_fd(int fd, const struct tt_sslfind_opts *opts,
		  struct tt_sslfind_result *res)
{
	struct tt_elfview ev;
	int ret = tt_elfview_open(&ev, fd, NULL, 0);

	if (ret) {
		memset(res, 0, sizeof(*res));
		return ret;
	}
	return tt_sslfind_view(&ev, opts, res);
}

int tt_sslfind_mem(const void *mem, size_t size,
		   const struct tt_sslfind_opts *opts,
		   struct tt_sslfind_result *res)
{
	struct tt_elfview ev;
	int ret = tt_elfview_open(&ev, -1, mem, size);

	if (ret) {
		memset(res, 0, sizeof(*res));
		return ret;
	}
	return tt_sslfind_view(&ev, opts, res);
}

int tt_sslfind_describe(const struct tt_sslfind_result *res, unsigned lib,
			char *buf, size_t len)
{
	bool fde = false, prologue = false;

	if (len)
		buf[0] = '\0';
	if (!(res->libs & (1u << lib)))
		return 0;
	for (size_t i = 0; i < res->n; i++) {
		if (res->fn[i].lib != lib)
			continue;
		fde |= res->fn[i].flags & TT_SSLFIND_F_FDE;
		prologue |= !(res->fn[i].flags & TT_SSLFIND_F_FDE);
	}
	switch (lib) {
	case TT_SSLFIND_OPENSSL:
		return snprintf(buf, len, "OpenSSL %s stripped, found via ERR "
				"__func__ names in rdx, %s", res->openssl_version[0] ?
				res->openssl_version : "3.x", fde ? ".eh_frame bounds" :
				"no function found");
	case TT_SSLFIND_BORINGSSL:
		return snprintf(buf, len, "BoringSSL stripped, found via ssl_lib.cc "
				"error reasons, %s", prologue ? "frame-pointer prologues" :
				fde ? ".eh_frame bounds" : "no function found");
	case TT_SSLFIND_RUSTLS:
		return snprintf(buf, len, "rustls %s stripped, found via panic "
				"Locations, %s",
				res->rustls_version, fde ? ".eh_frame bounds" :
				"no function found");
	case TT_SSLFIND_AWSLC:
		return snprintf(buf, len, "aws-lc AEAD (rustls's crypto) stripped, "
				"found via CIPHER error sites of aead.c, %s",
				fde ? ".eh_frame bounds" : "no function found");
	}
	return 0;
}

/* The worker an OpenSSL SSL_write / SSL_read wrapper passes its bytes to. */
static const char *ossl_worker(const struct tt_sslfind_func *f)
{
	return f->kind == TT_SSLFIND_WRITE ? "ssl_write_internal"
					   : "ssl_read_internal";
}

int tt_sslfind_func_how(const struct tt_sslfind_func *f, char *buf, size_t len)
{
	const char *bounds = f->flags & TT_SSLFIND_F_FDE ? ".eh_frame bounds"
							 : "frame-pointer prologue";

	switch (f->lib) {
	case TT_SSLFIND_OPENSSL:
		if (f->flags & TT_SSLFIND_F_WRAPPER)
			return snprintf(buf, len, "loads \"%s\" (ERR __func__) into "
					"rdx and calls %s, which is probed instead; %s",
					f->name, ossl_worker(f), bounds);
		if (f->flags & TT_SSLFIND_F_INLINED &&
		    (f->kind == TT_SSLFIND_WRITE || f->kind == TT_SSLFIND_READ))
			return snprintf(buf, len, "loads \"%s\" and the inlined "
					"\"%s\" (ERR __func__) into rdx; %s", f->name,
					ossl_worker(f), bounds);
		if (f->kind == TT_SSLFIND_WRITE_EX || f->kind == TT_SSLFIND_READ_EX)
			return snprintf(buf, len, "loads \"%s\" (ERR __func__) into "
					"rdx%s; count pointer in argument %u (read "
					"from the code); %s", f->name,
					f->flags & TT_SSLFIND_F_INLINED ?
					", one of several inlined copies" : "",
					f->count_arg + 1, bounds);
		return snprintf(buf, len, "loads \"%s\" (ERR __func__) into rdx; %s",
				f->name, bounds);
	case TT_SSLFIND_BORINGSSL:
		return snprintf(buf, len, "OPENSSL_PUT_ERROR sites naming "
				"ssl/ssl_lib.cc with %s's set of reason codes, "
				"checked by disassembly and callers; %s", f->name,
				bounds);
	case TT_SSLFIND_RUSTLS:
		return snprintf(buf, len, "%s; %s", f->kind == TT_SSLFIND_RUST_SEND ?
				"the one function loading panic Locations of both "
				"rustls's fragmenter and record layer" :
				"the one function loading the consume_first_chunk "
				"panic message and a vecbuf.rs Location", bounds);
	case TT_SSLFIND_AWSLC:
		/* doctor's buffer is 192 bytes: short. */
		return snprintf(buf, len, "its set of CIPHER reason codes at "
				"aead.c's OPENSSL_PUT_ERROR sites; reads in, in_len "
				"(stack), calls ctx->aead->%s; %s",
				f->kind == TT_SSLFIND_AEAD_OPEN ? "open" :
				"seal_scatter", bounds);
	}
	if (len)
		buf[0] = '\0';
	return 0;
}

/* ---- results by build ---- */

int tt_sslfind_key(int fd, const struct tt_elfview *ev,
		   struct tt_sslfind_key *key)
{
	struct stat st;
	uint64_t v[5];

	memset(key, 0, sizeof(*key));
	if (ev && ev->build_id_len) {
		key->by_build_id = 1;
		key->len = (uint8_t)ev->build_id_len;
		memcpy(key->id, ev->build_id, ev->build_id_len);
		return 0;
	}
	if (fstat(fd, &st))
		return -errno;
	v[0] = st.st_dev;
	v[1] = st.st_ino;
	v[2] = (uint64_t)st.st_size;
	v[3] = (uint64_t)st.st_mtim.tv_sec;
	v[4] = (uint64_t)st.st_mtim.tv_nsec;
	key->len = sizeof(v);
	memcpy(key->id, v, sizeof(v));
	return 0;
}

static bool key_eq(const struct tt_sslfind_key *a, const struct tt_sslfind_key *b)
{
	return a->len == b->len && a->by_build_id == b->by_build_id &&
	       !memcmp(a->id, b->id, a->len);
}

const struct tt_sslfind_result *
tt_sslfind_cache_get(struct tt_sslfind_cache *c, const struct tt_sslfind_key *key)
{
	for (size_t i = 0; i < c->n; i++) {
		if (key_eq(&c->e[i].key, key)) {
			c->hits++;
			return &c->e[i].res;
		}
	}
	c->misses++;
	return NULL;
}

void tt_sslfind_cache_put(struct tt_sslfind_cache *c,
			  const struct tt_sslfind_key *key,
			  const struct tt_sslfind_result *res)
{
	size_t i;

	for (i = 0; i < c->n && !key_eq(&c->e[i].key, key); i++)
		;
	if (i == c->n) {
		if (c->n < TT_SSLFIND_CACHE_MAX) {
			i = c->n++;
		} else {
			i = c->next++ % TT_SSLFIND_CACHE_MAX; /* the oldest */
			c->evictions++;
		}
	}
	c->e[i].key = *key;
	c->e[i].res = *res;
}
