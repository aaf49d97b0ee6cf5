// SPDX-License-Identifier: MIT
/*
 * Tests for user/http/h2.c: the one-direction HTTP/2 decoder. Inputs are
 * real HPACK encodings from nghttp2's deflater (dynamic-table references,
 * Huffman strings, table size updates) behind hand-written frame headers.
 * Every callback goes into a trace string (DATA chunks of one frame run
 * concatenated, so the trace does not depend on the cuts); each input must
 * give the same trace and counters fed whole, byte by byte and at every
 * split point. With TT_H2_SEED_DIR set, the test also writes the fuzz
 * seeds (tests/fuzz/corpus/h2_fuzz) from the same encodings.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <nghttp2/nghttp2.h>
#include "http/h2.h"
#include "h2_build.h"
#include "fail_mem.h"
#include "tt_test.h"

/* ---- tracing callbacks ---- */

struct trace {
	struct h2b s;
	int data_open; /* the last event was on_data without END */
	uint32_t data_sid;
	unsigned data_flags;
};

__attribute__((format(printf, 2, 3)))
static void tr(struct trace *t, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	h2b_put(&t->s, tmp,
		(size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
	t->data_open = 0;
}

static void on_headers(void *ctx, uint32_t sid, const struct tt_hdrs *hs,
		       int end)
{
	struct trace *t = ctx;

	tr(t, "<H%u%s", sid, end ? "e" : "");
	for (size_t i = 0; i < hs->n && i < 8; i++)
		tr(t, " %.*s=%.*s", (int)hs->h[i].name_len, hs->h[i].name,
		   (int)hs->h[i].value_len, hs->h[i].value);
	if (hs->n > 8 || hs->dropped)
		tr(t, " n=%zu d=%zu", hs->n, hs->dropped);
	tr(t, ">");
}

static void on_headers_lost(void *ctx, uint32_t sid, int end)
{
	tr(ctx, "<L%u%s>", sid, end ? "e" : "");
}

static void on_data(void *ctx, uint32_t sid, const uint8_t *p, size_t n,
		    unsigned flags)
{
	struct trace *t = ctx;
	unsigned key = flags & ~TT_H2_DATA_END_STREAM;

	if (!t->data_open || t->data_sid != sid || t->data_flags != key)
		tr(t, "<D%u%s>", sid, key ? "g" : "");
	h2b_put(&t->s, p, n);
	if (flags & TT_H2_DATA_END_STREAM)
		tr(t, "<E>");
	else
		t->data_open = 1;
	t->data_sid = sid;
	t->data_flags = key;
}

static void on_data_gap(void *ctx, uint32_t sid, uint64_t n)
{
	tr(ctx, "<G%u %llu>", sid, (unsigned long long)n);
}

static void on_reset(void *ctx, uint32_t sid, uint32_t code)
{
	tr(ctx, "<R%u %u>", sid, code);
}

static void on_goaway(void *ctx, uint32_t last, uint32_t code)
{
	tr(ctx, "<A%u %u>", last, code);
}

static void on_settings(void *ctx, const struct tt_h2_settings *s)
{
	struct trace *t = ctx;

	tr(t, "<S%u %u>", s->header_table_size, s->max_frame_size);
}

/* Over the caps: authorization is kept (the pseudo-headers always are). */
static int keep_header(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	return len == 13 && !memcmp(name, "authorization", 13);
}

static const struct tt_h2_callbacks cbs = {
	on_headers, on_headers_lost, on_data, on_data_gap,
	on_reset, on_goaway, on_settings, keep_header,
};

/* ---- running ---- */

/* A script: bytes, of which gap_len[g] at gap_at[g] are lost (reported
 * as a gap, not fed; gap_len 0: no more gaps). */
struct script {
	const uint8_t *d;
	size_t n;
	size_t gap_at[4];
	uint64_t gap_len[4];
	struct tt_h2_settings peer; /* given before any byte when set */
};

/* Feeds [from, to) in pieces of piece bytes (0: whole). */
static void feed_range(struct tt_h2 *p, const uint8_t *d, size_t from,
		       size_t to, size_t piece, size_t split)
{
	while (from < to) {
		size_t n = to - from;

		if (split && from < split && split < to)
			n = split - from;
		else if (piece && piece < n)
			n = piece;
		tt_h2_feed(p, d + from, n);
		from += n;
	}
}

static struct tt_h2 *run(int dir, const struct script *sc, size_t piece,
			 size_t split, struct trace *t)
{
	struct tt_h2 *p = tt_h2_new(dir, &cbs, t, NULL);
	size_t at = 0;

	memset(t, 0, sizeof(*t));
	h2b_put(&t->s, NULL, 0);
	if (sc->peer.header_table_size)
		tt_h2_peer_settings(p, &sc->peer);
	for (int g = 0; g < 4 && sc->gap_len[g]; g++) {
		feed_range(p, sc->d, at, sc->gap_at[g], piece, split);
		tt_h2_gap(p, sc->gap_len[g]);
		at = sc->gap_at[g] + (size_t)sc->gap_len[g]; /* lost bytes */
	}
	feed_range(p, sc->d, at, sc->n, piece, split);
	return p;
}

/* Runs sc whole and checks the trace; then byte by byte, at every split
 * point (up to max_splits) and in 7-byte pieces, each equal to whole.
 * Returns the whole run's parser (caller frees). */
static struct tt_h2 *check_run(int dir, const struct script *sc,
			       const char *want, size_t max_splits)
{
	struct trace t, u;
	struct tt_h2 *p = run(dir, sc, 0, 0, &t);
	size_t splits = sc->n < max_splits ? sc->n : max_splits;

	if (want)
		TT_CHECK_EQ_STR((char *)t.s.p, want);
	for (size_t k = 0; k < splits + 2; k++) {
		size_t piece = k == 0 ? 1 : k == 1 ? 7 : 0;
		struct tt_h2 *q = run(dir, sc, piece, k >= 2 ? k - 1 : 0, &u);

		tt_case("piece=%zu split=%zu", piece, k >= 2 ? k - 1 : 0);
		TT_CHECK_EQ_STR((char *)u.s.p, (char *)t.s.p);
		TT_CHECK(!memcmp(tt_h2_get_stats(q), tt_h2_get_stats(p),
				 sizeof(struct tt_h2_stats)));
		TT_CHECK_EQ_INT(tt_h2_state(q), tt_h2_state(p));
		tt_h2_free(q);
		free(u.s.p);
		if (tt_failed_)
			break;
	}
	tt_case("%s", "");
	free(t.s.p);
	return p;
}

static void write_seed(const char *name, const struct h2b *b)
{
	const char *dir = getenv("TT_H2_SEED_DIR");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fputc(0, f);    /* flags */
	fputc(0x5a, f); /* seed */
	fputc(0xa5, f);
	fwrite(b->p, 1, b->n, f);
	fclose(f);
}

/* ---- inputs ---- */

static const char *const REQ1[] = {
	":method", "POST", ":scheme", "https", ":path",
	"/v1/chat/completions", ":authority", "api.openai.com",
	"content-type", "application/json", "authorization",
	"Bearer sk-test-0000", "user-agent", "h2-test/1.0",
};
static const char *const RESP1[] = {
	":status", "200", "content-type", "text/event-stream",
	"x-request-id", "req_abc123",
};

/* Client: preface, SETTINGS, request 1 (HEADERS padded with priority +
 * CONTINUATION, DATA padded in two frames), request 2 with the same
 * headers (dynamic-table references), END_STREAM on its HEADERS. */
static void client_conn(struct h2b *b, struct h2b *blk1, struct h2b *blk2)
{
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	size_t cut;

	h2b_put_str(b, TT_H2_PREFACE);
	h2b_settings_sizes(b, 4096, 16384);
	h2b_hpack(d, blk1, REQ1, 7);
	cut = blk1->n / 2;
	h2b_frame_padded(b, 1, 0, 1, blk1->p, cut, 3, 1);
	h2b_frame(b, 9, 0x4, 1, blk1->p + cut, blk1->n - cut);
	h2b_frame_padded(b, 0, 0, 1, "{\"model\":\"gpt-x\",", 17, 5, 0);
	h2b_frame_padded(b, 0, 0x1, 1, "\"stream\":true}", 14, 0, 0);
	h2b_frame(b, 4, 0x1, 0, NULL, 0); /* SETTINGS ACK */
	h2b_hpack(d, blk2, REQ1, 7);
	h2b_frame(b, 1, 0x5, 3, blk2->p, blk2->n);
	nghttp2_hd_deflate_del(d);
}

#define REQ1_TRACE                                                     \
	" :method=POST :scheme=https :path=/v1/chat/completions "      \
	":authority=api.openai.com content-type=application/json "    \
	"authorization=Bearer sk-test-0000 user-agent=h2-test/1.0>"

static const char CLIENT_WANT[] =
	"<S4096 16384><H1" REQ1_TRACE
	"<D1>{\"model\":\"gpt-x\",\"stream\":true}<E><H3e" REQ1_TRACE;

TT_TEST(client_request_every_split)
{
	struct h2b b = { 0 }, blk1 = { 0 }, blk2 = { 0 };
	struct script sc = { 0 };
	const struct tt_h2_stats *st;
	struct tt_h2 *p;

	client_conn(&b, &blk1, &blk2);
	/* Real HPACK: Huffman strings, then dynamic-table references. */
	TT_CHECK(!memmem(blk1.p, blk1.n, "completions", 11));
	/* nghttp2 never indexes :path or authorization: the rest of the
	 * second block is single-byte references. */
	TT_CHECK(blk1.n >= 60 && blk2.n + 30 <= blk1.n);
	sc.d = b.p;
	sc.n = b.n;
	p = check_run(TT_H2_CLIENT, &sc, CLIENT_WANT, SIZE_MAX);
	st = tt_h2_get_stats(p);
	TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_OK);
	TT_CHECK_EQ_U64(st->frames[TT_H2_HEADERS], 2);
	TT_CHECK_EQ_U64(st->frames[TT_H2_CONTINUATION], 1);
	TT_CHECK_EQ_U64(st->frames[TT_H2_DATA], 2);
	TT_CHECK_EQ_U64(st->frames[TT_H2_SETTINGS], 2);
	TT_CHECK_EQ_U64(st->header_blocks, 2);
	TT_CHECK_EQ_U64(st->bad_preface + st->protocol_errors +
				st->undecodable_header_blocks, 0);
	TT_CHECK_EQ_U64(st->decoded_buf_bytes, 1024); /* kept, small */
	write_seed("client_request", &b);
	tt_h2_free(p);
	free(b.p);
	free(blk1.p);
	free(blk2.p);
}

/* Server: SETTINGS, response headers, DATA in three frames, trailers. */
static void server_conn(struct h2b *b)
{
	static const char *const trailers[] = { "grpc-status", "0" };
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b blk = { 0 };

	h2b_settings_sizes(b, 8192, 32768);
	h2b_frame(b, 4, 0x1, 0, NULL, 0);
	h2b_hpack(d, &blk, RESP1, 3);
	h2b_frame(b, 1, 0x4, 1, blk.p, blk.n);
	h2b_frame(b, 0, 0, 1, "data: {\"a\":1}\n\n", 15);
	h2b_frame_padded(b, 0, 0, 1, "data: {\"b\":2}\n\n", 15, 7, 0);
	h2b_frame(b, 0, 0, 1, "data: [DONE]\n\n", 14);
	h2b_hpack(d, &blk, trailers, 1);
	h2b_frame(b, 1, 0x5, 1, blk.p, blk.n);
	nghttp2_hd_deflate_del(d);
	free(blk.p);
}

TT_TEST(server_response_trailers_settings)
{
	struct h2b b = { 0 };
	struct script sc = { 0 };
	struct tt_h2 *p;

	server_conn(&b);
	sc.d = b.p;
	sc.n = b.n;
	p = check_run(TT_H2_SERVER, &sc,
		      "<S8192 32768>"
		      "<H1 :status=200 content-type=text/event-stream "
		      "x-request-id=req_abc123>"
		      "<D1>data: {\"a\":1}\n\ndata: {\"b\":2}\n\n"
		      "data: [DONE]\n\n<H1e grpc-status=0>", SIZE_MAX);
	TT_CHECK_EQ_INT(tt_h2_get_settings(p)->header_table_size, 8192);
	TT_CHECK_EQ_INT(tt_h2_get_settings(p)->max_frame_size, 32768);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->frames[TT_H2_DATA], 3);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->bad_preface, 0);
	write_seed("server_response", &b);
	tt_h2_free(p);
	free(b.p);
}

