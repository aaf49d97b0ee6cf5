// SPDX-License-Identifier: MIT
/* Tests for user/core/elfsym.c: function symbols to uprobe file offsets. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "binary/elfsym.h"
#include "binary/procmaps.h"
#include "tt_test.h"

#define LIBSSL "/usr/lib/x86_64-linux-gnu/libssl.so.3"

/*
 * Targets looked up in this very binary. Non-static, so they keep their
 * names; noinline and used, so each exists once under that name; called
 * through a volatile pointer, so no specialised clone replaces them.
 */
int tt_elfsym_target_a(int x);
int tt_elfsym_target_b(int x);

__attribute__((noinline, used)) int tt_elfsym_target_a(int x)
{
	return x * 31 + 7;
}

__attribute__((noinline, used)) int tt_elfsym_target_b(int x)
{
	return (x ^ 0x5a5a) - 3;
}

static int (*volatile keep_a)(int) = tt_elfsym_target_a;
static int (*volatile keep_b)(int) = tt_elfsym_target_b;

/* The executable mapping of this process that holds addr. */
struct map_at {
	uint64_t addr;
	uint64_t off;     /* file offset mapped at addr */
	char path[PATH_MAX];
	int found;
};

static int find_map(const struct tt_map_entry *e, void *ctx)
{
	struct map_at *m = ctx;

	if (m->addr < e->start || m->addr >= e->end)
		return 0;
	m->off = m->addr - e->start + e->offset;
	snprintf(m->path, sizeof(m->path), "%s", e->path);
	m->found = 1;
	return 1;
}

/*
 * The kernel maps file offset off of path at fn's address: proof that the
 * address -> offset conversion is right, as a uprobe at off fires at fn.
 * Offsets are compared, not bytes: a tokentap agent running on this host
 * puts uprobes on libssl, and their int3 bytes show through any mapping
 * of the file (user/binary/gobin.c reads code with pread for that reason).
 */
static void check_code_at(const char *path, uint64_t off, const void *fn)
{
	struct map_at m = { .addr = (uint64_t)(uintptr_t)fn };
	char real[PATH_MAX];
	FILE *maps = fopen("/proc/self/maps", "re");

	TT_CHECK(off != 0);
	TT_CHECK(maps != NULL);
	if (!off || !maps)
		goto out;
	tt_maps_each_exec(maps, find_map, &m, NULL);
	TT_CHECK(m.found);
	TT_CHECK(realpath(path, real) != NULL);
	if (!m.found || !realpath(path, real))
		goto out;
	TT_CHECK_EQ_STR(m.path, real);
	TT_CHECK_EQ_U64(off, m.off);
out:
	if (maps)
		fclose(maps);
}

TT_TEST(own_binary_offsets_are_where_the_code_is_mapped)
{
	const char *const names[] = { "tt_elfsym_target_a", "tt_elfsym_target_b" };
	uint64_t offs[2] = { 0, 0 };
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	TT_CHECK(fd >= 0);
	if (fd < 0)
		return;
	TT_CHECK_EQ_INT(keep_a(1) + keep_b(0), 38 + (0x5a5a - 3));
	TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 2, offs), 2);
	TT_CHECK(offs[0] != offs[1]);
	tt_case("%s", names[0]);
	check_code_at("/proc/self/exe", offs[0],
		      (const void *)tt_elfsym_target_a);
	tt_case("%s", names[1]);
	check_code_at("/proc/self/exe", offs[1],
		      (const void *)tt_elfsym_target_b);
	close(fd);
}

TT_TEST(missing_and_partial_names_are_zero_and_not_counted)
{
	const char *const names[] = {
		"tt_elfsym_no_such_function",
		"tt_elfsym_target_a",
		"tt_elfsym_target", /* a prefix of a real name is not that name */
		"tt_elfsym_target_a_longer",
	};
	uint64_t offs[4];
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	TT_CHECK(fd >= 0);
	if (fd < 0)
		return;
	memset(offs, 0xff, sizeof(offs)); /* stale values are cleared */
	TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 4, offs), 1);
	TT_CHECK_EQ_U64(offs[0], 0);
	TT_CHECK(offs[1] != 0);
	TT_CHECK_EQ_U64(offs[2], 0);
	TT_CHECK_EQ_U64(offs[3], 0);
	check_code_at("/proc/self/exe", offs[1],
		      (const void *)tt_elfsym_target_a);
	/* Nothing asked, nothing found. */
	TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 0, offs), 0);
	close(fd);
}

