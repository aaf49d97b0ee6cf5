// SPDX-License-Identifier: MIT
/* Tests for user/util/utf8.c: the one UTF-8 validator the JSON writer,
 * the metric and OTLP key cleaners and the report share. */
#include <string.h>
#include "util/utf8.h"
#include "tt_test.h"

#define U(s) ((const unsigned char *)(s))

TT_TEST(well_formed_characters)
{
	static const struct {
		const char *s;
		size_t len;
	} cases[] = {
		{ "a", 1 },
		{ "\x7f", 1 },
		{ "", 1 },                      /* NUL is ASCII */
		{ "\xc2\x80", 2 },              /* U+0080, the first of two bytes */
		{ "\xc3\xa9", 2 },
		{ "\xdf\xbf", 2 },              /* U+07FF */
		{ "\xe0\xa0\x80", 3 },          /* U+0800, the first of three */
		{ "\xe2\x82\xac", 3 },          /* euro sign */
		{ "\xed\x9f\xbf", 3 },          /* U+D7FF, just below surrogates */
		{ "\xee\x80\x80", 3 },          /* U+E000, just above them */
		{ "\xef\xbf\xbf", 3 },
		{ "\xf0\x90\x80\x80", 4 },      /* U+10000 */
		{ "\xf0\x9f\x98\x80", 4 },
		{ "\xf4\x8f\xbf\xbf", 4 },      /* U+10FFFF, the last */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%zu", i);
		TT_CHECK_EQ_U64(tt_utf8_len(U(cases[i].s), TT_UTF8_NUL_TERMINATED),
				cases[i].len);
		/* Exactly enough bytes is enough. */
		TT_CHECK_EQ_U64(tt_utf8_len(U(cases[i].s), cases[i].len),
				cases[i].len);
	}
}

TT_TEST(ill_formed_sequences)
{
	static const char *const cases[] = {
		"\x80", "\xbf",                 /* stray continuation bytes */
		"\xc0\xaf", "\xc1\xbf",         /* overlong two-byte forms */
		"\xe0\x80\xaf", "\xe0\x9f\xbf", /* overlong three-byte forms */
		"\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", /* overlong four */
		"\xed\xa0\x80", "\xed\xbf\xbf", /* UTF-16 surrogates */
		"\xf4\x90\x80\x80",             /* above U+10FFFF */
		"\xf5\x80\x80\x80", "\xff",     /* never a lead byte */
		"\xc3", "\xe2\x82", "\xf0\x9f\x98", /* cut by the NUL */
		"\xc3\x41", "\xe2\x82\x41", "\xf0\x9f\x98\x41", /* by ASCII */
		"\xe2\xc3\xa9",                 /* by another lead byte */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%zu", i);
		TT_CHECK_EQ_U64(tt_utf8_len(U(cases[i]), TT_UTF8_NUL_TERMINATED), 0);
	}
}

TT_TEST(length_bound_is_honoured)
{
	/* A buffer without a NUL: the bound alone stops the reading (run
	 * under ASan/valgrind, a read past buf would show). */
	static const unsigned char buf[4] = { 0xf0, 0x9f, 0x98, 0x80 };

	TT_CHECK_EQ_U64(tt_utf8_len(buf, 4), 4);
	TT_CHECK_EQ_U64(tt_utf8_len(buf, 3), 0);
	TT_CHECK_EQ_U64(tt_utf8_len(buf, 1), 0);
	TT_CHECK_EQ_U64(tt_utf8_len(U("\xc3\xa9"), 1), 0);
	TT_CHECK_EQ_U64(tt_utf8_len(U("x"), 1), 1);
}
