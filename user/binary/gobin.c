// SPDX-License-Identifier: MIT
/*
 * Go executables: buildinfo, pclntab and symbol lookup, RET offsets by
 * disassembly. libelf reads the ELF headers; every table inside the file
 * is read from the raw image with explicit bounds checks.
 *
 * One file of a little over 800 lines on purpose: buildinfo, the pclntab
 * and the RET scan share one bounds-checked view of the image (struct
 * tt_gobin with seg_off and the rd* readers); split, each part would
 * export those readers and the bounds rules would live in a header
 * instead of here.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "binary/gobin.h"

#define BUILDINFO_MAGIC "\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN 14
#define BUILDINFO_HDR 32
#define BUILDINFO_ALIGN 16
#define BUILDINFO_SCAN (64u * 1024) /* as debug/buildinfo: near data start */
#define BUILDINFO_STR_MAX 4096	/* a version string is short */
#define PCLN_SCAN_TRIES 32	/* candidate headers tried without sections */
#define PHDRS_MAX 256

/* off + len lies inside size, without overflow. */
static bool in_range(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint64_t rdword(const uint8_t *p, unsigned size)
{
	return size == 8 ? rd64(p) : rd32(p);
}

/* ---- pclntab (pure) ---------------------------------------------------- */

static bool known_magic(uint32_t m)
{
	return m == TT_GOPCLN_MAGIC_116 || m == TT_GOPCLN_MAGIC_118 ||
	       m == TT_GOPCLN_MAGIC_120;
}

int tt_gopcln_parse(const uint8_t *tab, size_t len, struct tt_gopcln *h)
{
	unsigned nwords, fsz;
	uint64_t w[8];

	memset(h, 0, sizeof(*h));
	if (len < 8)
		return -EINVAL;
	h->magic = rd32(tab);
	if (!known_magic(h->magic))
		return -ENOTSUP;
	h->quantum = tab[6];
	h->ptr_size = tab[7];
	if (tab[4] || tab[5] ||
	    (h->quantum != 1 && h->quantum != 2 && h->quantum != 4) ||
	    (h->ptr_size != 4 && h->ptr_size != 8))
		return -EINVAL;
	/*
	 * Words after the first 8 bytes: nfunc, nfiles, [textStart (1.18+)],
	 * funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset
	 * (runtime/symtab.go pcHeader).
	 */
	nwords = h->magic == TT_GOPCLN_MAGIC_116 ? 7 : 8;
	if (!in_range(8, (uint64_t)nwords * h->ptr_size, len))
		return -EINVAL;
	for (unsigned i = 0; i < nwords; i++)
		w[i] = rdword(tab + 8 + i * h->ptr_size, h->ptr_size);
	h->nfunc = w[0];
	if (nwords == 8) {
		h->textstart_field = 8 + 2 * (uint64_t)h->ptr_size;
		h->text_start = w[2];
		h->funcname_off = w[3];
		h->pcln_off = w[7];
	} else {
		h->funcname_off = w[2];
		h->pcln_off = w[6];
	}
	if (h->nfunc > TT_GOBIN_FUNCS_MAX)
		return -E2BIG;
	/* 1.18+ entries are uint32 offsets from textStart, 1.16 are PCs. */
	fsz = h->magic == TT_GOPCLN_MAGIC_116 ? h->ptr_size : 4;
	if (!h->nfunc || h->funcname_off >= len ||
	    !in_range(h->pcln_off, (2 * h->nfunc + 1) * fsz, len))
		return -EINVAL;
	return 0;
}

/* The NUL-terminated name at name[0..rem) is exactly want. */
static bool name_is(const uint8_t *name, size_t rem, const char *want)
{
	size_t wl;

	if ((char)name[0] != want[0])
		return false;
	wl = strlen(want);
	return wl < rem && !memcmp(name, want, wl) && !name[wl];
}

int tt_gopcln_find(const uint8_t *tab, size_t len, const struct tt_gopcln *h,
		   uint64_t text_start, const char *const *names, size_t n,
		   struct tt_gobin_func *out, struct tt_gobin_stats *stats)
{
	bool v116 = h->magic == TT_GOPCLN_MAGIC_116;
	unsigned fsz = v116 ? h->ptr_size : 4;
	uint64_t base = v116 ? 0 : text_start;
	const uint8_t *ft, *rec;
	uint64_t reclen, raw, next, funcoff, noff;
	size_t found = 0;
	int32_t nameoff;
	int ret = -EINVAL;

	memset(out, 0, n * sizeof(*out));
	/* The header was checked against this very len: checked again. */
	if (!h->nfunc || h->nfunc > TT_GOBIN_FUNCS_MAX ||
	    (h->ptr_size != 4 && h->ptr_size != 8) || h->funcname_off >= len ||
	    !in_range(h->pcln_off, (2 * h->nfunc + 1) * fsz, len))
		goto out;
	ft = tab + h->pcln_off;
	reclen = len - h->pcln_off; /* _func records: offsets from ft */
	next = rdword(ft, fsz);
	for (uint64_t i = 0; i < h->nfunc && found < n; i++) {
		raw = next;
		funcoff = rdword(ft + (2 * i + 1) * fsz, fsz);
		next = rdword(ft + (2 * i + 2) * fsz, fsz);
		stats->funcs_walked++;
		if (next <= raw || !in_range(funcoff, fsz + 4, reclen))
			goto out;
		rec = ft + funcoff;
		nameoff = (int32_t)rd32(rec + fsz);
		noff = h->funcname_off + (uint64_t)nameoff;
		if (nameoff < 0 || noff >= len)
			goto out;
		for (size_t k = 0; k < n; k++) {
			if (out[k].source || !name_is(tab + noff, len - noff,
						      names[k]))
				continue;
			/* _func's own entry must agree with the table. */
			if (rdword(rec, fsz) != raw || raw + base < raw)
				goto out;
			out[k].entry = raw + base;
			out[k].size = next - raw;
			out[k].source = TT_GOBIN_SRC_PCLNTAB;
			found++;
		}
	}
	ret = (int)found;
out:
	if (ret < 0)
		memset(out, 0, n * sizeof(*out));
	return ret;
}

/* ---- buildinfo and version (pure) -------------------------------------- */

/* Copies a version string, printable ASCII only; returns its full length. */
static int copy_version(const uint8_t *s, uint64_t len, char *ver, size_t cap)
{
	size_t n;

	if (!len || len > BUILDINFO_STR_MAX)
		return -EINVAL;
	for (uint64_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -EINVAL;
	if (cap) {
		n = len < cap ? (size_t)len : cap - 1;
		memcpy(ver, s, n);
		ver[n] = '\0';
	}
	return (int)len;
}

int tt_gobin_buildinfo_version(const uint8_t *p, size_t len, char *ver,
			       size_t cap)
{
	uint64_t vlen = 0;
	size_t i = BUILDINFO_HDR;
	unsigned shift = 0;

	if (cap)
		ver[0] = '\0';
	if (len < BUILDINFO_HDR ||
	    memcmp(p, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN))
		return -EINVAL;
	if (!(p[15] & 2))
		return -ENOENT; /* Go < 1.18: two pointers to Go strings */
	/* 1.18+: uvarint length, then the bytes (debug/buildinfo). */
	for (;;) {
		if (i >= len || shift > 63)
			return -EINVAL;
		vlen |= (uint64_t)(p[i] & 0x7f) << shift;
		if (!(p[i++] & 0x80))
			break;
		shift += 7;
	}
	if (!in_range(i, vlen, len))
		return -EINVAL;
	return copy_version(p + i, vlen, ver, cap);
}

int tt_gobin_parse_version(const char *ver, int *major, int *minor)
{
	const char *p = ver;
	char *end;
	long ma, mi;

	*major = *minor = 0;
	/* "go1.19.8", "go1.21rc2", "devel go1.22-abcdef ..." */
	while ((p = strstr(p, "go"))) {
		if (p[2] >= '0' && p[2] <= '9')
			break;
		p += 2;
	}
	if (!p)
		return -EINVAL;
	ma = strtol(p + 2, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	mi = strtol(end + 1, &end, 10);
	if (ma < 1 || ma > 1000 || mi < 0 || mi > 1000)
		return -EINVAL;
	*major = (int)ma;
	*minor = (int)mi;
	return 0;
}

/* ---- ELF glue ---------------------------------------------------------- */

/*
 * File offset of [vaddr, vaddr + len) inside one PT_LOAD's file bytes
 * (executable ones only with exec). Stricter than elfsym's lookup: the
 * whole range must be backed by the file, since it is read from there.
 */
static int seg_off(struct tt_gobin *gb, uint64_t vaddr, uint64_t len,
		   bool exec, uint64_t *off)
{
	size_t nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(gb->elf, &nph))
		return -EINVAL;
	for (size_t i = 0; i < nph && i < PHDRS_MAX; i++) {
		if (!gelf_getphdr(gb->elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    (exec && !(ph.p_flags & PF_X)) ||
		    !in_range(ph.p_offset, ph.p_filesz, gb->size))
			continue;
		if (vaddr >= ph.p_vaddr &&
		    in_range(vaddr - ph.p_vaddr, len, ph.p_filesz)) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return 0;
		}
	}
	return -ERANGE;
}

/* Go < 1.18 buildinfo: a pointer to a Go string header {data, len}. */
static void read_ptr_version(struct tt_gobin *gb, const uint8_t *bi)
{
	unsigned ps = bi[14];
	uint64_t hdr_off, str_off, addr, len;
	int ret = -EINVAL;

	if ((ps != 4 && ps != 8) || bi[15] != 0) /* 0: little endian */
		goto out;
	addr = rdword(bi + 16, ps);
	if (seg_off(gb, addr, 2 * (uint64_t)ps, false, &hdr_off))
		goto out;
	addr = rdword(gb->img + hdr_off, ps);
	len = rdword(gb->img + hdr_off + ps, ps);
	if (len > BUILDINFO_STR_MAX || seg_off(gb, addr, len, false, &str_off))
		goto out;
	ret = copy_version(gb->img + str_off, len, gb->info.version,
			   sizeof(gb->info.version));
out:
	if (ret < 0) {
		gb->info.version[0] = '\0';
		gb->stats.version_dropped++;
	} else if ((size_t)ret >= sizeof(gb->info.version)) {
		gb->stats.version_dropped++;
	}
}

/*
 * Without a .go.buildinfo section: the blob sits near the start of the
 * first writable, non-executable segment, 16-byte aligned.
 */
static int find_buildinfo(struct tt_gobin *gb, uint64_t *off, uint64_t *len)
{
	size_t nph;
	GElf_Phdr ph;
	uint64_t n;

	if (elf_getphdrnum(gb->elf, &nph))
		return -EINVAL;
	for (size_t i = 0; i < nph && i < PHDRS_MAX; i++) {
		if (!gelf_getphdr(gb->elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    (ph.p_flags & (PF_X | PF_W)) != PF_W)
			continue;
		if (!in_range(ph.p_offset, ph.p_filesz, gb->size))
			return -EINVAL;
		n = ph.p_filesz < BUILDINFO_SCAN ? ph.p_filesz : BUILDINFO_SCAN;
		for (uint64_t k = 0; k + BUILDINFO_HDR <= n;
		     k += BUILDINFO_ALIGN) {
			if (memcmp(gb->img + ph.p_offset + k, BUILDINFO_MAGIC,
				   BUILDINFO_MAGIC_LEN))
				continue;
			*off = ph.p_offset + k;
			*len = ph.p_filesz - k;
			return 0;
		}
		break; /* only the first such segment, as debug/buildinfo */
	}
	return -ENOENT;
}

static void read_buildinfo(struct tt_gobin *gb, uint64_t off, uint64_t len)
{
	const uint8_t *bi = gb->img + off;
	char *ver = gb->info.version;
	int ret;

	if (len < BUILDINFO_HDR ||
	    memcmp(bi, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN))
		return;
	gb->info.has_buildinfo = true;
	ret = tt_gobin_buildinfo_version(bi, len, ver, TT_GOBIN_VERSION_MAX);
	if (ret == -ENOENT)
		read_ptr_version(gb, bi);
	else if (ret < 0 || ret >= TT_GOBIN_VERSION_MAX)
		gb->stats.version_dropped++;
	if (ver[0])
		tt_gobin_parse_version(ver, &gb->info.go_major,
				       &gb->info.go_minor);
}

/*
 * No pclntab section (section headers stripped by other tools): try the
 * aligned words of the non-executable segments that start a pclntab
 * header, a bounded number of candidates.
 */
static void scan_pclntab(struct tt_gobin *gb)
{
	unsigned tries = 0;
	struct tt_gopcln h;
	size_t nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(gb->elf, &nph))
		return;
	for (size_t i = 0; i < nph && i < PHDRS_MAX; i++) {
		const uint8_t *seg;

		if (!gelf_getphdr(gb->elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    (ph.p_flags & PF_X) ||
		    !in_range(ph.p_offset, ph.p_filesz, gb->size))
			continue;
		seg = gb->img + ph.p_offset;
		for (uint64_t k = 0; k + 16 <= ph.p_filesz; k += 8) {
			uint32_t m = rd32(seg + k);

			if (!known_magic(m) || seg[k + 4] || seg[k + 5])
				continue;
			if (++tries > PCLN_SCAN_TRIES)
				return;
			if (tt_gopcln_parse(seg + k, ph.p_filesz - k, &h))
				continue;
			gb->pcln_off = ph.p_offset + k;
			gb->pcln_len = ph.p_filesz - k;
			gb->pcln_vaddr = ph.p_vaddr + k;
			gb->info.has_pclntab = true;
			return;
		}
	}
}

/* Sections of interest; -EINVAL when any lies outside the file. */
static int read_sections(struct tt_gobin *gb, uint64_t *bi_off,
			 uint64_t *bi_len)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	const char *name;

	if (elf_getshdrstrndx(gb->elf, &shstrndx))
		return -EINVAL;
	while ((scn = elf_nextscn(gb->elf, scn))) {
		/* Any section cut off by the end: a truncated file. */
		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_NOBITS &&
		     !in_range(sh.sh_offset, sh.sh_size, gb->size)))
			return -EINVAL;
		if (sh.sh_type == SHT_SYMTAB)
			gb->info.has_symtab = true;
		name = elf_strptr(gb->elf, shstrndx, sh.sh_name);
		if (!name || sh.sh_type == SHT_NOBITS)
			continue;
		if (!strcmp(name, ".text"))
			gb->text_addr = sh.sh_addr;
		if (strcmp(name, ".gopclntab") &&
		    strcmp(name, ".data.rel.ro.gopclntab") &&
		    strcmp(name, ".go.buildinfo"))
			continue;
		if (!strcmp(name, ".go.buildinfo")) {
			*bi_off = sh.sh_offset;
			*bi_len = sh.sh_size;
		} else {
			gb->pcln_off = sh.sh_offset;
			gb->pcln_len = sh.sh_size;
			gb->pcln_vaddr = sh.sh_addr;
			gb->info.has_pclntab = true;
		}
	}
	return 0;
}

