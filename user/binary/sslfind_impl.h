/* SPDX-License-Identifier: MIT */
/*
 * Shared by sslfind.c (the passes over the file) and the library finders
 * sslfind_ossl.c, sslfind_bssl.c, sslfind_rustls.c, sslfind_awslc.c (with
 * the error-site helpers of sslfind_errsite.c): one analysis's state.
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
	SF_N_AWSLC_AEAD,   /* ".../crypto/fipsmodule/cipher/aead.c" */
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
	uint64_t awslc_files[SF_HITS_PER_NEEDLE]; /* aws-lc's aead.c */
	size_t nawslc_files;
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

/* ---- functions known by their error sites (sslfind_errsite.c) ----
 * OPENSSL_PUT_ERROR(lib, reason) in BoringSSL and aws-lc is
 * ERR_put_error(lib, 0, reason, __FILE__, __LINE__): each site loads the
 * file name (the anchor) and the constants right before the call. */

#define SF_REASONS_MAX 16

struct sf_errfn {
	uint64_t start;
	bool ok;  /* sweep in sync with the references (and called, if asked) */
	bool fde; /* bounds from .eh_frame, not the prologue scan */
	int reasons[SF_REASONS_MAX]; /* of the sites with arg[0] == lib */
	size_t nreasons;
	struct tt_x86sweep *sw; /* the sweep (calls, shape), owned by the set */
};

/* The functions referencing one source file's name. */
struct sf_errset {
	struct sf_group g[SF_GROUPS_MAX];
	struct sf_errfn fn[SF_GROUPS_MAX];
	size_t n;
};

/* The start of each hit of needle (a path suffix: the whole C string is
 * what __FILE__ loads) into files (sorted, at most SF_HITS_PER_NEEDLE)
 * and the anchors out. 0 or -E2BIG. */
int sf_file_anchors(struct sf_ctx *c, int needle, uint64_t *files,
		    size_t *nfiles, uint64_t *out, size_t *n, size_t max);

/* Sweeps each function referencing files[0, nf) and collects the reasons
 * of its lib error sites; with called, ok also needs a direct call or jmp
 * landing on it. *set is allocated (NULL and 0 with no function), freed
 * by sf_errset_free. 0, -ENOMEM. */
int sf_errset_collect(struct sf_ctx *c, const uint64_t *files, size_t nf,
		      int lib, bool called, struct sf_errset **set);
void sf_errset_free(struct sf_errset *set);

bool sf_errfn_has(const struct sf_errfn *f, int reason);

/* Index of the one function for which pred(f, arg) holds; -1 none, -2
 * several. */
int sf_errset_pick(const struct sf_errset *s,
		   bool (*pred)(const struct sf_errfn *, const void *),
		   const void *arg);

/* Reports s->fn[i] (i from sf_errset_pick) when it is ok; a failed
 * check or an ambiguous pick (-2) is counted in rejected. 0 or sf_add's. */
int sf_errset_report(struct sf_ctx *c, unsigned lib, const struct sf_errset *s,
		     int i, unsigned kind, const char *name);

/* Per library: the anchors for the code scan (appended to out, at most
 * max in all), then the analysis once the references are known. */
int sf_ossl_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max);
int sf_ossl_find(struct sf_ctx *c);
int sf_bssl_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max);
int sf_bssl_find(struct sf_ctx *c);
int sf_rustls_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max);
int sf_rustls_find(struct sf_ctx *c);
int sf_awslc_anchors(struct sf_ctx *c, uint64_t *out, size_t *n, size_t max);
int sf_awslc_find(struct sf_ctx *c);

#endif
