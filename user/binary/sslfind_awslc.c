// SPDX-License-Identifier: MIT
/*
 * aws-lc's AEAD entry points in a stripped static program (Codex: rustls
 * with the aws-lc-rs provider seals and opens every TLS record through
 * them). OPENSSL_PUT_ERROR(CIPHER, reason) is ERR_put_error(ERR_LIB_CIPHER
 * = 30, 0, reason, __FILE__, __LINE__); the file is
 * crypto/fipsmodule/cipher/aead.c (aws-lc-sys maps the prefix: Codex has
 * "/aws-lc/crypto/..."). The reason codes are public API
 * (include/openssl/cipher.h); each function is known by its set:
 *
 *   EVP_AEAD_CTX_seal         {117, 103, 115} TOO_LARGE, BUFFER_TOO_SMALL,
 *                                             OUTPUT_ALIASES_INPUT
 *   EVP_AEAD_CTX_seal_scatter {115, 112}      INVALID_OPERATION
 *   EVP_AEAD_CTX_open         {115, 101, 103} BAD_DECRYPT; with open_gather
 *                                             inlined also 104
 *   EVP_AEAD_CTX_open_gather  {115, 104}      CTRL_NOT_IMPLEMENTED: never
 *                                             OPEN (rustls does not call it)
 *
 * Bounds from .eh_frame (the C code keeps its FDEs in the Rust program).
 * The callers come through the GOT, so no direct-call check. Instead the
 * shape the probes rely on is checked: each reads the stack arguments
 * holding the plaintext pointer and length (System V: the 7th argument
 * on is on the stack) and calls through the struct evp_aead_st vtable of
 * ctx->aead (aws-lc cipher/internal.h: open +0x28, seal_scatter +0x30).
 */
#include "binary/sslfind_impl.h"

#define ERR_LIB_CIPHER 30
#define R_BAD_DECRYPT 101
#define R_BUFFER_TOO_SMALL 103
#define R_CTRL_NOT_IMPLEMENTED 104
#define R_INVALID_OPERATION 112
#define R_OUTPUT_ALIASES_INPUT 115
#define R_TOO_LARGE 117
#define VT_OPEN 0x28         /* evp_aead_st.open */
#define VT_SEAL_SCATTER 0x30 /* evp_aead_st.seal_scatter */
#define STACK(k) (1u << (k)) /* stack argument k: [rsp+8+8k] at entry */
#define SET_MAX 4

struct aead_fn {
	unsigned kind;
	const char *name;
	int required[SET_MAX]; /* 0 ends */
	int allowed[SET_MAX];  /* besides the required: inlined callees */
	uint32_t stack_args;   /* in, in_len */
	unsigned vtable;       /* the evp_aead_st slot it calls */
};

static const struct aead_fn funcs[] = {
	/* seal(ctx, out, out_len*, max_out, nonce, nonce_len, in, in_len,
	 *      ad, ad_len) */
	{ TT_SSLFIND_AEAD_SEAL, "EVP_AEAD_CTX_seal",
	  { R_TOO_LARGE, R_BUFFER_TOO_SMALL, R_OUTPUT_ALIASES_INPUT }, { 0 },
	  STACK(0) | STACK(1), VT_SEAL_SCATTER },
	/* seal_scatter(ctx, out, out_tag, out_tag_len*, max_tag, nonce,
	 *              nonce_len, in, in_len, extra_in, ...) */
	{ TT_SSLFIND_AEAD_SEAL_SCATTER, "EVP_AEAD_CTX_seal_scatter",
	  { R_OUTPUT_ALIASES_INPUT, R_INVALID_OPERATION }, { 0 },
	  STACK(1) | STACK(2), VT_SEAL_SCATTER },
	/* open(ctx, out, out_len*, max_out, nonce, nonce_len, in, in_len,
	 *      ad, ad_len) */
	{ TT_SSLFIND_AEAD_OPEN, "EVP_AEAD_CTX_open",
	  { R_OUTPUT_ALIASES_INPUT, R_BAD_DECRYPT, R_BUFFER_TOO_SMALL },
	  { R_CTRL_NOT_IMPLEMENTED }, STACK(0) | STACK(1), VT_OPEN },
};

#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

int sf_awslc_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max)
{
	return sf_file_anchors(c, SF_N_AWSLC_AEAD, c->awslc_files,
			       &c->nawslc_files, out, n, max);
}

static bool in_set(const int *set, int r)
{
	for (size_t i = 0; i < SET_MAX && set[i]; i++)
		if (set[i] == r)
			return true;
	return false;
}

/* required <= reasons <= required + allowed: a function raising more has
 * another callee inlined (or is another function). */
static bool reasons_match(const struct sf_errfn *f, const void *arg)
{
	const struct aead_fn *a = arg;

	for (size_t i = 0; i < SET_MAX && a->required[i]; i++)
		if (!sf_errfn_has(f, a->required[i]))
			return false;
	for (size_t i = 0; i < f->nreasons; i++)
		if (!in_set(a->required, f->reasons[i]) &&
		    !in_set(a->allowed, f->reasons[i]))
			return false;
	return true;
}

static bool shape_ok(const struct sf_errfn *f, const struct aead_fn *a)
{
	return (f->sw->stack_args & a->stack_args) == a->stack_args &&
	       (f->sw->vcalls >> (a->vtable / 8) & 1);
}

static bool found(const struct sf_errset *s, int i)
{
	return i >= 0 && s->fn[i].ok;
}

int sf_awslc_find(struct sf_ctx *c)
{
	const unsigned lib = TT_SSLFIND_AWSLC;
	int pick[NFUNCS];
	struct sf_errset *s;
	int ret;

	ret = sf_errset_collect(c, c->awslc_files, c->nawslc_files,
				ERR_LIB_CIPHER, false, &s);
	if (ret || !s)
		return ret;
	c->res->libs |= 1u << lib;
	for (size_t k = 0; k < NFUNCS; k++) {
		pick[k] = sf_errset_pick(s, reasons_match, &funcs[k]);
		if (pick[k] >= 0 && !shape_ok(&s->fn[pick[k]], &funcs[k]))
			s->fn[pick[k]].ok = false; /* counted as rejected */
	}
	/* Both directions or nothing (funcs[0] seals, funcs[2] opens): a
	 * lone seal gives half a stream. Each dropped pick is counted once,
	 * as rejected, by sf_errset_report. */
	if (!found(s, pick[0]) || !found(s, pick[2]))
		for (size_t k = 0; k < NFUNCS; k++)
			if (pick[k] >= 0)
				s->fn[pick[k]].ok = false;
	for (size_t k = 0; k < NFUNCS && !ret; k++)
		ret = sf_errset_report(c, lib, s, pick[k], funcs[k].kind,
				       funcs[k].name);
	sf_errset_free(s);
	return ret;
}
