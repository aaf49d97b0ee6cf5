/* SPDX-License-Identifier: MIT */
/*
 * Shared by sslfind.c (the passes over the file) and the library finders
 * sslfind_ossl.c, sslfind_bssl.c, sslfind_rustls.c: one analysis's state.
 *
 * The passes: (1) one scan of the read-only data for every library's
 * strings; (2) per library, the addresses its code loads (anchors), for
 * rustls through a scan of the data for panic Locations; (3) one scan of
 * the code for loads of any anchor; (4) one .eh_frame pass for the
 * functions holding those loads; (5) each finder disassembles its few
 * candidate functions.
 */
#ifndef TT_SSLFIND_IMPL_H
#define TT_SSLFIND_IMPL_H

#include "binary/codescan.h"
#include "binary/ehframe.h"
#include "binary/sslfind.h"
#include "binary/x86fn.h"

enum sf_needle {
	SF_N_WRITE_INT, /* OpenSSL __func__ names: ssl_write_internal */
	SF_N_READ_INT,
	SF_N_WRITE,
	SF_N_READ,
	SF_N_CTRL,
	SF_N_SHUTDOWN,
	SF_N_OSSL_VERSION, /* "OpenSSL 3." */
	SF_N_BSSL_FILE,    /* ".../ssl/ssl_lib.cc" */
	SF_N_RS_VECBUF,    /* rustls source paths (Rust strings: no NUL) */
	SF_N_RS_FRAG,
	SF_N_RS_RECORD,
	SF_N_RS_CONSUME,   /* rustls's BufRead::consume assert message */
	SF_NEEDLES,
};

#define SF_HITS_PER_NEEDLE 16
#define SF_LOCS_MAX 256
#define SF_GROUP_REFS 32
#define SF_GROUPS_MAX 128

enum { SF_B_NONE, SF_B_FDE, SF_B_PROLOGUE };

/* One anchor load in the code, and the function that holds it. */
struct sf_ref {
	uint64_t insn, target;
	uint64_t fstart, fsize; /* fsize 0: end unknown (prologue scan) */
	uint8_t reg, bounds;    /* SF_B_* */
};

/* The references one function holds. */
struct sf_group {
	uint64_t start, size;
	uint8_t bounds;
	size_t nref;
	uint32_t ref[SF_GROUP_REFS]; /* indices into refs, ascending */
};

struct sf_ctx {
	struct tt_elfview *ev;
	const struct tt_sslfind_opts *opts;
	struct tt_sslfind_result *res;
	struct tt_x86fn dis;
	struct tt_strhit hits[SF_NEEDLES * SF_HITS_PER_NEEDLE];
	size_t nhits;
	uint64_t bssl_files[SF_HITS_PER_NEEDLE]; /* ssl_lib.cc path starts */
	size_t nbssl_files;
	struct tt_rustloc locs[SF_LOCS_MAX]; /* rustls Locations */
	uint8_t loc_file[SF_LOCS_MAX];       /* SF_N_RS_* of each */
	size_t nlocs;
	struct tt_codescan cs;
	struct sf_ref *refs; /* ascending insn */
	size_t nrefs;
};

/* VAs of needle k's hits, ascending; at most max stored, all counted. */
size_t sf_hits(const struct sf_ctx *c, int needle, uint64_t *out, size_t max);

/* The functions holding references to targets[0, nt) (ascending), only
 * loads into register reg when reg >= 0. Returns the count (> max are
 * dropped and counted) . */
size_t sf_groups(struct sf_ctx *c, const uint64_t *targets, size_t nt,
		 int reg, struct sf_group *g, size_t max);

/* Disassembles g (its references checked for sync). */
int sf_sweep(struct sf_ctx *c, const struct sf_group *g,
	     const uint64_t *anchors, size_t na, struct tt_x86sweep *out);

/* Appends a result. Returns 0: one over TT_SSLFIND_FUNCS_MAX is counted
 * in stats.dropped, one whose va is not in executable file bytes in
 * rejected. */
int sf_add(struct sf_ctx *c, unsigned lib, unsigned kind, const char *name,
	   uint64_t va, unsigned count_arg, unsigned flags);

/* Index of the group starting at start, or -1. */
int sf_group_at(const struct sf_group *g, size_t n, uint64_t start);

/* Per library: the anchors for the code scan (appended to out, at most
 * max in all), then the analysis once the references are known. */
int sf_ossl_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max);
int sf_ossl_find(struct sf_ctx *c);
int sf_bssl_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max);
int sf_bssl_find(struct sf_ctx *c);
int sf_rustls_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max);
int sf_rustls_find(struct sf_ctx *c);

#endif