/*
 * Everything the decoder allocates, its HPACK inflater's dynamic table
 * included, comes from the allocator it is handed (fail_mem.h): making
 * one fails cleanly at each of its allocations, a block the inflater
 * cannot store is lost and counted, and nothing leaks.
 */
TT_TEST(allocation_failure_through_the_given_allocator)
{
	struct fail_mem fm = FAIL_MEM_INIT;
	struct tt_mem mem = fail_mem(&fm);
	struct h2b b = { 0 };
	struct trace t = { 0 };
	const struct tt_h2_stats *st;
	struct tt_h2 *p;
	int k;

	for (k = 0;; k++) {
		fm.fail_in = k;
		p = tt_h2_new(TT_H2_SERVER, &cbs, &t, &mem);
		if (p)
			break;
		tt_case("allocation %d fails", k);
		TT_CHECK_EQ_INT(fm.live, 0);
	}
	tt_case("%s", "");
	fm.fail_in = -1;
	/* The decoder, nghttp2's inflater and its table: all counted here. */
	TT_CHECK(k >= 2);
	TT_CHECK_EQ_INT(fm.live, k);

	/* No allocation succeeds: the server's larger table cannot be
	 * taken, so both header blocks are reported lost, never guessed. */
	h2b_put(&t.s, NULL, 0);
	server_conn(&b);
	fm.fail_in = 0;
	TT_CHECK_EQ_INT(tt_h2_feed(p, b.p, b.n), 0);
	fm.fail_in = -1;
	st = tt_h2_get_stats(p);
	TT_CHECK_EQ_STR((char *)t.s.p, "<S8192 32768><L1><L1e>");
	TT_CHECK(st->nomem > 0);
	TT_CHECK(st->nomem <= fm.failed);
	TT_CHECK_EQ_U64(st->header_blocks, 0);
	tt_h2_free(p);
	TT_CHECK_EQ_INT(fm.live, 0);
	free(t.s.p);
	free(b.p);
}

