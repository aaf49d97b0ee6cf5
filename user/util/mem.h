/* SPDX-License-Identifier: MIT */
/*
 * The allocator a core is handed (after nghttp2's nghttp2_mem): the cores
 * that allocate per connection (HTTP/1 and HTTP/2 parsers, the stream
 * framers) take a const struct tt_mem * when they are made and allocate
 * only through it, so a test can fail any allocation on demand, or count
 * them, without interposing libc's (which sanitizers, valgrind and the
 * compiler's own folding of realloc(NULL, n) into malloc(n) defeat).
 *
 * A struct tt_mem sets all three functions; a NULL struct tt_mem * means
 * libc's. A core keeps its own copy (tt_mem_resolve), so the caller's
 * struct may go away; what its user points to must outlive the core.
 */
#ifndef TT_MEM_H
#define TT_MEM_H

#include <stddef.h>

struct tt_mem {
	void *(*malloc)(size_t size, void *user);
	void *(*realloc)(void *p, size_t size, void *user);
	void (*free)(void *p, void *user); /* p may be NULL */
	void *user;
};

/* *mem, or libc's allocator when mem is NULL. */
struct tt_mem tt_mem_resolve(const struct tt_mem *mem);

void *tt_mem_malloc(const struct tt_mem *mem, size_t size);
/* Zeroed n * size bytes; NULL when that overflows. */
void *tt_mem_calloc(const struct tt_mem *mem, size_t n, size_t size);
void *tt_mem_realloc(const struct tt_mem *mem, void *p, size_t size);
void tt_mem_free(const struct tt_mem *mem, void *p);
/* Frees a core that holds its own copy of its allocator (mem points into
 * obj) and one buffer: buf, then obj itself. */
void tt_mem_free_obj(const struct tt_mem *mem, void *buf, void *obj);

#endif
