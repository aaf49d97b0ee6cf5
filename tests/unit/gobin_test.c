// SPDX-License-Identifier: MIT
/*
 * Tests for user/core/gobin.c on real Go binaries: tests/go/tlsclient built
 * by make (unit and test targets) with symbols, stripped (-s -w) and as a
 * PIE, in build/go or $TT_GO_BIN_DIR. Missing binaries fail the tests:
 * make deps installs Go. Corrupt and truncated copies are made in memory or
 * in unlinked temp files. gobin_parse_test.c has the hand-built tables.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "binary/gobin.h"
#include "tt_test.h"

#define WRITE_FN "crypto/tls.(*Conn).Write"
#define READ_FN "crypto/tls.(*Conn).Read"
#define GO_FUNC_ALIGN 32 /* amd64 function alignment: padding after code */

static const char *const tls_names[] = { WRITE_FN, READ_FN };

struct image {
	uint8_t *bytes;
	size_t size;
};

static const char *go_bin(const char *name)
{
	static char path[4][512];
	static int next;
	const char *dir = getenv("TT_GO_BIN_DIR");
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir && *dir ? dir : "build/go",
		 name);
	return p;
}

/* The whole file in memory; a failed check when it cannot be read. */
static bool load(const char *path, struct image *img)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = false;

	img->bytes = NULL;
	img->size = 0;
	if (fd < 0) {
		tt_fail_(__FILE__, __LINE__, "%s: %s (make builds it with go)",
			 path, strerror(errno));
		return false;
	}
	if (!fstat(fd, &st) && st.st_size > 0 &&
	    (img->bytes = malloc((size_t)st.st_size))) {
		img->size = (size_t)st.st_size;
		ok = pread(fd, img->bytes, img->size, 0) == (ssize_t)img->size;
	}
	close(fd);
	TT_CHECK(ok);
	return ok;
}

/* An unlinked temp file holding bytes; returns an fd open for reading. */
static int temp_file(const void *bytes, size_t size)
{
	char path[] = "/tmp/tt_gobin_test.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, bytes, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_path(struct tt_gobin *gb, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0) {
		ret = -errno;
		tt_fail_(__FILE__, __LINE__, "%s: %s (make builds it with go)",
			 path, strerror(-ret));
		return ret;
	}
	ret = tt_gobin_open_fd(gb, fd);
	close(fd); /* the mapping outlives the fd */
	return ret;
}

/* Section header by name in an image (for the corruption tests). */
static Elf64_Shdr *section(struct image *img, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img->bytes;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img->bytes + eh->e_shoff);
	const char *strs = (const char *)img->bytes + sh[eh->e_shstrndx].sh_offset;

	for (int i = 0; i < eh->e_shnum; i++)
		if (!strcmp(strs + sh[i].sh_name, name))
			return &sh[i];
	tt_fail_(__FILE__, __LINE__, "no section %s", name);
	return NULL;
}

TT_TEST(go_binaries_are_go_1_19_with_register_abi)
{
	static const struct {
		const char *name;
		bool symtab, pie;
	} bins[] = {
		{ "tlsclient", true, false },
		{ "tlsclient-stripped", false, false },
		{ "tlsclient-pie", true, true },
	};

	for (size_t i = 0; i < 3; i++) {
		struct tt_gobin gb;

		tt_case("%s", bins[i].name);
		TT_CHECK_EQ_INT(open_path(&gb, go_bin(bins[i].name)), 0);
		TT_CHECK(gb.info.is_go);
		TT_CHECK(gb.info.has_buildinfo);
		TT_CHECK(gb.info.has_pclntab);
		TT_CHECK_EQ_INT(gb.info.has_symtab, bins[i].symtab);
		TT_CHECK_EQ_INT(gb.info.pie, bins[i].pie);
		TT_CHECK_EQ_INT(gb.info.machine, EM_X86_64);
		TT_CHECK(!strncmp(gb.info.version, "go1.19.", 7));
		TT_CHECK_EQ_INT(gb.info.go_major, 1);
		TT_CHECK_EQ_INT(gb.info.go_minor, 19);
		TT_CHECK_EQ_INT(gb.info.abi, TT_GOBIN_ABI_REG);
		TT_CHECK_EQ_U64(gb.info.pclntab_magic, TT_GOPCLN_MAGIC_118);
		TT_CHECK_EQ_U64(gb.stats.version_dropped, 0);
		tt_gobin_close(&gb);
	}
}