TT_TEST(interleaved_streams_control_frames)
{
	static const char *const r3[] = { ":status", "404" };
	static const uint8_t ping[8], wu[4] = { 0, 0, 1, 0 },
			     prio[5] = { 0, 0, 0, 1, 7 },
			     rst[4] = { 0, 0, 0, 8 },
			     ga[11] = { 0, 0, 0, 5, 0, 0, 0, 2, 'b', 'y', 'e' };
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b b = { 0 }, blk = { 0 };
	struct script sc = { 0 };
	struct tt_h2 *p;

	h2b_settings_sizes(&b, 4096, 16384);
	h2b_hpack(d, &blk, RESP1, 2);
	h2b_frame(&b, 1, 0x4, 1, blk.p, blk.n);
	h2b_hpack(d, &blk, r3, 1);
	h2b_frame(&b, 1, 0x4, 3, blk.p, blk.n);
	h2b_frame(&b, 0, 0, 1, "one-", 4);
	h2b_frame(&b, 6, 0, 0, ping, 8);
	h2b_frame(&b, 0, 0, 3, "three", 5);
	h2b_frame(&b, 8, 0, 0, wu, 4);
	h2b_frame(&b, 2, 0, 3, prio, 5);
	h2b_frame(&b, 0xfa, 0x3, 7, "ext", 3); /* unknown type: skipped */
	h2b_frame(&b, 0, 0x1, 1, "done", 4);
	h2b_frame(&b, 0, 0x1, 3, NULL, 0);
	h2b_frame(&b, 3, 0, 5, rst, 4);
	h2b_frame(&b, 7, 0, 0, ga, 11);
	sc.d = b.p;
	sc.n = b.n;
	p = check_run(TT_H2_SERVER, &sc,
		      "<S4096 16384><H1 :status=200 "
		      "content-type=text/event-stream><H3 :status=404>"
		      "<D1>one-<D3>three<D1>done<E><D3><E><R5 8><A5 2>",
		      SIZE_MAX);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->frames[TT_H2_PING], 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->frames[TT_H2_WINDOW_UPDATE], 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->frames[TT_H2_PRIORITY], 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->frames_unknown, 1);
	tt_h2_free(p);
	nghttp2_hd_deflate_del(d);
	free(b.p);
	free(blk.p);
}

