// SPDX-License-Identifier: MIT
/* Tests for user/framing/sse.c: server-sent events framing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "framing/sse.h"

static void on_event(void *ctx, const struct tt_sse_event *ev);
#define FH_MODULE sse
#define FH_CALLBACK on_event
#include "framing_harness.h"

/* Callback trace: "[event|id|data]" per event, bytes escaped. */
static void put(struct fh_trace *t, const char *p, size_t n)
{
	fh_put_hex(t, p, n, FH_PUT_ESC_BACKSLASH | FH_PUT_NL_AS_N);
}

static void on_event(void *ctx, const struct tt_sse_event *ev)
{
	struct fh_trace *t = ctx;

	TT_CHECK(ev->event && ev->data && ev->id);
	put(t, "[", 1);
	put(t, ev->event, ev->event_len);
	put(t, "|", 1);
	put(t, ev->id, ev->id_len);
	put(t, "|", 1);
	put(t, ev->data, ev->data_len);
	put(t, "]", 1);
}

struct sse_case {
	const char *name;
	const char *in;
	size_t len;        /* 0: strlen(in) */
	size_t max_event;  /* 0: 1024 */
	const char *trace;
	int cut;           /* tt_sse_finish() */
	uint64_t events, comments, empty, oversize;
};

static const struct sse_case cases[] = {
	{ "openai_chat_done",
	  "data: {\"id\":\"chatcmpl-1\",\"choices\":[]}\n\n"
	  "data: {\"usage\":{\"prompt_tokens\":5}}\n\n"
	  "data: [DONE]\n\n", 0, 0,
	  "[||{\"id\":\"chatcmpl-1\",\"choices\":[]}]"
	  "[||{\"usage\":{\"prompt_tokens\":5}}][||[DONE]]", 0, 3, 0, 0, 0 },
	{ "anthropic_crlf_event_names",
	  "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n"
	  "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n"
	  "event: message_delta\r\ndata: {\"usage\":{\"output_tokens\":9}}   \r\n\r\n",
	  0, 0,
	  "[message_start||{\"type\":\"message_start\"}]"
	  "[ping||{\"type\": \"ping\"}]"
	  "[message_delta||{\"usage\":{\"output_tokens\":9}}   ]", 0, 3, 0, 0, 0 },
	{ "cr_only_line_ends",
	  "data: x\rdata: y\r\revent: e\rdata: z\r\r", 0, 0,
	  "[||x\\ny][e||z]", 0, 2, 0, 0, 0 },
	{ "mixed_line_ends_lf_then_cr",
	  "data: a\r\n\r\ndata: b\n\rdata: c\r\n\n", 0, 0,
	  "[||a][||b][||c]", 0, 3, 0, 0, 0 },
	{ "comments_keepalive",
	  ": OPENROUTER PROCESSING\n\n: keep-alive\r\ndata: a\n:mid\n\n", 0, 0,
	  "[||a]", 0, 1, 3, 0, 0 },
	{ "multi_line_data_one_space_removed",
	  "data: a\ndata:\ndata:  b\ndata\n\n", 0, 0,
	  "[||a\\n\\n b\\n]", 0, 1, 0, 0, 0 },
	{ "no_space_after_colon",
	  "data:{\"x\":1}\n\nevent:e\ndata:[DONE]\n\n", 0, 0,
	  "[||{\"x\":1}][e||[DONE]]", 0, 2, 0, 0, 0 },
	{ "id_persists_event_does_not",
	  "event: ping\nid: 7\ndata: 1\n\ndata: 2\n\nid\ndata: 3\n\n", 0, 0,
	  "[ping|7|1][|7|2][||3]", 0, 3, 0, 0, 0 },
	{ "event_without_data_not_dispatched",
	  "event: x\n\nid: 5\n\n\n\ndata: y\n\n", 0, 0,
	  "[|5|y]", 0, 1, 0, 2, 0 },
	{ "empty_data_is_dispatched",
	  "data\n\ndata:\n\n", 0, 0, "[||][||]", 0, 2, 0, 0, 0 },
	{ "last_event_name_wins_retry_unknown_ignored",
	  "event: a\nretry: 1000\nevent: b\nfoo: bar\neventually: x\ndata: x\n\n",
	  0, 0, "[b||x]", 0, 1, 0, 0, 0 },
	{ "bom_skipped",
	  "\xef\xbb\xbf" "data: a\n\n", 0, 0, "[||a]", 0, 1, 0, 0, 0 },
	{ "partial_bom_is_text",
	  "\xef\xbb" "data: a\n\ndata: b\n\n", 0, 0, "[||b]", 0, 1, 0, 0, 0 },
	{ "bom_only_once",
	  "\xef\xbb\xbf\xef\xbb\xbf" "data: a\n\n", 0, 0, "", 0, 0, 0, 0, 0 },
	{ "id_with_nul_ignored",
	  "id: 1\n\nid: a\0b\ndata: x\n\n", 24, 0, "[|1|x]", 0, 1, 0, 1, 0 },
	{ "value_with_colon_and_nul",
	  "data: a:b\0c\n\n", 13, 0, "[||a:b\\x00c]", 0, 1, 0, 0, 0 },
	{ "oversize_skipped_next_intact",
	  "data: 0123456789abcdefXYZ\n\ndata: ok\n\n", 0, 16,
	  "[||ok]", 0, 1, 0, 0, 1 },
	{ "oversize_over_lines_and_names",
	  "data: 01234567\ndata: 01234567\n\n"
	  "event: 0123456789abcdef\ndata: x\n\n"
	  "data: 0123456789abcdef\n\n"
	  "event: 01234567\ndata: 0123456\n\n"
	  "data: 01234567\ndata: 0123456\n\n", 0, 16,
	  "[||0123456789abcdef][01234567||0123456][||01234567\\n0123456]",
	  0, 3, 0, 0, 2 },
	{ "oversize_event_drops_its_id",
	  "id: 1\ndata: a\n\nid: 2\ndata: 0123456789abcdefgh\n\ndata: c\n\n",
	  0, 16, "[|1|a][|1|c]", 0, 2, 0, 0, 1 },
	{ "cut_after_data_line", "data: a\n\ndata: b\n", 0, 0,
	  "[||a]", 1, 1, 0, 0, 0 },
	{ "cut_mid_line", "data: a\n\ndata: b", 0, 0, "[||a]", 1, 1, 0, 0, 0 },
	{ "cut_mid_name", "data: a\n\nda", 0, 0, "[||a]", 1, 1, 0, 0, 0 },
	{ "cut_oversize", "data: 0123456789abcdefXYZ\n", 0, 16, "", 1, 0, 0, 0, 0 },
	{ "end_in_comment_is_not_cut", "data: a\n\n: bye", 0, 0,
	  "[||a]", 0, 1, 1, 0, 0 },
	{ "done_without_blank_line", "data: [DONE]\n", 0, 0, "", 1, 0, 0, 0, 0 },
	{ "empty_stream", "", 0, 0, "", 0, 0, 0, 0, 0 },
};

