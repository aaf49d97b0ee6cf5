// SPDX-License-Identifier: MIT
/*
 * Tests for user/http/h1.c: the incremental HTTP/1.x parser. Every callback
 * is logged into a trace string (body bytes concatenated, so the trace does
 * not depend on how the body was cut); each multi-message input must give
 * the same trace and the same counters fed whole, at every split point,
 * byte by byte and in random pieces.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http/h1.h"
#include "fail_mem.h"
#include "tt_test.h"

struct trace {
	char *s;
	size_t len, cap;
	int in_body;           /* the last event was on_body */
	const char *head_none; /* responses >= 200, in order: 'H' = BODY_NONE */
	size_t resp_i;
};

static void tr_put(struct trace *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;

		while (cap < t->len + n + 1)
			cap *= 2;
		t->s = realloc(t->s, cap);
		if (!t->s)
			abort();
		t->cap = cap;
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void tr_printf(struct trace *t, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	tr_put(t, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
	t->in_body = 0;
}

/* <REQ-or-status version cl= ch= ka= headers...>; all headers when there
 * are few, else their count. */
static int on_head(void *ctx, const struct tt_h1_head *h)
{
	struct trace *t = ctx;

	if (h->kind == TT_H1_REQUEST) {
		tr_printf(t, "<%s ", h->method);
		tr_put(t, h->target, h->target_len); /* may be long */
	} else
		tr_printf(t, "<%d", h->status);
	tr_printf(t, " 1.%d cl=%lld ch=%d ka=%d", h->minor,
		  (long long)h->content_length, h->chunked, h->keep_alive);
	if (h->hdrs.n <= 4) {
		for (size_t i = 0; i < h->hdrs.n; i++)
			tr_printf(t, " %.*s=%.*s", (int)h->hdrs.h[i].name_len,
				  h->hdrs.h[i].name,
				  (int)h->hdrs.h[i].value_len,
				  h->hdrs.h[i].value);
	} else {
		tr_printf(t, " n=%zu d=%zu", h->hdrs.n, h->hdrs.dropped);
	}
	tr_printf(t, "%s>", h->cut ? " cut" : "");
	if (h->kind == TT_H1_RESPONSE && h->status >= 200 && t->head_none &&
	    t->head_none[t->resp_i] && t->head_none[t->resp_i++] == 'H')
		return TT_H1_BODY_NONE;
	return 0;
}

static void on_body(void *ctx, const uint8_t *p, size_t n)
{
	struct trace *t = ctx;

	if (!t->in_body)
		tr_put(t, "B:", 2);
	tr_put(t, (const char *)p, n);
	t->in_body = 1;
}

static void on_body_gap(void *ctx, uint64_t n)
{
	tr_printf(ctx, "(gap %llu)", (unsigned long long)n);
}

static void on_end(void *ctx, int end)
{
	tr_printf(ctx, end == TT_H1_END_COMPLETE ? "{end}" : "{abort}");
}

static const struct tt_h1_callbacks cbs = { on_head, on_body, on_body_gap,
					    on_end, NULL };

/* One parser, handed its own allocator (fail_mem.h): a test can fail its
 * allocations, and run_stop checks it freed everything. */
struct piece_run {
	struct tt_h1 *p;
	struct trace t;
	struct fail_mem fm;
	int err;
};

static void run_start(struct piece_run *r, int kind, const char *head_none)
{
	struct tt_mem mem;

	memset(r, 0, sizeof(*r));
	r->fm = (struct fail_mem)FAIL_MEM_INIT;
	mem = fail_mem(&r->fm);
	r->t.head_none = head_none;
	r->p = tt_h1_new(kind, &cbs, &r->t, &mem);
	if (!r->p)
		abort();
	tr_put(&r->t, "", 0);
}

static void run_feed(struct piece_run *r, const char *d, size_t n)
{
	if (tt_h1_feed(r->p, (const uint8_t *)d, n))
		r->err = 1;
}

static void run_stop(struct piece_run *r)
{
	tt_h1_free(r->p);
	TT_CHECK_EQ_INT(r->fm.live, 0);
	free(r->t.s);
}

/* ---- multi-message inputs: whole, split, byte by byte ---- */

struct split_case {
	const char *name;
	int kind;
	const char *in;
	const char *head_none;
	int eof;
	const char *want;
	int parse_errors, resyncs;
	long skipped; /* -1: not checked */
};

#define CHUNK26 "abcdefghijklmnopqrstuvwxyz"

static const struct split_case split_cases[] = {
	{ "pipelined_requests", TT_H1_REQUEST,
	  "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
	  "Content-Length: 5\r\n\r\nhello"
	  "POST /v1/messages?beta=true HTTP/1.1\r\nHOST:  api.anthropic.com \r\n"
	  "Transfer-Encoding: chunked\r\n\r\n"
	  "5;name=val;x=\"q\"\r\nhello\r\n6 ; e\r\n world\r\n0\r\n"
	  "X-Trailer: yes\r\nX-T2: 2\r\n\r\n"
	  "\r\nGET /v1/models HTTP/1.1\r\nhost:x\r\nConnection: close\r\n\r\n"
	  "PUT /x HTTP/1.0\nContent-Length: 3\nConnection: keep-alive\n\nabc"
	  "OPTIONS * HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
	  NULL, 0,
	  "<POST /v1/chat/completions 1.1 cl=5 ch=0 ka=1 Host=api.openai.com"
	  " Content-Length=5>B:hello{end}"
	  "<POST /v1/messages?beta=true 1.1 cl=-1 ch=1 ka=1"
	  " HOST=api.anthropic.com Transfer-Encoding=chunked>"
	  "B:hello world{end}"
	  "<GET /v1/models 1.1 cl=-1 ch=0 ka=0 host=x Connection=close>{end}"
	  "<PUT /x 1.0 cl=3 ch=0 ka=1 Content-Length=3"
	  " Connection=keep-alive>B:abc{end}"
	  "<OPTIONS * 1.1 cl=0 ch=0 ka=1 Content-Length=0>{end}",
	  0, 0, 0 },
	{ "responses_continue_head_204_304_close", TT_H1_RESPONSE,
	  "HTTP/1.1 100 Continue\r\n\r\n"
	  "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	  "Transfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n"
	  "1A\r\n" CHUNK26 "\r\n00003;x\r\n123\r\n0\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
	  "HTTP/1.1 204 No Content\r\n\r\n"
	  "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
	  "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"
	  "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
	  "all the rest\r\nHTTP/1.1 200 OK\r\n\r\nuntil close",
	  "NHNNNN", 1,
	  "<100 1.1 cl=-1 ch=0 ka=1>{end}"
	  "<103 1.1 cl=-1 ch=0 ka=1 Link=</s.css>>{end}"
	  "<200 1.1 cl=-1 ch=1 ka=1 Content-Type=text/event-stream"
	  " Transfer-Encoding=chunked Content-Length=7>B:" CHUNK26 "123{end}"
	  "<200 1.1 cl=10 ch=0 ka=1 Content-Length=10>{end}"
	  "<204 1.1 cl=-1 ch=0 ka=1>{end}"
	  "<304 1.1 cl=99 ch=0 ka=1 Content-Length=99>{end}"
	  "<200 1.1 cl=2 ch=0 ka=1 Content-Length=2>B:ok{end}"
	  "<200 1.0 cl=-1 ch=0 ka=0 Content-Type=text/plain>"
	  "B:all the rest\r\nHTTP/1.1 200 OK\r\n\r\nuntil close{end}",
	  0, 0, 0 },
	{ "bare_lf_chunked_request", TT_H1_REQUEST,
	  "POST /a HTTP/1.1\nTransfer-Encoding: gzip, Chunked\n\n"
	  "a\n0123456789\nA;ext\nabcdefghij\n0\n\n"
	  "DELETE /b HTTP/1.1\n\n",
	  NULL, 0,
	  "<POST /a 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=gzip, Chunked>"
	  "B:0123456789abcdefghij{end}<DELETE /b 1.1 cl=-1 ch=0 ka=1>{end}",
	  0, 0, 0 },
	{ "midstream_join_request", TT_H1_REQUEST,
	  "tent\": \"hi\"}]}\r\nmore body\nGET\r\nPOST /x\r\n"
	  "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
	  NULL, 0, "<GET / 1.1 cl=-1 ch=0 ka=1 Host=h>{end}", 0, 1, 40 },
	{ "midstream_join_response", TT_H1_RESPONSE,
	  "data: {\"x\":1}\n\n0\r\n\r\nHTTP/1.1 20x\r\n"
	  "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nz",
	  NULL, 0, "<404 1.1 cl=1 ch=0 ka=1 Content-Length=1>B:z{end}", 0, 1,
	  34 },
	{ "bad_chunk_size", TT_H1_REQUEST,
	  "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "3\r\nabc\r\nzz\r\nhello\r\n0\r\n\r\n"
	  "GET /b HTTP/1.1\r\n\r\n",
	  NULL, 0,
	  "<POST /a 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>B:abc"
	  "{abort}<GET /b 1.1 cl=-1 ch=0 ka=1>{end}",
	  1, 1, 16 },
	{ "chunk_data_too_long", TT_H1_REQUEST,
	  "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "3\r\nabcd\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
	  NULL, 0,
	  "<POST /a 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>B:abc"
	  "{abort}<GET /b 1.1 cl=-1 ch=0 ka=1>{end}",
	  1, 1, 8 },
	{ "malformed_lines", TT_H1_REQUEST,
	  "POST /a HTTP/1.1\r\nNo colon here\r\n\r\n"
	  "POST /b HTTP/1.1\r\nX: 1\r\n folded\r\n\r\n"
	  "POST /c HTTP/1.1\r\nBad Name: 1\r\n\r\n"
	  "POST /d HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"
	  "POST /e HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
	  "POST /f HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"
	  "get /g HTTP/1.1\r\n\r\n" /* skipped: the scan is on */
	  "POST /h HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nZ"
	  "get /i HTTP/1.1\r\n\r\n" /* an error: right after a message */
	  "GET /j HTTP/1.1\r\n\r\n",
	  NULL, 0,
	  "<POST /h 1.1 cl=1 ch=0 ka=1 Content-Length=1 Content-Length=1>"
	  "B:Z{end}<GET /j 1.1 cl=-1 ch=0 ka=1>{end}",
	  7, 7, -1 },
	{ "bad_start_after_message", TT_H1_RESPONSE,
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA BYTES\r\n"
	  "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
	  NULL, 0,
	  "<200 1.1 cl=2 ch=0 ka=1 Content-Length=2>B:ok{end}"
	  "<500 1.1 cl=0 ch=0 ka=1 Content-Length=0>{end}",
	  1, 1, 13 },
	{ "non_chunked_te_response_runs_to_close", TT_H1_RESPONSE,
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n"
	  "\r\nabcdef",
	  NULL, 1,
	  "<200 1.1 cl=-1 ch=0 ka=1 Transfer-Encoding=gzip"
	  " Content-Length=3>B:abcdef{end}",
	  0, 0, 0 },
	{ "eof_mid_body", TT_H1_REQUEST,
	  "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", NULL, 1,
	  "<POST /a 1.1 cl=10 ch=0 ka=1 Content-Length=10>B:abc{abort}",
	  0, 0, 0 },
	{ "eof_in_trailers", TT_H1_RESPONSE,
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "1\r\nx\r\n0\r\nX-T: 1\r\n", NULL, 1,
	  "<200 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>B:x{abort}",
	  0, 0, 0 },
};

static void feed_pieces(struct piece_run *r, const struct split_case *c,
			const size_t *cuts, size_t ncuts)
{
	size_t len = strlen(c->in), at = 0;

	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;

		run_feed(r, c->in + at, to - at);
		at = to;
	}
	if (c->eof)
		tt_h1_eof(r->p);
}

/* Runs c cut at cuts and compares with the whole-feed reference; reports
 * and returns -1 on a difference. */
static int check_cut(const struct split_case *c, const struct piece_run *ref,
		     const size_t *cuts, size_t ncuts)
{
	struct piece_run r;
	int same;

	run_start(&r, c->kind, c->head_none);
	feed_pieces(&r, c, cuts, ncuts);
	same = !strcmp(r.t.s, ref->t.s) &&
	       !memcmp(tt_h1_get_stats(r.p), tt_h1_get_stats(ref->p),
		       sizeof(struct tt_h1_stats));
	if (!same) {
		TT_CHECK_EQ_STR(r.t.s, ref->t.s);
		TT_CHECK(!memcmp(tt_h1_get_stats(r.p), tt_h1_get_stats(ref->p),
				 sizeof(struct tt_h1_stats)));
	}
	run_stop(&r);
	return same ? 0 : -1;
}

static void check_split_case(const struct split_case *c)
{
	size_t len = strlen(c->in);
	size_t *cuts = malloc(len * sizeof(*cuts) + 1);
	const struct tt_h1_stats *st;
	struct piece_run ref;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	if (!cuts)
		abort();
	run_start(&ref, c->kind, c->head_none);
	feed_pieces(&ref, c, NULL, 0);
	tt_case("%s whole", c->name);
	TT_CHECK_EQ_STR(ref.t.s, c->want);
	TT_CHECK_EQ_INT(ref.err, 0);
	st = tt_h1_get_stats(ref.p);
	TT_CHECK_EQ_U64(st->parse_errors, c->parse_errors);
	TT_CHECK_EQ_U64(st->resyncs, c->resyncs);
	if (c->skipped >= 0)
		TT_CHECK_EQ_U64(st->skipped_bytes, c->skipped);
	if (c->eof)
		TT_CHECK_EQ_U64(st->head_buf_bytes, 0);

	for (size_t i = 0; i <= len; i++) {
		tt_case("%s split at %zu", c->name, i);
		cuts[0] = i;
		if (check_cut(c, &ref, cuts, 1))
			break; /* one report per input is enough */
	}
	tt_case("%s byte by byte", c->name);
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	check_cut(c, &ref, cuts, len);
	for (int round = 0; round < 50; round++) {
		size_t n = 0;

		for (size_t at = 0;;) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			at += 1 + (seed >> 33) % 23;
			if (at >= len)
				break;
			cuts[n++] = at;
		}
		tt_case("%s random pieces %d", c->name, round);
		if (check_cut(c, &ref, cuts, n))
			break;
	}
	run_stop(&ref);
	free(cuts);
}