/* The server announces a bigger table and frame size; the client's
 * encoder uses both, so the client direction decodes only once the caller
 * has passed the settings across. A smaller table binds only after the
 * client's SETTINGS ACK. */
static void client_big_table(struct h2b *b, int shrink)
{
	static const char *const big[] = {
		":method", "POST", ":path", "/v1/responses",
		"x-a", ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	};
	static uint8_t body[20000];
	nghttp2_hd_deflater *d = h2b_deflater(8192);
	struct h2b blk = { 0 };
	char name[16];
	const char *kv[2 * 64];

	h2b_put_str(b, TT_H2_PREFACE);
	h2b_settings_sizes(b, 4096, 16384);
	h2b_frame(b, 4, 0x1, 0, NULL, 0); /* ACK of the server's SETTINGS */
	nghttp2_hd_deflate_change_table_size(d, 8192);
	/* 40 distinct ~140-byte entries: more than 4096 bytes of table. */
	memcpy(kv, big, 4 * sizeof(kv[0]));
	for (int i = 2; i < 42; i++) {
		snprintf(name, sizeof(name), "x-%02d", i - 2);
		kv[2 * i] = strdup(name);
		kv[2 * i + 1] = big[5];
	}
	h2b_hpack(d, &blk, kv, 42);
	h2b_frame(b, 1, 0x5, 1, blk.p, blk.n);
	h2b_hpack(d, &blk, kv, 42); /* all references, oldest included */
	h2b_frame(b, 1, 0x4, 3, blk.p, blk.n);
	memset(body, 'z', sizeof(body));
	h2b_frame(b, 0, 0x1, 3, body, sizeof(body)); /* > 16384 */
	if (shrink) {
		h2b_hpack(d, &blk, big, 3); /* before the ACK: old table */
		h2b_frame(b, 1, 0x5, 5, blk.p, blk.n);
		h2b_frame(b, 4, 0x1, 0, NULL, 0);
		nghttp2_hd_deflate_change_table_size(d, 1024);
		h2b_hpack(d, &blk, big, 3); /* starts with a size update */
		h2b_frame(b, 1, 0x5, 7, blk.p, blk.n);
	}
	for (int i = 2; i < 42; i++)
		free((char *)kv[2 * i]);
	nghttp2_hd_deflate_del(d);
	free(blk.p);
}

