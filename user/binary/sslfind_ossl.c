// SPDX-License-Identifier: MIT
/*
 * OpenSSL 3.x linked statically and stripped. ERR_raise(lib, reason)
 * expands to ERR_new(); ERR_set_debug(OPENSSL_FILE, OPENSSL_LINE,
 * OPENSSL_FUNC); ERR_set_error(...), and OPENSSL_FUNC is __func__: every
 * function that can raise an error loads its own name into rdx. Name
 * string -> the loads of it into rdx -> the FDE holding them -> the entry.
 *
 * Raising functions (3.0 and 3.6 sources): ssl_write_internal and
 * ssl_read_internal (the workers behind SSL_write, SSL_write_ex(2), SSL_read,
 * SSL_read_ex), SSL_write and SSL_read (BAD_LENGTH), ssl3_ctrl (server
 * name errors; SSL_set_tlsext_host_name is SSL_ctrl(s, 55, 0, name), which
 * reaches s->method->ssl_ctrl = ssl3_ctrl), SSL_shutdown. SSL_write_ex,
 * SSL_read_ex, SSL_ctrl and SSL_free raise nothing: no anchor.
 *
 * A worker may be inlined (node's 3.0: into SSL_write and SSL_write_ex,
 * besides the out-of-line copy): then several functions load its name.
 * Each copy is reported with its own signature: the one that also loads
 * the wrapper's name is SSL_write/SSL_read (int num, returns the bytes);
 * the others take (ssl, buf, size_t num, [flags,] size_t *done). Where
 * *done lies is read from the code: 3.3 added a flags argument before it
 * (r8 instead of rcx), and a static link may leave out the version text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "binary/sslfind_impl.h"

#define COPIES_MAX 8
#define ARG_R8 4

struct names {
	uint64_t v[SF_N_SHUTDOWN + 1][SF_HITS_PER_NEEDLE];
	size_t n[SF_N_SHUTDOWN + 1];
	struct sf_group g[SF_N_SHUTDOWN + 1][COPIES_MAX];
	size_t ng[SF_N_SHUTDOWN + 1];
};

int sf_ossl_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max)
{
	uint64_t v[SF_HITS_PER_NEEDLE];

	if (!sf_hits(c, SF_N_WRITE_INT, v, 1) && !sf_hits(c, SF_N_READ_INT, v, 1))
		return 0; /* no OpenSSL worker names: not OpenSSL 3 */
	for (int k = SF_N_WRITE_INT; k <= SF_N_SHUTDOWN; k++) {
		size_t m = sf_hits(c, k, v, SF_HITS_PER_NEEDLE);

		for (size_t i = 0; i < m && i < SF_HITS_PER_NEEDLE; i++) {
			if (*n == max)
				return -E2BIG;
			out[(*n)++] = v[i];
		}
	}
	return 0;
}

/* "OpenSSL 3.6.4 ..." -> version "3.6.4", minor 6; -1 when absent or
 * when the copies of the text disagree. */
static int version_minor(struct sf_ctx *c)
{
	uint64_t at[SF_HITS_PER_NEEDLE];
	size_t n = sf_hits(c, SF_N_OSSL_VERSION, at, SF_HITS_PER_NEEDLE);
	int minor = -1;

	for (size_t i = 0; i < n && i < SF_HITS_PER_NEEDLE; i++) {
		char text[24] = { 0 }, *end;
		long m;
		size_t k;

		if (tt_elfview_read_va(c->ev, at[i], text, sizeof(text) - 1))
			continue;
		m = strtol(text + 10, &end, 10); /* after "OpenSSL 3." */
		if (end == text + 10 || *end != '.' || m < 0 || m > 99)
			continue;
		if (minor >= 0 && m != minor)
			return -1;
		minor = (int)m;
		for (k = 8; k < sizeof(text) - 1 && text[k] && text[k] != ' ' &&
			    k - 8 < sizeof(c->res->openssl_version) - 1; k++)
			;
		memcpy(c->res->openssl_version, text + 8, k - 8);
		c->res->openssl_version[k - 8] = '\0';
	}
	return minor;
}

/* Whether the function of g[i] calls another of g[0, n): 1 yes, 0 no,
 * -ENOENT cannot tell (its code unreadable), -ENOMEM. */
static int calls_other(struct sf_ctx *c, const struct sf_group *g, size_t n,
		       size_t i)
{
	struct tt_x86sweep *sw = malloc(sizeof(*sw));
	int ret;

	if (!sw)
		return -ENOMEM;
	ret = sf_sweep(c, &g[i], NULL, 0, sw);
	if (ret && ret != -ENOMEM)
		ret = -ENOENT;
	for (size_t j = 0; !ret && j < n; j++)
		if (j != i && tt_x86fn_calls(sw, g[j].start))
			ret = 1;
	free(sw);
	return ret;
}

/* One copy of a worker that is not the wrapper: its *done argument. */
static int add_worker(struct sf_ctx *c, const struct sf_group *g, bool write,
		      size_t ncopies, int minor)
{
	int r8 = tt_x86fn_reads_arg(&c->dis, c->ev, g->start, ARG_R8);

	if (r8 == -ENOMEM)
		return r8;
	if (r8 < 0) {
		c->res->rejected++;
		return 0;
	}
	/* ssl_read_internal takes 4 arguments in every 3.x. The one
	 * out-of-line ssl_write_internal must agree with the version text:
	 * no flags up to 3.1, flags from 3.3 (SSL_write_ex2). Inlined copies
	 * take their host's arguments (SSL_write_ex: 4 even in 3.6). */
	if ((!write && r8) ||
	    (write && ncopies == 1 && minor >= 0 &&
	     ((minor <= 1 && r8) || (minor >= 3 && !r8)))) {
		c->res->rejected++;
		return 0;
	}
	return sf_add(c, TT_SSLFIND_OPENSSL,
		      write ? TT_SSLFIND_WRITE_EX : TT_SSLFIND_READ_EX,
		      write ? "ssl_write_internal" : "ssl_read_internal", g->start,
		      r8 ? 4 : 3, TT_SSLFIND_F_FDE |
		      (ncopies > 1 ? TT_SSLFIND_F_INLINED : 0));
}

