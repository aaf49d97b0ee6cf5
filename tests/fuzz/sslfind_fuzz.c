// SPDX-License-Identifier: MIT
/*
 * Fuzz target for user/binary/sslfind.c and what it stands on (elfview,
 * codescan, ehframe, x86fn). The first byte picks what the rest is:
 *   0: a whole file image;
 *   1: the contents of a well-formed executable the harness builds around
 *      them (flags byte: bit 0 PIE; two LE16 lengths; then .rodata,
 *      .eh_frame and .text), so the fuzzer spends its time in the string,
 *      code and unwind-table scans, the disassembly and the library
 *      finders rather than in guessing ELF headers;
 *   2: a CIE body for tt_ehframe_cie_encoding.
 * Invariants: only the documented return codes; nothing found on error;
 * every result is a known library and kind with a plausible count
 * argument, at a file offset inside the image; and the answer does not
 * change when the file is read in tiny chunks and windows.
 * Seeds: tests/fuzz/mk_sslfind_seeds.py (the same layout as build_elf).
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "binary/ehframe.h"
#include "binary/sslfind.h"
#include "fuzz.h"

#define BASE 0x400000u
#define OFF_RO 0x200u
#define SHSTR "\0.rodata\0.eh_frame\0.text\0.shstrtab\0"

static size_t align16(size_t v)
{
	return (v + 15) & ~(size_t)15;
}

static void check_result(int ret, const struct tt_sslfind_result *r,
			 size_t size)
{
	CHECK(ret == 0 || ret == -ENOEXEC || ret == -EINVAL || ret == -E2BIG ||
	      ret == -ENOMEM);
	CHECK(r->n <= TT_SSLFIND_FUNCS_MAX);
	if (ret)
		CHECK(r->n == 0);
	for (size_t i = 0; i < r->n; i++) {
		const struct tt_sslfind_func *f = &r->fn[i];
		bool ex = f->kind == TT_SSLFIND_WRITE_EX || f->kind == TT_SSLFIND_READ_EX;

		CHECK(f->name && f->name[0]);
		CHECK(f->lib >= TT_SSLFIND_OPENSSL && f->lib <= TT_SSLFIND_AWSLC);
		CHECK(r->libs & (1u << f->lib));
		CHECK(f->kind >= TT_SSLFIND_WRITE && f->kind <= TT_SSLFIND_AEAD_OPEN);
		CHECK((f->lib == TT_SSLFIND_AWSLC) == (f->kind >= TT_SSLFIND_AEAD_SEAL));
		CHECK(ex ? f->count_arg == 3 || f->count_arg == 4 : f->count_arg == 0);
		CHECK(f->off < size);
	}
	CHECK(memchr(r->openssl_version, 0, sizeof(r->openssl_version)));
	CHECK(memchr(r->rustls_version, 0, sizeof(r->rustls_version)));
}

static void check_same(const struct tt_sslfind_result *a,
		       const struct tt_sslfind_result *b)
{
	CHECK(a->n == b->n && a->libs == b->libs && a->rejected == b->rejected);
	for (size_t i = 0; i < a->n; i++)
		CHECK(a->fn[i].off == b->fn[i].off && a->fn[i].kind == b->fn[i].kind &&
		      a->fn[i].count_arg == b->fn[i].count_arg &&
		      a->fn[i].flags == b->fn[i].flags && a->fn[i].name == b->fn[i].name);
	CHECK(!strcmp(a->openssl_version, b->openssl_version));
	CHECK(!strcmp(a->rustls_version, b->rustls_version));
}

static void check_image(const uint8_t *img, size_t size)
{
	static struct tt_sslfind_result whole, cut;
	static const struct tt_sslfind_opts tiny = { 29, 300 };
	int a = tt_sslfind_mem(img, size, NULL, &whole);
	int b = tt_sslfind_mem(img, size, &tiny, &cut);

	check_result(a, &whole, size);
	CHECK(a == b);
	check_same(&whole, &cut);
}

static void put_shdr(uint8_t *p, uint32_t name, uint32_t type, uint64_t flags,
		     uint64_t addr, uint64_t off, uint64_t size)
{
	Elf64_Shdr sh = { .sh_name = name, .sh_type = type, .sh_flags = flags,
			  .sh_addr = addr, .sh_offset = off, .sh_size = size,
			  .sh_addralign = 1 };

	memcpy(p, &sh, sizeof(sh));
}

/* An executable with .rodata, .eh_frame and .text taken from d. */
static void build_elf(const uint8_t *d, size_t len)
{
	size_t nro, neh, ntx, off_eh, off_tx, off_str, off_sh, size;
	bool pie;
	uint64_t va0;
	uint8_t *img;
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { 0 };

	if (len < 5)
		return;
	pie = d[0] & 1;
	nro = (size_t)(d[1] | d[2] << 8);
	neh = (size_t)(d[3] | d[4] << 8);
	d += 5, len -= 5;
	nro = nro < len ? nro : len;
	neh = neh < len - nro ? neh : len - nro;
	ntx = len - nro - neh;
	off_eh = align16(OFF_RO + nro);
	off_tx = align16(off_eh + neh);
	off_str = off_tx + ntx;
	off_sh = align16(off_str + sizeof(SHSTR));
	size = off_sh + 5 * sizeof(Elf64_Shdr);
	va0 = pie ? 0 : BASE;
	img = calloc(1, size);
	CHECK(img);
	memcpy(img + OFF_RO, d, nro);
	memcpy(img + off_eh, d + nro, neh);
	memcpy(img + off_tx, d + nro + neh, ntx);
	memcpy(img + off_str, SHSTR, sizeof(SHSTR));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = pie ? ET_DYN : ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	eh.e_shoff = off_sh;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 5;
	eh.e_shstrndx = 4;
	memcpy(img, &eh, sizeof(eh));
	ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R, 0, va0, va0, off_tx, off_tx, 0x1000 };
	ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, off_tx, va0 + off_tx,
			      va0 + off_tx, ntx, ntx, 0x1000 };
	memcpy(img + sizeof(eh), ph, sizeof(ph));
	put_shdr(img + off_sh + 1 * sizeof(Elf64_Shdr), 1, SHT_PROGBITS, SHF_ALLOC,
		 va0 + OFF_RO, OFF_RO, nro);
	put_shdr(img + off_sh + 2 * sizeof(Elf64_Shdr), 9, SHT_PROGBITS, SHF_ALLOC,
		 va0 + off_eh, off_eh, neh);
	put_shdr(img + off_sh + 3 * sizeof(Elf64_Shdr), 19, SHT_PROGBITS,
		 SHF_ALLOC | SHF_EXECINSTR, va0 + off_tx, off_tx, ntx);
	put_shdr(img + off_sh + 4 * sizeof(Elf64_Shdr), 25, SHT_STRTAB, 0, 0,
		 off_str, sizeof(SHSTR));
	check_image(img, size);
	free(img);
}

static void check_cie(const uint8_t *d, size_t len)
{
	uint8_t enc = 0xee;
	int ret = tt_ehframe_cie_encoding(d, len, &enc);

	CHECK(ret == 0 || ret == -EINVAL || ret == -ENOTSUP);
	if (!ret)
		CHECK(!(enc & 0x80) && ((enc & 0x70) == 0 || (enc & 0x70) == 0x10));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_image(data + 1, size - 1);
		break;
	case 1:
		build_elf(data + 1, size - 1);
		break;
	default:
		check_cie(data + 1, size - 1);
		break;
	}
	return 0;
}
