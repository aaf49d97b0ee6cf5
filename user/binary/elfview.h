/* SPDX-License-Identifier: MIT */
/*
 * A 64-bit x86-64 ELF file seen through its headers only: PT_LOAD segments,
 * the regions worth scanning (code, read-only data, writable data), where
 * .eh_frame lies and the GNU build id. Bytes are read on demand with
 * pread() (or from a memory image, for tests and the fuzz target), never
 * mapped: a uprobe attached to the file shows through any mapping of it as
 * an int3 byte and would change the code being analysed, and the 300-400 MB
 * executables of Bun and Rust agents must not be held whole.
 *
 * Every header field is checked against the file's size: a corrupt or
 * hostile file gives -EINVAL, never a read outside it.
 */
#ifndef TT_ELFVIEW_H
#define TT_ELFVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_ELFVIEW_SEGS_MAX 32     /* PT_LOAD segments kept */
#define TT_ELFVIEW_REGIONS_MAX 64  /* scan regions kept; more are counted */
#define TT_ELFVIEW_SECTIONS_MAX 4096
#define TT_ELFVIEW_BUILD_ID_MAX 64
#define TT_ELFVIEW_NOTE_MAX (64u * 1024) /* bytes of one note area read */

enum tt_region_kind {
	TT_REGION_CODE = 1, /* executable */
	TT_REGION_RODATA,   /* read-only data: strings (not .eh_frame etc.) */
	TT_REGION_DATA,     /* writable data: relocated records (.data.rel.ro) */
};

/* File-backed bytes [va, va + size) at file offset off. */
struct tt_region {
	uint64_t va, off, size;
	uint8_t kind;
};

struct tt_elfseg {
	uint64_t va, off, filesz;
	uint32_t flags; /* PF_X | PF_W | PF_R */
};

struct tt_elfview {
	int fd;             /* -1: mem */
	const uint8_t *mem; /* the image when fd < 0 */
	uint64_t size;      /* file size */
	bool pie;           /* ET_DYN */
	bool has_sections;  /* regions came from section headers */
	size_t nseg, nreg;
	struct tt_elfseg seg[TT_ELFVIEW_SEGS_MAX];
	struct tt_region reg[TT_ELFVIEW_REGIONS_MAX];
	uint64_t eh_va, eh_off, eh_size; /* .eh_frame; eh_size 0: none */
	uint8_t build_id[TT_ELFVIEW_BUILD_ID_MAX];
	size_t build_id_len; /* 0: no NT_GNU_BUILD_ID */
	uint64_t bytes_read;     /* what all reads cost */
	uint64_t regions_dropped; /* over TT_ELFVIEW_REGIONS_MAX or inconsistent */
};

/*
 * Reads the headers of the file open on fd (mem NULL) or of the image
 * mem[0, size) (fd ignored; must outlive ev). Returns 0; -ENOEXEC not a
 * 64-bit little-endian x86-64 ELF executable or shared object; -EINVAL
 * header tables or segments outside the file; -E2BIG more PT_LOAD segments
 * than TT_ELFVIEW_SEGS_MAX; -errno from fstat/pread. Nothing to close.
 */
int tt_elfview_open(struct tt_elfview *ev, int fd, const void *mem,
		    uint64_t size);

/* len bytes at file offset off. 0; -EINVAL outside the file; -EIO short
 * read (the file shrank); -errno. */
int tt_elfview_read(struct tt_elfview *ev, uint64_t off, void *buf,
		    size_t len);

/* File offset of [va, va + len) when all of it is file-backed inside one
 * PT_LOAD segment (executable ones only with exec). 0 or -ERANGE. */
int tt_elfview_va2off(const struct tt_elfview *ev, uint64_t va, uint64_t len,
		      bool exec, uint64_t *off);

/* tt_elfview_va2off then tt_elfview_read. */
int tt_elfview_read_va(struct tt_elfview *ev, uint64_t va, void *buf,
		       size_t len);

#endif