static void set_abi(struct tt_gobin_info *info)
{
	int min_reg = info->machine == EM_X86_64 ? 17 :
		      info->machine == EM_AARCH64 ? 18 : 0;

	info->abi = TT_GOBIN_ABI_UNKNOWN;
	if (!info->is_go || !min_reg)
		return;
	if (info->go_major == 1)
		info->abi = info->go_minor >= min_reg ? TT_GOBIN_ABI_REG :
							 TT_GOBIN_ABI_STACK;
	else if (info->go_major > 1)
		info->abi = TT_GOBIN_ABI_REG;
	else if (info->pclntab_magic == TT_GOPCLN_MAGIC_118 ||
		 info->pclntab_magic == TT_GOPCLN_MAGIC_120)
		info->abi = TT_GOBIN_ABI_REG; /* no version: table is 1.18+ */
}

static int open_elf(struct tt_gobin *gb)
{
	uint64_t bi_off = 0, bi_len = 0;
	struct tt_gopcln h;
	size_t nph, nsh, raw_size;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	int ret;

	if (elf_kind(gb->elf) != ELF_K_ELF)
		return -ENOEXEC;
	gb->img = (const uint8_t *)elf_rawfile(gb->elf, &raw_size);
	gb->size = raw_size;
	if (!gb->img || !gelf_getehdr(gb->elf, &eh) ||
	    elf_getphdrnum(gb->elf, &nph))
		return -EINVAL;
	/* libelf tolerates header tables cut off by the end of the file. */
	if (elf_getshdrnum(gb->elf, &nsh) ||
	    (nsh && !in_range(eh.e_shoff, (uint64_t)nsh * eh.e_shentsize,
			      gb->size)) ||
	    (nph && !in_range(eh.e_phoff, (uint64_t)nph * eh.e_phentsize,
			      gb->size)))
		return -EINVAL;
	for (size_t i = 0; i < nph; i++)
		if (!gelf_getphdr(gb->elf, (int)i, &ph) ||
		    (ph.p_type == PT_LOAD &&
		     !in_range(ph.p_offset, ph.p_filesz, gb->size)))
			return -EINVAL;
	gb->info.machine = eh.e_machine;
	gb->info.pie = eh.e_type == ET_DYN;
	ret = read_sections(gb, &bi_off, &bi_len);
	if (ret)
		return ret;
	if (bi_len || !find_buildinfo(gb, &bi_off, &bi_len))
		read_buildinfo(gb, bi_off, bi_len);
	/* Only a binary that says it is Go is searched for a bare table. */
	if (!gb->info.has_pclntab && gb->info.has_buildinfo)
		scan_pclntab(gb);
	if (gb->info.has_pclntab &&
	    !tt_gopcln_parse(gb->img + gb->pcln_off, gb->pcln_len, &h))
		gb->info.pclntab_magic = h.magic;
	gb->info.is_go = gb->info.has_buildinfo || gb->info.has_pclntab;
	set_abi(&gb->info);
	return 0;
}