/* The copies of one worker and its wrapper (write or read direction). */
static int add_direction(struct sf_ctx *c, struct names *nm, bool write,
			 int minor)
{
	int wk = write ? SF_N_WRITE_INT : SF_N_READ_INT;
	int wr = write ? SF_N_WRITE : SF_N_READ;
	const char *wrapper = write ? "SSL_write" : "SSL_read";
	unsigned kind = write ? TT_SSLFIND_WRITE : TT_SSLFIND_READ;
	const struct sf_group *copy = nm->g[wk];
	size_t ncopy = nm->ng[wk];
	int ret = 0;

	for (size_t i = 0; i < ncopy && ret != -ENOMEM; i++) {
		/* A copy calling another would see its bytes twice. */
		ret = ncopy > 1 ? calls_other(c, copy, ncopy, i) : 0;
		if (ret == 1 || ret == -ENOENT)
			c->res->rejected++;
		else if (!ret && sf_group_at(nm->g[wr], nm->ng[wr], copy[i].start) >= 0)
			ret = sf_add(c, TT_SSLFIND_OPENSSL, kind, wrapper, copy[i].start,
				     0, TT_SSLFIND_F_FDE | TT_SSLFIND_F_INLINED);
		else if (!ret)
			ret = add_worker(c, &copy[i], write, ncopy, minor);
	}
	/* Wrappers around an out-of-line copy: reported, not a probe point. */
	for (size_t i = 0; i < nm->ng[wr] && ret != -ENOMEM; i++) {
		struct sf_group both[COPIES_MAX + 1];
		size_t n = ncopy;

		if (sf_group_at(copy, ncopy, nm->g[wr][i].start) >= 0)
			continue;
		memcpy(both, copy, ncopy * sizeof(*copy));
		both[n++] = nm->g[wr][i];
		ret = calls_other(c, both, n, n - 1);
		if (ret == 1)
			ret = sf_add(c, TT_SSLFIND_OPENSSL, kind, wrapper,
				     nm->g[wr][i].start, 0,
				     TT_SSLFIND_F_FDE | TT_SSLFIND_F_WRAPPER);
		else if (ret != -ENOMEM)
			c->res->rejected++;
	}
	return ret == -ENOMEM ? ret : 0;
}

/* A function found by exactly one holder of its name, or nothing. */
static int add_single(struct sf_ctx *c, struct names *nm, int k,
		      unsigned kind, const char *name)
{
	if (nm->ng[k] != 1) {
		c->res->rejected += nm->ng[k] > 1;
		return 0;
	}
	return sf_add(c, TT_SSLFIND_OPENSSL, kind, name, nm->g[k][0].start, 0,
		      TT_SSLFIND_F_FDE);
}

/* Something to probe in both directions: a worker or a wrapper that
 * holds one (not only wrappers that call one). */
static bool both_directions(const struct tt_sslfind_result *res, size_t from)
{
	bool w = false, r = false;

	for (size_t i = from; i < res->n; i++) {
		const struct tt_sslfind_func *f = &res->fn[i];

		if (f->flags & TT_SSLFIND_F_WRAPPER)
			continue;
		w |= f->kind == TT_SSLFIND_WRITE || f->kind == TT_SSLFIND_WRITE_EX;
		r |= f->kind == TT_SSLFIND_READ || f->kind == TT_SSLFIND_READ_EX;
	}
	return w && r;
}

int sf_ossl_find(struct sf_ctx *c)
{
	struct names *nm = calloc(1, sizeof(*nm));
	size_t first = c->res->n;
	int ret = 0, minor;

	if (!nm)
		return -ENOMEM;
	for (int k = SF_N_WRITE_INT; k <= SF_N_SHUTDOWN; k++) {
		nm->n[k] = sf_hits(c, k, nm->v[k], SF_HITS_PER_NEEDLE);
		if (nm->n[k] > SF_HITS_PER_NEEDLE)
			nm->n[k] = SF_HITS_PER_NEEDLE;
		/* ERR_set_debug(file, line, func): the name goes to rdx. */
		nm->ng[k] = sf_groups(c, nm->v[k], nm->n[k], 2, nm->g[k], COPIES_MAX);
	}
	if (!nm->ng[SF_N_WRITE_INT] && !nm->ng[SF_N_READ_INT])
		goto out; /* the names are there, their raising code is not */
	c->res->libs |= 1u << TT_SSLFIND_OPENSSL;
	minor = version_minor(c);
	ret = add_direction(c, nm, true, minor);
	if (!ret)
		ret = add_direction(c, nm, false, minor);
	if (!ret && !both_directions(c->res, first)) {
		c->res->n = first; /* half a library would mislead */
		c->res->rejected++;
		goto out;
	}
	if (!ret)
		ret = add_single(c, nm, SF_N_CTRL, TT_SSLFIND_CTRL, "ssl3_ctrl");
	if (!ret)
		ret = add_single(c, nm, SF_N_SHUTDOWN, TT_SSLFIND_SHUTDOWN,
				 "SSL_shutdown");
out:
	free(nm);
	return ret;
}
