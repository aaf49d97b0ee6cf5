// SPDX-License-Identifier: MIT
/*
 * Tests for the pure parsers of user/core/gobin.c on hand-built input: Go
 * version strings, buildinfo blobs, and pclntabs in the layouts the Go 1.19
 * toolchain here does not make (gobin_test.c runs on real Go binaries).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "binary/gobin.h"
#include "tt_test.h"

/* Writes v (size bytes, little endian) at p. */
static void put(uint8_t *p, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

TT_TEST(parse_version_strings)
{
	static const struct {
		const char *ver;
		int ret, major, minor;
	} cases[] = {
		{ "go1.19.8", 0, 1, 19 },
		{ "go1.20", 0, 1, 20 },
		{ "go1.21rc2", 0, 1, 21 },
		{ "devel go1.22-abcdef Tue Jan 2 2024", 0, 1, 22 },
		{ "go1.16.15", 0, 1, 16 },
		{ "go1", -EINVAL, 0, 0 },
		{ "go1.", -EINVAL, 0, 0 },
		{ "gox.19", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "go99999.1", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int major = -1, minor = -1;

		tt_case("%s", cases[i].ver);
		TT_CHECK_EQ_INT(tt_gobin_parse_version(cases[i].ver, &major,
						       &minor), cases[i].ret);
		TT_CHECK_EQ_INT(major, cases[i].major);
		TT_CHECK_EQ_INT(minor, cases[i].minor);
	}
}

/*
 * Hand-built pclntabs for the layouts the Go 1.19 toolchain here does not
 * make: Go 1.16-1.17 (PCs, pointer-sized fields), 1.20 (new magic), and a
 * 32-bit pointer size. Three functions, names, table, then _func records.
 */
#define SYN_TEXT 0x401000u
#define SYN_END (SYN_TEXT + 0x300u)

struct syn_layout {
	size_t len, pcln_off, fsz, rec_off[3];
};

static const char *const syn_names[] = { "runtime.a", "crypto/tls.(*Conn).Write",
					 "main.z" };
static const uint64_t syn_entries[] = { SYN_TEXT, SYN_TEXT + 0x40,
					SYN_TEXT + 0x100 };

static void syn_pcln(uint8_t *buf, uint32_t magic, unsigned ptr,
		     struct syn_layout *lay)
{
	bool v116 = magic == TT_GOPCLN_MAGIC_116;
	unsigned nwords = v116 ? 7 : 8, w = 0;
	size_t hdr = 8 + nwords * ptr, at = hdr, name_off[3], ftab;
	uint64_t base = v116 ? 0 : SYN_TEXT;

	memset(buf, 0, 1024);
	put(buf, magic, 4);
	buf[6] = 1;
	buf[7] = (uint8_t)ptr;
	for (int i = 0; i < 3; i++) {
		name_off[i] = at - hdr;
		memcpy(buf + at, syn_names[i], strlen(syn_names[i]) + 1);
		at += strlen(syn_names[i]) + 1;
	}
	lay->fsz = v116 ? ptr : 4;
	lay->pcln_off = (at + 7) & ~(size_t)7;
	ftab = (2 * 3 + 1) * lay->fsz;
	put(buf + 8 + ptr * w++, 3, ptr);		/* nfunc */
	put(buf + 8 + ptr * w++, 0, ptr);		/* nfiles */
	if (!v116)
		put(buf + 8 + ptr * w++, SYN_TEXT, ptr); /* textStart */
	put(buf + 8 + ptr * w++, hdr, ptr);		/* funcnameOffset */
	w += 3;						/* cu, file, pc tabs */
	put(buf + 8 + ptr * w, lay->pcln_off, ptr);	/* pclnOffset */
	for (int i = 0; i < 3; i++) {
		uint8_t *ft = buf + lay->pcln_off;

		lay->rec_off[i] = ftab + i * (lay->fsz + 4);
		put(ft + 2 * i * lay->fsz, syn_entries[i] - base, (unsigned)lay->fsz);
		put(ft + (2 * i + 1) * lay->fsz, lay->rec_off[i],
		    (unsigned)lay->fsz);
		put(ft + lay->rec_off[i], syn_entries[i] - base,
		    (unsigned)lay->fsz);
		put(ft + lay->rec_off[i] + lay->fsz, name_off[i], 4);
	}
	put(buf + lay->pcln_off + 6 * lay->fsz, SYN_END - base,
	    (unsigned)lay->fsz);
	lay->len = lay->pcln_off + lay->rec_off[2] + lay->fsz + 4;
}

TT_TEST(synthetic_pclntab_layouts)
{
	static const struct {
		uint32_t magic;
		unsigned ptr;
	} kinds[] = {
		{ TT_GOPCLN_MAGIC_116, 8 }, { TT_GOPCLN_MAGIC_118, 8 },
		{ TT_GOPCLN_MAGIC_118, 4 }, { TT_GOPCLN_MAGIC_120, 8 },
		{ TT_GOPCLN_MAGIC_116, 4 },
	};
	const char *const names[] = { "main.z", "runtime.a", "main.zz",
				       "crypto/tls.(*Conn).Write" };
	static const uint64_t want_entry[] = { SYN_TEXT + 0x100, SYN_TEXT, 0,
					       SYN_TEXT + 0x40 };
	static const uint64_t want_size[] = { 0x200, 0x40, 0, 0xc0 };
	static uint8_t buf[1024];

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct tt_gobin_stats st = { 0 };
		struct tt_gobin_func out[4];
		struct syn_layout lay;
		struct tt_gopcln h;

		tt_case("magic %#x ptr %u", kinds[k].magic, kinds[k].ptr);
		syn_pcln(buf, kinds[k].magic, kinds[k].ptr, &lay);
		TT_CHECK_EQ_INT(tt_gopcln_parse(buf, lay.len, &h), 0);
		TT_CHECK_EQ_U64(h.nfunc, 3);
		TT_CHECK_EQ_U64(h.magic, kinds[k].magic);
		TT_CHECK_EQ_U64(h.text_start,
				kinds[k].magic == TT_GOPCLN_MAGIC_116 ? 0 : SYN_TEXT);
		/* 1.16 entries are PCs: the text_start given is not added. */
		TT_CHECK_EQ_INT(tt_gopcln_find(buf, lay.len, &h, SYN_TEXT, names,
					       4, out, &st), 3);
		TT_CHECK_EQ_U64(st.funcs_walked, 3);
		for (int i = 0; i < 4; i++) {
			TT_CHECK_EQ_U64(out[i].entry, want_entry[i]);
			TT_CHECK_EQ_U64(out[i].size, want_size[i]);
			TT_CHECK_EQ_INT(out[i].source, want_entry[i] ?
					TT_GOBIN_SRC_PCLNTAB : TT_GOBIN_SRC_NONE);
		}
		/* One name: the walk stops when it is found. */
		st.funcs_walked = 0;
		TT_CHECK_EQ_INT(tt_gopcln_find(buf, lay.len, &h, SYN_TEXT,
					       names + 1, 1, out, &st), 1);
		TT_CHECK_EQ_U64(st.funcs_walked, 1);
		/* The function table must fit. */
		TT_CHECK_EQ_INT(tt_gopcln_parse(buf, lay.pcln_off + 7 * lay.fsz - 1,
						&h), -EINVAL);
	}
}

TT_TEST(synthetic_pclntab_corruptions)
{
	enum { REC_ENTRY, NAMEOFF_NEG, FUNCOFF_OUT, NOT_INCREASING, NAME_OUT,
	       BE_MAGIC, SHORT, NCASES };
	static const int want[NCASES] = { -EINVAL, -EINVAL, -EINVAL, -EINVAL,
					  -EINVAL, -ENOTSUP, -EINVAL };
	static uint8_t buf[1024];

	for (int c = 0; c < NCASES; c++) {
		struct tt_gobin_stats st = { 0 };
		struct tt_gobin_func out[3];
		struct syn_layout lay;
		struct tt_gopcln h;
		uint8_t *ft;
		size_t len;
		int ret;

		tt_case("case %d", c);
		syn_pcln(buf, TT_GOPCLN_MAGIC_118, 8, &lay);
		ft = buf + lay.pcln_off;
		len = lay.len;
		switch (c) {
		case REC_ENTRY: put(ft + lay.rec_off[1], 0x44, 4); break;
		case NAMEOFF_NEG: put(ft + lay.rec_off[0] + 4, 0x80000000u, 4); break;
		case FUNCOFF_OUT: put(ft + 4, len, 4); break;
		case NOT_INCREASING: put(ft + 8, 0, 4); break;
		case NAME_OUT: put(ft + lay.rec_off[0] + 4, len, 4); break;
		case BE_MAGIC: put(buf, 0xf0ffffff, 4); break;
		case SHORT: len = 7; break;
		}
		ret = tt_gopcln_parse(buf, len, &h);
		if (ret) {
			TT_CHECK_EQ_INT(ret, want[c]);
			continue;
		}
		ret = tt_gopcln_find(buf, len, &h, SYN_TEXT, syn_names, 3, out,
				     &st);
		TT_CHECK_EQ_INT(ret, want[c]);
	}
}

TT_TEST(buildinfo_inline_version)
{
	static const char ver[] = "go1.19.8";
	uint8_t bi[64];
	char out[TT_GOBIN_VERSION_MAX];
	char small[5];

	memset(bi, 0, sizeof(bi));
	memcpy(bi, "\xff Go buildinf:", 14);
	bi[14] = 8;
	bi[15] = 2;
	bi[32] = sizeof(ver) - 1;
	memcpy(bi + 33, ver, sizeof(ver) - 1);
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, sizeof(bi), out,
						   sizeof(out)), 8);
	TT_CHECK_EQ_STR(out, ver);
	/* Cut to the buffer; the full length tells. */
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, sizeof(bi), small,
						   sizeof(small)), 8);
	TT_CHECK_EQ_STR(small, "go1.");
	/* The string must fit in the blob. */
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, 40, out, sizeof(out)),
			-EINVAL);
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, 31, out, sizeof(out)),
			-EINVAL);
	TT_CHECK_EQ_STR(out, "");
	bi[35] = '\n';
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, sizeof(bi), out,
						   sizeof(out)), -EINVAL);
	bi[32] = 0;
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, sizeof(bi), out,
						   sizeof(out)), -EINVAL);
	memset(bi + 32, 0x80, 32); /* a varint that never ends */
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, sizeof(bi), out,
						   sizeof(out)), -EINVAL);
	bi[15] = 0;
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, sizeof(bi), out,
						   sizeof(out)), -ENOENT);
	bi[1] = 'g';
	TT_CHECK_EQ_INT(tt_gobin_buildinfo_version(bi, sizeof(bi), out,
						   sizeof(out)), -EINVAL);
}
