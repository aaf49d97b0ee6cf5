/* SPDX-License-Identifier: MIT */
/*
 * What the TLS finders need to know about one x86-64 function, read with
 * Capstone from bytes pread() from the file (never a mapping: elfview.h):
 *  - a linear sweep: the direct call/jmp targets outside the function, and
 *    at each call/jmp after an anchor load, the constants then held by the
 *    argument registers (an error call such as BoringSSL's
 *    ERR_put_error(lib=edi, 0, reason=edx, file=rcx, line=r8d));
 *  - whether it reads an argument register before writing it (how many
 *    arguments it takes);
 *  - its entry when no FDE covers it: the nearest 16-byte aligned
 *    "push rbp; mov rbp, rsp" at or below an address (clang aligns entries
 *    to 16; Bun keeps frame pointers).
 */
#ifndef TT_X86FN_H
#define TT_X86FN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "binary/elfview.h"

#define TT_X86FN_BYTES_MAX (256u << 10) /* bytes swept of a sized function */
#define TT_X86FN_SWEEP_MAX (64u << 10)  /* of one whose end is unknown */
#define TT_X86FN_SCAN_BACK (64u << 10)  /* prologue search distance */
#define TT_X86FN_CALLS_MAX 256
#define TT_X86FN_SITES_MAX 64
#define TT_X86FN_NO_IMM INT64_MIN      /* register holds no known constant */

/* A disassembler and a code buffer, reused across functions. */
struct tt_x86fn {
	size_t handle; /* Capstone csh */
	uint8_t *buf;  /* grown to the largest function read */
	size_t cap;
	bool open;
};

/* An anchor load followed, before any other call/jmp, by a call or jmp. */
struct tt_x86site {
	uint64_t insn;   /* the instruction loading the anchor */
	uint64_t anchor; /* the address it loads */
	int64_t arg[6];  /* rdi rsi rdx rcx r8 r9: constant or TT_X86FN_NO_IMM */
};

struct tt_x86sweep {
	uint64_t start, end; /* [start, end) as swept */
	size_t ninsn;
	uint64_t calls[TT_X86FN_CALLS_MAX]; /* direct targets outside */
	size_t ncalls;                      /* distinct; capped */
	struct tt_x86site sites[TT_X86FN_SITES_MAX];
	size_t nsites;                      /* capped */
	bool sync; /* every given reference starts an instruction (or is the
		    * byte before one: a REX guess of the byte scan) */
	/* Shape, for C-ABI checks (aws-lc's EVP_AEAD_CTX_*): */
	uint64_t vcalls;     /* bit d/8: an indirect call/jmp through a
			      * pointer at [reg+d] (d < 0x200, 8-aligned):
			      * "call [reg+d]", or "call reg2" after "mov reg2,
			      * [reg+d]" (reg not rip/rsp/rbp) */
	uint32_t stack_args; /* bit k: stack argument k (0: [rsp+8] at entry)
			      * read: [rbp+0x10+8k] after "push rbp; mov rbp,
			      * rsp", or rsp-relative on the path to the
			      * first ret/jmp */
};

/* 0, -ENOMEM, -ENOTSUP (Capstone cannot do x86-64). */
int tt_x86fn_init(struct tt_x86fn *d);
void tt_x86fn_fini(struct tt_x86fn *d);

/*
 * Sweeps [start, start + size), or with size 0 up to the first int3 (at
 * most TT_X86FN_SWEEP_MAX bytes). anchors[0, na) ascending: the addresses
 * whose loads make sites. refs[0, nr) (ascending, distinct): instruction
 * addresses to check for out->sync. Returns 0; -ERANGE start not in an executable segment;
 * -E2BIG size over TT_X86FN_BYTES_MAX; -errno reading.
 */
int tt_x86fn_sweep(struct tt_x86fn *d, struct tt_elfview *ev, uint64_t start,
		   uint64_t size, const uint64_t *anchors, size_t na,
		   const uint64_t *refs, size_t nr, struct tt_x86sweep *out);

/* 1 when the code at start reads argument register arg (0..5 = rdi..r9)
 * before writing it, up to its first call/jmp/ret: it takes at least
 * arg + 1 integer arguments. 0 otherwise; -ERANGE, -errno. */
int tt_x86fn_reads_arg(struct tt_x86fn *d, struct tt_elfview *ev,
		       uint64_t start, int arg);

/* The nearest 16-byte aligned "55 48 89 e5" at or below va, within
 * TT_X86FN_SCAN_BACK. 0 and *entry, -ENOENT, -errno. */
int tt_x86fn_fp_entry(struct tt_elfview *ev, uint64_t va, uint64_t *entry);

/* 1 when f calls or tail-jumps to target. */
bool tt_x86fn_calls(const struct tt_x86sweep *f, uint64_t target);

#endif