static int elf_magic_ret(const uint8_t *p, size_t len)
{
	return len >= SELFMAG && !memcmp(p, ELFMAG, SELFMAG) ? -EINVAL : -ENOEXEC;
}

int tt_gobin_open_mem(struct tt_gobin *gb, const void *img, size_t size)
{
	int ret;

	memset(gb, 0, sizeof(*gb));
	gb->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	/* libelf reads an image given for ELF_C_READ: it is never written. */
	gb->elf = elf_memory((char *)(uintptr_t)img, size);
	if (!gb->elf)
		return elf_magic_ret(img, size);
	ret = open_elf(gb);
	if (ret)
		tt_gobin_close(gb);
	return ret;
}

int tt_gobin_open_fd(struct tt_gobin *gb, int fd)
{
	uint8_t magic[SELFMAG];
	ssize_t got;
	int ret;

	memset(gb, 0, sizeof(*gb));
	gb->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EIO;
	/* Mapped: cheap for the 100 MB executables every exec brings. The
	 * code to disassemble is read with pread() instead (ret_offsets): a
	 * uprobe already on this inode shows through a private mapping as an
	 * int3 byte and would hide the RET it sits on. */
	gb->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	gb->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!gb->elf) {
		tt_gobin_close(gb);
		got = pread(fd, magic, sizeof(magic), 0);
		return got < 0 ? -EIO : elf_magic_ret(magic, (size_t)got);
	}
	ret = open_elf(gb);
	if (ret)
		tt_gobin_close(gb);
	return ret;
}

