// SPDX-License-Identifier: MIT
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include "binary/elfsym.h"

/* Virtual address → file offset through the PT_LOAD segment holding it. */
static uint64_t vaddr_to_off(Elf *elf, uint64_t vaddr)
{
	size_t nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph))
		return 0;
	for (size_t i = 0; i < nph; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

static size_t scan_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
			  const char *const *names, size_t n, uint64_t *offs)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t found = 0, count;
	GElf_Sym sym;

	if (!data || !sh->sh_entsize)
		return 0;
	count = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < count; i++) {
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		for (size_t k = 0; k < n; k++) {
			/* "SSL_write@@OPENSSL_3.0.0" style names in .symtab */
			size_t len = strlen(names[k]);

			if (offs[k] || strncmp(name, names[k], len) ||
			    (name[len] && name[len] != '@'))
				continue;
			offs[k] = vaddr_to_off(elf, sym.st_value);
			if (offs[k])
				found++;
		}
	}
	return found;
}

int tt_elf_find_syms(int fd, const char *const *names, size_t n,
		     uint64_t *offs)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t found = 0;
	int ret = -ENOEXEC, pass;

	memset(offs, 0, n * sizeof(*offs));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		goto out;
	/* .dynsym first: it survives stripping and names exported entries. */
	for (pass = 0; pass < 2 && found < n; pass++) {
		unsigned want = pass == 0 ? SHT_DYNSYM : SHT_SYMTAB;

		scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != want)
				continue;
			found += scan_symtab(elf, scn, &sh, names, n, offs);
		}
	}
	ret = (int)found;
out:
	if (elf)
		elf_end(elf);
	return ret;
}