TT_TEST(libssl_exported_symbols)
{
	const char *const names[] = { "SSL_write", "SSL_read_ex", "SSL_write_ex",
				      "SSL_no_such_function" };
	uint64_t offs[4];
	int fd = open(LIBSSL, O_RDONLY | O_CLOEXEC);
	void *lib;

	if (fd < 0)
		TT_SKIP("%s: %s", LIBSSL, strerror(errno));
	TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 4, offs), 3);
	TT_CHECK(offs[0] != 0);
	TT_CHECK(offs[1] != 0);
	TT_CHECK(offs[2] != 0);
	TT_CHECK(offs[0] != offs[1]);
	/* "SSL_write" is not "SSL_write_ex". */
	TT_CHECK(offs[0] != offs[2]);
	TT_CHECK(offs[1] != offs[2]);
	TT_CHECK_EQ_U64(offs[3], 0);

	close(fd);

	/* Loaded, the library's code at those symbols is at those offsets. */
	lib = dlopen(LIBSSL, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		TT_SKIP("dlopen %s: %s; offsets not compared with the mapping",
			LIBSSL, dlerror());
	for (int i = 0; i < 3; i++) {
		const void *fn = dlsym(lib, names[i]);

		tt_case("%s", names[i]);
		TT_CHECK(fn != NULL);
		if (fn)
			check_code_at(LIBSSL, offs[i], fn);
	}
	dlclose(lib);
}

/* A file under /tmp holding text; returns an fd open for reading. */
static int temp_file(const char *text)
{
	char path[] = "/tmp/tt_elfsym_test.XXXXXX";
	size_t len = strlen(text);
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path); /* gone when closed */
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

TT_TEST(non_elf_files_are_enoexec)
{
	const char *const names[] = { "SSL_write" };
	const char *const texts[] = {
		"#!/bin/sh\necho this is not an ELF file\n",
		"",
		"\177ELF", /* magic, then nothing */
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		uint64_t offs[1] = { 123 };
		int fd = temp_file(texts[i]);

		tt_case("texts[%zu]", i);
		TT_CHECK(fd >= 0);
		if (fd < 0)
			continue;
		TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, 1, offs), -ENOEXEC);
		TT_CHECK_EQ_U64(offs[0], 0);
		close(fd);
	}
}

TT_TEST(bad_fd_is_enoexec)
{
	const char *const names[] = { "SSL_write" };
	uint64_t offs[1];

	TT_CHECK_EQ_INT(tt_elf_find_syms(-1, names, 1, offs), -ENOEXEC);
	TT_CHECK_EQ_U64(offs[0], 0);
}

/*
 * A hand-built ELF whose code segment is loaded away from its file offset,
 * as in a non-PIE binary like node (file 0x200 -> address 0x401000), so
 * that an offset equal to the address would be caught. Symbols exercise
 * each filter: object, undefined, zero, outside any executable segment.
 */
#define SYN_TEXT_OFF 0x200
#define SYN_TEXT_VA 0x401000
#define SYN_TEXT_SZ 0x100
#define SYN_RO_OFF 0x300
#define SYN_RO_VA 0x402300
#define SYN_STR_OFF 0x400
#define SYN_SYMTAB_OFF 0x500
#define SYN_DYNSYM_OFF 0x600
#define SYN_SHSTR_OFF 0x700
#define SYN_SHDR_OFF 0x800
#define SYN_NSEC 6
#define SYN_SIZE (SYN_SHDR_OFF + SYN_NSEC * sizeof(Elf64_Shdr))

struct syn_sym {
	const char *name;
	unsigned char type;
	uint16_t shndx;
	uint64_t value;
};

static const struct syn_sym syn_symtab[] = {
	{ "tt_fn", STT_FUNC, 1, SYN_TEXT_VA + 0x10 },
	{ "SSL_write@@OPENSSL_3.0.0", STT_FUNC, 1, SYN_TEXT_VA + 0x40 },
	{ "tt_obj", STT_OBJECT, 1, SYN_TEXT_VA + 0x50 },
	{ "tt_undef", STT_FUNC, SHN_UNDEF, SYN_TEXT_VA + 0x60 },
	{ "tt_zero", STT_FUNC, 1, 0 },
	{ "tt_ro_fn", STT_FUNC, 1, SYN_RO_VA + 0x10 },
	{ "tt_dup", STT_FUNC, 1, SYN_TEXT_VA + 0x80 },
	{ "tt_last", STT_FUNC, 1, SYN_TEXT_VA + SYN_TEXT_SZ - 1 },
	{ "tt_past", STT_FUNC, 1, SYN_TEXT_VA + SYN_TEXT_SZ },
};

/* .dynsym is searched first: its tt_dup wins over .symtab's. */
static const struct syn_sym syn_dynsym[] = {
	{ "tt_dup", STT_FUNC, 1, SYN_TEXT_VA + 0x90 },
};

static size_t syn_str(unsigned char *img, size_t *used, const char *s)
{
	size_t at = *used;

	memcpy(img + SYN_STR_OFF + at, s, strlen(s) + 1);
	*used += strlen(s) + 1;
	return at;
}

static size_t syn_syms(unsigned char *img, size_t off, size_t *str_used,
		       const struct syn_sym *syms, size_t n)
{
	Elf64_Sym *out = (Elf64_Sym *)(img + off);

	for (size_t i = 0; i < n; i++) { /* entry 0 stays the null symbol */
		out[i + 1].st_name = (Elf64_Word)syn_str(img, str_used, syms[i].name);
		out[i + 1].st_info = ELF64_ST_INFO(STB_GLOBAL, syms[i].type);
		out[i + 1].st_shndx = syms[i].shndx;
		out[i + 1].st_value = syms[i].value;
		out[i + 1].st_size = 1;
	}
	return (n + 1) * sizeof(Elf64_Sym);
}

