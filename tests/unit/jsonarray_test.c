// SPDX-License-Identifier: MIT
/* Tests for user/framing/jsonarray.c: top-level JSON array splitting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "framing/jsonarray.h"

static void on_elem(void *ctx, const char *elem, size_t len);
#define FH_MODULE jsonarray
#define FH_CALLBACK on_elem
#include "framing_harness.h"

/* Callback trace: "<elem>" per element, bytes other than printable ASCII
 * escaped as \xHH. */
static void put(struct fh_trace *t, const char *p, size_t n)
{
	fh_put_hex(t, p, n, 0);
}

static void on_elem(void *ctx, const char *elem, size_t len)
{
	struct fh_trace *t = ctx;

	TT_CHECK(len > 0);
	put(t, "<", 1);
	put(t, elem, len);
	put(t, ">", 1);
}

struct ja_case {
	const char *name;
	const char *in;
	size_t max_elem; /* 0: 1024 */
	const char *trace;
	int finish;      /* tt_jsonarray_finish() */
	uint64_t elements, oversize, malformed;
};

static const struct ja_case cases[] = {
	{ "gemini_crlf_comma_crlf",
	  "[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}]}}]}\r\n"
	  ",\r\n{\"usageMetadata\": {\"promptTokenCount\": 3}}\r\n]", 0,
	  "<{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}]}}]}>"
	  "<{\"usageMetadata\": {\"promptTokenCount\": 3}}>", 0, 2, 0, 0 },
	{ "strings_with_brackets_commas_escapes",
	  "[{\"a\":\"]},[{\\\"x\",\"b\":[1,[2,{}]]},[\"\\\\\",\"q\\\"]\"],"
	  "\"}\\\\\"]", 0,
	  "<{\"a\":\"]},[{\\\"x\",\"b\":[1,[2,{}]]}><[\"\\\\\",\"q\\\"]\"]>"
	  "<\"}\\\\\">", 0, 3, 0, 0 },
	{ "scalars", "[1, -2.5e3 ,true,null,\"s\"\t]", 0,
	  "<1><-2.5e3><true><null><\"s\">", 0, 5, 0, 0 },
	{ "inner_whitespace_kept_outer_trimmed",
	  " \n[ \t{ \"a\" : [ 1 , 2 ] }\r\n , \"x y\" ]\r\n", 0,
	  "<{ \"a\" : [ 1 , 2 ] }><\"x y\">", 0, 2, 0, 0 },
	{ "empty_array", " [ \r\n ] \n", 0, "", 0, 0, 0, 0 },
	{ "empty_stream", "", 0, "", 1, 0, 0, 0 },
	{ "cut_mid_element", "[{\"a\":1},{\"b\":", 0, "<{\"a\":1}>", 1, 1, 0, 0 },
	{ "cut_before_close", "[{\"a\":1}\r\n", 0, "<{\"a\":1}>", 1, 1, 0, 0 },
	{ "cut_scalar", "[12", 0, "", 1, 0, 0, 0 },
	{ "oversize_skipped_next_intact",
	  "[{\"a\":12},{\"a\":123},\"123456\",12345678,123456789,{\"b\":[\"1234\"]}]",
	  8, "<{\"a\":12}><\"123456\"><12345678>", 0, 3, 3, 0 },
	{ "text_before", "x[1]", 0, "", -EINVAL, 0, 0, 1 },
	{ "object_not_array", "{\"a\":1}", 0, "", -EINVAL, 0, 0, 1 },
	{ "leading_comma", "[,1]", 0, "", -EINVAL, 0, 0, 1 },
	{ "double_comma", "[1,,2]", 0, "<1>", -EINVAL, 1, 0, 1 },
	{ "trailing_comma", "[1,]", 0, "<1>", -EINVAL, 1, 0, 1 },
	{ "text_after", "[1] x", 0, "<1>", -EINVAL, 1, 0, 1 },
	{ "second_array", "[1][2]", 0, "<1>", -EINVAL, 1, 0, 1 },
	{ "wrong_closer", "[{\"a\":1]]", 0, "", -EINVAL, 0, 0, 1 },
	{ "wrong_closer_square", "[[1}]", 0, "", -EINVAL, 0, 0, 1 },
	{ "brace_at_top", "[}]", 0, "", -EINVAL, 0, 0, 1 },
	{ "two_values_one_element", "[{} {}]", 0, "<{}>", -EINVAL, 1, 0, 1 },
	{ "two_scalars_one_element", "[1 2]", 0, "<1>", -EINVAL, 1, 0, 1 },
	{ "extra_closer_after_elements", "[{\"a\":1},{\"b\":2}}", 0,
	  "<{\"a\":1}><{\"b\":2}>", -EINVAL, 2, 0, 1 },
	{ "nothing_after_error", "[1,,{\"a\":1}]", 0, "<1>", -EINVAL, 1, 0, 1 },
};