void tt_gobin_close(struct tt_gobin *gb)
{
	if (gb->fd >= 0)
		close(gb->fd);
	gb->fd = -1;
	if (gb->elf)
		elf_end(gb->elf);
	gb->elf = NULL;
	gb->img = NULL;
	gb->size = 0;
}

/* ---- finding functions ------------------------------------------------- */

static size_t scan_syms(struct tt_gobin *gb, unsigned type,
			const char *const *names, size_t n,
			struct tt_gobin_func *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf_Data *data;
	size_t found = 0;

	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < data->d_size / sh.sh_entsize &&
				   i < INT_MAX; i++) {
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_size)
				continue;
			name = elf_strptr(gb->elf, sh.sh_link, sym.st_name);
			for (size_t k = 0; name && k < n; k++) {
				struct tt_gobin_func *f = &out[k];

				if (f->source || strcmp(name, names[k]) ||
				    seg_off(gb, sym.st_value, sym.st_size, true,
					    &f->entry_off))
					continue;
				f->entry = sym.st_value;
				f->size = sym.st_size;
				f->source = TT_GOBIN_SRC_SYMTAB;
				found++;
			}
		}
	}
	return found;
}

/* A PIE's textStart may be left to a R_*_RELATIVE relocation: its addend. */
static uint64_t rela_addend(struct tt_gobin *gb, uint64_t addr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Rela r;
	Elf_Data *data;

	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < data->d_size / sh.sh_entsize &&
				   i < INT_MAX; i++)
			if (gelf_getrela(data, (int)i, &r) && r.r_offset == addr)
				return (uint64_t)r.r_addend;
	}
	return 0;
}