static void syn_shdr(unsigned char *img, int idx, uint32_t name, uint32_t type,
		     uint64_t off, uint64_t size, uint32_t link, uint64_t entsize)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + SYN_SHDR_OFF) + idx;

	sh->sh_name = name;
	sh->sh_type = type;
	sh->sh_offset = off;
	sh->sh_size = size;
	sh->sh_link = link;
	sh->sh_entsize = entsize;
	sh->sh_addralign = 8;
	if (idx == 1) {
		sh->sh_flags = SHF_ALLOC | SHF_EXECINSTR;
		sh->sh_addr = SYN_TEXT_VA;
	}
}

/* Writes the image to an unlinked temp file; returns its fd or -1. */
static int synthetic_elf(void)
{
	static const char shstr[] =
		"\0.text\0.strtab\0.symtab\0.dynsym\0.shstrtab";
	static unsigned char img[SYN_SIZE];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	size_t str_used = 1, symtab_sz, dynsym_sz;
	char path[] = "/tmp/tt_elfsym_test.XXXXXX";
	int fd;

	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = SYN_TEXT_VA;
	eh->e_phoff = sizeof(*eh);
	eh->e_shoff = SYN_SHDR_OFF;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = SYN_NSEC;
	eh->e_shstrndx = SYN_NSEC - 1;

	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
			      .p_offset = SYN_TEXT_OFF, .p_vaddr = SYN_TEXT_VA,
			      .p_paddr = SYN_TEXT_VA, .p_filesz = SYN_TEXT_SZ,
			      .p_memsz = SYN_TEXT_SZ, .p_align = 0x1000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R,
			      .p_offset = SYN_RO_OFF, .p_vaddr = SYN_RO_VA,
			      .p_paddr = SYN_RO_VA, .p_filesz = 0x100,
			      .p_memsz = 0x100, .p_align = 0x1000 };
	memset(img + SYN_TEXT_OFF, 0xcc, SYN_TEXT_SZ); /* int3 */

	symtab_sz = syn_syms(img, SYN_SYMTAB_OFF, &str_used, syn_symtab,
			     sizeof(syn_symtab) / sizeof(syn_symtab[0]));
	dynsym_sz = syn_syms(img, SYN_DYNSYM_OFF, &str_used, syn_dynsym,
			     sizeof(syn_dynsym) / sizeof(syn_dynsym[0]));
	memcpy(img + SYN_SHSTR_OFF, shstr, sizeof(shstr));
	/* shstr offsets: .text 1, .strtab 7, .symtab 15, .dynsym 23, .shstrtab 31 */
	syn_shdr(img, 1, 1, SHT_PROGBITS, SYN_TEXT_OFF, SYN_TEXT_SZ, 0, 0);
	syn_shdr(img, 2, 7, SHT_STRTAB, SYN_STR_OFF, str_used, 0, 0);
	syn_shdr(img, 3, 15, SHT_SYMTAB, SYN_SYMTAB_OFF, symtab_sz, 2,
		 sizeof(Elf64_Sym));
	syn_shdr(img, 4, 23, SHT_DYNSYM, SYN_DYNSYM_OFF, dynsym_sz, 2,
		 sizeof(Elf64_Sym));
	syn_shdr(img, 5, 31, SHT_STRTAB, SYN_SHSTR_OFF, sizeof(shstr), 0, 0);
	if (str_used > SYN_SYMTAB_OFF - SYN_STR_OFF)
		return -1;

	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, img, sizeof(img)) != (ssize_t)sizeof(img)) {
		close(fd);
		return -1;
	}
	return fd;
}

TT_TEST(synthetic_elf_relocated_code_segment)
{
	static const struct {
		const char *name;
		uint64_t off; /* 0: not found */
	} want[] = {
		{ "tt_fn", SYN_TEXT_OFF + 0x10 },
		{ "SSL_write", SYN_TEXT_OFF + 0x40 }, /* "@@VERSION" suffix */
		{ "tt_obj", 0 },                        /* not a function */
		{ "tt_undef", 0 },                      /* an import */
		{ "tt_zero", 0 },                       /* no address */
		{ "tt_ro_fn", 0 },                      /* not in code */
		{ "tt_dup", SYN_TEXT_OFF + 0x90 },      /* .dynsym's */
		{ "tt_last", SYN_TEXT_OFF + SYN_TEXT_SZ - 1 },
		{ "tt_past", 0 },                       /* one past the segment */
		{ "SSL_write@@OPENSSL_3.0.0", SYN_TEXT_OFF + 0x40 },
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	const char *names[N];
	uint64_t offs[N];
	int fd = synthetic_elf(), found = 0;

	TT_CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (int i = 0; i < N; i++) {
		names[i] = want[i].name;
		found += want[i].off != 0;
	}
	TT_CHECK_EQ_INT(tt_elf_find_syms(fd, names, N, offs), found);
	for (int i = 0; i < N; i++) {
		tt_case("%s", want[i].name);
		TT_CHECK_EQ_U64(offs[i], want[i].off);
	}
	close(fd);
}
