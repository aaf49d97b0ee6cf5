/* SPDX-License-Identifier: MIT */
/*
 * Finds function symbols in an ELF file and converts their addresses to
 * the file offsets uprobes attach at. Looks in .dynsym then .symtab, so
 * exported (node) and local-but-unstripped symbols are both found.
 */
#ifndef TT_ELFSYM_H
#define TT_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

/*
 * names[i] found → offs[i] = file offset, else 0. Returns the number found
 * (>= 0; 0 also when the file has no symbol table), or -ENOEXEC (not
 * ELF), -EIO, -ENOMEM.
 */
int tt_elf_find_syms(int fd, const char *const *names, size_t n,
		     uint64_t *offs);

#endif