TT_TEST(settings_across_directions)
{
	struct h2b cli = { 0 };
	struct script sc = { 0 };
	struct trace t;
	struct tt_h2 *c;
	const char *out;

	/* Not passed across: the size update is refused, then the frame. */
	client_big_table(&cli, 0);
	sc.d = cli.p;
	sc.n = cli.n;
	c = run(TT_H2_CLIENT, &sc, 0, 0, &t);
	TT_CHECK_EQ_STR((char *)t.s.p, "<S4096 16384><L1e><L3>");
	TT_CHECK_EQ_U64(tt_h2_get_stats(c)->hpack_errors, 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(c)->frame_too_large, 1);
	TT_CHECK_EQ_INT(tt_h2_state(c), TT_H2_ERROR);
	tt_h2_free(c);
	free(t.s.p);
	free(cli.p);

	/* Passed across; then shrunk, which waits for the client's ACK. */
	memset(&cli, 0, sizeof(cli));
	client_big_table(&cli, 1);
	sc.d = cli.p;
	sc.n = cli.n;
	sc.peer.header_table_size = 8192;
	sc.peer.max_frame_size = 32768;
	c = check_run(TT_H2_CLIENT, &sc, NULL, 40);
	tt_h2_free(c);
	c = run(TT_H2_CLIENT, &sc, 0, 0, &t);
	TT_CHECK_EQ_INT(tt_h2_state(c), TT_H2_OK);
	out = (char *)t.s.p;
	TT_CHECK(strstr(out, "<H1e :method=POST :path=/v1/responses x-00=aaa"));
	TT_CHECK(strstr(out, "<H3 :method=POST :path=/v1/responses x-00=aaa"));
	TT_CHECK(strstr(out, "x-39=aaaa") == NULL); /* only 8 printed */
	TT_CHECK(strstr(out, " n=42 d=0>"));
	TT_CHECK(strstr(out, "zzz<E><H5e :method=POST :path=/v1/responses"));
	TT_CHECK(strstr(out, "<H7e :method=POST :path=/v1/responses x-a=aaa"));
	TT_CHECK_EQ_U64(tt_h2_get_stats(c)->header_blocks, 4);
	tt_h2_free(c);
	free(t.s.p);
	free(cli.p);
}

/* Server: response 1 open, its DATA, response 3 (headers and JSON DATA),
 * more DATA for 1, response 5, END for 1. *off gets where each frame
 * starts (9-byte header first). */
static void server_streams(struct h2b *b, size_t off[8])
{
	static const char *const r3[] = { ":status", "201", "x-r", "three" };
	static const char *const r5[] = { ":status", "202", "x-r", "three" };
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b blk = { 0 };
	int i = 0;

	h2b_settings_sizes(b, 4096, 16384);
	h2b_hpack(d, &blk, RESP1, 3);
	h2b_frame(b, 1, 0x4, 1, blk.p, blk.n);
	off[i++] = b->n;
	h2b_frame(b, 0, 0, 1, "first part of one;", 18);
	off[i++] = b->n;
	h2b_hpack(d, &blk, r3, 2);
	h2b_frame(b, 1, 0x4, 3, blk.p, blk.n);
	off[i++] = b->n;
	h2b_frame(b, 0, 0x1, 3, "{\"usage\":{\"total_tokens\":17}}", 29);
	off[i++] = b->n;
	h2b_frame(b, 0, 0, 1, "after", 5);
	off[i++] = b->n;
	h2b_hpack(d, &blk, r5, 2); /* x-r: three is a table reference */
	h2b_frame(b, 1, 0x4, 5, blk.p, blk.n);
	off[i++] = b->n;
	h2b_frame(b, 0, 0x1, 5, "five", 4);
	off[i++] = b->n;
	h2b_frame(b, 0, 0x1, 1, "end", 3);
	nghttp2_hd_deflate_del(d);
	free(blk.p);
}

