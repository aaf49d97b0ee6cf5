// SPDX-License-Identifier: MIT
/*
 * BoringSSL linked statically without symbols (Bun, so Claude Code).
 * OPENSSL_PUT_ERROR(SSL, reason) is ERR_put_error(ERR_LIB_SSL = 16, 0,
 * reason, __FILE__, __LINE__): every error site in ssl/ssl_lib.cc loads the
 * file name (rcx) and the reason (edx) right before the call. Line numbers
 * change with each BoringSSL update; the reason codes are public API
 * (include/openssl/ssl.h). A function is known by the reasons it raises
 * with that file name:
 *
 *   SSL_write                {66, 226, 111} SHOULD_NOT_HAVE_BEEN_CALLED,
 *                                           UNINITIALIZED, BAD_LENGTH
 *   ssl_read_impl (static)   {226, 215}, not 111/291/66
 *   SSL_read (SSL_peek       {66} and a call to ssl_read_impl, or all of
 *     inlined)               {66, 226, 215} when that is inlined
 *   SSL_set_tlsext_host_name {213}          SSL3_EXT_INVALID_SERVERNAME
 *   SSL_do_handshake         {134}          CONNECTION_TYPE_NOT_SET
 *   SSL_shutdown             {226, 291}     APPLICATION_DATA_ON_SHUTDOWN
 *
 * Bun builds this code without unwind tables: the entry is the nearest
 * 16-byte aligned "push rbp; mov rbp, rsp" below the references, accepted
 * only when the sweep from it lands on every reference and some direct
 * call or jmp in the program reaches it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "binary/sslfind_impl.h"
#include "util/sorted.h"

#define ERR_LIB_SSL 16
#define R_SNHBC 66 /* ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED */
#define R_BAD_LENGTH 111
#define R_CONN_TYPE_NOT_SET 134
#define R_SERVERNAME 213
#define R_HS_FAILURE 215
#define R_UNINITIALIZED 226
#define R_APPDATA_SHUTDOWN 291
#define REASONS_MAX 16
#define PATH_BACK 256 /* a source path is shorter */

struct bfunc {
	uint64_t start;
	bool ok;  /* sweep in sync with the references, and called */
	bool fde; /* bounds from .eh_frame, not the prologue scan */
	int reasons[REASONS_MAX];
	size_t nreasons;
	uint64_t calls[TT_X86FN_CALLS_MAX];
	size_t ncalls;
};

/* The start of the C string that ends with the suffix at va. */
static uint64_t string_start(struct sf_ctx *c, uint64_t va)
{
	uint8_t buf[PATH_BACK];
	uint64_t from = va > PATH_BACK ? va - PATH_BACK : 0;
	size_t i = (size_t)(va - from);

	if (tt_elfview_read_va(c->ev, from, buf, i))
		return va;
	while (i > 0 && buf[i - 1])
		i--;
	return from + i;
}

int sf_bssl_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max)
{
	uint64_t at[SF_HITS_PER_NEEDLE];
	size_t m = sf_hits(c, SF_N_BSSL_FILE, at, SF_HITS_PER_NEEDLE);

	for (size_t i = 0; i < m && i < SF_HITS_PER_NEEDLE; i++) {
		uint64_t s = string_start(c, at[i]);

		if (*n == max)
			return -E2BIG;
		c->bssl_files[c->nbssl_files++] = s;
		out[(*n)++] = s;
	}
	qsort(c->bssl_files, c->nbssl_files, sizeof(uint64_t), tt_cmp_u64);
	return 0;
}

static bool has(const struct bfunc *f, int r)
{
	for (size_t i = 0; i < f->nreasons; i++)
		if (f->reasons[i] == r)
			return true;
	return false;
}

static bool calls(const struct bfunc *f, uint64_t to)
{
	for (size_t i = 0; i < f->ncalls; i++)
		if (f->calls[i] == to)
			return true;
	return false;
}

/* Sweeps one referencing function: its reasons, calls and checks. */
static int collect(struct sf_ctx *c, const struct sf_group *g,
		   struct tt_x86sweep *sw, struct bfunc *f)
{
	int ret = sf_sweep(c, g, c->bssl_files, c->nbssl_files, sw);

	memset(f, 0, sizeof(*f));
	f->start = g->start;
	f->fde = g->bounds == SF_B_FDE;
	if (ret)
		return ret == -ENOMEM ? ret : 0;
	f->ok = sw->sync && tt_codescan_branch_target(&c->cs, g->start);
	memcpy(f->calls, sw->calls, sw->ncalls * sizeof(sw->calls[0]));
	f->ncalls = sw->ncalls;
	for (size_t s = 0; s < sw->nsites && f->nreasons < REASONS_MAX; s++) {
		const struct tt_x86site *site = &sw->sites[s];

		if (site->arg[0] == ERR_LIB_SSL && site->arg[2] != TT_X86FN_NO_IMM &&
		    site->arg[2] >= 0 && site->arg[2] < 4096 &&
		    !has(f, (int)site->arg[2]))
			f->reasons[f->nreasons++] = (int)site->arg[2];
	}
	return 0;
}