TT_TEST(split_points)
{
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++)
		check_split_case(&split_cases[i]);
}

/* ---- large inputs built at run time ---- */

static char *cat_repeat(const char *pre, char fill, size_t n, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *s = malloc(a + n + b + 1);

	if (!s)
		abort();
	memcpy(s, pre, a);
	memset(s + a, fill, n);
	memcpy(s + a + n, post, b + 1);
	return s;
}

/* A head over the cap is kept in part, never given up: the header that
 * does not fit is left out, the framing header after it still frames the
 * body, and the next message follows in sync. */
TT_TEST(head_too_large)
{
	char *in = cat_repeat("POST /big HTTP/1.1\r\nX-Big: ", 'a', TT_H1_HEAD_MAX,
			      "\r\nContent-Length: 3\r\n\r\nabc"
			      "GET /next HTTP/1.1\r\n\r\n");
	struct split_case c = { "head_too_large", TT_H1_REQUEST, in, NULL, 0,
				"<POST /big 1.1 cl=3 ch=0 ka=1 Content-Length=3 cut>"
				"B:abc{end}<GET /next 1.1 cl=-1 ch=0 ka=1>{end}",
				0, 0, 0 };
	struct piece_run r;

	run_start(&r, TT_H1_REQUEST, NULL);
	run_feed(&r, in, strlen(in));
	TT_CHECK_EQ_STR(r.t.s, c.want);
	TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->head_too_large, 1);
	TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->cut_bytes,
			strlen("X-Big: \r\n") + TT_H1_HEAD_MAX);
	TT_CHECK(tt_h1_get_stats(r.p)->head_buf_bytes <= TT_H1_HEAD_MAX);
	run_stop(&r);
	check_split_case(&c);
	free(in);
}

