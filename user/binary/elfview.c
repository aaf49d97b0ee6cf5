// SPDX-License-Identifier: MIT
/*
 * ELF headers read with pread() (or from memory): see elfview.h. Only the
 * header tables, the section name table and the note areas are read here;
 * the scanners read the regions in chunks.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "binary/elfview.h"

#define PHDRS_MAX 1024
#define SHSTRTAB_MAX (1u << 20)
#define EH_PE_PCREL_SDATA4 0x1b /* DW_EH_PE_pcrel | DW_EH_PE_sdata4 */

/* off + len lies inside size, without overflow. */
static bool in_range(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

int tt_elfview_read(struct tt_elfview *ev, uint64_t off, void *buf, size_t len)
{
	size_t got = 0;

	if (!in_range(off, len, ev->size))
		return -EINVAL;
	if (ev->fd < 0) {
		memcpy(buf, ev->mem + off, len);
		ev->bytes_read += len;
		return 0;
	}
	while (got < len) {
		ssize_t n = pread(ev->fd, (uint8_t *)buf + got, len - got,
				  (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		got += (size_t)n;
	}
	ev->bytes_read += len;
	return 0;
}

int tt_elfview_va2off(const struct tt_elfview *ev, uint64_t va, uint64_t len,
		      bool exec, uint64_t *off)
{
	for (size_t i = 0; i < ev->nseg; i++) {
		const struct tt_elfseg *s = &ev->seg[i];

		if ((exec && !(s->flags & PF_X)) || va < s->va ||
		    !in_range(va - s->va, len, s->filesz))
			continue;
		*off = s->off + (va - s->va);
		return 0;
	}
	return -ERANGE;
}

int tt_elfview_read_va(struct tt_elfview *ev, uint64_t va, void *buf,
		       size_t len)
{
	uint64_t off;

	if (tt_elfview_va2off(ev, va, len, false, &off))
		return -ERANGE;
	return tt_elfview_read(ev, off, buf, len);
}

/* The NT_GNU_BUILD_ID descriptor among the notes in p[0, len), if any. */
static void parse_notes(struct tt_elfview *ev, const uint8_t *p, size_t len)
{
	size_t o = 0;

	while (o + sizeof(Elf64_Nhdr) <= len) {
		Elf64_Nhdr nh;
		size_t name_sz, desc_sz;

		memcpy(&nh, p + o, sizeof(nh));
		o += sizeof(nh);
		name_sz = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		desc_sz = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (nh.n_namesz > len || nh.n_descsz > len ||
		    name_sz > len - o || desc_sz > len - o - name_sz)
			return;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp(p + o, "GNU", 4) && nh.n_descsz &&
		    nh.n_descsz <= TT_ELFVIEW_BUILD_ID_MAX) {
			memcpy(ev->build_id, p + o + name_sz, nh.n_descsz);
			ev->build_id_len = nh.n_descsz;
			return;
		}
		o += name_sz + desc_sz;
	}
}

static int read_note(struct tt_elfview *ev, uint64_t off, uint64_t len)
{
	uint8_t *buf;
	int ret;

	if (ev->build_id_len || !len)
		return 0;
	if (len > TT_ELFVIEW_NOTE_MAX)
		len = TT_ELFVIEW_NOTE_MAX;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	ret = tt_elfview_read(ev, off, buf, len);
	if (!ret)
		parse_notes(ev, buf, len);
	free(buf);
	return ret == -EINVAL ? 0 : ret; /* a note outside the file: ignored */
}

/* .eh_frame located through PT_GNU_EH_FRAME (no section headers). */
static void eh_from_hdr(struct tt_elfview *ev, uint64_t hdr_va)
{
	uint8_t h[8];
	int32_t rel;
	uint64_t va, off;

	if (tt_elfview_read_va(ev, hdr_va, h, sizeof(h)) || h[0] != 1 ||
	    h[1] != EH_PE_PCREL_SDATA4)
		return;
	memcpy(&rel, h + 4, 4);
	va = hdr_va + 4 + (uint64_t)(int64_t)rel;
	for (size_t i = 0; i < ev->nseg; i++) {
		const struct tt_elfseg *s = &ev->seg[i];

		if (va >= s->va && va - s->va < s->filesz &&
		    !tt_elfview_va2off(ev, va, 1, false, &off)) {
			ev->eh_va = va;
			ev->eh_off = off;
			ev->eh_size = s->filesz - (va - s->va);
			return;
		}
	}
}

static int read_segments(struct tt_elfview *ev, const Elf64_Ehdr *eh,
			 uint64_t *eh_hdr_va)
{
	Elf64_Phdr *ph = NULL;
	size_t n = eh->e_phnum;
	int ret;

	if (!n)
		return 0;
	if (n > PHDRS_MAX || eh->e_phentsize != sizeof(Elf64_Phdr))
		return -EINVAL;
	ph = calloc(n, sizeof(*ph));
	if (!ph)
		return -ENOMEM;
	ret = tt_elfview_read(ev, eh->e_phoff, ph, n * sizeof(*ph));
	for (size_t i = 0; !ret && i < n; i++) {
		if (ph[i].p_type == PT_GNU_EH_FRAME)
			*eh_hdr_va = ph[i].p_vaddr;
		if (ph[i].p_type == PT_NOTE)
			ret = read_note(ev, ph[i].p_offset, ph[i].p_filesz);
		if (ph[i].p_type != PT_LOAD || ret)
			continue;
		if (!in_range(ph[i].p_offset, ph[i].p_filesz, ev->size) ||
		    ph[i].p_vaddr + ph[i].p_filesz < ph[i].p_vaddr) {
			ret = -EINVAL;
		} else if (ev->nseg == TT_ELFVIEW_SEGS_MAX) {
			ret = -E2BIG;
		} else {
			ev->seg[ev->nseg++] = (struct tt_elfseg){
				ph[i].p_vaddr, ph[i].p_offset, ph[i].p_filesz,
				ph[i].p_flags };
		}
	}
	free(ph);
	return ret;
}

static void add_region(struct tt_elfview *ev, uint64_t va, uint64_t off,
		       uint64_t size, uint8_t kind)
{
	uint64_t want;

	/* A region must be where the segments say its addresses are: the
	 * uprobe offsets are computed through the segments. */
	if (!size)
		return;
	if (ev->nreg == TT_ELFVIEW_REGIONS_MAX ||
	    tt_elfview_va2off(ev, va, size, kind == TT_REGION_CODE, &want) ||
	    want != off) {
		ev->regions_dropped++;
		return;
	}
	ev->reg[ev->nreg++] = (struct tt_region){ va, off, size, kind };
}

static bool starts(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

/* One section header: a region, .eh_frame, or nothing. */
static void take_section(struct tt_elfview *ev, const Elf64_Shdr *sh,
			 const char *name)
{
	if (sh->sh_type == SHT_NOTE && !ev->build_id_len)
		read_note(ev, sh->sh_offset, sh->sh_size);
	if (!(sh->sh_flags & SHF_ALLOC) || sh->sh_type == SHT_NOBITS ||
	    (sh->sh_flags & SHF_TLS))
		return;
	if (!strcmp(name, ".eh_frame") && !ev->eh_size &&
	    !tt_elfview_va2off(ev, sh->sh_addr, sh->sh_size, false,
			       &ev->eh_off) && ev->eh_off == sh->sh_offset) {
		ev->eh_va = sh->sh_addr;
		ev->eh_size = sh->sh_size;
		return;
	}
	if (sh->sh_type != SHT_PROGBITS)
		return; /* symbol, string, relocation and hash tables */
	if (sh->sh_flags & SHF_EXECINSTR)
		add_region(ev, sh->sh_addr, sh->sh_offset, sh->sh_size,
			   TT_REGION_CODE);
	else if (sh->sh_flags & SHF_WRITE)
		add_region(ev, sh->sh_addr, sh->sh_offset, sh->sh_size,
			   TT_REGION_DATA);
	else if (!starts(name, ".eh_frame") && !starts(name, ".gcc_except_table"))
		add_region(ev, sh->sh_addr, sh->sh_offset, sh->sh_size,
			   TT_REGION_RODATA);
}

static int read_sections(struct tt_elfview *ev, const Elf64_Ehdr *eh)
{
	Elf64_Shdr *sh = NULL;
	char *names = NULL;
	size_t n = eh->e_shnum, nlen = 0;
	int ret = 0;

	if (!eh->e_shoff || !n)
		return 0;
	if (n > TT_ELFVIEW_SECTIONS_MAX || eh->e_shentsize != sizeof(Elf64_Shdr))
		return 0; /* unusable: the segments will do */
	sh = calloc(n, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	ret = tt_elfview_read(ev, eh->e_shoff, sh, n * sizeof(*sh));
	if (ret)
		goto out;
	if (eh->e_shstrndx < n && sh[eh->e_shstrndx].sh_size <= SHSTRTAB_MAX) {
		nlen = sh[eh->e_shstrndx].sh_size;
		names = calloc(1, nlen + 1);
		if (!names) {
			ret = -ENOMEM;
			goto out;
		}
		ret = tt_elfview_read(ev, sh[eh->e_shstrndx].sh_offset, names, nlen);
		if (ret)
			goto out;
	}
	for (size_t i = 1; i < n; i++) {
		const char *name = "";

		if (sh[i].sh_type != SHT_NOBITS &&
		    !in_range(sh[i].sh_offset, sh[i].sh_size, ev->size)) {
			ret = -EINVAL;
			goto out;
		}
		if (names && sh[i].sh_name < nlen)
			name = names + sh[i].sh_name;
		take_section(ev, &sh[i], name);
	}
	ev->has_sections = ev->nreg > 0;
out:
	free(names);
	free(sh);
	return ret;
}

/* No usable section headers: whole segments as regions. */
static void regions_from_segments(struct tt_elfview *ev)
{
	for (size_t i = 0; i < ev->nseg; i++) {
		const struct tt_elfseg *s = &ev->seg[i];

		add_region(ev, s->va, s->off, s->filesz,
			   s->flags & PF_X ? TT_REGION_CODE :
			   s->flags & PF_W ? TT_REGION_DATA : TT_REGION_RODATA);
	}
}

static int check_ehdr(const Elf64_Ehdr *eh, uint64_t size)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_machine != EM_X86_64)
		return -ENOEXEC;
	if ((eh->e_phnum && !in_range(eh->e_phoff, (uint64_t)eh->e_phnum *
				      sizeof(Elf64_Phdr), size)) ||
	    (eh->e_shoff && !in_range(eh->e_shoff, (uint64_t)eh->e_shnum *
				      sizeof(Elf64_Shdr), size)))
		return -EINVAL;
	return 0;
}

int tt_elfview_open(struct tt_elfview *ev, int fd, const void *mem,
		    uint64_t size)
{
	uint64_t eh_hdr_va = 0;
	Elf64_Ehdr eh;
	struct stat st;
	int ret;

	memset(ev, 0, sizeof(*ev));
	ev->fd = mem ? -1 : fd;
	ev->mem = mem;
	ev->size = size;
	if (!mem) {
		if (fstat(fd, &st))
			return -errno;
		ev->size = (uint64_t)st.st_size;
	}
	if (ev->size < sizeof(eh))
		return -ENOEXEC;
	ret = tt_elfview_read(ev, 0, &eh, sizeof(eh));
	if (!ret)
		ret = check_ehdr(&eh, ev->size);
	if (ret)
		return ret;
	ev->pie = eh.e_type == ET_DYN;
	ret = read_segments(ev, &eh, &eh_hdr_va);
	if (!ret)
		ret = read_sections(ev, &eh);
	if (ret)
		return ret;
	if (!ev->has_sections) {
		ev->nreg = 0;
		regions_from_segments(ev);
	}
	if (!ev->eh_size && eh_hdr_va)
		eh_from_hdr(ev, eh_hdr_va);
	return 0;
}