static int find_in_pclntab(struct tt_gobin *gb, const char *const *names,
			   size_t n, struct tt_gobin_func *out)
{
	const uint8_t *tab = gb->img + gb->pcln_off;
	struct tt_gobin_func *hits;
	struct tt_gopcln h;
	uint64_t text = 0;
	int ret;

	if (!gb->info.has_pclntab)
		return -ENOENT;
	ret = tt_gopcln_parse(tab, gb->pcln_len, &h);
	if (ret)
		return ret;
	if (h.magic != TT_GOPCLN_MAGIC_116) {
		text = h.text_start;
		if (!text && gb->info.pie)
			text = rela_addend(gb, gb->pcln_vaddr +
						   h.textstart_field);
		if (!text)
			text = gb->text_addr;
		if (!text)
			return -EINVAL;
	}
	hits = calloc(n ? n : 1, sizeof(*hits));
	if (!hits)
		return -ENOMEM;
	ret = tt_gopcln_find(tab, gb->pcln_len, &h, text, names, n, hits,
			     &gb->stats);
	for (size_t k = 0; ret >= 0 && k < n; k++) {
		if (out[k].source || !hits[k].source)
			continue;
		if (seg_off(gb, hits[k].entry, hits[k].size, true,
			    &hits[k].entry_off)) {
			ret = -EINVAL;
			break;
		}
		out[k] = hits[k];
	}
	free(hits);
	return ret;
}

