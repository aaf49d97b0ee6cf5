/* SPDX-License-Identifier: MIT */
/*
 * Go executables: is this ELF file a Go program, which Go built it, does it
 * pass arguments in registers, and where are given functions and their
 * return instructions (the file offsets uprobes need). Go's crypto/tls is
 * traced with plain uprobes on the entry and on every RET of
 * crypto/tls.(*Conn).Write and (*Conn).Read: uretprobes rewrite the return
 * address on the stack, and Go's stack walks (stack growth, garbage
 * collection) throw on a return address that is in no Go function.
 *
 * Functions are found in .symtab when present, else in the pclntab (the
 * runtime's own function table, kept by `-ldflags="-s -w"`): sections
 * .gopclntab (exe) or .data.rel.ro.gopclntab (PIE); with no section headers
 * at all, a pclntab header is searched for in the read-only segments.
 * Layouts: Go 1.16-1.17 (magic 0xfffffffa), 1.18-1.19 (0xfffffff0) and
 * 1.20+ (0xfffffff1); older tables give -ENOTSUP. docs/go.md has the why.
 *
 * Every offset and length read from the file is checked against the bytes
 * there: a hostile or corrupt file gives a classified error, never a crash.
 */
#ifndef TT_GOBIN_H
#define TT_GOBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_GOBIN_VERSION_MAX 64		/* "go1.19.8" and NUL; longer: cut */
#define TT_GOBIN_FUNCS_MAX (1u << 22)	/* pclntab functions walked */
#define TT_GOBIN_RETS_MAX 64		/* RETs reported per function */
#define TT_GOBIN_FUNC_BYTES_MAX (1u << 20) /* bytes disassembled per function */

/* pclntab magics (little endian in the file). */
#define TT_GOPCLN_MAGIC_116 0xfffffffau	/* Go 1.16-1.17 */
#define TT_GOPCLN_MAGIC_118 0xfffffff0u	/* Go 1.18-1.19 */
#define TT_GOPCLN_MAGIC_120 0xfffffff1u	/* Go 1.20+ */

enum tt_gobin_source {
	TT_GOBIN_SRC_NONE = 0,
	TT_GOBIN_SRC_SYMTAB,
	TT_GOBIN_SRC_PCLNTAB,
};

/* Register ABI (ABIInternal): arguments and results in registers. */
enum tt_gobin_abi {
	TT_GOBIN_ABI_UNKNOWN = 0,
	TT_GOBIN_ABI_STACK,	/* ABI0: all on the stack (Go < 1.17 amd64) */
	TT_GOBIN_ABI_REG,	/* amd64 Go >= 1.17, arm64 Go >= 1.18 */
};

struct tt_gobin_info {
	bool is_go;		/* buildinfo or a pclntab found */
	bool has_buildinfo;	/* "\xff Go buildinf:" found */
	bool has_symtab;	/* ELF .symtab present (not stripped) */
	bool has_pclntab;	/* pclntab located */
	bool pie;		/* ET_DYN */
	uint16_t machine;	/* e_machine: EM_X86_64, EM_AARCH64, ... */
	char version[TT_GOBIN_VERSION_MAX]; /* "go1.19.8"; "" if unknown */
	int go_major, go_minor;	/* 1, 19; 0, 0 when unknown */
	enum tt_gobin_abi abi;	/* from version and machine */
	uint32_t pclntab_magic;	/* when its header parses, else 0 */
};

struct tt_gobin_stats {
	uint64_t funcs_walked;	/* pclntab function entries examined */
	uint64_t table_errors;	/* corrupt or unsupported tables met */
	uint64_t version_dropped; /* buildinfo version unreadable or cut */
	uint64_t rets_over_cap;	/* functions with more RETs than the cap */
	uint64_t decode_stops;	/* disassembly stopped inside a function */
};

struct tt_gobin_func {
	uint64_t entry;		/* virtual address; 0 = not found */
	uint64_t size;		/* bytes: to the next function's entry */
	uint64_t entry_off;	/* file offset of entry: the uprobe offset */
	enum tt_gobin_source source;
};

struct Elf;

/* An opened executable. Fields below `stats` are private. */
struct tt_gobin {
	struct tt_gobin_info info;
	struct tt_gobin_stats stats;
	struct Elf *elf;
	const uint8_t *img;	/* the whole file */
	size_t size;
	uint64_t pcln_off, pcln_len;	/* file range of the pclntab */
	uint64_t pcln_vaddr;
	uint64_t text_addr;	/* .text section address, 0 if none */
	int fd;			/* open_fd: a dup, to read code with; else -1 */
};