#define RESP1_TRACE                                                    \
	"<S4096 16384><H1 :status=200 content-type=text/event-stream "  \
	"x-request-id=req_abc123>"

/* Lost bytes inside DATA (absorbed), inside a header block (HPACK lost,
 * frames still in sync), and across frames (resync by scan). */
TT_TEST(gaps_absorbed_poisoned_resynced)
{
	static const char *const want[3] = {
		RESP1_TRACE "<D1>first<G1 9><D1>one;<H3 :status=201 x-r=three>"
		"<D3>{\"usage\":{\"total_tokens\":17}}<E><D1>after"
		"<H5 :status=202 x-r=three><D5>five<E><D1>end<E>",
		RESP1_TRACE "<D1>first part of one;<L3><D1g>after<L5>"
		"<D1g>end<E>",
		RESP1_TRACE "<D1>first<D1g>after<L5><D1g>end<E>",
	};
	struct h2b b = { 0 };
	size_t off[8];

	server_streams(&b, off);
	for (int i = 0; i < 3; i++) {
		struct script sc = { .d = b.p, .n = b.n };
		const struct tt_h2_stats *st;
		struct tt_h2 *p;

		/* "first[ part of] one;", 2 bytes of HEADERS 3's block, from
		 * DATA 1 to inside response 3's JSON (HEADERS 3 lost). */
		sc.gap_at[0] = i == 1 ? off[1] + 9 + 1 : off[0] + 9 + 5;
		sc.gap_len[0] = i == 0 ? 9 : i == 1 ? 2 :
					 off[2] + 9 + 12 - sc.gap_at[0];
		p = check_run(TT_H2_SERVER, &sc, want[i], SIZE_MAX);
		tt_case("gap %d", i);
		st = tt_h2_get_stats(p);
		TT_CHECK_EQ_INT(tt_h2_state(p), i ? TT_H2_POISONED : TT_H2_OK);
		TT_CHECK_EQ_U64(st->gaps_absorbed, i < 2);
		TT_CHECK_EQ_U64(st->resyncs, i == 2);
		/* Lost blocks seen: HEADERS 3 (cut) and 5; 5 (3 in the gap). */
		TT_CHECK_EQ_U64(st->undecodable_header_blocks,
				(i > 0) + (i == 1));
		TT_CHECK_EQ_U64(st->data_unattributed, (i > 0) + (i == 1));
		TT_CHECK_EQ_U64(st->skipped_bytes, i == 2 ? 29 - 12 : 0);
		TT_CHECK_EQ_U64(st->header_blocks, i ? 1 : 3);
		tt_h2_free(p);
	}
	free(b.p);
}

static uint32_t xs(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

TT_TEST(midway_join_is_classified)
{
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b b = { 0 }, blk = { 0 };
	struct script sc = { 0 };
	const struct tt_h2_stats *st;
	struct tt_h2 *p;
	uint32_t seed = 12345;

	h2b_hpack(d, &blk, REQ1, 7); /* the first request, not captured */
	for (int i = 0; i < 37; i++) {
		uint8_t c = (uint8_t)xs(&seed);

		h2b_put(&b, &c, 1);
	}
	h2b_hpack(d, &blk, REQ1, 7); /* dynamic references */
	h2b_frame(&b, 1, 0x4, 3, blk.p, blk.n);
	h2b_frame(&b, 0, 0x1, 3, "{}", 2);
	sc.d = b.p;
	sc.n = b.n;
	tt_case("client");
	p = check_run(TT_H2_CLIENT, &sc, "<L3>", SIZE_MAX);
	st = tt_h2_get_stats(p);
	TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_POISONED);
	TT_CHECK_EQ_U64(st->bad_preface, 1);
	TT_CHECK_EQ_U64(st->undecodable_header_blocks, 1);
	TT_CHECK_EQ_U64(st->data_unattributed, 1);
	TT_CHECK_EQ_U64(st->skipped_bytes, 37);
	tt_h2_free(p);

	/* Server joined exactly at a frame: still no preface, no HPACK. */
	sc.d = b.p + 37;
	sc.n = b.n - 37;
	tt_case("server");
	p = check_run(TT_H2_SERVER, &sc, "<L3>", SIZE_MAX);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->bad_preface, 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->skipped_bytes, 0);
	TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_POISONED);
	tt_h2_free(p);
	nghttp2_hd_deflate_del(d);
	free(b.p);
	free(blk.p);
}