/* Every RET: inside the function, at a 0xC3 byte of the file. */
static size_t check_rets(struct tt_gobin *gb, const struct tt_gobin_func *fn,
			 uint64_t *offs)
{
	size_t n = 0;

	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(gb, fn, offs, TT_GOBIN_RETS_MAX,
					     &n), 0);
	TT_CHECK(n >= 1);
	for (size_t k = 0; k < n; k++) {
		TT_CHECK(offs[k] >= fn->entry_off &&
			 offs[k] < fn->entry_off + fn->size);
		TT_CHECK(offs[k] < gb->size && gb->img[offs[k]] == 0xc3);
		TT_CHECK(k == 0 || offs[k] > offs[k - 1]);
	}
	return n;
}

/*
 * A Go amd64 function starts with its stack check against g.stackguard0,
 * g being in R14: CMP 0x10(R14), RSP or, for larger frames, LEA -n(SP),
 * R12; CMP 0x10(R14), R12. Proof that an entry offset is a function start.
 */
static bool go_prologue(const uint8_t *code)
{
	static const uint8_t cmp_r14[] = { 0x3b, 0x66, 0x10 };

	return (code[0] == 0x49 && !memcmp(code + 1, cmp_r14, 3)) ||
	       (code[0] == 0x4c && code[1] == 0x8d && code[2] == 0x64 &&
		code[5] == 0x4d && !memcmp(code + 6, cmp_r14, 3));
}

TT_TEST(stripped_pclntab_agrees_with_unstripped_symtab)
{
	struct tt_gobin full, strip;
	struct tt_gobin_func sym[2], pcl[2], spcl[2];
	uint64_t sym_rets[TT_GOBIN_RETS_MAX], pcl_rets[TT_GOBIN_RETS_MAX];
	uint64_t s_rets[TT_GOBIN_RETS_MAX];

	if (open_path(&full, go_bin("tlsclient")))
		return;
	if (open_path(&strip, go_bin("tlsclient-stripped"))) {
		tt_gobin_close(&full);
		return;
	}
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&full, tls_names, 2, sym, 0), 2);
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&full, tls_names, 2, pcl,
					    TT_GOBIN_PCLNTAB_ONLY), 2);
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&strip, tls_names, 2, spcl, 0), 2);
	TT_CHECK(full.stats.funcs_walked > 0);
	TT_CHECK(strip.stats.funcs_walked > 0);
	for (int i = 0; i < 2; i++) {
		size_t ns, np, nt;

		tt_case("%s", tls_names[i]);
		TT_CHECK_EQ_INT(sym[i].source, TT_GOBIN_SRC_SYMTAB);
		TT_CHECK_EQ_INT(pcl[i].source, TT_GOBIN_SRC_PCLNTAB);
		TT_CHECK_EQ_INT(spcl[i].source, TT_GOBIN_SRC_PCLNTAB);
		/* Same code in both files: same addresses and offsets. */
		TT_CHECK(sym[i].entry != 0);
		TT_CHECK_EQ_U64(pcl[i].entry, sym[i].entry);
		TT_CHECK_EQ_U64(spcl[i].entry, sym[i].entry);
		TT_CHECK_EQ_U64(pcl[i].entry_off, sym[i].entry_off);
		TT_CHECK_EQ_U64(spcl[i].entry_off, sym[i].entry_off);
		TT_CHECK(sym[i].entry_off != sym[i].entry); /* non-PIE: 0x400000 */
		TT_CHECK_EQ_U64(spcl[i].size, pcl[i].size);
		/* The table's size runs to the next function: the symbol's
		 * size plus int3 alignment padding. */
		TT_CHECK(pcl[i].size >= sym[i].size &&
			 pcl[i].size - sym[i].size < GO_FUNC_ALIGN);
		TT_CHECK(sym[i].size > 64);
		TT_CHECK(go_prologue(full.img + sym[i].entry_off));
		TT_CHECK(go_prologue(strip.img + spcl[i].entry_off));
		for (uint64_t b = sym[i].size; b < pcl[i].size; b++)
			TT_CHECK(full.img[sym[i].entry_off + b] == 0xcc);

		ns = check_rets(&full, &sym[i], sym_rets);
		np = check_rets(&full, &pcl[i], pcl_rets);
		nt = check_rets(&strip, &spcl[i], s_rets);
		TT_CHECK_EQ_INT(np, ns);
		TT_CHECK_EQ_INT(nt, ns);
		for (size_t k = 0; k < ns && k < np && k < nt; k++) {
			TT_CHECK_EQ_U64(pcl_rets[k], sym_rets[k]);
			TT_CHECK_EQ_U64(s_rets[k], sym_rets[k]);
		}
	}
	TT_CHECK(sym[0].entry != sym[1].entry);
	TT_CHECK_EQ_U64(full.stats.decode_stops + strip.stats.decode_stops, 0);
	tt_gobin_close(&full);
	tt_gobin_close(&strip);
}

