// SPDX-License-Identifier: MIT
/* Tests for user/framing/ndjson.c: newline-delimited JSON framing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "framing/ndjson.h"

static void on_line(void *ctx, const char *line, size_t len);
#define FH_MODULE ndjson
#define FH_CALLBACK on_line
#include "framing_harness.h"

/* Callback trace: "[line]" per line, bytes other than printable ASCII
 * escaped as \xHH. */
static void put(struct fh_trace *t, const char *p, size_t n)
{
	fh_put_hex(t, p, n, FH_PUT_ESC_BACKSLASH);
}

static void on_line(void *ctx, const char *line, size_t len)
{
	struct fh_trace *t = ctx;

	TT_CHECK(len > 0);
	put(t, "[", 1);
	put(t, line, len);
	put(t, "]", 1);
}

struct nd_case {
	const char *name;
	const char *in;
	size_t len;      /* 0: strlen(in) */
	size_t max_line; /* 0: 1024 */
	const char *trace;
	int cut;
	uint64_t lines, empty, oversize;
};

static const struct nd_case cases[] = {
	{ "ollama_chat",
	  "{\"model\":\"llama3\",\"done\":false}\n"
	  "{\"model\":\"llama3\",\"done\":true,\"prompt_eval_count\":26,"
	  "\"eval_count\":290}\n", 0, 0,
	  "[{\"model\":\"llama3\",\"done\":false}]"
	  "[{\"model\":\"llama3\",\"done\":true,\"prompt_eval_count\":26,"
	  "\"eval_count\":290}]", 0, 2, 0, 0 },
	{ "crlf_and_empty_lines",
	  "{\"a\":1}\r\n\r\n\n{\"b\":2}\r\n", 0, 0,
	  "[{\"a\":1}][{\"b\":2}]", 0, 2, 2, 0 },
	{ "whitespace_trimmed_and_blank_lines",
	  "  {\"a\":1}  \t\r\n \t \n\r\n", 0, 0, "[{\"a\":1}]", 0, 1, 2, 0 },
	{ "bare_cr_is_not_a_line_end",
	  "{\"a\":1}\r{\"b\":2}\n", 0, 0, "[{\"a\":1}\\x0d{\"b\":2}]", 0, 1, 0, 0 },
	{ "nul_bytes_passed_on", "a\0b\n", 4, 0, "[a\\x00b]", 0, 1, 0, 0 },
	{ "cut_last_line", "{\"a\":1}\n{\"b\":", 0, 0, "[{\"a\":1}]", 1, 1, 0, 0 },
	{ "trailing_whitespace_is_not_cut", "{\"a\":1}\n  \r", 0, 0,
	  "[{\"a\":1}]", 0, 1, 0, 0 },
	{ "oversize_skipped_next_intact",
	  "{\"a\":123456789}\n{\"b\":2}\n", 0, 8, "[{\"b\":2}]", 0, 1, 0, 1 },
	{ "cap_is_on_content_not_crlf",
	  "{\"b\":22}\n{\"b\":2}\n{\"b\":3}\r\n{\"b\":4} \r\n  {\"b\":5}\n"
	  "{\"b\":6}\r\r\n", 0, 7,
	  "[{\"b\":2}][{\"b\":3}]", 0, 2, 0, 4 },
	{ "cut_oversize", "{\"a\":1}\n123456", 0, 4, "", 1, 0, 0, 1 },
	{ "empty_stream", "", 0, 0, "", 0, 0, 0, 0 },
	{ "only_newlines", "\n\n\r\n", 0, 0, "", 0, 0, 3, 0 },
};

/* The framer's line size cap for a row. */
static size_t max_line(const struct nd_case *c)
{
	return c->max_line ? c->max_line : 1024;
}

TT_TEST(whole_inputs)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct nd_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct fh_result r;

		tt_case("%s", c->name);
		fh_run(c->in, len, max_line(c), NULL, 0, &r);
		TT_CHECK_EQ_STR(r.trace.s, c->trace);
		TT_CHECK_EQ_INT(r.finish, c->cut);
		TT_CHECK_EQ_INT(r.feed_ret, 0);
		TT_CHECK_EQ_U64(r.stats.lines, c->lines);
		TT_CHECK_EQ_U64(r.stats.empty, c->empty);
		TT_CHECK_EQ_U64(r.stats.oversize, c->oversize);
		TT_CHECK_EQ_U64(r.stats.nomem, 0);
		TT_CHECK_EQ_U64(r.stats.bytes, len);
	}
}