/* The headers the caller cares about survive any amount of others,
 * before or after them, and repeating one cannot push another out. */
static int keep_auth_team(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	return (len == 13 && !strncasecmp(name, "authorization", 13)) ||
	       (len == 6 && !strncasecmp(name, "x-team", 6)) ||
	       (len == 4 && !strncasecmp(name, "host", 4));
}

TT_TEST(head_over_caps_keeps_what_matters)
{
	struct tt_h1_callbacks kcb = cbs;
	char *in = malloc(200000), *p;
	struct trace t = { 0 };
	struct tt_h1 *h;

	kcb.keep_header = keep_auth_team;
	p = in + sprintf(in, "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < 200; i++) /* 200 headers of 100 bytes */
		p += sprintf(p, "X-Pad-%03d: %088d\r\n", i, i);
	for (int i = 0; i < 300; i++) /* the same kept header, repeated */
		p += sprintf(p, "Host: %090d\r\n", i);
	p += sprintf(p, "X-Team: blue\r\nAuthorization: Bearer k\r\n");
	p += sprintf(p, "Content-Length: 2\r\n\r\nhi");
	h = tt_h1_new(TT_H1_REQUEST, &kcb, &t, NULL);
	TT_CHECK(h != NULL);
	tr_put(&t, "", 0);
	for (size_t at = 0, n = strlen(in); at < n; at += 7)
		tt_h1_feed(h, (const uint8_t *)in + at, n - at < 7 ? n - at : 7);
	TT_CHECK_EQ_STR(t.s, "<POST /v1/chat/completions 1.1 cl=2 ch=0 ka=1 "
			"Host=a X-Team=blue Authorization=Bearer k "
			"Content-Length=2 cut>B:hi{end}");
	TT_CHECK_EQ_U64(tt_h1_get_stats(h)->head_too_large, 1);
	tt_h1_free(h);
	free(t.s);
	free(in);
}

/* More than TT_HDRS_MAX short headers: the ones that matter take the
 * place of others, whatever their position. */
static int auth_seen;

static int on_head_auth(void *ctx, const struct tt_h1_head *h)
{
	size_t len;
	const char *v = tt_hdrs_get(&h->hdrs, "authorization", &len);

	auth_seen = v && len == 1 && *v == 'k' && h->cut &&
		    h->hdrs.n == TT_HDRS_MAX && h->hdrs.dropped == 37;
	return on_head(ctx, h);
}

TT_TEST(many_headers_keep_what_matters)
{
	struct tt_h1_callbacks kcb = cbs;
	char in[8192], *p = in;
	struct trace t = { 0 };
	struct tt_h1 *h;

	kcb.keep_header = keep_auth_team;
	kcb.on_head = on_head_auth;
	p += sprintf(p, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "X-%d: v\r\n", i);
	p += sprintf(p, "Authorization: k\r\n\r\n");
	h = tt_h1_new(TT_H1_REQUEST, &kcb, &t, NULL);
	tr_put(&t, "", 0);
	auth_seen = 0;
	tt_h1_feed(h, (const uint8_t *)in, strlen(in));
	TT_CHECK_EQ_STR(t.s, "<GET / 1.1 cl=-1 ch=0 ka=1 n=64 d=37 cut>{end}");
	TT_CHECK(auth_seen);
	tt_h1_free(h);
	free(t.s);
}

TT_TEST(head_just_under_cap_and_buffer_released)
{
	const char *pre = "POST /ok HTTP/1.1\r\nX-Big: ";
	const char *post = "\r\nContent-Length: 1\r\n\r\n";
	size_t fill = TT_H1_HEAD_MAX - strlen(pre) - strlen(post);
	char *in = cat_repeat(pre, 'b', fill, post);
	struct piece_run r;

	TT_CHECK_EQ_INT(strlen(in), TT_H1_HEAD_MAX);
	run_start(&r, TT_H1_REQUEST, NULL);
	run_feed(&r, in, strlen(in) - 1);
	TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->head_buf_bytes, TT_H1_HEAD_MAX);
	run_feed(&r, in + strlen(in) - 1, 1);
	/* In the body: the head buffer is gone. */
	TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->head_buf_bytes, 0);
	TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->head_too_large, 0);
	run_feed(&r, "!", 1);
	TT_CHECK(!strncmp(r.t.s, "<POST /ok 1.1 cl=1 ch=0 ka=1 n=", 31) ||
		 !strncmp(r.t.s, "<POST /ok 1.1 cl=1 ch=0 ka=1 X-Big=bbbb", 39));
	TT_CHECK(strstr(r.t.s, "B:!{end}") != NULL);
	TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->messages, 1);
	run_stop(&r);
	free(in);
}