TT_TEST(missing_names_and_lookup_order)
{
	const char *const names[] = {
		"crypto/tls.(*Conn).Writ", /* a prefix is not the name */
		WRITE_FN,
		"crypto/tls.(*Conn).Write.extra",
		"main.main",
		"no.such.function",
	};
	struct tt_gobin_func out[5];
	struct tt_gobin gb;

	if (open_path(&gb, go_bin("tlsclient-stripped")))
		return;
	memset(out, 0xff, sizeof(out)); /* stale values are cleared */
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&gb, names, 5, out, 0), 2);
	TT_CHECK_EQ_INT(out[0].source, TT_GOBIN_SRC_NONE);
	TT_CHECK_EQ_U64(out[0].entry, 0);
	TT_CHECK_EQ_U64(out[0].size, 0);
	TT_CHECK_EQ_INT(out[1].source, TT_GOBIN_SRC_PCLNTAB);
	TT_CHECK_EQ_INT(out[2].source, TT_GOBIN_SRC_NONE);
	TT_CHECK_EQ_INT(out[3].source, TT_GOBIN_SRC_PCLNTAB);
	TT_CHECK_EQ_INT(out[4].source, TT_GOBIN_SRC_NONE);
	/* A missing name walks the whole table. */
	TT_CHECK(gb.stats.funcs_walked > 1000);
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&gb, names, 0, out, 0), 0);
	tt_gobin_close(&gb);
}

TT_TEST(memory_image_matches_file_and_is_never_written)
{
	struct tt_gobin gf, gm;
	struct tt_gobin_func ff[2], fm[2];
	const char *path = go_bin("tlsclient-stripped");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map;

	TT_CHECK(fd >= 0 && !fstat(fd, &st));
	if (fd < 0)
		return;
	/* Read-only pages: a write by the parser would crash the test. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	TT_CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED) {
		close(fd);
		return;
	}
	TT_CHECK_EQ_INT(tt_gobin_open_fd(&gf, fd), 0);
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gm, map, (size_t)st.st_size), 0);
	TT_CHECK_EQ_STR(gm.info.version, gf.info.version);
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&gf, tls_names, 2, ff, 0), 2);
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&gm, tls_names, 2, fm, 0), 2);
	TT_CHECK(!memcmp(ff, fm, sizeof(ff)));
	tt_gobin_close(&gf);
	tt_gobin_close(&gm);
	munmap(map, (size_t)st.st_size);
	close(fd);
}

TT_TEST(non_go_and_non_elf_files)
{
	static const char *const texts[] = { "#!/bin/sh\necho not ELF\n", "",
					     "\177EL" };
	struct tt_gobin_func out[2];
	struct tt_gobin gb;
	uint64_t offs[4];
	size_t n = 9;

	TT_CHECK_EQ_INT(open_path(&gb, "/bin/true"), 0);
	TT_CHECK(!gb.info.is_go);
	TT_CHECK(!gb.info.has_buildinfo);
	TT_CHECK(!gb.info.has_pclntab);
	TT_CHECK_EQ_STR(gb.info.version, "");
	TT_CHECK_EQ_INT(gb.info.abi, TT_GOBIN_ABI_UNKNOWN);
	TT_CHECK_EQ_INT(tt_gobin_find_funcs(&gb, tls_names, 2, out, 0), -ENOENT);
	TT_CHECK_EQ_INT(out[0].source, TT_GOBIN_SRC_NONE);
	/* Nothing found, nothing to disassemble. */
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &out[0], offs, 4, &n), -EINVAL);
	TT_CHECK_EQ_INT(n, 0);
	tt_gobin_close(&gb);

	for (size_t i = 0; i < 3; i++) {
		int fd = temp_file(texts[i], strlen(texts[i]));

		tt_case("texts[%zu]", i);
		TT_CHECK(fd >= 0);
		TT_CHECK_EQ_INT(tt_gobin_open_fd(&gb, fd), -ENOEXEC);
		TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, texts[i], strlen(texts[i])),
				-ENOEXEC);
		close(fd);
	}
	tt_case("bad fd");
	TT_CHECK_EQ_INT(tt_gobin_open_fd(&gb, -1), -EIO);
}