TT_TEST(oversized_frame_stops_decoding)
{
	static uint8_t body[16385];
	struct h2b b = { 0 };
	struct script sc = { 0 };
	struct trace t;
	struct tt_h2 *p;

	h2b_settings_sizes(&b, 4096, 16384);
	h2b_frame(&b, 0, 0x1, 1, body, sizeof(body));
	h2b_frame(&b, 0, 0x1, 3, "x", 1);
	sc.d = b.p;
	sc.n = b.n;
	p = check_run(TT_H2_SERVER, &sc, "<S4096 16384>", 30);
	TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_ERROR);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->frame_too_large, 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->skipped_bytes,
			b.n - (9 + 18) - 9);
	TT_CHECK_EQ_INT(tt_h2_feed(p, (const uint8_t *)"x", 1), -EPROTO);
	tt_h2_free(p);

	/* The same frame after the peer announced 32768. */
	sc.peer.header_table_size = 4096;
	sc.peer.max_frame_size = 32768;
	p = run(TT_H2_SERVER, &sc, 0, 0, &t);
	TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_OK);
	TT_CHECK_EQ_U64(t.s.n, 13 + 4 + 16385 + 3 + 4 + 1 + 3);
	tt_h2_free(p);
	free(t.s.p);
	free(b.p);
}

TT_TEST(framing_errors_stop_decoding)
{
	static const struct {
		const char *name;
		int type, flags;
		uint32_t sid;
		const char *payload;
		size_t len;
	} cases[] = {
		{ "data inside a block", 0, 0x1, 1, "x", 1 },
		{ "continuation, other stream", 9, 0x4, 3, "\x82", 1 },
		{ "ping on a stream", 6, 0, 1, "12345678", 8 },
		{ "rst wrong size", 3, 0, 1, "123", 3 },
		{ "padding too long", 0, 0x9, 1, "\x06" "abcde", 6 },
	};
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b blk = { 0 };

	h2b_hpack(d, &blk, REQ1, 2);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct h2b b = { 0 };
		struct script sc = { 0 };
		struct tt_h2 *p;

		tt_case("%s", cases[i].name);
		h2b_put_str(&b, TT_H2_PREFACE);
		h2b_settings_sizes(&b, 4096, 16384);
		if (i < 2)
			/* No END_HEADERS. */
			h2b_frame(&b, 1, 0, 1, blk.p, blk.n);
		h2b_frame(&b, cases[i].type, cases[i].flags, cases[i].sid,
		      cases[i].payload, cases[i].len);
		h2b_frame(&b, 1, 0x5, 5, blk.p, blk.n); /* never decoded */
		sc.d = b.p;
		sc.n = b.n;
		p = check_run(TT_H2_CLIENT, &sc,
			      i < 2 ? "<S4096 16384><L1>" : "<S4096 16384>",
			      SIZE_MAX);
		TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_ERROR);
		TT_CHECK_EQ_U64(tt_h2_get_stats(p)->protocol_errors, 1);
		tt_h2_free(p);
		free(b.p);
	}
	nghttp2_hd_deflate_del(d);
	free(blk.p);
}

/* A 100 KiB header block in HEADERS + CONTINUATIONs is kept in part: the
 * pseudo-headers and the field the caller wants (authorization) survive
 * 100 KiB of others before them; HPACK stays in sync, so the next
 * request's references decode. */
TT_TEST(header_block_over_64k)
{
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b b = { 0 }, blk = { 0 };
	struct script sc = { 0 };
	static char vals[100][1001];
	const char *kv[2 * 107];
	uint32_t seed = 777;
	struct tt_h2 *p;
	size_t at;

	/* The request's fields last, so that they stay in the table. */
	for (int i = 0; i < 100; i++) {
		for (int j = 0; j < 1000; j++)
			vals[i][j] = (char)(1 + xs(&seed) % 255);
		kv[2 * i] = "x-big";
		kv[2 * i + 1] = vals[i];
	}
	memcpy(kv + 200, REQ1, sizeof(REQ1));
	h2b_put_str(&b, TT_H2_PREFACE);
	h2b_hpack(d, &blk, kv, 107);
	TT_CHECK(blk.n > 70 * 1024);
	for (at = 0; at < blk.n; at += 16384) {
		size_t n = blk.n - at < 16384 ? blk.n - at : 16384;

		h2b_frame(&b, at ? 9 : 1, at + n == blk.n ? 0x4 : 0, 1,
		      blk.p + at, n);
	}
	h2b_hpack(d, &blk, REQ1, 7);
	TT_CHECK(blk.n < 40);
	h2b_frame(&b, 1, 0x5, 3, blk.p, blk.n);
	sc.d = b.p;
	sc.n = b.n;
	p = check_run(TT_H2_CLIENT, &sc, "<H1 :method=POST :scheme=https "
		      ":path=/v1/chat/completions :authority=api.openai.com "
		      "authorization=Bearer sk-test-0000 n=5 d=102><H3e"
		      REQ1_TRACE, 20);
	TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_OK);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->header_block_too_large, 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->header_blocks, 2);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->decoded_buf_bytes, 1024);
	tt_h2_free(p);
	nghttp2_hd_deflate_del(d);
	free(b.p);
	free(blk.p);
}