/* The framer's event size cap for a row. */
static size_t max_event(const struct sse_case *c)
{
	return c->max_event ? c->max_event : 1024;
}

TT_TEST(whole_inputs)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sse_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct fh_result r;

		tt_case("%s", c->name);
		fh_run(c->in, len, max_event(c), NULL, 0, &r);
		TT_CHECK_EQ_STR(r.trace.s, c->trace);
		TT_CHECK_EQ_INT(r.finish, c->cut);
		TT_CHECK_EQ_INT(r.feed_ret, 0);
		TT_CHECK_EQ_U64(r.stats.events, c->events);
		TT_CHECK_EQ_U64(r.stats.comments, c->comments);
		TT_CHECK_EQ_U64(r.stats.empty, c->empty);
		TT_CHECK_EQ_U64(r.stats.oversize, c->oversize);
		TT_CHECK_EQ_U64(r.stats.nomem, 0);
		TT_CHECK_EQ_U64(r.stats.bytes, len);
	}
}

TT_TEST(every_split_point_and_pair)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sse_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct fh_result whole;

		tt_case("%s", c->name);
		fh_check_split_points(c->in, len, max_event(c), 1, &whole);
	}
}

TT_TEST(byte_by_byte)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sse_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct fh_result whole;

		tt_case("%s", c->name);
		fh_run(c->in, len, max_event(c), NULL, 0, &whole);
		fh_check_bytes(c->in, len, max_event(c), &whole);
	}
}

