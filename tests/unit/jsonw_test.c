// SPDX-License-Identifier: MIT
/* Tests for user/decode/jsonw.c: escaping, UTF-8 repair, numbers, overflow. */
#include <errno.h>
#include <string.h>
#include "util/jsonw.h"
#include "tt_test.h"

static const char *one_str(const char *v, char *buf, size_t cap)
{
	struct tt_jsonw w;

	tt_jsonw_init(&w, buf, cap);
	tt_jsonw_open(&w, NULL);
	tt_jsonw_str(&w, "v", v);
	tt_jsonw_close(&w);
	return tt_jsonw_finish(&w) < 0 ? "E2BIG" : buf;
}

TT_TEST(strings)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "{\"v\":\"plain\"}" },
		{ "", "{\"v\":null}" },
		{ "q\"b\\", "{\"v\":\"q\\\"b\\\\\"}" },
		{ "\x01\n", "{\"v\":\"\\u0001\\u000a\"}" },
		/* Well-formed UTF-8 is kept as it is. */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "{\"v\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}" },
		/* Stray continuation, overlong, surrogate, above U+10FFFF,
		 * and a sequence cut by the end of the string. */
		{ "a\x80z", "{\"v\":\"a\\ufffdz\"}" },
		{ "\xc0\xaf", "{\"v\":\"\\ufffd\\ufffd\"}" },
		{ "\xed\xa0\x80", "{\"v\":\"\\ufffd\\ufffd\\ufffd\"}" },
		{ "\xf4\x90\x80\x80", "{\"v\":\"\\ufffd\\ufffd\\ufffd\\ufffd\"}" },
		{ "ok\xe2\x82", "{\"v\":\"ok\\ufffd\\ufffd\"}" },
		{ "\xff", "{\"v\":\"\\ufffd\"}" },
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%zu", i);
		TT_CHECK_EQ_STR(one_str(cases[i].in, buf, sizeof(buf)),
				cases[i].out);
	}
}

TT_TEST(numbers_and_nesting)
{
	struct tt_jsonw w;
	char buf[256];

	tt_jsonw_init(&w, buf, sizeof(buf));
	tt_jsonw_open(&w, NULL);
	tt_jsonw_int(&w, "i", -42);
	tt_jsonw_count(&w, "c", -1);
	tt_jsonw_double(&w, "d", 0.1);
	tt_jsonw_double(&w, "n", 3.0);
	tt_jsonw_ms(&w, "ms", 1500000);
	tt_jsonw_double_sig(&w, "s", 54 * 0.15 / 1e6 + 11 * 0.6 / 1e6, 12);
	tt_jsonw_open(&w, "o");
	tt_jsonw_bool(&w, "b", 1);
	tt_jsonw_close(&w);
	tt_jsonw_open_array(&w, "a");
	tt_jsonw_str(&w, NULL, "x");
	tt_jsonw_close_array(&w);
	tt_jsonw_close(&w);
	TT_CHECK(tt_jsonw_finish(&w) > 0);
	TT_CHECK_EQ_STR(buf, "{\"i\":-42,\"c\":null,\"d\":0.1,\"n\":3,\"ms\":1.5,"
			     "\"s\":1.47e-05,\"o\":{\"b\":true},\"a\":[\"x\"]}");
}

TT_TEST(overflow_is_an_error)
{
	char buf[8];

	TT_CHECK_EQ_STR(one_str("too long for it", buf, sizeof(buf)), "E2BIG");
	/* Exactly full leaves no room for the NUL: also refused. */
	TT_CHECK_EQ_STR(one_str("a", buf, strlen("{\"v\":\"a\"}")), "E2BIG");
}

TT_TEST(keys_are_escaped_too)
{
	struct tt_jsonw w;
	char buf[128];

	tt_jsonw_init(&w, buf, sizeof(buf));
	tt_jsonw_open(&w, NULL);
	tt_jsonw_int(&w, "a\nb", 1);
	tt_jsonw_int(&w, "q\"\xff", 2);
	tt_jsonw_close(&w);
	TT_CHECK(tt_jsonw_finish(&w) > 0);
	TT_CHECK_EQ_STR(buf, "{\"a\\u000ab\":1,\"q\\\"\\ufffd\":2}");
}
