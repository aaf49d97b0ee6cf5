// SPDX-License-Identifier: MIT
/*
 * Functions known by their OPENSSL_PUT_ERROR sites (sslfind_impl.h), for
 * the BoringSSL finder (ssl/ssl_lib.cc, ERR_LIB_SSL) and the aws-lc one
 * (crypto/fipsmodule/cipher/aead.c, ERR_LIB_CIPHER): the file name's
 * string, the functions loading it, and the reason codes each raises.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "binary/sslfind_impl.h"
#include "util/sorted.h"

#define PATH_BACK 256 /* a source path is shorter */

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

int sf_file_anchors(struct sf_ctx *c, int needle, uint64_t *files,
		    size_t *nfiles, uint64_t *out, size_t *n, size_t max)
{
	uint64_t at[SF_HITS_PER_NEEDLE];
	size_t m = sf_hits(c, needle, at, SF_HITS_PER_NEEDLE);

	for (size_t i = 0; i < m && i < SF_HITS_PER_NEEDLE; i++) {
		uint64_t s = string_start(c, at[i]);

		if (*n == max)
			return -E2BIG;
		files[(*nfiles)++] = s;
		out[(*n)++] = s;
	}
	qsort(files, *nfiles, sizeof(uint64_t), tt_cmp_u64);
	return 0;
}

bool sf_errfn_has(const struct sf_errfn *f, int r)
{
	for (size_t i = 0; i < f->nreasons; i++)
		if (f->reasons[i] == r)
			return true;
	return false;
}

/* Sweeps one referencing function: its reasons, calls and checks. */
static int collect(struct sf_ctx *c, const uint64_t *files, size_t nf,
		   int lib, bool called, const struct sf_group *g,
		   struct sf_errfn *f)
{
	struct tt_x86sweep *sw = f->sw;
	int ret = sf_sweep(c, g, files, nf, sw);

	f->start = g->start;
	f->fde = g->bounds == SF_B_FDE;
	if (ret)
		return ret == -ENOMEM ? ret : 0;
	f->ok = sw->sync && (!called || tt_codescan_branch_target(&c->cs, g->start));
	for (size_t s = 0; s < sw->nsites && f->nreasons < SF_REASONS_MAX; s++) {
		const struct tt_x86site *site = &sw->sites[s];

		if (site->arg[0] == lib && site->arg[2] != TT_X86FN_NO_IMM &&
		    site->arg[2] >= 0 && site->arg[2] < 4096 &&
		    !sf_errfn_has(f, (int)site->arg[2]))
			f->reasons[f->nreasons++] = (int)site->arg[2];
	}
	return 0;
}

void sf_errset_free(struct sf_errset *set)
{
	if (set)
		free(set->fn[0].sw);
	free(set);
}

int sf_errset_collect(struct sf_ctx *c, const uint64_t *files, size_t nf,
		      int lib, bool called, struct sf_errset **out)
{
	struct sf_errset *s = calloc(1, sizeof(*s));
	struct tt_x86sweep *sw = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (nf)
		s->n = sf_groups(c, files, nf, -1, s->g, SF_GROUPS_MAX);
	if (!s->n) {
		free(s);
		return 0;
	}
	sw = calloc(s->n, sizeof(*sw));
	if (!sw)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		s->fn[i].sw = &sw[i];
	ret = 0;
	for (size_t i = 0; i < s->n && !ret; i++)
		ret = collect(c, files, nf, lib, called, &s->g[i], &s->fn[i]);
out:
	if (ret) {
		free(sw);
		free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int sf_errset_pick(const struct sf_errset *s,
		   bool (*pred)(const struct sf_errfn *, const void *),
		   const void *arg)
{
	int found = -1;

	for (size_t i = 0; i < s->n; i++)
		if (pred(&s->fn[i], arg))
			found = found == -1 ? (int)i : -2;
	return found;
}

int sf_errset_report(struct sf_ctx *c, unsigned lib, const struct sf_errset *s,
		     int i, unsigned kind, const char *name)
{
	const struct sf_errfn *f = i >= 0 ? &s->fn[i] : NULL;

	if (i == -2 || (f && !f->ok))
		c->res->rejected++;
	if (!f || !f->ok)
		return 0;
	return sf_add(c, lib, kind, name, f->start, 0,
		      f->fde ? TT_SSLFIND_F_FDE : 0);
}