int tt_gobin_find_funcs(struct tt_gobin *gb, const char *const *names,
			size_t n, struct tt_gobin_func *out, unsigned flags)
{
	size_t found = 0;
	int ret;

	memset(out, 0, n * sizeof(*out));
	if (!gb->elf || !gb->info.is_go)
		return -ENOENT;
	if (!(flags & TT_GOBIN_PCLNTAB_ONLY)) {
		found = scan_syms(gb, SHT_SYMTAB, names, n, out);
		if (found < n)
			found += scan_syms(gb, SHT_DYNSYM, names, n, out);
	}
	if (found == n)
		return (int)found;
	ret = find_in_pclntab(gb, names, n, out);
	if (ret < 0 && (ret != -ENOENT || !found)) {
		gb->stats.table_errors++;
		memset(out, 0, n * sizeof(*out));
		return ret;
	}
	found = 0;
	for (size_t k = 0; k < n; k++)
		found += out[k].source != TT_GOBIN_SRC_NONE;
	return (int)found;
}

/* ---- return instructions ----------------------------------------------- */

/* The undecodable tail is inter-function padding (int3, or zeros). */
static bool all_pad(const uint8_t *p, size_t len, uint8_t pad)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pad)
			return false;
	return true;
}

struct ret_arch {
	cs_arch arch;
	cs_mode mode;
	unsigned ret_id;
	uint8_t pad;	/* the linker's filler between functions */
};