TT_TEST(table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ja_case *c = &cases[i];
		size_t len = strlen(c->in);
		struct fh_result r;

		tt_case("%s", c->name);
		fh_check_splits(c->in, len, c->max_elem ? c->max_elem : 1024,
				1, &r);
		TT_CHECK_EQ_STR(r.trace.s, c->trace);
		TT_CHECK_EQ_INT(r.finish, c->finish);
		TT_CHECK_EQ_INT(r.feed_ret, c->finish < 0 ? c->finish : 0);
		TT_CHECK_EQ_U64(r.stats.elements, c->elements);
		TT_CHECK_EQ_U64(r.stats.oversize, c->oversize);
		TT_CHECK_EQ_U64(r.stats.malformed, c->malformed);
		TT_CHECK_EQ_U64(r.stats.too_deep, 0);
		TT_CHECK_EQ_U64(r.stats.nomem, 0);
		TT_CHECK_EQ_U64(r.stats.bytes, len);
	}
}

/* Nesting up to TT_JSONARRAY_MAX_DEPTH levels inside the array passes;
 * one more is an error. */
TT_TEST(depth_cap)
{
	char in[2 * TT_JSONARRAY_MAX_DEPTH + 16];
	struct fh_result r;

	for (int extra = 0; extra <= 1; extra++) {
		size_t depth = TT_JSONARRAY_MAX_DEPTH + (size_t)extra, len = 0;

		tt_case("depth %zu", depth);
		in[len++] = '[';
		for (size_t d = 0; d < depth; d++)
			in[len++] = d % 2 ? '[' : '{';
		for (size_t d = depth; d-- > 0;)
			in[len++] = d % 2 ? ']' : '}';
		in[len++] = ']';
		fh_check_splits(in, len, 4096, 0, &r);
		TT_CHECK_EQ_U64(r.stats.elements, extra ? 0 : 1);
		TT_CHECK_EQ_U64(r.stats.too_deep, extra);
		TT_CHECK_EQ_U64(r.stats.malformed, extra);
		TT_CHECK_EQ_INT(r.finish, extra ? -EINVAL : 0);
	}
}

/* After an error every feed says -EINVAL; finish clears it for reuse. */
TT_TEST(error_is_sticky_until_finish)
{
	struct tt_jsonarray *ja = tt_jsonarray_new(64, &fh_mem);
	struct fh_trace t = { .len = 0 };

	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)"[1,,", 4,
					  on_elem, &t), -EINVAL);
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)"2]", 2,
					  on_elem, &t), -EINVAL);
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, NULL, 0, on_elem, &t), -EINVAL);
	TT_CHECK_EQ_INT(tt_jsonarray_finish(ja), -EINVAL);
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, NULL, 0, on_elem, &t), 0);
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)"[3]", 3,
					  on_elem, &t), 0);
	TT_CHECK_EQ_INT(tt_jsonarray_finish(ja), 0);
	TT_CHECK_EQ_STR(t.s, "<1><3>");
	TT_CHECK_EQ_U64(tt_jsonarray_get_stats(ja)->bytes, 9);
	tt_jsonarray_free(ja);
	tt_jsonarray_free(NULL);
}

/* An element whose start could not be kept is dropped whole. */
TT_TEST(out_of_memory_drops_the_element)
{
	struct tt_jsonarray *ja = tt_jsonarray_new(1 << 20, &fh_mem);
	struct fh_trace t = { .len = 0 };

	fh_fail.fail_in = 0;
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)"[{\"a\"", 5,
					  on_elem, &t), -ENOMEM);
	fh_fail.fail_in = -1;
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)":1},{\"b\"", 8,
					  on_elem, &t), 0);
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)":2}]", 4,
					  on_elem, &t), 0);
	TT_CHECK_EQ_INT(tt_jsonarray_finish(ja), 0);
	TT_CHECK_EQ_STR(t.s, "<{\"b\":2}>");
	TT_CHECK_EQ_U64(tt_jsonarray_get_stats(ja)->nomem, 1);
	TT_CHECK_EQ_U64(tt_jsonarray_get_stats(ja)->elements, 1);
	tt_jsonarray_free(ja);
	TT_CHECK_EQ_INT(fh_fail.live, 0);
}

/* Memory stays within the cap: a 1 MiB string element in 4 KiB pieces. */
TT_TEST(long_element_bounded)
{
	struct tt_jsonarray *ja = tt_jsonarray_new(4096, &fh_mem);
	struct fh_trace t = { .len = 0 };
	uint8_t piece[4096];

	memset(piece, 'x', sizeof(piece));
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)"[\"", 2,
					  on_elem, &t), 0);
	for (int i = 0; i < 256; i++)
		TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, piece, sizeof(piece),
						  on_elem, &t), 0);
	TT_CHECK_EQ_INT(tt_jsonarray_feed(ja, (const uint8_t *)"\",{}]", 5,
					  on_elem, &t), 0);
	TT_CHECK_EQ_INT(tt_jsonarray_finish(ja), 0);
	TT_CHECK_EQ_STR(t.s, "<{}>");
	TT_CHECK_EQ_U64(tt_jsonarray_get_stats(ja)->oversize, 1);
	tt_jsonarray_free(ja);
}
