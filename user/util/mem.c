// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/mem.h"

static void *libc_malloc(size_t size, void *user)
{
	(void)user;
	return malloc(size);
}

static void *libc_realloc(void *p, size_t size, void *user)
{
	(void)user;
	return realloc(p, size);
}

static void libc_free(void *p, void *user)
{
	(void)user;
	free(p);
}

struct tt_mem tt_mem_resolve(const struct tt_mem *mem)
{
	static const struct tt_mem libc_mem = { libc_malloc, libc_realloc,
						libc_free, NULL };

	return mem ? *mem : libc_mem;
}

void *tt_mem_malloc(const struct tt_mem *mem, size_t size)
{
	return mem ? mem->malloc(size, mem->user) : malloc(size);
}

void *tt_mem_calloc(const struct tt_mem *mem, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = tt_mem_malloc(mem, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *tt_mem_realloc(const struct tt_mem *mem, void *p, size_t size)
{
	return mem ? mem->realloc(p, size, mem->user) : realloc(p, size);
}

void tt_mem_free(const struct tt_mem *mem, void *p)
{
	if (!p)
		return;
	if (mem)
		mem->free(p, mem->user);
	else
		free(p);
}

void tt_mem_free_obj(const struct tt_mem *mem, void *buf, void *obj)
{
	struct tt_mem copy = *mem; /* freeing obj frees *mem */

	tt_mem_free(&copy, buf);
	tt_mem_free(&copy, obj);
}
