/* SPDX-License-Identifier: MIT */
/*
 * Linear scans over an ELF file's regions (elfview.h), read in chunks:
 *  - strings: where given byte strings lie in the read-only data;
 *  - records: Rust panic Locations {ptr, len, line, col} naming given
 *    file paths, in the data regions;
 *  - code: every instruction that loads one of a set of addresses
 *    (RIP-relative "lea r64, [rip+disp32]", and in non-PIE files
 *    "mov r32, imm32"), and optionally a bitmap of the 16-byte aligned
 *    targets of direct call/jmp rel32 instructions.
 * The code scan is byte-level: a hit may start inside another instruction.
 * Callers confirm each by disassembling the function around it (x86fn.h).
 * Results never depend on the chunk size (the unit tests and the fuzz
 * target compare runs with tiny and large chunks).
 */
#ifndef TT_CODESCAN_H
#define TT_CODESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "binary/elfview.h"

#define TT_CODESCAN_CHUNK (8u << 20)  /* bytes read at a time */
#define TT_CODESCAN_ANCHORS_MAX 1024  /* addresses one code scan looks for */
#define TT_CODESCAN_REFS_MAX 8192     /* references kept */
#define TT_CODESCAN_SPAN_MAX (1ull << 30) /* code the branch bitmap covers */
#define TT_NEEDLE_NUL 1               /* the string must end with a NUL */
#define TT_NEEDLE_MIN 4               /* shortest needle */

struct tt_needle {
	const char *s;
	uint8_t len;   /* >= TT_NEEDLE_MIN, without the NUL */
	uint8_t flags; /* TT_NEEDLE_* */
};

struct tt_strhit {
	uint64_t va;
	uint16_t needle; /* index into the needles */
};

/* A Rust core::panic::Location record whose path ends at str_end. */
struct tt_rustloc {
	uint64_t va, str_end;
	uint32_t line, col;
};

enum { TT_REF_LEA = 1, TT_REF_IMM32 };

struct tt_coderef {
	uint64_t insn;   /* first byte of the instruction (REX prefix included) */
	uint64_t target; /* the address it loads */
	uint8_t reg;     /* destination register 0..15 (2 = rdx) */
	uint8_t kind;    /* TT_REF_* */
};

struct tt_scan_stats {
	uint64_t bytes_scanned;
	uint64_t hits_dropped;  /* string or record hits over a cap */
	uint64_t refs_dropped;  /* code references over TT_CODESCAN_REFS_MAX */
};

/*
 * Where each needle occurs in the read-only data regions: at most
 * per_needle hits of each, hits[0, *nhits) in file order. chunk 0:
 * TT_CODESCAN_CHUNK. Returns 0, -EINVAL (a needle shorter than
 * TT_NEEDLE_MIN, more than 65535), -ENOMEM, -errno (reading).
 */
int tt_scan_strings(struct tt_elfview *ev, const struct tt_needle *nd,
		    size_t nn, size_t per_needle, struct tt_strhit *hits,
		    size_t cap, size_t *nhits, size_t chunk,
		    struct tt_scan_stats *st);

/*
 * Location records (8-byte aligned {u64 ptr, u64 len, u32 line, u32 col},
 * 16 <= len <= 512, 0 < line <= 100000, col <= 1000) in the data and
 * read-only regions whose ptr + len is one of ends[0, nends) (the field
 * holds the link-time address: RELR or in-place addends, as rustc's
 * static-pie builds have). Returns 0, -ENOMEM, -errno.
 */
int tt_scan_locations(struct tt_elfview *ev, const uint64_t *ends,
		      size_t nends, struct tt_rustloc *out, size_t cap,
		      size_t *n, size_t chunk, struct tt_scan_stats *st);

/* One code scan: fill the inputs, run, read the outputs, free. */
struct tt_codescan {
	const uint64_t *anchors; /* in: addresses to find loads of */
	size_t nanchors;         /* in: <= TT_CODESCAN_ANCHORS_MAX */
	bool branches;           /* in: fill the branch-target bitmap */
	struct tt_coderef *refs; /* out: in file order */
	size_t nrefs;
	/* private */
	size_t refs_cap;
	uint64_t *set;           /* open-addressing hash of the anchors */
	size_t set_mask;
	uint64_t set_lo, set_hi; /* smallest and largest anchor */
	uint8_t *bitmap;         /* bit per 16 bytes of [bm_lo, bm_hi) */
	uint64_t bm_lo, bm_hi;
	int err;
};

/* Returns 0, -E2BIG (too many anchors), -ENOMEM, -errno (reading). */
int tt_codescan_run(struct tt_elfview *ev, struct tt_codescan *cs,
		    size_t chunk, struct tt_scan_stats *st);

/* A direct call or jmp rel32 somewhere in the code lands on va (which
 * must be 16-byte aligned). Byte-level, as the scan: see above. */
bool tt_codescan_branch_target(const struct tt_codescan *cs, uint64_t va);

void tt_codescan_free(struct tt_codescan *cs);

#endif
