// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the pure parsers of user/core/gobin.c. The first byte
 * picks what the rest is:
 *   0: a whole pclntab section, as found in a file;
 *   1: a pclntab body behind a well-formed header built from the next five
 *      bytes (layout, pointer size, nfunc, name and function table
 *      offsets), so the fuzzer spends its time in the function table walk
 *      rather than in guessing header fields;
 *   2: a buildinfo blob after the "\xff Go buildinf:" magic.
 * Every input is also read as a Go version string. Invariants: only the
 * documented return codes; found functions lie after the text start and
 * have a size; what is not found is all zero; versions are printable and
 * NUL-terminated inside their buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "binary/gobin.h"
#include "fuzz.h"

#define TEXT 0x401000u
#define NNAMES 4

static const char *const names[NNAMES] = {
	"crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read", "a", "main.main",
};

static void put(uint8_t *p, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void check_table(const uint8_t *tab, size_t len)
{
	struct tt_gobin_stats st = { 0 };
	struct tt_gobin_func out[NNAMES];
	struct tt_gopcln h;
	int ret, found = 0;

	ret = tt_gopcln_parse(tab, len, &h);
	CHECK(ret == 0 || ret == -EINVAL || ret == -ENOTSUP || ret == -E2BIG);
	if (ret)
		return;
	CHECK(h.nfunc >= 1 && h.nfunc <= TT_GOBIN_FUNCS_MAX);
	CHECK(h.pcln_off < len && h.funcname_off < len);
	ret = tt_gopcln_find(tab, len, &h, TEXT, names, NNAMES, out, &st);
	CHECK(ret == -EINVAL || (ret >= 0 && ret <= NNAMES));
	CHECK(st.funcs_walked <= h.nfunc);
	for (int k = 0; k < NNAMES; k++) {
		if (ret < 0 || out[k].source == TT_GOBIN_SRC_NONE) {
			CHECK(!out[k].entry && !out[k].size && !out[k].entry_off);
			continue;
		}
		CHECK(out[k].source == TT_GOBIN_SRC_PCLNTAB);
		CHECK(out[k].size > 0);
		if (h.magic != TT_GOPCLN_MAGIC_116)
			CHECK(out[k].entry >= TEXT);
		found++;
	}
	if (ret >= 0)
		CHECK(found == ret);
}

/* A header for one of the three layouts, then the fuzzer's bytes. */
static void check_with_header(const uint8_t *data, size_t size)
{
	static const uint32_t magics[3] = { TT_GOPCLN_MAGIC_116,
					    TT_GOPCLN_MAGIC_118,
					    TT_GOPCLN_MAGIC_120 };
	uint32_t magic;
	unsigned ptr, nwords, w = 0;
	size_t hdr, len;
	uint8_t *tab;

	if (size < 5)
		return;
	magic = magics[(data[0] & 3) % 3];
	ptr = data[0] & 4 ? 4 : 8;
	nwords = magic == TT_GOPCLN_MAGIC_116 ? 7 : 8;
	hdr = 8 + (size_t)nwords * ptr;
	len = hdr + size - 5;
	tab = calloc(1, len);
	CHECK(tab);
	put(tab, magic, 4);
	tab[6] = 1;
	tab[7] = (uint8_t)ptr;
	put(tab + 8 + ptr * w++, data[1], ptr);		/* nfunc */
	put(tab + 8 + ptr * w++, 0, ptr);		/* nfiles */
	if (nwords == 8)
		put(tab + 8 + ptr * w++, TEXT, ptr);	/* textStart */
	put(tab + 8 + ptr * w++, hdr + data[2], ptr);	/* funcnameOffset */
	w += 3;
	put(tab + 8 + ptr * w, hdr + (data[3] | (size_t)data[4] << 8), ptr);
	memcpy(tab + hdr, data + 5, size - 5);
	check_table(tab, len);
	free(tab);
}

static void check_buildinfo(const uint8_t *data, size_t size)
{
	uint8_t *bi = malloc(14 + size);
	char ver[TT_GOBIN_VERSION_MAX];
	int ret;

	CHECK(bi);
	memcpy(bi, "\xff Go buildinf:", 14);
	if (size)
		memcpy(bi + 14, data, size);
	memset(ver, 'x', sizeof(ver));
	ret = tt_gobin_buildinfo_version(bi, 14 + size, ver, sizeof(ver));
	CHECK(ret == -EINVAL || ret == -ENOENT || ret > 0);
	CHECK(memchr(ver, '\0', sizeof(ver)));
	if (ret > 0) {
		size_t n = strlen(ver);

		CHECK(n == ((size_t)ret < sizeof(ver) ? (size_t)ret :
							sizeof(ver) - 1));
		for (size_t i = 0; i < n; i++)
			CHECK(ver[i] >= 0x20 && ver[i] <= 0x7e);
	} else {
		CHECK(ver[0] == '\0');
	}
	free(bi);
}

static void check_version_string(const uint8_t *data, size_t size)
{
	char s[65];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	int major = -1, minor = -1, ret;

	memcpy(s, data, n);
	s[n] = '\0';
	ret = tt_gobin_parse_version(s, &major, &minor);
	CHECK(ret == 0 || ret == -EINVAL);
	if (ret == 0)
		CHECK(major >= 1 && major <= 1000 && minor >= 0 && minor <= 1000);
	else
		CHECK(major == 0 && minor == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_table(data + 1, size - 1);
		break;
	case 1:
		check_with_header(data + 1, size - 1);
		break;
	default:
		check_buildinfo(data + 1, size - 1);
		break;
	}
	check_version_string(data + 1, size - 1);
	return 0;
}