TT_TEST(every_split_point_and_pair)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct nd_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct fh_result whole;

		tt_case("%s", c->name);
		fh_check_split_points(c->in, len, max_line(c), 1, &whole);
	}
}

TT_TEST(byte_by_byte)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct nd_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct fh_result whole;

		tt_case("%s", c->name);
		fh_run(c->in, len, max_line(c), NULL, 0, &whole);
		fh_check_bytes(c->in, len, max_line(c), &whole);
	}
}

TT_TEST(reuse_after_finish)
{
	struct tt_ndjson *nd = tt_ndjson_new(64, &fh_mem);
	struct fh_trace t = { .len = 0 };

	TT_CHECK_EQ_INT(tt_ndjson_feed(nd, (const uint8_t *)"{\"a\"", 4,
				       on_line, &t), 0);
	TT_CHECK_EQ_INT(tt_ndjson_feed(nd, NULL, 0, on_line, &t), 0);
	TT_CHECK_EQ_INT(tt_ndjson_finish(nd), 1);
	TT_CHECK_EQ_INT(tt_ndjson_finish(nd), 0);
	TT_CHECK_EQ_INT(tt_ndjson_feed(nd, (const uint8_t *)"1\n", 2,
				       on_line, &t), 0);
	TT_CHECK_EQ_STR(t.s, "[1]");
	TT_CHECK_EQ_U64(tt_ndjson_get_stats(nd)->bytes, 6);
	tt_ndjson_free(nd);
	tt_ndjson_free(NULL);
}

/* A line whose start could not be kept is dropped whole; the next is
 * intact. */
TT_TEST(out_of_memory_drops_the_line)
{
	struct tt_ndjson *nd = tt_ndjson_new(1 << 20, &fh_mem);
	struct fh_trace t = { .len = 0 };

	fh_fail.fail_in = 0;
	TT_CHECK_EQ_INT(tt_ndjson_feed(nd, (const uint8_t *)"{\"a\"", 4,
				       on_line, &t), -ENOMEM);
	fh_fail.fail_in = -1;
	TT_CHECK_EQ_INT(tt_ndjson_feed(nd, (const uint8_t *)":1}\n{\"b\"", 8,
				       on_line, &t), 0);
	TT_CHECK_EQ_INT(tt_ndjson_feed(nd, (const uint8_t *)":2}\n", 4,
				       on_line, &t), 0);
	TT_CHECK_EQ_INT(tt_ndjson_finish(nd), 0);
	TT_CHECK_EQ_STR(t.s, "[{\"b\":2}]");
	TT_CHECK_EQ_U64(tt_ndjson_get_stats(nd)->nomem, 1);
	TT_CHECK_EQ_U64(tt_ndjson_get_stats(nd)->lines, 1);
	tt_ndjson_free(nd);
	TT_CHECK_EQ_INT(fh_fail.live, 0);
}

/* Memory stays within the cap: a 1 MiB line in 4 KiB pieces. */
TT_TEST(long_line_bounded)
{
	struct tt_ndjson *nd = tt_ndjson_new(4096, &fh_mem);
	struct fh_trace t = { .len = 0 };
	uint8_t piece[4096];

	memset(piece, 'x', sizeof(piece));
	for (int i = 0; i < 256; i++)
		TT_CHECK_EQ_INT(tt_ndjson_feed(nd, piece, sizeof(piece),
					       on_line, &t), 0);
	TT_CHECK_EQ_INT(tt_ndjson_feed(nd, (const uint8_t *)"\n{}\n", 4,
				       on_line, &t), 0);
	TT_CHECK_EQ_STR(t.s, "[{}]");
	TT_CHECK_EQ_U64(tt_ndjson_get_stats(nd)->oversize, 1);
	tt_ndjson_free(nd);
}