static bool is_write(const struct bfunc *f)
{
	return has(f, R_SNHBC) && has(f, R_UNINITIALIZED) && has(f, R_BAD_LENGTH);
}

static bool is_read_impl(const struct bfunc *f)
{
	return has(f, R_UNINITIALIZED) && has(f, R_HS_FAILURE) &&
	       !has(f, R_BAD_LENGTH) && !has(f, R_APPDATA_SHUTDOWN) &&
	       !has(f, R_SNHBC);
}

static bool is_sni(const struct bfunc *f) { return has(f, R_SERVERNAME); }
static bool is_handshake(const struct bfunc *f) { return has(f, R_CONN_TYPE_NOT_SET); }
static bool is_shutdown(const struct bfunc *f) { return has(f, R_APPDATA_SHUTDOWN); }

/* Index of the one function matching pred; -1 none, -2 several. */
static int pick(const struct bfunc *fn, size_t n, bool (*pred)(const struct bfunc *))
{
	int found = -1;

	for (size_t i = 0; i < n; i++)
		if (pred(&fn[i]))
			found = found == -1 ? (int)i : -2;
	return found;
}

/*
 * SSL_read raises SHOULD_NOT_HAVE_BEEN_CALLED and reads through
 * ssl_read_impl (called, or inlined: then it raises 226 and 215 itself).
 * SSL_peek has the same shape; SSL_read calls SSL_peek when that is not
 * inlined, so of two matches the caller wins.
 */
static int pick_read(const struct bfunc *fn, size_t n, int impl)
{
	int cand[4], nc = 0;

	for (size_t i = 0; i < n && nc < 4; i++) {
		const struct bfunc *f = &fn[i];

		if (!has(f, R_SNHBC) || has(f, R_BAD_LENGTH) || has(f, R_APPDATA_SHUTDOWN))
			continue;
		if ((impl >= 0 && calls(f, fn[impl].start)) ||
		    (has(f, R_UNINITIALIZED) && has(f, R_HS_FAILURE)))
			cand[nc++] = (int)i;
	}
	if (nc == 1)
		return cand[0];
	for (int a = 0; a < nc; a++)
		for (int b = 0; b < nc; b++)
			if (a != b && calls(&fn[cand[a]], fn[cand[b]].start))
				return cand[a];
	return nc ? -2 : -1;
}

static int report(struct sf_ctx *c, const struct bfunc *fn, int i,
		  unsigned kind, const char *name)
{
	if (i == -2 || (i >= 0 && !fn[i].ok))
		c->res->rejected++;
	if (i < 0 || !fn[i].ok)
		return 0;
	return sf_add(c, TT_SSLFIND_BORINGSSL, kind, name, fn[i].start, 0,
		      fn[i].fde ? TT_SSLFIND_F_FDE : 0);
}

int sf_bssl_find(struct sf_ctx *c)
{
	struct sf_group *g = calloc(SF_GROUPS_MAX, sizeof(*g));
	struct bfunc *fn = calloc(SF_GROUPS_MAX, sizeof(*fn));
	struct tt_x86sweep *sw = malloc(sizeof(*sw));
	size_t ng = 0;
	int ret = -ENOMEM, impl;

	if (!g || !fn || !sw)
		goto out;
	ret = 0;
	if (c->nbssl_files)
		ng = sf_groups(c, c->bssl_files, c->nbssl_files, -1, g, SF_GROUPS_MAX);
	for (size_t i = 0; i < ng && !ret; i++)
		ret = collect(c, &g[i], sw, &fn[i]);
	if (ret || !ng)
		goto out;
	c->res->libs |= 1u << TT_SSLFIND_BORINGSSL;
	impl = pick(fn, ng, is_read_impl);
	report(c, fn, pick(fn, ng, is_write), TT_SSLFIND_WRITE, "SSL_write");
	report(c, fn, pick_read(fn, ng, impl), TT_SSLFIND_READ, "SSL_read");
	report(c, fn, pick(fn, ng, is_sni), TT_SSLFIND_SET_HOST,
	       "SSL_set_tlsext_host_name");
	report(c, fn, pick(fn, ng, is_handshake), TT_SSLFIND_HANDSHAKE,
	       "SSL_do_handshake");
	report(c, fn, pick(fn, ng, is_shutdown), TT_SSLFIND_SHUTDOWN,
	       "SSL_shutdown");
out:
	free(g);
	free(fn);
	free(sw);
	return ret;
}
