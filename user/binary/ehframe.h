/* SPDX-License-Identifier: MIT */
/*
 * Function bounds of a stripped binary from its .eh_frame: each FDE gives a
 * function's start address and length. Compilers emit one for (nearly)
 * every function when unwind tables are on (Rust; C with Debian's gcc
 * default -fasynchronous-unwind-tables). Code built without them (Bun's
 * BoringSSL, Zig) has none: its callers fall back to the frame-pointer
 * prologue scan (x86fn.h).
 *
 * The section is streamed once per lookup batch through a window of the
 * file, and only the FDEs that contain a queried address are kept, so a
 * 22 MB .eh_frame with 335,000 FDEs (Codex) costs a pass, not a table.
 */
#ifndef TT_EHFRAME_H
#define TT_EHFRAME_H

#include <stddef.h>
#include <stdint.h>
#include "binary/elfview.h"

#define TT_EHFRAME_WINDOW (1u << 20) /* bytes of .eh_frame read at a time */
#define TT_EHFRAME_CIES 32           /* CIE pointer encodings remembered */

struct tt_fnbound {
	uint64_t start, size; /* size 0: no FDE covers the address */
};

struct tt_ehframe_stats {
	uint64_t fdes;       /* FDE records read */
	uint64_t cie_reads;  /* CIEs read out of order (cache misses) */
	uint64_t bad_records; /* FDEs skipped: CIE or pointer unreadable */
	uint64_t truncated;  /* passes stopped by a record past the end */
};

/*
 * For each q[i] (ascending, repeats allowed) the FDE that contains it,
 * in out[i] (the first such FDE in the section). window: bytes read at a
 * time, 0 for TT_EHFRAME_WINDOW (tests pass small ones: the answers must
 * not change). Returns the number of queries answered (>= 0; 0 also when
 * there is no .eh_frame), -ENOMEM, or -errno from reading the file. A
 * malformed record ends the pass early (stats), keeping the answers so far.
 */
int tt_ehframe_lookup(struct tt_elfview *ev, const uint64_t *q, size_t nq,
		      struct tt_fnbound *out, size_t window,
		      struct tt_ehframe_stats *st);

/*
 * Pure: the FDE pointer encoding ('R' augmentation, DW_EH_PE_*) of the CIE
 * whose body (after the length and the CIE id) is p[0, len). 0; -EINVAL
 * malformed or an augmentation this parser does not know; -ENOTSUP a
 * pointer application other than absolute or pc-relative.
 */
int tt_ehframe_cie_encoding(const uint8_t *p, size_t len, uint8_t *enc);

#endif
