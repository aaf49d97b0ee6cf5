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
#include "binary/sslfind_impl.h"

#define ERR_LIB_SSL 16
#define R_SNHBC 66 /* ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED */
#define R_BAD_LENGTH 111
#define R_CONN_TYPE_NOT_SET 134
#define R_SERVERNAME 213
#define R_HS_FAILURE 215
#define R_UNINITIALIZED 226
#define R_APPDATA_SHUTDOWN 291

int sf_bssl_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max)
{
	return sf_file_anchors(c, SF_N_BSSL_FILE, c->bssl_files, &c->nbssl_files,
			       out, n, max);
}

static bool has(const struct sf_errfn *f, int r)
{
	return sf_errfn_has(f, r);
}

static bool calls(const struct sf_errfn *f, uint64_t to)
{
	return tt_x86fn_calls(f->sw, to);
}

static bool is_write(const struct sf_errfn *f, const void *arg)
{
	(void)arg;
	return has(f, R_SNHBC) && has(f, R_UNINITIALIZED) && has(f, R_BAD_LENGTH);
}

static bool is_read_impl(const struct sf_errfn *f, const void *arg)
{
	(void)arg;
	return has(f, R_UNINITIALIZED) && has(f, R_HS_FAILURE) &&
	       !has(f, R_BAD_LENGTH) && !has(f, R_APPDATA_SHUTDOWN) &&
	       !has(f, R_SNHBC);
}

/* The one-reason functions: arg points to the reason. */
static bool raises(const struct sf_errfn *f, const void *arg)
{
	return has(f, *(const int *)arg);
}

/*
 * SSL_read raises SHOULD_NOT_HAVE_BEEN_CALLED and reads through
 * ssl_read_impl (called, or inlined: then it raises 226 and 215 itself).
 * SSL_peek has the same shape; SSL_read calls SSL_peek when that is not
 * inlined, so of two matches the caller wins.
 */
static int pick_read(const struct sf_errfn *fn, size_t n, int impl)
{
	int cand[4], nc = 0;

	for (size_t i = 0; i < n && nc < 4; i++) {
		const struct sf_errfn *f = &fn[i];

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

int sf_bssl_find(struct sf_ctx *c)
{
	static const int sni = R_SERVERNAME, hs = R_CONN_TYPE_NOT_SET,
			 shut = R_APPDATA_SHUTDOWN;
	const unsigned lib = TT_SSLFIND_BORINGSSL;
	struct sf_errset *s;
	int ret, impl;

	ret = sf_errset_collect(c, c->bssl_files, c->nbssl_files, ERR_LIB_SSL,
				true, &s);
	if (ret || !s)
		return ret;
	c->res->libs |= 1u << lib;
	impl = sf_errset_pick(s, is_read_impl, NULL);
	sf_errset_report(c, lib, s, sf_errset_pick(s, is_write, NULL),
			 TT_SSLFIND_WRITE, "SSL_write");
	sf_errset_report(c, lib, s, pick_read(s->fn, s->n, impl),
			 TT_SSLFIND_READ, "SSL_read");
	sf_errset_report(c, lib, s, sf_errset_pick(s, raises, &sni),
			 TT_SSLFIND_SET_HOST, "SSL_set_tlsext_host_name");
	sf_errset_report(c, lib, s, sf_errset_pick(s, raises, &hs),
			 TT_SSLFIND_HANDSHAKE, "SSL_do_handshake");
	sf_errset_report(c, lib, s, sf_errset_pick(s, raises, &shut),
			 TT_SSLFIND_SHUTDOWN, "SSL_shutdown");
	sf_errset_free(s);
	return 0;
}