TT_TEST(too_many_headers)
{
	char in[4096];
	size_t n = 0;
	struct split_case c;

	n += (size_t)sprintf(in + n, "POST /h HTTP/1.1\r\n");
	for (int i = 0; i < TT_HDRS_MAX + 6; i++)
		n += (size_t)sprintf(in + n, "X-H%d: v%d\r\n", i, i);
	/* The framing header is among the dropped ones and still counts. */
	n += (size_t)sprintf(in + n, "Content-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n\r\n");
	memset(&c, 0, sizeof(c));
	c.name = "too_many_headers";
	c.kind = TT_H1_REQUEST;
	c.in = in;
	c.want = "<POST /h 1.1 cl=2 ch=0 ka=1 n=64 d=7 cut>B:hi{end}"
		 "<GET / 1.1 cl=-1 ch=0 ka=1>{end}";
	c.skipped = 0;
	check_split_case(&c);
	{
		struct piece_run r;

		run_start(&r, TT_H1_REQUEST, NULL);
		run_feed(&r, in, n);
		TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->headers_dropped, 7);
		run_stop(&r);
	}
}

TT_TEST(resync_scan_has_bounded_memory)
{
	/* A start-line candidate that never ends, then plain garbage. */
	char *in = cat_repeat("GET /", 'a', 100000, "");
	char *junk = cat_repeat("", 'Q', 100000, "\n");
	struct piece_run r;
	const struct tt_h1_stats *st;

	run_start(&r, TT_H1_REQUEST, NULL);
	for (size_t i = 0; i < strlen(in); i += 1000)
		run_feed(&r, in + i, 1000 < strlen(in) - i ? 1000 : strlen(in) - i);
	st = tt_h1_get_stats(r.p);
	TT_CHECK(st->head_buf_bytes <= TT_H1_HEAD_MAX);
	run_feed(&r, "\r\n", 2);
	run_feed(&r, junk, strlen(junk));
	TT_CHECK(st->head_buf_bytes <= 512);
	run_feed(&r, "GET /x HTTP/1.1\r\n\r\n", 19);
	TT_CHECK_EQ_STR(r.t.s, "<GET /x 1.1 cl=-1 ch=0 ka=1>{end}");
	TT_CHECK_EQ_U64(st->skipped_bytes, strlen(in) + 2 + strlen(junk));
	TT_CHECK_EQ_U64(st->resyncs, 1);
	TT_CHECK_EQ_U64(st->parse_errors, 0);
	run_stop(&r);
	free(in);
	free(junk);
}