/* The parser is reusable after finish; stats add up. */
TT_TEST(reuse_after_finish)
{
	struct tt_sse *s = tt_sse_new(64, &fh_mem);
	struct fh_trace t = { .len = 0 };

	TT_CHECK_EQ_INT(tt_sse_feed(s, (const uint8_t *)"id: 9\ndata: a", 13,
				    on_event, &t), 0);
	TT_CHECK_EQ_INT(tt_sse_feed(s, NULL, 0, on_event, &t), 0);
	TT_CHECK_EQ_INT(tt_sse_finish(s), 1);
	TT_CHECK_EQ_INT(tt_sse_finish(s), 0);
	/* A new stream: BOM skipped again, no id carried over. */
	TT_CHECK_EQ_INT(tt_sse_feed(s, (const uint8_t *)"\xef\xbb\xbf"
				    "data: b\n\n", 12, on_event, &t), 0);
	TT_CHECK_EQ_INT(tt_sse_finish(s), 0);
	TT_CHECK_EQ_STR(t.s, "[||b]");
	TT_CHECK_EQ_U64(tt_sse_get_stats(s)->events, 1);
	TT_CHECK_EQ_U64(tt_sse_get_stats(s)->bytes, 25);
	tt_sse_free(s);
	tt_sse_free(NULL);
}

/* A buffer that cannot grow drops that event whole, even when later
 * bytes of it could be stored; the next event is intact. */
TT_TEST(out_of_memory_drops_the_event)
{
	static const char in[] = "data: first\n\ndata: second\n\ndata: third\n\n";
	struct tt_sse *s = tt_sse_new(1 << 20, &fh_mem);
	struct fh_trace t = { .len = 0 };
	size_t cut = strlen("data: first\n\ndata: se");

	fh_fail.fail_in = 0;
	TT_CHECK_EQ_INT(tt_sse_feed(s, (const uint8_t *)in, cut, on_event, &t),
			-ENOMEM);
	fh_fail.fail_in = -1;
	TT_CHECK_EQ_INT(tt_sse_feed(s, (const uint8_t *)in + cut,
				    strlen(in) - cut, on_event, &t), 0);
	TT_CHECK_EQ_INT(tt_sse_finish(s), 0);
	TT_CHECK_EQ_STR(t.s, "[||third]");
	TT_CHECK_EQ_U64(tt_sse_get_stats(s)->nomem, 2);
	TT_CHECK_EQ_U64(tt_sse_get_stats(s)->events, 1);
	tt_sse_free(s);
	TT_CHECK_EQ_INT(fh_fail.live, 0);
}

/* Memory stays within the cap whatever the line length: a 1 MiB data line
 * in 4 KiB pieces against a 4 KiB cap. */
TT_TEST(long_line_bounded)
{
	struct tt_sse *s = tt_sse_new(4096, &fh_mem);
	struct fh_trace t = { .len = 0 };
	uint8_t piece[4096];

	memset(piece, 'x', sizeof(piece));
	TT_CHECK_EQ_INT(tt_sse_feed(s, (const uint8_t *)"data: ", 6, on_event,
				    &t), 0);
	for (int i = 0; i < 256; i++)
		TT_CHECK_EQ_INT(tt_sse_feed(s, piece, sizeof(piece), on_event,
					    &t), 0);
	TT_CHECK_EQ_INT(tt_sse_feed(s, (const uint8_t *)"\n\ndata: y\n\n", 11,
				    on_event, &t), 0);
	TT_CHECK_EQ_STR(t.s, "[||y]");
	TT_CHECK_EQ_U64(tt_sse_get_stats(s)->oversize, 1);
	tt_sse_free(s);
}