static int arch_of(uint16_t machine, struct ret_arch *ra)
{
	switch (machine) {
	case EM_X86_64:
		*ra = (struct ret_arch){ CS_ARCH_X86, CS_MODE_64, X86_INS_RET,
					 0xcc };
		return 0;
	case EM_AARCH64: /* little endian; Go pads arm64 text with zeros */
		*ra = (struct ret_arch){ CS_ARCH_ARM64, CS_MODE_ARM,
					 ARM64_INS_RET, 0x00 };
		return 0;
	default:
		return -ENOTSUP;
	}
}

int tt_gobin_ret_offsets(struct tt_gobin *gb, const struct tt_gobin_func *fn,
			 uint64_t *offs, size_t cap, size_t *n_ret)
{
	struct ret_arch ra;
	csh cs;
	cs_insn *insn;
	const uint8_t *code;
	uint8_t *copy = NULL;
	size_t left, k = 0;
	uint64_t addr, off;
	int ret;

	*n_ret = 0;
	if (cap > TT_GOBIN_RETS_MAX)
		cap = TT_GOBIN_RETS_MAX;
	if (!gb->elf || !fn->source || !fn->size ||
	    fn->size > TT_GOBIN_FUNC_BYTES_MAX ||
	    seg_off(gb, fn->entry, fn->size, true, &off) || off != fn->entry_off)
		return -EINVAL;
	ret = arch_of(gb->info.machine, &ra);
	if (ret)
		return ret;
	switch (cs_open(ra.arch, ra.mode, &cs)) {
	case CS_ERR_OK:
		break;
	case CS_ERR_MEM:
		return -ENOMEM;
	default:
		return -ENOTSUP;
	}
	insn = cs_malloc(cs);
	if (!insn) {
		ret = -ENOMEM;
		goto out;
	}
	code = gb->img + off;
	if (gb->fd >= 0) {
		/* The file's own bytes, not the mapping's (see open_fd). */
		size_t got = 0;

		copy = malloc(fn->size);
		if (!copy) {
			ret = -ENOMEM;
			goto out_insn;
		}
		while (got < fn->size) {
			ssize_t n = pread(gb->fd, copy + got, fn->size - got,
					  (off_t)(off + got));

			if (n <= 0) {
				ret = n < 0 ? -errno : -EINVAL;
				goto out_insn;
			}
			got += (size_t)n;
		}
		code = copy;
	}
	left = fn->size;
	addr = fn->entry;
	while (left) {
		if (!cs_disasm_iter(cs, &code, &left, &addr, insn)) {
			if (!all_pad(code, left, ra.pad)) {
				gb->stats.decode_stops++;
				ret = -EILSEQ;
			}
			break;
		}
		if (insn->id != ra.ret_id)
			continue;
		if (k == cap) {
			gb->stats.rets_over_cap++;
			ret = -E2BIG;
			break;
		}
		offs[k++] = off + (insn->address - fn->entry);
	}
out_insn:
	free(copy);
	cs_free(insn, 1);
out:
	cs_close(&cs);
	*n_ret = k;
	return ret;
}