/* ---- gaps ---- */

struct gap_step {
	const char *feed; /* NULL: a gap of gap bytes */
	uint64_t gap;
};

struct gap_case {
	const char *name;
	int kind;
	struct gap_step steps[6];
	int eof;
	const char *want;
	int gaps_skipped, gaps_aborted, resyncs;
};

static const struct gap_case gap_cases[] = {
	{ "inside_content_length", TT_H1_REQUEST,
	  { { "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 0 },
	    { NULL, 4 },
	    { "defGET /b HTTP/1.1\r\n\r\n", 0 } }, 0,
	  "<POST /a 1.1 cl=10 ch=0 ka=1 Content-Length=10>B:abc(gap 4)B:def"
	  "{end}<GET /b 1.1 cl=-1 ch=0 ka=1>{end}",
	  1, 0, 0 },
	{ "ends_content_length_exactly", TT_H1_REQUEST,
	  { { "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 0 },
	    { NULL, 7 },
	    { "GET /b HTTP/1.1\r\n\r\n", 0 } }, 0,
	  "<POST /a 1.1 cl=10 ch=0 ka=1 Content-Length=10>B:abc(gap 7){end}"
	  "<GET /b 1.1 cl=-1 ch=0 ka=1>{end}",
	  1, 0, 0 },
	{ "past_content_length", TT_H1_REQUEST,
	  { { "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 0 },
	    { NULL, 50 },
	    { "ers\": 1}\r\nGET /b HTTP/1.1\r\n\r\n", 0 } }, 0,
	  "<POST /a 1.1 cl=10 ch=0 ka=1 Content-Length=10>B:abc{abort}"
	  "<GET /b 1.1 cl=-1 ch=0 ka=1>{end}",
	  0, 1, 1 },
	{ "inside_headers", TT_H1_REQUEST,
	  { { "POST /a HTTP/1.1\r\nHost: a\r\nX-Lo", 0 },
	    { NULL, 100 },
	    { "ng: b\r\nContent-Length: 4\r\n\r\nbodyGET /b HTTP/1.1\r\n\r\n",
	      0 } }, 0,
	  "<GET /b 1.1 cl=-1 ch=0 ka=1>{end}",
	  0, 1, 1 },
	{ "inside_chunk_then_chunk_framing", TT_H1_RESPONSE,
	  { { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "a\r\n01", 0 },
	    { NULL, 8 },
	    { "\r\n5\r\nfghij\r\n", 0 },
	    { NULL, 3 },
	    { "0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 0 } }, 0,
	  "<200 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>B:01(gap 8)"
	  "B:fghij{abort}<204 1.1 cl=-1 ch=0 ka=1>{end}",
	  1, 1, 1 },
	{ "close_delimited_body", TT_H1_RESPONSE,
	  { { "HTTP/1.0 200 OK\r\n\r\nabc", 0 },
	    { NULL, 1000000 },
	    { "xyz", 0 } }, 1,
	  "<200 1.0 cl=-1 ch=0 ka=0>B:abc(gap 1000000)B:xyz{end}",
	  1, 0, 0 },
	{ "between_messages_next_is_clean", TT_H1_REQUEST,
	  { { "GET /a HTTP/1.1\r\n\r\n", 0 },
	    { NULL, 300 },
	    { "GET /c HTTP/1.1\r\n\r\n", 0 } }, 0,
	  "<GET /a 1.1 cl=-1 ch=0 ka=1>{end}<GET /c 1.1 cl=-1 ch=0 ka=1>{end}",
	  0, 1, 1 },
	{ "before_anything", TT_H1_RESPONSE,
	  { { NULL, 10 },
	    { "tail of something\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	      "\r\n!", 0 } }, 1,
	  "<200 1.1 cl=1 ch=0 ka=1 Content-Length=1>B:!{end}",
	  0, 1, 1 },
	{ "gap_completes_body_then_eof", TT_H1_REQUEST,
	  { { "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", 0 },
	    { NULL, 3 } }, 1,
	  "<POST /a 1.1 cl=5 ch=0 ka=1 Content-Length=5>B:ab(gap 3){end}",
	  1, 0, 0 },
};

TT_TEST(gaps)
{
	for (size_t i = 0; i < sizeof(gap_cases) / sizeof(gap_cases[0]); i++) {
		const struct gap_case *c = &gap_cases[i];
		const struct tt_h1_stats *st;
		struct piece_run r;

		tt_case("%s", c->name);
		run_start(&r, c->kind, NULL);
		for (size_t s = 0; s < 6; s++) {
			if (c->steps[s].feed)
				run_feed(&r, c->steps[s].feed,
					 strlen(c->steps[s].feed));
			else if (c->steps[s].gap)
				tt_h1_gap(r.p, c->steps[s].gap);
		}
		if (c->eof)
			tt_h1_eof(r.p);
		st = tt_h1_get_stats(r.p);
		TT_CHECK_EQ_STR(r.t.s, c->want);
		TT_CHECK_EQ_U64(st->gaps_skipped, c->gaps_skipped);
		TT_CHECK_EQ_U64(st->gaps_aborted, c->gaps_aborted);
		TT_CHECK_EQ_U64(st->resyncs, c->resyncs);
		run_stop(&r);
	}
}

/* ---- single behaviours ---- */

TT_TEST(eof_resets_and_parser_is_reusable)
{
	struct piece_run r;
	const struct tt_h1_stats *st;

	run_start(&r, TT_H1_RESPONSE, NULL);
	run_feed(&r, "HTTP/1.1 200 OK\r\nContent-Le", 27);
	TT_CHECK(tt_h1_get_stats(r.p)->head_buf_bytes > 0);
	tt_h1_eof(r.p);
	st = tt_h1_get_stats(r.p);
	/* No head was reported, so there is no end to report either. */
	TT_CHECK_EQ_STR(r.t.s, "");
	TT_CHECK_EQ_U64(st->head_buf_bytes, 0);
	tt_h1_eof(r.p);
	run_feed(&r, "HTTP/1.1 200 OK\r\n\r\nbody", 23);
	tt_h1_eof(r.p);
	TT_CHECK_EQ_STR(r.t.s, "<200 1.1 cl=-1 ch=0 ka=1>B:body{end}");
	TT_CHECK_EQ_U64(st->messages, 1);
	TT_CHECK_EQ_U64(st->aborted, 0);
	TT_CHECK_EQ_U64(st->resyncs, 0);
	run_stop(&r);
}

TT_TEST(null_callbacks_and_header_lookup)
{
	static const char req[] =
		"POST /v1/messages HTTP/1.1\r\nx-api-key:\t secret \t\r\n"
		"Content-Length: 4\r\n\r\nbody";
	struct tt_h1 *p = tt_h1_new(TT_H1_REQUEST, NULL, NULL, NULL);
	struct tt_h1_callbacks none = { 0 };
	struct tt_h1 *q = tt_h1_new(TT_H1_REQUEST, &none, NULL, NULL);

	TT_CHECK(p && q);
	TT_CHECK_EQ_INT(tt_h1_feed(p, (const uint8_t *)req, sizeof(req) - 1), 0);
	TT_CHECK_EQ_INT(tt_h1_feed(q, (const uint8_t *)req, sizeof(req) - 1), 0);
	tt_h1_gap(p, 5);
	tt_h1_eof(q);
	TT_CHECK_EQ_U64(tt_h1_get_stats(p)->messages, 1);
	TT_CHECK_EQ_U64(tt_h1_get_stats(q)->messages, 1);
	tt_h1_free(p);
	tt_h1_free(q);
	tt_h1_free(NULL);
}

static int check_hdrs_head(void *ctx, const struct tt_h1_head *h)
{
	size_t len = 0;
	const char *v = tt_hdrs_get(&h->hdrs, "X-API-KEY", &len);
	int *ok = ctx;

	*ok = v && len == 6 && !memcmp(v, "secret", 6) &&
	      !strcmp(h->method, "POST") && h->target_len == 12 &&
	      !memcmp(h->target, "/v1/messages", 12);
	return 0;
}

TT_TEST(header_values_trimmed_names_case_insensitive)
{
	static const char req[] =
		"POST /v1/messages HTTP/1.1\r\nx-api-key:\t secret \t\r\n\r\n";
	struct tt_h1_callbacks cb = { .on_head = check_hdrs_head };
	int ok = 0;
	struct tt_h1 *p = tt_h1_new(TT_H1_REQUEST, &cb, &ok, NULL);

	TT_CHECK(p != NULL);
	tt_h1_feed(p, (const uint8_t *)req, sizeof(req) - 1);
	TT_CHECK_EQ_INT(ok, 1);
	tt_h1_free(p);
}

TT_TEST(oversized_chunk_size)
{
	static const char in[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"1000000000000000\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"0000000000000000000000001\r\nx\r\n0\r\n\r\n";
	struct piece_run r;

	run_start(&r, TT_H1_RESPONSE, NULL);
	run_feed(&r, in, sizeof(in) - 1);
	TT_CHECK_EQ_STR(r.t.s,
			"<200 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>{abort}"
			"<200 1.1 cl=0 ch=0 ka=1 Content-Length=0>{end}"
			"<200 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>B:x{end}");
	TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->parse_errors, 1);
	run_stop(&r);
}

/* The other caps: trailers (none: they are not kept), a chunk-size line
 * (a parse error), a request target (kept in part), a header line over
 * the cap that holds a start line (left out, never scanned). */
TT_TEST(trailer_chunk_line_and_start_line_caps)
{
	char *trailer = cat_repeat(
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"1\r\nx\r\n0\r\nX-T: ", 't', TT_H1_HEAD_MAX,
		"\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
	char *ext = cat_repeat(
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;e=", 'e',
		TT_H1_HEAD_MAX, "\r\nx\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
	char *pad = cat_repeat("HTTP/1.1 200 OK\r\nX-Pad: ", 'p', 300,
			       "\r\nX-Late: HTTP/1.1 201 ");
	char *inner = cat_repeat(pad, 'r', TT_H1_HEAD_MAX - 200,
				 "\r\nContent-Length: 0\r\n\r\n"
				 "HTTP/1.1 204 No Content\r\n\r\n");
	char *target = cat_repeat("GET /a HTTP/1.1\r\n\r\nGET /", 'a',
				  TT_H1_HEAD_MAX, " HTTP/1.1\r\n\r\n"
				  "GET /b HTTP/1.1\r\n\r\n");
	char *want_target = cat_repeat("<GET /a 1.1 cl=-1 ch=0 ka=1>{end}<GET /",
				       'a', TT_H1_TARGET_KEEP - 1,
				       " 1.1 cl=-1 ch=0 ka=1 cut>{end}"
				       "<GET /b 1.1 cl=-1 ch=0 ka=1>{end}");
	struct split_case cases[] = {
		{ "trailer_too_large", TT_H1_RESPONSE, trailer, NULL, 0,
		  "<200 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>B:x"
		  "{end}<204 1.1 cl=-1 ch=0 ka=1>{end}", 0, 0, 0 },
		{ "chunk_line_too_long", TT_H1_RESPONSE, ext, NULL, 0,
		  "<200 1.1 cl=-1 ch=1 ka=1 Transfer-Encoding=chunked>"
		  "{abort}<204 1.1 cl=-1 ch=0 ka=1>{end}", 1, 1, -1 },
		{ "start_line_too_long", TT_H1_REQUEST, target, NULL, 0,
		  want_target, 0, 0, 0 },
		{ "start_line_inside_over_cap_line", TT_H1_RESPONSE, inner,
		  NULL, 0, "<200 1.1 cl=0 ch=0 ka=1 Content-Length=0 cut>{end}"
		  "<204 1.1 cl=-1 ch=0 ka=1>{end}", 0, 0, 0 },
	};
	uint64_t too_large[] = { 1, 0, 0, 1 };

	for (size_t i = 0; i < 4; i++) {
		struct piece_run r;

		run_start(&r, cases[i].kind, NULL);
		run_feed(&r, cases[i].in, strlen(cases[i].in));
		tt_case("%s", cases[i].name);
		TT_CHECK_EQ_U64(tt_h1_get_stats(r.p)->head_too_large,
				too_large[i]);
		run_stop(&r);
		check_split_case(&cases[i]);
	}
	free(trailer);
	free(ext);
	free(target);
	free(want_target);
	free(pad);
	free(inner);
}

/*
 * Allocation failure, forced through the allocator the parser is handed
 * (run_start): the head in progress is dropped and counted, and the
 * parser resynchronizes at the next message.
 */
TT_TEST(allocation_failure_drops_the_head_and_recovers)
{
	struct piece_run r;
	const struct tt_h1_stats *st;

	run_start(&r, TT_H1_REQUEST, NULL);
	st = tt_h1_get_stats(r.p);
	r.fm.fail_in = 0;
	TT_CHECK_EQ_INT(tt_h1_feed(r.p, (const uint8_t *)"GET /x HTTP/1.1\r\n",
				   17), -ENOMEM);
	r.fm.fail_in = -1;
	TT_CHECK(st->nomem > 0);
	TT_CHECK_EQ_U64(st->nomem, r.fm.failed); /* each failure counted */
	TT_CHECK_EQ_U64(st->head_buf_bytes, 0);
	TT_CHECK_EQ_STR(r.t.s, "");
	TT_CHECK_EQ_INT(tt_h1_feed(r.p, (const uint8_t *)"\r\nGET /y HTTP/1.1"
				   "\r\n\r\n", 21), 0);
	/* Fails while the head grows past its first allocation. */
	run_feed(&r, "POST /z HTTP/1.1\r\nX: ", 21);
	TT_CHECK(r.fm.live > 1); /* the head buffer, beside the parser */
	r.fm.fail_in = 0;
	{
		char *big = cat_repeat("", 'v', 600, "\r\n\r\n");

		TT_CHECK_EQ_INT(tt_h1_feed(r.p, (const uint8_t *)big,
					   strlen(big)), -ENOMEM);
		free(big);
	}
	r.fm.fail_in = -1;
	TT_CHECK_EQ_U64(st->nomem, r.fm.failed);
	run_feed(&r, "GET /w HTTP/1.1\r\n\r\n", 19);
	TT_CHECK_EQ_STR(r.t.s, "<GET /y 1.1 cl=-1 ch=0 ka=1>{end}"
			"<GET /w 1.1 cl=-1 ch=0 ka=1>{end}");
	TT_CHECK_EQ_U64(st->messages, 2);
	run_stop(&r);
}