/* 70 fields: TT_HDRS_MAX kept, the rest counted; values trimmed. */
TT_TEST(fields_over_tt_hdrs_max)
{
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b b = { 0 }, blk = { 0 };
	const char *kv[2 * 70];
	static char names[70][8];
	struct trace t = { 0 };
	struct tt_h2 *p;

	kv[0] = ":path";
	kv[1] = "  /v1/embeddings\t";
	for (int i = 1; i < 70; i++) {
		snprintf(names[i], sizeof(names[i]), "x-%d", i);
		kv[2 * i] = names[i];
		kv[2 * i + 1] = "v";
	}
	h2b_hpack(d, &blk, kv, 70);
	h2b_settings_sizes(&b, 4096, 16384);
	h2b_frame(&b, 1, 0x5, 1, blk.p, blk.n);
	h2b_put(&t.s, NULL, 0);
	p = tt_h2_new(TT_H2_SERVER, &cbs, &t, NULL);
	tt_h2_feed(p, b.p, b.n);
	TT_CHECK(!strncmp((char *)t.s.p, "<S4096 16384><H1e :path=/v1/"
			  "embeddings x-1=v x-2=v", 40));
	TT_CHECK(strstr((char *)t.s.p, "x-7=v n=64 d=6>"));
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->headers_dropped, 6);
	tt_h2_free(p);
	nghttp2_hd_deflate_del(d);
	free(b.p);
	free(blk.p);
	free(t.s.p);
}

/* A PUSH_PROMISE block is inflated though not reported: the trailers that
 * follow refer to an entry only it added. */
TT_TEST(push_promise_keeps_hpack_in_sync)
{
	static const char *const pp[] = {
		":method", "GET", ":path", "/pushed.css", ":scheme", "https",
		":authority", "api.openai.com", "x-trace", "abc123def456",
	};
	static const char *const r2[] = { ":status", "200" };
	static const char *const trailers[] = { "x-trace", "abc123def456" };
	nghttp2_hd_deflater *d = h2b_deflater(4096);
	struct h2b b = { 0 }, blk = { 0 }, pl = { 0 };
	struct script sc = { 0 };
	struct tt_h2 *p;

	h2b_settings_sizes(&b, 4096, 16384);
	h2b_hpack(d, &blk, RESP1, 1);
	h2b_frame(&b, 1, 0x4, 1, blk.p, blk.n);
	h2b_hpack(d, &blk, pp, 5);
	h2b_put_be(&pl, 2, 4); /* promised stream */
	h2b_put(&pl, blk.p, blk.n);
	h2b_frame_padded(&b, 5, 0x4, 1, pl.p, pl.n, 4, 0);
	h2b_hpack(d, &blk, r2, 1);
	h2b_frame(&b, 1, 0x4, 2, blk.p, blk.n);
	h2b_frame(&b, 0, 0x1, 2, "css", 3);
	h2b_hpack(d, &blk, trailers, 1);
	TT_CHECK_EQ_INT(blk.n, 1); /* one dynamic-table reference */
	h2b_frame(&b, 1, 0x5, 1, blk.p, blk.n);
	sc.d = b.p;
	sc.n = b.n;
	p = check_run(TT_H2_SERVER, &sc,
		      "<S4096 16384><H1 :status=200><H2 :status=200>"
		      "<D2>css<E><H1e x-trace=abc123def456>", SIZE_MAX);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->push_promises, 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->frames[TT_H2_PUSH_PROMISE], 1);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->header_blocks, 4);
	write_seed("push_promise", &b);
	tt_h2_free(p);

	/* A client never sends one. */
	b.n = 0;
	h2b_put_str(&b, TT_H2_PREFACE);
	h2b_frame(&b, 5, 0x4, 1, pl.p, pl.n);
	sc.d = b.p;
	sc.n = b.n;
	p = check_run(TT_H2_CLIENT, &sc, "", SIZE_MAX);
	TT_CHECK_EQ_INT(tt_h2_state(p), TT_H2_ERROR);
	TT_CHECK_EQ_U64(tt_h2_get_stats(p)->protocol_errors, 1);
	tt_h2_free(p);
	nghttp2_hd_deflate_del(d);
	free(b.p);
	free(blk.p);
	free(pl.p);
}
