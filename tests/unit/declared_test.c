// SPDX-License-Identifier: MIT
/* Tests for user/alloc/declared.c: capping and cleaning declared values,
 * W3C traceparent and baggage. */
#include <errno.h>
#include <string.h>
#include "alloc/declared.h"
#include "tt_test.h"

TT_TEST(clean_caps_on_a_character_and_replaces_controls)
{
	char out[8];
	int trunc = 0, repl = 0;

	TT_CHECK_EQ_U64(tt_declared_clean("acme", 4, out, sizeof(out), &trunc, &repl), 4);
	TT_CHECK_EQ_STR(out, "acme");
	TT_CHECK(!trunc && !repl);
	/* "ab\tc\x01" : controls become _ */
	TT_CHECK_EQ_U64(tt_declared_clean("ab\tc\x01", 5, out, sizeof(out), &trunc, &repl), 5);
	TT_CHECK_EQ_STR(out, "ab_c_");
	TT_CHECK(repl && !trunc);
	/* 7 bytes fit: "abcde" + "é" (2 bytes) = 7; one more é is cut whole. */
	repl = 0;
	TT_CHECK_EQ_U64(tt_declared_clean("abcde\xc3\xa9\xc3\xa9", 9, out, sizeof(out),
					  &trunc, &repl), 7);
	TT_CHECK_EQ_STR(out, "abcde\xc3\xa9");
	TT_CHECK(trunc && !repl);
	trunc = 0;
	TT_CHECK_EQ_U64(tt_declared_clean("abcdef\xc3\xa9", 8, out, sizeof(out),
					  &trunc, &repl), 6);
	TT_CHECK_EQ_STR(out, "abcdef");
	TT_CHECK(trunc);
	/* A byte that is not UTF-8 stays (the writer shows U+FFFD). */
	trunc = repl = 0;
	TT_CHECK_EQ_U64(tt_declared_clean("a\xff", 2, out, sizeof(out), &trunc, &repl), 2);
	TT_CHECK(!trunc && !repl);
}

TT_TEST(traceparent_valid_and_invalid)
{
	static const char ok[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	static const char *const bad[] = {
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     /* short */
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    /* upper */
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01",    /* zero trace */
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    /* zero span */
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    /* version ff */
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  /* 00 + more */
		"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   /* no '-' */
	};
	char trace[TT_TRACE_ID_HEX], span[TT_SPAN_ID_HEX];

	TT_CHECK_EQ_INT(tt_traceparent_parse(ok, strlen(ok), trace, span), 0);
	TT_CHECK_EQ_STR(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
	TT_CHECK_EQ_STR(span, "00f067aa0ba902b7");
	/* A later version may append fields. */
	TT_CHECK_EQ_INT(tt_traceparent_parse(
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever",
		65, trace, span), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tt_case("%s", bad[i]);
		TT_CHECK_EQ_INT(tt_traceparent_parse(bad[i], strlen(bad[i]), trace, span),
				-EINVAL);
		TT_CHECK_EQ_STR(trace, "");
		TT_CHECK_EQ_STR(span, "");
	}
}

TT_TEST(baggage_members)
{
	static const char v[] =
		"userId=alice , tenant.tier = gold;prop=1,ticket=T%2D1%20x,"
		"tenant.tier=second, nokey, =x, ctl=a%0Ab";
	char out[16];
	int trunc = 0, repl = 0;

	TT_CHECK_EQ_INT((int)tt_baggage_get(v, strlen(v), "tenant.tier", out,
					    sizeof(out), &trunc, &repl), 4);
	TT_CHECK_EQ_STR(out, "gold");
	TT_CHECK_EQ_INT((int)tt_baggage_get(v, strlen(v), "ticket", out,
					    sizeof(out), &trunc, &repl), 5);
	TT_CHECK_EQ_STR(out, "T-1 x");
	TT_CHECK_EQ_INT((int)tt_baggage_get(v, strlen(v), "userId", out,
					    sizeof(out), &trunc, &repl), 5);
	TT_CHECK_EQ_STR(out, "alice");
	TT_CHECK(!trunc && !repl);
	TT_CHECK_EQ_INT((int)tt_baggage_get(v, strlen(v), "ctl", out, sizeof(out),
					    &trunc, &repl), 3);
	TT_CHECK_EQ_STR(out, "a_b");
	TT_CHECK(repl);
	TT_CHECK_EQ_INT((int)tt_baggage_get(v, strlen(v), "tenant", out,
					    sizeof(out), &trunc, &repl), -ENOENT);
	TT_CHECK_EQ_INT((int)tt_baggage_get(v, strlen(v), "nokey", out,
					    sizeof(out), &trunc, &repl), -ENOENT);
	TT_CHECK_EQ_INT((int)tt_baggage_get("", 0, "x", out, sizeof(out), &trunc,
					    &repl), -ENOENT);
}