/* Entries of Write and Read from a binary opened as gb, or a failed check. */
static bool find_tls(struct tt_gobin *gb, unsigned flags,
		     struct tt_gobin_func *out)
{
	int ret = tt_gobin_find_funcs(gb, tls_names, 2, out, flags);

	TT_CHECK_EQ_INT(ret, 2);
	return ret == 2;
}

/* The end of the last section or segment bytes: what follows is padding. */
static size_t used_end(struct image *img)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img->bytes;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img->bytes + eh->e_phoff);
	Elf64_Shdr *sh = (Elf64_Shdr *)(img->bytes + eh->e_shoff);
	size_t end = 0;

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type != SHT_NOBITS &&
		    sh[i].sh_offset + sh[i].sh_size > end)
			end = sh[i].sh_offset + sh[i].sh_size;
	return end;
}

TT_TEST(truncated_copies_are_errors)
{
	struct tt_gobin_func ref[2], got[2];
	struct image img;
	struct tt_gobin gb;
	Elf64_Shdr *pcln;
	size_t end;

	if (!load(go_bin("tlsclient-stripped"), &img))
		return;
	pcln = section(&img, ".gopclntab");
	if (!pcln)
		goto out;
	end = used_end(&img);
	const size_t lens[] = {
		end - 1,				/* the last byte */
		pcln->sh_offset + pcln->sh_size / 2,	/* inside the table */
		img.size / 2, 0x1100 /* inside .text */, 4096, 64, 16,
	};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int fd = temp_file(img.bytes, lens[i]);

		tt_case("%zu of %zu bytes", lens[i], img.size);
		/* ELF magic, but sections or segments past the end. */
		TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, lens[i]),
				-EINVAL);
		TT_CHECK(fd >= 0);
		TT_CHECK_EQ_INT(tt_gobin_open_fd(&gb, fd), -EINVAL);
		close(fd);
	}
	/* Only the alignment padding after the last section: all there. */
	tt_case("padding cut");
	TT_CHECK(img.size > end);
	if (!tt_gobin_open_mem(&gb, img.bytes, img.size) && find_tls(&gb, 0, ref))
		tt_gobin_close(&gb);
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, end), 0);
	if (find_tls(&gb, 0, got))
		TT_CHECK(!memcmp(got, ref, sizeof(ref)));
	tt_gobin_close(&gb);

	tt_case("pclntab section past the end");
	pcln->sh_size = img.size;
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), -EINVAL);
out:
	free(img.bytes);
}