/*
 * Opens an ELF image held in memory (never written; must outlive gb) or an
 * open file (mapped or read whole; the fd may be closed on return). Fills
 * gb->info. Returns 0 for any ELF file, Go or not (see info.is_go);
 * -ENOEXEC not ELF, -EINVAL ELF but corrupt or truncated (header tables,
 * sections or PT_LOAD segments past the end of the file), -EIO (libelf
 * unusable, unreadable fd). On error nothing needs closing.
 */
int tt_gobin_open_mem(struct tt_gobin *gb, const void *img, size_t size);
int tt_gobin_open_fd(struct tt_gobin *gb, int fd);
void tt_gobin_close(struct tt_gobin *gb);

#define TT_GOBIN_PCLNTAB_ONLY 1u	/* flags: ignore .symtab */

/*
 * names[i] found -> out[i] filled, else out[i] zeroed. Looks in .symtab and
 * .dynsym first (exact names, non-zero size), then in the pclntab for what
 * is still missing. Returns the number found, or -ENOENT (not Go: no
 * table), -ENOTSUP (pclntab layout not supported), -EINVAL (corrupt table
 * or a function outside the executable segment), -E2BIG (more than
 * TT_GOBIN_FUNCS_MAX functions), -ENOMEM. Errors are counted in
 * stats.table_errors; out is then all zero.
 */
int tt_gobin_find_funcs(struct tt_gobin *gb, const char *const *names,
			size_t n, struct tt_gobin_func *out, unsigned flags);

/*
 * Disassembles fn (from tt_gobin_find_funcs) with Capstone for the file's
 * machine (x86-64, arm64) and stores the file offset of each RET in
 * offs[0..*n_ret), at most min(cap, TT_GOBIN_RETS_MAX). Returns 0;
 * -E2BIG more RETs than that (the first ones kept; stats.rets_over_cap);
 * -EILSEQ an undecodable instruction before the end that is not padding
 * (the RETs before it kept; stats.decode_stops); -EINVAL fn not inside an
 * executable segment of the file, or larger than TT_GOBIN_FUNC_BYTES_MAX;
 * -ENOTSUP another machine; -ENOMEM.
 */
int tt_gobin_ret_offsets(struct tt_gobin *gb, const struct tt_gobin_func *fn,
			 uint64_t *offs, size_t cap, size_t *n_ret);

/* Pure parsers, exposed for tests and the fuzz target. */

struct tt_gopcln {
	uint32_t magic;
	uint8_t quantum, ptr_size;
	uint64_t nfunc;
	uint64_t text_start;	/* header field (1.18+); may be unrelocated */
	uint64_t textstart_field; /* offset of that field in the table */
	uint64_t funcname_off;	/* function names, from the table start */
	uint64_t pcln_off;	/* function table and _func records */
};

/*
 * Parses a pclntab header from tab[0..len). Returns 0; -EINVAL short or
 * malformed (pads, quantum, pointer size, offsets outside len, a function
 * table that does not fit); -ENOTSUP another magic (Go 1.2-1.15, big
 * endian, future); -E2BIG nfunc over TT_GOBIN_FUNCS_MAX.
 */
int tt_gopcln_parse(const uint8_t *tab, size_t len, struct tt_gopcln *h);

/*
 * Walks the function table: names[i] -> out[i].entry and .size (entry_off
 * left 0, source PCLNTAB). text_start is added to 1.18+ entry offsets. out
 * is all zero for names not found, and on error. Returns the number found,
 * or -EINVAL (entries not increasing, a record or name outside the table,
 * a record that disagrees with the table). stats->funcs_walked counts the
 * entries examined; the walk stops once every name is found.
 */
int tt_gopcln_find(const uint8_t *tab, size_t len, const struct tt_gopcln *h,
		   uint64_t text_start, const char *const *names, size_t n,
		   struct tt_gobin_func *out, struct tt_gobin_stats *stats);

/*
 * Reads the Go version from a buildinfo blob (p at "\xff Go buildinf:")
 * when its strings are inline (Go 1.18+). Returns the version's length
 * copied to ver (NUL-terminated, cut to cap - 1), -ENOENT pointer format
 * (Go < 1.18: resolve through addr/len pointers), -EINVAL malformed.
 */
int tt_gobin_buildinfo_version(const uint8_t *p, size_t len, char *ver,
			       size_t cap);

/* "go1.19.8", "devel go1.22-abc ..." -> 1, 19; -EINVAL otherwise. */
int tt_gobin_parse_version(const char *ver, int *major, int *minor);

#endif