/* Writes v (size bytes, little endian) at p. */
static void put(uint8_t *p, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

TT_TEST(corrupt_pclntab_header_is_classified)
{
	enum { MAGIC, PAD, PTRSZ, NFUNC_CAP, NFUNC_FIT, PCLN_OFF, NAME_OFF,
	       FTAB_ZERO, NCASES };
	static const int want[NCASES] = { -ENOTSUP, -EINVAL, -EINVAL, -E2BIG,
					  -EINVAL, -EINVAL, -EINVAL, -EINVAL };
	struct image img;
	Elf64_Shdr *sh;

	if (!load(go_bin("tlsclient-stripped"), &img) ||
	    !(sh = section(&img, ".gopclntab")))
		goto out;
	for (int c = 0; c < NCASES; c++) {
		uint8_t *copy = malloc(img.size), *tab;
		struct tt_gobin_func out[2];
		struct tt_gobin gb;
		uint64_t pcln;
		int fd;

		tt_case("case %d", c);
		if (!copy)
			break;
		memcpy(copy, img.bytes, img.size);
		tab = copy + sh->sh_offset;
		pcln = tab[8 + 7 * 8] | (uint64_t)tab[8 + 7 * 8 + 1] << 8 |
		       (uint64_t)tab[8 + 7 * 8 + 2] << 16;
		switch (c) {
		case MAGIC: put(tab, 0xfffffffb, 4); break; /* Go 1.2-1.15 */
		case PAD: tab[4] = 1; break;
		case PTRSZ: tab[7] = 3; break;
		case NFUNC_CAP: put(tab + 8, TT_GOBIN_FUNCS_MAX + 1, 8); break;
		case NFUNC_FIT: put(tab + 8, TT_GOBIN_FUNCS_MAX, 8); break;
		case PCLN_OFF: put(tab + 8 + 7 * 8, sh->sh_size, 8); break;
		case NAME_OFF: put(tab + 8 + 3 * 8, sh->sh_size + 8, 8); break;
		case FTAB_ZERO: memset(tab + pcln, 0, 64); break;
		}
		fd = temp_file(copy, img.size);
		TT_CHECK(fd >= 0);
		TT_CHECK_EQ_INT(tt_gobin_open_fd(&gb, fd), 0);
		TT_CHECK(gb.info.is_go);
		/* The header parses when only the function table is bad. */
		TT_CHECK_EQ_U64(gb.info.pclntab_magic,
				c == FTAB_ZERO ? TT_GOPCLN_MAGIC_118 : 0);
		TT_CHECK_EQ_INT(tt_gobin_find_funcs(&gb, tls_names, 2, out, 0),
				want[c]);
		TT_CHECK_EQ_INT(out[0].source, TT_GOBIN_SRC_NONE);
		TT_CHECK_EQ_INT(out[1].source, TT_GOBIN_SRC_NONE);
		TT_CHECK_EQ_U64(gb.stats.table_errors, 1);
		tt_gobin_close(&gb);
		close(fd);
		free(copy);
	}
out:
	free(img.bytes);
}

TT_TEST(text_start_fallbacks)
{
	struct tt_gobin_func ref[2], got[2];
	struct image img;
	struct tt_gobin gb;
	Elf64_Shdr *pcln, *text;

	/* Non-PIE, textStart zeroed: the .text section's address. */
	if (!load(go_bin("tlsclient-stripped"), &img))
		return;
	if (!tt_gobin_open_mem(&gb, img.bytes, img.size) && find_tls(&gb, 0, ref))
		tt_gobin_close(&gb);
	if ((pcln = section(&img, ".gopclntab"))) {
		put(img.bytes + pcln->sh_offset + 24, 0, 8);
		TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
		if (find_tls(&gb, 0, got))
			TT_CHECK(!memcmp(got, ref, sizeof(ref)));
		tt_gobin_close(&gb);
	}
	free(img.bytes);

	/* PIE, textStart zeroed and .text moved: the relocation's addend. */
	if (!load(go_bin("tlsclient-pie"), &img))
		return;
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
	TT_CHECK(gb.info.pie);
	if (find_tls(&gb, 0, ref) &&
	    find_tls(&gb, TT_GOBIN_PCLNTAB_ONLY, got)) {
		for (int i = 0; i < 2; i++) {
			tt_case("%s", tls_names[i]);
			TT_CHECK_EQ_INT(ref[i].source, TT_GOBIN_SRC_SYMTAB);
			TT_CHECK_EQ_U64(got[i].entry, ref[i].entry);
			TT_CHECK_EQ_U64(got[i].entry_off, ref[i].entry_off);
		}
	}
	tt_gobin_close(&gb);
	tt_case("relocated");
	pcln = section(&img, ".data.rel.ro.gopclntab");
	text = section(&img, ".text");
	if (pcln && text) {
		put(img.bytes + pcln->sh_offset + 24, 0, 8);
		text->sh_addr += 0x40;
		TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
		if (find_tls(&gb, TT_GOBIN_PCLNTAB_ONLY, got)) {
			TT_CHECK_EQ_U64(got[0].entry, ref[0].entry);
			TT_CHECK_EQ_U64(got[1].entry_off, ref[1].entry_off);
		}
		tt_gobin_close(&gb);
	}
	free(img.bytes);
}

TT_TEST(no_section_headers_found_by_segments)
{
	struct tt_gobin_func ref[2], got[2];
	struct tt_gobin gb;
	struct image img;
	Elf64_Ehdr *eh;

	if (!load(go_bin("tlsclient-stripped"), &img))
		return;
	if (!tt_gobin_open_mem(&gb, img.bytes, img.size) && find_tls(&gb, 0, ref))
		tt_gobin_close(&gb);
	eh = (Elf64_Ehdr *)img.bytes;
	eh->e_shoff = 0;
	eh->e_shnum = 0;
	eh->e_shstrndx = 0;
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
	TT_CHECK(gb.info.is_go);
	TT_CHECK(gb.info.has_buildinfo);
	TT_CHECK(gb.info.has_pclntab);
	TT_CHECK(!strncmp(gb.info.version, "go1.19.", 7));
	TT_CHECK_EQ_U64(gb.info.pclntab_magic, TT_GOPCLN_MAGIC_118);
	if (find_tls(&gb, 0, got))
		TT_CHECK(!memcmp(got, ref, sizeof(ref)));
	tt_gobin_close(&gb);
	free(img.bytes);
}

/* Go < 1.18 buildinfo: pointers to a Go string header, made in a copy. */
TT_TEST(buildinfo_pointer_format)
{
	static const char old[] = "go1.16.15";
	struct tt_gobin gb;
	struct image img;
	Elf64_Shdr *sh;
	uint8_t *bi;

	if (!load(go_bin("tlsclient-stripped"), &img))
		return;
	if (!(sh = section(&img, ".go.buildinfo")))
		goto out;
	bi = img.bytes + sh->sh_offset;
	bi[15] = 0; /* little endian, strings not inline */
	put(bi + 16, sh->sh_addr + 48, 8);
	put(bi + 24, 0, 8);
	put(bi + 48, sh->sh_addr + 64, 8);
	put(bi + 56, sizeof(old) - 1, 8);
	memcpy(bi + 64, old, sizeof(old) - 1);
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
	TT_CHECK_EQ_STR(gb.info.version, old);
	TT_CHECK_EQ_INT(gb.info.go_minor, 16);
	TT_CHECK_EQ_INT(gb.info.abi, TT_GOBIN_ABI_STACK); /* amd64 < 1.17 */
	TT_CHECK_EQ_U64(gb.stats.version_dropped, 0);
	tt_gobin_close(&gb);

	tt_case("pointer outside the file");
	put(bi + 16, 0x10, 8);
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
	TT_CHECK(gb.info.is_go);
	TT_CHECK_EQ_STR(gb.info.version, "");
	TT_CHECK_EQ_U64(gb.stats.version_dropped, 1);
	/* No version: the 1.18 table still says registers. */
	TT_CHECK_EQ_INT(gb.info.abi, TT_GOBIN_ABI_REG);
	tt_gobin_close(&gb);
out:
	free(img.bytes);
}

TT_TEST(ret_walk_limits)
{
	struct tt_gobin_func fn[2], bad;
	uint64_t offs[TT_GOBIN_RETS_MAX];
	struct tt_gobin gb;
	struct image img;
	size_t n, all;

	if (!load(go_bin("tlsclient"), &img))
		return;
	if (tt_gobin_open_mem(&gb, img.bytes, img.size) || !find_tls(&gb, 0, fn))
		goto out;
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &fn[0], offs,
					     TT_GOBIN_RETS_MAX, &all), 0);
	TT_CHECK(all >= 1);
	tt_case("cap");
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &fn[0], offs, all - 1, &n),
			-E2BIG);
	TT_CHECK_EQ_INT(n, all - 1);
	TT_CHECK_EQ_U64(gb.stats.rets_over_cap, 1);
	tt_case("not the function found");
	bad = fn[0];
	bad.entry_off++;
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &bad, offs, 64, &n), -EINVAL);
	bad = fn[0];
	bad.size = TT_GOBIN_FUNC_BYTES_MAX + 1;
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &bad, offs, 64, &n), -EINVAL);
	bad = fn[0];
	bad.entry = 0x10;
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &bad, offs, 64, &n), -EINVAL);
	tt_gobin_close(&gb);

	/* Bytes that are no x86-64 instruction (0x06) inside Write. */
	tt_case("undecodable");
	memset(img.bytes + fn[0].entry_off + 8, 0x06, 16);
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &fn[0], offs, 64, &n),
			-EILSEQ);
	TT_CHECK(n < all);
	TT_CHECK_EQ_U64(gb.stats.decode_stops, 1);
	/* Read is untouched. */
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &fn[1], offs, 64, &n), 0);
	TT_CHECK(n >= 1);
	tt_gobin_close(&gb);

	tt_case("other machine");
	((Elf64_Ehdr *)img.bytes)->e_machine = EM_RISCV;
	TT_CHECK_EQ_INT(tt_gobin_open_mem(&gb, img.bytes, img.size), 0);
	TT_CHECK_EQ_INT(gb.info.abi, TT_GOBIN_ABI_UNKNOWN);
	TT_CHECK_EQ_INT(tt_gobin_ret_offsets(&gb, &fn[1], offs, 64, &n),
			-ENOTSUP);
	tt_gobin_close(&gb);
out:
	free(img.bytes);
}
